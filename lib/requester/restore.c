/*
 * lib/requester/restore.c - the restore sequence of the requester API
 * (restore.md §1): the saved backup components document and writer
 * metadata documents, PreRestore and PostRestore, and what the requester
 * records between them (file restore status, alternate location mappings
 * used).  Matching saved writers to the writers running now is
 * restore_match.c, the choice of what to restore and how
 * restore_select.c.
 *
 * The API names writers as the saved document does: class id and the
 * instance id saved at backup, which means nothing to the writers running
 * now (RS-003).  pre_restore and post_restore send vssd a copy of the
 * document in which each matched entry carries its live instance id (and
 * every other entry a fresh id no writer has), so that vssd routes events
 * by (class id, instance id) as for a backup, and give the entries of the
 * reply back their saved ids by position: the caller never sees a live
 * id in the document.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vss/status.h>

#include "requester/requester_internal.h"

/* ---- the saved documents ------------------------------------------------ */

static void
entries_free(struct restore_entry *entries, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(entries[i].name);
	free(entries);
}

/* The identity of every writer entry of bcd, in its order. */
static int
entries_new(const vss_bcd *bcd, struct restore_entry **ret, size_t *ret_n)
{
	size_t n = vss_bcd_writer_count(bcd);
	struct restore_entry *e;

	e = calloc(n + 1, sizeof(*e));
	if (e == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		vss_bcd_writer *w = vss_bcd_writer_at(bcd, i);
		const char *name = vss_bcd_writer_instance_name(w);

		e[i].class_id = *vss_bcd_writer_class_id(w);
		e[i].saved_id = *vss_bcd_writer_instance_id(w);
		e[i].wire_id = e[i].saved_id;
		if (name != NULL && (e[i].name = strdup(name)) == NULL) {
			entries_free(e, i);
			return -ENOMEM;
		}
	}
	*ret = e;
	*ret_n = n;
	return 0;
}

int
vss_requester_initialize_for_restore(vss_requester *r, const char *bcd_xml)
{
	struct restore_entry *entries = NULL;
	size_t entry_count = 0;
	vss_bcd *bcd = NULL;
	int rc;

	if (r == NULL || bcd_xml == NULL)
		return -EINVAL;
	requester_lock(r);
	rc = requester_check(r, RC_INITIALIZE);
	if (rc < 0)
		goto out;
	/* RS-001: VSS_E_INVALID_XML_DOCUMENT when it does not load. */
	rc = vss_bcd_load_xml(&bcd, bcd_xml, strlen(bcd_xml), NULL);
	if (rc == 0)
		rc = entries_new(bcd, &entries, &entry_count);
	if (rc < 0) {
		vss_bcd_free(bcd);
		goto out;
	}
	restore_doc_reset(bcd);
	r->bcd = bcd;
	r->entries = entries;
	r->entry_count = entry_count;
	r->restore = true;
	/*
	 * Identify goes to every writer whatever context the backup had
	 * (RS-002): the writers to restore with are the ones running now.
	 */
	r->context = VSS_CTX_BACKUP;
	requester_change_state(r, RS_RESTORE_INITIALIZED,
			       "initialize_for_restore");
out:
	requester_unlock(r);
	return rc;
}

/* Where the saved WMD of the writer (class id, instance id) is, or NULL. */
static vss_wmd **
saved_slot(const vss_requester *r, const vss_id *class_id,
	   const vss_id *instance_id)
{
	for (size_t i = 0; i < r->saved_wmd_count; i++) {
		const struct vss_writer_identity *id =
			vss_wmd_identity(r->saved_wmds[i]);

		if (vss_id_equal(&id->class_id, class_id) &&
		    vss_id_equal(&id->instance_id, instance_id))
			return &r->saved_wmds[i];
	}
	return NULL;
}

const vss_wmd *
restore_saved_wmd(const vss_requester *r, const vss_id *class_id,
	  const vss_id *instance_id)
{
	vss_wmd **slot = saved_slot(r, class_id, instance_id);

	return slot != NULL ? *slot : NULL;
}

