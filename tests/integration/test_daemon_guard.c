/*
 * tests/integration/test_daemon_guard.c - what vssd refuses: a second
 * snapshot set while one is being created (BK-008), a requester that is
 * not root (SEC-002), garbage or oversized frames on a raw socket
 * (docs/protocol.md "Frames") and connections over max_connections
 * (docs/vssd.conf.md): each closes only that connection and the daemon
 * keeps serving.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vss/requester.h>

#include "check.h"
#include "fixture.h"

/* The limits configured for this test. */
#define MAX_FRAME (1u << 20)
#define MAX_CONNECTIONS 8
/* Connections a client opens and closes in a row. */
#define CHURN 2000
/* Warnings about max_connections vssd may log for them. */
#define MAX_REFUSED_WARNINGS 3
#define NOBODY 65534

static struct fx *fx;
static const char *vol;

static void
backup_works(void)
{
	struct fx_backup b = {
		.socket = fx->socket,
		.volumes = {vol},
		.n_volumes = 1,
	};
	int rc = fx_backup_run(&b);

	if (rc != 0)
		fail_msg("backup failed with %s at %s", status_text(rc),
			 fx_step_name(b.failed_step));
}

/* A requester ready to start a set: initialized, state set, gathered. */
static void
requester_gathered(vss_requester **ret)
{
	static const struct vss_backup_state st = {
		.backup_type = VSS_BT_FULL,
	};
	vss_requester *r;
	vss_async *a;

	assert_ok(vss_requester_new(&r, fx->socket));
	assert_ok(vss_requester_initialize_for_backup(r, NULL));
	assert_ok(vss_requester_set_backup_state(r, &st));
	assert_ok(vss_requester_gather_writer_metadata(r, &a));
	assert_ok(fx_async_finish(a, 30000));
	*ret = r;
}

/*
 * BK-008: one snapshot set is created at a time, machine-wide: from
 * start_snapshot_set until do_snapshot_set completes another requester
 * gets VSS_E_SNAPSHOT_SET_IN_PROGRESS; afterwards it can start its own.
 */
static void
test_second_requester_refused_in_progress(void **state)
{
	struct fx_writer_opts o = {.name = "guard-concurrent"};
	vss_requester *r1, *r2;
	struct fx_writer *w;
	vss_id set1, set2, snap;
	vss_async *a;

	assert_ok(fx_writer_start(fx, &o, &w));
	requester_gathered(&r1);
	requester_gathered(&r2);
	assert_ok(vss_requester_start_snapshot_set(r1, &set1));
	assert_status(vss_requester_start_snapshot_set(r2, &set2),
		      VSS_E_SNAPSHOT_SET_IN_PROGRESS);
	assert_ok(vss_requester_add_to_snapshot_set(r1, vol, NULL, &snap));
	assert_ok(vss_requester_prepare_for_backup(r1, &a));
	assert_ok(fx_async_finish(a, 30000));
	/* Still in progress while the first set is being prepared. */
	assert_status(vss_requester_start_snapshot_set(r2, &set2),
		      VSS_E_SNAPSHOT_SET_IN_PROGRESS);
	assert_ok(vss_requester_do_snapshot_set(r1, &a));
	assert_ok(fx_async_finish(a, 30000));

	/* The first set is made: the slot is free again. */
	assert_ok(vss_requester_start_snapshot_set(r2, &set2));
	assert_false(vss_id_equal(&set1, &set2));
	assert_ok(vss_requester_abort_backup(r2));
	vss_requester_free(r2);
	assert_ok(vss_requester_backup_complete(r1, &a));
	assert_ok(fx_async_finish(a, 30000));
	vss_requester_free(r1);
	backup_works();
}

/* Child outcomes of the non-root requester. */
enum {
	CHILD_OK = 0,
	CHILD_SETID_FAILED = 10,
	CHILD_CONNECT_UNEXPECTED,
	CHILD_REQUESTER_UNEXPECTED,
};

/*
 * As nobody: connect a raw socket (expect_connect_errno 0: it must
 * connect, else fail with that errno), then try to become a requester,
 * which must be refused with -EACCES.
 */
