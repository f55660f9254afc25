/*
 * cli/connect.c - connecting to vssd, waiting for long operations, and
 * the command-line values the vssd commands share (connect.h).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vss/status.h>

#include "connect.h"

#define DEFAULT_SOCKET "/run/vss/vssd.sock"

/*
 * The signals that end vss: caught, so that the backup is aborted and
 * cleaned up first.  SIGHUP is a dropped terminal or ssh session, SIGQUIT
 * a Ctrl-\; both mean "stop" as SIGINT and SIGTERM do.
 */
static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
#define N_STOP_SIGNALS (sizeof(stop_signals) / sizeof(stop_signals[0]))

/* The first one caught, or 0. */
static volatile sig_atomic_t caught_signal;
/* A child runs: it, not vss, decides what a further signal means. */
static volatile sig_atomic_t escalation_deferred;
/* A step that must not be cut short runs: signals are only recorded. */
static volatile sig_atomic_t signals_held;
/*
 * Per stop_signals[] entry: those a process sent (not the terminal)
 * still to pass on to a child.
 */
static volatile sig_atomic_t to_forward[N_STOP_SIGNALS];

/* Die of sig as if it had not been caught (only async-signal-safe calls). */
static void
die_of(int sig)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL};

	sigemptyset(&dfl.sa_mask);
	sigaction(sig, &dfl, NULL);
	/* Blocked while the handler runs: delivered when it returns. */
	raise(sig);
}

static void
on_signal(int sig, siginfo_t *si, void *context)
{
	(void)context;
	if (escalation_deferred) {
		/*
		 * Ctrl-C on the terminal reaches the whole foreground process
		 * group, the child too (SI_KERNEL): passing it on would
		 * deliver it twice.  A kill(1) aimed at vss alone is passed on.
		 */
		if (si->si_code != SI_KERNEL)
			for (size_t i = 0; i < N_STOP_SIGNALS; i++)
				if (stop_signals[i] == sig)
					to_forward[i]++;
	} else if (caught_signal && !signals_held) {
		/* The second one: the user insists. */
		die_of(sig);
		return;
	}
	if (!caught_signal)
		caught_signal = sig;
}

