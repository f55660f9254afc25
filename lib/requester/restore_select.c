/*
 * lib/requester/restore_select.c - what a requester chooses before
 * PreRestore (restore.md §2, §3, §8, §10): the components selected for
 * restore and their restore subcomponents, restore options, additional
 * restores, the structured options of RS-032, the restore type and new
 * targets.  Components are named by their writer entry in the saved
 * document (class id, saved instance id); their rules come from the
 * writer metadata saved at backup (RS-003), the writer's presence now
 * from the match of restore.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vss/status.h>

#include "requester/requester_internal.h"

/* The component, when call is allowed now.  Lock held. */
static int
ref_for(vss_requester *r, enum requester_call call, const vss_id *class_id,
	const vss_id *saved_instance_id, enum vss_component_type type,
	const char *logical_path, const char *name, struct restore_ref *ret)
{
	int rc;

	if (class_id == NULL || saved_instance_id == NULL || name == NULL)
		return -EINVAL;
	rc = requester_check(r, call);
	if (rc == 0)
		rc = restore_ref_find(r, class_id, saved_instance_id, type,
				      logical_path, name, ret);
	return rc;
}

/*
 * RS-005, RS-050: the writer of the entry must be running now, and must
 * not have asked never to take part in a restore.
 */
static int
check_writer_takes_part(const vss_requester *r, const struct restore_ref *ref)
{
	enum vss_restore_writer_match match;
	int rc;

	rc = restore_match_entry(r, ref->index, &match, NULL);
	if (rc < 0)
		return rc;
	switch (match) {
	case VSS_RWM_MATCHED:
		return 0;
	case VSS_RWM_NEVER:
		return -EINVAL;
	case VSS_RWM_MISSING:
	case VSS_RWM_VERSION_TOO_OLD:
		break;
	}
	return VSS_E_OBJECT_NOT_FOUND;
}

int
vss_requester_set_selected_for_restore(vss_requester *r,
				       const vss_id *class_id,
				       const vss_id *saved_instance_id,
				       enum vss_component_type type,
				       const char *logical_path,
				       const char *name, bool selected)
{
	struct restore_ref ref;
	int rc;

	if (r == NULL)
		return -EINVAL;
	requester_lock(r);
	rc = ref_for(r, RC_RESTORE_SELECT, class_id, saved_instance_id, type,
		     logical_path, name, &ref);
	if (rc == 0 && selected)
		rc = check_writer_takes_part(r, &ref);
	if (rc < 0)
		goto out;
	/*
	 * Deselecting takes the subcomponents chosen through it too: with
	 * them the writer would still be told to restore (RS-004).
	 */
	if (!selected)
		restore_doc_clear_subcomponents(ref.c);
	rc = vss_bcd_component_set_selected_for_restore(ref.c, selected);
out:
	requester_unlock(r);
	return rc;
}

int
vss_requester_add_restore_subcomponent(vss_requester *r,
				       const vss_id *class_id,
				       const vss_id *saved_instance_id,
				       enum vss_component_type type,
				       const char *logical_path,
				       const char *name,
				       const char *sub_logical_path,
				       const char *sub_name)
{
	const struct vss_component_ref comp = { logical_path, name };
	const struct vss_component_ref sub = { sub_logical_path, sub_name };
	struct restore_ref ref;
	struct vss_error err;
	int rc;

	/* RS-022: the subcomponent's logical path is mandatory. */
	if (r == NULL || sub_logical_path == NULL || sub_name == NULL)
		return -EINVAL;
	requester_lock(r);
	rc = ref_for(r, RC_RESTORE_SELECT, class_id, saved_instance_id, type,
		     logical_path, name, &ref);
	if (rc < 0)
		goto out;
	rc = VSS_E_BAD_STATE;
	if (!vss_bcd_component_selected_for_restore(ref.c))
		goto out;
	/* Without the saved WMD nothing says what the component holds. */
	rc = VSS_E_OBJECT_NOT_FOUND;
	if (ref.saved == NULL)
		goto out;
	rc = vss_selection_check_restore_subcomponent(ref.saved, ref.w, &comp,
						      &sub, &err);
	if (rc < 0) {
		requester_debug("add_restore_subcomponent: %s", err.message);
		goto out;
	}
	for (size_t i = 0;
	     i < vss_bcd_component_restore_subcomponent_count(ref.c); i++) {
		const struct vss_restore_subcomponent *s =
			vss_bcd_component_restore_subcomponent(ref.c, i);

		if (strcmp(s->logical_path, sub_logical_path) == 0 &&
		    strcmp(s->name, sub_name) == 0) {
			rc = VSS_E_OBJECT_ALREADY_EXISTS;
			goto out;
		}
	}
	/* RS-022: bRepair is reserved and always false. */
	rc = vss_bcd_component_add_restore_subcomponent(
		ref.c, sub_logical_path, sub_name, false);
out:
	requester_unlock(r);
	return rc;
}

/* ---- restore options (RS-030 .. RS-034, RS-100) ------------------------- */

