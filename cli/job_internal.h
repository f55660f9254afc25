/*
 * cli/job_internal.h - what the files of the shadow copy job (job.h)
 * share: the job itself and the helpers each file offers the others.
 * Only job*.c include it.
 *
 *   job.c          the sequence: new, gather, snapshot, complete, free,
 *                  and the accessors
 *   job_select.c   which writers and components take part:
 *                  --exclude-writer, --writer, --component, the
 *                  component-set rules (SEL-001..SEL-009)
 *   job_volumes.c  paths and file sets to volumes, by the mount table
 *   job_report.c   job_report()
 */
#ifndef VSS_CLI_JOB_INTERNAL_H
#define VSS_CLI_JOB_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <vss/metadata.h>
#include <vss/requester.h>

#include "job.h"
#include "util/mountinfo.h"

/*
 * How far the job got: job_free() aborts from JOB_STARTED until
 * JOB_COMPLETED (BK-051, BK-081), job_report() tells what is known.
 */
enum job_step {
	JOB_READY, /* job_new done */
	JOB_GATHERED,
	JOB_SELECTED,
	JOB_STARTED, /* start_snapshot_set done: abort from here on */
	JOB_SNAPSHOT_DONE,
	JOB_COMPLETED,
};

/* A writer: what job_writer() hands out, and what only the job sees. */
struct jwriter {
	struct job_writer pub; /* first: job_writer() returns its address */
	vss_selection *selection;
	bool *copy_failed; /* per explicit component (BK-018) */
	/*
	 * Why the writer takes no part although it has files on the
	 * volumes, or lost some of its components; NULL when neither.
	 */
	char *left_out;
	/* The last writer status gathered (BK-016). */
	bool have_status;
	enum vss_writer_state state;
	int32_t failure;
	int32_t application_failure;
	char *message;
	double event_ms[VSS_EVENT_COUNT];
};

struct jvolume {
	struct job_volume pub; /* first: job_volume() returns its address */
	char *mount_point;
	char *fstype;
};

/* Ids, each once. */
struct id_set {
	vss_id *ids;
	size_t n;
};

struct job {
	struct job_options opts;
	vss_requester *r;
	/* Excluded writers are found by a throw-away requester (BK-006). */
	vss_requester *probe;
	/* The writer classes and instances --exclude-writer disabled. */
	struct id_set excluded_classes;
	struct id_set excluded_instances;
	bool no_writers;
	enum job_step step;
	bool aborted; /* a step failed and the job was aborted */
	vss_id set_id;
	struct mount_entry *mounts;
	size_t n_mounts;
	/* Where vssd exposes shadow copies: mounts that are no volumes. */
	char **exposures;
	size_t n_exposures;
	char **paths; /* opts->paths made canonical */
	struct jwriter *writers;
	size_t n_writers;
	struct jvolume *volumes;
	size_t n_volumes;
	struct vss_set_timings timings;
	bool have_timings;
	bool app_consistent;
};

static inline const char *
jwriter_name(const struct jwriter *w)
{
	return vss_wmd_identity(w->pub.wmd)->friendly_name;
}

/* job.c */
/*
 * Start a long operation of r and wait for it; what names it in
 * diagnostics.  An enum cli_exit value.
 */
int job_run_async(const struct job *j, vss_requester *r,
		  int (*start)(vss_requester *, vss_async **),
		  const char *what);

/* job_select.c */
/*
 * --exclude-writer: find the writers named with j->probe and disable
 * them on j->r, before gathering (BK-005).  An enum cli_exit value.
 */
int job_exclude_writers(struct job *j);
/* Is wmd, a writer j->probe saw, one that job_exclude_writers() disabled? */
bool job_is_excluded(const struct job *j, const vss_wmd *wmd);

/* job_volumes.c */
/*
 * The file sets of a component (files, database files, log files) as one
 * list: how many, and where the i-th is read at backup time (BK-140),
 * borrowed from the component.
 */
size_t job_file_count(const struct vss_wm_component *c);
const char *job_file_source(const struct vss_wm_component *c, size_t i);
bool job_file_recursive(const struct vss_wm_component *c, size_t i);
/*
 * Learn where vssd exposes shadow copies (of every context), so that
 * they are not taken for volumes mounted inside a file set.  An enum
 * cli_exit value.
 */
int job_find_exposures(struct job *j);
/*
 * Make each path of the command line canonical and put the volume holding
 * it in the set.  An enum cli_exit value.
 */
int job_place_paths(struct job *j);
/*
 * Is file set f of component c on the set: under the paths with
 * paths_select, else on volumes of the set only, those mounted below a
 * recursive file set's directory included (BK-076)?  A relative path is
 * on no set.
 */
bool job_file_on_set(const struct job *j, const struct vss_wm_component *c,
		     size_t f);
/*
 * Put the volumes holding the files of w's included components in the
 * set, those mounted below a recursive file set's directory too
 * (BK-076).  A relative file set path fails.  An enum cli_exit value.
 */
int job_add_volumes_of(struct job *j, const struct jwriter *w);
/*
 * Does a file set of component c lie on the volume at mount_point, or
 * is the volume mounted below a recursive one's directory?
 */
bool job_component_has_files_on(const struct job *j,
				const struct vss_wm_component *c,
				const char *mount_point);

#endif