/* A copy of wmd: documents have no copy of their own but their XML. */
static int
wmd_copy(const vss_wmd *wmd, vss_wmd **ret)
{
	char *xml;
	size_t len;
	int rc;

	rc = vss_wmd_save_xml(wmd, &xml, &len);
	if (rc < 0)
		return rc;
	rc = vss_wmd_load_xml(ret, xml, len, NULL);
	free(xml);
	return rc;
}

int
vss_requester_restore_set_writer_wmd(vss_requester *r, const vss_wmd *wmd)
{
	const struct vss_writer_identity *id;
	vss_wmd *copy = NULL, **slot, **grown;
	int rc;

	if (r == NULL || wmd == NULL)
		return -EINVAL;
	id = vss_wmd_identity(wmd);
	requester_lock(r);
	rc = requester_check(r, RC_RESTORE_WMD);
	if (rc < 0)
		goto out;
	rc = -EINVAL;
	if (vss_bcd_find_writer(r->bcd, &id->class_id, NULL) == NULL)
		goto out;
	rc = wmd_copy(wmd, &copy);
	if (rc < 0)
		goto out;
	slot = saved_slot(r, &id->class_id, &id->instance_id);
	if (slot != NULL) {
		vss_wmd_free(*slot);
		*slot = copy;
		goto out;
	}
	grown = reallocarray(r->saved_wmds, r->saved_wmd_count + 1,
			     sizeof(*grown));
	if (grown == NULL) {
		vss_wmd_free(copy);
		rc = -ENOMEM;
		goto out;
	}
	r->saved_wmds = grown;
	r->saved_wmds[r->saved_wmd_count++] = copy;
out:
	requester_unlock(r);
	return rc;
}

const vss_wmd *
vss_requester_restore_writer_wmd(const vss_requester *r,
				 const vss_id *class_id,
				 const vss_id *saved_instance_id)
{
	const vss_wmd *wmd;

	if (r == NULL || class_id == NULL || saved_instance_id == NULL)
		return NULL;
	requester_lock(r);
	wmd = restore_saved_wmd(r, class_id, saved_instance_id);
	requester_unlock(r);
	return wmd;
}

void
restore_release(vss_requester *r)
{
	for (size_t i = 0; i < r->saved_wmd_count; i++)
		vss_wmd_free(r->saved_wmds[i]);
	free(r->saved_wmds);
	r->saved_wmds = NULL;
	r->saved_wmd_count = 0;
	entries_free(r->entries, r->entry_count);
	r->entries = NULL;
	r->entry_count = 0;
}

/* ---- pre_restore and post_restore --------------------------------------- */

/* Has a gathered writer, or an entry before the one at n, id? */
static bool
wire_id_taken(const vss_requester *r, size_t n, const vss_id *id)
{
	for (size_t i = 0; i < r->wmd_count; i++)
		if (vss_id_equal(&vss_wmd_identity(r->wmds[i])->instance_id,
				 id))
			return true;
	for (size_t i = 0; i < n; i++)
		if (vss_id_equal(&r->entries[i].wire_id, id))
			return true;
	return false;
}

/*
 * The id each entry travels with: its live instance when matched, else
 * a fresh id no live writer and no other entry has.  A saved id would
 * not do: it may be the live id another entry was matched to (two
 * instances of a class that were both running at backup), and vssd
 * refuses a document with one (class id, instance id) twice.
 */
static int
set_wire_ids(vss_requester *r)
{
	struct restore_match *m;
	int rc;

	rc = restore_match_all(r, &m);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < r->entry_count; i++) {
		vss_id *id = &r->entries[i].wire_id;

		if (m[i].match == VSS_RWM_MATCHED) {
			*id = vss_wmd_identity(m[i].live)->instance_id;
			continue;
		}
		do
			vss_id_generate(id);
		while (wire_id_taken(r, i, id));
	}
	free(m);
	return 0;
}