static int
nobody_requester(int expect_connect_errno)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	vss_requester *r = NULL;
	int fd, rc, err;

	if (setgroups(0, NULL) < 0 || setgid(NOBODY) < 0 ||
	    setuid(NOBODY) < 0)
		return CHILD_SETID_FAILED;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", fx->socket);
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	err = rc < 0 ? errno : 0;
	close(fd);
	if (err != expect_connect_errno) {
		fprintf(stderr, "nobody: connect: %s, want %s\n",
			strerror(err), strerror(expect_connect_errno));
		return CHILD_CONNECT_UNEXPECTED;
	}
	rc = vss_requester_new(&r, fx->socket);
	if (rc != -EACCES) {
		fprintf(stderr, "nobody: vss_requester_new: %s, want "
			"EACCES\n", status_text(rc));
		vss_requester_free(r);
		return CHILD_REQUESTER_UNEXPECTED;
	}
	return CHILD_OK;
}

static void
run_as_nobody(int expect_connect_errno)
{
	pid_t pid;
	int st;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(nobody_requester(expect_connect_errno));
	while (waitpid(pid, &st, 0) < 0)
		assert_int_equal(errno, EINTR);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), CHILD_OK);
}

/*
 * SEC-002: a requester that is neither root nor in the configured group
 * is refused.  With the socket as vssd makes it (0660, root's) the kernel
 * refuses the connection (EACCES from connect); with the socket opened to
 * everyone, vssd itself refuses the hello after SO_PEERCRED (-EACCES).
 */
static void
test_non_root_requester_refused(void **state)
{
	struct stat st;

	assert_int_equal(stat(fx->socket, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0660);
	assert_int_equal(st.st_uid, 0);
	run_as_nobody(EACCES);

	assert_int_equal(chmod(fx->socket, 0666), 0);
	run_as_nobody(0);
	assert_int_equal(chmod(fx->socket, 0660), 0);
	assert_true(fx_vssd_alive(fx));
	backup_works();
}

static int
raw_connect(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", fx->socket);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void
send_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		/* The daemon may close while we still send: that is fine. */
		if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
			return;
		assert_true(n > 0);
		p += n;
		len -= (size_t)n;
	}
}

static void
send_frame(int fd, const char *json)
{
	uint32_t len = htonl((uint32_t)strlen(json));

	send_all(fd, &len, sizeof(len));
	send_all(fd, json, strlen(json));
}

static void
send_header(int fd, uint32_t len)
{
	len = htonl(len);
	send_all(fd, &len, sizeof(len));
}

/* The daemon closes the connection within 5 s (replies are skipped). */
static void
assert_closed(int fd, const char *what)
{
	uint64_t end = fx_now_ns() + 5000000000ull;
	char buf[4096];

	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int ms = (int)((end - fx_now_ns()) / 1000000u);
		ssize_t n;

		if (fx_now_ns() >= end || poll(&p, 1, ms) == 0)
			fail_msg("%s: the daemon kept the connection open",
				 what);
		n = recv(fd, buf, sizeof(buf), 0);
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			break;
		assert_true(n > 0 || errno == EINTR);
	}
	close(fd);
	assert_true(fx_vssd_alive(fx));
}

#define HELLO                                                                  \
	"{\"type\":\"hello\",\"id\":1,\"role\":\"requester\",\"version\":1}"

/* A hello that the daemon answers: the connection then works. */
static int
raw_hello(void)
{
	uint32_t len;
	char buf[4096];
	int fd = raw_connect();

	send_frame(fd, HELLO);
	assert_int_equal(recv(fd, &len, sizeof(len), MSG_WAITALL),
			 (int)sizeof(len));
	len = ntohl(len);
	assert_true(len > 0 && len < sizeof(buf));
	assert_int_equal(recv(fd, buf, len, MSG_WAITALL), (int)len);
	buf[len] = '\0';
	assert_non_null(strstr(buf, "\"reply\""));
	return fd;
}

static void
test_garbage_frames_close_connection(void **state)
{
	static const char *const bad_json[] = {
		"not json at all",
		"[1,2,3]",
		"{\"id\":1}",
		"{\"type\":\"no_such_type\",\"id\":1}",
		"{\"type\":\"hello\",\"id\":\"one\",\"role\":7}",
		"{\"type\":\"hello\",\"id\":1,\"role\":\"requester\","
		"\"version\":1",
	};
	static const uint8_t binary[] = {0x00, 0x00, 0x00, 0x04, 0xff, 0xfe,
					 0x00, 0x7b};
	size_t i;
	int fd;

	/* Garbage instead of the hello. */
	for (i = 0; i < sizeof(bad_json) / sizeof(bad_json[0]); i++) {
		fd = raw_connect();
		send_frame(fd, bad_json[i]);
		assert_closed(fd, bad_json[i]);
	}
	fd = raw_connect();
	send_all(fd, binary, sizeof(binary));
	assert_closed(fd, "binary payload");

	/* Garbage after a good hello. */
	for (i = 0; i < sizeof(bad_json) / sizeof(bad_json[0]); i++) {
		fd = raw_hello();
		send_frame(fd, bad_json[i]);
		assert_closed(fd, bad_json[i]);
	}
	/* A request of another role: a requester may not subscribe. */
	fd = raw_hello();
	send_frame(fd, "{\"type\":\"event_reply\",\"id\":5,\"status\":0}");
	assert_closed(fd, "event_reply from a requester");
	backup_works();
}

