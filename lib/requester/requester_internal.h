/*
 * lib/requester/requester_internal.h - the requester object shared by its
 * parts: requester.c (the state machine, the backup components document,
 * the calls of vss/requester.h that make a backup), manage.c (the shadow
 * copy management calls, which have no phase of their own), restore.c,
 * restore_select.c and restore_doc.c (the restore calls) and async.c
 * (the connection, the I/O thread that reads replies, and the vss_async
 * handles).
 *
 * Threads: the caller's thread sends requests; one I/O thread per
 * requester reads replies and completes the matching vss_async.  One
 * mutex, r->lock, guards every field below (and the fields of each
 * vss_async); nothing blocks while holding it.
 */
#ifndef VSS_REQUESTER_INTERNAL_H
#define VSS_REQUESTER_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <vss/requester.h>

#include "client/conn.h"

/*
 * The phases of one backup job (backup.md §2) or restore (restore.md §1);
 * see requester_check().
 */
enum requester_state {
	RS_NEW,           /* connected, InitializeForBackup not yet called */
	RS_INITIALIZED,   /* BCD exists; context, state, writer lists */
	RS_GATHERED,      /* writer metadata gathered (BK-006) */
	RS_SET_STARTED,   /* StartSnapshotSet done (BK-007) */
	RS_PREPARED,      /* PrepareForBackup succeeded */
	RS_SNAPSHOT_DONE, /* DoSnapshotSet succeeded (BK-018) */
	RS_COMPLETED,     /* BackupComplete succeeded */
	RS_FAILED,        /* a step of the set failed or was cancelled */
	RS_ABORTED,       /* AbortBackup: only release is left (BK-001) */
	RS_RESTORE_INITIALIZED, /* InitializeForRestore: the saved BCD */
	RS_RESTORE_GATHERED,    /* writer metadata gathered (RS-002) */
	RS_PRE_RESTORED,        /* PreRestore succeeded */
	RS_POST_RESTORED,       /* PostRestore succeeded */
};

/* The calls whose order matters, for requester_check(). */
enum requester_call {
	RC_INITIALIZE,
	RC_SET_CONTEXT,
	RC_SET_BACKUP_STATE,
	RC_WRITER_LISTS,
	RC_GATHER_METADATA,
	RC_GATHER_STATUS,
	RC_ADD_COMPONENT,
	RC_COMPONENT_TEXT, /* backup options, previous backup stamp */
	RC_START_SET,
	RC_IS_VOLUME_SUPPORTED,
	RC_ADD_TO_SET,
	RC_PREPARE,
	RC_DO_SNAPSHOT_SET,
	RC_SNAPSHOT_PROPERTIES,
	RC_BACKUP_SUCCEEDED,
	RC_BACKUP_COMPLETE,
	RC_SAVE_BCD,
	RC_ABORT,
	RC_MANAGE,          /* query, delete, expose...: manage.c */
	RC_RESTORE_WMD,     /* the saved writer metadata documents */
	RC_RESTORE_MATCH,   /* matching saved writers to live ones */
	RC_RESTORE_OPTIONS, /* restore options, new targets, restore state */
	RC_RESTORE_SELECT,  /* selected for restore, restore subcomponents */
	RC_PRE_RESTORE,
	RC_RESTORE_RESULTS, /* file restore status, location mappings used */
	RC_POST_RESTORE,
};

/*
 * A writer entry of the saved document as initialize_for_restore loaded
 * it (restore.c), at the same position as in the document: matching
 * reads these, never what the document says later (RS-003), and the
 * replies of vssd get them back.
 */
struct restore_entry {
	vss_id class_id;
	vss_id saved_id; /* the instance id saved at backup */
	char *name;      /* the instance name saved, or NULL; owned */
	/*
	 * The id the entry travels to vssd with from pre_restore on: the
	 * live instance's when matched, else a fresh one no live writer
	 * has (so that vssd sends it nothing and no two entries share one).
	 */
	vss_id wire_id;
};

struct vss_async {
	vss_requester *r;    /* holds a reference on r */
	unsigned refs;       /* the caller's, the pending list's */
	int fd;              /* eventfd: readable once the operation ended */
	int status;          /* VSS_S_ASYNC_PENDING until it ends */
	bool cancelled;      /* vss_async_cancel() returned 0 */
	bool long_op;        /* a vss_async of the API, not an internal call */
	enum wire_type type; /* of the request */
	uint64_t id;         /* of the request */
	json_t *reply;       /* internal calls: the reply, owned */
	vss_async *next;     /* in r->pending */
};

/* A set of ids (writer classes or instances), for BK-005. */
struct id_list {
	vss_id *ids;
	size_t count, cap;
};

