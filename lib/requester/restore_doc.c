/*
 * lib/requester/restore_doc.c - what a restore does to the backup
 * components document that the public model cannot: clear the lists of a
 * component that an earlier restore filled (RS-001), give a writer entry
 * the instance id it travels to vssd with (RS-003) and give it back its
 * saved identity.  The
 * document's in-memory form (metadata/model.h) is shared within libvss;
 * only this file of the requester touches it.
 */
#include <stdlib.h>

#include "metadata/model.h"
#include "requester/requester_internal.h"
#include "util/array.h"

static void
extra_free(const struct vss_xml_extra *extra)
{
	xml_extra_free((struct vss_xml_extra *)extra);
}

void
restore_doc_clear_subcomponents(vss_bcd_component *c)
{
	for (size_t i = 0; i < c->subcomponent_count; i++) {
		str_free(c->subcomponents[i].logical_path);
		str_free(c->subcomponents[i].name);
		extra_free(c->subcomponents[i].extra);
	}
	free(c->subcomponents);
	c->subcomponents = NULL;
	c->subcomponent_count = c->subcomponent_cap = 0;
}

static void
clear_mappings(struct vss_location_mapping **items, size_t *count,
	       size_t *cap)
{
	for (size_t i = 0; i < *count; i++)
		location_mapping_release(&(*items)[i]);
	free(*items);
	*items = NULL;
	*count = *cap = 0;
}

static void
clear_directed_targets(vss_bcd_component *c)
{
	for (size_t i = 0; i < c->directed_count; i++) {
		struct vss_directed_target *t = &c->directed[i];

		str_free(t->source_path);
		str_free(t->source_file);
		str_free(t->source_ranges);
		str_free(t->destination_path);
		str_free(t->destination_file);
		str_free(t->destination_ranges);
		extra_free(t->extra);
	}
	free(c->directed);
	c->directed = NULL;
	c->directed_count = c->directed_cap = 0;
}

/* The text fields that only a restore sets (RS-008, RS-030, RS-032). */
static const enum vss_component_text restore_texts[] = {
	VSS_TEXT_RESTORE_OPTIONS,	  VSS_TEXT_RESTORE_METADATA,
	VSS_TEXT_PRE_RESTORE_FAILURE_MSG, VSS_TEXT_POST_RESTORE_FAILURE_MSG,
	VSS_TEXT_RESTORE_NAME,		  VSS_TEXT_ROLLFORWARD_POINT,
	VSS_TEXT_RANGES_FILE_PATH,
};

static void
component_reset(vss_bcd_component *c)
{
	c->selected_for_restore = false;
	c->additional_restores = false;
	c->authoritative_restore = false;
	c->rollforward_type = VSS_RF_UNDEFINED;
	c->restore_target = VSS_RT_ORIGINAL;
	c->file_restore_status = VSS_RS_UNDEFINED;
	/* Clearing a text cannot fail: it allocates nothing. */
	for (size_t i = 0; i < sizeof(restore_texts) / sizeof(*restore_texts);
	     i++)
		vss_bcd_component_set_text(c, restore_texts[i], NULL);
	restore_doc_clear_subcomponents(c);
	clear_mappings(&c->mappings, &c->mapping_count, &c->mapping_cap);
	clear_mappings(&c->new_targets, &c->new_target_count,
		       &c->new_target_cap);
	clear_directed_targets(c);
}

void
restore_doc_reset(vss_bcd *bcd)
{
	bcd->restore_type = VSS_RTYPE_UNDEFINED;
	for (size_t i = 0; i < bcd->writer_count; i++) {
		struct vss_bcd_writer *w = bcd->writers[i];

		for (size_t j = 0; j < w->component_count; j++)
			component_reset(w->components[j]);
	}
}

void
restore_doc_set_instance_id(vss_bcd_writer *w, const vss_id *id)
{
	w->instance_id = *id;
}

int
restore_doc_set_instance_name(vss_bcd_writer *w, const char *name)
{
	return str_replace(&w->instance_name, name);
}
