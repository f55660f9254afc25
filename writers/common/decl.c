/*
 * writers/common/decl.c - a writer declared in an INI file: the
 * [writer] identity, backup schema and excludes, the [restore] method and
 * the [component NAME] sections (docs/vss-test-writer.md "Configuration
 * file"), and the writer metadata document they make.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vss/status.h>

#include "util/array.h"

#include "decl.h"
#include "ini.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Words of the longest value: a file set with both options. */
#define MAX_WORDS 6

struct name_value {
	const char *name;
	uint32_t value;
};

static const struct name_value level_names[] = {
	{"front_end", VSS_APP_FRONT_END},
	{"back_end", VSS_APP_BACK_END},
	{"system", VSS_APP_SYSTEM},
};

static const struct name_value schema_names[] = {
	{"differential", VSS_BS_DIFFERENTIAL},
	{"incremental", VSS_BS_INCREMENTAL},
	{"exclusive_incremental_differential",
	 VSS_BS_EXCLUSIVE_INCREMENTAL_DIFFERENTIAL},
	{"log", VSS_BS_LOG},
	{"copy", VSS_BS_COPY},
	{"timestamped", VSS_BS_TIMESTAMPED},
	{"last_modify", VSS_BS_LAST_MODIFY},
	{"lsn", VSS_BS_LSN},
	{"new_target", VSS_BS_WRITER_SUPPORTS_NEW_TARGET},
	{"restore_with_move", VSS_BS_WRITER_SUPPORTS_RESTORE_WITH_MOVE},
	{"independent_system_state", VSS_BS_INDEPENDENT_SYSTEM_STATE},
	{"rollforward_restore", VSS_BS_ROLLFORWARD_RESTORE},
	{"restore_rename", VSS_BS_RESTORE_RENAME},
	{"authoritative_restore", VSS_BS_AUTHORITATIVE_RESTORE},
	{"parallel_restores", VSS_BS_WRITER_SUPPORTS_PARALLEL_RESTORES},
	/* Short names of the restore bits. */
	{"rollforward", VSS_BS_ROLLFORWARD_RESTORE},
	{"rename", VSS_BS_RESTORE_RENAME},
	{"authoritative", VSS_BS_AUTHORITATIVE_RESTORE},
};

static const struct name_value component_flag_names[] = {
	{"backup_recovery", VSS_CF_BACKUP_RECOVERY},
	{"app_rollback_recovery", VSS_CF_APP_ROLLBACK_RECOVERY},
	{"not_system_state", VSS_CF_NOT_SYSTEM_STATE},
};

/* ---- small helpers --------------------------------------------------- */

/* As wini_set_str(); an empty value (a key given as "key =") clears it. */
static int
set_opt_str(char **slot, const char *s)
{
	return wini_set_str(slot, *s ? s : NULL);
}

static int
lookup(const struct name_value *table, size_t n, const char *s,
       uint32_t *ret)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (wini_name_equal(table[i].name, s)) {
			*ret = table[i].value;
			return 0;
		}
	}
	return -EINVAL;
}

/*
 * A set of bits as names or numbers separated by blanks, ',' or '|':
 * "differential incremental", "0x3".
 */
static int
parse_bits(uint32_t *ret, const char *s, const struct name_value *table,
	   size_t n, struct vss_error *err)
{
	char *copy, *tok, *save = NULL;
	uint32_t bits = 0, v;
	uint64_t num;
	int r = 0;

	copy = strdup(s);
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, " \t,|", &save); tok;
	     tok = strtok_r(NULL, " \t,|", &save)) {
		if (wini_u64(&num, tok, 0, UINT32_MAX) == 0) {
			bits |= (uint32_t)num;
		} else if (lookup(table, n, tok, &v) == 0) {
			bits |= v;
		} else {
			r = wini_unknown(err, "name", tok, NULL);
			goto fail;
		}
	}
	*ret = bits;
fail:
	free(copy);
	return r;
}

/*
 * A logical path as typed, with '/' or '\' between elements, to the '\'
 * form of documents; empty means the top level (NULL).
 */
