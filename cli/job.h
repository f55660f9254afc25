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
 *   job_free       abort when between prepare and complete (BK-051), end
 *                  the session (auto-release shadow copies go)
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
	 * whose files lie on these volumes (create, exec: a writer with files
	 * elsewhere too is left out, as vshadow does) or under these paths
	 * (backup, paths_select set).
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
	 * After job_snapshot: every writer with files on this volume took
	 * part and none failed (application consistent), or not (crash
	 * consistent only, BK-130).
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
size_t job_volume_count(const struct job *j);
const struct job_volume *job_volume(const struct job *j, size_t i);
size_t job_writer_count(const struct job *j);
const struct job_writer *job_writer(const struct job *j, size_t i);
/*
 * The volume of the set holding path (absolute, canonical), or NULL; with
 * *ret_relative (may be NULL) the path below the volume's mount point,
 * "" for the mount point itself (borrowed from path).
 */
const struct job_volume *job_volume_of(const struct job *j, const char *path,
				       const char **ret_relative);

/*
 * Add, to the object open in o, what the job did: "snapshot_set_id",
 * "context", "backup_type", "shadow_copies" (per volume: id, volume,
 * device, provider, consistency), "writers" (per writer: name, class and
 * instance id, state, failure, application failure, message, whether it
 * took part, consistency, and "event_ms": ms in each event sent), the
 * phase timings ("timings_ms") and "freeze_window_ms", and
 * "consistency" ("application" or "crash").  Fields not known yet are
 * null.  docs/cli-json.md describes them.
 */
void job_report(const struct job *j, struct output *o);

#endif
