/* cli/job.c - placeholder until it is built. */
#include <errno.h>
#include "job.h"

int
job_new(struct job **ret, const struct job_options *opts)
{
	return -ENOSYS;
}

void
job_free(struct job *j)
{

}

int
job_gather(struct job *j)
{
	return -ENOSYS;
}

int
job_select(struct job *j)
{
	return -ENOSYS;
}

int
job_snapshot(struct job *j)
{
	return -ENOSYS;
}

int
job_set_component_result(struct job *j, size_t writer,
			     const struct vss_wm_component *component,
			     bool succeeded)
{
	return -ENOSYS;
}

int
job_complete(struct job *j)
{
	return -ENOSYS;
}

vss_requester *
job_requester(struct job *j)
{
	return NULL;
}

size_t
job_volume_count(const struct job *j)
{
	return 0;
}

const struct job_volume *
job_volume(const struct job *j, size_t i)
{
	return NULL;
}

size_t
job_writer_count(const struct job *j)
{
	return 0;
}

const struct job_writer *
job_writer(const struct job *j, size_t i)
{
	return NULL;
}

const struct job_volume *
job_volume_of(const struct job *j, const char *path,
				       const char **ret_relative)
{
	return NULL;
}

void
job_report(const struct job *j, struct output *o)
{

}

