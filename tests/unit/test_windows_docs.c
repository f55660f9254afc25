/*
 * test_windows_docs.c - documents that Windows wrote ($VSS_TESTDATA/windows:
 * a diskshadow metadata cabinet and an express-writer manifest) load, hold
 * the values we know they hold, and survive save and load again: every
 * field through the public accessors, and every attribute of every element
 * of the original on the corresponding element of the saved text (MD-060,
 * MD-061, MD-062).  The files are read where they are, never copied.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <vss/metadata.h>
#include <vss/status.h>

#include "test_util.h"

/* ---- reading the test data ---------------------------------------- */

/* $VSS_TESTDATA/windows into out, or false (with a message) if absent. */
static bool
windows_dir(char *out, size_t size)
{
	const char *base = getenv("VSS_TESTDATA");
	DIR *d;

	if (base == NULL || base[0] == '\0') {
		print_message("VSS_TESTDATA is not set: skipping the Windows "
			      "documents\n");
		return false;
	}
	snprintf(out, size, "%s/windows", base);
	d = opendir(out);
	if (d == NULL) {
		print_message("%s: %s: skipping the Windows documents\n", out,
			      strerror(errno));
		return false;
	}
	closedir(d);
	return true;
}

/* The whole file; caller owns *ret (NUL-terminated for messages). */
static void
read_file(const char *path, char **ret, size_t *ret_len)
{
	size_t len = 0, cap = 4096, n;
	char *buf = malloc(cap + 1);
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		fail_msg("%s: %s", path, strerror(errno));
	assert_non_null(buf);
	while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
			assert_non_null(buf);
		}
	}
	assert_false(ferror(f));
	fclose(f);
	buf[len] = '\0';
	*ret = buf;
	*ret_len = len;
}

/*
 * Read one named file of the folder; skips the test when the folder is
 * absent and fails it when the folder is there without the file.
 */
static void
read_testdata(const char *name, char **ret, size_t *ret_len)
{
	char dir[4096], path[4352];

	if (!windows_dir(dir, sizeof(dir)))
		skip();
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	read_file(path, ret, ret_len);
}

static vss_wmd *
load_testdata_wmd(const char *name)
{
	vss_wmd *wmd;
	size_t len;
	char *xml;

	read_testdata(name, &xml, &len);
	wmd = load_doc(&doc_codec_wmd, name, xml, len);
	free(xml);
	return wmd;
}

/* ---- field by field comparison ------------------------------------ */

/*
 * Context for messages ("x.xml component[3] files[1]"); silently cut when
 * too long, which only shortens a failure message.
 */
__attribute__((format(printf, 3, 4))) static void
ctxf(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, size, fmt, ap);
	va_end(ap);
}

static void
check_str(const char *ctx, const char *field, const char *a, const char *b)
{
	if (a == NULL && b == NULL)
		return;
	if (a == NULL || b == NULL || strcmp(a, b) != 0)
		fail_msg("%s: %s differs: '%s' != '%s'", ctx, field,
			 a ? a : "(null)", b ? b : "(null)");
}

static void
check_num(const char *ctx, const char *field, long long a, long long b)
{
	if (a != b)
		fail_msg("%s: %s differs: %lld != %lld", ctx, field, a, b);
}

static void
check_id(const char *ctx, const char *field, const vss_id *a, const vss_id *b)
{
	char x[VSS_ID_STRLEN], y[VSS_ID_STRLEN];

	if (vss_id_equal(a, b))
		return;
	vss_id_format(a, x);
	vss_id_format(b, y);
	fail_msg("%s: %s differs: %s != %s", ctx, field, x, y);
}

/* An id given as text, which must parse. */
static void
check_id_text(const char *ctx, const char *field, const vss_id *a,
	      const char *text)
{
	vss_id b;

	assert_int_equal(vss_id_parse(&b, text), 0);
	check_id(ctx, field, a, &b);
}

static void
file_desc_equal(const char *ctx, const struct vss_file_desc *a,
		const struct vss_file_desc *b)
{
	check_str(ctx, "path", a->path, b->path);
	check_str(ctx, "filespec", a->filespec, b->filespec);
	check_num(ctx, "recursive", a->recursive, b->recursive);
	check_str(ctx, "alternate_path", a->alternate_path, b->alternate_path);
	check_num(ctx, "backup_type_mask", a->backup_type_mask,
		  b->backup_type_mask);
}

static void
mapping_equal(const char *ctx, const struct vss_location_mapping *a,
	      const struct vss_location_mapping *b)
{
	check_str(ctx, "path", a->path, b->path);
	check_str(ctx, "filespec", a->filespec, b->filespec);
	check_num(ctx, "recursive", a->recursive, b->recursive);
	check_str(ctx, "destination", a->destination, b->destination);
}

static void
file_list_equal(const char *ctx, const char *list, size_t na,
		const struct vss_file_desc *a, size_t nb,
		const struct vss_file_desc *b)
{
	char sub[256];
	size_t i;

	check_num(ctx, list, na, nb);
	for (i = 0; i < na; i++) {
		ctxf(sub, sizeof(sub), "%s %s[%zu]", ctx, list, i);
		file_desc_equal(sub, &a[i], &b[i]);
	}
}

