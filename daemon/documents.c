/*
 * daemon/documents.c - the backup components document as writers see it.
 * A writer gets a document holding its own writer entry only (another
 * writer's options and stamps are none of its business, and writers may
 * run as other users), and what it sends back replaces that entry in the
 * session's document, from the writable events only (BK-021).
 *
 * Moving a whole writer entry between two documents has no public call;
 * the daemon reaches into the model (lib/metadata/model.h) and moves the
 * entry pointer, which keeps every field, known or not, as it was.
 */
#include "daemon.h"
#include "metadata/model.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vss/status.h>

static int
bcd_parse(const char *xml, vss_bcd **ret)
{
	struct vss_error err;
	int r;

	r = vss_bcd_load_xml(ret, xml, strlen(xml), &err);
	if (r < 0 && r != -ENOMEM)
		log_debug("backup components document: %s", err.message);
	return r;
}

static ssize_t
bcd_writer_index(const vss_bcd *bcd, const vss_id *class_id,
		 const vss_id *instance_id)
{
	size_t i;

	for (i = 0; i < bcd->writer_count; i++) {
		if (vss_id_equal(&bcd->writers[i]->class_id, class_id) &&
		    vss_id_equal(&bcd->writers[i]->instance_id, instance_id))
			return (ssize_t)i;
	}
	return -1;
}

int
bcd_writer_subset(vss_bcd *bcd, const vss_id *class_id,
		  const vss_id *instance_id, char **ret)
{
	struct vss_bcd_writer **all = bcd->writers, *mine[1];
	size_t count = bcd->writer_count, cap = bcd->writer_cap, len;
	ssize_t at;
	int r;

	/*
	 * Save the document as if the writer's entry were its only one: no
	 * copy and no parse, so that sending to N writers stays linear.
	 */
	at = bcd_writer_index(bcd, class_id, instance_id);
	if (at >= 0)
		mine[0] = all[at];
	bcd->writers = at >= 0 ? mine : NULL;
	bcd->writer_count = bcd->writer_cap = at >= 0 ? 1 : 0;
	r = vss_bcd_save_xml(bcd, ret, &len);
	bcd->writers = all;
	bcd->writer_count = count;
	bcd->writer_cap = cap;
	return r;
}

/* Same components, by type, logical path and name, in any order. */
static bool
same_components(const struct vss_bcd_writer *a,
		const struct vss_bcd_writer *b)
{
	const struct vss_bcd_component *c;
	size_t i;

	if (a->component_count != b->component_count)
		return false;
	for (i = 0; i < a->component_count; i++) {
		c = a->components[i];
		if (!vss_bcd_writer_find_component(b, c->type, c->logical_path,
						   c->name))
			return false;
	}
	return true;
}

int
bcd_merge_writer(vss_bcd *bcd, const char *xml, const vss_id *class_id,
		 const vss_id *instance_id)
{
	struct vss_bcd_writer *tmp;
	vss_bcd *theirs;
	ssize_t at, from;
	int r;

	r = bcd_parse(xml, &theirs);
	if (r < 0)
		return r;
	at = bcd_writer_index(bcd, class_id, instance_id);
	from = bcd_writer_index(theirs, class_id, instance_id);
	if (from < 0) {
		/* Not in component mode, or nothing sent back: no change. */
		r = 0;
		goto out;
	}
	if (at < 0) {
		/* A writer annotates its entry; it cannot add one. */
		r = -EINVAL;
		goto out;
	}
	/* A writer annotates its components; it does not choose them. */
	if (!same_components(bcd->writers[at], theirs->writers[from])) {
		r = -EINVAL;
		goto out;
	}
	tmp = bcd->writers[at];
	bcd->writers[at] = theirs->writers[from];
	theirs->writers[from] = tmp;
	r = 0;
out:
	vss_bcd_free(theirs);
	return r;
}

int
wmd_check_identity(const char *xml, const vss_id *class_id,
		   const vss_id *instance_id, struct exclude_list *excludes,
		   enum vss_writer_restore *ret_writer_restore)
{
	const struct vss_restore_method_info *rm;
	const struct vss_writer_identity *id;
	struct vss_error err;
	vss_wmd *wmd;
	int r;

	r = vss_wmd_load_xml(&wmd, xml, strlen(xml), &err);
	if (r < 0) {
		if (r != -ENOMEM)
			log_debug("writer metadata document: %s",
				  err.message);
		return r;
	}
	id = vss_wmd_identity(wmd);
	r = vss_id_equal(&id->class_id, class_id) &&
			    vss_id_equal(&id->instance_id, instance_id)
		    ? 0
		    : -EINVAL;
	/* SN-060: the files it wants out of the shadow copies. */
	if (r == 0)
		r = exclude_add_wmd(excludes, wmd);
	/* RS-050: whether it wants the restore events at all. */
	if (r == 0) {
		rm = vss_wmd_restore_method(wmd);
		*ret_writer_restore = rm ? rm->writer_restore
					 : VSS_WRE_UNDEFINED;
	}
	vss_wmd_free(wmd);
	return r;
}
