/*
 * lib/metadata/wmd.c - the Writer Metadata Document model: building it on
 * the writer side (IVssCreateWriterMetadata) and reading it on the
 * requester side (IVssExamineWriterMetadata).  The XML form is in
 * wmd_xml.c.
 *
 * Every add checks everything and makes all its copies before it links
 * anything into the document, so a failed call leaves the document as it
 * was.
 *
 * Components are held by pointer, so a borrowed component stays valid
 * while more are added; the file-set, mapping and dependency arrays are
 * plain arrays that move when they grow, as metadata.h warns.
 */
#include "metadata/model.h"
#include "util/array.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vss/status.h>

bool
logical_path_equal(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

struct wm_component *
wmd_find(const vss_wmd *wmd, const char *logical_path, const char *name)
{
	size_t i;

	for (i = 0; i < wmd->component_count; i++) {
		struct wm_component *c = wmd->components[i];

		if (strcmp(c->pub.def.name, name) == 0 &&
		    logical_path_equal(c->pub.def.logical_path, logical_path))
			return c;
	}
	return NULL;
}

void
file_desc_release(struct vss_file_desc *d)
{
	free((char *)d->path);
	free((char *)d->filespec);
	free((char *)d->alternate_path);
	xml_extra_free((struct vss_xml_extra *)d->extra);
}

void
location_mapping_release(struct vss_location_mapping *m)
{
	free((char *)m->path);
	free((char *)m->filespec);
	free((char *)m->destination);
	xml_extra_free((struct vss_xml_extra *)m->extra);
}

int
location_mapping_append(struct vss_location_mapping **items, size_t *count,
			size_t *cap, const char *path, const char *filespec,
			bool recursive, const char *destination)
{
	struct vss_location_mapping m = { .recursive = recursive };

	if (!path || !filespec || !destination)
		return -EINVAL;
	if (ARRAY_RESERVE(*items, *count, *cap) < 0)
		return -ENOMEM;
	if (str_copy(&m.path, path) < 0 ||
	    str_copy(&m.filespec, filespec) < 0 ||
	    str_copy(&m.destination, destination) < 0) {
		location_mapping_release(&m);
		return -ENOMEM;
	}
	(*items)[(*count)++] = m;
	return 0;
}

static void
dependency_release(struct vss_dependency *d)
{
	free((char *)d->logical_path);
	free((char *)d->component_name);
	xml_extra_free((struct vss_xml_extra *)d->extra);
}

static void
file_descs_free(const struct vss_file_desc *items, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		file_desc_release((struct vss_file_desc *)&items[i]);
	free((struct vss_file_desc *)items);
}

static void
component_free(struct wm_component *c)
{
	size_t i;

	if (!c)
		return;
	free((char *)c->pub.def.logical_path);
	free((char *)c->pub.def.name);
	free((char *)c->pub.def.caption);
	free((uint8_t *)c->pub.def.icon);
	file_descs_free(c->pub.files, c->pub.file_count);
	file_descs_free(c->pub.database_files, c->pub.database_file_count);
	file_descs_free(c->pub.log_files, c->pub.log_file_count);
	for (i = 0; i < c->pub.dependency_count; i++)
		dependency_release(
			(struct vss_dependency *)&c->pub.dependencies[i]);
	free((struct vss_dependency *)c->pub.dependencies);
	xml_extra_free((struct vss_xml_extra *)c->pub.extra);
	free(c);
}

void
vss_wmd_free(vss_wmd *wmd)
{
	size_t i;

	if (!wmd)
		return;
	free((char *)wmd->identity.instance_name);
	free((char *)wmd->identity.friendly_name);
	free((char *)wmd->restore_method.service);
	free((char *)wmd->restore_method.user_procedure);
	for (i = 0; i < wmd->mapping_count; i++)
		location_mapping_release(&wmd->mappings[i]);
	free(wmd->mappings);
	file_descs_free(wmd->excludes, wmd->exclude_count);
	file_descs_free(wmd->snapshot_excludes, wmd->snapshot_exclude_count);
	for (i = 0; i < wmd->component_count; i++)
		component_free(wmd->components[i]);
	free(wmd->components);
	xml_extra_free(wmd->root_extra);
	xml_extra_free(wmd->identification_extra);
	xml_extra_free(wmd->restore_method_extra);
	xml_extra_free(wmd->backup_locations_extra);
	free(wmd);
}

int
vss_wmd_new(vss_wmd **ret, const struct vss_writer_identity *identity)
{
	vss_wmd *wmd;
	char *instance_name = NULL, *friendly_name = NULL;

	if (!ret || !identity || !identity->friendly_name ||
	    identity->usage == VSS_UT_UNDEFINED ||
	    identity->usage > VSS_UT_OTHER ||
	    identity->source == VSS_ST_UNDEFINED ||
	    identity->source > VSS_ST_OTHER)
		return -EINVAL;
	wmd = calloc(1, sizeof(*wmd));
	if (!wmd || str_dup_opt(&instance_name, identity->instance_name) < 0 ||
	    str_dup_opt(&friendly_name, identity->friendly_name) < 0)
		goto fail;
	wmd->identity = *identity;
	wmd->identity.instance_name = instance_name;
	wmd->identity.friendly_name = friendly_name;
	*ret = wmd;
	return 0;
fail:
	free(instance_name);
	free(wmd);
	return -ENOMEM;
}

const struct vss_writer_identity *
vss_wmd_identity(const vss_wmd *wmd)
{
	return wmd ? &wmd->identity : NULL;
}

int
vss_wmd_set_backup_schema(vss_wmd *wmd, uint32_t schema)
{
	if (!wmd)
		return -EINVAL;
	wmd->backup_schema = schema;
	return 0;
}

uint32_t
vss_wmd_backup_schema(const vss_wmd *wmd)
{
	return wmd ? wmd->backup_schema : 0;
}

int
vss_wmd_set_restore_method(vss_wmd *wmd,
			   const struct vss_restore_method_info *info)
{
	char *service = NULL, *user_procedure = NULL;

	if (!wmd || !info || info->method == VSS_RME_UNDEFINED ||
	    info->method > VSS_RME_RESTORE_STOP_START ||
	    info->writer_restore == VSS_WRE_UNDEFINED ||
	    info->writer_restore > VSS_WRE_ALWAYS)
		return -EINVAL;
	/* MD-010: a writer has exactly one restore method. */
	if (wmd->has_restore_method)
		return VSS_E_OBJECT_ALREADY_EXISTS;
	if (str_dup_opt(&service, info->service) < 0 ||
	    str_dup_opt(&user_procedure, info->user_procedure) < 0) {
		free(service);
		return -ENOMEM;
	}
	wmd->restore_method = *info;
	wmd->restore_method.service = service;
	wmd->restore_method.user_procedure = user_procedure;
	wmd->has_restore_method = true;
	return 0;
}

const struct vss_restore_method_info *
vss_wmd_restore_method(const vss_wmd *wmd)
{
	return wmd && wmd->has_restore_method ? &wmd->restore_method : NULL;
}

/*
 * MD-020, MD-021: the path names a directory, so a wildcard in it is a
 * mistake; the filespec names files in that directory, so it has no
 * separator of either system.
 */
static bool
file_set_valid(const char *path, const char *filespec)
{
	return path && filespec && !strpbrk(path, "*?") &&
	       !strpbrk(filespec, "/\\");
}

/*
 * Append a copy of a file set (checked with file_set_valid()) to a list:
 * the file sets of a component and the two exclude lists.  0 or -ENOMEM,
 * the list unchanged on failure except that it may have grown.
 */
static int
file_set_append(struct vss_file_desc **items, size_t *count, size_t *cap,
		const char *path, const char *filespec, bool recursive,
		const char *alternate_path, uint32_t mask)
{
	char *p = NULL, *f = NULL, *a = NULL;

	if (ARRAY_RESERVE(*items, *count, *cap) < 0 ||
	    str_dup_opt(&p, path) < 0 || str_dup_opt(&f, filespec) < 0 ||
	    str_dup_opt(&a, alternate_path) < 0)
		goto fail;
	(*items)[(*count)++] = (struct vss_file_desc){
		.path = p,
		.filespec = f,
		.recursive = recursive,
		.alternate_path = a,
		.backup_type_mask = mask,
	};
	return 0;
fail:
	free(p);
	free(f);
	return -ENOMEM;
}

int
vss_wmd_add_exclude_files(vss_wmd *wmd, const char *path,
			  const char *filespec, bool recursive)
{
	if (!wmd || !file_set_valid(path, filespec))
		return -EINVAL;
	return file_set_append(&wmd->excludes, &wmd->exclude_count,
			       &wmd->exclude_cap, path, filespec, recursive,
			       NULL, 0);
}

size_t
vss_wmd_exclude_files_count(const vss_wmd *wmd)
{
	return wmd ? wmd->exclude_count : 0;
}

const struct vss_file_desc *
vss_wmd_exclude_files(const vss_wmd *wmd, size_t index)
{
	return wmd && index < wmd->exclude_count ? &wmd->excludes[index] :
						   NULL;
}

int
vss_wmd_add_exclude_files_from_snapshot(vss_wmd *wmd, const char *path,
					const char *filespec, bool recursive)
{
	if (!wmd || !file_set_valid(path, filespec))
		return -EINVAL;
	return file_set_append(&wmd->snapshot_excludes,
			       &wmd->snapshot_exclude_count,
			       &wmd->snapshot_exclude_cap, path, filespec,
			       recursive, NULL, 0);
}

size_t
vss_wmd_exclude_from_snapshot_count(const vss_wmd *wmd)
{
	return wmd ? wmd->snapshot_exclude_count : 0;
}

const struct vss_file_desc *
vss_wmd_exclude_from_snapshot(const vss_wmd *wmd, size_t index)
{
	return wmd && index < wmd->snapshot_exclude_count ?
		       &wmd->snapshot_excludes[index] :
		       NULL;
}

/* MD-026: the mapping's triple is exactly a file set of a file group. */
static bool
file_group_has_set(const vss_wmd *wmd, const char *path,
		   const char *filespec, bool recursive)
{
	size_t i, j;

	for (i = 0; i < wmd->component_count; i++) {
		const struct vss_wm_component *c = &wmd->components[i]->pub;

		if (c->def.type != VSS_CT_FILEGROUP)
			continue;
		for (j = 0; j < c->file_count; j++) {
			const struct vss_file_desc *d = &c->files[j];

			if (strcmp(d->path, path) == 0 &&
			    strcmp(d->filespec, filespec) == 0 &&
			    d->recursive == recursive)
				return true;
		}
	}
	return false;
}

int
vss_wmd_add_alternate_location_mapping(vss_wmd *wmd, const char *path,
				       const char *filespec, bool recursive,
				       const char *destination)
{
	if (!wmd || !path || !filespec || !destination)
		return -EINVAL;
	if (!wmd->has_restore_method)
		return VSS_E_BAD_STATE;
	if (!file_group_has_set(wmd, path, filespec, recursive))
		return VSS_E_OBJECT_NOT_FOUND;
	return location_mapping_append(&wmd->mappings, &wmd->mapping_count,
				       &wmd->mapping_cap, path, filespec,
				       recursive, destination);
}

size_t
vss_wmd_alternate_location_mapping_count(const vss_wmd *wmd)
{
	return wmd ? wmd->mapping_count : 0;
}

const struct vss_location_mapping *
vss_wmd_alternate_location_mapping(const vss_wmd *wmd, size_t index)
{
	return wmd && index < wmd->mapping_count ? &wmd->mappings[index] :
						   NULL;
}

/* An empty logical path is stored as NULL: one spelling of the top level. */
static int
logical_path_dup(char **ret, const char *logical_path)
{
	if (logical_path && !*logical_path)
		logical_path = NULL;
	return str_dup_opt(ret, logical_path);
}

int
vss_wmd_add_component(vss_wmd *wmd, const struct vss_component_def *def)
{
	struct wm_component *c;
	uint8_t *icon = NULL;
	char *logical_path = NULL, *name = NULL, *caption = NULL;

	if (!wmd || !def || !def->name || !*def->name ||
	    strchr(def->name, '\\') ||
	    (def->type != VSS_CT_DATABASE && def->type != VSS_CT_FILEGROUP) ||
	    (def->icon == NULL) != (def->icon_size == 0))
		return -EINVAL;
	/* MD-011 */
	if (wmd_find(wmd, def->logical_path, def->name))
		return VSS_E_OBJECT_ALREADY_EXISTS;
	c = calloc(1, sizeof(*c));
	if (!c || ARRAY_RESERVE(wmd->components, wmd->component_count,
				wmd->component_cap) < 0 ||
	    logical_path_dup(&logical_path, def->logical_path) < 0 ||
	    str_dup_opt(&name, def->name) < 0 ||
	    str_dup_opt(&caption, def->caption) < 0)
		goto fail;
	if (def->icon) {
		icon = malloc(def->icon_size);
		if (!icon)
			goto fail;
		memcpy(icon, def->icon, def->icon_size);
	}
	c->pub.def = *def;
	c->pub.def.logical_path = logical_path;
	c->pub.def.name = name;
	c->pub.def.caption = caption;
	c->pub.def.icon = icon;
	wmd->components[wmd->component_count++] = c;
	return 0;
fail:
	free(caption);
	free(name);
	free(logical_path);
	free(c);
	return -ENOMEM;
}

/* Which of the three file-set lists of a component an add goes to. */
enum wm_file_list {
	WM_FILES,
	WM_DATABASE_FILES,
	WM_LOG_FILES,
};

static int
component_add_file_set(vss_wmd *wmd, const char *logical_path,
		       const char *name, enum wm_file_list list,
		       const char *path, const char *filespec, bool recursive,
		       const char *alternate_path, uint32_t mask)
{
	struct wm_component *c;
	const struct vss_file_desc **files;
	struct vss_file_desc *items;
	size_t *count, *cap;
	int r;

	if (!wmd || !name || !file_set_valid(path, filespec))
		return -EINVAL;
	c = wmd_find(wmd, logical_path, name);
	if (!c)
		return VSS_E_OBJECT_NOT_FOUND;
	/* MD-030: file groups have files, databases data and log files. */
	if (c->pub.def.type !=
	    (list == WM_FILES ? VSS_CT_FILEGROUP : VSS_CT_DATABASE))
		return -EINVAL;
	switch (list) {
	case WM_FILES:
		files = &c->pub.files;
		count = &c->pub.file_count;
		cap = &c->files_cap;
		break;
	case WM_DATABASE_FILES:
		files = &c->pub.database_files;
		count = &c->pub.database_file_count;
		cap = &c->database_files_cap;
		break;
	case WM_LOG_FILES:
		files = &c->pub.log_files;
		count = &c->pub.log_file_count;
		cap = &c->log_files_cap;
		break;
	default:
		assert(!"unknown file-set list");
		return -EINVAL;
	}
	/* The public view is const; the document owns the array. */
	items = (struct vss_file_desc *)*files;
	r = file_set_append(&items, count, cap, path, filespec, recursive,
			    alternate_path, mask ? mask : VSS_FSBT_DEFAULT);
	*files = items;
	return r;
}

int
vss_wmd_add_files_to_file_group(vss_wmd *wmd, const char *logical_path,
				const char *group_name, const char *path,
				const char *filespec, bool recursive,
				const char *alternate_path, uint32_t mask)
{
	return component_add_file_set(wmd, logical_path, group_name, WM_FILES,
				      path, filespec, recursive,
				      alternate_path, mask);
}

int
vss_wmd_add_database_files(vss_wmd *wmd, const char *logical_path,
			   const char *database_name, const char *path,
			   const char *filespec, uint32_t mask)
{
	return component_add_file_set(wmd, logical_path, database_name,
				      WM_DATABASE_FILES, path, filespec, false,
				      NULL, mask);
}

int
vss_wmd_add_database_log_files(vss_wmd *wmd, const char *logical_path,
			       const char *database_name, const char *path,
			       const char *filespec, uint32_t mask)
{
	return component_add_file_set(wmd, logical_path, database_name,
				      WM_LOG_FILES, path, filespec, false,
				      NULL, mask);
}

int
vss_wmd_add_component_dependency(vss_wmd *wmd, const char *for_path,
				 const char *for_name,
				 const vss_id *on_writer, const char *on_path,
				 const char *on_name)
{
	struct wm_component *c;
	struct vss_dependency *items;
	char *logical_path = NULL, *component_name = NULL;

	/* MD-040: a dependency inside the writer is a logical path instead. */
	if (!wmd || !for_name || !on_writer || !on_name ||
	    vss_id_equal(on_writer, &wmd->identity.class_id))
		return -EINVAL;
	c = wmd_find(wmd, for_path, for_name);
	if (!c)
		return VSS_E_OBJECT_NOT_FOUND;
	items = (struct vss_dependency *)c->pub.dependencies;
	if (ARRAY_RESERVE(items, c->pub.dependency_count,
			  c->dependencies_cap) < 0)
		return -ENOMEM;
	c->pub.dependencies = items;
	if (logical_path_dup(&logical_path, on_path) < 0 ||
	    str_dup_opt(&component_name, on_name) < 0) {
		free(logical_path);
		return -ENOMEM;
	}
	items[c->pub.dependency_count++] = (struct vss_dependency){
		.writer_id = *on_writer,
		.logical_path = logical_path,
		.component_name = component_name,
	};
	return 0;
}

size_t
vss_wmd_component_count(const vss_wmd *wmd)
{
	return wmd ? wmd->component_count : 0;
}

const struct vss_wm_component *
vss_wmd_component(const vss_wmd *wmd, size_t index)
{
	return wmd && index < wmd->component_count ?
		       &wmd->components[index]->pub :
		       NULL;
}

const struct vss_wm_component *
vss_wmd_find_component(const vss_wmd *wmd, const char *logical_path,
		       const char *name)
{
	struct wm_component *c;

	if (!wmd || !name)
		return NULL;
	c = wmd_find(wmd, logical_path, name);
	return c ? &c->pub : NULL;
}
