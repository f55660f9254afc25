/*
 * daemon/main.c - vssd, the coordinator of the Volume Shadow Copy
 * Service: arguments, start-up, signals and an orderly stop.
 *
 * At start, before anything else touches the volumes or a client can
 * connect, the restores staged during an earlier boot are applied
 * (RS-043, lib/util/pending_restore.h): a restart of vssd within the boot
 * a restore was staged in leaves it for the next boot.
 * --apply-pending-restores applies every journal and exits, for an
 * early-boot unit ordered before the services whose files they replace.
 *
 * SIGTERM and SIGINT stop the daemon: the set being made is aborted (the
 * writers are told to abort, which thaws them), every session ends as if
 * its requester had gone, and the writers are let go once that is done or
 * a grace period has passed.  SIGHUP reads the configuration again.
 */
#include "daemon.h"
#include "freeze.h"
#include "util/mkdir_p.h"
#include "util/pending_restore.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

/* How long a stop waits for sessions and providers to finish. */
#define STOP_GRACE_MS 30000
#define STOP_POLL_MS 100

static const char *config_path;
static struct loop_io signal_io = { .fd = -1 };
static struct timer stop_timer;
static uint64_t stop_deadline;
static bool stopping;

static void
usage(FILE *f)
{
	fprintf(f, "usage: vssd [--foreground] [--debug] [--socket PATH] "
		   "[--state-dir DIR] [--config FILE]\n"
		   "       vssd --apply-pending-restores [--debug] "
		   "[--state-dir DIR]\n");
}

/* Let the writers go once the sessions and provider jobs are done. */
static void
stop_check(struct timer *t)
{
	bool done = sessions_count() == 0 && jobs_running() == 0;

	if (!done && now_ns() < stop_deadline) {
		timer_arm(t, STOP_POLL_MS);
		return;
	}
	if (!done)
		log_warnx("stopping with %zu sessions and %zu provider calls "
			  "unfinished", sessions_count(), jobs_running());
	control_shutdown();
	loop_exit();
}

static void
stop(int signo)
{
	if (stopping) {
		log_info("%s again: stopping now", strsignal(signo));
		control_shutdown();
		loop_exit();
		return;
	}
	stopping = true;
	log_info("%s: stopping", strsignal(signo));
	control_stop_listening();
	coordinator_shutdown();
	sessions_shutdown();
	stop_deadline = now_ns() + (uint64_t)STOP_GRACE_MS * 1000000u;
	timer_init(&stop_timer, "stop", stop_check, NULL);
	timer_arm(&stop_timer, 0);
}

static void
reload(void)
{
	struct config *c;

	if (config_load(config_path, &c) < 0) {
		log_warnx("configuration not reloaded, the old one stays");
		return;
	}
	config_free(conf);
	conf = c;
	control_reconfigure();
	log_info("configuration reloaded");
}

static void
signal_event(struct loop_io *io, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)events;
	while (read(io->fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			stop((int)si.ssi_signo);
			break;
		case SIGHUP:
			reload();
			break;
		default:
			log_warnx("unexpected signal %u", si.ssi_signo);
			break;
		}
	}
}