static int
set_logical_path(char **slot, const char *s)
{
	char *p;
	int r;

	r = wini_set_str(slot, *s ? s : NULL);
	for (p = *slot; r == 0 && p && *p; p++)
		if (*p == '/')
			*p = '\\';
	return r;
}

/* "a\b\name" or "name", for messages. */
static const char *
component_label(const struct wdecl_component *c, char *buf, size_t size)
{
	if (c->logical_path)
		snprintf(buf, size, "%s\\%s", c->logical_path, c->name);
	else
		snprintf(buf, size, "%s", c->name);
	return buf;
}

/* ---- lists ----------------------------------------------------------- */

static void
file_set_release(struct wdecl_file_set *f)
{
	free(f->path);
	free(f->filespec);
	free(f->alternate_path);
}

static void
file_sets_release(struct wdecl_file_sets *l)
{
	size_t i;

	for (i = 0; i < l->count; i++)
		file_set_release(&l->items[i]);
	free(l->items);
}

/* Append fs, taking ownership of its strings on success. */
static int
file_sets_take(struct wdecl_file_sets *l, const struct wdecl_file_set *fs)
{
	int r;

	r = ARRAY_RESERVE(l->items, l->count, l->cap);
	if (r < 0)
		return r;
	l->items[l->count++] = *fs;
	return 0;
}

int
wdecl_file_sets_add(struct wdecl_file_sets *l,
		    const struct wdecl_file_set *fs)
{
	struct wdecl_file_set copy = {
		.recursive = fs->recursive,
		.mask = fs->mask,
	};
	int r;

	if ((r = wini_set_str(&copy.path, fs->path)) < 0 ||
	    (r = wini_set_str(&copy.filespec, fs->filespec)) < 0 ||
	    (r = wini_set_str(&copy.alternate_path, fs->alternate_path)) < 0 ||
	    (r = file_sets_take(l, &copy)) < 0)
		file_set_release(&copy);
	return r;
}

static void
mapping_release(struct wdecl_mapping *m)
{
	free(m->path);
	free(m->filespec);
	free(m->destination);
}

static void
dependency_release(struct wdecl_dependency *d)
{
	free(d->logical_path);
	free(d->name);
}

static void
component_release(struct wdecl_component *c)
{
	size_t i;

	free(c->logical_path);
	free(c->name);
	free(c->caption);
	file_sets_release(&c->files);
	file_sets_release(&c->database_files);
	file_sets_release(&c->log_files);
	for (i = 0; i < c->dep_count; i++)
		dependency_release(&c->deps[i]);
	free(c->deps);
}

int
wdecl_add_component(struct wdecl *d, const char *name,
		    struct wdecl_component **ret)
{
	struct wdecl_component *c;
	size_t current;
	int r;

	if (!*name || strpbrk(name, "\\/"))
		return -EINVAL;
	/* The array may move: keep d->current pointing at its component. */
	current = d->current ? (size_t)(d->current - d->components) : 0;
	if ((r = ARRAY_RESERVE(d->components, d->component_count,
		      d->component_cap)) < 0)
		return r;
	if (d->current)
		d->current = &d->components[current];
	c = &d->components[d->component_count];
	memset(c, 0, sizeof(*c));
	c->type = VSS_CT_FILEGROUP;
	c->selectable = true;
	c->name = strdup(name);
	if (!c->name)
		return -ENOMEM;
	d->component_count++;
	*ret = c;
	return 0;
}

/* ---- values ---------------------------------------------------------- */

enum file_set_kind {
	FS_GROUP,    /* PATH FILESPEC RECURSIVE [alternate=P] [mask=N] */
	FS_DATABASE, /* PATH FILESPEC [mask=N] */
	FS_EXCLUDE,  /* PATH FILESPEC RECURSIVE */
};

static int
parse_file_set(struct wdecl_file_sets *list, const char *value,
	       enum file_set_kind kind, struct vss_error *err)
{
	struct wdecl_file_set fs = {0};
	char *copy = NULL, *word[MAX_WORDS];
	int n, i, fixed = kind == FS_DATABASE ? 2 : 3, r;
	uint64_t mask;