int
vss_requester_set_restore_options(vss_requester *r, const vss_id *class_id,
				  const vss_id *saved_instance_id,
				  enum vss_component_type type,
				  const char *logical_path, const char *name,
				  const char *options)
{
	struct restore_ref ref;
	int rc;

	if (r == NULL || options == NULL)
		return -EINVAL;
	requester_lock(r);
	rc = ref_for(r, RC_RESTORE_OPTIONS, class_id, saved_instance_id, type,
		     logical_path, name, &ref);
	if (rc < 0)
		goto out;
	/* RS-030: at most once per component. */
	if (vss_bcd_component_text(ref.c, VSS_TEXT_RESTORE_OPTIONS) != NULL)
		rc = VSS_E_OBJECT_ALREADY_EXISTS;
	else
		rc = vss_bcd_component_set_text(ref.c,
						VSS_TEXT_RESTORE_OPTIONS,
						options);
out:
	requester_unlock(r);
	return rc;
}

int
vss_requester_set_additional_restores(vss_requester *r,
				      const vss_id *class_id,
				      const vss_id *saved_instance_id,
				      enum vss_component_type type,
				      const char *logical_path,
				      const char *name, bool additional)
{
	struct restore_ref ref;
	int rc;

	if (r == NULL)
		return -EINVAL;
	requester_lock(r);
	rc = ref_for(r, RC_RESTORE_OPTIONS, class_id, saved_instance_id, type,
		     logical_path, name, &ref);
	if (rc == 0)
		rc = vss_bcd_component_set_additional_restores(ref.c,
							       additional);
	requester_unlock(r);
	return rc;
}

/*
 * The component of a structured restore option (RS-032): the writer's
 * backup schema must have the bit that allows it (-EINVAL).  Lock held.
 */
static int
schema_ref(vss_requester *r, const vss_id *class_id,
	   const vss_id *saved_instance_id, enum vss_component_type type,
	   const char *logical_path, const char *name, uint32_t bit,
	   struct restore_ref *ret)
{
	int rc;

	rc = ref_for(r, RC_RESTORE_OPTIONS, class_id, saved_instance_id, type,
		     logical_path, name, ret);
	if (rc == 0 && (restore_ref_schema(ret) & bit) == 0)
		rc = -EINVAL;
	return rc;
}

int
vss_requester_set_authoritative_restore(vss_requester *r,
					const vss_id *class_id,
					const vss_id *saved_instance_id,
					enum vss_component_type type,
					const char *logical_path,
					const char *name, bool authoritative)
{
	struct restore_ref ref;
	int rc;

	if (r == NULL)
		return -EINVAL;
	requester_lock(r);
	rc = schema_ref(r, class_id, saved_instance_id, type, logical_path,
			name, VSS_BS_AUTHORITATIVE_RESTORE, &ref);
	if (rc == 0)
		rc = vss_bcd_component_set_authoritative_restore(
			ref.c, authoritative);
	requester_unlock(r);
	return rc;
}

int
vss_requester_set_roll_forward(vss_requester *r, const vss_id *class_id,
			       const vss_id *saved_instance_id,
			       enum vss_component_type type,
			       const char *logical_path, const char *name,
			       enum vss_rollforward_type rf, const char *point)
{
	struct restore_ref ref;
	int rc;

	if (r == NULL || rf == VSS_RF_UNDEFINED)
		return -EINVAL;
	requester_lock(r);
	rc = schema_ref(r, class_id, saved_instance_id, type, logical_path,
			name, VSS_BS_ROLLFORWARD_RESTORE, &ref);
	if (rc == 0)
		rc = vss_bcd_component_set_rollforward(ref.c, rf, point);
	requester_unlock(r);
	return rc;
}

int
vss_requester_set_restore_name(vss_requester *r, const vss_id *class_id,
			       const vss_id *saved_instance_id,
			       enum vss_component_type type,
			       const char *logical_path, const char *name,
			       const char *restore_name)
{
	struct restore_ref ref;
	int rc;

	if (r == NULL || restore_name == NULL)
		return -EINVAL;
	requester_lock(r);
	rc = schema_ref(r, class_id, saved_instance_id, type, logical_path,
			name, VSS_BS_RESTORE_RENAME, &ref);
	if (rc == 0)
		rc = vss_bcd_component_set_text(ref.c, VSS_TEXT_RESTORE_NAME,
						restore_name);
	requester_unlock(r);
	return rc;
}

int
vss_requester_set_restore_state(vss_requester *r, enum vss_restore_type type)
{
	int rc;

	if (r == NULL)
		return -EINVAL;
	requester_lock(r);
	rc = requester_check(r, RC_RESTORE_OPTIONS);
	if (rc == 0)
		rc = vss_bcd_set_restore_type(r->bcd, type);
	requester_unlock(r);
	return rc;
}

/* ---- new targets (RS-080, RS-081) --------------------------------------- */

int
vss_requester_add_new_target(vss_requester *r, const vss_id *class_id,
			     const vss_id *saved_instance_id,
			     enum vss_component_type type,
			     const char *logical_path, const char *name,
			     const char *path, const char *filespec,
			     bool recursive, const char *new_path)
{
	struct restore_ref ref;
	int rc;

	if (r == NULL || path == NULL || filespec == NULL || new_path == NULL)
		return -EINVAL;
	requester_lock(r);
	rc = schema_ref(r, class_id, saved_instance_id, type, logical_path,
			name, VSS_BS_WRITER_SUPPORTS_NEW_TARGET, &ref);
	if (rc < 0)
		goto out;
	if (ref.saved == NULL ||
	    !restore_ref_has_file_set(&ref, path, filespec, recursive))
		rc = VSS_E_OBJECT_NOT_FOUND;
	else
		rc = vss_bcd_component_add_new_target(ref.c, path, filespec,
						      recursive, new_path);
out:
	requester_unlock(r);
	return rc;
}