struct vss_requester {
	/* ---- transport (async.c) ---- */
	pthread_mutex_t lock;
	unsigned refs;         /* the caller's, and one per vss_async */
	struct conn conn;
	bool conn_open;
	int conn_error;        /* 0, or why requests can no longer be sent */
	int wake_fd;           /* eventfd: wakes the I/O thread */
	bool stopping;
	bool thread_started;
	pthread_t thread;
	vss_async *pending;    /* requests waiting for their reply */

	/* ---- the backup job (requester.c) ---- */
	enum requester_state state;
	vss_async *op;         /* the long operation under way, or NULL */
	int32_t context;
	bool context_set;      /* BK-003: once */
	bool backup_state_set; /* BK-004 */
	vss_bcd *bcd;
	bool enable_mode;      /* BK-005: EnableWriterClasses was called */
	struct id_list enabled, disabled, disabled_instances;
	vss_wmd **wmds;
	size_t wmd_count;
	struct vss_writer_status *statuses;
	size_t status_count;
	vss_id set_id;
	struct vss_snapshot_prop *snapshots; /* known properties, owned */
	size_t snapshot_count, snapshot_cap;
	bool have_set_results; /* a do_snapshot_set reply was applied */
	bool app_consistent;
	struct vss_set_timings timings;

	/* ---- a restore (restore.c) ---- */
	bool restore;          /* InitializeForRestore was called */
	vss_wmd **saved_wmds;  /* the WMDs saved at backup, owned (RS-003) */
	size_t saved_wmd_count;
	/*
	 * Every writer entry of the saved document, in its order; read by
	 * the I/O thread when a pre_restore or post_restore reply comes, so
	 * left alone while r->op is set.
	 */
	struct restore_entry *entries;
	size_t entry_count;
};

/* The lock; const accessors take it too. */
static inline void
requester_lock(const vss_requester *r)
{
	pthread_mutex_lock((pthread_mutex_t *)&r->lock);
}

static inline void
requester_unlock(const vss_requester *r)
{
	pthread_mutex_unlock((pthread_mutex_t *)&r->lock);
}

/* ---- async.c ------------------------------------------------------------ */

/* Connect, say hello and start the I/O thread. */
int transport_open(vss_requester *r, const char *socket_path);
/*
 * Stop and join the I/O thread, complete every pending request with
 * -ECONNRESET, close the connection.  Lock not held.
 */
void transport_close(vss_requester *r);
/* The id of the next request.  Lock held. */
uint64_t transport_next_id(vss_requester *r);
/*
 * Send request msg (its id from transport_next_id()) and track its reply
 * with a new vss_async (refs 1, the caller's).  Lock held.
 */
int transport_submit(vss_requester *r, json_t *msg, bool long_op,
		     vss_async **ret);
/*
 * Send msg and wait for its reply.  Lock held on entry and on return,
 * released while waiting.  Returns the reply's status (0, or negative)
 * and *ret_reply (caller owns) when it is 0.
 */
int transport_call(vss_requester *r, json_t *msg, json_t **ret_reply);
/*
 * The same, but *ret_reply is the reply whatever its status: a failure
 * can carry results too (SN-021).  NULL when no reply came (the
 * connection ended); untouched when msg could not be sent.
 */
int transport_call_any(vss_requester *r, json_t *msg, json_t **ret_reply);

/*
 * End an operation taken off the pending list: 0 becomes
 * VSS_S_ASYNC_FINISHED.  Lock held.
 */
void async_finish(vss_async *a, int status);
/* Drop a reference; the last one frees.  Lock not held. */
void async_unref(vss_async *a);
/* Drop a reference on the requester; the last one frees.  Lock not held. */
void requester_unref(vss_requester *r);