static void
signals_init(void)
{
	sigset_t set;
	int fd;

	/* Blocked before any thread exists, so the workers inherit it. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		fatal("sigprocmask");
	signal(SIGPIPE, SIG_IGN);
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		fatal("signalfd");
	if (loop_add(&signal_io, fd, EPOLLIN, signal_event, NULL) < 0)
		fatal("epoll_ctl signalfd");
}

static void
pending_restore_log(int level, const char *message, void *u)
{
	(void)u;
	if (level > 0)
		log_warnx("%s", message);
	else
		log_info("%s", message);
}

/*
 * Put the restores staged for a boot (which) in place: 0 when every
 * journal taken was applied whole, -1 when something was refused or left
 * for later (each said in the log).
 */
static int
apply_pending_restores(const char *state_dir,
		       enum pending_restore_which which)
{
	struct pending_restore_result res;
	int r;

	r = pending_restore_apply_all(state_dir, which, pending_restore_log,
				      NULL, &res);
	if (r < 0) {
		errno = -r;
		log_warn("pending restores in %s/%s", state_dir,
			 PENDING_RESTORE_DIR);
		return -1;
	}
	if (res.journals || res.bad_journals || res.deferred || res.this_boot)
		log_info("pending restores: %zu journals applied (%zu "
			 "entries now, %zu before, %zu refused), %zu damaged, "
			 "%zu left for later, %zu for the next boot",
			 res.journals, res.applied, res.already, res.refused,
			 res.bad_journals, res.deferred, res.this_boot);
	return res.refused || res.bad_journals || res.deferred ? -1 : 0;
}

int
main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "debug", no_argument, NULL, 'd' },
		{ "socket", required_argument, NULL, 's' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "config", required_argument, NULL, 'c' },
		{ "apply-pending-restores", no_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *socket_path = VSSD_DEFAULT_SOCKET;
	const char *state_dir = VSS_DEFAULT_STATE_DIR;
	bool foreground = false, debug = false, apply_only = false;
	int opt, r;

	while ((opt = getopt_long(argc, argv, "fds:S:c:Ah", options, NULL)) !=
	       -1) {
		switch (opt) {
		case 'f':
			foreground = true;
			break;
		case 'd':
			debug = true;
			break;
		case 's':
			socket_path = optarg;
			break;
		case 'S':
			state_dir = optarg;
			break;
		case 'c':
			config_path = optarg;
			break;
		case 'A':
			apply_only = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init(true, debug);
	/* Nothing but the state directory: no configuration, no socket. */
	if (apply_only)
		return apply_pending_restores(state_dir,
					      PENDING_RESTORE_ALL) < 0;
	if (config_load(config_path, &conf) < 0)
		fatalx("configuration not loaded");
	r = provider_registry_init(conf);
	if (r < 0) {
		errno = -r;
		fatal("providers");
	}
	r = mkdir_p(state_dir, 0700, 0, NULL);
	if (r < 0) {
		errno = -r;
		fatal("state directory %s", state_dir);
	}
	r = freeze_init(state_dir);
	if (r < 0) {
		errno = -r;
		fatal("state directory %s", state_dir);
	}
	/* First of all: nothing stays frozen after a crash (PV-024). */
	freeze_recover();
	/*
	 * Before any writer or requester can see the files they replace;
	 * only an earlier boot's: a restart is not the reboot they wait for.
	 */
	apply_pending_restores(state_dir, PENDING_RESTORE_OTHER_BOOTS);
	r = setlog_init(state_dir);
	if (r < 0) {
		errno = -r;
		fatal("state directory %s/sets", state_dir);
	}
	/* Before any requester can start a set on the same volumes. */
	setlog_recover();
	inventory_reconcile();
	if (loop_init() < 0)
		fatal("event loop");
	r = control_listen(socket_path);
	if (r < 0) {
		errno = -r;
		fatal("control socket %s", socket_path);
	}
	if (!foreground) {
		if (daemon(0, 0) < 0)
			fatal("daemon");
		log_init(false, debug);
	}
	signals_init();
	log_info("listening on %s", socket_path);
	loop_run();
	log_info("stopped");
	if (jobs_running() > 0) {
		/*
		 * A provider call outlived the grace period: it still uses
		 * the providers and the configuration, so nothing is freed;
		 * what it froze is thawed now rather than at the next start.
		 */
		log_warnx("%zu provider calls still running: thawing what "
			  "they froze and exiting", jobs_running());
		freeze_recover();
		return 1;
	}
	if (signal_io.fd >= 0)
		close(signal_io.fd);
	config_free(conf);
	conf = NULL;
	setlog_release();
	inventory_release();
	freeze_release();
	provider_registry_release();
	loop_release();
	return 0;
}