	n = wini_words(value, &copy, word, MAX_WORDS, err);
	if (n < 0)
		return n;
	if (n < fixed) {
		wini_seterr(err, "expected %s", kind == FS_DATABASE
			    ? "PATH FILESPEC" : "PATH FILESPEC RECURSIVE");
		r = -EINVAL;
		goto fail;
	}
	if (fixed == 3 && (r = wini_bool(&fs.recursive, word[2], err)) < 0)
		goto fail;
	for (i = fixed; i < n; i++) {
		if (kind == FS_GROUP && !strncmp(word[i], "alternate=", 10) &&
		    word[i][10]) {
			r = wini_set_str(&fs.alternate_path, word[i] + 10);
			if (r < 0)
				goto fail;
		} else if (kind != FS_EXCLUDE &&
			   !strncmp(word[i], "mask=", 5)) {
			if (wini_u64(&mask, word[i] + 5, 0, UINT32_MAX) < 0) {
				wini_seterr(err, "bad mask '%s'", word[i] + 5);
				r = -EINVAL;
				goto fail;
			}
			fs.mask = (uint32_t)mask;
		} else {
			wini_seterr(err, "unexpected '%s'", word[i]);
			r = -EINVAL;
			goto fail;
		}
	}
	if ((r = wini_set_str(&fs.path, word[0])) < 0 ||
	    (r = wini_set_str(&fs.filespec, word[1])) < 0 ||
	    (r = file_sets_take(list, &fs)) < 0)
		goto fail;
	free(copy);
	return 0;
fail:
	file_set_release(&fs);
	free(copy);
	return r;
}

/* PATH FILESPEC RECURSIVE DESTINATION */
static int
parse_mapping(struct wdecl *d, const char *value, struct vss_error *err)
{
	struct wdecl_mapping m = {0};
	char *copy = NULL, *word[MAX_WORDS];
	int n, r;

	n = wini_words(value, &copy, word, MAX_WORDS, err);
	if (n < 0)
		return n;
	if (n != 4) {
		wini_seterr(err,
			    "expected PATH FILESPEC RECURSIVE DESTINATION");
		r = -EINVAL;
		goto fail;
	}
	if ((r = wini_bool(&m.recursive, word[2], err)) < 0 ||
	    (r = wini_set_str(&m.path, word[0])) < 0 ||
	    (r = wini_set_str(&m.filespec, word[1])) < 0 ||
	    (r = wini_set_str(&m.destination, word[3])) < 0 ||
	    (r = ARRAY_RESERVE(d->mappings, d->mapping_count,
				d->mapping_cap)) < 0)
		goto fail;
	d->mappings[d->mapping_count++] = m;
	free(copy);
	return 0;
fail:
	mapping_release(&m);
	free(copy);
	return r;
}

/* WRITER_CLASS_ID LOGICAL\PATH\NAME (the last element is the name) */
static int
parse_dependency(struct wdecl_component *c, const char *value,
		 struct vss_error *err)
{
	struct wdecl_dependency dep = {0};
	char *copy = NULL, *word[MAX_WORDS], *name;
	int n, r;

	n = wini_words(value, &copy, word, MAX_WORDS, err);
	if (n < 0)
		return n;
	if (n != 2 || vss_id_parse(&dep.writer, word[0]) < 0) {
		wini_seterr(err, "expected WRITER_CLASS_ID COMPONENT_PATH");
		r = -EINVAL;
		goto fail;
	}
	if ((r = set_logical_path(&dep.name, word[1])) < 0)
		goto fail;
	name = dep.name ? strrchr(dep.name, '\\') : NULL;
	if (name) {
		*name = '\0';
		if ((r = wini_set_str(&dep.logical_path, dep.name)) < 0 ||
		    (r = wini_set_str(&dep.name, name + 1)) < 0)
			goto fail;
	}
	if (!dep.name || !*dep.name) {
		wini_seterr(err, "empty component name");
		r = -EINVAL;
		goto fail;
	}
	if ((r = ARRAY_RESERVE(c->deps, c->dep_count, c->dep_cap)) < 0)
		goto fail;
	c->deps[c->dep_count++] = dep;
	free(copy);
	return 0;
fail:
	dependency_release(&dep);
	free(copy);
	return r;
}

