/*
 * writers/writerd/main.c - vss-writerd: hosts the writers declared in a
 * configuration directory (docs/vss-writerd.8).  Each writer runs on a
 * thread of its own (hosted.c); this thread only reads signals (SIGHUP
 * reloads the directory, SIGTERM and SIGINT stop every writer and end the
 * program) and the host's fd, which says a writer's thread has ended so
 * that what waited for it (a restart, a newcomer under its name) goes
 * on.  It never waits for a writer but at the end.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "host.h"
#include "log.h"
#include "state.h"

#define DEFAULT_CONFIG_DIR "/etc/vss/writers.d"
#define DEFAULT_STATE_DIR "/var/lib/vss/writerd"

enum { EXIT_USAGE = 2 };

struct args {
	const char *config_dir;
	const char *state_dir;
	const char *socket_path; /* NULL: $VSS_SOCKET or the default */
	bool check;
};

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: vss-writerd [--config-dir DIR] [--state-dir DIR] "
		"[--socket PATH] [--check]\n"
		"       vss-writerd --help | --version\n"
		"\n"
		"Hosts the writers declared in DIR/*.conf (default "
		DEFAULT_CONFIG_DIR ").\n"
		"  --config-dir DIR  the configuration directory\n"
		"  --state-dir DIR   where writers remember what they saw "
		"(default\n"
		"                    " DEFAULT_STATE_DIR ")\n"
		"  --socket PATH     vssd's socket (default $VSS_SOCKET or "
		"/run/vss/vssd.sock)\n"
		"  --check           check every file, print a line per "
		"writer, and exit\n"
		"  --help            show this help\n"
		"  --version         show the version\n");
}

/* 0 to run, 1 when done (--help, --version), or EXIT_USAGE. */
static int
parse_args(struct args *a, int argc, char **argv)
{
	static const struct option options[] = {
		{"config-dir", required_argument, NULL, 'd'},
		{"state-dir", required_argument, NULL, 'S'},
		{"socket", required_argument, NULL, 's'},
		{"check", no_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int c;

	a->config_dir = DEFAULT_CONFIG_DIR;
	a->state_dir = DEFAULT_STATE_DIR;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case 'd':
			a->config_dir = optarg;
			break;
		case 'S':
			a->state_dir = optarg;
			break;
		case 's':
			a->socket_path = optarg;
			break;
		case 'c':
			a->check = true;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case 'V':
			printf("vss-writerd %s\n", VSS_VERSION);
			return 1;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vss-writerd: unexpected argument '%s'\n",
			argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!a->config_dir[0] || !a->state_dir[0] ||
	    (a->socket_path && !a->socket_path[0])) {
		fprintf(stderr, "vss-writerd: empty path\n");
		return EXIT_USAGE;
	}
	return 0;
}

static int
check(const char *dir)
{
	int r = wd_host_check(dir, stdout);

	if (r == -EINVAL)
		return EXIT_FAILURE;
	if (r < 0) {
		fprintf(stderr, "vss-writerd: cannot read %s: %s\n", dir,
			strerror(-r));
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}

/*
 * The signals this thread reads, blocked before any writer thread exists
 * so that every thread inherits the mask and none takes them.
 */
static int
signals_fd(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	/* A connection vssd closed is seen as EPIPE, not as a signal. */
	signal(SIGPIPE, SIG_IGN);
	fd = signalfd(-1, &set, SFD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Run until SIGTERM or SIGINT. */
static int
run(struct wd_host *h, int sfd)
{
	struct signalfd_siginfo si;
	struct pollfd p[2] = {
		{.fd = sfd, .events = POLLIN},
		{.fd = wd_host_get_fd(h), .events = POLLIN},
	};
	ssize_t n;

	wd_host_apply(h);
	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			wd_log_main(WD_LOG_ERR, "poll: %s", strerror(errno));
			return EXIT_FAILURE;
		}
		if (p[0].revents & POLLIN) {
			n = read(sfd, &si, sizeof(si));
			if (n == (ssize_t)sizeof(si) &&
			    si.ssi_signo == SIGHUP) {
				wd_log_main(WD_LOG_INFO, "SIGHUP: reloading");
				wd_host_reload(h);
			} else if (n == (ssize_t)sizeof(si)) {
				wd_log_main(WD_LOG_INFO, "%s: stopping",
					    si.ssi_signo == SIGINT ? "SIGINT"
								   : "SIGTERM");
				return EXIT_SUCCESS;
			}
		}
		wd_host_apply(h);
	}
}

int
main(int argc, char **argv)
{
	struct wd_host *h = NULL;
	struct args a = {0};
	int r, sfd;

	r = parse_args(&a, argc, argv);
	if (r != 0)
		return r == 1 ? EXIT_SUCCESS : r;
	wd_log_setup();
	if (a.check)
		return check(a.config_dir);
	sfd = signals_fd();
	if (sfd < 0) {
		wd_log_main(WD_LOG_ERR, "signalfd: %s", strerror(-sfd));
		return EXIT_FAILURE;
	}
	wd_state_setup(a.state_dir);
	r = wd_host_new(&h, a.config_dir, a.socket_path);
	if (r == 0)
		r = wd_host_reload(h);
	if (r < 0) {
		if (r == -ENOMEM)
			wd_log_main(WD_LOG_ERR, "out of memory");
		wd_host_free(h);
		close(sfd);
		return EXIT_FAILURE;
	}
	r = run(h, sfd);
	/* Every writer releases what it holds and unsubscribes. */
	wd_host_free(h);
	close(sfd);
	wd_log_main(WD_LOG_INFO, "stopped");
	return r;
}