static void
test_oversized_frames_close_connection(void **state)
{
	static const uint32_t sizes[] = {
		MAX_FRAME + 1, 64u << 20, (64u << 20) + 1, 0x7fffffffu,
		0xffffffffu,
	};
	char *big;
	size_t i;
	int fd;

	/* The header alone must be enough to refuse the frame. */
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char what[64];

		snprintf(what, sizeof(what), "frame of %u bytes", sizes[i]);
		fd = raw_connect();
		send_header(fd, sizes[i]);
		assert_closed(fd, what);
		fd = raw_hello();
		send_header(fd, sizes[i]);
		assert_closed(fd, what);
	}
	/* A frame over the limit that is really sent. */
	big = malloc(MAX_FRAME + 2);
	assert_non_null(big);
	memset(big, ' ', MAX_FRAME + 1);
	big[0] = '{';
	big[MAX_FRAME] = '}';
	big[MAX_FRAME + 1] = '\0';
	fd = raw_hello();
	send_frame(fd, big);
	assert_closed(fd, "a whole frame over the limit");
	free(big);

	/* A client that stops in the middle of a frame and goes away. */
	fd = raw_hello();
	send_header(fd, 100);
	send_all(fd, "{\"type\":", 8);
	close(fd);
	fd = raw_connect();
	send_all(fd, "\x00\x00", 2);
	close(fd);

	assert_true(fx_vssd_alive(fx));
	backup_works();
}

/* Lines of vssd's log that contain what. */
static size_t
log_count(const char *what)
{
	char line[1024];
	size_t n = 0;
	FILE *f;

	f = fopen(fx->vssd_log, "re");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, what))
			n++;
	fclose(f);
	return n;
}

/*
 * With max_connections taken by idle clients, a client that opens and
 * closes connections as fast as it can is refused every time, and vssd
 * warns about it at most once a second (with a count) instead of once per
 * connection; once the idle clients hang up, a requester gets in.
 */
static void
test_connection_churn(void **state)
{
	size_t before = log_count("max_connections");
	int held[MAX_CONNECTIONS];
	size_t warnings;
	int i;

	for (i = 0; i < MAX_CONNECTIONS; i++)
		held[i] = raw_connect();
	for (i = 0; i < CHURN; i++)
		close(raw_connect());
	/* A count still pending is logged within a second. */
	fx_sleep_ms(1100);
	warnings = log_count("max_connections") - before;
	print_message("%zu warnings about max_connections\n", warnings);
	assert_true(warnings >= 1);
	assert_true(warnings <= MAX_REFUSED_WARNINGS);
	for (i = 0; i < MAX_CONNECTIONS; i++)
		close(held[i]);
	backup_works();
	assert_true(fx_vssd_alive(fx));
}

static void
test_daemon_still_running(void **state)
{
	assert_true(fx_vssd_alive(fx));
}

static int
stop_writers(void **state)
{
	fx_writers_stop_all(fx);
	return 0;
}

/* fx_setup() with vssd's log in a file, for test_connection_churn. */
static int
setup(void **state)
{
	struct fx_vssd_config cfg = {
		.max_frame = MAX_FRAME,
		.max_connections = MAX_CONNECTIONS,
	};

	if (fx_new(&fx) < 0)
		return -1;
	fx->daemon_log_to_file = true;
	if (fx_add_volume(fx, 256, &vol) < 0 || fx_start_vssd(fx, &cfg) < 0) {
		fx_free(fx);
		fx = NULL;
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	int r = fx_teardown(fx);

	fx = NULL;
	return r < 0 ? -1 : 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(
			test_second_requester_refused_in_progress,
			stop_writers),
		cmocka_unit_test(test_non_root_requester_refused),
		cmocka_unit_test(test_garbage_frames_close_connection),
		cmocka_unit_test(test_oversized_frames_close_connection),
		cmocka_unit_test(test_connection_churn),
		cmocka_unit_test(test_daemon_still_running),
	};

	SKIP_UNLESS_AVAILABLE();
	return cmocka_run_group_tests(tests, setup, teardown);
}