static int
parse_version(struct wdecl *d, const char *value, struct vss_error *err)
{
	unsigned major, minor = 0;
	char copy[32], *dot;

	snprintf(copy, sizeof(copy), "%s", value);
	dot = strchr(copy, '.');
	if (dot)
		*dot = '\0';
	if (strlen(value) >= sizeof(copy) ||
	    wini_unsigned(&major, copy, UINT_MAX, err) < 0 ||
	    (dot && wini_unsigned(&minor, dot + 1, UINT_MAX, err) < 0)) {
		wini_seterr(err, "'%s' is not a version (MAJOR.MINOR)", value);
		return -EINVAL;
	}
	d->major_version = major;
	d->minor_version = minor;
	return 0;
}

/* ---- sections -------------------------------------------------------- */

/* A [writer] identity key: 0, negative, or 1 when not one. */
static int
identity_key(struct wdecl *d, const char *key, const char *value,
	     struct vss_error *err)
{
	enum vss_usage_type usage;
	enum vss_source_type source;
	uint32_t level;
	vss_id class_id;

	if (!strcmp(key, "class_id")) {
		if (vss_id_parse(&class_id, value) < 0) {
			wini_seterr(err, "'%s' is not an id", value);
			return -EINVAL;
		}
		d->class_id = class_id;
		return 0;
	}
	if (!strcmp(key, "name")) {
		if (!*value) {
			wini_seterr(err, "empty writer name");
			return -EINVAL;
		}
		return wini_set_str(&d->name, value);
	}
	if (!strcmp(key, "instance_name"))
		return set_opt_str(&d->instance_name, value);
	if (!strcmp(key, "usage")) {
		if (vss_usage_type_parse(&usage, value) < 0 ||
		    usage == VSS_UT_UNDEFINED) {
			return wini_unknown(err, "usage type", value,
					    "BOOTABLE_SYSTEM_STATE, "
					    "SYSTEM_SERVICE, USER_DATA, OTHER");
		}
		d->usage = usage;
		return 0;
	}
	if (!strcmp(key, "source")) {
		if (vss_source_type_parse(&source, value) < 0 ||
		    source == VSS_ST_UNDEFINED) {
			return wini_unknown(err, "source type", value,
					    "TRANSACTION_DB, "
					    "NONTRANSACTION_DB, OTHER");
		}
		d->source = source;
		return 0;
	}
	if (!strcmp(key, "level")) {
		if (lookup(level_names, ARRAY_SIZE(level_names), value,
			   &level) < 0) {
			return wini_unknown(err, "level", value,
					    "front_end, back_end, system");
		}
		d->level = (enum vss_app_level)level;
		return 0;
	}
	if (!strcmp(key, "freeze_timeout_ms"))
		return wini_unsigned(&d->freeze_timeout_ms, value, WINI_MAX_MS,
				     err);
	if (!strcmp(key, "version"))
		return parse_version(d, value, err);
	return 1;
}

static int
writer_key(struct wdecl *d, unsigned parts, const char *key,
	   const char *value, struct vss_error *err)
{
	int r;

	if (parts & WDECL_IDENTITY) {
		r = identity_key(d, key, value, err);
		if (r <= 0)
			return r;
	}
	if ((parts & WDECL_SCHEMA) && !strcmp(key, "backup_schema"))
		return parse_bits(&d->backup_schema, value, schema_names,
				  ARRAY_SIZE(schema_names), err);
	if ((parts & WDECL_EXCLUDES) && !strcmp(key, "exclude"))
		return parse_file_set(&d->excludes, value, FS_EXCLUDE, err);
	if ((parts & WDECL_EXCLUDES) && !strcmp(key, "exclude_from_snapshot"))
		return parse_file_set(&d->excludes_from_snapshot, value,
				      FS_EXCLUDE, err);
	return 1;
}

static int
restore_key(struct wdecl *d, const char *key, const char *value,
	    struct vss_error *err)
{
	enum vss_restore_method method;
	enum vss_writer_restore writer_restore;
	int r = 1;

