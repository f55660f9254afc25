/*
 * cli/restore.h - what the files of "vss restore" share: its options, the
 * plan (what is restored, where, by which method) and the steps that carry
 * it out with the requester restore sequence (spec restore.md).  Only
 * cmd_restore.c and restore_*.c include it.
 *
 *   cmd_restore.c        the options, the help and the flow
 *   restore_plan.c       the set: manifest, documents, writers, units, and
 *                        the selection the command line makes
 *   restore_plan_dest.c  where each object goes: volume roots, --to,
 *                        alternate location mappings, directed targets;
 *                        the check of every destination before anything
 *                        is written
 *   restore_run.c        the sequence with libvss: gather, match, select,
 *                        pre_restore, statuses, post_restore
 *   restore_method.c     one unit by its restore method: probe, write or
 *                        stage, all or nothing
 *   restore_service.c    stopping and starting services (methods 3, 8)
 *   restore_report.c     the plan on the terminal and the report (text or
 *                        JSON, docs/cli-json.md)
 */
#ifndef VSS_CLI_RESTORE_H
#define VSS_CLI_RESTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vss/metadata.h>
#include <vss/requester.h>
#include <vss/types.h>

#include "backupset.h"
#include "cli.h"
#include "job.h"
#include "output.h"

struct rtarget;

/* A unit of the plain paths of a volume: no writer. */
#define RESTORE_NO_WRITER SIZE_MAX

/* What the command line asked for. */
struct restore_opts {
	const char *set;           /* BACKUPSET as given */
	char *set_abs;             /* the same, absolute; owned */
	/* --writer, --component, --exclude-writer, --no-writers */
	struct job_args job;
	char *to;                  /* --to DIR, absolute; owned; or NULL */
	enum vss_restore_method method; /* --method, or if-can-replace */
	bool method_given;
	bool authoritative;
	bool additional_restores;
	const char *restore_options;
	const char *service_command;
	const char *state_dir;     /* --state-dir, $VSS_STATE_DIR, default */
	bool dry_run;
	enum output_format format;
	bool quiet;
	int progress;              /* -1: when standard error is a terminal */
	bool help;
};

/* How a writer of the set stands, once matched (enum value 0: not asked). */
struct restore_writer {
	vss_id class_id;
	vss_id saved_instance_id;
	const char *name;          /* borrowed from the WMD or the manifest */
	vss_wmd *wmd;              /* the saved WMD; owned; NULL if none */
	vss_selection *included;   /* its explicit components' sets; owned */
	bool wanted;               /* a unit of it is selected */
	enum vss_restore_writer_match match;
	vss_id live_instance_id;
	bool involved;             /* selected for restore: gets the events */
	/* The last status gathered (RS-011). */
	bool have_status;
	enum vss_writer_state state;
	int32_t failure;
	int32_t application_failure;
	double event_ms[VSS_EVENT_COUNT];
	char *pre_restore_message;  /* owned */
	char *post_restore_message; /* owned */
};

/* Where an object goes: relpath (owned) below root, an index of roots. */
struct rplace {
	size_t root;
	char *relpath;
};

/* One object of a unit. */
struct ritem {
	size_t entry;              /* in the manifest */
	long file_set;             /* index in the unit's file sets, or -1 */
};

/* A file set of a unit's component set: the component and the set. */
struct rfileset {
	const struct vss_wm_component *component;
	const struct vss_file_desc *fd;
	/* The writer's alternate location mapping for it, or NULL. */
	const struct vss_location_mapping *mapping;
	/* An object of it was restored through the mapping (RS-073). */
	bool mapped;
};

enum runit_status {
	RU_PLANNED,
	RU_ALL,    /* every object in place */
	RU_NONE,   /* nothing written */
	RU_FAILED, /* some written: the report lists them */
	RU_STAGED, /* staged for the next start of vssd (RS-043) */
};

/*
 * What is restored as one, all or nothing (restore.md section 4): an
 * explicitly included component with its set (or with the restore
 * subcomponents chosen, RS-021), or the plain paths of one volume.
 */