static void
wm_component_equal(const char *ctx, const struct vss_wm_component *a,
		   const struct vss_wm_component *b)
{
	const struct vss_component_def *x = &a->def, *y = &b->def;
	char sub[256];
	size_t i;

	check_num(ctx, "type", x->type, y->type);
	check_str(ctx, "logical_path", x->logical_path, y->logical_path);
	check_str(ctx, "name", x->name, y->name);
	check_str(ctx, "caption", x->caption, y->caption);
	check_num(ctx, "icon_size", x->icon_size, y->icon_size);
	check_num(ctx, "icon present", x->icon != NULL, y->icon != NULL);
	if (x->icon_size > 0 && memcmp(x->icon, y->icon, x->icon_size) != 0)
		fail_msg("%s: icon bytes differ", ctx);
	check_num(ctx, "restore_metadata", x->restore_metadata,
		  y->restore_metadata);
	check_num(ctx, "notify_on_backup_complete",
		  x->notify_on_backup_complete, y->notify_on_backup_complete);
	check_num(ctx, "selectable", x->selectable, y->selectable);
	check_num(ctx, "selectable_for_restore", x->selectable_for_restore,
		  y->selectable_for_restore);
	check_num(ctx, "flags", x->flags, y->flags);
	file_list_equal(ctx, "files", a->file_count, a->files, b->file_count,
			b->files);
	file_list_equal(ctx, "database_files", a->database_file_count,
			a->database_files, b->database_file_count,
			b->database_files);
	file_list_equal(ctx, "log_files", a->log_file_count, a->log_files,
			b->log_file_count, b->log_files);
	check_num(ctx, "dependency_count", a->dependency_count,
		  b->dependency_count);
	for (i = 0; i < a->dependency_count; i++) {
		const struct vss_dependency *p = &a->dependencies[i];
		const struct vss_dependency *q = &b->dependencies[i];

		ctxf(sub, sizeof(sub), "%s dependency[%zu]", ctx, i);
		check_id(sub, "writer_id", &p->writer_id, &q->writer_id);
		check_str(sub, "logical_path", p->logical_path,
			  q->logical_path);
		check_str(sub, "component_name", p->component_name,
			  q->component_name);
	}
}

/* Every field a reader can see of two WMDs is the same (MD-062). */
static void
wmd_equal(const char *ctx, const vss_wmd *a, const vss_wmd *b)
{
	const struct vss_writer_identity *x = vss_wmd_identity(a);
	const struct vss_writer_identity *y = vss_wmd_identity(b);
	const struct vss_restore_method_info *p, *q;
	char sub[256];
	size_t i, n;

	check_id(ctx, "class_id", &x->class_id, &y->class_id);
	check_id(ctx, "instance_id", &x->instance_id, &y->instance_id);
	check_str(ctx, "instance_name", x->instance_name, y->instance_name);
	check_str(ctx, "friendly_name", x->friendly_name, y->friendly_name);
	check_num(ctx, "usage", x->usage, y->usage);
	check_num(ctx, "source", x->source, y->source);
	check_num(ctx, "major_version", x->major_version, y->major_version);
	check_num(ctx, "minor_version", x->minor_version, y->minor_version);
	check_num(ctx, "backup_schema", vss_wmd_backup_schema(a),
		  vss_wmd_backup_schema(b));

	p = vss_wmd_restore_method(a);
	q = vss_wmd_restore_method(b);
	check_num(ctx, "restore method present", p != NULL, q != NULL);
	if (p != NULL) {
		check_num(ctx, "method", p->method, q->method);
		check_str(ctx, "service", p->service, q->service);
		check_str(ctx, "user_procedure", p->user_procedure,
			  q->user_procedure);
		check_num(ctx, "writer_restore", p->writer_restore,
			  q->writer_restore);
		check_num(ctx, "reboot_required", p->reboot_required,
			  q->reboot_required);
	}

	n = vss_wmd_alternate_location_mapping_count(a);
	check_num(ctx, "mapping count", n,
		  vss_wmd_alternate_location_mapping_count(b));
	for (i = 0; i < n; i++) {
		ctxf(sub, sizeof(sub), "%s mapping[%zu]", ctx, i);
		mapping_equal(sub, vss_wmd_alternate_location_mapping(a, i),
			      vss_wmd_alternate_location_mapping(b, i));
	}
	n = vss_wmd_exclude_files_count(a);
	check_num(ctx, "exclude count", n, vss_wmd_exclude_files_count(b));
	for (i = 0; i < n; i++) {
		ctxf(sub, sizeof(sub), "%s exclude[%zu]", ctx, i);
		file_desc_equal(sub, vss_wmd_exclude_files(a, i),
				vss_wmd_exclude_files(b, i));
	}
	n = vss_wmd_exclude_from_snapshot_count(a);
	check_num(ctx, "exclude-from-snapshot count", n,
		  vss_wmd_exclude_from_snapshot_count(b));
	for (i = 0; i < n; i++) {
		ctxf(sub, sizeof(sub), "%s exclude_from_snapshot[%zu]",
			 ctx, i);
		file_desc_equal(sub, vss_wmd_exclude_from_snapshot(a, i),
				vss_wmd_exclude_from_snapshot(b, i));
	}
	n = vss_wmd_component_count(a);
	check_num(ctx, "component count", n, vss_wmd_component_count(b));
	for (i = 0; i < n; i++) {
		ctxf(sub, sizeof(sub), "%s component[%zu]", ctx, i);
		wm_component_equal(sub, vss_wmd_component(a, i),
				   vss_wmd_component(b, i));
	}
}