	if (!strcmp(key, "method")) {
		if (vss_restore_method_parse(&method, value) < 0 ||
		    method == VSS_RME_UNDEFINED)
			return wini_unknown(err, "restore method", value, NULL);
		d->restore_method = method;
		r = 0;
	} else if (!strcmp(key, "service")) {
		r = set_opt_str(&d->restore_service, value);
	} else if (!strcmp(key, "writer_restore")) {
		if (vss_writer_restore_parse(&writer_restore, value) < 0 ||
		    writer_restore == VSS_WRE_UNDEFINED) {
			return wini_unknown(err, "writer restore", value,
					    "never, ifReplaceFails, always");
		}
		d->writer_restore = writer_restore;
		r = 0;
	} else if (!strcmp(key, "reboot_required")) {
		r = wini_bool(&d->reboot_required, value, err);
	} else if (!strcmp(key, "alternate_location")) {
		r = parse_mapping(d, value, err);
	}
	/* Any [restore] key declares a method, which is then required. */
	if (r == 0)
		d->has_restore_method = true;
	return r;
}

static int
component_key(struct wdecl_component *c, const char *key, const char *value,
	      struct vss_error *err)
{
	enum vss_component_type type;

	if (!strcmp(key, "logical_path"))
		return set_logical_path(&c->logical_path, value);
	if (!strcmp(key, "type")) {
		if (vss_component_type_parse(&type, value) < 0 ||
		    type == VSS_CT_UNDEFINED) {
			return wini_unknown(err, "component type", value,
					    "filegroup, database");
		}
		c->type = type;
		return 0;
	}
	if (!strcmp(key, "caption"))
		return set_opt_str(&c->caption, value);
	if (!strcmp(key, "selectable"))
		return wini_bool(&c->selectable, value, err);
	if (!strcmp(key, "selectable_for_restore"))
		return wini_bool(&c->selectable_for_restore, value, err);
	if (!strcmp(key, "restore_metadata"))
		return wini_bool(&c->restore_metadata, value, err);
	if (!strcmp(key, "notify_on_backup_complete"))
		return wini_bool(&c->notify_on_backup_complete, value, err);
	if (!strcmp(key, "flags"))
		return parse_bits(&c->flags, value, component_flag_names,
				  ARRAY_SIZE(component_flag_names), err);
	if (!strcmp(key, "files"))
		return parse_file_set(&c->files, value, FS_GROUP, err);
	if (!strcmp(key, "database_files"))
		return parse_file_set(&c->database_files, value, FS_DATABASE,
				      err);
	if (!strcmp(key, "log_files"))
		return parse_file_set(&c->log_files, value, FS_DATABASE, err);
	if (!strcmp(key, "dependency"))
		return parse_dependency(c, value, err);
	return 1;
}

/*
 * The component of a [component NAME] section, added at its first key.
 * Within a parse the header's number tells the section (the same name
 * twice is two sections, even with keys between them that the caller
 * kept); outside one (number 0) the name does.
 */
static int
enter_component(struct wdecl *d, const char *section, const char *name,
		struct vss_error *err)
{
	unsigned number = wini_section_number();
	struct wdecl_component *c;
	int r;

	if (d->current && d->current_section_number == number &&
	    !strcmp(d->current_section, section))
		return 0;
	if (!*name || strpbrk(name, "\\/")) {
		wini_seterr(err, "a component name is one element without "
			    "'\\' or '/' (the path goes in logical_path)");
		return -EINVAL;
	}
	if ((r = wini_set_str(&d->current_section, section)) < 0 ||
	    (r = wdecl_add_component(d, name, &c)) < 0)
		return r;
	d->current = c;
	d->current_section_number = number;
	return 0;
}

int
wdecl_key(struct wdecl *d, unsigned parts, const char *section,
	  const char *key, const char *value, struct vss_error *err)
{
	const char *name = wini_section_arg(section, "component");
	int r;

	if (!name || !(parts & WDECL_COMPONENTS))
		d->current = NULL;
	if (!strcmp(section, "writer"))
		return writer_key(d, parts, key, value, err);
	if (!strcmp(section, "restore"))
		return parts & WDECL_RESTORE ? restore_key(d, key, value, err)
					     : 1;
	if (!name || !(parts & WDECL_COMPONENTS))
		return 1;
	r = enter_component(d, section, name, err);
	if (r < 0)
		return r;
	return component_key(d->current, key, value, err);
}

void
wdecl_begin_file(struct wdecl *d)
{
	d->current = NULL;
}

