/*
 * tests/writers/test_writerd_host.c - vss-writerd's set of writers
 * (writers/writerd/host.c): what a reload decides and how apply follows
 * it, with the writer threads (hosted.c) replaced by a stub that stops
 * at once when idle and, in a session, only once the test ends that
 * session.  Duplicate instance names on reload, a file that stops
 * parsing, a removal deferred by a session, a pending change followed by
 * a broken file, log files reopened.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host.h"
#include "hosted.h"
#include "hosted_writer.h"

/* An exec writer; NAME: its friendly name, then more [writer] keys. */
#define EXEC(name, more)                                                       \
	"[writer]\ntype = exec\nname = " name "\n" more                       \
	"[restore]\nmethod = CUSTOM\n"                                         \
	"[component data]\nfiles = /srv/data * true\n"

/* ---- the stub of hosted.c ------------------------------------------------ */

#define MAX_LIVE 16

enum { STUB_NONE, STUB_WHEN_IDLE, STUB_NOW };

/* The writers started and not freed. */
static struct wd_writer *live[MAX_LIVE];
static unsigned started, reopened;

static void
stub_exit(struct wd_writer *w)
{
	const uint64_t one = 1;

	w->exited = true;
	assert_int_equal(write(w->exit_fd, &one, sizeof(one)),
			 (ssize_t)sizeof(one));
}

int
wd_writer_start(struct wd_writer **ret, struct wd_conf *conf,
		const char *socket_path, int exit_fd)
{
	struct wd_writer *w;
	size_t i;

	(void)socket_path;
	w = calloc(1, sizeof(*w));
	assert_non_null(w);
	w->conf = conf;
	w->exit_fd = exit_fd;
	w->log_fd = -1;
	for (i = 0; i < MAX_LIVE && live[i]; i++)
		;
	assert_true(i < MAX_LIVE);
	live[i] = w;
	started++;
	*ret = w;
	return 0;
}

void
wd_writer_request_stop(struct wd_writer *w, enum wd_stop how)
{
	if (w->exited)
		return;
	if (how == WD_STOP_NOW)
		w->stop_request = STUB_NOW;
	else if (w->stop_request == STUB_NONE)
		w->stop_request = STUB_WHEN_IDLE;
	if (how == WD_STOP_NOW || !w->in_session)
		stub_exit(w);
}

bool
wd_writer_cancel_stop(struct wd_writer *w)
{
	if (w->stop_request == STUB_WHEN_IDLE && !w->exited)
		w->stop_request = STUB_NONE;
	return w->stop_request == STUB_NONE;
}

bool
wd_writer_exited(const struct wd_writer *w)
{
	return w->exited;
}

void
wd_writer_free(struct wd_writer *w)
{
	size_t i;

	if (!w)
		return;
	/* The real one joins the thread: it must have been told. */
	assert_int_not_equal(w->stop_request, STUB_NONE);
	for (i = 0; i < MAX_LIVE; i++)
		if (live[i] == w)
			live[i] = NULL;
	free(w);
}

void
wd_writer_reopen_log(struct wd_writer *w)
{
	(void)w;
	reopened++;
}

/* The session ends: a writer asked to stop when idle stops now. */
static void
end_session(struct wd_writer *w)
{
	w->in_session = false;
	if (w->stop_request == STUB_WHEN_IDLE)
		stub_exit(w);
}

/* The live writer with this instance name, or NULL. */
static struct wd_writer *
writer_of(const char *iname)
{
	size_t i;

	for (i = 0; i < MAX_LIVE; i++)
		if (live[i] &&
		    strcmp(live[i]->conf->decl.instance_name, iname) == 0)
			return live[i];
	return NULL;
}

static unsigned
live_count(void)
{
	unsigned i, n = 0;

	for (i = 0; i < MAX_LIVE; i++)
		n += live[i] != NULL;
	return n;
}

/* ---- the directory -------------------------------------------------------- */