/* The document as vssd gets it: each entry with its wire id, into msg. */
static int
set_live_bcd(const vss_requester *r, json_t *msg)
{
	vss_bcd *copy = NULL;
	char *xml = NULL;
	size_t len;
	int rc;

	assert(vss_bcd_writer_count(r->bcd) == r->entry_count);
	rc = vss_bcd_save_xml(r->bcd, &xml, &len);
	if (rc == 0)
		rc = vss_bcd_load_xml(&copy, xml, len, NULL);
	free(xml);
	xml = NULL;
	if (rc == 0) {
		for (size_t i = 0; i < r->entry_count; i++)
			restore_doc_set_instance_id(vss_bcd_writer_at(copy, i),
						    &r->entries[i].wire_id);
		rc = vss_bcd_save_xml(copy, &xml, &len);
	}
	if (rc == 0)
		rc = wire_set_str(msg, WF_BCD, xml);
	if (rc == 0)
		rc = wire_set_str(msg, WF_RESTORE_TYPE,
				  vss_restore_type_str(
					  vss_bcd_restore_type(r->bcd)));
	free(xml);
	vss_bcd_free(copy);
	return rc;
}

int
restore_parse_reply(const vss_requester *r, json_t *reply, vss_bcd **ret)
{
	vss_bcd *bcd = NULL;
	const char *xml;
	int rc;

	*ret = NULL;
	if (wire_get_str(reply, WF_BCD, &xml) < 0)
		return 0;
	rc = vss_bcd_load_xml(&bcd, xml, strlen(xml), NULL);
	if (rc < 0)
		return rc;
	if (vss_bcd_writer_count(bcd) != r->entry_count)
		rc = -EPROTO;
	for (size_t i = 0; rc == 0 && i < r->entry_count; i++) {
		vss_bcd_writer *w = vss_bcd_writer_at(bcd, i);
		const struct restore_entry *e = &r->entries[i];

		if (!vss_id_equal(vss_bcd_writer_class_id(w), &e->class_id) ||
		    !vss_id_equal(vss_bcd_writer_instance_id(w), &e->wire_id)) {
			rc = -EPROTO;
			break;
		}
		restore_doc_set_instance_id(w, &e->saved_id);
		rc = restore_doc_set_instance_name(w, e->name);
	}
	if (rc < 0) {
		vss_bcd_free(bcd);
		return rc;
	}
	*ret = bcd;
	return 0;
}

/* RS-110: a component selected for restore without a status, or NULL. */
static const vss_bcd_component *
status_missing(const vss_bcd *bcd)
{
	for (size_t i = 0; i < vss_bcd_writer_count(bcd); i++) {
		vss_bcd_writer *w = vss_bcd_writer_at(bcd, i);

		for (size_t j = 0; j < vss_bcd_writer_component_count(w);
		     j++) {
			vss_bcd_component *c = vss_bcd_writer_component(w, j);

			if (vss_bcd_component_restoring(c) &&
			    vss_bcd_component_file_restore_status(c) ==
				    VSS_RS_UNDEFINED)
				return c;
		}
	}
	return NULL;
}

/* pre_restore and post_restore: the document with live ids. */
static int
restore_op(vss_requester *r, enum requester_call call, enum wire_type type,
	   vss_async **ret)
{
	const vss_bcd_component *c;
	json_t *msg = NULL;
	int rc;

	if (r == NULL || ret == NULL)
		return -EINVAL;
	requester_lock(r);
	rc = requester_check(r, call);
	if (rc < 0)
		goto out;
	if (type == WIRE_POST_RESTORE &&
	    (c = status_missing(r->bcd)) != NULL) {
		requester_debug("post_restore: component \"%s\" has no file "
				"restore status (RS-110)",
				vss_bcd_component_name(c));
		rc = VSS_E_BAD_STATE;
		goto out;
	}
	/* The writers that answered Identify stay the same until the end. */
	if (type == WIRE_PRE_RESTORE)
		rc = set_wire_ids(r);
	if (rc == 0)
		rc = requester_request_new(r, type, &msg);
	if (rc == 0)
		rc = set_live_bcd(r, msg);
	if (rc == 0)
		rc = requester_start_op(r, msg, ret);
out:
	requester_unlock(r);
	json_decref(msg);
	return rc;
}

