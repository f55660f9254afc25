/*
 * writers/common/decl.h - a writer declared in an INI file: its identity,
 * restore method, excludes and components, as the [writer], [restore] and
 * [component NAME] sections of vss-test-writer and vss-writerd files say
 * (docs/vss-test-writer.md "Configuration file").  The caller reads the
 * file (ini.h) and hands each key here; what is not a declaration key is
 * the caller's.
 */
#ifndef WDECL_H
#define WDECL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vss/metadata.h>
#include <vss/types.h>
#include <vss/writer.h>

/* Which parts a file may declare (wdecl_key's parts). */
enum {
	WDECL_IDENTITY = 1u << 0,   /* [writer] class_id name ... version */
	WDECL_SCHEMA = 1u << 1,     /* [writer] backup_schema */
	WDECL_EXCLUDES = 1u << 2,   /* [writer] exclude exclude_from_snapshot */
	WDECL_RESTORE = 1u << 3,    /* [restore] */
	WDECL_COMPONENTS = 1u << 4, /* [component NAME] */
	WDECL_ALL = 0x1f,
};

/* One file set of a component, or an exclude. */
struct wdecl_file_set {
	char *path;
	char *filespec;
	bool recursive;         /* database and log files: always false */
	char *alternate_path;   /* file groups only; NULL if none */
	uint32_t mask;          /* VSS_FSBT_* bits; 0: VSS_FSBT_DEFAULT */
};

struct wdecl_file_sets {
	struct wdecl_file_set *items;
	size_t count, cap;
};

/* A writer-level alternate location mapping. */
struct wdecl_mapping {
	char *path;
	char *filespec;
	bool recursive;
	char *destination;
};

/* A dependency on a component of another writer class. */
struct wdecl_dependency {
	vss_id writer;
	char *logical_path; /* NULL at the top level */
	char *name;
};

struct wdecl_component {
	enum vss_component_type type;
	char *logical_path;      /* '\' separated; NULL at the top level */
	char *name;
	char *caption;           /* NULL if none */
	bool selectable;
	bool selectable_for_restore;
	bool restore_metadata;
	bool notify_on_backup_complete;
	uint32_t flags;          /* VSS_CF_* bits */
	struct wdecl_file_sets files;          /* file groups */
	struct wdecl_file_sets database_files; /* databases */
	struct wdecl_file_sets log_files;      /* databases */
	struct wdecl_dependency *deps;
	size_t dep_count, dep_cap;
};

struct wdecl {
	/* Identity (BK-036). */
	vss_id class_id;
	char *name;
	char *instance_name;             /* NULL if none */
	enum vss_usage_type usage;
	enum vss_source_type source;
	enum vss_app_level level;
	unsigned freeze_timeout_ms;      /* 0: the library default */
	unsigned major_version;
	unsigned minor_version;
	uint32_t backup_schema;          /* VSS_BS_* bits */

	/* Restore method; absent unless has_restore_method. */
	bool has_restore_method;
	enum vss_restore_method restore_method;
	char *restore_service;           /* NULL if none */
	enum vss_writer_restore writer_restore;
	bool reboot_required;
	struct wdecl_mapping *mappings;
	size_t mapping_count, mapping_cap;

	struct wdecl_file_sets excludes;
	struct wdecl_file_sets excludes_from_snapshot;
	struct wdecl_component *components;
	size_t component_count, component_cap;

	/*
	 * Parsing state.  current: the component of the [component NAME]
	 * section being read, NULL elsewhere.  It points into components and
	 * wdecl_add_component() keeps it on its component when the array
	 * moves; a copy of it is valid only until the next component is
	 * added.  A key of another section and wdecl_begin_file() clear it.
	 * The section is told by its name and, inside a wini parse, by its
	 * header's number (wini_section_number()).
	 */
	struct wdecl_component *current;
	char *current_section;
	unsigned current_section_number;
};

/* An empty declaration of this class and name, USER_DATA, OTHER, v1.0. */
int wdecl_init(struct wdecl *d, const vss_id *class_id, const char *name);
void wdecl_release(struct wdecl *d);

/*
 * One key of the file, in file order.  The caller may keep keys of other
 * sections to itself: inside a wini parse each [component NAME] header
 * starts a new component, also when the same name came just before (a
 * duplicate, refused when the WMD is made), never a merge.  Called
 * outside a parse, keys of the same [component NAME] go on with its
 * component until a key of another section comes.  Returns
 * 0 when taken; 1 when it is not a declaration key of the parts asked for
 * (another section, a part not asked for, a key no part knows, in any
 * section), so the caller handles it or refuses it ("unknown key"); a
 * negative status with err's message set (without file, line, section or
 * key: the caller adds them) on a bad value.  A new [component NAME]
 * section adds its component (d->current) before its first key is looked
 * at, so a caller's own per-component keys find it there.
 */
int wdecl_key(struct wdecl *d, unsigned parts, const char *section,
	      const char *key, const char *value, struct vss_error *err);
/*
 * Before reading another file into d: its first [component NAME] starts a
 * new component whatever the previous file's last section was.
 */
void wdecl_begin_file(struct wdecl *d);
/* What can only be checked once the whole file is read. */
int wdecl_check(const struct wdecl *d, struct vss_error *err);

/*
 * Append a selectable file group component (name not empty, without '\'
 * or '/': -EINVAL); *ret borrowed: valid until the next one is added.
 */
int wdecl_add_component(struct wdecl *d, const char *name,
			struct wdecl_component **ret);
/* Append a file set to a list; strings copied. */
int wdecl_file_sets_add(struct wdecl_file_sets *l,
			const struct wdecl_file_set *fs);

/*
 * Set opts' size and identity fields (class id to versions); the others
 * (socket_path) are left alone.  Strings borrowed from d.
 */
void wdecl_writer_opts(const struct wdecl *d, struct vss_writer_opts *opts);
/*
 * Add what d declares (restore method, excludes, components) to a WMD
 * that already carries the writer's identity.
 */
int wdecl_fill_wmd(const struct wdecl *d, vss_wmd *wmd,
		   struct vss_error *err);
/* The whole WMD with a null instance id (checks d; --print-wmd). */
int wdecl_new_wmd(const struct wdecl *d, vss_wmd **ret,
		  struct vss_error *err);

/* The component with this logical path ('\' separated; NULL and "" the
 * top level) and name, or NULL.  Borrowed. */
const struct wdecl_component *
wdecl_find_component(const struct wdecl *d, const char *logical_path,
		     const char *name);

#endif
