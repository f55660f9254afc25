/*
 * cli/show_status.h - what vssd reports (a writer's status, a provider, a
 * shadow copy) through the output layer, one spelling for every command
 * (docs/cli-json.md).
 */
#ifndef VSS_CLI_SHOW_STATUS_H
#define VSS_CLI_SHOW_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vss/requester.h>

#include "output.h"

/*
 * A writer's last error as vssadmin names it (TL-003), from its failure
 * status: "No error", "Retryable error", "Timed out", ...; static.
 */
const char *writer_last_error(int32_t failure);

/*
 * A writer's state and failure, added to the object open in o: state,
 * state_code, last_error, failure, application_failure.
 */
void show_writer_state(struct output *o, enum vss_writer_state state,
		       int32_t failure, int32_t application_failure);
/* The same when known (a status was gathered), else those keys null. */
void show_writer_state_if(struct output *o, bool known,
			  enum vss_writer_state state, int32_t failure,
			  int32_t application_failure);
/*
 * "event_ms": the milliseconds of each event sent (indexed by enum
 * vss_writer_event_kind, negative: not sent), as one object in o; null
 * when event_ms is NULL (no status gathered).
 */
void show_writer_event_ms(struct output *o, const double *event_ms);
/*
 * The writer's status: name, class_id, instance_id, instance_name, state,
 * state_code, last_error, failure, application_failure, message.  _fields
 * adds them to the object open in o; the other makes them one object.
 */
void show_writer_status_fields(struct output *o,
			       const struct vss_writer_status *st);
void show_writer_status(struct output *o,
			const struct vss_writer_status *st);
void show_provider(struct output *o, const struct vss_provider_prop *p);
/*
 * The shadow copy as one object; the provider's name is looked up in the
 * n providers (NULL when vssd has none by that id).
 */
void show_shadow_copy(struct output *o, const struct vss_snapshot_prop *s,
		      const struct vss_provider_prop *providers, size_t n);

#endif
