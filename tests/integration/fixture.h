/*
 * tests/integration/fixture.h - a private vssd on a temporary socket and
 * state directory, loop-mounted volumes (btrfs, or any file system a
 * mkfs makes) and vss-test-writer processes, for the integration tests
 * and bench-freeze-window.
 *
 * One fixture per process.  Everything it made (processes, mounts, loop
 * devices, the temporary directory) is undone by fx_free(), at exit, and
 * on SIGINT/SIGTERM/SIGHUP/SIGQUIT/SIGABRT, so a failing or interrupted
 * run leaves nothing mounted: processes stopped, volumes thawed, other
 * mounts below the directory (exposures) unmounted, then the volumes,
 * the last added first, and their loop devices detached.  Processes it
 * starts die with it (PR_SET_PDEATHSIG).  The programs come from $VSSD
 * and $VSS_TEST_WRITER.
 * Errors are printed to stderr (lower case, "fixture: ...") and returned
 * as negative errno values.
 */
#ifndef VSS_TEST_FIXTURE_H
#define VSS_TEST_FIXTURE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <vss/requester.h>
#include <vss/types.h>

#define FX_MAX_VOLUMES 4
#define FX_MAX_WRITERS 512

struct fx_volume {
	char image[PATH_MAX];
	char loop[64];
	char mnt[PATH_MAX];
	char fstype[16];       /* as mount(2) takes it: "btrfs", "xfs"... */
	dev_t image_dev;       /* to tell our loop device from a reused one */
	ino_t image_ino;
	bool attached;
	bool mounted;
};

struct fx_writer {
	pid_t pid;             /* 0 once reaped */
	int exit_status;       /* wait status once reaped */
	char name[64];
	vss_id class_id;
	char log[PATH_MAX];
	char ready[PATH_MAX];
};

struct fx {
	char dir[80];              /* the temporary directory; the socket
				    * path must fit sockaddr_un */
	char socket[108];          /* sizeof(sockaddr_un.sun_path) */
	char state_dir[PATH_MAX];
	char config[PATH_MAX];
	char vssd_log[PATH_MAX];   /* when daemon_log_to_file */
	bool daemon_log_to_file;   /* else vssd's stderr is ours */
	pid_t vssd;
	int vssd_exit_status;      /* wait status once stopped */
	struct fx_volume vols[FX_MAX_VOLUMES];
	size_t n_vols;
	struct fx_writer *writers; /* FX_MAX_WRITERS entries */
	size_t n_writers;
};

/*
 * Why the fixture cannot run on this machine (not root, no loop devices,
 * $VSSD or $VSS_TEST_WRITER unset or not executable, one of the mkfs
 * programs named in the NULL-terminated list mkfs not found), or NULL
 * when it can.  mkfs may be NULL: no file system is made.  Static string.
 */
const char *fx_unavailable_with(const char *const *mkfs);
/* fx_unavailable_with() mkfs.btrfs: what fx_add_volume() needs. */
const char *fx_unavailable(void);

/* A fixture with its temporary directory.  Caller owns; free with
 * fx_free(). */
int fx_new(struct fx **ret);
/* Stop every process, unmount, detach, remove the directory. */
void fx_free(struct fx *fx);

/* A file system in an image file on a loop device, for fx_add_image(). */
struct fx_image {
	/*
	 * The image file and the mount point, both created (neither may
	 * exist); the image may lie in an earlier volume.  NULL:
	 * <dir>/vol<N>.img and <dir>/vol<N>, N the volume's index.
	 */
	const char *image;
	const char *mnt;
	unsigned size_mb;
	const char *fstype;         /* for mount(2): "btrfs", "xfs", "ext4" */
	/*
	 * The mkfs program (looked up in $PATH, /usr/sbin and /sbin) and
	 * its options, NULL-terminated; the loop device is appended.  Its
	 * output goes to <dir>/mkfs.log.
	 */
	const char *const *mkfs;
};

/*
 * Create the image, attach it to a loop device (autoclear), make the file
 * system and mount it.  On failure what was made stays registered and is
 * undone with the fixture.  *ret borrowed: valid until fx_free().
 */
int fx_add_image(struct fx *fx, const struct fx_image *img,
		 struct fx_volume **ret);
/*
 * A btrfs volume of size_mb MiB at <dir>/vol<N> (fx_add_image()).
 * *ret_mnt borrowed: valid until fx_free().
 */
int fx_add_volume(struct fx *fx, unsigned size_mb, const char **ret_mnt);
/* n fx_add_volume()s: their mount points in ret_mnts[0..n). */
int fx_add_volumes(struct fx *fx, size_t n, unsigned size_mb,
		   const char **ret_mnts);
/* FITHAW the file system mounted at mnt, frozen or not; async-signal-safe. */
void fx_thaw(const char *mnt);
/*
 * Remove path and everything below it, not crossing into other file
 * systems; what cannot be removed stays.
 */
void fx_remove_tree(const char *path);

