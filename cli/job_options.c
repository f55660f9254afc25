/*
 * cli/job_options.c - the options "vss create", "vss exec" and "vss
 * backup" share (job.h): --writer, --component, --exclude-writer,
 * --backup-type, --context, --no-writers and --persistent, read into the
 * struct job_options that job_new() takes.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vss/types.h>

#include "connect.h"
#include "job.h"

int
job_args_init(struct job_args *a, const struct cli_command *cmd, int argc,
	      const char *default_backup_type)
{
	/* Each list holds at most every argument, and one more ends it. */
	size_t room = (size_t)argc + 1;

	*a = (struct job_args){
	    .opts.cmd = cmd,
	    .backup_type = default_backup_type,
	};
	a->storage = calloc(4 * room, sizeof(*a->storage));
	if (!a->storage)
		return cli_status_error(cmd, NULL, -ENOMEM, NULL);
	a->opts.writers = a->storage;
	a->opts.components = a->storage + room;
	a->opts.exclude_writers = a->storage + 2 * room;
	a->opts.paths = a->storage + 3 * room;
	return CLI_EXIT_OK;
}

void
job_args_release(struct job_args *a)
{
	free(a->storage);
	a->storage = NULL;
}

/* --component W:LOGICAL/PATH/NAME: a writer and a component, both given. */
static bool
component_form_ok(const char *spec)
{
	const char *colon = strchr(spec, ':');

	return colon && colon != spec && colon[1];
}

int
job_args_take(struct job_args *a, int c, char *arg)
{
	struct job_options *o = &a->opts;

	switch (c) {
	case JOB_OPT_WRITER:
		o->writers[o->n_writers++] = arg;
		break;
	case JOB_OPT_COMPONENT:
		if (!component_form_ok(arg))
			return cli_usage_error(o->cmd,
					       "--component '%s': give "
					       "WRITER:LOGICAL/PATH/NAME",
					       arg);
		o->components[o->n_components++] = arg;
		break;
	case JOB_OPT_EXCLUDE_WRITER:
		o->exclude_writers[o->n_exclude_writers++] = arg;
		break;
	case JOB_OPT_BACKUP_TYPE:
		a->backup_type = arg;
		break;
	case JOB_OPT_CONTEXT:
		a->context = arg;
		break;
	case JOB_OPT_NO_WRITERS:
		a->no_writers = true;
		break;
	case JOB_OPT_PERSISTENT:
		a->persistent = true;
		break;
	default:
		assert(!"not a job option");
		break;
	}
	return CLI_EXIT_OK;
}

void
job_args_add_path(struct job_args *a, char *path)
{
	a->opts.paths[a->opts.n_paths++] = path;
}

int
job_args_finish(struct job_args *a)
{
	struct job_options *o = &a->opts;
	int rc;

	assert(a->backup_type);
	rc = cli_parse_context(o->cmd, a->context, a->persistent, a->no_writers,
			       &o->context);
	if (rc == CLI_EXIT_OK)
		rc = cli_parse_backup_type(o->cmd, a->backup_type,
					   &o->backup_type);
	if (rc != CLI_EXIT_OK)
		return rc;
	/* vshadow: -nw excludes -wi and -wx. */
	if ((o->context & VSS_VOLSNAP_ATTR_NO_WRITERS) &&
	    (o->n_writers || o->n_components || o->n_exclude_writers))
		return cli_usage_error(o->cmd,
				       "--writer, --component and "
				       "--exclude-writer need writers: not "
				       "with --no-writers or a context "
				       "without writers");
	return CLI_EXIT_OK;
}
