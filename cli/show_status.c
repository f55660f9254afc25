/*
 * cli/show_status.c - writers, providers and shadow copies through the
 * output layer, in the schema of docs/cli-json.md (show_status.h).
 */
#include <vss/status.h>

#include "show_status.h"

const char *
writer_last_error(int32_t failure)
{
	switch (failure) {
	case VSS_OK:
		return "No error";
	case VSS_E_WRITERERROR_INCONSISTENTSNAPSHOT:
		return "Inconsistent shadow copy";
	case VSS_E_WRITERERROR_OUTOFRESOURCES:
		return "Out of resources";
	case VSS_E_WRITERERROR_TIMEOUT:
		return "Timed out";
	case VSS_E_WRITERERROR_RETRYABLE:
		return "Retryable error";
	case VSS_E_WRITERERROR_NONRETRYABLE:
		return "Non-retryable error";
	case VSS_E_WRITER_NOT_RESPONDING:
		return "Not responding";
	default:
		return "Unexpected error";
	}
}

void
show_writer_state(struct output *o, enum vss_writer_state state,
		  int32_t failure, int32_t application_failure)
{
	output_enum(o, "state", vss_writer_state_str(state), (int)state);
	output_int(o, "state_code", state);
	output_string(o, "last_error", writer_last_error(failure));
	output_status(o, "failure", failure);
	output_status(o, "application_failure", application_failure);
}

void
show_writer_state_if(struct output *o, bool known,
		     enum vss_writer_state state, int32_t failure,
		     int32_t application_failure)
{
	if (known) {
		show_writer_state(o, state, failure, application_failure);
		return;
	}
	output_null(o, "state");
	output_null(o, "state_code");
	output_null(o, "last_error");
	output_null(o, "failure");
	output_null(o, "application_failure");
}

void
show_writer_event_ms(struct output *o, const double *event_ms)
{
	if (!event_ms) {
		output_null(o, "event_ms");
		return;
	}
	output_begin_object(o, "event_ms");
	for (int e = 0; e < VSS_EVENT_COUNT; e++)
		if (event_ms[e] >= 0 && vss_writer_event_kind_str(e))
			output_double(o, vss_writer_event_kind_str(e),
				      event_ms[e]);
	output_end_object(o);
}

void
show_writer_status_fields(struct output *o,
			  const struct vss_writer_status *st)
{
	output_string(o, "name", st->name);
	output_id(o, "class_id", &st->class_id);
	output_id(o, "instance_id", &st->instance_id);
	output_string(o, "instance_name", st->instance_name);
	show_writer_state(o, st->state, st->failure, st->application_failure);
	output_string(o, "message", st->message);
}

void
show_writer_status(struct output *o, const struct vss_writer_status *st)
{
	output_begin_object(o, NULL);
	show_writer_status_fields(o, st);
	output_end_object(o);
}

void
show_provider(struct output *o, const struct vss_provider_prop *p)
{
	output_begin_object(o, NULL);
	output_id(o, "provider_id", &p->provider_id);
	output_string(o, "name", p->name);
	output_enum(o, "type", vss_provider_type_str(p->type), (int)p->type);
	output_string(o, "version", p->version);
	output_id(o, "version_id", &p->version_id);
	output_end_object(o);
}

static const struct output_flag snapshot_attr_names[] = {
	{VSS_VOLSNAP_ATTR_PERSISTENT, "PERSISTENT"},
	{VSS_VOLSNAP_ATTR_NO_AUTORECOVERY, "NO_AUTORECOVERY"},
	{VSS_VOLSNAP_ATTR_CLIENT_ACCESSIBLE, "CLIENT_ACCESSIBLE"},
	{VSS_VOLSNAP_ATTR_NO_AUTO_RELEASE, "NO_AUTO_RELEASE"},
	{VSS_VOLSNAP_ATTR_NO_WRITERS, "NO_WRITERS"},
	{VSS_VOLSNAP_ATTR_TRANSPORTABLE, "TRANSPORTABLE"},
	{VSS_VOLSNAP_ATTR_NOT_SURFACED, "NOT_SURFACED"},
	{VSS_VOLSNAP_ATTR_NOT_TRANSACTED, "NOT_TRANSACTED"},
	{VSS_VOLSNAP_ATTR_HARDWARE_ASSISTED, "HARDWARE_ASSISTED"},
	{VSS_VOLSNAP_ATTR_DIFFERENTIAL, "DIFFERENTIAL"},
	{VSS_VOLSNAP_ATTR_PLEX, "PLEX"},
	{VSS_VOLSNAP_ATTR_IMPORTED, "IMPORTED"},
	{VSS_VOLSNAP_ATTR_EXPOSED_LOCALLY, "EXPOSED_LOCALLY"},
	{VSS_VOLSNAP_ATTR_EXPOSED_REMOTELY, "EXPOSED_REMOTELY"},
	{VSS_VOLSNAP_ATTR_AUTORECOVER, "AUTORECOVER"},
	{VSS_VOLSNAP_ATTR_ROLLBACK_RECOVERY, "ROLLBACK_RECOVERY"},
	{VSS_VOLSNAP_ATTR_DELAYED_POSTSNAPSHOT, "DELAYED_POSTSNAPSHOT"},
	{VSS_VOLSNAP_ATTR_TXF_RECOVERY, "TXF_RECOVERY"},
	{VSS_VOLSNAP_ATTR_FILE_SHARE, "FILE_SHARE"},
	{0, NULL},
};

/* The attribute bits that make up a context (VSS_CTX_* values). */
#define CONTEXT_BITS                                                           \
	(VSS_VOLSNAP_ATTR_PERSISTENT | VSS_VOLSNAP_ATTR_CLIENT_ACCESSIBLE |    \
	 VSS_VOLSNAP_ATTR_NO_AUTO_RELEASE | VSS_VOLSNAP_ATTR_NO_WRITERS)

void
show_shadow_copy(struct output *o, const struct vss_snapshot_prop *s,
		 const struct vss_provider_prop *providers, size_t n)
{
	int32_t context = (int32_t)(s->attributes & CONTEXT_BITS);
	const char *provider_name = NULL;
	size_t i;

	for (i = 0; i < n; i++)
		if (vss_id_equal(&providers[i].provider_id, &s->provider_id))
			provider_name = providers[i].name;
	output_begin_object(o, NULL);
	output_id(o, "snapshot_id", &s->snapshot_id);
	output_id(o, "snapshot_set_id", &s->snapshot_set_id);
	output_timestamp(o, "created", s->created);
	output_string(o, "volume", s->original_volume);
	output_string(o, "device", s->device);
	output_string(o, "exposed_name", s->exposed_name);
	output_string(o, "exposed_path", s->exposed_path);
	output_string(o, "originating_machine", s->originating_machine);
	output_string(o, "service_machine", s->service_machine);
	output_id(o, "provider_id", &s->provider_id);
	output_string(o, "provider_name", provider_name);
	output_hex(o, "context", (uint32_t)context);
	output_string(o, "context_name", vss_context_str(context));
	output_flags(o, "attributes", s->attributes, snapshot_attr_names);
	output_bool(o, "persistent",
		    s->attributes & VSS_VOLSNAP_ATTR_PERSISTENT);
	output_end_object(o);
}

