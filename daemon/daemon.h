/*
 * daemon/daemon.h - the internals of vssd shared between its files, with
 * prototypes grouped by the file that defines them (relayd, bgpd).
 *
 * The pieces: loop.c runs the one event loop; control.c owns the socket
 * and the client connections (thin dispatch); writers.c the registry of
 * subscribed writers and the events in flight to them; session.c the
 * requester sessions (the backup state of each requester), restore.c
 * their restore requests; fanout.c the writers taking part in a session,
 * their VSS writer states and the sending of one event to many at once;
 * coordinator.c the one snapshot set being created and its provider
 * work; job.c the worker threads that run provider calls off the loop.
 */
#ifndef VSSD_DAEMON_H
#define VSSD_DAEMON_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

#include <jansson.h>
#include <vss/metadata.h>
#include <vss/types.h>

#include "exclude.h"
#include "log.h"
#include "provider.h"
#include "wire/wire.h"

#define VSSD_DEFAULT_SOCKET "/run/vss/vssd.sock"
/* The state directory's: VSS_DEFAULT_STATE_DIR (util/pending_restore.h). */
#define VSSD_DEFAULT_CONFIG "/etc/vss/vss.conf"
#define VSSD_DEFAULT_EXPOSE_DIR "/run/vss/shadows"

/* BK-070: volumes in one shadow copy set. */
#define SET_MAX_VOLUMES 64

struct client;
struct writer;
struct session;
struct participant;
struct snapset;
struct job;

/* ---- loop.c ---------------------------------------------------------- */

struct loop_io;
typedef void (*loop_io_fn)(struct loop_io *io, uint32_t events);
struct loop_io {
	int fd; /* -1 when not registered */
	loop_io_fn fn;
	void *arg;
};

/* A named one-shot timer on CLOCK_MONOTONIC. */
struct timer;
typedef void (*timer_fn)(struct timer *t);
struct timer {
	const char *name; /* for debug logs; static string */
	timer_fn fn;
	void *arg;
	uint64_t deadline; /* ns */
	bool armed;
	TAILQ_ENTRY(timer) entry;
};

/* A call run by the loop after the current event, once however often
 * it is queued. */
typedef void (*deferred_fn)(void *arg);
struct deferred {
	deferred_fn fn;
	void *arg;
	bool queued;
	TAILQ_ENTRY(deferred) entry;
};

uint64_t now_ns(void);
double ms_between(uint64_t start_ns, uint64_t end_ns);
int loop_init(void);
void loop_release(void);
/* Runs until loop_exit(). */
void loop_run(void);
void loop_exit(void);
int loop_add(struct loop_io *io, int fd, uint32_t events, loop_io_fn fn,
	     void *arg);
int loop_modify(struct loop_io *io, uint32_t events);
/* Unregister (the caller closes the fd); fd becomes -1. */
void loop_remove(struct loop_io *io);
void timer_init(struct timer *t, const char *name, timer_fn fn, void *arg);
/* Arm ms milliseconds from now (re-arming moves it). */
void timer_arm(struct timer *t, uint64_t ms);
void timer_disarm(struct timer *t);
void defer_init(struct deferred *d, deferred_fn fn, void *arg);
void defer_queue(struct deferred *d);
void defer_cancel(struct deferred *d);

/* ---- config.c -------------------------------------------------------- */

