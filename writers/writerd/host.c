/*
 * writers/writerd/host.c - the writers of a configuration directory
 * (host.h).
 *
 * Each file has an entry: the configuration its writer runs (conf, with
 * the writer, also while it stops) and the one it should run (want: the
 * same pointer while the file is unchanged, a new one when it changed,
 * NULL when it is gone).  Reload only decides want; apply makes the
 * writers follow: it asks a writer whose want changed to stop when idle
 * (the writer's thread decides when), frees it once its thread says it
 * ended, and starts a writer only when no other writer still runs under
 * its instance name.  --check runs the same reading and the same name
 * rules on a host with no writers, reporting to its output.
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "children.h"
#include "host.h"
#include "hosted.h"
#include "log.h"

/* At SIGTERM, from SIGTERM to SIGKILL for the commands left running. */
#define KILL_MS 2000

struct entry {
	char *file;               /* the name in the directory */
	struct wd_conf *conf;     /* of its writer; NULL without */
	struct wd_writer *writer; /* running or stopping; NULL without */
	bool stopping;            /* the writer was asked to stop */
	struct wd_conf *want;     /* == conf: unchanged; NULL: to stop */
	bool seen;                /* in the directory at the last reload */
	bool refused;             /* resolve_names(): loses its name */
};

struct wd_host {
	char *dir;
	char *socket_path;
	int exit_fd;            /* a writer's thread ended; -1 for --check */
	FILE *check_out;        /* --check: problems go there, not the log */
	unsigned problems;      /* reported since the host was made */
	struct entry **entries; /* sorted by file */
	size_t count, cap;
};

/* A file refused or kept as it was: to the log, or --check's output. */
static void __attribute__((format(printf, 2, 3)))
problem(struct wd_host *h, const char *fmt, ...)
{
	va_list ap;

	h->problems++;
	va_start(ap, fmt);
	if (h->check_out) {
		vfprintf(h->check_out, fmt, ap);
		fputc('\n', h->check_out);
	} else {
		wd_log_vwrite(NULL, -1, WD_LOG_ERR, fmt, ap);
	}
	va_end(ap);
}

/* What happens to a writer: logged, and of no interest to --check. */
static void __attribute__((format(printf, 2, 3)))
note(const struct wd_host *h, const char *fmt, ...)
{
	va_list ap;

	if (h->check_out)
		return;
	va_start(ap, fmt);
	wd_log_vwrite(NULL, -1, WD_LOG_INFO, fmt, ap);
	va_end(ap);
}

/* ---- the directory ------------------------------------------------------- */