static void
bcd_component_lists_equal(const char *ctx, const vss_bcd_component *a,
			  const vss_bcd_component *b)
{
	char sub[300];
	size_t i, n;

	n = vss_bcd_component_restore_subcomponent_count(a);
	check_num(ctx, "restore subcomponent count", n,
		  vss_bcd_component_restore_subcomponent_count(b));
	for (i = 0; i < n; i++) {
		const struct vss_restore_subcomponent *p =
			vss_bcd_component_restore_subcomponent(a, i);
		const struct vss_restore_subcomponent *q =
			vss_bcd_component_restore_subcomponent(b, i);

		ctxf(sub, sizeof(sub), "%s subcomponent[%zu]", ctx, i);
		check_str(sub, "logical_path", p->logical_path,
			  q->logical_path);
		check_str(sub, "name", p->name, q->name);
		check_num(sub, "repair", p->repair, q->repair);
	}
	n = vss_bcd_component_alternate_location_mapping_count(a);
	check_num(ctx, "mapping count", n,
		  vss_bcd_component_alternate_location_mapping_count(b));
	for (i = 0; i < n; i++) {
		ctxf(sub, sizeof(sub), "%s mapping[%zu]", ctx, i);
		mapping_equal(sub,
			      vss_bcd_component_alternate_location_mapping(a,
									   i),
			      vss_bcd_component_alternate_location_mapping(b,
									   i));
	}
	n = vss_bcd_component_new_target_count(a);
	check_num(ctx, "new target count", n,
		  vss_bcd_component_new_target_count(b));
	for (i = 0; i < n; i++) {
		ctxf(sub, sizeof(sub), "%s new_target[%zu]", ctx, i);
		mapping_equal(sub, vss_bcd_component_new_target(a, i),
			      vss_bcd_component_new_target(b, i));
	}
	n = vss_bcd_component_directed_target_count(a);
	check_num(ctx, "directed target count", n,
		  vss_bcd_component_directed_target_count(b));
	for (i = 0; i < n; i++) {
		const struct vss_directed_target *p =
			vss_bcd_component_directed_target(a, i);
		const struct vss_directed_target *q =
			vss_bcd_component_directed_target(b, i);

		ctxf(sub, sizeof(sub), "%s directed_target[%zu]", ctx, i);
		check_str(sub, "source_path", p->source_path, q->source_path);
		check_str(sub, "source_file", p->source_file, q->source_file);
		check_str(sub, "source_ranges", p->source_ranges,
			  q->source_ranges);
		check_str(sub, "destination_path", p->destination_path,
			  q->destination_path);
		check_str(sub, "destination_file", p->destination_file,
			  q->destination_file);
		check_str(sub, "destination_ranges", p->destination_ranges,
			  q->destination_ranges);
	}
	n = vss_bcd_component_partial_file_count(a);
	check_num(ctx, "partial file count", n,
		  vss_bcd_component_partial_file_count(b));
	for (i = 0; i < n; i++) {
		const struct vss_partial_file *p =
			vss_bcd_component_partial_file(a, i);
		const struct vss_partial_file *q =
			vss_bcd_component_partial_file(b, i);

		ctxf(sub, sizeof(sub), "%s partial_file[%zu]", ctx, i);
		check_str(sub, "path", p->path, q->path);
		check_str(sub, "filename", p->filename, q->filename);
		check_str(sub, "ranges", p->ranges, q->ranges);
		check_str(sub, "metadata", p->metadata, q->metadata);
	}
	n = vss_bcd_component_differenced_file_count(a);
	check_num(ctx, "differenced file count", n,
		  vss_bcd_component_differenced_file_count(b));
	for (i = 0; i < n; i++) {
		const struct vss_differenced_file *p =
			vss_bcd_component_differenced_file(a, i);
		const struct vss_differenced_file *q =
			vss_bcd_component_differenced_file(b, i);

		ctxf(sub, sizeof(sub), "%s differenced_file[%zu]", ctx, i);
		check_str(sub, "path", p->path, q->path);
		check_str(sub, "filespec", p->filespec, q->filespec);
		check_num(sub, "recursive", p->recursive, q->recursive);
		check_str(sub, "lsn", p->lsn, q->lsn);
		check_num(sub, "last_modify_time", p->last_modify_time,
			  q->last_modify_time);
	}
}

static void
bcd_component_equal(const char *ctx, const vss_bcd_component *a,
		    const vss_bcd_component *b)
{
	const struct vss_component_failure *p, *q;
	char field[32];
	int t;

	check_num(ctx, "type", vss_bcd_component_type(a),
		  vss_bcd_component_type(b));
	check_str(ctx, "logical_path", vss_bcd_component_logical_path(a),
		  vss_bcd_component_logical_path(b));
	check_str(ctx, "name", vss_bcd_component_name(a),
		  vss_bcd_component_name(b));
	for (t = 0; t < VSS_TEXT_COUNT; t++) {
		ctxf(field, sizeof(field), "text %d", t);
		check_str(ctx, field, vss_bcd_component_text(a, t),
			  vss_bcd_component_text(b, t));
	}
	check_num(ctx, "backup_succeeded",
		  vss_bcd_component_backup_succeeded(a),
		  vss_bcd_component_backup_succeeded(b));
	check_num(ctx, "selected_for_restore",
		  vss_bcd_component_selected_for_restore(a),
		  vss_bcd_component_selected_for_restore(b));
	check_num(ctx, "additional_restores",
		  vss_bcd_component_additional_restores(a),
		  vss_bcd_component_additional_restores(b));
	check_num(ctx, "authoritative_restore",
		  vss_bcd_component_authoritative_restore(a),
		  vss_bcd_component_authoritative_restore(b));
	check_num(ctx, "rollforward_type",
		  vss_bcd_component_rollforward_type(a),
		  vss_bcd_component_rollforward_type(b));
	check_num(ctx, "restore_target", vss_bcd_component_restore_target(a),
		  vss_bcd_component_restore_target(b));
	check_num(ctx, "file_restore_status",
		  vss_bcd_component_file_restore_status(a),
		  vss_bcd_component_file_restore_status(b));
	p = vss_bcd_component_failure(a);
	q = vss_bcd_component_failure(b);
	assert_non_null(p);
	assert_non_null(q);
	check_num(ctx, "failure status", p->status, q->status);
	check_num(ctx, "failure application_status", p->application_status,
		  q->application_status);
	check_str(ctx, "failure message", p->message, q->message);
	bcd_component_lists_equal(ctx, a, b);
}