void
cli_catch_signals(void)
{
	struct sigaction sa = {.sa_sigaction = on_signal,
			       .sa_flags = SA_SIGINFO};

	/* One at a time: the handler's counts are not atomic increments. */
	sigemptyset(&sa.sa_mask);
	cli_add_stop_signals(&sa.sa_mask);
	/* No SA_RESTART: a blocking read or poll ends with EINTR. */
	for (size_t i = 0; i < N_STOP_SIGNALS; i++)
		sigaction(stop_signals[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

void
cli_add_stop_signals(sigset_t *set)
{
	for (size_t i = 0; i < N_STOP_SIGNALS; i++)
		sigaddset(set, stop_signals[i]);
}

int
cli_interrupted(void)
{
	return caught_signal;
}

void
cli_defer_escalation(bool defer)
{
	escalation_deferred = defer;
	if (!defer)
		for (size_t i = 0; i < N_STOP_SIGNALS; i++)
			to_forward[i] = 0;
}

void
cli_hold_signals(bool hold)
{
	signals_held = hold;
}

int
cli_signal_to_forward(void)
{
	for (size_t i = 0; i < N_STOP_SIGNALS; i++)
		if (to_forward[i]) {
			to_forward[i]--;
			return stop_signals[i];
		}
	return 0;
}

double
cli_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

const char *
cli_socket_path(void)
{
	const char *socket_path = getenv("VSS_SOCKET");

	return socket_path && *socket_path ? socket_path : DEFAULT_SOCKET;
}

int
cli_connect(const struct cli_command *cmd, int32_t context,
	    vss_requester **ret)
{
	const char *socket_path = cli_socket_path();
	vss_requester *r = NULL;
	char detail[512];
	int rc;

	*ret = NULL;
	rc = vss_requester_new(&r, socket_path);
	/* The socket is the subject: "vss: CMD: SOCKET: STATUS: ...". */
	if (rc == -EACCES)
		return cli_status_error(cmd, socket_path, rc,
					"vssd refuses this user: requesters "
					"must be root or in vssd's group");
	if (rc < 0) {
		snprintf(detail, sizeof(detail),
			 "cannot reach vssd (is it running?): %s",
			 vss_strerror(rc));
		return cli_status_error(cmd, socket_path, rc, detail);
	}
	rc = vss_requester_initialize_for_backup(r, NULL);
	if (rc == 0)
		rc = vss_requester_set_context(r, context);
	if (rc < 0) {
		vss_requester_free(r);
		return cli_status_error(cmd, "vssd", rc, NULL);
	}
	*ret = r;
	return CLI_EXIT_OK;
}

int
cli_wait(const struct cli_command *cmd, vss_async *a, const char *what,
	 int *ret_status)
{
	struct pollfd pfd = {.fd = vss_async_get_fd(a), .events = POLLIN};
	int status = VSS_S_ASYNC_PENDING, rc;

	while (!cli_interrupted()) {
		/* A bounded wait: a signal just before poll() is seen soon. */
		rc = poll(&pfd, 1, 250);
		if (rc < 0 && errno != EINTR) {
			status = -errno;
			break;
		}
		if (rc > 0 && vss_async_wait(a, 0) == 0) {
			vss_async_query_status(a, &status);
			break;
		}
	}
	if (status == VSS_S_ASYNC_PENDING) {
		/* Interrupted: cancel, and let the caller abort the backup. */
		vss_async_cancel(a);
		vss_async_free(a);
		if (ret_status)
			*ret_status = VSS_S_ASYNC_CANCELLED;
		fprintf(stderr, "vss: %s: %s: interrupted by signal %d\n",
			cmd->name, what, cli_interrupted());
		return CLI_EXIT_FAILED;
	}
	vss_async_free(a);
	if (status == VSS_S_ASYNC_FINISHED)
		status = 0;
	if (ret_status)
		*ret_status = status;
	if (status == 0)
		return CLI_EXIT_OK;
	return cli_status_error(cmd, what, status, NULL);
}

int
cli_parse_id(const struct cli_command *cmd, const char *text,
	     const char *what, vss_id *ret)
{
	if (vss_id_parse(ret, text) < 0)
		return cli_usage_error(cmd,
				       "'%s' is not a %s (XXXXXXXX-XXXX-XXXX-"
				       "XXXX-XXXXXXXXXXXX, braces optional)",
				       text, what);
	return CLI_EXIT_OK;
}

int
cli_parse_context(const struct cli_command *cmd, const char *name,
		  bool persistent, bool no_writers, int32_t *ret)
{
	char spelled[64];
	int32_t ctx = VSS_CTX_BACKUP;
	size_t i;

	if (name) {
		for (i = 0; name[i] && i + 1 < sizeof(spelled); i++)
			spelled[i] = name[i] == '-' ? '_' : name[i];
		spelled[i] = '\0';
		if (name[i] || vss_context_parse(&ctx, spelled) < 0 ||
		    ctx == VSS_CTX_ALL)
			return cli_usage_error(cmd,
					       "unknown context '%s' (backup, "
					       "file-share-backup, app-rollback, "
					       "nas-rollback, client-accessible, "
					       "client-accessible-writers)",
					       name);
	}
	if (persistent)
		ctx |= VSS_VOLSNAP_ATTR_PERSISTENT |
		       VSS_VOLSNAP_ATTR_NO_AUTO_RELEASE;
	if (no_writers)
		ctx |= VSS_VOLSNAP_ATTR_NO_WRITERS;
	*ret = ctx;
	return CLI_EXIT_OK;
}

int
cli_parse_backup_type(const struct cli_command *cmd, const char *name,
		      enum vss_backup_type *ret)
{
	if (strcasecmp(name, "full") == 0)
		*ret = VSS_BT_FULL;
	else if (strcasecmp(name, "copy") == 0)
		*ret = VSS_BT_COPY;
	else
		return cli_usage_error(cmd, "backup type '%s': full or copy",
				       name);
	return CLI_EXIT_OK;
}