struct runit {
	size_t writer;             /* RESTORE_NO_WRITER: plain paths */
	const struct vss_wm_component *component; /* saved WMD; or NULL */
	size_t volume;             /* the first volume its objects are on */
	const struct vss_wm_component **subs; /* restore subcomponents */
	size_t n_subs;
	struct rfileset *file_sets;
	size_t n_file_sets;
	struct ritem *items;       /* in manifest order */
	size_t n_items;
	uint64_t files, bytes;     /* regular files: count and bytes */
	bool involved;             /* the writer takes part */
	/* The saved WMD declares a restore method (else method is
	 * --method's: the writer gives no instructions). */
	bool method_declared;
	enum vss_restore_method method;
	enum vss_restore_target target; /* read after pre_restore */
	/* The result. */
	enum runit_status status;
	char *message;             /* owned */
	char *journal;             /* pending restore ids; owned */
	char **restored;           /* status FAILED: what is in place */
	size_t n_restored;
	char **destinations;       /* distinct destination roots; owned */
	size_t n_destinations;
};

/* A service stopped for a restore (methods 3 and 8, RS-042). */
struct rservice {
	char *name;
	bool stop_tried, stopped, started;
	bool after_post_restore;   /* method 8: stopped after post_restore */
	char *message;
};

/* A tree objects are written into (restore_write.h). */
struct rroot {
	char *path;                /* absolute; owned */
	size_t volume;             /* the volume of the set it stands for */
	bool create;               /* a --to tree: made when missing */
	bool refused;              /* failed its check (restore_check_places) */
	struct rtarget *t;         /* opened when first needed */
	/* The directories made to open it (create), top down; owned. */
	char **made;
	size_t n_made;
};

/* One restore; everything it points at is owned unless said otherwise. */
struct restore {
	const struct cli_command *cmd;
	const struct restore_opts *opts; /* borrowed */
	struct bset_manifest *m;
	char *bcd_xml;
	size_t bcd_len;
	vss_bcd *bcd;              /* the saved BCD, for the plan */
	struct restore_writer *writers;
	size_t n_writers;
	struct runit *units;
	size_t n_units;
	struct rroot *roots;
	size_t n_roots;
	size_t *by_path;           /* manifest entries by (volume, path) */
	struct rservice *services;
	size_t n_services;
	vss_requester *r;
	bool pre_restore_sent;
	/* A file restore status or mapping record the library refused. */
	bool record_failed;
	uint64_t verified_files, verified_problems;
	double start_ms;
	uint64_t total_files, total_bytes, done_objects, done_bytes;
	struct progress *progress;
	/*
	 * Batches committed in place, kept until every unit is written: a
	 * later unit may rename objects into their directories, whose
	 * times are then set again (rbatch_dirs_again()).
	 */
	struct rbatch **committed;
	size_t n_committed;
};

/* restore_plan.c */
/*
 * Verify the set (bset_verify; every problem is printed), load the
 * manifest, the BCD and the writers' documents.  An exit code.
 */
int restore_load(struct restore *rs);
/*
 * The units the command line selects (restore.md section 2): usage
 * errors (exit 2) for a writer or component the set does not have.
 */
int restore_select(struct restore *rs);
/* "LP/NAME" of a component, '/' between elements.  Caller owns. */
char *restore_component_text(const struct vss_wm_component *c);
/* The writer of unit u, or NULL for plain paths. */
struct restore_writer *restore_unit_writer(const struct restore *rs,
					   const struct runit *u);
/* Free everything the plan holds. */
void restore_release(struct restore *rs);
/* Free n strings and the array that holds them (NULL: nothing). */
void restore_free_strings(char **v, size_t n);

/* restore_plan_dest.c */
/*
 * Order the manifest's entries by (volume, path), for
 * restore_find_entry().  0 or -ENOMEM.
 */
int restore_index_entries(struct restore *rs);
/*
 * Find each file set's alternate location mapping in the saved WMD
 * (RS-070, RS-072) and the file set of each item of writer unit u.
 * 0 or -ENOMEM.
 */
int restore_assign_file_sets(struct restore *rs, struct runit *u);
/* The entry at path on volume, or SIZE_MAX. */
size_t restore_find_entry(const struct restore *rs, size_t volume,
			  const char *path);
/* The absolute original path of entry e.  Caller owns; NULL: ENOMEM. */
char *restore_original_path(const struct restore *rs,
			    const struct bset_entry *e);