/* Every field a reader can see of two BCDs is the same (MD-062). */
static void
bcd_equal(const char *ctx, const vss_bcd *a, const vss_bcd *b)
{
	const struct vss_backup_state *x = vss_bcd_backup_state(a);
	const struct vss_backup_state *y = vss_bcd_backup_state(b);
	char sub[256], sub2[300];
	size_t i, j, n, m;

	check_num(ctx, "select_components", x->select_components,
		  y->select_components);
	check_num(ctx, "bootable_system_state", x->bootable_system_state,
		  y->bootable_system_state);
	check_num(ctx, "backup_type", x->backup_type, y->backup_type);
	check_num(ctx, "partial_file_support", x->partial_file_support,
		  y->partial_file_support);
	check_num(ctx, "restore_type", vss_bcd_restore_type(a),
		  vss_bcd_restore_type(b));
	check_num(ctx, "context", vss_bcd_context(a), vss_bcd_context(b));
	check_id(ctx, "snapshot_set_id", vss_bcd_snapshot_set_id(a),
		 vss_bcd_snapshot_set_id(b));

	n = vss_bcd_snapshot_desc_count(a);
	check_num(ctx, "snapshot count", n, vss_bcd_snapshot_desc_count(b));
	for (i = 0; i < n; i++) {
		const struct vss_snapshot_desc *p = vss_bcd_snapshot_desc(a, i);
		const struct vss_snapshot_desc *q = vss_bcd_snapshot_desc(b, i);

		ctxf(sub, sizeof(sub), "%s snapshot[%zu]", ctx, i);
		check_id(sub, "snapshot_id", &p->snapshot_id, &q->snapshot_id);
		check_id(sub, "provider_id", &p->provider_id, &q->provider_id);
		check_str(sub, "original_volume", p->original_volume,
			  q->original_volume);
		check_str(sub, "snapshot_device", p->snapshot_device,
			  q->snapshot_device);
		check_str(sub, "originating_machine", p->originating_machine,
			  q->originating_machine);
		check_num(sub, "attributes", p->attributes, q->attributes);
		check_num(sub, "created", p->created, q->created);
	}

	n = vss_bcd_writer_count(a);
	check_num(ctx, "writer count", n, vss_bcd_writer_count(b));
	for (i = 0; i < n; i++) {
		const vss_bcd_writer *p = vss_bcd_writer_at(a, i);
		const vss_bcd_writer *q = vss_bcd_writer_at(b, i);

		ctxf(sub, sizeof(sub), "%s writer[%zu]", ctx, i);
		check_id(sub, "class_id", vss_bcd_writer_class_id(p),
			 vss_bcd_writer_class_id(q));
		check_id(sub, "instance_id", vss_bcd_writer_instance_id(p),
			 vss_bcd_writer_instance_id(q));
		check_str(sub, "instance_name",
			  vss_bcd_writer_instance_name(p),
			  vss_bcd_writer_instance_name(q));
		check_num(sub, "backup_schema",
			  vss_bcd_writer_backup_schema(p),
			  vss_bcd_writer_backup_schema(q));
		m = vss_bcd_writer_component_count(p);
		check_num(sub, "component count", m,
			  vss_bcd_writer_component_count(q));
		for (j = 0; j < m; j++) {
			ctxf(sub2, sizeof(sub2), "%s component[%zu]", sub,
				 j);
			bcd_component_equal(sub2,
					    vss_bcd_writer_component(p, j),
					    vss_bcd_writer_component(q, j));
		}
	}
}

/* ---- every attribute of the original is in the saved text ---------- */

static bool
blank(const xmlChar *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			return false;
	return true;
}

/* The text directly inside an element (not in its children). */
static xmlChar *
own_text(const xmlNode *node)
{
	const xmlNode *c;
	xmlChar *text = NULL;

	for (c = node->children; c != NULL; c = c->next)
		if (c->type == XML_TEXT_NODE ||
		    c->type == XML_CDATA_SECTION_NODE)
			text = xmlStrcat(text, c->content);
	return text;
}

/*
 * Values are compared exactly, except ids: we write ids lower case, as
 * Windows does (vss/types.h), where some Windows documents have upper
 * case; those compare as ids.
 */
static bool
same_value(const char *a, const char *b)
{
	vss_id x, y;

	if (strcmp(a, b) == 0)
		return true;
	return vss_id_parse(&x, a) == 0 && vss_id_parse(&y, b) == 0 &&
	       vss_id_equal(&x, &y);
}

static void
attributes_kept(const char *path, const xmlNode *orig, const xmlNode *saved)
{
	const xmlAttr *a;
	xmlChar *text, *saved_text;

	for (a = orig->properties; a != NULL; a = a->next) {
		const xmlChar *href = a->ns ? a->ns->href : NULL;
		xmlChar *value = xmlNodeGetContent((const xmlNode *)a);
		xmlChar *kept = xmlGetNsProp(saved, a->name, href);

		assert_non_null(value);
		if (kept == NULL)
			fail_msg("%s: attribute %s='%s' lost", path,
				 (const char *)a->name, (const char *)value);
		if (!same_value((const char *)value, (const char *)kept))
			fail_msg("%s: attribute %s changed: '%s' became '%s'",
				 path, (const char *)a->name,
				 (const char *)value, (const char *)kept);
		xmlFree(value);
		xmlFree(kept);
	}
	text = own_text(orig);
	if (!blank(text)) {
		saved_text = own_text(saved);
		if (saved_text == NULL || xmlStrcmp(text, saved_text) != 0)
			fail_msg("%s: text '%s' became '%s'", path,
				 (const char *)text,
				 saved_text ? (const char *)saved_text
					    : "(none)");
		xmlFree(saved_text);
	}
	xmlFree(text);
}

/* The index-th element child of parent with the given local name. */
static xmlNode *
nth_named_child(const xmlNode *parent, const xmlChar *name, size_t index)
{
	xmlNode *c;

	for (c = parent->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, name) &&
		    index-- == 0)
			return c;
	return NULL;
}

/*
 * Walk the original: each element is matched to the saved element with the
 * same path of local names and the same index among same-named siblings,
 * so that a saved document may order differently named siblings its own
 * way (RESTORE_METHOD after BACKUP_LOCATIONS in the WMI writer's WMD).
 */
static void
elements_kept(const char *path, const xmlNode *orig, const xmlNode *saved)
{
	const xmlNode *c, *s;
	char sub[1024];

	attributes_kept(path, orig, saved);
	for (c = orig->children; c != NULL; c = c->next) {
		size_t index = 0;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		for (s = orig->children; s != c; s = s->next)
			if (s->type == XML_ELEMENT_NODE &&
			    xmlStrEqual(s->name, c->name))
				index++;
		ctxf(sub, sizeof(sub), "%s/%s[%zu]", path,
			 (const char *)c->name, index);
		s = nth_named_child(saved, c->name, index);
		if (s == NULL)
			fail_msg("%s: element lost", sub);
		elements_kept(sub, c, s);
	}
}

static xmlDoc *
parse_dom(const char *what, const char *xml, size_t len)
{
	xmlDoc *doc = xmlReadMemory(xml, (int)len, NULL, NULL,
				    XML_PARSE_NONET);

	if (doc == NULL)
		fail_msg("%s: libxml2 cannot parse it", what);
	assert_non_null(xmlDocGetRootElement(doc));
	return doc;
}