/* What the tests and the benchmark set in vssd.conf; 0: the default. */
struct fx_vssd_config {
	unsigned event_timeout_ms;  /* identify, prepare..., 0: 2000 */
	unsigned freeze_timeout_ms; /* freeze and thaw, 0: 3000 */
	unsigned max_writers;       /* 0: vssd's default */
	unsigned max_connections;   /* 0: vssd's default */
	unsigned max_frame;         /* bytes, 0: vssd's default */
	/*
	 * Appended as is: more [vssd] keys first ("max_shadow_copies = 2\n"),
	 * then any sections ("[provider x]\n...").  NULL: none.
	 */
	const char *extra;
};

/*
 * Write vssd.conf from cfg (NULL: all defaults) and start vssd in the
 * foreground; returns once its socket accepts connections (10 s at most).
 */
int fx_start_vssd(struct fx *fx, const struct fx_vssd_config *cfg);
/* True while vssd runs (reaps it when it has exited). */
bool fx_vssd_alive(struct fx *fx);
/* SIGTERM, wait up to 10 s, then SIGKILL.  Returns the wait status (a
 * clean exit is 0) or a negative errno. */
int fx_stop_vssd(struct fx *fx);
/*
 * SIGKILL, as a crash: vssd cleans nothing up (its socket file stays).
 * fx_start_vssd() starts it again on the same socket and state directory.
 * Returns the wait status or a negative errno.
 */
int fx_kill_vssd(struct fx *fx);

/*
 * What the tests set up once: fx_new(), n_vols volumes of size_mb MiB
 * (their mount points in ret_mnts[0..n_vols), borrowed: valid until
 * fx_free()), then fx_start_vssd() with cfg.  On failure nothing is left.
 * Caller owns; finish with fx_teardown().
 */
int fx_setup(struct fx **ret, size_t n_vols, unsigned size_mb,
	     const char **ret_mnts, const struct fx_vssd_config *cfg);
/*
 * fx_stop_vssd() and fx_free(); 0 when vssd exited cleanly, else a
 * negative errno (-ECHILD for an unclean exit), its status printed.
 */
int fx_teardown(struct fx *fx);
/*
 * What a test leaves is undone for the next one: writers stopped, vssd
 * started with cfg if it is down, every shadow copy deleted through it
 * (VSS_CTX_ALL, so its inventory is empty too, and exposures go with
 * them), and a wait (10 s at most) until the btrfs volumes hold none,
 * as releases of sessions the test ended may still be on their way.
 * 0, or a negative errno or VSS status, printed.
 */
int fx_clean_up(struct fx *fx, const struct fx_vssd_config *cfg);

struct fx_writer_opts {
	const char *name;          /* required, unique in the fixture */
	const char *level;         /* "front_end", "back_end", "system" */
	const char *component;     /* "LOGICAL/PATH=DIR" or NULL */
	const char *marker_dir;    /* or NULL */
	const char *const *extra;  /* more arguments, NULL-terminated */
	bool no_wait;              /* do not wait for the ready file */
};

/*
 * Start a vss-test-writer with its own class id, log and ready file and
 * wait until it is subscribed (10 s at most).  *ret borrowed: valid until
 * fx_free().
 */
int fx_writer_start(struct fx *fx, const struct fx_writer_opts *opts,
		    struct fx_writer **ret);
/* Wait for the ready file of a writer started with no_wait. */
int fx_writer_wait_ready(struct fx_writer *w, int timeout_ms);
/* Stop one writer (SIGTERM, then SIGKILL after 5 s); 0 also if gone. */
int fx_writer_stop(struct fx_writer *w);
/* Stop all writers and forget them (their logs stay until fx_free()). */
void fx_writers_stop_all(struct fx *fx);

/*
 * One line of a writer's log: "mono_ns real_ns event set_id result
 * detail", tab-separated; mono_ns is when the event arrived.
 */
struct fx_event {
	uint64_t mono_ns;
	uint64_t real_ns;
	char event[32];
	char set_id[VSS_ID_STRLEN + 2];
	char result[64];
};

/* Read a writer's log.  *ret caller owns; free(). */
int fx_writer_events(const struct fx_writer *w, struct fx_event **ret,
		     size_t *ret_n);
/* Index of the first event named name at or after from, or -1. */
long fx_events_find(const struct fx_event *ev, size_t n, size_t from,
		    const char *name);
/* How many events named name are in the log (0 on read errors). */
size_t fx_writer_count(const struct fx_writer *w, const char *name);
/*
 * Wait until the writer's log holds at least count events named name.
 * 0, or -ETIMEDOUT.
 */
int fx_writer_wait_count(const struct fx_writer *w, const char *name,
			 size_t count, int timeout_ms);

/*
 * The events of the backup/abort sequence (BK-010) in a log from index
 * from on, space separated into buf ("identify prepare_backup ...").
 * Other events (pre_restore...) are left out.
 */
void fx_events_sequence(const struct fx_event *ev, size_t n, size_t from,
			char *buf, size_t size);

