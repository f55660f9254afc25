/*
 * tools/test-writer/config.h - what vss-test-writer is told to be: its
 * identity, the writer metadata document it gives (components, file sets,
 * excludes, restore method), the events it fails or stalls in, and where
 * it records what happened.  Filled from an INI file and from command-line
 * flags (docs/vss-test-writer.md); uses only the public vss API, like any
 * writer.
 */
#ifndef TW_CONFIG_H
#define TW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vss/metadata.h>
#include <vss/types.h>

/* The class id of the test writer unless configured otherwise. */
#define TW_DEFAULT_CLASS_ID "621fb09c-4549-4884-86d8-a750548d7c4e"
#define TW_DEFAULT_NAME "vss-test-writer"

/* The events a writer handles, in the order of vss_writer_callbacks. */
enum tw_event {
	TW_EV_IDENTIFY,
	TW_EV_PREPARE_BACKUP,
	TW_EV_PREPARE_SNAPSHOT,
	TW_EV_FREEZE,
	TW_EV_THAW,
	TW_EV_POST_SNAPSHOT,
	TW_EV_ABORT,
	TW_EV_BACKUP_COMPLETE,
	TW_EV_BACKUP_SHUTDOWN,
	TW_EV_PRE_RESTORE,
	TW_EV_POST_RESTORE,
	TW_EV_COUNT
};

/* One file set of a component, or an exclude. */
struct tw_file_set {
	char *path;
	char *filespec;
	bool recursive;         /* database and log files: always false */
	char *alternate_path;   /* file groups only; NULL if none */
	uint32_t mask;          /* VSS_FSBT_* bits; 0: VSS_FSBT_DEFAULT */
};

struct tw_file_sets {
	struct tw_file_set *items;
	size_t count, cap;
};

/* A writer-level alternate location mapping. */
struct tw_mapping {
	char *path;
	char *filespec;
	bool recursive;
	char *destination;
};

/* A dependency on a component of another writer class. */
struct tw_dependency {
	vss_id writer;
	char *logical_path; /* NULL at the top level */
	char *name;
};

/* A directed target the writer adds in pre_restore (RS-090). */
struct tw_directed {
	char *source_path;
	char *source_file;
	char *source_ranges;
	char *destination_path;
	char *destination_file;
	char *destination_ranges;
};

struct tw_component {
	enum vss_component_type type;
	char *logical_path;      /* '\' separated; NULL at the top level */
	char *name;
	char *caption;           /* NULL if none */
	bool selectable;
	bool selectable_for_restore;
	bool restore_metadata;
	bool notify_on_backup_complete;
	uint32_t flags;          /* VSS_CF_* bits */
	struct tw_file_sets files;          /* file groups */
	struct tw_file_sets database_files; /* databases */
	struct tw_file_sets log_files;      /* databases */
	struct tw_dependency *deps;
	size_t dep_count, dep_cap;

	/*
	 * What the writer puts into the backup components document in the
	 * events (not part of the WMD).  NULL, VSS_RT_UNDEFINED and no
	 * directed targets: leave the document alone.
	 */
	char *backup_metadata;       /* post_snapshot (RS-103) */
	char *restore_metadata_text; /* pre_restore, read in post_restore */
	enum vss_restore_target restore_target; /* pre_restore (RS-060) */
	struct tw_directed *directed;           /* pre_restore (RS-090) */
	size_t directed_count, directed_cap;
};

/* What to do when an event arrives. */
struct tw_fault {
	int status;        /* VSS_E_WRITERERROR_* to fail with, 0: succeed */
	int count;         /* failures left; -1: every time */
	bool nonfatal;     /* set the failure but succeed (BK-031) */
	char *message;     /* failure message; NULL: a generated one */
	unsigned stall_ms; /* wait this long before answering, every time */
};

struct tw_config {
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
	struct tw_mapping *mappings;
	size_t mapping_count, mapping_cap;

	struct tw_file_sets excludes;
	struct tw_file_sets excludes_from_snapshot;
	struct tw_component *components;
	size_t component_count, component_cap;

	struct tw_fault faults[TW_EV_COUNT];

	/* Running: NULL when not asked for. */
	char *log_path;
	char *marker_dir;
	unsigned write_every_ms;         /* 0: no stream */
	char *socket_path;               /* NULL: $VSS_SOCKET or the default */
	char *ready_file;
	bool print_wmd;                  /* print the WMD and exit */
};

/* Defaults: the test writer class, USER_DATA, OTHER, front end, v1.0. */
int tw_config_init(struct tw_config *cfg);
void tw_config_release(struct tw_config *cfg);

/*
 * Read an INI file (docs/vss-test-writer.md) on top of cfg.  On failure
 * err names the line and the problem; cfg may then hold part of the file.
 */
int tw_config_load(struct tw_config *cfg, const char *path,
		   struct vss_error *err);
int tw_config_load_string(struct tw_config *cfg, const char *text,
			  struct vss_error *err);

/*
 * Apply the command line: --config first (wherever it stands), then the
 * other flags in order, so that flags override the file.  Returns 0, 1
 * when --help was given (nothing else is applied), or a negative status
 * with err filled (-EINVAL for a usage error).
 */
int tw_config_parse_args(struct tw_config *cfg, int argc, char **argv,
			 struct vss_error *err);

/*
 * Add what the configuration declares to a WMD that already carries the
 * writer's identity (the identify callback, BK-012: the same every time).
 */
int tw_config_fill_wmd(const struct tw_config *cfg, vss_wmd *wmd,
		       struct vss_error *err);
/*
 * The whole WMD with a null instance id: checks the configuration before
 * the writer subscribes, and backs --print-wmd.  Caller owns *ret; free
 * with vss_wmd_free().
 */
int tw_config_new_wmd(const struct tw_config *cfg, vss_wmd **ret,
		      struct vss_error *err);

/*
 * The configured component with this logical path ('\\' separated; NULL
 * and "" are the top level) and name, or NULL.  Borrowed.
 */
const struct tw_component *
tw_config_find_component(const struct tw_config *cfg,
			 const char *logical_path, const char *name);

/* The wire name of an event ("prepare_backup"), static. */
const char *tw_event_name(enum tw_event e);
/* Accepts the wire name in any case, with '-' for '_'. */
int tw_event_parse(enum tw_event *ret, const char *s);

#endif