int
vss_requester_pre_restore(vss_requester *r, vss_async **ret)
{
	return restore_op(r, RC_PRE_RESTORE, WIRE_PRE_RESTORE, ret);
}

int
vss_requester_post_restore(vss_requester *r, vss_async **ret)
{
	return restore_op(r, RC_POST_RESTORE, WIRE_POST_RESTORE, ret);
}

/* ---- between pre_restore and post_restore ------------------------------- */

/*
 * A component the results are recorded on: of the document, selected for
 * restore (VSS_E_OBJECT_NOT_FOUND otherwise).  Lock held.
 */
static int
results_ref(vss_requester *r, const vss_id *class_id,
	    const vss_id *saved_instance_id, enum vss_component_type type,
	    const char *logical_path, const char *name,
	    struct restore_ref *ret)
{
	int rc;

	rc = requester_check(r, RC_RESTORE_RESULTS);
	if (rc == 0)
		rc = restore_ref_find(r, class_id, saved_instance_id, type,
				      logical_path, name, ret);
	if (rc == 0 && !vss_bcd_component_restoring(ret->c))
		rc = VSS_E_OBJECT_NOT_FOUND;
	return rc;
}

int
vss_requester_set_file_restore_status(vss_requester *r,
				      const vss_id *class_id,
				      const vss_id *saved_instance_id,
				      enum vss_component_type type,
				      const char *logical_path,
				      const char *name,
				      enum vss_file_restore_status status)
{
	struct restore_ref ref;
	int rc;

	if (r == NULL || class_id == NULL || saved_instance_id == NULL ||
	    name == NULL || status == VSS_RS_UNDEFINED)
		return -EINVAL;
	requester_lock(r);
	rc = results_ref(r, class_id, saved_instance_id, type, logical_path,
			 name, &ref);
	if (rc == 0)
		rc = vss_bcd_component_set_file_restore_status(ref.c, status);
	requester_unlock(r);
	return rc;
}

static bool
saved_mapping(const vss_wmd *wmd, const char *path, const char *filespec,
	      bool recursive)
{
	for (size_t i = 0; i < vss_wmd_alternate_location_mapping_count(wmd);
	     i++) {
		const struct vss_location_mapping *m =
			vss_wmd_alternate_location_mapping(wmd, i);

		if (strcmp(m->path, path) == 0 &&
		    strcmp(m->filespec, filespec) == 0 &&
		    m->recursive == recursive)
			return true;
	}
	return false;
}

int
vss_requester_add_alternative_location_mapping(
	vss_requester *r, const vss_id *class_id,
	const vss_id *saved_instance_id, enum vss_component_type type,
	const char *logical_path, const char *name, const char *path,
	const char *filespec, bool recursive, const char *destination)
{
	struct restore_ref ref;
	int rc;

	if (r == NULL || class_id == NULL || saved_instance_id == NULL ||
	    name == NULL || path == NULL || filespec == NULL ||
	    destination == NULL)
		return -EINVAL;
	requester_lock(r);
	rc = results_ref(r, class_id, saved_instance_id, type, logical_path,
			 name, &ref);
	if (rc < 0)
		goto out;
	/*
	 * RS-072, RS-073: a mapping of the saved WMD, for a file set of the
	 * component's restore set.
	 */
	rc = VSS_E_OBJECT_NOT_FOUND;
	if (ref.saved == NULL ||
	    !saved_mapping(ref.saved, path, filespec, recursive) ||
	    !restore_ref_has_file_set(&ref, path, filespec, recursive))
		goto out;
	rc = VSS_E_OBJECT_ALREADY_EXISTS;
	for (size_t i = 0;
	     i < vss_bcd_component_alternate_location_mapping_count(ref.c);
	     i++) {
		const struct vss_location_mapping *m =
			vss_bcd_component_alternate_location_mapping(ref.c, i);

		if (strcmp(m->path, path) == 0 &&
		    strcmp(m->filespec, filespec) == 0 &&
		    m->recursive == recursive)
			goto out;
	}
	rc = vss_bcd_component_add_alternate_location_mapping(
		ref.c, path, filespec, recursive, destination);
out:
	requester_unlock(r);
	return rc;
}
