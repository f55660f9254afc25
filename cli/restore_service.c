/*
 * cli/restore_service.c - stopping and starting the service a writer's
 * restore method names (methods 3 and 8, RS-042): --service-command CMD
 * runs "CMD stop SERVICE" / "CMD start SERVICE" through /bin/sh, with
 * the action and SERVICE passed as two arguments (never pasted into the
 * shell's text); without it "systemctl stop -- SERVICE" does, when
 * systemd runs (/run/systemd/system).  The name comes from a saved
 * document, so only a unit-style name is used (restore_service_name_ok).
 * The commands' output goes to standard error, so that standard output
 * stays the report.  They run in a session of their own (child.h): the
 * terminal's Ctrl-C, Ctrl-\ and hang-up never reach them, as a stop or
 * start cut in the middle would leave the service half-way (vss
 * finishes the restore after such a signal anyway).  Neither needs a
 * terminal: systemctl run by root asks nothing.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
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

bool
restore_service_name_ok(const char *name, char *why, size_t whylen)
{
	/* systemd's unit name characters, '@' for templates included. */
	static const char allowed[] = "abcdefghijklmnopqrstuvwxyz"
				      "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				      "0123456789:-_.@\\";
	size_t n = strlen(name), bad = strspn(name, allowed);

	if (n == 0)
		snprintf(why, whylen, "no service name");
	else if (n > RESTORE_SERVICE_NAME_MAX)
		snprintf(why, whylen, "a service name longer than %d bytes",
			 RESTORE_SERVICE_NAME_MAX);
	else if (bad < n)
		/* Not echoed: it may hold control characters. */
		snprintf(why, whylen,
			 "the service name has byte 0x%02x at offset %zu: only "
			 "letters, digits and \":-_.@\\\" are taken",
			 (unsigned char)name[bad], bad);
	else if (name[0] == '-' || name[0] == '.')
		snprintf(why, whylen,
			 "service name \"%s\" begins with '%c'", name,
			 name[0]);
	else
		return true;
	return false;
}

int
restore_service(const struct restore_opts *o, const char *verb,
		const char *service, char *err, size_t errlen)
{
	const char *what = o->service_command ? "the service command" :
						"systemctl";
	/* "$@" is the verb and the service: never parsed by the shell. */
	char *sh[] = {"/bin/sh", "-c", NULL, "sh", (char *)verb,
		      (char *)service, NULL};
	char *systemctl[] = {"systemctl", (char *)verb, "--",
			     (char *)service, NULL};
	sigset_t none;
	int status, e;
	pid_t pid;

	if (!restore_services_possible(o)) {
		snprintf(err, errlen,
			 "systemd does not run: give --service-command CMD to "
			 "%s service \"%s\"",
			 verb, service);
		return -ENOTSUP;
	}
	if (o->service_command) {
		char *script;

		if (asprintf(&script, "%s \"$@\"", o->service_command) < 0)
			return -ENOMEM;
		sh[2] = script;
	}
	sigemptyset(&none);
	fflush(NULL);
	e = child_spawn(o->service_command ? sh : systemctl, NULL, &none,
			CHILD_STDOUT_TO_STDERR | CHILD_NEW_SESSION, &pid);
	free(sh[2]);
	if (e) {
		snprintf(err, errlen, "%s %s \"%s\" could not start: %s",
			 what, verb, service, strerror(e));
		return -e;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			e = errno;
			snprintf(err, errlen, "waitpid: %s", strerror(e));
			return -e;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		snprintf(err, errlen, "%s %s \"%s\" exited with status %d",
			 what, verb, service, WEXITSTATUS(status));
	else
		snprintf(err, errlen, "%s %s \"%s\" died of signal %d", what,
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
