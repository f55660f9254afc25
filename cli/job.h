/*
 * cli/job.h - one shadow copy job, as "vss create", "vss exec" and
 * "vss backup" run it: the backup sequence of spec backup.md section 2 up
 * to the copy and from the copy on, with the writers and components the
 * command line chose.
 *
 *   job_new        connect, initialize_for_backup, set_context,
 *                  set_backup_state (component mode, backup type)
 *   job_gather     gather_writer_metadata (skipped with no writers)
 *   job_select     choose components (SEL-001..SEL-009), add_component,
 *                  decide the volumes of the set
 *   job_snapshot   start_snapshot_set, add_to_snapshot_set per volume,
 *                  prepare_for_backup, do_snapshot_set, gather status,
 *                  get_snapshot_properties
 *   ... the command copies from the shadow copies, calling
 *       job_set_component_result() for each explicit component ...
 *   job_complete   set_backup_succeeded per explicit component,
 *                  backup_complete, gather status
 *   job_free       abort when between prepare and complete (BK-051),
 *                  delete the set when it is auto-release and was made
 *                  (so that none is left once vss exits), end the session
 *
 * Each step prints its own errors ("vss: CMD: ...") and returns an enum
 * cli_exit value.  A step that fails leaves the job for job_free() only,
 * apart from job_report(), which describes what happened so far.
 */
#ifndef VSS_CLI_JOB_H
#define VSS_CLI_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vss/metadata.h>
#include <vss/requester.h>
#include <vss/types.h>

#include "cli.h"
#include "output.h"

/* What the command line chose. */
struct job_options {
	const struct cli_command *cmd; /* for diagnostics */
	int32_t context;               /* from cli_parse_context() */
	enum vss_backup_type backup_type;
	/*
	 * --writer W: every component of writer W (its mandatory components
	 * and the selectable roots, SEL-002).  W is the writer's name, class
	 * id or instance id (matching several instances selects each).
	 */
	char **writers;
	size_t n_writers;
	/*
	 * --component W:LOGICAL/PATH/NAME: one component, by its logical
	 * path and name joined with '/' (a top-level component: W:NAME);
	 * the writer's mandatory components come with it (SEL-003).
	 */
	char **components;
	size_t n_components;
	/* --exclude-writer W: the writer takes no part (disabled). */
	char **exclude_writers;
	size_t n_exclude_writers;
	/*
	 * Volumes (create, exec) or paths (backup) named on the command line:
	 * each is made absolute and canonical, and the volume holding it is
	 * put in the set.  Without --writer/--component the components chosen
	 * are, for each writer, its mandatory and selectable root components
	 * whose files lie on these volumes (create, exec) or under these
	 * paths (backup, paths_select set).  On volumes, as vshadow does, a
	 * selectable root with files on other volumes too is left out, and
	 * the whole writer only when one of its mandatory components has
	 * files elsewhere; the report says why (left_out).  A recursive file
	 * set's files include those of the volumes mounted below its
	 * directory (BK-076).
	 */
	char **paths;
	size_t n_paths;
	bool paths_select; /* backup: select components by files under paths */
	/*
	 * No --writer, --component or paths: every writer's components
	 * (backup); with this false and no paths, none.
	 */
	bool select_all;
};

struct job;

/* A volume of the set. */
struct job_volume {
	const char *mount_point;
	const char *fstype;
	vss_id snapshot_id;
	/* After job_snapshot: where the shadow copy's root can be read. */
	const char *device;
	vss_id provider_id;
	/*
	 * After job_snapshot: application consistent, or crash consistent
	 * only (BK-130).  A volume is application consistent when writers
	 * took part in the job (not --no-writers or a context without
	 * writers) and every component of every writer that has files on the
	 * volume is included in the job (explicitly or with its set) for a
	 * writer that took part and did not fail.  So a volume holding files
	 * of a left-out component, of an excluded writer, of a writer that
	 * takes no part or of one that failed is crash consistent, even when
	 * the same writer made its included components consistent elsewhere.
	 * A volume holding no writer's files is application consistent when
	 * writers took part.  "Has files on" counts a recursive file set's
	 * nested mounts (BK-076) and the alternate path when there is one.
	 */
	bool application_consistent;
};

/* A writer that answered Identify. */
struct job_writer {
	const vss_wmd *wmd;        /* borrowed from the requester */
	/*
	 * The components chosen for this writer (NULL: it takes no part).
	 * Read the component sets with the vss_selection_* functions.
	 */
	const vss_selection *selection;
	bool excluded;             /* --exclude-writer */
	/* After job_snapshot: it took part and did not fail. */
	bool application_consistent;
	/*
	 * After job_snapshot: it has files on a volume of the set ("has
	 * files on" as for job_volume).  When not, its consistency is no
	 * part of the set's and reports tell none.
	 */
	bool on_set;
	/*
	 * It took part and failed in an event of this job (writer status
	 * gathered after prepare, snapshot and complete, BK-016): the
	 * command fails (exit 1) even when the shadow copies were made.
	 */
	bool failed;
};

/* Connect and set the job up; *ret NULL on failure.  Caller owns. */
int job_new(struct job **ret, const struct job_options *opts);
void job_free(struct job *j);

int job_gather(struct job *j);
int job_select(struct job *j);
int job_snapshot(struct job *j);
/*
 * Record whether the copy of an explicit component (with its implicit
 * subcomponents) succeeded; job_complete() passes it on (BK-018).
 * Components not recorded count as succeeded.  writer is an index of
 * job_writer(), component an explicit component of its selection.
 */
int job_set_component_result(struct job *j, size_t writer,
			     const struct vss_wm_component *component,
			     bool succeeded);
int job_complete(struct job *j);

