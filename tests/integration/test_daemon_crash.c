/*
 * tests/integration/test_daemon_crash.c - vssd killed (SIGKILL) while a
 * snapshot set exists leaves no shadow copy behind for good: the record
 * in <state dir>/sets names it, and the next start deletes it before
 * accepting connections (issue 3: nothing left behind whatever crashes;
 * BK-087, SN-020: auto-release shadow copies end with their session).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <btrfsutil.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vss/requester.h>

#include "check.h"
#include "fixture.h"

#define RECOVER_TIMEOUT_MS 10000 /* generous: a loaded machine */

static struct fx *fx;
static const char *vol;

/* Files in <state dir>/sets ending in suffix. */
static int
record_count(const char *suffix)
{
	char path[PATH_MAX];
	struct dirent *de;
	size_t len, slen = strlen(suffix);
	int n = 0;
	DIR *d;

	if (snprintf(path, sizeof(path), "%s/sets", fx->state_dir) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		len = strlen(de->d_name);
		if (len > slen && !strcmp(de->d_name + len - slen, suffix))
			n++;
	}
	closedir(d);
	return n;
}

/* Does vssd's log hold text? */
static bool
log_has(const char *text)
{
	char line[1024];
	bool found = false;
	FILE *f = fopen(fx->vssd_log, "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, text) != NULL;
	fclose(f);
	return found;
}

/* Wait until no shadow copy and no record is left. */
static void
assert_recovered(void)
{
	uint64_t end = fx_now_ns() + RECOVER_TIMEOUT_MS * 1000000ull;
	char first[PATH_MAX];
	int snaps, recs;

	for (;;) {
		snaps = fx_snapshot_count(vol, first, sizeof(first));
		recs = record_count(".json");
		if ((snaps == 0 && recs == 0) || fx_now_ns() >= end)
			break;
		fx_sleep_ms(10);
	}
	if (snaps != 0)
		fail_msg("%d shadow copies left after the restart, first '%s'",
			 snaps, snaps > 0 ? first : "?");
	assert_int_equal(recs, 0);
}

static int
pending_hook(struct fx_backup *b, enum fx_step step, bool done,
	     vss_requester *r)
{
	const int *fd = b->userdata;

	(void)r;
	/* backup_complete is on its way to a writer that stalls in it. */
	if (step == FX_STEP_BACKUP_COMPLETE && !done &&
	    write(*fd, "x", 1) != 1)
		_exit(3);
	return 0;
}

/*
 * A backup is made and its requester waits for backup_complete, which a
 * writer stalls: vssd dies.  The shadow copy stays until vssd starts
 * again, which deletes it, removes the record and takes a new backup.
 */
static void
test_crash_while_set_pending(void **state)
{
	static const char *const stall[] = {"--stall", "backup_complete:5",
					    NULL};
	struct fx_writer_opts o = {
		.name = "crash-stall", .level = "front_end", .extra = stall,
	};
	struct fx_backup next = {
		.socket = fx->socket,
		.volumes = {vol},
		.n_volumes = 1,
	};
	struct fx_writer *w;
	char byte, first[PATH_MAX];
	int fds[2], st, rc;
	pid_t pid;

	(void)state;
	assert_ok(fx_writer_start(fx, &o, &w));
	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct fx_backup b = {
			.socket = fx->socket,
			.volumes = {vol},
			.n_volumes = 1,
			.async_timeout_ms = 10000,
			.hook = pending_hook,
			.userdata = &fds[1],
		};

		close(fds[0]);
		_exit(fx_backup_run(&b) == 0 ? 2 : 0);
	}
	close(fds[1]);
	rc = (int)read(fds[0], &byte, 1);
	close(fds[0]);
	assert_int_equal(rc, 1);
	/* The writer got backup_complete (its stall started). */
	fx_sleep_ms(300);
	assert_int_equal(fx_snapshot_count(vol, first, sizeof(first)), 1);
	assert_int_equal(record_count(".json"), 1);

	assert_true(fx_kill_vssd(fx) >= 0);
	/* Its requester loses the daemon: the backup cannot succeed. */
	while (waitpid(pid, &st, 0) < 0)
		assert_int_equal(errno, EINTR);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* Nothing cleaned up by a crash: the shadow copy is still there. */
	assert_int_equal(fx_snapshot_count(vol, NULL, 0), 1);
	assert_int_equal(record_count(".json"), 1);
	fx_writers_stop_all(fx);

	fx->daemon_log_to_file = true;
	assert_ok(fx_start_vssd(fx, NULL));
	assert_recovered();
	assert_true(log_has("left by a previous run"));

	o.name = "crash-after";
	o.extra = NULL;
	assert_ok(fx_writer_start(fx, &o, &w));
	rc = fx_backup_run(&next);
	if (rc != 0)
		fail_msg("backup after the restart failed with %s at %s",
			 status_text(rc), fx_step_name(next.failed_step));
	assert_recovered();
}