struct config {
	char *group_name;  /* requester and admin group, or NULL */
	gid_t group;
	unsigned max_connections;
	unsigned max_writers;
	size_t max_frame;
	size_t max_queued_output;
	size_t max_document;
	uint32_t identify_timeout_ms;
	uint32_t prepare_backup_timeout_ms;
	uint32_t prepare_snapshot_timeout_ms;
	uint32_t freeze_timeout_ms;
	uint32_t thaw_timeout_ms;
	uint32_t post_snapshot_timeout_ms;
	uint32_t abort_timeout_ms;
	uint32_t backup_complete_timeout_ms;
	uint32_t backup_shutdown_timeout_ms;
	uint32_t pre_restore_timeout_ms;
	uint32_t post_restore_timeout_ms;
	uint32_t commit_timeout_ms; /* also the FIFREEZE watchdog */
	uint32_t provider_timeout_ms;
	/* Shadow copies per volume (SN limits: 1..512). */
	unsigned max_shadow_copies;
	/* At the limit: delete the oldest instead of failing. */
	bool delete_oldest;
	char *expose_dir; /* default exposures: <expose_dir>/<snapshot id> */
	/* [files-not-to-snapshot] entries (SN-061). */
	struct exclude_list files_not_to_snapshot;
	/* DisableUserProfileExpansion: $UserProfile$ entries are dropped. */
	bool disable_user_profile_expansion;
	/* [provider NAME] sections; read at start only. */
	struct exec_conf *exec_providers;
};

/* The configuration in force; replaced as a whole on reload. */
extern struct config *conf;

/*
 * Load path (NULL: the default path, which may be absent) into a new
 * configuration.  Unknown keys are warned about; a bad value fails.
 * Caller owns; free with config_free().
 */
int config_load(const char *path, struct config **ret);
void config_free(struct config *c);
/* The reply deadline of an event to writers (freeze: see fanout.c). */
uint32_t config_event_timeout(enum wire_event ev);

/* ---- control.c ------------------------------------------------------- */

enum client_role {
	ROLE_NONE, /* before hello */
	ROLE_REQUESTER,
	ROLE_WRITER,
	ROLE_ADMIN,
};

struct client {
	TAILQ_ENTRY(client) entry;
	struct loop_io io;
	uid_t uid;
	pid_t pid;
	bool privileged; /* root or a member of the configured group */
	enum client_role role;
	vss_id session_id;
	char sid[VSS_ID_STRLEN]; /* session id text, for logs */
	struct wire_reader reader;
	uint8_t *out; /* queued output: out[out_off .. out_len) */
	size_t out_off, out_len, out_cap;
	bool polling_out; /* EPOLLOUT registered */
	bool closing;
	struct deferred close_later;
	struct session *session; /* requester role */
	struct writer *writer;   /* writer role, once subscribed */
};

/* Bind and listen on path (socket dir 0755, socket 0660 + group). */
int control_listen(const char *path);
/* Stop accepting; the socket file is removed. */
void control_stop_listening(void);
/* Stop accepting and close every client. */
void control_shutdown(void);
/* After a reload: group of the socket. */
void control_reconfigure(void);
/*
 * Queue msg (a reference is not taken) and write what can be written.
 * Returns 0, or a negative error after which the client is closing.
 */
int client_send(struct client *c, json_t *msg);
/* client_send() of an encoded frame (not taken over). */
int client_send_frame(struct client *c, const uint8_t *frame, size_t len);
/* Reply with status and message; fields (may be NULL) are merged in. */
int client_reply(struct client *c, uint64_t id, int status,
		 const char *message, json_t *fields);