struct fixture {
	char dir[64];
	struct wd_host *host;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->dir, "/tmp/vss-writerd-host-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(wd_host_new(&f->host, f->dir, NULL), 0);
	started = reopened = 0;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	wd_host_free(f->host);
	assert_int_equal(live_count(), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void
put(const struct fixture *f, const char *name, const char *text)
{
	char path[160];
	FILE *file;

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	file = fopen(path, "w");
	assert_non_null(file);
	assert_true(fputs(text, file) >= 0);
	assert_int_equal(fclose(file), 0);
}

static void
drop(const struct fixture *f, const char *name)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	assert_int_equal(unlink(path), 0);
}

/* SIGHUP as the main loop handles it: reload, then apply. */
static void
reload(const struct fixture *f)
{
	assert_int_equal(wd_host_reload(f->host), 0);
	wd_host_apply(f->host);
}

/* A writer's thread ended: the main loop's fd says so; apply. */
static void
writer_ended(const struct fixture *f)
{
	struct pollfd p = {.fd = wd_host_get_fd(f->host), .events = POLLIN};

	assert_int_equal(poll(&p, 1, 0), 1);
	wd_host_apply(f->host);
	p.revents = 0;
	assert_int_equal(poll(&p, 1, 0), 0);
}

static const char *
friendly(const struct wd_writer *w)
{
	return w->conf->decl.name;
}

/* ---- the tests ------------------------------------------------------------ */

/*
 * A running writer keeps its instance name over a newcomer, even one
 * from an earlier file, and even when its own file changed; among
 * newcomers the earlier file wins.
 */
static void
test_duplicates_on_reload(void **state)
{
	struct fixture *f = *state;
	struct wd_writer *m;

	put(f, "m.conf", EXEC("M", ""));
	reload(f);
	m = writer_of("m");
	assert_non_null(m);

	/* An earlier newcomer with the running writer's name: refused. */
	put(f, "a.conf", EXEC("A", "instance_name = m\n"));
	reload(f);
	assert_ptr_equal(writer_of("m"), m);
	assert_string_equal(friendly(m), "M");
	assert_int_equal(live_count(), 1);

	/* The running writer's file changes, keeping its name: the change
	 * wins over the earlier newcomer, which stays refused. */
	put(f, "m.conf", EXEC("M2", ""));
	reload(f);
	writer_ended(f);
	m = writer_of("m");
	assert_non_null(m);
	assert_string_equal(friendly(m), "M2");
	assert_int_equal(live_count(), 1);

	/* Two newcomers with one name: the earlier file wins. */
	drop(f, "a.conf");
	put(f, "c.conf", EXEC("C", "instance_name = shared\n"));
	put(f, "b.conf", EXEC("B", "instance_name = shared\n"));
	reload(f);
	assert_non_null(writer_of("shared"));
	assert_string_equal(friendly(writer_of("shared")), "B");
	assert_int_equal(live_count(), 2);

	/* The running writer gives its name up: a newcomer may take it,
	 * and starts once the old writer has stopped. */
	put(f, "m.conf", EXEC("M3", "instance_name = moved\n"));
	put(f, "a.conf", EXEC("A", "instance_name = m\n"));
	reload(f);
	writer_ended(f);
	assert_string_equal(friendly(writer_of("moved")), "M3");
	assert_string_equal(friendly(writer_of("m")), "A");
	assert_int_equal(live_count(), 3);

	/* A changed writer that would take a name in use keeps running as
	 * it was, and so keeps its own name against a newcomer. */
	put(f, "m.conf", EXEC("M4", "instance_name = shared\n"));
	put(f, "0.conf", EXEC("Zero", "instance_name = moved\n"));
	reload(f);
	assert_string_equal(friendly(writer_of("moved")), "M3");
	assert_string_equal(friendly(writer_of("shared")), "B");
	assert_int_equal(live_count(), 3);
}

/* A file that no longer parses keeps its writer exactly as it was. */
static void
test_file_stops_parsing(void **state)
{
	struct fixture *f = *state;
	struct wd_writer *w;

	put(f, "a.conf", EXEC("A", ""));
	reload(f);
	w = writer_of("a");
	assert_non_null(w);
	put(f, "a.conf", "[writer]\ntype = exec\n[exec]\nfrezze = true\n");
	reload(f);
	assert_ptr_equal(writer_of("a"), w);
	assert_int_equal(w->stop_request, STUB_NONE);
	assert_string_equal(w->conf->text, EXEC("A", ""));
	assert_int_equal(started, 1);

	/* Fixed as it was: nothing happens either. */
	put(f, "a.conf", EXEC("A", ""));
	reload(f);
	assert_ptr_equal(writer_of("a"), w);
	assert_int_equal(started, 1);
}

/* A removed file's writer stops only once its session has ended. */
static void
test_removal_deferred_by_session(void **state)
{
	struct fixture *f = *state;
	struct wd_writer *w;

	put(f, "a.conf", EXEC("A", ""));
	put(f, "b.conf", EXEC("B", ""));
	reload(f);
	w = writer_of("a");
	assert_non_null(w);
	w->in_session = true;
	drop(f, "a.conf");
	reload(f);
	assert_ptr_equal(writer_of("a"), w);
	assert_int_equal(w->stop_request, STUB_WHEN_IDLE);
	assert_false(w->exited);

	end_session(w);
	writer_ended(f);
	assert_null(writer_of("a"));
	assert_non_null(writer_of("b"));
	assert_int_equal(live_count(), 1);
	assert_int_equal(started, 2);
}

/*
 * A change waiting for a session, then the file breaks: the change is
 * dropped and the writer goes on as it was once the session ends.
 */
static void
test_pending_change_then_broken(void **state)
{
	struct fixture *f = *state;
	struct wd_writer *w;

	put(f, "a.conf", EXEC("A", ""));
	reload(f);
	w = writer_of("a");
	w->in_session = true;
	put(f, "a.conf", EXEC("A2", ""));
	reload(f);
	assert_int_equal(w->stop_request, STUB_WHEN_IDLE);

	put(f, "a.conf", "[writer]\ntype = exec\n[exec]\nfrezze = true\n");
	reload(f);
	assert_int_equal(w->stop_request, STUB_NONE);
	end_session(w);
	wd_host_apply(f->host);
	assert_ptr_equal(writer_of("a"), w);
	assert_false(w->exited);
	assert_string_equal(friendly(w), "A");
	assert_int_equal(started, 1);
}

/*
 * A newcomer waiting for the name of a writer in a session, then its
 * file breaks: it is dropped, and nothing starts once the old writer
 * has stopped.
 */
static void
test_pending_newcomer_then_broken(void **state)
{
	struct fixture *f = *state;
	struct wd_writer *w;

	put(f, "b.conf", EXEC("B", ""));
	reload(f);
	w = writer_of("b");
	w->in_session = true;
	drop(f, "b.conf");
	put(f, "a.conf", EXEC("A", "instance_name = b\n"));
	reload(f);
	assert_ptr_equal(writer_of("b"), w);
	assert_int_equal(started, 1);

	put(f, "a.conf", "[writer]\ntype = exec\n[exec]\nfrezze = true\n");
	reload(f);
	end_session(w);
	writer_ended(f);
	assert_int_equal(live_count(), 0);
	assert_int_equal(started, 1);
}

/* Every writer opens its log file again at each reload. */
static void
test_logs_reopened(void **state)
{
	struct fixture *f = *state;

	put(f, "a.conf", EXEC("A", ""));
	put(f, "b.conf", EXEC("B", ""));
	reload(f);
	reopened = 0;
	reload(f);
	assert_int_equal(reopened, 2);
	assert_int_equal(started, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_duplicates_on_reload,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_stops_parsing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_removal_deferred_by_session, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_pending_change_then_broken, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_pending_newcomer_then_broken, setup, teardown),
		cmocka_unit_test_setup_teardown(test_logs_reopened, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
