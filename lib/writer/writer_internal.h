/*
 * lib/writer/writer_internal.h - the event a writer handles, shared by the
 * writer's connection and dispatch (writer.c) and the event decoding,
 * helpers and reply (writer_event.c).
 */
#ifndef VSS_WRITER_INTERNAL_H
#define VSS_WRITER_INTERNAL_H

#include <vss/writer.h>

#include "wire/wire.h"

/* One shadow copy of the set as post_snapshot lists it. */
struct writer_snapshot {
	const char *volume; /* borrowed from the event message */
	const char *device;
};

/*
 * Strings and arrays of strings are borrowed from the event message, which
 * outlives the callback; the BCD and the failure message are owned.
 */
struct vss_writer_event {
	enum wire_event type;
	uint64_t id;
	int32_t context;
	enum vss_backup_type backup_type;
	enum vss_restore_type restore_type;
	bool select_components;
	bool bootable_system_state;
	bool partial_file_support;
	vss_id snapshot_set_id;
	const char **volumes;
	size_t volume_count;
	struct writer_snapshot *snapshots;
	size_t snapshot_count;
	vss_bcd *bcd;                /* NULL when the event carries none */
	vss_bcd_writer *components;  /* this writer's entry, component mode */
	int failure;                 /* vss_writer_event_set_failure() */
	int app_failure;
	char *failure_message;
	/* post_restore: each component's post-restore failure message as
	 * the event brought it (NULL: none), owned. */
	char **received_post_msgs;
	size_t received_post_msg_count;
};

/* writer_event.c */

/*
 * An event with no fields (the abort the writer raises itself when its
 * freeze window ends); release with writer_event_release().
 */
void writer_event_init(struct vss_writer_event *ev, enum wire_event type,
		       const vss_id *snapshot_set_id);
/*
 * Decode the event message msg, checked by wire_check() and outliving ev,
 * for the writer (class_id, instance_id).  ev->id and ev->type are set
 * even when the rest fails, so that the failure can be replied.  Returns
 * 0, the error of loading the BCD, or -ENOMEM.  Release ev either way.
 */
int writer_event_decode(struct vss_writer_event *ev, json_t *msg,
			const vss_id *class_id, const vss_id *instance_id);
void writer_event_release(struct vss_writer_event *ev);
/*
 * The event_reply for ev when its handler returned ret (BK-031, BK-041):
 * status, failure fields, and the BCD when the event may change it
 * (BK-021).  Caller owns *ret_reply.  0 or -ENOMEM.
 */
int writer_event_reply(const struct vss_writer_event *ev, int ret,
		       json_t **ret_reply);

#endif
