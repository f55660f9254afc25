/*
 * writers/writerd/backend.h - what vss-writerd asks of a writer type
 * (exec, postgresql, mariadb, sqlite) and what it gives it.
 *
 * vss-writerd reads one configuration file per writer, picks the type's
 * backend by [writer] type, hands the type's own section ([exec],
 * [postgresql] ...) to config_key, and subscribes a vss_writer whose
 * callbacks are the backend's, each wrapped so that every event is logged
 * with its result and duration.  Every hosted writer runs its handlers on
 * a thread of its own, so a handler may block (a command, a database
 * query) for as long as its deadline allows without delaying the others.
 *
 * vss-writerd blocks SIGHUP, SIGINT and SIGTERM in every thread (it reads
 * them from a signalfd) and ignores SIGPIPE: a backend that starts a
 * process restores the default signal mask and dispositions in the child.
 */
#ifndef WD_BACKEND_H
#define WD_BACKEND_H

#include <stdbool.h>

#include <vss/writer.h>

#include "decl.h"

struct wd_writer; /* one hosted writer (writerd/hosted.c) */

enum wd_log_level {
	WD_LOG_ERR = 3,
	WD_LOG_WARNING = 4,
	WD_LOG_NOTICE = 5,
	WD_LOG_INFO = 6,
	WD_LOG_DEBUG = 7,
};

struct wd_backend {
	const char *type;             /* [writer] type = ... and the section */
	const char *class_id;         /* default class id (text) */
	const char *default_name;     /* default friendly name */
	enum vss_usage_type usage;    /* defaults of the identity */
	enum vss_source_type source;
	unsigned decl_parts;          /* WDECL_* the file may declare */

	/* The type's private state, one per hosted writer. */
	int (*state_new)(void **ret);
	void (*state_free)(void *state);
	/*
	 * One key of the [TYPE] section, in file order: 0 taken, or -EINVAL
	 * (-ENOMEM) with err's message set ("unknown key", "... is not a
	 * number"); the caller adds file, line, section and key.
	 */
	int (*config_key)(void *state, const char *key, const char *value,
			  struct vss_error *err);
	/*
	 * After the whole file: check what is required and fill defaults; may
	 * complete the declaration (the restore method a database type
	 * chooses, say).  -EINVAL with err set refuses the file.
	 */
	int (*config_done)(void *state, struct wdecl *decl,
			   struct vss_error *err);
	/*
	 * Give up everything held for a backup or restore (a connection in a
	 * backup, a lock, a held helper process); idempotent.  Called when
	 * the writer stops, when its connection to vssd is lost, and after
	 * backup_shutdown.  Runs on the writer's thread.
	 */
	void (*release)(struct wd_writer *w);
	/*
	 * The handlers; userdata is the struct wd_writer *.  identify gets
	 * the WMD with the identity already set (from the decl); a backend
	 * with WDECL_COMPONENTS in decl_parts may call wdecl_fill_wmd().
	 */
	struct vss_writer_callbacks callbacks;
};

extern const struct wd_backend wd_backend_exec;
extern const struct wd_backend wd_backend_postgresql;
extern const struct wd_backend wd_backend_mariadb;
extern const struct wd_backend wd_backend_sqlite;

/* The backend of a [writer] type name, or NULL.  (backends.c) */
const struct wd_backend *wd_backend_find(const char *type);
/* "exec, postgresql, mariadb, sqlite", for error messages. */
const char *wd_backend_names(void);

/* ---- for backends (writerd/hosted.c, log.c) --------------------------- */

/* The backend's state of this writer (what state_new made). */
void *wd_writer_state(struct wd_writer *w);
/* The writer's declaration: identity, restore method, components. */
const struct wdecl *wd_writer_decl(const struct wd_writer *w);
/* The friendly name and instance name (never NULL), for messages. */
const char *wd_writer_name(const struct wd_writer *w);
const char *wd_writer_instance_name(const struct wd_writer *w);

/*
 * Log a line of this writer: "vss-writerd[NAME]: message" on stderr and,
 * with log_file, in that file.  Thread-safe; one write() per line.
 */
void wd_log(struct wd_writer *w, enum wd_log_level level, const char *fmt,
	    ...) __attribute__((format(printf, 3, 4)));

/*
 * Fail identify: log the message, hand status and message to the library
 * (vss_writer_identify_set_failure) and return status for the handler to
 * return.  status is VSS_E_WRITERERROR_RETRYABLE when the application is
 * down.
 */
int wd_identify_fail(struct wd_writer *w, vss_writer *vw, int status,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Fail an event: log the message, set it as the writer failure of ev
 * (vss_writer_event_set_failure) and return status for the handler to
 * return.
 */
int wd_event_fail(struct wd_writer *w, vss_writer_event *ev, int status,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* ---- the writer's state file (writerd/state.c) --------------------------- */

/* The largest state file wd_state_load() takes. */
#define WD_STATE_MAX_SIZE (64 * 1024)

/*
 * What a backend remembers across restarts of vss-writerd (the layout
 * of its application as last seen, say), kept in the daemon's state
 * directory (--state-dir) in a file named after the writer's instance
 * name.  Only the daemon writes there, so what comes back is as
 * trustworthy as what the backend saved; it is still only text from a
 * file: decode it strictly.
 *
 * wd_state_save: replace the file by text (at most WD_STATE_MAX_SIZE
 * bytes) atomically: a temporary file, fsync, rename, fsync of the
 * directory; mode 0600.  0 or a negative errno, and the failure logged
 * (a writer goes on without its state file).
 *
 * wd_state_load: the text last saved, NUL-terminated; caller owns *ret,
 * free with free().  -ENOENT when there is none (not logged); any other
 * failure is logged and refuses the file: not a regular file (a
 * symbolic link is not followed), not owned by the daemon's user,
 * writable by group or others, larger than WD_STATE_MAX_SIZE, a NUL
 * byte in it, or a state directory not owned by the daemon's user or
 * writable by group or others (-EPERM, -EFBIG, -EBADMSG, -errno).
 */
int wd_state_save(struct wd_writer *w, const char *text);
int wd_state_load(struct wd_writer *w, char **ret);
/*
 * wd_state_save() of text (which the call takes over) unless it equals
 * *last, the text this writer saved last (NULL: none yet); *last becomes
 * text once saved.  So a backend saves at every identify and writes only
 * what changed.
 */
void wd_state_save_changed(struct wd_writer *w, char **last, char *text);

#endif