/* Where the btrfs provider keeps shadow copies: a subvolume. */
#define FX_SHADOWS_DIR ".vss-shadows"

/*
 * Where the btrfs provider keeps shadow copy id of volume, into out: 0, or
 * -ENAMETOOLONG.
 */
int fx_shadow_path(const char *volume, const vss_id *id, char *out,
		   size_t size);

/*
 * Is path (absolute, without symbolic links) a mount point in our mount
 * namespace?  Read from /proc/self/mountinfo; false when it cannot be.
 */
bool fx_is_mount_point(const char *path);
/* Wait until path no longer exists: 0, or -ETIMEDOUT. */
int fx_wait_gone(const char *path, int timeout_ms);
/*
 * Lines of vssd's log (fx->daemon_log_to_file) holding text, and also
 * also unless it is NULL.  The log is appended to across restarts:
 * compare counts before and after.
 */
size_t fx_vssd_log_count(const struct fx *fx, const char *text,
			 const char *also);

/*
 * Subvolumes below the mount point mnt other than FX_SHADOWS_DIR itself:
 * shadow copies, made or half-made.  Returns the count or a negative
 * errno; names the first in first (may be NULL).
 */
int fx_snapshot_count(const char *mnt, char *first, size_t size);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t fx_now_ns(void);
/* Sleep ms milliseconds. */
void fx_sleep_ms(unsigned ms);

/* ---- a whole backup through the requester API ----------------------- */

enum fx_step {
	FX_STEP_NEW,
	FX_STEP_INITIALIZE,
	FX_STEP_SET_CONTEXT, /* only with a context other than backup */
	FX_STEP_SET_STATE,
	FX_STEP_DISABLE,     /* only with disabled classes */
	FX_STEP_GATHER_METADATA,
	FX_STEP_START_SET,
	FX_STEP_ADD_VOLUMES,
	FX_STEP_PREPARE,
	FX_STEP_DO_SNAPSHOT_SET,
	FX_STEP_GATHER_STATUS,
	FX_STEP_BACKUP_COMPLETE,
	FX_STEP_FREE,
	FX_STEP_COUNT
};

/* "new", "initialize"... static. */
const char *fx_step_name(enum fx_step s);

struct fx_backup {
	/* in */
	const char *socket;           /* NULL: $VSS_SOCKET */
	const char *volumes[FX_MAX_VOLUMES];
	size_t n_volumes;
	const vss_id *disabled_classes;
	size_t n_disabled;
	/*
	 * VSS_CTX_* with modifier bits; 0 (backup): set_context is not
	 * called.  With NO_WRITERS the writer steps are left out (BK-078):
	 * gather metadata, prepare, gather status, backup complete.
	 */
	int32_t context;
	int async_timeout_ms;         /* per asynchronous call; 0: 60000 */
	/*
	 * Stop before FX_STEP_FREE, and on a failure without calling
	 * abort_backup: the requester is left in b->requester.
	 */
	bool keep;
	/*
	 * Called after each step that succeeded (done true) and, for the
	 * asynchronous steps, also once right after the call is made before
	 * waiting (done false).  A nonzero return stops the run with that
	 * value.
	 */
	int (*hook)(struct fx_backup *b, enum fx_step step, bool done,
		    vss_requester *r);
	void *userdata;
	/* out */
	enum fx_step failed_step;     /* the step that failed */
	int status;                   /* its status, 0 when all went well */
	vss_id set_id;
	vss_id snapshot_ids[FX_MAX_VOLUMES];
	uint64_t step_ns[FX_STEP_COUNT]; /* time each step took */
	vss_requester *requester;     /* with keep: caller owns */
};

/*
 * Run a backup in the order of backup.md §2 in non-component mode (every
 * writer takes part): new, initialize, set context, set backup state
 * (full), disable classes, gather metadata, start set, add volumes,
 * prepare, do snapshot set, gather status, backup complete, free.
 * Returns 0, the hook's value or the first failing status (also in
 * b->status with b->failed_step).
 */
int fx_backup_run(struct fx_backup *b);

/*
 * A set of the volumes (n at most FX_MAX_VOLUMES) in context, made with
 * fx_backup_run() on the fixture's vssd: *b is reset, filled from the
 * arguments and run.  With keep the requester stays in b->requester
 * (caller owns), so do its auto-release shadow copies.
 */
int fx_make_set(const struct fx *fx, int32_t context,
		const char *const *volumes, size_t n, bool keep,
		struct fx_backup *b);

/*
 * A requester for the management calls (query, delete, expose...) in
 * context: new, initialize_for_backup, and set_context unless context is
 * VSS_CTX_BACKUP.  Caller owns; free with vss_requester_free().
 */
int fx_requester_new(const struct fx *fx, int32_t context,
		     vss_requester **ret);

/*
 * Wait for an asynchronous call and take its outcome: 0 when it finished,
 * else its failure status (or -ETIMEDOUT).  Frees a.
 */
int fx_async_finish(vss_async *a, int timeout_ms);

#endif
