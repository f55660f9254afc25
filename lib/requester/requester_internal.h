/*
 * lib/requester/requester_internal.h - the requester object shared by its
 * parts: requester.c (the state machine, the backup components document,
 * the calls of vss/requester.h that make a backup), manage.c (the shadow
 * copy management calls, which have no phase of their own) and async.c
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

/* The phases of one backup job (backup.md §2); see requester_check(). */
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

#endif