int
wdecl_check(const struct wdecl *d, struct vss_error *err)
{
	if (d->has_restore_method && d->restore_method == VSS_RME_UNDEFINED) {
		wini_seterr(err, "[restore]: method is required");
		return -EINVAL;
	}
	return 0;
}

/* ---- the writer metadata document ------------------------------------ */

static int
fill_component(const struct wdecl_component *c, vss_wmd *wmd,
	       struct vss_error *err)
{
	const struct vss_component_def def = {
		.type = c->type,
		.logical_path = c->logical_path,
		.name = c->name,
		.caption = c->caption,
		.restore_metadata = c->restore_metadata,
		.notify_on_backup_complete = c->notify_on_backup_complete,
		.selectable = c->selectable,
		.selectable_for_restore = c->selectable_for_restore,
		.flags = c->flags,
	};
	const struct wdecl_file_set *f;
	const struct wdecl_dependency *dep;
	size_t i;
	int r;

	r = vss_wmd_add_component(wmd, &def);
	if (r == VSS_E_OBJECT_ALREADY_EXISTS) {
		wini_seterr(err, "declared twice (each [component NAME] "
			    "section is a component of its own)");
		return r;
	}
	if (r < 0) {
		wini_seterr(err, "%s", vss_strerror(r));
		return r;
	}
	for (i = 0; i < c->files.count; i++) {
		f = &c->files.items[i];
		r = vss_wmd_add_files_to_file_group(wmd, c->logical_path,
						    c->name, f->path,
						    f->filespec, f->recursive,
						    f->alternate_path, f->mask);
		if (r < 0)
			goto fail_files;
	}
	for (i = 0; i < c->database_files.count; i++) {
		f = &c->database_files.items[i];
		r = vss_wmd_add_database_files(wmd, c->logical_path, c->name,
					       f->path, f->filespec, f->mask);
		if (r < 0)
			goto fail_files;
	}
	for (i = 0; i < c->log_files.count; i++) {
		f = &c->log_files.items[i];
		r = vss_wmd_add_database_log_files(wmd, c->logical_path,
						   c->name, f->path,
						   f->filespec, f->mask);
		if (r < 0)
			goto fail_files;
	}
	for (i = 0; i < c->dep_count; i++) {
		dep = &c->deps[i];
		r = vss_wmd_add_component_dependency(wmd, c->logical_path,
						     c->name, &dep->writer,
						     dep->logical_path,
						     dep->name);
		if (r < 0) {
			wini_seterr(err, "dependency on '%s': %s", dep->name,
				    vss_strerror(r));
			return r;
		}
	}
	return 0;
fail_files:
	/* -EINVAL here means files of the wrong kind for the type. */
	wini_seterr(err, "file set '%s' '%s': %s", f->path, f->filespec,
		    r == -EINVAL ? "not allowed for this component type"
				 : vss_strerror(r));
	return r;
}

int
wdecl_fill_wmd(const struct wdecl *d, vss_wmd *wmd, struct vss_error *err)
{
	const struct wdecl_file_set *f;
	const struct wdecl_mapping *m;
	char label[256];
	size_t i;
	int r;

	err->line = 0;
	r = vss_wmd_set_backup_schema(wmd, d->backup_schema);
	if (r < 0) {
		wini_seterr(err, "backup schema: %s", vss_strerror(r));
		return r;
	}
	if (d->has_restore_method) {
		const struct vss_restore_method_info info = {
			.method = d->restore_method,
			.service = d->restore_service,
			.writer_restore = d->writer_restore,
			.reboot_required = d->reboot_required,
		};

		r = vss_wmd_set_restore_method(wmd, &info);
		if (r < 0) {
			wini_seterr(err, "restore method: %s", vss_strerror(r));
			return r;
		}
	}
	for (i = 0; i < d->component_count; i++) {
		r = fill_component(&d->components[i], wmd, err);
		if (r < 0) {
			wini_prefix(err, "component '%s'",
				    component_label(&d->components[i], label,
						    sizeof(label)));
			return r;
		}
	}
	for (i = 0; i < d->mapping_count; i++) {
		m = &d->mappings[i];
		r = vss_wmd_add_alternate_location_mapping(
			wmd, m->path, m->filespec, m->recursive,
			m->destination);
		if (r < 0) {
			wini_seterr(err, "alternate location '%s' '%s': %s",
				    m->path, m->filespec,
				    r == VSS_E_OBJECT_NOT_FOUND
					    ? "no component has this file set"
					    : vss_strerror(r));
			return r;
		}
	}
	for (i = 0; i < d->excludes.count; i++) {
		f = &d->excludes.items[i];
		r = vss_wmd_add_exclude_files(wmd, f->path, f->filespec,
					      f->recursive);
		if (r < 0) {
			wini_seterr(err, "exclude '%s' '%s': %s", f->path,
				    f->filespec, vss_strerror(r));
			return r;
		}
	}
	for (i = 0; i < d->excludes_from_snapshot.count; i++) {
		f = &d->excludes_from_snapshot.items[i];
		r = vss_wmd_add_exclude_files_from_snapshot(
			wmd, f->path, f->filespec, f->recursive);
		if (r < 0) {
			wini_seterr(err, "exclude from snapshot '%s' '%s': %s",
				    f->path, f->filespec, vss_strerror(r));
			return r;
		}
	}
	return 0;
}

