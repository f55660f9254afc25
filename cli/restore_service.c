/*
 * cli/restore_service.c - stopping and starting the service a writer's
 * restore method names (methods 3 and 8, RS-042): --service-command CMD
 * runs "CMD stop SERVICE" / "CMD start SERVICE" through /bin/sh, with
 * SERVICE passed as an argument (never pasted into the shell's text);
 * without it systemctl does, when systemd runs (/run/systemd/system).
 * The commands' output goes to standard error, so that standard output
 * stays the report.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "restore.h"

static bool
systemd_runs(void)
{
	struct stat st;

	return lstat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode);
}

bool
restore_services_possible(const struct restore_opts *o)
{
	return o->service_command || systemd_runs();
}

int
restore_service(const struct restore_opts *o, const char *verb,
		const char *service, char *err, size_t errlen)
{
	char *script = NULL;
	int status;
	pid_t pid;

	if (!restore_services_possible(o)) {
		snprintf(err, errlen,
			 "systemd does not run: give --service-command CMD to "
			 "%s service \"%s\"",
			 verb, service);
		return -ENOTSUP;
	}
	/* "$@" is the verb and the service: never parsed by the shell. */
	if (o->service_command &&
	    asprintf(&script, "%s \"$@\"", o->service_command) < 0)
		return -ENOMEM;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		int e = errno;

		free(script);
		snprintf(err, errlen, "fork: %s", strerror(e));
		return -e;
	}
	if (pid == 0) {
		dup2(STDERR_FILENO, STDOUT_FILENO);
		if (script)
			execl("/bin/sh", "sh", "-c", script, "sh", verb,
			      service, (char *)NULL);
		else
			execlp("systemctl", "systemctl", verb, service,
			       (char *)NULL);
		_exit(127);
	}
	free(script);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			int e = errno;

			snprintf(err, errlen, "waitpid: %s", strerror(e));
			return -e;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		snprintf(err, errlen, "%s %s \"%s\" exited with status %d",
			 o->service_command ? "the service command" :
					      "systemctl",
			 verb, service, WEXITSTATUS(status));
	else
		snprintf(err, errlen, "%s %s \"%s\" died of signal %d",
			 o->service_command ? "the service command" :
					      "systemctl",
			 verb, service, WTERMSIG(status));
	return -ECHILD;
}

struct rservice *
restore_service_find(struct restore *rs, const char *name)
{
	struct rservice *grown;

	for (size_t i = 0; i < rs->n_services; i++)
		if (strcmp(rs->services[i].name, name) == 0)
			return &rs->services[i];
	grown = realloc(rs->services, (rs->n_services + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	rs->services = grown;
	grown = &rs->services[rs->n_services];
	*grown = (struct rservice){.name = strdup(name)};
	if (!grown->name)
		return NULL;
	rs->n_services++;
	return grown;
}
