/*
 * tools/test-writer/config.h - what vss-test-writer is told to be: its
 * identity, the writer metadata document it gives (components, file sets,
 * excludes, restore method), the events it fails or stalls in, and where
 * it records what happened.  Filled from an INI file and from command-line
 * flags (docs/vss-test-writer.md).  The declaration ([writer], [restore],
 * [component NAME]) is writers/common's, shared with vss-writerd; the
 * events, the run and the component keys that act in events are ours.
 */
#ifndef TW_CONFIG_H
#define TW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vss/metadata.h>
#include <vss/types.h>

#include "decl.h"

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

/* A directed target the writer adds in pre_restore (RS-090). */
struct tw_directed {
	char *source_path;
	char *source_file;
	char *source_ranges;
	char *destination_path;
	char *destination_file;
	char *destination_ranges;
};

/*
 * What the writer puts into the backup components document for one
 * declared component in the events (not part of the WMD).  NULL,
 * VSS_RT_UNDEFINED and no directed targets: leave the document alone.
 */
struct tw_component_events {
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
	/* Identity (BK-036), restore method, excludes, components. */
	struct wdecl decl;
	/*
	 * The event keys of decl's components, by the same index
	 * (tw_config_events()).  Grown to decl.component_cap when a
	 * component gets its first event key, so events_count may be larger
	 * than decl.component_count (the extra entries are zero) or smaller
	 * (the components past it have no event keys).
	 */
	struct tw_component_events *events;
	size_t events_count;

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
 * err names the line and the problem (tw_config_load: the file first);
 * cfg may then hold part of the file.
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
 * The event keys of a component of cfg->decl, or NULL when it has none.
 * Borrowed.
 */
const struct tw_component_events *
tw_config_events(const struct tw_config *cfg,
		 const struct wdecl_component *c);

/* The wire name of an event ("prepare_backup"), static. */
const char *tw_event_name(enum tw_event e);
/* Accepts the wire name in any case, with '-' for '_'. */
int tw_event_parse(enum tw_event *ret, const char *s);

#endif