int
wdecl_new_wmd(const struct wdecl *d, vss_wmd **ret, struct vss_error *err)
{
	const struct vss_writer_identity id = {
		.class_id = d->class_id,
		.instance_name = d->instance_name,
		.friendly_name = d->name,
		.usage = d->usage,
		.source = d->source,
		.major_version = d->major_version,
		.minor_version = d->minor_version,
	};
	vss_wmd *wmd;
	int r;

	err->line = 0;
	r = wdecl_check(d, err);
	if (r < 0)
		return r;
	r = vss_wmd_new(&wmd, &id);
	if (r < 0) {
		wini_seterr(err, "identity: %s", vss_strerror(r));
		return r;
	}
	r = wdecl_fill_wmd(d, wmd, err);
	if (r < 0) {
		vss_wmd_free(wmd);
		return r;
	}
	*ret = wmd;
	return 0;
}

void
wdecl_writer_opts(const struct wdecl *d, struct vss_writer_opts *opts)
{
	opts->size = sizeof(*opts);
	opts->class_id = d->class_id;
	opts->instance_name = d->instance_name;
	opts->friendly_name = d->name;
	opts->usage = d->usage;
	opts->source = d->source;
	opts->level = d->level;
	opts->freeze_timeout_ms = d->freeze_timeout_ms;
	opts->major_version = d->major_version;
	opts->minor_version = d->minor_version;
}

/* ---- life cycle ------------------------------------------------------ */

int
wdecl_init(struct wdecl *d, const vss_id *class_id, const char *name)
{
	memset(d, 0, sizeof(*d));
	d->class_id = *class_id;
	d->usage = VSS_UT_USERDATA;
	d->source = VSS_ST_OTHER;
	d->level = VSS_APP_FRONT_END;
	d->major_version = 1;
	d->writer_restore = VSS_WRE_NEVER;
	d->name = strdup(name);
	return d->name ? 0 : -ENOMEM;
}

void
wdecl_release(struct wdecl *d)
{
	size_t i;

	if (!d)
		return;
	free(d->name);
	free(d->instance_name);
	free(d->restore_service);
	for (i = 0; i < d->mapping_count; i++)
		mapping_release(&d->mappings[i]);
	free(d->mappings);
	file_sets_release(&d->excludes);
	file_sets_release(&d->excludes_from_snapshot);
	for (i = 0; i < d->component_count; i++)
		component_release(&d->components[i]);
	free(d->components);
	free(d->current_section);
	memset(d, 0, sizeof(*d));
}

const struct wdecl_component *
wdecl_find_component(const struct wdecl *d, const char *logical_path,
		     const char *name)
{
	const struct wdecl_component *c;
	size_t i;

	if (!logical_path)
		logical_path = "";
	for (i = 0; i < d->component_count; i++) {
		c = &d->components[i];
		if (!strcmp(c->name, name) &&
		    !strcmp(c->logical_path ? c->logical_path : "",
			    logical_path))
			return c;
	}
	return NULL;
}