vss_requester *job_requester(struct job *j);
/*
 * The shadow copy set's id, once start_snapshot_set is done: true and
 * *ret set; false before (nothing can have been made).
 */
bool job_snapshot_set_id(const struct job *j, vss_id *ret);
size_t job_volume_count(const struct job *j);
const struct job_volume *job_volume(const struct job *j, size_t i);
size_t job_writer_count(const struct job *j);
const struct job_writer *job_writer(const struct job *j, size_t i);
/*
 * After job_snapshot: the set is application consistent, every volume of
 * it is (job_volume); false with no volume.
 */
bool job_application_consistent(const struct job *j);
/*
 * After job_snapshot: vssd sent Freeze to a writer of the job, so the
 * freeze window means something (false with --no-writers or when no
 * writer took part).
 */
bool job_freeze_sent(const struct job *j);
/*
 * The volume of the set holding path (absolute, canonical), or NULL; with
 * *ret_relative (may be NULL) the path below the volume's mount point,
 * "" for the mount point itself (borrowed from path).
 */
const struct job_volume *job_volume_of(const struct job *j, const char *path,
				       const char **ret_relative);
/*
 * The mount points of the mount table read when the job began, in its
 * order, those of the volumes of the set too (borrowed: valid until
 * job_free()).
 */
size_t job_mount_count(const struct job *j);
const char *job_mount_point(const struct job *j, size_t i);

/*
 * Add, to the object open in o, what the job did: "snapshot_set_id",
 * "context", "backup_type", "shadow_copies" (per volume: id, volume,
 * device, provider, consistency), "writers" (per writer: name, class and
 * instance id, state, failure, application failure, message, whether it
 * took part, consistency, and "event_ms": ms in each event sent), the
 * phase timings ("timings_ms") and "freeze_window_ms" (null when no
 * writer was sent Freeze), and "consistency" of the set ("application"
 * when every volume is, or "crash").  A writer with no files on the set
 * has consistency null.  Fields not known yet are null.  docs/cli-json.md describes them.
 */
void job_report(const struct job *j, struct output *o);

/* job_select.c: how the command line names writers and components. */
/*
 * Is wmd the writer W of --component W:LOGICAL/PATH/NAME, or of --writer
 * W (name, class id or instance id)?  1, 0 or -ENOMEM.
 */
int spec_names_writer(const char *spec, const vss_wmd *wmd);
/*
 * Is the component c the one --component W:LOGICAL/PATH/NAME names (either
 * separator in the path)?  The commands check that form first.
 */
bool spec_names_component(const char *spec,
			  const struct vss_wm_component *c);

/* ---- job_options.c: the options create, exec and backup share ------- */

/*
 * getopt_long() values of the shared options, clear of characters and of
 * the values from 256 on that commands give their own long options.
 */
enum job_option {
	JOB_OPT_WRITER = 0x1000,
	JOB_OPT_COMPONENT,
	JOB_OPT_EXCLUDE_WRITER,
	JOB_OPT_BACKUP_TYPE,
	JOB_OPT_CONTEXT,
	JOB_OPT_NO_WRITERS,
	JOB_OPT_PERSISTENT,
};

/* Entries for a command's struct option table (getopt.h). */
#define JOB_LONGOPT_WRITER {"writer", required_argument, NULL, JOB_OPT_WRITER}
#define JOB_LONGOPT_COMPONENT                                                  \
	{"component", required_argument, NULL, JOB_OPT_COMPONENT}
#define JOB_LONGOPT_EXCLUDE_WRITER                                             \
	{"exclude-writer", required_argument, NULL, JOB_OPT_EXCLUDE_WRITER}
#define JOB_LONGOPT_BACKUP_TYPE                                                \
	{"backup-type", required_argument, NULL, JOB_OPT_BACKUP_TYPE}
#define JOB_LONGOPT_CONTEXT                                                    \
	{"context", required_argument, NULL, JOB_OPT_CONTEXT}
#define JOB_LONGOPT_NO_WRITERS                                                 \
	{"no-writers", no_argument, NULL, JOB_OPT_NO_WRITERS}
#define JOB_LONGOPT_PERSISTENT                                                 \
	{"persistent", no_argument, NULL, JOB_OPT_PERSISTENT}

/* The job options of one command line while it is read. */
struct job_args {
	struct job_options opts; /* the strings borrowed from argv */
	const char *context;     /* --context NAME, or NULL: backup */
	const char *backup_type; /* --backup-type, or the command's default */
	bool no_writers;         /* --no-writers */
	bool persistent;         /* --persistent */
	char **storage;          /* room for opts' lists; owned */
};

/*
 * Make room for the lists of a command line of argc arguments, the
 * backup type default_backup_type unless --backup-type says otherwise
 * (NULL for a command that makes no backup: it takes no --backup-type
 * and never calls job_args_finish()).  An exit code; release with
 * job_args_release() either way.
 */
int job_args_init(struct job_args *a, const struct cli_command *cmd, int argc,
		  const char *default_backup_type);
void job_args_release(struct job_args *a);
/*
 * Take a JOB_OPT_* value that cli_getopt() returned, c, with its
 * argument: CLI_EXIT_OK or a usage error (--component not
 * WRITER:LOGICAL/PATH/NAME).
 */
int job_args_take(struct job_args *a, int c, char *arg);
/* A volume or path of the command line (borrowed). */
void job_args_add_path(struct job_args *a, char *path);
/*
 * Once the command line is read: the context from --context,
 * --persistent and --no-writers (cli_parse_context()), the backup type,
 * and the check that --writer, --component and --exclude-writer come
 * with writers.  An exit code.
 */
int job_args_finish(struct job_args *a);

#endif
