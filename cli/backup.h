/*
 * cli/backup.h - what the files of "vss backup" share: its options, the
 * state of one backup, and the steps after the shadow copies are made.
 * Only cmd_backup.c and backup_*.c include it.
 *
 *   cmd_backup.c     the options and the flow (job.h: gather, select,
 *                    snapshot; then the set, the copy, the end)
 *   backup_plan.c    what the set holds: its volumes, documents and
 *                    components, and the objects to copy (fileset.h)
 *   backup_copy.c    copying the objects with progress, and each
 *                    explicit component's result
 *   backup_report.c  the "backup" part of the report
 */
#ifndef VSS_CLI_BACKUP_H
#define VSS_CLI_BACKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vss/metadata.h>
#include <vss/types.h>

#include "backupset.h"
#include "cli.h"
#include "fileset.h"
#include "job.h"
#include "output.h"

/* Failures that belong to no component: those of the plain paths. */
#define BACKUP_NO_RESULT SIZE_MAX

struct backup_opts {
	char *to;                 /* absolute; owned */
	const char *config;
	bool config_given;
	char **paths;             /* canonical; owned */
	size_t n_paths;
	/* --writer, --component, --exclude-writer, --no-writers, type */
	struct job_args job;
	enum output_format format;
	bool quiet;
	int progress;             /* -1: when standard error is a terminal */
	bool help;
};

/* An explicitly included component and how its copy went. */
struct backup_result {
	size_t writer;                        /* index of job_writer() */
	const struct vss_wm_component *component;
	size_t set_index;                     /* in the backup set */
	uint64_t failures;
	char *message;                        /* the first failure; owned */
};

/* One backup; everything it points at is owned unless said otherwise. */
struct backup {
	const struct cli_command *cmd;
	const struct backup_opts *opts;       /* borrowed */
	struct job *job;
	struct bset *set;
	struct fileset *files;
	struct fileset_rule *rules;
	size_t n_rules;
	size_t *set_volume;     /* job volume -> set volume */
	struct backup_result *results; /* explicit components */
	size_t n_results;
	/* Per included component, in selection order: */
	size_t *set_component;  /* its index in the backup set */
	size_t *result_of;      /* the result it counts towards */
	int32_t context;
	uint64_t other_failures; /* objects of the plain paths */
	uint64_t listed;
	uint64_t listed_bytes;
	double start_ms, copy_start_ms, copy_end_ms;
	bool committed;
};

/* backup_plan.c */
/* Does writer w take part: selected, not excluded, with components? */
bool backup_takes_part(const struct job_writer *w);
/*
 * The set's volumes, the writers' documents and the included components
 * (BK-019, BK-145), and the results of the explicit ones.  0 or -errno.
 */
int backup_describe_set(struct backup *b);
/*
 * The objects to copy (BK-140): exclusions first, then writer by writer,
 * component by component, then the plain paths.  A file set that cannot
 * be listed fails its component; returns only what stops the listing
 * (-EINTR, -ENOMEM).
 */
int backup_list_objects(struct backup *b);

/* backup_copy.c */
/*
 * Record a failure against result i (BACKUP_NO_RESULT: the plain paths)
 * and print it.
 */
void backup_fail(struct backup *b, size_t i, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Copy every listed object; failures are counted, only a signal stops it. */
int backup_copy_objects(struct backup *b);
/*
 * Pass each explicit component's result to the writers and the set
 * (BK-018).  Returns an exit code; errors are printed.
 */
int backup_record_results(struct backup *b);
uint64_t backup_failure_count(const struct backup *b);
/*
 * The path on the live system of path below the mount point of job
 * volume v.  Caller owns; free with free(); NULL on ENOMEM.
 */
char *backup_live_path(const struct backup *b, size_t v, const char *path);

/* backup_report.c */
/*
 * Print the objects the walks could not copy (fileset_skipped()) as
 * warnings on standard error.
 */
void backup_warn_skipped(const struct backup *b);
/*
 * The job report and, once the set is committed, what it holds; before
 * that "backup" is null, so that a script still sees the writers.
 * Returns an exit code.
 */
int backup_report(const struct backup *b);

#endif