/*
 * Where item i of unit u goes: at its original place (or below --to),
 * or, mapped, below its file set's alternate location mapping.  0,
 * -ENOENT when the item has no place there (a parent of the file set),
 * -EXDEV with err when the place is outside every root, -ENOMEM.
 */
int restore_place(struct restore *rs, const struct runit *u,
		  const struct ritem *it, bool mapped, struct rplace *ret,
		  char *err, size_t errlen);
/* The place of an absolute path (a directed target).  As above. */
int restore_place_path(struct restore *rs, const char *path,
		       struct rplace *ret, char *err, size_t errlen);
/*
 * The target of root i, opened when first needed.  make: a --to tree
 * that does not exist is made (when an object is added to it); else it
 * is -ENOENT (a survey: nothing there).
 */
int restore_root_target(struct restore *rs, size_t i, bool make,
			struct rtarget **ret, char *err, size_t errlen);
/*
 * After the restore: remove the directories made for --to trees that
 * stayed empty (nothing was written there), deepest first; those that
 * existed before are never touched.
 */
void restore_remove_empty_roots(struct restore *rs);
/*
 * Check every place the plan may write (original or --to, and the
 * mappings of units whose method may use them) with rtarget_check(),
 * writing nothing: a path that escapes its root refuses the restore.
 * An exit code; errors printed.
 */
int restore_check_places(struct restore *rs);

/* restore_run.c */
/*
 * Decide each unit's method and whether its writer takes part; when a
 * unit needs writers, first connect, initialize for restore, give the
 * saved WMDs, gather and match the writers (without, vssd is never
 * reached).  An exit code; dry_run tolerates an unreachable vssd.
 */
int restore_match(struct restore *rs);
/*
 * Select, set the options, pre_restore, write every unit, statuses,
 * post_restore, writer statuses.  An exit code.
 */
int restore_run(struct restore *rs);

/* restore_method.c */
/*
 * Restore unit u by its method (after pre_restore); sets its status,
 * message and destinations.  Returns 0, or -ENOMEM.
 */
int restore_unit(struct restore *rs, struct runit *u);
/*
 * After the last unit: set the directories of the units committed in
 * place again (rs->committed) and free those batches; a failure is
 * printed (the objects are in place).
 */
void restore_dirs_again(struct restore *rs);
/*
 * Does every object of u that belongs to a file set have its alternate
 * location mapping (and one object at least)?
 */
bool restore_unit_has_mappings(const struct runit *u);
/* Does the method ask for the services to be stopped and started? */
bool restore_method_has_service(enum vss_restore_method m);
/* The command-line spelling of a method: "if-can-replace". */
const char *restore_method_name(enum vss_restore_method m);
/* The method of a --method NAME, or -EINVAL. */
int restore_method_parse(const char *name, enum vss_restore_method *ret);

/* restore_service.c */
/*
 * Stop or start a service (a name restore_service_name_ok() took):
 * --service-command CMD through /bin/sh as "CMD stop SERVICE" (two
 * arguments), else "systemctl stop -- SERVICE" when systemd runs; in a
 * session of its own, out of reach of the terminal's signals.  0, or
 * -errno with err.
 */
int restore_service(const struct restore_opts *o, const char *verb,
		    const char *service, char *err, size_t errlen);
/* The longest service name taken (systemd's unit name limit). */
#define RESTORE_SERVICE_NAME_MAX 255
/*
 * Is name, from a saved writer metadata document, a unit-style service
 * name: 1 to RESTORE_SERVICE_NAME_MAX letters, digits and ":-_.@\",
 * not beginning with '-' or '.' (no option, glob, path, space or
 * control character)?  false with why.
 */
bool restore_service_name_ok(const char *name, char *why, size_t whylen);
/* Can services be handled at all (a command, or systemd)? */
bool restore_services_possible(const struct restore_opts *o);
/* The service record of name, added when new.  NULL: ENOMEM. */
struct rservice *restore_service_find(struct restore *rs, const char *name);

/* restore_report.c */
/* Print the plan (text only, not with --quiet). */
void restore_print_plan(const struct restore *rs);
/* The report (text or JSON).  An exit code. */
int restore_report(const struct restore *rs);
/* Record a unit's failure message (the first is kept) and print it. */
void restore_unit_fail(struct restore *rs, struct runit *u,
		       enum runit_status status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