static void
write_record(const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	assert_true(snprintf(path, sizeof(path), "%s/sets/%s", fx->state_dir,
			     name) < (int)sizeof(path));
	f = fopen(path, "w");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

/*
 * A shadow copy made where the btrfs provider makes them, with a record
 * written before commit (no device): it is deleted at start.  Malformed
 * records beside it are moved aside and vssd starts all the same.
 */
static void
test_records_at_start(void **state)
{
	static const char snap_id[] = "6f1c2a3e-51d4-4b7a-9c0e-2d4f6a8b0c1d";
	char shadows[PATH_MAX], text[1024];
	enum btrfs_util_error e;
	int vfd, fd;

	(void)state;
	assert_int_equal(fx_stop_vssd(fx), 0);
	snprintf(shadows, sizeof(shadows), "%s/" FX_SHADOWS_DIR, vol);
	/* The first test made it; created the way the provider does if not. */
	if (access(shadows, F_OK) < 0) {
		e = btrfs_util_create_subvolume(shadows, 0, NULL, NULL);
		assert_int_equal(e, BTRFS_UTIL_OK);
		assert_int_equal(chmod(shadows, 0700), 0);
	}
	vfd = open(vol, O_RDONLY | O_DIRECTORY);
	fd = open(shadows, O_RDONLY | O_DIRECTORY);
	assert_true(vfd >= 0 && fd >= 0);
	e = btrfs_util_create_snapshot_fd2(vfd, fd, snap_id,
					   BTRFS_UTIL_CREATE_SNAPSHOT_READ_ONLY,
					   NULL, NULL);
	close(fd);
	close(vfd);
	assert_int_equal(e, BTRFS_UTIL_OK);
	assert_int_equal(fx_snapshot_count(vol, NULL, 0), 1);

	snprintf(text, sizeof(text),
		 "{\"set_id\": \"0b8e3f52-7c1a-4e9d-8f2b-3a5c7e9d1f20\", "
		 "\"snapshots\": [{\"snapshot_id\": \"%s\", \"volume\": "
		 "\"%s\", \"provider\": \"btrfs\", \"provider_id\": "
		 "\"bbe97604-214d-4547-adc1-ca48143ab1e9\"}]}\n",
		 snap_id, vol);
	write_record("0b8e3f52-7c1a-4e9d-8f2b-3a5c7e9d1f20.json", text);
	write_record("1aaaaaaa-7c1a-4e9d-8f2b-3a5c7e9d1f20.json", "{not json");
	write_record("2aaaaaaa-7c1a-4e9d-8f2b-3a5c7e9d1f20.json",
		     "{\"set_id\": 7, \"snapshots\": {}}");
	write_record("3aaaaaaa-7c1a-4e9d-8f2b-3a5c7e9d1f20.json",
		     "{\"set_id\": \"3aaaaaaa-7c1a-4e9d-8f2b-3a5c7e9d1f20\", "
		     "\"snapshots\": [{\"volume\": \"relative\"}]}");

	fx->daemon_log_to_file = true;
	assert_ok(fx_start_vssd(fx, NULL));
	assert_true(fx_vssd_alive(fx));
	assert_recovered();
	assert_int_equal(record_count(".json.bad"), 3);
	assert_true(log_has("removing shadow copy"));
	assert_true(log_has(snap_id));
}

/* Writers of a test end with it, whether it passed or not. */
static int
stop_writers(void **state)
{
	fx_writers_stop_all(fx);
	return 0;
}

static int
setup(void **state)
{
	(void)state;
	return fx_setup(&fx, 1, 256, &vol, NULL) < 0 ? -1 : 0;
}

static int
teardown(void **state)
{
	int r;

	(void)state;
	r = fx_teardown(fx);
	fx = NULL;
	return r < 0 ? -1 : 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_crash_while_set_pending,
					  stop_writers),
		cmocka_unit_test_teardown(test_records_at_start, stop_writers),
	};

	SKIP_UNLESS_AVAILABLE();
	return cmocka_run_group_tests(tests, setup, teardown);
}