static void
document_kept(const char *what, const xmlDoc *orig, const char *saved_xml,
	      size_t saved_len)
{
	xmlDoc *saved = parse_dom(what, saved_xml, saved_len);
	xmlNode *a = xmlDocGetRootElement(orig);
	xmlNode *b = xmlDocGetRootElement(saved);
	char path[256];

	check_str(what, "root element", (const char *)a->name,
		  (const char *)b->name);
	ctxf(path, sizeof(path), "%s: /%s", what, (const char *)a->name);
	elements_kept(path, a, b);
	xmlFreeDoc(saved);
}

/* ---- the round trip of one file ------------------------------------ */

/* The field by field comparison of either document, for round_trip(). */
typedef void doc_equal_fn(const char *ctx, const void *a, const void *b);

static void
wmd_equal_doc(const char *ctx, const void *a, const void *b)
{
	wmd_equal(ctx, a, b);
}

static void
bcd_equal_doc(const char *ctx, const void *a, const void *b)
{
	bcd_equal(ctx, a, b);
}

/*
 * Load, save, load the saved text: same model; save again: same text; and
 * the saved text keeps every attribute of the original.
 */
static void
round_trip(const struct doc_codec *codec, doc_equal_fn *equal,
	   const char *what, const char *xml, size_t len, const xmlDoc *orig)
{
	void *first = load_doc(codec, what, xml, len), *second;
	char *saved, *saved_again;
	size_t saved_len;

	saved = save_doc(codec, first);
	saved_len = strlen(saved);
	second = load_doc(codec, what, saved, saved_len);
	equal(what, first, second);
	saved_again = save_doc(codec, second);
	assert_string_equal(saved_again, saved);
	document_kept(what, orig, saved, saved_len);
	free(saved_again);
	free(saved);
	codec->free(second);
	codec->free(first);
}

static int
compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Every file of the folder, whatever its name: a WMD or a BCD by its root
 * element (libxml2 reads the UTF-16 manifest through its byte-order mark),
 * round-tripped (MD-060, MD-061, MD-062).
 */
static void
test_every_document_round_trips(void **state)
{
	char dir[4096], path[4352], **names = NULL, *xml;
	size_t count = 0, i, len, wmds = 0, bcds = 0;
	struct dirent *e;
	DIR *d;

	if (!windows_dir(dir, sizeof(dir)))
		skip();
	d = opendir(dir);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		names = realloc(names, (count + 1) * sizeof(*names));
		assert_non_null(names);
		names[count] = strdup(e->d_name);
		assert_non_null(names[count++]);
	}
	closedir(d);
	qsort(names, count, sizeof(*names), compare_names);

	for (i = 0; i < count; i++) {
		xmlDoc *orig;
		const char *root;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		read_file(path, &xml, &len);
		orig = parse_dom(names[i], xml, len);
		root = (const char *)xmlDocGetRootElement(orig)->name;
		print_message("%s: %s\n", names[i], root);
		if (strcmp(root, "WRITER_METADATA") == 0) {
			round_trip(&doc_codec_wmd, wmd_equal_doc, names[i], xml,
				   len, orig);
			wmds++;
		} else if (strcmp(root, "BACKUP_COMPONENTS") == 0) {
			round_trip(&doc_codec_bcd, bcd_equal_doc, names[i], xml,
				   len, orig);
			bcds++;
		} else {
			fail_msg("%s: unknown root element %s", names[i],
				 root);
		}
		xmlFreeDoc(orig);
		free(xml);
		free(names[i]);
	}
	free(names);
	/* The folder holds both kinds; finding none means a broken setup. */
	assert_true(wmds > 0);
	assert_true(bcds > 0);
}

/* ---- known values -------------------------------------------------- */

static const char *const sql_databases[] = {
	"master", "model", "msdb", "SecondServerDb", "NonNimbleDatabase",
	"local1",
};

/*
 * The SQL Server writer: backup schema, instance name, a restore method
 * that says always, six file groups under one logical path, no recursive
 * attribute on FILE_LIST (MD-060: decimal numbers).
 */
