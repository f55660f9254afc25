/*
 * tools/test-writer/main.c - vss-test-writer, the equivalent of the SDK's
 * vswriter (TL-030): a writer process that takes part in backups as its
 * configuration says (config.c), fails or stalls in the events it is told
 * to, records every event with its time, and writes marker data around
 * freeze and thaw so that tests can see what a shadow copy holds.  It uses
 * only the public writer API, driven from its own poll loop with a
 * signalfd, as an application would.  docs/vss-test-writer.md is the
 * manual.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <vss/metadata.h>
#include <vss/status.h>
#include <vss/writer.h>

#include "components.h"
#include "config.h"

#define PROG "vss-test-writer"
#define EXIT_USAGE 2

#define MARKER_BEFORE_FREEZE "before-freeze"
#define MARKER_AFTER_THAW "after-thaw"
#define STREAM_FILE "stream"

/*
 * The detail field of a log line: room for every list of a restore event
 * (components.c caps each at 1536 bytes).
 */
#define DETAIL_MAX 20480

struct tw {
	struct tw_config cfg;
	vss_writer *writer;
	int log_fd;          /* -1: no log */
	int sig_fd;
	int marker_fd;       /* the marker directory, or -1 */
	int stream_fd;       /* -1: no stream */
	uint64_t stream_seq; /* the last stream record written */
	uint64_t next_write; /* monotonic ns of the next stream record */
	uint64_t freeze_seq; /* freezes that succeeded */
	bool frozen;         /* between a successful freeze and thaw/abort */
	bool quit;           /* SIGTERM or SIGINT seen */
	bool log_failed;     /* a log write failed (reported once) */
};