/* Close because of fmt (logged once); the close itself is deferred. */
void client_close(struct client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- writers.c ------------------------------------------------------- */

/* The last known status of a writer, for list_writers. */
struct writer_status {
	enum vss_writer_state state;
	int32_t failure;
	int32_t app_failure;
	char *message;
};

struct wcall;
/* reply is NULL when the writer did not answer in time or went away. */
typedef void (*wcall_fn)(struct wcall *call, int status, json_t *reply);

/* One event in flight to a writer, awaiting its reply. */
struct wcall {
	TAILQ_ENTRY(wcall) entry;
	struct writer *writer;
	uint64_t id;
	enum wire_event event;
	uint64_t sent_ns;
	struct timer timer;
	wcall_fn fn;
	void *arg;
	bool pending;
};

struct writer {
	TAILQ_ENTRY(writer) entry;
	struct client *client;
	uid_t uid;
	vss_id class_id;
	vss_id instance_id;
	char *instance_name; /* or NULL */
	char *friendly_name;
	char iid[VSS_ID_STRLEN]; /* instance id text, for logs */
	enum vss_usage_type usage;
	enum vss_source_type source;
	enum vss_app_level level;
	uint32_t freeze_timeout_ms;
	TAILQ_HEAD(, wcall) calls;
	TAILQ_HEAD(, participant) participants;
	struct writer_status last;
};

int writers_subscribe(struct client *c, uint64_t id, json_t *msg);
int writers_unsubscribe(struct client *c, uint64_t id);
/* An event_reply from c; negative when the reply is malformed. */
int writers_event_reply(struct client *c, json_t *msg);
/* c is closing: its writer leaves the registry. */
void writers_client_gone(struct client *c);
int writers_list(struct client *c, uint64_t id);
/* Iterate the registry: NULL gives the first. */
struct writer *writers_next(struct writer *w);
/*
 * Send event ev, encoded in msg (its "id" is set here), to w and await the reply for at
 * most timeout_ms.  fn is called exactly once, never from inside this
 * call, unless wcall_cancel() comes first.  Returns 0 or -ENOMEM.
 */
int writer_call(struct writer *w, struct wcall *call, enum wire_event ev,
		json_t *msg, uint32_t timeout_ms, wcall_fn fn, void *arg);
/* A new event id, unique across writers. */
uint64_t writers_new_event_id(void);
/* writer_call() for an event already encoded with id (a fan-out). */
void writer_call_frame(struct writer *w, struct wcall *call, uint64_t id,
		       enum wire_event ev, const uint8_t *frame, size_t len,
		       uint32_t timeout_ms, wcall_fn fn, void *arg);
/* Send an event whose reply nobody waits for (writers that hung). */
void writer_notify(struct writer *w, json_t *msg);
void wcall_cancel(struct wcall *call);
/* Writer status into a JSON object as gather_writer_status shows it. */
json_t *writer_status_json(const vss_id *class_id, const vss_id *instance_id,
			   const char *instance_name,
			   const char *friendly_name,
			   const struct writer_status *st,
			   const double *event_ms, const bool *has_event_ms);

/* ---- fanout.c -------------------------------------------------------- */

/* A writer taking part in a session, with its writer state (BK-040). */
struct participant {
	TAILQ_ENTRY(participant) entry;  /* session->participants */
	TAILQ_ENTRY(participant) wentry; /* writer->participants */
	struct session *session;
	struct writer *writer; /* NULL once the writer has left */
	vss_id class_id;
	vss_id instance_id;
	char *instance_name;
	char *friendly_name;
	enum vss_app_level level;
	uint32_t freeze_timeout_ms;
	char *wmd; /* identify reply, until the gather reply is sent */
	/* Its identify WMD's writer restore setting (RS-050); UNDEFINED
	 * when it declared no restore method. */
	enum vss_writer_restore writer_restore;
	struct exclude_list excludes; /* its files not to snapshot (SN-060) */
	struct writer_status status;
	bool identified;         /* answered identify: listed (BK-013) */
	bool selected;           /* takes part in the backup (BK-011) or
				  * the restore (RS-004) */
	bool took_part;          /* got an event after identify */
	bool post_snapshot_sent; /* gets no abort any more (BK-083) */
	bool aborted;            /* got abort in this set */
	bool hung;               /* missed a deadline: not awaited again */
	bool abort_pending;      /* abort follows the reply in flight */
	uint64_t freeze_sent_ns;
	double event_ms[WIRE_EV_COUNT];
	bool has_event_ms[WIRE_EV_COUNT];
	struct wcall call;
};

typedef bool (*fanout_filter)(const struct participant *p);
typedef void (*fanout_done_fn)(struct session *s);
/* After each reply; failure is the writer's status (0: it succeeded). */
typedef void (*fanout_reply_fn)(struct participant *p, int failure);

/* One event sent to many writers at once. */
struct fanout {
	bool active;
	enum wire_event event;
	size_t outstanding;
	size_t sent;
	uint64_t started_ns;
	fanout_reply_fn on_reply;
	fanout_done_fn done;
	struct deferred finish;
};

/* A new participant for w (identify); caller links it. */
int participant_new(struct session *s, struct writer *w,
		    struct participant **ret);
void participant_free(struct participant *p);
/*
 * Send ev to every participant that filter accepts (freeze and thaw:
 * those of level), each awaited with its own deadline.  done runs once
 * every reply is in or timed out, never from inside this call.  Returns
 * the number of events sent, or -ENOMEM.
 */
int fanout_start(struct session *s, enum wire_event ev,
		 enum vss_app_level level, fanout_filter filter,
		 fanout_reply_fn on_reply, fanout_done_fn done);
/* Stop awaiting the replies of the current fan-out; done is not run. */
void fanout_cancel(struct session *s);
/*
 * The freeze window closed (BK-060, BK-080): writers still owing a reply
 * fail as not responding, frozen writers held past their own freeze
 * timeout with VSS_E_WRITERERROR_TIMEOUT; the fan-out ends without done.
 */
void fanout_window_expired(struct session *s);
/*
 * Abort to the writers that may still need it (BK-080..BK-083).  done
 * runs from the loop even when this fails (-ENOMEM: nobody was told).
 */
int fanout_abort(struct session *s, fanout_done_fn done);
/*
 * p's writer left before event ev could be sent to it (RS-113): p fails
 * at ev with VSS_E_WRITER_NOT_RESPONDING, as if it had not answered.
 */
void participant_lost(struct participant *p, enum wire_event ev);
/* Filters. */
bool fanout_selected(const struct participant *p);
bool fanout_took_part(const struct participant *p);

/* ---- session.c ------------------------------------------------------- */

enum session_state {
	SESSION_INIT,
	SESSION_GATHERING,
	SESSION_GATHERED,
	SESSION_SET_STARTED,
	SESSION_PREPARING,
	SESSION_PREPARED,
	SESSION_SNAPSHOTTING,
	SESSION_SNAPSHOT_DONE,
	SESSION_COMPLETING,
	SESSION_COMPLETE,
	SESSION_ABORTING,
	SESSION_ABORTED,
	/* A restore session (restore.md §1): pre_restore after gathering. */
	SESSION_PRE_RESTORING,
	SESSION_PRE_RESTORED,
	SESSION_POST_RESTORING,
	SESSION_RESTORED,
	SESSION_CLOSING,
};

/* What moves a session from state to state (session_next()). */
enum session_event {
	SE_GATHER,
	SE_GATHER_DONE,
	SE_GATHER_CANCELLED,
	SE_START_SET,
	SE_ADD_VOLUME,
	SE_PREPARE,
	SE_PREPARE_DONE,
	SE_DO_SNAPSHOT,
	SE_SNAPSHOT_DONE,
	SE_SNAPSHOT_FAILED,
	SE_COMPLETE,
	SE_COMPLETE_DONE,
	SE_ABORT,
	SE_ABORT_DONE,
	SE_CLOSE,
	SE_PRE_RESTORE,
	SE_PRE_RESTORE_DONE,
	SE_POST_RESTORE,
	SE_POST_RESTORE_DONE,
};

struct pending_request {
	TAILQ_ENTRY(pending_request) entry;
	json_t *msg;
	enum wire_type type;
	uint64_t id;
};

struct session {
	TAILQ_ENTRY(session) entry;
	struct client *client; /* NULL once the requester has gone */
	vss_id id;
	char sid[VSS_ID_STRLEN];
	uid_t uid;
	pid_t pid;
	enum session_state state;
	int32_t context;
	bool context_set;
	bool gathered;
	bool prepared;
	struct vss_backup_state backup;
	/* The restore type pre_restore set; the events carry it. */
	enum vss_restore_type restore_type;
	vss_bcd *bcd;
	/* bcd's size saved, from the start of each writable event on. */
	size_t bcd_size;
	size_t excluded_writers; /* disabled, or failed identify */
	TAILQ_HEAD(, participant) participants;
	struct fanout fanout;
	struct snapset *set;
	/* The request being served; the others wait in queue. */
	bool busy;
	enum wire_type busy_type;
	uint64_t busy_id;
	TAILQ_HEAD(, pending_request) queue;
	size_t queued;
	struct deferred drain;
	struct job *volume_job; /* add_to_snapshot_set, is_volume_supported */
	struct timer volume_timer;
	/* Closing: what is left to do before the session is freed. */
	bool shutdown_sent;
	bool release_started;
	bool inventory_release_started;
	bool inventory_released;
	struct job *manage_job; /* a management request's volume lookup */
};

int session_new(struct client *c, struct session **ret);
/*
 * The state ev leads to from the current one, or -1 when ev is not
 * allowed there (VSS_E_BAD_STATE); session_change_state() enters it.
 */
int session_next(const struct session *s, enum session_event ev);
void session_change_state(struct session *s, int to, enum session_event ev);
/*
 * Send the writers that filter picks the event we and enter state to on
 * ev; done answers the request.  A fan-out that cannot start fails it
 * and leaves the state as it was.
 */
int session_fan_out(struct session *s, int to, enum session_event ev,
		    enum wire_event we, fanout_filter filter,
		    fanout_done_fn done);
/*
 * A document field of a request: 0 and *ret (borrowed from msg),
 * -ENOENT when absent; over max_document the connection closes
 * (-EMSGSIZE).
 */
int session_document(struct session *s, json_t *msg, const char *key,
		     const char **ret);
/* Put the session's document, if any, as XML into fields. */
int session_fields_bcd(struct session *s, json_t *fields);
/* The requester is gone: the next step of closing, once the work under
 * way (a fan-out, the set) has ended. */
void session_close_step(struct session *s);
/* A request of the session's requester (type already role-checked). */
int session_request(struct session *s, enum wire_type type, uint64_t id,
		    json_t *msg);
/* Answer the request being served (fields borrowed, sent whatever the
 * status) and let the queue move on. */
int session_finish(struct session *s, int status, const char *message,
		   json_t *fields);
int session_fail(struct session *s, int status, const char *message);
/* Answer with status r and, when r is 0, fields; then drop fields. */
int session_finish_fields(struct session *s, int r, json_t *fields);
/* The context field of a request, checked and kept (BK-003, SN-001). */
int session_context_field(struct session *s, json_t *msg);
/* The requester has gone: abort, shut writers down, release (BK-085). */
void session_client_gone(struct session *s);
/* From coordinator.c: do_snapshot_set has ended (status 0: created). */
void session_set_done(struct session *s, int status);
/* From coordinator.c: the set is released. */
void session_released(struct session *s);
/* The session with this id, if it is still there. */
struct session *session_find(const vss_id *id);
/*
 * Merge a writer's returned document of the writable event ev into the
 * session BCD (BK-021, RS-008): negative, with a log line, when refused.
 */
int session_merge_bcd(struct session *s, struct participant *p,
		      enum wire_event ev, const char *xml);
/* Add the session's backup state fields to event ev. */
int session_event_fields(struct session *s, enum wire_event ev,
			 json_t *msg);
/* SIGTERM: close every session as if its requester had gone. */
void sessions_shutdown(void);
size_t sessions_count(void);

/* ---- restore.c ------------------------------------------------------- */

/* pre_restore, post_restore: the restore requests of a session (RS-004). */
int restore_request(struct session *s, enum wire_type type, json_t *msg);

/* ---- manage.c -------------------------------------------------------- */

/*
 * Query, delete, expose, unexpose, query_providers,
 * is_volume_snapshotted: the management requests of a session.
 */
int manage_request(struct session *s, enum wire_type type, json_t *msg);
/* The session is going: a lookup in flight answers nobody. */
void manage_session_gone(struct session *s);

/* ---- coordinator.c --------------------------------------------------- */

enum set_state {
	SET_ADDING,        /* start_snapshot_set done, volumes being added */
	SET_PREPARING,     /* provider prepare and prepare_snapshot */
	SET_FREEZING,      /* freeze, level by level */
	SET_COMMITTING,    /* provider pre-commit, commit, post-commit */
	SET_THAWING,       /* thaw, level by level in reverse */
	SET_SEALING,       /* files not to snapshot removed, read-only */
	SET_POST_SNAPSHOT, /* post_snapshot to the writers */
	SET_CREATED,
	SET_ABORTING,
	SET_ABORTED,
};

/* One shadow copy of the set. */
struct set_snapshot {
	vss_id snapshot_id;
	char *volume;
	const struct provider *provider;
	struct provider_snapshot *snap; /* in the provider work */
};

struct provider_work;

/* "set <id> (session <id>)", the prefix of the set's log messages. */
#define SET_TAG_LEN (2 * VSS_ID_STRLEN + 20)

/* When each phase of a set began (CLOCK_MONOTONIC ns), for timings. */
enum set_phase { PH_START, PH_FREEZE, PH_COMMIT, PH_THAW, PH_POST, PH_END, PH_COUNT };

struct snapset {
	struct session *session;
	vss_id id;
	char sid[VSS_ID_STRLEN];
	char tag[SET_TAG_LEN];
	int32_t context;
	enum set_state state;
	struct set_snapshot snapshots[SET_MAX_VOLUMES];
	size_t count;
	struct provider_work *work;
	struct job *job; /* provider job in flight */
	struct timer provider_timer;
	struct timer window_timer;
	int level_index;
	uint32_t window_ms;
	bool provider_prepared;
	bool writers_prepared;
	int status; /* why the set failed */
	uint64_t phase_ns[PH_COUNT];
	uint64_t first_freeze_ns;
	double freeze_window_ms;
	bool making_room; /* deleting the oldest shadow copies first */
	bool abort_writers_done;
	bool abort_provider_done;
	struct deferred released;
};

/* A context set_context accepts: 0 or -EINVAL (SN-001); VSS_CTX_ALL is
 * one, for query, delete and expose, but no set is made with it. */
int context_check(int32_t context);
/* Contexts without NO_WRITERS involve writers (BK-078). */
bool context_has_writers(int32_t context);
/* StartSnapshotSet: the machine-wide slot (BK-008). */
int coordinator_start_set(struct session *s, int32_t context,
			  struct snapset **ret);
/* Add a normalised volume with its provider (BK-070, BK-072). */
int set_add_volume(struct snapset *set, const char *volume,
		   const struct provider *provider, vss_id *ret_snapshot_id);
/* DoSnapshotSet; session_set_done() reports the end. */
void set_do_snapshot(struct snapset *set);
/* Abort whatever the set is doing (status: why); no-op once created. */
void set_abort(struct snapset *set, int status);
/* True while do_snapshot_set or an abort of it is under way. */
bool set_busy(const struct snapset *set);
/*
 * Free the set (its shadow copies, if made, are the inventory's);
 * session_released() reports the end, never from inside this call.
 */
void set_release(struct snapset *set);
/* Snapshot list fields of post_snapshot and of the reply. */
json_t *set_volumes_json(const struct snapset *set);
json_t *set_snapshots_json(const struct snapset *set, bool full);
/* do_snapshot_set reply fields: timings and freeze window. */
int set_timings_json(const struct snapset *set, json_t *reply);
uint32_t set_attributes(const struct snapset *set,
			const struct provider *provider);
/* SIGTERM: abort the set being made, if any. */
void coordinator_shutdown(void);

/* ---- job.c ----------------------------------------------------------- */

typedef void (*job_fn)(struct job *j);

/*
 * Work run on a thread of its own; done runs on the loop afterwards.  arg
 * belongs to the work until done runs; an owner that gives up on a job
 * changes only done (read on the loop alone) to hand the result over.
 */
struct job {
	job_fn work; /* on the worker thread */
	job_fn done; /* on the loop; the job is freed after it returns */
	void *arg;
	/* private */
	int efd;
	struct loop_io io;
	pthread_t thread;
};

/* Start work on a new thread.  Returns the job (freed by job.c after
 * done) or NULL on failure (then done is never called). */
struct job *job_start(job_fn work, job_fn done, void *arg);
size_t jobs_running(void);

/* ---- volume.c -------------------------------------------------------- */

/*
 * The mount point of path: realpath, then it must be a mount point in
 * /proc/self/mountinfo (a btrfs subvolume mount counts).  May block (run
 * on a job).  VSS_E_OBJECT_NOT_FOUND otherwise.  Caller owns *ret.
 */
int volume_normalise(const char *path, char **ret);
/*
 * *ret: whether path is, exactly, the mount point of an entry of
 * /proc/self/mountinfo (its octal escapes decoded).  No realpath: pass a
 * canonical path.  -errno when mountinfo cannot be read.
 */
int volume_is_mount_point(const char *path, bool *ret);
/*
 * The source (the block device, "pool/dataset", "none"...) and the file
 * system type of what is mounted at mount, from /proc/self/mountinfo,
 * octal escapes decoded; the topmost mount if several are stacked there.
 * mount must be a canonical path, compared exactly (no realpath).
 * VSS_E_OBJECT_NOT_FOUND when mount is not a mount point, -errno when
 * mountinfo cannot be read.  Either ret_* may be NULL (not wanted);
 * caller owns the strings; free with free().  May block (run on a job).
 */
int volume_mount_source(const char *mount, char **ret_source,
			char **ret_fstype);

/* ---- documents.c ----------------------------------------------------- */

/*
 * The document a writer sees: bcd with only the entry of (class_id,
 * instance_id), as XML (bcd is left as it was).  Caller owns *ret
 * (free()).
 */
int bcd_writer_subset(vss_bcd *bcd, const vss_id *class_id,
		      const vss_id *instance_id, char **ret);
/* The size of bcd saved as XML. */
int bcd_size(vss_bcd *bcd, size_t *ret);
/*
 * Take into the entry of (class_id, instance_id) of bcd what the writer
 * may set in the writable event ev (prepare_backup, post_snapshot,
 * pre_restore), from the same entry of its document xml; nothing else of
 * xml is read.  *doc_size: the size of bcd saved, kept up to date; a
 * merge that would take it past max_size is -EFBIG.  -EINVAL when the
 * entry names other components than bcd's or bcd has none;
 * VSS_E_INVALID_XML_DOCUMENT.  On failure bcd is unchanged.
 */
int bcd_merge_writer(vss_bcd *bcd, enum wire_event ev, const char *xml,
		     const vss_id *class_id, const vss_id *instance_id,
		     size_t *doc_size, size_t max_size);
/*
 * Check a writer's identify reply describes that writer; add its
 * exclude-from-snapshot file sets to excludes; *ret_writer_restore: its
 * writer restore setting (VSS_WRE_UNDEFINED without a restore method).
 */
int wmd_check_identity(const char *xml, const vss_id *class_id,
		       const vss_id *instance_id, struct exclude_list *excludes,
		       enum vss_writer_restore *ret_writer_restore);

/* ---- inventory.c, inventory_ops.c ----------------------------------- */

/* A shadow copy of a created set, until it is deleted. */
struct shadow {
	TAILQ_ENTRY(shadow) entry;
	vss_id id;
	vss_id set_id;
	char sid[VSS_ID_STRLEN]; /* id text, for logs */
	long set_count;          /* shadow copies in the set at creation */
	char *volume;
	char *device;
	const struct provider *provider;
	int32_t context;
	uint32_t attributes;     /* at creation; exposure bits added */
	vss_timestamp created;
	char *machine;           /* originating and service machine */
	char *exposed;           /* where it is exposed, or NULL */
	bool exposed_default;    /* under expose_dir: the directory is ours */
	vss_id exposed_by;       /* non-persistent exposure: that session */
	vss_id owner;            /* auto-release: the session; null: none */
};

/* Which shadow copies a delete is about (SN-021, vssadmin's forms). */
enum select_kind {
	SELECT_SNAPSHOT,
	SELECT_SET,
	SELECT_VOLUME,
	SELECT_OLDEST, /* the oldest of volume */
	SELECT_ALL,
};

struct inventory_select {
	enum select_kind kind;
	vss_id id;          /* SNAPSHOT, SET */
	const char *volume; /* VOLUME, OLDEST: normalised mount point */
	int32_t context;    /* only shadow copies of this context; or ALL */
};

/*
 * The end of a change: status, and fields for the reply (deleted,
 * non_deleted_id, exposed_name; borrowed, NULL on some failures).
 */
typedef void (*inventory_done_fn)(void *arg, int status, json_t *fields);

/* Iterate: NULL gives the first. */
struct shadow *inventory_next(const struct shadow *sh);
struct shadow *inventory_find(const vss_id *id);
size_t inventory_count_volume(const char *volume);
bool shadow_persistent(const struct shadow *sh);
/* VSS_SNAPSHOT_PROP fields of sh into o (query, get_snapshot_properties). */
int shadow_properties_json(const struct shadow *sh, json_t *o);
/* Same base context, or context is VSS_CTX_ALL (SN-010). */
bool inventory_context_matches(const struct shadow *sh, int32_t context);
/* The auto-release owner of sh is a session still running. */
bool inventory_owner_alive(const struct shadow *sh);
/*
 * The set is created: its shadow copies join the inventory and its
 * record is rewritten as created.  owner: the session, for auto-release
 * ones.
 */
int inventory_add_set(const struct snapset *set, const vss_id *owner);
/* Rewrite or remove the record of a set after a change. */
void inventory_store_set(const vss_id *set_id);
/* Drop sh from the list (its record is the caller's business). */
void inventory_forget(struct shadow *sh);
/* At start: a record of a persistent set (setlog_recover). */
int inventory_restore(const json_t *rec, const char *name);
/* At start, after setlog_recover(): reconcile with the providers, show
 * persistent exposures again.  Blocking. */
void inventory_reconcile(void);
void inventory_release(void);
/*
 * Changes, run one at a time in order.  Each returns 0 and calls done
 * exactly once, never from inside the call; or fails at once (then done
 * is never called): VSS_E_OBJECT_NOT_FOUND, VSS_E_OBJECT_ALREADY_EXISTS,
 * -EINVAL, -ENOMEM.
 */
int inventory_delete(const struct inventory_select *sel,
		     inventory_done_fn done, void *arg);
/*
 * path NULL: <expose_dir>/<id>.  session_id: who exposes it.  Only a
 * shadow copy of context (or VSS_CTX_ALL) is found.
 */
int inventory_expose(const vss_id *id, int32_t context, const char *path,
		     const vss_id *session_id, inventory_done_fn done,
		     void *arg);
int inventory_unexpose(const vss_id *id, int32_t context,
		       inventory_done_fn done, void *arg);
/* The session ended: its auto-release shadow copies and its exposures go. */
int inventory_session_gone(const vss_id *session_id, inventory_done_fn done,
			   void *arg);
/*
 * max_shadow_copies with delete-oldest: delete the oldest shadow copies
 * of each volume at the limit, not ones a running backup holds;
 * VSS_E_MAXIMUM_NUMBER_OF_SNAPSHOTS_REACHED when none may go.
 */
int inventory_make_room(const char *const *volumes, size_t n,
			inventory_done_fn done, void *arg);

/* ---- setlog.c -------------------------------------------------------- */

/* Make <state_dir>/sets, where the set records are kept. */
int setlog_init(const char *state_dir);
void setlog_release(void);
/*
 * Write the record of set atomically: its volumes, snapshot ids and
 * providers, and the devices of those committed.  Blocks on fsync: never
 * while writers are frozen.
 */
int setlog_write(const struct snapset *set);
/* Write rec as the record of set_id atomically (the inventory's form). */
int setlog_store(const vss_id *set_id, json_t *rec);
/* Every shadow copy of the set is deleted: its record goes. */
int setlog_remove(const vss_id *set_id);
/*
 * At start, before connections are accepted: records of persistent
 * created sets go to inventory_restore(); for the others (sets being
 * made, auto-release sets: their sessions died with the last run) the
 * shadow copies are deleted, then the records.  A record that cannot be
 * read is renamed to <name>.bad.
 */
void setlog_recover(void);

#endif