static bool
is_conf_name(const char *name)
{
	size_t len = strlen(name);

	return name[0] != '.' && len > 5 && strcmp(name + len - 5, ".conf") == 0;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
free_names(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* The NAME.conf files of dir, sorted.  Caller owns; free_names(). */
static int
scan_dir(const char *dir, char ***ret, size_t *ret_n)
{
	char **names = NULL, **grown;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;
	int r = 0;

	d = opendir(dir);
	if (!d && errno == ENOENT) {
		/* No writers yet: SIGHUP reads it once it is made. */
		*ret = NULL;
		*ret_n = 0;
		return 0;
	}
	if (!d)
		return -errno;
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			r = -errno;
			break;
		}
		if (!is_conf_name(de->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			grown = reallocarray(names, cap, sizeof(*names));
			if (!grown) {
				r = -ENOMEM;
				break;
			}
			names = grown;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			r = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (r < 0) {
		free_names(names, n);
		return r;
	}
	if (n > 0)
		qsort(names, n, sizeof(*names), cmp_names);
	*ret = names;
	*ret_n = n;
	return 0;
}

/* dir/name in *ret (caller frees), or NULL when out of memory. */
static char *
join_path(const char *dir, const char *name)
{
	char *path;

	return asprintf(&path, "%s/%s", dir, name) < 0 ? NULL : path;
}

/* ---- entries ------------------------------------------------------------- */

static struct entry *
find_entry(const struct wd_host *h, const char *file)
{
	size_t i;

	for (i = 0; i < h->count; i++)
		if (strcmp(h->entries[i]->file, file) == 0)
			return h->entries[i];
	return NULL;
}

/* A new entry for file, in name order. */
static struct entry *
add_entry(struct wd_host *h, const char *file)
{
	struct entry *e, **grown;
	size_t i;

	if (h->count == h->cap) {
		grown = reallocarray(h->entries, h->cap ? h->cap * 2 : 16,
				     sizeof(*grown));
		if (!grown)
			return NULL;
		h->entries = grown;
		h->cap = h->cap ? h->cap * 2 : 16;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->file = strdup(file);
	if (!e->file) {
		free(e);
		return NULL;
	}
	for (i = h->count; i > 0 && strcmp(h->entries[i - 1]->file, file) > 0;
	     i--)
		h->entries[i] = h->entries[i - 1];
	h->entries[i] = e;
	h->count++;
	return e;
}

/* What e should run from now on (NULL: nothing); takes ownership of c. */
static void
set_want(struct entry *e, struct wd_conf *c)
{
	if (e->want != e->conf)
		wd_conf_free(e->want);
	e->want = c;
}

/* Its writer, if any, must have been asked to stop. */
static void
entry_free(struct entry *e)
{
	wd_writer_free(e->writer);
	set_want(e, NULL);
	wd_conf_free(e->conf);
	free(e->file);
	free(e);
}

/* ---- reload -------------------------------------------------------------- */

/*
 * file does not load: a writer that runs keeps running exactly as it
 * was (whatever change was pending is dropped); a newcomer not started
 * yet is dropped.
 */
static void
load_failed(struct wd_host *h, struct entry *e, const char *message)
{
	if (e && e->conf) {
		problem(h, "%s; its writer keeps running as it was", message);
		set_want(e, e->conf);
		return;
	}
	problem(h, "%s", message);
	if (e)
		set_want(e, NULL);
}

static void
reload_file(struct wd_host *h, const char *file)
{
	struct entry *e = find_entry(h, file);
	struct wd_conf *c;
	struct vss_error err;
	char *path;
	int r;

	if (e)
		e->seen = true;
	path = join_path(h->dir, file);
	if (!path) {
		snprintf(err.message, sizeof(err.message),
			 "%s/%s: out of memory", h->dir, file);
		load_failed(h, e, err.message);
		return;
	}
	r = wd_conf_load(path, &c, &err);
	free(path);
	if (r < 0) {
		load_failed(h, e, err.message);
		return;
	}
	if (e && e->conf && strcmp(c->text, e->conf->text) == 0) {
		/* Back as it runs: whatever was pending is dropped. */
		set_want(e, e->conf);
		wd_conf_free(c);
		return;
	}
	if (e && e->want && strcmp(c->text, e->want->text) == 0) {
		wd_conf_free(c);
		return;
	}
	if (!e) {
		e = add_entry(h, file);
		if (!e) {
			problem(h, "%s: out of memory", c->path);
			wd_conf_free(c);
			return;
		}
		e->seen = true;
	} else {
		note(h, "%s changed", c->path);
	}
	set_want(e, c);
}

/* e's writer runs and is to go on under the same instance name. */
static bool
keeps_name(const struct entry *e)
{
	return e->conf && e->want &&
	       strcmp(e->want->decl.instance_name,
		      e->conf->decl.instance_name) == 0;
}

/* e is to take an instance name it does not run under yet. */
static bool
is_newcomer(const struct entry *e)
{
	return e->want && !keeps_name(e);
}

/*
 * Who has the instance name newcomer self wants before it: a writer
 * that keeps its name, or a newcomer of an earlier file not refused.
 */
static struct entry *
name_holder(const struct wd_host *h, size_t self)
{
	const char *iname = h->entries[self]->want->decl.instance_name;
	struct entry *e;
	size_t i;

	for (i = 0; i < h->count; i++) {
		e = h->entries[i];
		if (i == self || !e->want || e->refused ||
		    strcmp(e->want->decl.instance_name, iname) != 0)
			continue;
		if (keeps_name(e) || i < self)
			return e;
	}
	return NULL;
}

static void
refuse(struct wd_host *h, struct entry *e, const struct entry *holder)
{
	problem(h, "%s: instance name '%s' is already that of %s%s",
		e->want->path, e->want->decl.instance_name, holder->want->path,
		h->check_out ? ""
		: e->conf    ? "; its writer keeps running as it was"
			     : "; not started");
	set_want(e, e->conf);
}

/*
 * Refuse the newcomers whose instance name is taken: a running writer
 * keeps its name; among newcomers the earlier file wins.  A refused
 * change of a running writer brings back the name it runs under, which
 * an earlier newcomer may have got: then start over (each round has one
 * change fewer, so this ends).
 */
static void
resolve_names(struct wd_host *h)
{
	struct entry *e, *holder;
	bool again;
	size_t i;

	do {
		again = false;
		for (i = 0; i < h->count; i++)
			h->entries[i]->refused = false;
		for (i = 0; i < h->count && !again; i++) {
			e = h->entries[i];
			if (!is_newcomer(e))
				continue;
			holder = name_holder(h, i);
			if (!holder)
				continue;
			if (e->conf) {
				refuse(h, e, holder);
				again = true;
			} else {
				e->refused = true;
			}
		}
	} while (again);
	for (i = 0; i < h->count; i++) {
		e = h->entries[i];
		if (!e->refused)
			continue;
		e->refused = false;
		refuse(h, e, name_holder(h, i));
	}
}

/* Read the directory and decide want for every file. */
static int
reread(struct wd_host *h)
{
	char **names = NULL;
	size_t n = 0, i;
	int r;

	r = scan_dir(h->dir, &names, &n);
	if (r < 0)
		return r;
	for (i = 0; i < h->count; i++)
		h->entries[i]->seen = false;
	for (i = 0; i < n; i++)
		reload_file(h, names[i]);
	for (i = 0; i < h->count; i++) {
		if (h->entries[i]->seen || !h->entries[i]->want)
			continue;
		note(h, "%s/%s removed", h->dir, h->entries[i]->file);
		set_want(h->entries[i], NULL);
	}
	resolve_names(h);
	free_names(names, n);
	return 0;
}

int
wd_host_reload(struct wd_host *h)
{
	size_t i;
	int r;

	r = reread(h);
	if (r < 0) {
		wd_log_main(WD_LOG_ERR, "cannot read %s: %s", h->dir,
			    strerror(-r));
		return r;
	}
	for (i = 0; i < h->count; i++)
		if (h->entries[i]->writer)
			wd_writer_reopen_log(h->entries[i]->writer);
	if (h->count == 0)
		wd_log_main(WD_LOG_NOTICE, "no writers in %s", h->dir);
	return 0;
}

/* ---- apply --------------------------------------------------------------- */

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Free e's writer once its thread has ended. */
static void
reap(struct entry *e)
{
	if (!e->writer || !wd_writer_exited(e->writer))
		return;
	wd_writer_free(e->writer);
	e->writer = NULL;
	e->stopping = false;
	/* Reverted while it stopped: want starts it again. */
	if (e->want != e->conf)
		wd_conf_free(e->conf);
	e->conf = NULL;
}

/* Ask e's writer to stop when idle if it is to change, or not to. */
static void
follow(struct entry *e)
{
	if (!e->writer)
		return;
	if (e->want == e->conf) {
		if (e->stopping && wd_writer_cancel_stop(e->writer))
			e->stopping = false;
		return;
	}
	if (e->stopping)
		return;
	if (wd_writer_in_session(e->writer))
		wd_log_main(WD_LOG_INFO, "%s: writer '%s' is in a session; it "
			    "%s once the session ends", e->file,
			    e->conf->decl.instance_name,
			    e->want ? "restarts" : "stops");
	wd_writer_request_stop(e->writer, WD_STOP_WHEN_IDLE);
	e->stopping = true;
}

static bool
running_under(const struct wd_host *h, const struct entry *self,
	      const char *iname)
{
	size_t i;

	for (i = 0; i < h->count; i++)
		if (h->entries[i] != self && h->entries[i]->writer &&
		    strcmp(h->entries[i]->conf->decl.instance_name, iname) == 0)
			return true;
	return false;
}

/* Start e's writer if it is to run and its instance name is free. */
static void
apply_start(struct wd_host *h, struct entry *e)
{
	int r;

	if (e->writer || !e->want ||
	    running_under(h, e, e->want->decl.instance_name))
		return;
	r = wd_writer_start(&e->writer, e->want, h->socket_path, h->exit_fd);
	if (r < 0) {
		wd_log_main(WD_LOG_ERR, "%s: cannot start its writer: %s",
			    e->want->path, strerror(-r));
		set_want(e, NULL);
		return;
	}
	e->conf = e->want;
}

void
wd_host_apply(struct wd_host *h)
{
	uint64_t ended;
	size_t i, kept = 0;

	/* Non-blocking: only resets the count. */
	while (read(h->exit_fd, &ended, sizeof(ended)) < 0 && errno == EINTR)
		;
	for (i = 0; i < h->count; i++)
		reap(h->entries[i]);
	for (i = 0; i < h->count; i++)
		follow(h->entries[i]);
	for (i = 0; i < h->count; i++)
		apply_start(h, h->entries[i]);
	for (i = 0; i < h->count; i++) {
		if (h->entries[i]->writer || h->entries[i]->want)
			h->entries[kept++] = h->entries[i];
		else
			entry_free(h->entries[i]);
	}
	h->count = kept;
}

/* ---- life ---------------------------------------------------------------- */

static int
host_new(struct wd_host **ret, const char *dir, const char *socket_path,
	 FILE *check_out)
{
	struct wd_host *h;

	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->exit_fd = -1;
	h->check_out = check_out;
	h->dir = strdup(dir);
	if (socket_path)
		h->socket_path = strdup(socket_path);
	if (!h->dir || (socket_path && !h->socket_path)) {
		wd_host_free(h);
		return -ENOMEM;
	}
	*ret = h;
	return 0;
}

int
wd_host_new(struct wd_host **ret, const char *dir, const char *socket_path)
{
	struct wd_host *h;
	int r;

	r = host_new(&h, dir, socket_path, NULL);
	if (r < 0)
		return r;
	h->exit_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (h->exit_fd < 0) {
		r = -errno;
		wd_host_free(h);
		return r;
	}
	*ret = h;
	return 0;
}

int
wd_host_get_fd(const struct wd_host *h)
{
	return h->exit_fd;
}

/* Free the writers whose thread ended; how many are left. */
static size_t
reap_all(struct wd_host *h)
{
	size_t i, left = 0;

	for (i = 0; i < h->count; i++) {
		reap(h->entries[i]);
		left += h->entries[i]->writer != NULL;
	}
	return left;
}

/* Only writers stuck in a handler begun before the stop are left. */
static bool
all_busy(const struct wd_host *h)
{
	size_t i;

	for (i = 0; i < h->count; i++)
		if (h->entries[i]->writer &&
		    !wd_writer_busy(h->entries[i]->writer))
			return false;
	return true;
}

/* Wait for a writer's thread to end, ms at most (-1: no limit). */
static void
wait_exit(struct wd_host *h, int ms)
{
	struct pollfd p = {.fd = h->exit_fd, .events = POLLIN};
	uint64_t ended;

	if (poll(&p, 1, ms) > 0)
		while (read(h->exit_fd, &ended, sizeof(ended)) < 0 &&
		       errno == EINTR)
			;
}

/*
 * SIGTERM: every writer stops now, side by side.  Writers idle or
 * releasing what they hold (a held freeze helper thawed its own way)
 * stop by themselves; once only writers stuck in a handler begun before
 * the stop are left (a command with a long deadline), their commands
 * are ended: SIGTERM to the process groups of our children, SIGKILL
 * KILL_MS later, so that no command outlives vss-writerd.
 */
static void
stop_all(struct wd_host *h)
{
	int64_t deadline;
	size_t i;

	for (i = 0; i < h->count; i++)
		if (h->entries[i]->writer)
			wd_writer_request_stop(h->entries[i]->writer,
					       WD_STOP_NOW);
	if (h->exit_fd < 0)
		return;
	while (reap_all(h) > 0 && !all_busy(h))
		wait_exit(h, -1);
	if (reap_all(h) == 0)
		return;
	if (wd_children_signal(SIGTERM) > 0)
		wd_log_main(WD_LOG_NOTICE, "handlers still running: their "
			    "commands were sent SIGTERM");
	deadline = now_ms() + KILL_MS;
	while (reap_all(h) > 0 && now_ms() < deadline)
		wait_exit(h, (int)(deadline - now_ms()));
	if (reap_all(h) > 0 && wd_children_signal(SIGKILL) > 0)
		wd_log_main(WD_LOG_NOTICE, "handlers still running: their "
			    "commands were sent SIGKILL");
}

void
wd_host_free(struct wd_host *h)
{
	size_t i;

	if (!h)
		return;
	stop_all(h);
	for (i = 0; i < h->count; i++)
		entry_free(h->entries[i]);
	free(h->entries);
	if (h->exit_fd >= 0)
		close(h->exit_fd);
	free(h->dir);
	free(h->socket_path);
	free(h);
}

/* ---- --check ------------------------------------------------------------- */

static void
print_conf(FILE *out, const struct wd_conf *c)
{
	char cid[VSS_ID_STRLEN];

	vss_id_format(&c->decl.class_id, cid);
	fprintf(out, "%s: type %s, name '%s', instance name '%s', class id "
		"%s\n", c->path, c->backend->type, c->decl.name,
		c->decl.instance_name, cid);
}

int
wd_host_check(const char *dir, FILE *out)
{
	struct wd_host *h;
	size_t i;
	int r;

	r = host_new(&h, dir, NULL, out);
	if (r < 0)
		return r;
	r = reread(h);
	if (r == 0) {
		for (i = 0; i < h->count; i++)
			if (h->entries[i]->want)
				print_conf(out, h->entries[i]->want);
		if (h->count == 0)
			fprintf(out, "no writers in %s\n", dir);
		r = h->problems ? -EINVAL : 0;
	}
	wd_host_free(h);
	return r;
}