static void warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
warnx(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* "VSS_E_...: message" or "ENOENT: message" for a status. */
static void
warn_status(const char *what, int status)
{
	const char *name = vss_status_name(status);

	warnx("%s: %s: %s", what, name ? name : "unknown status",
	      vss_strerror(status));
}

static uint64_t
now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int
write_all(int fd, const char *data, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, data, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * One line per event, written with one write() so that it is never torn
 * and reaches the file before the handler returns:
 * mono_ns real_ns event set_id result detail (tab-separated).
 */
static void
log_event(struct tw *tw, enum tw_event e, const vss_id *set, uint64_t mono,
	  uint64_t real, const char *result, const char *detail)
{
	char id[VSS_ID_STRLEN], line[DETAIL_MAX + 256];
	int n, r;

	if (tw->log_fd < 0)
		return;
	vss_id_format(set, id);
	n = snprintf(line, sizeof(line),
		     "%" PRIu64 "\t%" PRIu64 "\t%s\t%s\t%s\t%s\n", mono, real,
		     tw_event_name(e), id, result, detail);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	r = write_all(tw->log_fd, line, (size_t)n);
	if (r < 0 && !tw->log_failed) {
		tw->log_failed = true;
		warnx("cannot write the log '%s': %s", tw->cfg.log_path,
		      strerror(-r));
	}
}

/*
 * Replace name (relative to dir_fd) with data through the temporary file
 * tmp: write, fsync, rename, so that readers find the old file or the
 * whole new one.  tmp is removed when anything fails.
 */
static int
replace_file(int dir_fd, const char *name, const char *tmp, const char *data,
	     size_t len)
{
	int fd, r;

	fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0644);
	if (fd < 0)
		return -errno;
	r = write_all(fd, data, len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && renameat(dir_fd, tmp, dir_fd, name) < 0)
		r = -errno;
	if (r < 0)
		unlinkat(dir_fd, tmp, 0);
	return r;
}

/*
 * Replace DIR/name with "seq mono_ns" and fsync the directory, so that
 * the marker is either whole in a shadow copy taken after this returns or
 * not there at all.
 */
static int
write_marker(struct tw *tw, const char *name, uint64_t seq)
{
	char tmp[64], buf[64];
	int n, r;

	snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
	n = snprintf(buf, sizeof(buf), "%" PRIu64 " %" PRIu64 "\n", seq,
		     now_ns(CLOCK_MONOTONIC));
	r = replace_file(tw->marker_fd, name, tmp, buf, (size_t)n);
	if (r == 0 && fsync(tw->marker_fd) < 0)
		r = -errno;
	return r;
}

static int
stream_write(struct tw *tw, uint64_t mono)
{
	char buf[64];
	int n, r;

	n = snprintf(buf, sizeof(buf), "%" PRIu64 " %" PRIu64 "\n",
		     tw->stream_seq + 1, mono);
	r = write_all(tw->stream_fd, buf, (size_t)n);
	if (r == 0)
		tw->stream_seq++;
	return r;
}

static void
drain_signals(struct tw *tw)
{
	struct signalfd_siginfo si;

	while (read(tw->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		tw->quit = true;
}

/*
 * Not answering for ms: the handler simply does not return.  Waiting on
 * the signalfd keeps SIGTERM working during a long stall, which it cuts
 * short.  Returns the ms actually waited.
 */
static uint64_t
stall(struct tw *tw, unsigned ms)
{
	uint64_t start = now_ns(CLOCK_MONOTONIC), now = start;
	uint64_t end = start + (uint64_t)ms * 1000000u, left;
	struct pollfd p = {.fd = tw->sig_fd, .events = POLLIN};

	while (!tw->quit && (now = now_ns(CLOCK_MONOTONIC)) < end) {
		left = (end - now + 999999u) / 1000000u;
		if (poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left) > 0)
			drain_signals(tw);
	}
	return (now - start) / 1000000u;
}

/* What a successful freeze does: hold writes, flush, mark. */
static int
on_freeze(struct tw *tw, char *detail, size_t size)
{
	int r;

	if (tw->stream_fd >= 0) {
		if (fsync(tw->stream_fd) < 0)
			return -errno;
		tw_detail_add(detail, size, "stream_seq=%" PRIu64,
			      tw->stream_seq);
	}
	if (tw->marker_fd >= 0) {
		r = write_marker(tw, MARKER_BEFORE_FREEZE, tw->freeze_seq + 1);
		if (r < 0)
			return r;
		tw_detail_add(detail, size, "marker_seq=%" PRIu64,
			      tw->freeze_seq + 1);
	}
	tw->freeze_seq++;
	tw->frozen = true;
	return 0;
}

static int
on_thaw(struct tw *tw, char *detail, size_t size)
{
	int r;

	tw->frozen = false;
	if (tw->stream_fd >= 0)
		tw_detail_add(detail, size, "stream_seq=%" PRIu64,
			      tw->stream_seq);
	if (tw->marker_fd >= 0) {
		r = write_marker(tw, MARKER_AFTER_THAW, tw->freeze_seq);
		if (r < 0)
			return r;
		tw_detail_add(detail, size, "marker_seq=%" PRIu64,
			      tw->freeze_seq);
	}
	return 0;
}

static int
on_identify(struct tw *tw, vss_wmd *wmd)
{
	struct vss_error err;
	int r;

	/* Checked at start-up; a failure here is a broken invariant. */
	r = wdecl_fill_wmd(&tw->cfg.decl, wmd, &err);
	if (r < 0)
		warnx("identify: %s", err.message);
	return r;
}

/*
 * Every event: stall, fail as configured (fatal or not, BK-031), else do
 * what the event means, and log.  ev is NULL for identify, which gets the
 * WMD instead and cannot set a failure (BK-032): it returns the status.
 */
static int
handle(struct tw *tw, enum tw_event e, vss_writer_event *ev, vss_wmd *wmd)
{
	static const vss_id null_id;
	struct tw_fault *f = &tw->cfg.faults[e];
	uint64_t mono = now_ns(CLOCK_MONOTONIC), real = now_ns(CLOCK_REALTIME);
	const vss_id *set = ev ? vss_writer_event_snapshot_set_id(ev) : NULL;
	vss_bcd_writer *bcd = ev ? vss_writer_event_components(ev) : NULL;
	bool restore = e == TW_EV_PRE_RESTORE || e == TW_EV_POST_RESTORE;
	char result[96] = "ok", detail[DETAIL_MAX] = "", msg[128];
	int status = 0, r = 0;
	bool fatal = false;

	if (f->stall_ms)
		tw_detail_add(detail, sizeof(detail), "stall_ms=%" PRIu64,
			      stall(tw, f->stall_ms));
	if (f->status && f->count != 0) {
		if (f->count > 0)
			f->count--;
		status = f->status;
		fatal = !f->nonfatal;
		snprintf(msg, sizeof(msg), PROG ": failure configured for %s",
			 tw_event_name(e));
		if (ev)
			vss_writer_event_set_failure(ev, status, 0,
						     f->message ? f->message
								: msg);
		/* The components' own message too (RS-112). */
		if (restore)
			tw_components_restore_failure(
				bcd, e == TW_EV_POST_RESTORE,
				f->message ? f->message : msg);
	}
	if (!fatal) {
		switch (e) {
		case TW_EV_IDENTIFY:
			r = on_identify(tw, wmd);
			break;
		case TW_EV_FREEZE:
			r = on_freeze(tw, detail, sizeof(detail));
			break;
		case TW_EV_THAW:
			r = on_thaw(tw, detail, sizeof(detail));
			break;
		case TW_EV_ABORT:
			tw->frozen = false;
			break;
		case TW_EV_POST_SNAPSHOT:
			r = tw_components_post_snapshot(&tw->cfg, bcd);
			break;
		case TW_EV_BACKUP_COMPLETE:
			tw_components_backup_complete_detail(bcd, detail,
							     sizeof(detail));
			break;
		case TW_EV_PRE_RESTORE:
			r = tw_components_pre_restore(&tw->cfg, bcd);
			break;
		default:
			break;
		}
		if (r < 0) {
			snprintf(msg, sizeof(msg), PROG ": %s: %s",
				 tw_event_name(e), vss_strerror(r));
			warnx("%s", msg + strlen(PROG ": "));
			status = VSS_E_WRITERERROR_NONRETRYABLE;
			fatal = true;
			if (ev)
				vss_writer_event_set_failure(ev, status, 0,
							     msg);
		}
	}
	/* What the document says once the handler is done with it. */
	if (restore)
		tw_components_restore_detail(bcd,
					     vss_writer_event_restore_type(ev),
					     e == TW_EV_POST_RESTORE, detail,
					     sizeof(detail));
	if (status)
		snprintf(result, sizeof(result), "%s:%s",
			 fatal ? "fail" : "nonfatal", vss_status_name(status));
	tw_detail_add(detail, sizeof(detail), "end_ns=%" PRIu64,
		      now_ns(CLOCK_MONOTONIC));
	log_event(tw, e, set ? set : &null_id, mono, real, result, detail);
	return fatal ? status : 0;
}

static int
cb_identify(vss_writer *w, vss_wmd *wmd, void *u)
{
	return handle(u, TW_EV_IDENTIFY, NULL, wmd);
}

/* The other handlers differ only in the event they stand for. */
#define TW_HANDLER(fn, event)                                                  \
	static int fn(vss_writer *w, vss_writer_event *ev, void *u)            \
	{                                                                      \
		return handle(u, event, ev, NULL);                             \
	}
TW_HANDLER(cb_prepare_backup, TW_EV_PREPARE_BACKUP)
TW_HANDLER(cb_prepare_snapshot, TW_EV_PREPARE_SNAPSHOT)
TW_HANDLER(cb_freeze, TW_EV_FREEZE)
TW_HANDLER(cb_thaw, TW_EV_THAW)
TW_HANDLER(cb_post_snapshot, TW_EV_POST_SNAPSHOT)
TW_HANDLER(cb_abort, TW_EV_ABORT)
TW_HANDLER(cb_backup_complete, TW_EV_BACKUP_COMPLETE)
TW_HANDLER(cb_backup_shutdown, TW_EV_BACKUP_SHUTDOWN)
TW_HANDLER(cb_pre_restore, TW_EV_PRE_RESTORE)
TW_HANDLER(cb_post_restore, TW_EV_POST_RESTORE)
#undef TW_HANDLER

static const struct vss_writer_callbacks callbacks = {
	.size = sizeof(struct vss_writer_callbacks),
	.identify = cb_identify,
	.prepare_backup = cb_prepare_backup,
	.prepare_snapshot = cb_prepare_snapshot,
	.freeze = cb_freeze,
	.thaw = cb_thaw,
	.post_snapshot = cb_post_snapshot,
	.abort = cb_abort,
	.backup_complete = cb_backup_complete,
	.backup_shutdown = cb_backup_shutdown,
	.pre_restore = cb_pre_restore,
	.post_restore = cb_post_restore,
};

static void
print_usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [--config FILE] [--name NAME] "
		"[--instance-name NAME]\n"
		"         [--class-id ID] [--level front_end|back_end|system]\n"
		"         [--usage USAGE] [--source SOURCE] "
		"[--freeze-timeout-ms MS]\n"
		"         [--component LOGICAL/PATH/NAME=DIR]...\n"
		"         [--exclude-from-snapshot /PATH/FILESPEC[:r]]...\n"
		"         [--fail EVENT[:FAILURE][:COUNT|always][:nonfatal]]"
		"...\n"
		"         [--stall EVENT:SECONDS]... [--log FILE] "
		"[--marker-dir DIR]\n"
		"         [--write-every-ms N] [--socket PATH] "
		"[--ready-file FILE]\n"
		"         [--print-wmd] [--help]\n"
		"\n"
		"A writer for tests: subscribes to vssd, answers events as "
		"configured and\n"
		"logs each one (mono_ns real_ns event set_id result detail, "
		"tab-separated).\n"
		"EVENT: identify, prepare_backup, prepare_snapshot, freeze, "
		"thaw,\n"
		"  post_snapshot, abort, backup_complete, backup_shutdown, "
		"pre_restore,\n"
		"  post_restore.  FAILURE: nonretryable (default), retryable, "
		"outofresources,\n"
		"  inconsistentsnapshot, timeout.  COUNT defaults to 1.\n"
		"Flags override the --config file.  SIGTERM or SIGINT: "
		"unsubscribe, exit 0.\n"
		"See docs/vss-test-writer.md.  Exit status: 0 ok, 1 failed, "
		"2 usage error.\n");
}