static void
test_sql_server_writer(void **state)
{
	vss_wmd *wmd = load_testdata_wmd("no_sql_WM5__SqlServerWriter.xml");
	const struct vss_writer_identity *id = vss_wmd_identity(wmd);
	const struct vss_restore_method_info *rm;
	size_t i, j;

	check_id_text("sql", "class_id", &id->class_id,
		      "a65faa63-5ea8-4ebc-9dbd-a0c4db26912a");
	check_id_text("sql", "instance_id", &id->instance_id,
		      "235435d9-34d6-41ea-8c08-5958a9982636");
	assert_string_equal(id->instance_name,
			    "Microsoft SQL Server 2017:SQLWriter");
	assert_string_equal(id->friendly_name, "SqlServerWriter");
	assert_int_equal(id->usage, VSS_UT_USERDATA);
	assert_int_equal(id->source, VSS_ST_TRANSACTEDDB);
	assert_int_equal(id->major_version, 0);
	assert_int_equal(id->minor_version, 0);
	assert_int_equal(vss_wmd_backup_schema(wmd), 881);
	assert_int_equal(vss_wmd_backup_schema(wmd),
			 VSS_BS_DIFFERENTIAL | VSS_BS_COPY |
				 VSS_BS_TIMESTAMPED | VSS_BS_LAST_MODIFY |
				 VSS_BS_WRITER_SUPPORTS_NEW_TARGET |
				 VSS_BS_WRITER_SUPPORTS_RESTORE_WITH_MOVE);

	rm = vss_wmd_restore_method(wmd);
	assert_non_null(rm);
	assert_int_equal(rm->method, VSS_RME_RESTORE_IF_CAN_REPLACE);
	assert_int_equal(rm->writer_restore, VSS_WRE_ALWAYS);
	assert_false(rm->reboot_required);
	assert_null(rm->service);
	assert_int_equal(vss_wmd_exclude_files_count(wmd), 0);
	assert_int_equal(vss_wmd_exclude_from_snapshot_count(wmd), 0);
	assert_int_equal(vss_wmd_alternate_location_mapping_count(wmd), 0);

	assert_int_equal(vss_wmd_component_count(wmd), 6);
	for (i = 0; i < 6; i++) {
		const struct vss_wm_component *c = vss_wmd_component(wmd, i);

		assert_int_equal(c->def.type, VSS_CT_FILEGROUP);
		assert_string_equal(c->def.logical_path, "WIN2012-SQL17-2");
		assert_string_equal(c->def.name, sql_databases[i]);
		assert_null(c->def.caption);
		assert_null(c->def.icon);
		assert_int_equal(c->def.icon_size, 0);
		assert_false(c->def.restore_metadata);
		assert_true(c->def.notify_on_backup_complete);
		assert_true(c->def.selectable);
		assert_true(c->def.selectable_for_restore);
		assert_int_equal(c->def.flags, VSS_CF_APP_ROLLBACK_RECOVERY);
		assert_int_equal(c->database_file_count, 0);
		assert_int_equal(c->log_file_count, 0);
		assert_int_equal(c->dependency_count, 0);
		assert_int_equal(c->file_count, 2);
		for (j = 0; j < 2; j++) {
			assert_false(c->files[j].recursive);
			assert_null(c->files[j].alternate_path);
			assert_int_equal(c->files[j].backup_type_mask, 3855);
			assert_int_equal(c->files[j].backup_type_mask,
					 VSS_FSBT_DEFAULT);
		}
		assert_ptr_equal(vss_wmd_find_component(wmd, "WIN2012-SQL17-2",
							sql_databases[i]),
				 c);
	}
	assert_string_equal(vss_wmd_component(wmd, 0)->files[0].path,
			    "E:\\MSSQL14.MSSQLSERVER\\MSSQL\\DATA");
	assert_string_equal(vss_wmd_component(wmd, 0)->files[0].filespec,
			    "master.mdf");
	assert_string_equal(vss_wmd_component(wmd, 0)->files[1].filespec,
			    "mastlog.ldf");
	assert_string_equal(vss_wmd_component(wmd, 5)->files[1].path,
			    "C:\\SQL_LOCAL_DBS\\MSSQL14.MSSQLSERVER\\"
			    "MSSQL\\DATA");
	assert_string_equal(vss_wmd_component(wmd, 5)->files[1].filespec,
			    "local1_log.ldf");
	vss_wmd_free(wmd);
}

/*
 * The Task Scheduler writer: ids in upper case (MD-060), the
 * REPLACE_AT_REBOOT_IF_CANNOT_REPLACE spelling, writerRestore never, a
 * non-selectable top-level component with recursive file sets.
 */
static void
test_task_scheduler_writer(void **state)
{
	vss_wmd *wmd =
		load_testdata_wmd("no_sql_WM0__Task-Scheduler-Writer.xml");
	const struct vss_writer_identity *id = vss_wmd_identity(wmd);
	const struct vss_restore_method_info *rm;
	const struct vss_wm_component *c;
	char text[VSS_ID_STRLEN];
	size_t i;

	check_id_text("task scheduler", "class_id", &id->class_id,
		      "d61d61c8-d73a-4eee-8cdd-f6f9786b7124");
	vss_id_format(&id->class_id, text);
	assert_string_equal(text, "d61d61c8-d73a-4eee-8cdd-f6f9786b7124");
	check_id_text("task scheduler", "instance_id", &id->instance_id,
		      "1bddd48e-5052-49db-9b07-b96f96727e6b");
	assert_null(id->instance_name);
	assert_string_equal(id->friendly_name, "Task Scheduler Writer");
	assert_int_equal(id->usage, VSS_UT_BOOTABLESYSTEMSTATE);
	assert_int_equal(id->source, VSS_ST_OTHER);
	assert_int_equal(vss_wmd_backup_schema(wmd), 0);

	rm = vss_wmd_restore_method(wmd);
	assert_non_null(rm);
	assert_int_equal(rm->method,
			 VSS_RME_RESTORE_AT_REBOOT_IF_CANNOT_REPLACE);
	assert_int_equal(rm->writer_restore, VSS_WRE_NEVER);
	assert_false(rm->reboot_required);

	assert_int_equal(vss_wmd_component_count(wmd), 1);
	c = vss_wmd_component(wmd, 0);
	assert_int_equal(c->def.type, VSS_CT_FILEGROUP);
	assert_null(c->def.logical_path);
	assert_string_equal(c->def.name, "TasksStore");
	assert_string_equal(c->def.caption, "Tasks Store");
	assert_false(c->def.selectable);
	assert_false(c->def.selectable_for_restore);
	assert_int_equal(c->def.flags, 0);
	assert_ptr_equal(vss_wmd_find_component(wmd, "", "TasksStore"), c);
	assert_ptr_equal(vss_wmd_find_component(wmd, NULL, "TasksStore"), c);
	assert_int_equal(c->file_count, 2);
	assert_string_equal(c->files[0].path, "%WinDir%\\System32\\Tasks");
	assert_string_equal(c->files[1].path, "%WinDir%\\Tasks");
	for (i = 0; i < 2; i++) {
		assert_string_equal(c->files[i].filespec, "*");
		assert_true(c->files[i].recursive);
		assert_int_equal(c->files[i].backup_type_mask, 3855);
	}
	vss_wmd_free(wmd);
}

static const char *const registry_files[] = {
	"default", "SAM", "SECURITY", "software", "system", "schema.dat",
	"COMPONENTS", "DRIVERS", "BBI",
};

static const char *const registry_excludes[] = {
	"default.LOG", "SECURITY.LOG", "software.LOG", "system.LOG",
	"COMPONENTS.LOG",
};

/*
 * The Registry writer: EXCLUDE_FILES inside BACKUP_LOCATIONS, after the
 * component, are the writer's excludes; rebootRequired yes.
 */