/* Debug output on stderr when $VSS_DEBUG is set; the library logs no more. */
void requester_debug(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* ---- requester.c -------------------------------------------------------- */

/* 0 when call is allowed now, VSS_E_BAD_STATE otherwise.  Lock held. */
int requester_check(const vss_requester *r, enum requester_call call);
/* Every change of phase, logged as "from -> to on event".  Lock held. */
void requester_change_state(vss_requester *r, enum requester_state to,
			    const char *event);
/* A new request of type with the next id; *ret caller owns.  Lock held. */
int requester_request_new(vss_requester *r, enum wire_type type,
			  json_t **ret);
/* Start msg as the long operation of r.  Lock held. */
int requester_start_op(vss_requester *r, json_t *msg, vss_async **ret);

/*
 * The reply (NULL when the connection ended) of a long operation: apply
 * its results, change state, finish a.  Runs on the I/O thread, or in
 * transport_close(); lock not held.
 */
void requester_op_reply(vss_requester *r, vss_async *a, int status,
			json_t *reply);
/* Free what the backup job owns (not the transport).  Lock not held. */
void requester_release(vss_requester *r);
/*
 * A new management request (manage.c): VSS_E_BAD_STATE unless the phase
 * allows one now; the request carries the requester's context when vssd
 * must be told it.  *ret caller owns.  Lock held.
 */
int requester_manage_request(vss_requester *r, enum wire_type type,
			     json_t **ret);
/*
 * The "writers" of a gather_writer_status or list_writers reply (checked
 * by wire_check()).  *ret (NULL only on -ENOMEM) and *ret_n are written
 * also on failure, with what was parsed so far: the caller frees them
 * with vss_writer_states_free() either way.
 */
int writer_statuses_parse(json_t *reply, struct vss_writer_status **ret,
			  size_t *ret_n);
/*
 * One shadow copy as vssd describes it: an entry of "snapshots" or the
 * reply of get_snapshot_properties.  set_id is its set and count the size
 * of the set when the object does not say (count 0: not known).  The
 * strings of *ret are owned, freed with the array that holds it
 * (vss_snapshot_props_free()).
 */
int snapshot_prop_parse(json_t *obj, const vss_id *set_id, long count,
			struct vss_snapshot_prop *ret);

/* ---- restore.c, restore_match.c ---------------------------------------- */

/*
 * The document of a pre_restore or post_restore reply (NULL when it has
 * none), with each writer entry given back the instance id and name it
 * was saved with, by position (vssd keeps the order of the entries;
 * -EPROTO when the reply's entries are not those of r->entries).  On the
 * I/O thread, lock not held; *ret caller owns.
 */
int restore_parse_reply(const vss_requester *r, json_t *reply,
			vss_bcd **ret);
/* Free what the restore owns.  Lock held. */
void restore_release(vss_requester *r);

/* The parts of a restore share these; lock held for each. */

/* The WMD saved at backup of the writer (class id, instance id), or NULL. */
const vss_wmd *restore_saved_wmd(const vss_requester *r,
				 const vss_id *class_id,
				 const vss_id *instance_id);

struct restore_match {
	enum vss_restore_writer_match match;
	const vss_wmd *live; /* the gathered WMD of the live writer, or NULL */
};
/*
 * The match of every writer entry of the document, in its order: first
 * the live writer with the entry's class and saved instance id (the same
 * process still running), then by instance name, then the first free
 * instance of the class for entries saved without a name; entries whose
 * saved WMD says VSS_WRE_NEVER choose last, from what the others left.
 * *ret caller owns; free().
 */
int restore_match_all(const vss_requester *r, struct restore_match **ret);

/* A component of a writer entry of the saved document. */
struct restore_ref {
	vss_bcd_writer *w;
	vss_bcd_component *c;
	size_t index;          /* of w in the document */
	const vss_wmd *saved;  /* the WMD saved at backup, or NULL */
};
/*
 * The component (type, logical path, name) of the writer entry (class id,
 * saved instance id): VSS_E_OBJECT_NOT_FOUND when there is none.
 */
int restore_ref_find(const vss_requester *r, const vss_id *class_id,
		     const vss_id *saved_instance_id,
		     enum vss_component_type type, const char *logical_path,
		     const char *name, struct restore_ref *ret);
/* How the entry at index of the document matches a live writer now. */
int restore_match_entry(const vss_requester *r, size_t index,
			enum vss_restore_writer_match *ret,
			const vss_wmd **ret_live);
/* The backup schema of the writer: of its saved WMD, else of its entry. */
uint32_t restore_ref_schema(const struct restore_ref *ref);
/*
 * Is the WMD component member in the restore set of the explicitly
 * included component of ref: itself, or an implicitly included
 * descendant whose nearest explicitly included ancestor it is?
 */
bool restore_ref_has_member(const struct restore_ref *ref,
			    const struct vss_wm_component *member);
/*
 * Is (path, filespec, recursive) a file set of a member of that restore
 * set in the saved WMD (which ref must have)?
 */
bool restore_ref_has_file_set(const struct restore_ref *ref,
			      const char *path, const char *filespec,
			      bool recursive);

/* ---- restore_doc.c ------------------------------------------------------ */

/*
 * Clear what an earlier restore left in a saved document (RS-001): the
 * restore type, and on every component the selection for restore,
 * restore options, subcomponents, additional and authoritative restore,
 * roll forward, restore name, target, file restore status, mappings, new
 * and directed targets, restore metadata and failure messages of
 * restore.
 */
void restore_doc_reset(vss_bcd *bcd);
/* Forget the restore subcomponents of c. */
void restore_doc_clear_subcomponents(vss_bcd_component *c);
/* Give the writer entry another instance id. */
void restore_doc_set_instance_id(vss_bcd_writer *w, const vss_id *id);
/* Give the writer entry another instance name (NULL: none); -ENOMEM. */
int restore_doc_set_instance_name(vss_bcd_writer *w, const char *name);

#endif