static int
print_wmd(const struct tw_config *cfg)
{
	struct vss_error err;
	vss_wmd *wmd;
	char *xml;
	size_t len;
	int r;

	r = wdecl_new_wmd(&cfg->decl, &wmd, &err);
	if (r < 0) {
		warnx("%s", err.message);
		return EXIT_USAGE;
	}
	r = vss_wmd_save_xml(wmd, &xml, &len);
	vss_wmd_free(wmd);
	if (r < 0) {
		warn_status("saving the writer metadata", r);
		return EXIT_FAILURE;
	}
	fwrite(xml, 1, len, stdout);
	if (len && xml[len - 1] != '\n')
		putchar('\n');
	free(xml);
	return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* Log, marker directory and stream, before the writer subscribes. */
static int
open_files(struct tw *tw)
{
	const struct tw_config *cfg = &tw->cfg;

	if (cfg->log_path) {
		tw->log_fd = open(cfg->log_path, O_WRONLY | O_CREAT |
				  O_APPEND | O_CLOEXEC, 0644);
		if (tw->log_fd < 0) {
			warnx("cannot open the log '%s': %s", cfg->log_path,
			      strerror(errno));
			return -1;
		}
	}
	if (!cfg->marker_dir)
		return 0;
	tw->marker_fd = open(cfg->marker_dir, O_RDONLY | O_DIRECTORY |
			     O_CLOEXEC);
	if (tw->marker_fd < 0) {
		warnx("cannot open the marker directory '%s': %s",
		      cfg->marker_dir, strerror(errno));
		return -1;
	}
	/* Markers of an earlier run would pass for this one's. */
	if ((unlinkat(tw->marker_fd, MARKER_BEFORE_FREEZE, 0) < 0 &&
	     errno != ENOENT) ||
	    (unlinkat(tw->marker_fd, MARKER_AFTER_THAW, 0) < 0 &&
	     errno != ENOENT)) {
		warnx("cannot remove old markers in '%s': %s",
		      cfg->marker_dir, strerror(errno));
		return -1;
	}
	if (!cfg->write_every_ms)
		return 0;
	tw->stream_fd = openat(tw->marker_fd, STREAM_FILE, O_WRONLY |
			       O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (tw->stream_fd < 0) {
		warnx("cannot open '%s/" STREAM_FILE "': %s", cfg->marker_dir,
		      strerror(errno));
		return -1;
	}
	return 0;
}

/* "pid instance_id", made to appear whole (rename). */
static int
write_ready_file(struct tw *tw)
{
	const char *path = tw->cfg.ready_file;
	char id[VSS_ID_STRLEN], buf[64], *tmp;
	int n, r;

	if (asprintf(&tmp, "%s.tmp", path) < 0)
		return -ENOMEM;
	vss_id_format(vss_writer_instance_id(tw->writer), id);
	n = snprintf(buf, sizeof(buf), "%ld %s\n", (long)getpid(), id);
	r = replace_file(AT_FDCWD, path, tmp, buf, (size_t)n);
	if (r < 0)
		warnx("cannot write the ready file '%s': %s", path,
		      strerror(-r));
	free(tmp);
	return r;
}

static int
subscribe(struct tw *tw)
{
	const struct tw_config *cfg = &tw->cfg;
	struct vss_writer_opts opts = {.socket_path = cfg->socket_path};
	const char *sock;
	int r;

	wdecl_writer_opts(&cfg->decl, &opts);

	r = vss_writer_new(&tw->writer, &opts, &callbacks, tw);
	if (r < 0) {
		warn_status("cannot create the writer", r);
		return r;
	}
	r = vss_writer_subscribe(tw->writer);
	if (r == -ENOENT || r == -ECONNREFUSED) {
		sock = cfg->socket_path ? cfg->socket_path
					: getenv("VSS_SOCKET");
		warnx("cannot reach vssd at %s%s%s (is it running?): %s",
		      sock ? "'" : "", sock ? sock : "the default socket",
		      sock ? "'" : "", strerror(-r));
		return r;
	}
	if (r < 0) {
		warn_status("cannot subscribe", r);
		return r;
	}
	return 0;
}

/* The poll timeout in ms: the library's deadline or the next record. */
static int
loop_timeout(struct tw *tw, uint64_t now, int lib_ms)
{
	uint64_t wait_ms;

	if (tw->stream_fd < 0 || tw->frozen)
		return lib_ms;
	wait_ms = tw->next_write > now
			  ? (tw->next_write - now + 999999u) / 1000000u
			  : 0;
	if (lib_ms >= 0 && (uint64_t)lib_ms < wait_ms)
		return lib_ms;
	return wait_ms > INT_MAX ? INT_MAX : (int)wait_ms;
}

static int
run(struct tw *tw)
{
	uint64_t period = (uint64_t)tw->cfg.write_every_ms * 1000000u;
	uint64_t now, lib_deadline;
	struct pollfd pfd[2];
	int lib_ms, r;

	tw->next_write = now_ns(CLOCK_MONOTONIC);
	while (!tw->quit) {
		now = now_ns(CLOCK_MONOTONIC);
		if (tw->stream_fd >= 0 && !tw->frozen &&
		    now >= tw->next_write) {
			r = stream_write(tw, now);
			if (r < 0) {
				warnx("cannot write '%s/" STREAM_FILE "': %s",
				      tw->cfg.marker_dir, strerror(-r));
				return EXIT_FAILURE;
			}
			/* Late ticks are dropped, not made up in a burst. */
			tw->next_write += period;
			if (tw->next_write <= now)
				tw->next_write = now + period;
		}
		lib_ms = vss_writer_get_timeout(tw->writer);
		lib_deadline = lib_ms >= 0 ? now + (uint64_t)lib_ms * 1000000u
					   : UINT64_MAX;
		pfd[0] = (struct pollfd){
			.fd = vss_writer_get_fd(tw->writer),
			.events = (short)vss_writer_get_events(tw->writer),
		};
		pfd[1] = (struct pollfd){.fd = tw->sig_fd, .events = POLLIN};
		r = poll(pfd, 2, loop_timeout(tw, now, lib_ms));
		if (r < 0 && errno != EINTR) {
			warnx("poll: %s", strerror(errno));
			return EXIT_FAILURE;
		}
		if (r > 0 && pfd[1].revents)
			drain_signals(tw);
		if (tw->quit)
			break;
		if ((r > 0 && pfd[0].revents) ||
		    now_ns(CLOCK_MONOTONIC) >= lib_deadline) {
			r = vss_writer_process(tw->writer);
			if (r < 0) {
				warn_status("lost the connection to vssd", r);
				return EXIT_FAILURE;
			}
		}
	}
	return EXIT_SUCCESS;
}

int
main(int argc, char **argv)
{
	struct tw tw = {
		.log_fd = -1,
		.sig_fd = -1,
		.marker_fd = -1,
		.stream_fd = -1,
	};
	struct vss_error err;
	sigset_t mask;
	vss_wmd *wmd;
	int r, code = EXIT_FAILURE;

	if (tw_config_init(&tw.cfg) < 0) {
		warnx("out of memory");
		return EXIT_FAILURE;
	}
	r = tw_config_parse_args(&tw.cfg, argc, argv, &err);
	if (r != 0) {
		if (r > 0) {
			print_usage(stdout);
			code = EXIT_SUCCESS;
		} else {
			warnx("%s", err.message);
			fprintf(stderr, "try '" PROG " --help'\n");
			code = EXIT_USAGE;
		}
		goto out;
	}
	if (tw.cfg.print_wmd) {
		code = print_wmd(&tw.cfg);
		goto out;
	}
	/* The identify handler must not be the first to find a mistake. */
	if (wdecl_new_wmd(&tw.cfg.decl, &wmd, &err) < 0) {
		warnx("%s", err.message);
		code = EXIT_USAGE;
		goto out;
	}
	vss_wmd_free(wmd);

	/* Signals arrive on the signalfd only, so handlers can sleep. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (tw.sig_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) <
		    0) {
		warnx("signalfd: %s", strerror(errno));
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);

	if (open_files(&tw) < 0 || subscribe(&tw) < 0)
		goto out;
	if (tw.cfg.ready_file && write_ready_file(&tw) < 0)
		goto out;
	code = run(&tw);
	r = vss_writer_unsubscribe(tw.writer);
	if (r < 0 && code == EXIT_SUCCESS) {
		warn_status("unsubscribe", r);
		code = EXIT_FAILURE;
	}
out:
	vss_writer_free(tw.writer);
	if (tw.stream_fd >= 0)
		close(tw.stream_fd);
	if (tw.marker_fd >= 0)
		close(tw.marker_fd);
	if (tw.log_fd >= 0)
		close(tw.log_fd);
	if (tw.sig_fd >= 0)
		close(tw.sig_fd);
	tw_config_release(&tw.cfg);
	return code;
}