static void
test_registry_writer(void **state)
{
	vss_wmd *wmd = load_testdata_wmd("no_sql_WM9__Registry-Writer.xml");
	const struct vss_restore_method_info *rm;
	const struct vss_wm_component *c;
	size_t i;

	rm = vss_wmd_restore_method(wmd);
	assert_non_null(rm);
	assert_int_equal(rm->method,
			 VSS_RME_RESTORE_AT_REBOOT_IF_CANNOT_REPLACE);
	assert_true(rm->reboot_required);

	assert_int_equal(vss_wmd_component_count(wmd), 1);
	c = vss_wmd_component(wmd, 0);
	assert_string_equal(c->def.name, "Registry");
	assert_true(c->def.selectable);
	assert_int_equal(c->file_count, 9);
	for (i = 0; i < 9; i++) {
		assert_string_equal(c->files[i].filespec, registry_files[i]);
		assert_false(c->files[i].recursive);
	}
	assert_string_equal(c->files[5].path,
			    "C:\\Windows\\System32\\SMI\\Store\\Machine");

	assert_int_equal(vss_wmd_exclude_files_count(wmd), 5);
	for (i = 0; i < 5; i++) {
		const struct vss_file_desc *e = vss_wmd_exclude_files(wmd, i);

		assert_non_null(e);
		assert_string_equal(e->path, "C:\\Windows\\system32\\config");
		assert_string_equal(e->filespec, registry_excludes[i]);
		assert_false(e->recursive);
	}
	assert_null(vss_wmd_exclude_files(wmd, 5));
	assert_int_equal(vss_wmd_exclude_from_snapshot_count(wmd), 0);
	vss_wmd_free(wmd);
}

/* The WMI writer: RESTORE_METHOD after BACKUP_LOCATIONS, REPLACE_AT_REBOOT. */
static void
test_wmi_writer(void **state)
{
	vss_wmd *wmd = load_testdata_wmd("no_sql_WM8__WMI-Writer.xml");
	const struct vss_restore_method_info *rm = vss_wmd_restore_method(wmd);
	const struct vss_wm_component *c;

	assert_int_equal(vss_wmd_identity(wmd)->usage, VSS_UT_SYSTEMSERVICE);
	assert_non_null(rm);
	assert_int_equal(rm->method, VSS_RME_RESTORE_AT_REBOOT);
	assert_int_equal(rm->writer_restore, VSS_WRE_NEVER);
	assert_true(rm->reboot_required);
	assert_int_equal(vss_wmd_component_count(wmd), 1);
	c = vss_wmd_component(wmd, 0);
	/* Sic: Windows spells it so. */
	assert_string_equal(c->def.caption,
			    "Windows Managment Instrumentation");
	assert_int_equal(c->file_count, 1);
	assert_string_equal(c->files[0].path,
			    "C:\\Windows\\system32\\wbem\\repository");
	assert_string_equal(c->files[0].filespec, "*.*");
	assert_true(c->files[0].recursive);
	vss_wmd_free(wmd);
}

/*
 * The BITS writer: no restore method, no component, excludes only; a
 * trailing separator on a path is kept as written (MD-020).
 */
static void
test_bits_writer(void **state)
{
	vss_wmd *wmd = load_testdata_wmd("no_sql_WM7__BITS-Writer.xml");
	const struct vss_file_desc *e;

	assert_null(vss_wmd_restore_method(wmd));
	assert_int_equal(vss_wmd_component_count(wmd), 0);
	assert_null(vss_wmd_component(wmd, 0));
	assert_int_equal(vss_wmd_exclude_files_count(wmd), 3);
	e = vss_wmd_exclude_files(wmd, 2);
	assert_string_equal(e->path,
			    "C:\\ProgramData\\Microsoft\\Network\\"
			    "Downloader\\");
	assert_string_equal(e->filespec, "*");
	assert_true(e->recursive);
	e = vss_wmd_exclude_files(wmd, 1);
	assert_string_equal(e->filespec, "bits.bak");
	assert_false(e->recursive);
	vss_wmd_free(wmd);
}

/* The Shadow Copy Optimization writer: EXCLUDE_FILES_FROM_SNAPSHOT. */
static void
test_shadow_copy_optimization_writer(void **state)
{
	vss_wmd *wmd = load_testdata_wmd(
		"no_sql_WM6__Shadow-Copy-Optimization-Writer.xml");
	const struct vss_file_desc *e;

	assert_null(vss_wmd_restore_method(wmd));
	assert_int_equal(vss_wmd_component_count(wmd), 0);
	assert_int_equal(vss_wmd_exclude_files_count(wmd), 0);
	assert_int_equal(vss_wmd_exclude_from_snapshot_count(wmd), 17);
	e = vss_wmd_exclude_from_snapshot(wmd, 0);
	assert_string_equal(e->path, "C:\\ProgramData\\Microsoft\\RAC");
	assert_false(e->recursive);
	e = vss_wmd_exclude_from_snapshot(wmd, 4);
	assert_string_equal(e->path, "\\System Volume Information\\Heat");
	assert_string_equal(e->filespec, "*.*");
	assert_true(e->recursive);
	e = vss_wmd_exclude_from_snapshot(wmd, 16);
	assert_string_equal(e->path, "C:\\Users\\MsDtsServer140\\AppData\\"
				     "Local\\Microsoft\\Outlook");
	assert_string_equal(e->filespec, "*.ost");
	assert_null(vss_wmd_exclude_from_snapshot(wmd, 17));
	vss_wmd_free(wmd);
}

/*
 * The express-writer manifest is the metadata store writer's WMD again, in
 * UTF-16LE with a byte-order mark, TAB-indented with CRLF and attributes on
 * lines of their own, ids in mixed case: it must give the same model as
 * the one-line UTF-8 copy in the cabinet (MD-060).
 */
