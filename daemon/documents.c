/*
 * daemon/documents.c - the backup components document as writers see it.
 * A writer gets a document holding its own writer entry only (another
 * writer's options and stamps are none of its business, and writers may
 * run as other users).  From the writable events only (BK-021), what it
 * sends back comes into the session's document: per component, only the
 * fields a writer may set in that event (metadata.md §5.3, RS-008); the
 * requester's own fields and the entry's identity stay as vssd had them.
 *
 * Neither saving one entry of a document nor moving fields between two
 * documents has a public call; the daemon reaches into the model
 * (lib/metadata/model.h) and swaps pointers, which keeps every field,
 * known or not, as it was.
 */
#include "daemon.h"
#include "metadata/model.h"

#include <assert.h>
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

/* The document as if entry at were its only one (none when at < 0). */
static int
save_subset(vss_bcd *bcd, ssize_t at, char **ret, size_t *ret_len)
{
	struct vss_bcd_writer **all = bcd->writers, *mine[1];
	size_t count = bcd->writer_count, cap = bcd->writer_cap;
	int r;

	/*
	 * No copy and no parse, so that sending to N writers stays linear:
	 * the entry array is swapped for one of a single entry and back.
	 */
	if (at >= 0)
		mine[0] = all[at];
	bcd->writers = at >= 0 ? mine : NULL;
	bcd->writer_count = bcd->writer_cap = at >= 0 ? 1 : 0;
	r = vss_bcd_save_xml(bcd, ret, ret_len);
	bcd->writers = all;
	bcd->writer_count = count;
	bcd->writer_cap = cap;
	return r;
}

int
bcd_writer_subset(vss_bcd *bcd, const vss_id *class_id,
		  const vss_id *instance_id, char **ret)
{
	size_t len;

	return save_subset(bcd, bcd_writer_index(bcd, class_id, instance_id),
			   ret, &len);
}

int
bcd_size(vss_bcd *bcd, size_t *ret)
{
	char *xml;
	size_t len;
	int r;

	r = vss_bcd_save_xml(bcd, &xml, &len);
	if (r < 0)
		return r;
	free(xml);
	*ret = len;
	return 0;
}

/* The size of the document saved with the entry at as its only one. */
static int
subset_size(vss_bcd *bcd, ssize_t at, size_t *ret)
{
	char *xml;
	size_t len;
	int r;

	r = save_subset(bcd, at, &xml, &len);
	if (r < 0)
		return r;
	free(xml);
	*ret = len;
	return 0;
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

#define SWAP(a, b)                                                             \
	do {                                                                   \
		__typeof__(a) swap_tmp_ = (a);                                 \
		(a) = (b);                                                     \
		(b) = swap_tmp_;                                               \
	} while (0)

/*
 * What a writer may set on a component in each writable event
 * (metadata.md §5.3; everything else belongs to the requester or to
 * vssd, and what the writer sends of it is dropped).  A component
 * failure (SetFailure, ER-012) may be set in any of them.
 */
struct writable {
	enum vss_component_text texts[3];
	size_t text_count;
	/* Partial and differenced files (BK-111, BK-120). */
	bool backup_lists;
	/* Restore target and directed targets (RS-060, RS-090). */
	bool restore_target;
};

static const struct writable *
writable_in(enum wire_event ev)
{
	static const struct writable prepare_backup = {
		.texts = { VSS_TEXT_BACKUP_STAMP, VSS_TEXT_BACKUP_METADATA,
			   VSS_TEXT_PREPARE_BACKUP_FAILURE_MSG },
		.text_count = 3,
		.backup_lists = true,
	};
	static const struct writable post_snapshot = {
		.texts = { VSS_TEXT_BACKUP_STAMP, VSS_TEXT_BACKUP_METADATA,
			   VSS_TEXT_POST_SNAPSHOT_FAILURE_MSG },
		.text_count = 3,
		.backup_lists = true,
	};
	/* RS-008, writer.h: pre_restore, to write. */
	static const struct writable pre_restore = {
		.texts = { VSS_TEXT_RESTORE_METADATA,
			   VSS_TEXT_PRE_RESTORE_FAILURE_MSG,
			   VSS_TEXT_POST_RESTORE_FAILURE_MSG },
		.text_count = 3,
		.restore_target = true,
	};

	switch (ev) {
	case WIRE_EV_PREPARE_BACKUP:
		return &prepare_backup;
	case WIRE_EV_POST_SNAPSHOT:
		return &post_snapshot;
	case WIRE_EV_PRE_RESTORE:
		return &pre_restore;
	default:
		return NULL;
	}
}

/*
 * Exchange what the writer may set between our component and its: done
 * once it takes the writer's values, done again it undoes that.
 */
static void
swap_writable(const struct writable *wr, struct vss_bcd_component *ours,
	      struct vss_bcd_component *theirs)
{
	enum vss_component_text t;

	for (size_t i = 0; i < wr->text_count; i++) {
		t = wr->texts[i];
		SWAP(ours->text[t], theirs->text[t]);
		SWAP(ours->text_extra[t], theirs->text_extra[t]);
	}
	SWAP(ours->failure, theirs->failure);
	if (wr->backup_lists) {
		SWAP(ours->partials, theirs->partials);
		SWAP(ours->partial_count, theirs->partial_count);
		SWAP(ours->partial_cap, theirs->partial_cap);
		SWAP(ours->differenced, theirs->differenced);
		SWAP(ours->differenced_count, theirs->differenced_count);
		SWAP(ours->differenced_cap, theirs->differenced_cap);
	}
	if (wr->restore_target) {
		SWAP(ours->restore_target, theirs->restore_target);
		SWAP(ours->directed, theirs->directed);
		SWAP(ours->directed_count, theirs->directed_count);
		SWAP(ours->directed_cap, theirs->directed_cap);
	}
}

static void
swap_entry_writable(const struct writable *wr, struct vss_bcd_writer *ours,
		    const struct vss_bcd_writer *theirs)
{
	struct vss_bcd_component *c, *t;

	for (size_t i = 0; i < ours->component_count; i++) {
		c = ours->components[i];
		t = vss_bcd_writer_find_component(theirs, c->type,
						  c->logical_path, c->name);
		swap_writable(wr, c, t);
	}
}

int
bcd_merge_writer(vss_bcd *bcd, enum wire_event ev, const char *xml,
		 const vss_id *class_id, const vss_id *instance_id,
		 size_t *doc_size, size_t max_size)
{
	const struct writable *wr = writable_in(ev);
	struct vss_bcd_writer *ours;
	size_t before, after, size = 0;
	vss_bcd *theirs;
	ssize_t at, from;
	int r;

	assert(wr);
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
	ours = bcd->writers[at];
	/* A writer annotates its components; it does not choose them. */
	if (!same_components(ours, theirs->writers[from])) {
		r = -EINVAL;
		goto out;
	}
	/* The entry's share of the document changes by after - before. */
	r = subset_size(bcd, at, &before);
	if (r < 0)
		goto out;
	swap_entry_writable(wr, ours, theirs->writers[from]);
	r = subset_size(bcd, at, &after);
	if (r == 0) {
		size = *doc_size + after;
		size = size > before ? size - before : 0;
		/* Only growth is refused: vssd's own additions are no fault. */
		if (after > before && size > max_size)
			r = -EFBIG;
	}
	if (r < 0) {
		swap_entry_writable(wr, ours, theirs->writers[from]);
		goto out;
	}
	*doc_size = size;
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