static void
test_express_writer_manifest_utf16(void **state)
{
	vss_wmd *utf16 = load_testdata_wmd(
		"express-writer-manifest-VSS-Metadata-Store-Writer.utf16.xml");
	vss_wmd *utf8 = load_testdata_wmd(
		"no_sql_WM1__VSS-Metadata-Store-Writer.xml");
	const struct vss_writer_identity *id = vss_wmd_identity(utf16);
	const struct vss_wm_component *c;

	check_id_text("manifest", "class_id", &id->class_id,
		      "75dfb225-e2e4-4d39-9ac9-ffaff65ddf06");
	assert_string_equal(id->friendly_name, "VSS Metadata Store Writer");
	assert_int_equal(vss_wmd_component_count(utf16), 1);
	c = vss_wmd_component(utf16, 0);
	assert_string_equal(c->def.name, "WriterMetadataStore");
	assert_string_equal(c->def.caption,
			    "VSS Express Writer Metadata Store");
	assert_true(c->def.selectable);
	assert_int_equal(c->file_count, 1);
	assert_string_equal(c->files[0].path, "%SystemRoot%\\Vss\\Writers");
	assert_string_equal(c->files[0].filespec, "*.xml");
	assert_true(c->files[0].recursive);
	wmd_equal("manifest vs cabinet", utf16, utf8);
	vss_wmd_free(utf8);
	vss_wmd_free(utf16);
}

struct bcd_writer_expect {
	const char *class_id;
	const char *instance_id;
	const char *components[2];
};

static const struct bcd_writer_expect bcd_writers[] = {
	{ "d61d61c8-d73a-4eee-8cdd-f6f9786b7124",
	  "1bddd48e-5052-49db-9b07-b96f96727e6b", { "TasksStore" } },
	{ "75dfb225-e2e4-4d39-9ac9-ffaff65ddf06",
	  "088e7a7d-09a8-4cc6-a609-ad90e75ddc93", { "WriterMetadataStore" } },
	{ "0bada1de-01a9-4625-8278-69e735f39dd2",
	  "f0086dda-9efc-47c5-8eb6-a944c3d09381", { "PerformanceCounters" } },
	{ "e8132975-6f93-4464-a53e-1050253ae220",
	  "ce678d65-95d0-4bea-a43d-2a288bc94500",
	  { "System Files", "Win32 Services Files" } },
	{ "a6ad56c2-b509-4e6c-bb19-49d8f43532f0",
	  "e795e5ac-50b0-4127-ab18-6b09138b6669", { "WMI" } },
	{ "afbab4a2-367d-4d15-a586-71dbb18f8485",
	  "a9cff6b0-5ac6-4dde-aa4d-25b16fbae717", { "Registry" } },
	{ "542da469-d3e1-473c-9f4f-7847f01fc64f",
	  "096a689b-077b-44e3-a7ba-5831d480c95b", { "COM+ REGDB" } },
};

/* The backup components document of the cabinet: set id, state, writers. */
static void
test_backup_components_document(void **state)
{
	const struct vss_backup_state *s;
	vss_bcd *bcd;
	size_t i, j, len;
	char *xml;

	read_testdata("no_sql_BCDocument.xml", &xml, &len);
	bcd = load_doc(&doc_codec_bcd, "bcd", xml, len);
	free(xml);

	check_id_text("bcd", "snapshot_set_id", vss_bcd_snapshot_set_id(bcd),
		      "e109943b-232e-4b52-8dc4-62b7de94761b");
	s = vss_bcd_backup_state(bcd);
	assert_true(s->select_components);
	assert_true(s->bootable_system_state);
	assert_int_equal(s->backup_type, VSS_BT_FULL);
	assert_false(s->partial_file_support);
	assert_int_equal(vss_bcd_snapshot_desc_count(bcd), 0);

	assert_int_equal(vss_bcd_writer_count(bcd), 7);
	for (i = 0; i < 7; i++) {
		const struct bcd_writer_expect *x = &bcd_writers[i];
		vss_bcd_writer *w = vss_bcd_writer_at(bcd, i);
		vss_id writer_class, writer_instance;

		assert_non_null(w);
		check_id_text(x->class_id, "class_id",
			      vss_bcd_writer_class_id(w), x->class_id);
		check_id_text(x->class_id, "instance_id",
			      vss_bcd_writer_instance_id(w), x->instance_id);
		assert_null(vss_bcd_writer_instance_name(w));
		assert_int_equal(vss_bcd_writer_backup_schema(w), 0);
		assert_int_equal(vss_id_parse(&writer_class, x->class_id), 0);
		assert_int_equal(vss_id_parse(&writer_instance,
					      x->instance_id),
				 0);
		assert_ptr_equal(vss_bcd_find_writer(bcd, &writer_class,
						     &writer_instance),
				 w);
		for (j = 0; j < 2 && x->components[j] != NULL; j++) {
			vss_bcd_component *c = vss_bcd_writer_component(w, j);
			const struct vss_component_failure *f;
			int t;

			assert_non_null(c);
			assert_int_equal(vss_bcd_component_type(c),
					 VSS_CT_FILEGROUP);
			assert_null(vss_bcd_component_logical_path(c));
			assert_string_equal(vss_bcd_component_name(c),
					    x->components[j]);
			assert_ptr_equal(vss_bcd_writer_find_component(
						 w, VSS_CT_FILEGROUP, NULL,
						 x->components[j]),
					 c);
			for (t = 0; t < VSS_TEXT_COUNT; t++)
				assert_null(vss_bcd_component_text(c, t));
			assert_false(vss_bcd_component_backup_succeeded(c));
			assert_false(vss_bcd_component_selected_for_restore(c));
			assert_int_equal(vss_bcd_component_restore_target(c),
					 VSS_RT_ORIGINAL);
			f = vss_bcd_component_failure(c);
			assert_int_equal(f->status, 0);
			assert_null(f->message);
		}
		assert_int_equal(vss_bcd_writer_component_count(w), j);
	}
	assert_null(vss_bcd_writer_at(bcd, 7));
	vss_bcd_free(bcd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_document_round_trips),
		cmocka_unit_test(test_sql_server_writer),
		cmocka_unit_test(test_task_scheduler_writer),
		cmocka_unit_test(test_registry_writer),
		cmocka_unit_test(test_wmi_writer),
		cmocka_unit_test(test_bits_writer),
		cmocka_unit_test(test_shadow_copy_optimization_writer),
		cmocka_unit_test(test_express_writer_manifest_utf16),
		cmocka_unit_test(test_backup_components_document),
	};
	int r;

	r = cmocka_run_group_tests(tests, NULL, NULL);
	xmlCleanupParser();
	return r;
}
