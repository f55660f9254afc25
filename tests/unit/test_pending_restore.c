/*
 * tests/unit/test_pending_restore.c - restore at reboot (RS-043, RS-044):
 * the pending restore journal of lib/util/pending_restore.h, staged,
 * committed and applied in a temporary tree, then applied by vssd ($VSSD)
 * at start and by `vssd --apply-pending-restores`.
 *
 * Each case has its own directory with a root (the volume), a state
 * directory and an "outside" directory that nothing may ever reach.
 * Needs no root, except test_mount_on_the_way (a tmpfs in a mount
 * namespace of the test's own) and the foreign owner of
 * test_stage_not_ours, which skip without it; the vssd cases skip when
 * $VSSD is not set.  Journals of "another boot" are crafted with a boot
 * id that is not the running one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/beneath.h"
#include "util/pending_restore.h"
#include "util/pending_restore_internal.h"
#include "util/sha256.h"
#include "sys_fixture.h"

/* The directories of one case. */
static char top[64];       /* /tmp/vss-journal-XXXXXX */
static char base[80];      /* top/case */
static char root[96];      /* base/root: the volume */
static char state[96];     /* base/state */
static char outside[96];   /* base/outside: never written */
static char journals[128]; /* state/pending-restores */

/* What the apply logged, one "level message" a line. */
static char logged[16384];

static void
collect_log(int level, const char *message, void *u)
{
	size_t n = strlen(logged);

	(void)u;
	snprintf(logged + n, sizeof(logged) - n, "%d %s\n", level, message);
}

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	remove(path);
	return 0;
}

static void
remove_all(const char *path)
{
	nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

static const char *
at(const char *dir, const char *rel)
{
	return sfx_join(dir, rel);
}

static int
setup(void **st)
{
	(void)st;
	snprintf(base, sizeof(base), "%s/case", top);
	snprintf(root, sizeof(root), "%s/root", base);
	snprintf(state, sizeof(state), "%s/state", base);
	snprintf(outside, sizeof(outside), "%s/outside", base);
	snprintf(journals, sizeof(journals), "%s/%s", state,
		 PENDING_RESTORE_DIR);
	if (mkdir(base, 0755) < 0 || mkdir(root, 0755) < 0 ||
	    mkdir(state, 0700) < 0 || mkdir(outside, 0755) < 0)
		return -1;
	logged[0] = '\0';
	beneath_force_fallback(false);
	return 0;
}

static int
teardown(void **st)
{
	(void)st;
	/* The tmpfs of test_mount_on_the_way, when it failed midway. */
	umount2(at(root, "mnt"), MNT_DETACH);
	remove_all(base);
	return 0;
}

/* ---- helpers --------------------------------------------------------------- */

static void
write_text(int dirfd, const char *name, const char *text, mode_t mode)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(close(fd), 0);
}

static bool
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static mode_t
type_at(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	return st.st_mode & S_IFMT;
}

static ino_t
ino_at(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	return st.st_ino;
}

/* How many names the directory holds (0 also when it is missing). */
static size_t
names_in(const char *dir)
{
	char cmd[PATH_MAX + 64];
	size_t n = 0;
	FILE *f;
	int c;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' 2>/dev/null", dir);
	f = popen(cmd, "r");
	assert_non_null(f);
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	pclose(f);
	return n;
}

static struct pending_restore *
begin(void)
{
	struct pending_restore *p = NULL;

	assert_int_equal(pending_restore_begin(&p, state, root, "/backups/x"),
			 0);
	assert_non_null(p);
	return p;
}

/* Stage a file with text for target. */
static void
stage_file(struct pending_restore *p, const char *target, const char *text)
{
	char name[32];

	assert_non_null(pending_restore_next_name(p, name, sizeof(name)));
	write_text(pending_restore_stage_fd(p), name, text, 0640);
	assert_int_equal(pending_restore_add(p, S_IFREG, target, "w:comp"),
			 0);
}

static const char *
journal_path(const struct pending_restore *p, const char *suffix)
{
	static char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s%s", journals,
		 pending_restore_id(p), suffix);
	return path;
}

static struct pending_restore_result
apply_which(enum pending_restore_which which)
{
	struct pending_restore_result res;

	memset(&res, 0xff, sizeof(res));
	assert_int_equal(pending_restore_apply_all(state, which, collect_log,
						   NULL, &res),
			 0);
	return res;
}

/* As `vssd --apply-pending-restores`: every journal. */
static struct pending_restore_result
apply(void)
{
	return apply_which(PENDING_RESTORE_ALL);
}

static void
expect_result(const struct pending_restore_result *r, size_t journals_n,
	      size_t applied, size_t already, size_t refused, size_t bad)
{
	if (r->journals != journals_n || r->applied != applied ||
	    r->already != already || r->refused != refused ||
	    r->bad_journals != bad || r->deferred != 0)
		print_message("the apply logged:\n%s", logged);
	assert_int_equal(r->journals, journals_n);
	assert_int_equal(r->applied, applied);
	assert_int_equal(r->already, already);
	assert_int_equal(r->refused, refused);
	assert_int_equal(r->bad_journals, bad);
	assert_int_equal(r->deferred, 0);
}

/* The journal directory and the staging directory hold nothing. */
static void
expect_nothing_pending(void)
{
	assert_int_equal(names_in(journals), 0);
	assert_false(exists(at(root, PENDING_STAGE_DIR)));
}

/* A boot id that is not the running one's. */
#define OTHER_BOOT "00000000-0000-0000-0000-000000000000"

/*
 * Entry line (JSON) with what staging records and the line does not
 * give filled in from the staged object of journal id (ino, size, a
 * directory's times; zeros when nothing is staged), into out.
 */
static void
complete_entry(const char *id, const char *line, char *out, size_t outlen)
{
	char staged[PATH_MAX], *text;
	json_t *o, *type, *n;
	struct stat st;
	json_error_t jerr;

	o = json_loads(line, 0, &jerr);
	assert_non_null(o);
	type = json_object_get(o, "type");
	n = json_object_get(o, "n");
	if (!json_object_get(o, "ino") && json_is_integer(n)) {
		snprintf(staged, sizeof(staged), "%s/%s/%s/%lld", root,
			 PENDING_STAGE_DIR, id,
			 (long long)json_integer_value(n));
		if (lstat(staged, &st) < 0)
			memset(&st, 0, sizeof(st));
		json_object_set_new(o, "ino", json_integer((json_int_t)
							   pr_ino(st.st_ino)));
		json_object_set_new(o, "size", json_integer(st.st_size));
		if (json_is_string(type) &&
		    strcmp(json_string_value(type), "dir") == 0) {
			json_object_set_new(o, "atime_ns", json_integer(
				st.st_atim.tv_sec * 1000000000LL +
				st.st_atim.tv_nsec));
			json_object_set_new(o, "mtime_ns", json_integer(
				st.st_mtim.tv_sec * 1000000000LL +
				st.st_mtim.tv_nsec));
		}
	}
	text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_non_null(text);
	snprintf(out, outlen, "%s", text);
	free(text);
	json_decref(o);
}

/*
 * A journal of boot boot with a valid digest from header fields and
 * entry lines (each without its newline, NULL-terminated; completed by
 * complete_entry(), so the staged objects are made first), as
 * <id>.journal.
 */
static void
craft_journal_boot(const char *id, uint64_t created_ns, const char *boot,
		   const char *const *lines)
{
	char text[8192], hex[65], line[1024];
	size_t n, count = 0;
	int dfd;

	n = (size_t)snprintf(text, sizeof(text),
			     "{\"format\":\"vss-pending-restore\","
			     "\"version\":2,"
			     "\"id\":\"%s\",\"boot_id\":\"%s\","
			     "\"created_ns\":%llu,"
			     "\"backup_set\":\"/b\",\"root\":\"%s\"}\n",
			     id, boot, (unsigned long long)created_ns, root);
	for (; lines[count]; count++) {
		complete_entry(id, lines[count], line, sizeof(line));
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s\n",
				      line);
	}
	assert_int_equal(sha256_buf_hex(text, n, hex), 0);
	snprintf(text + n, sizeof(text) - n,
		 "{\"end\":%zu,\"sha256\":\"%s\"}\n", count, hex);
	assert_int_equal(mkdir(journals, 0700) < 0 && errno != EEXIST, 0);
	dfd = open(journals, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	snprintf(hex, sizeof(hex), "%s.journal", id);
	write_text(dfd, hex, text, 0600);
	close(dfd);
}

/* The same, staged during another boot than this one. */
static void
craft_journal(const char *id, uint64_t created_ns, const char *const *lines)
{
	craft_journal_boot(id, created_ns, OTHER_BOOT, lines);
}

/* How many staged objects the refused entries of id left, kept. */
static size_t
kept_refused(const char *id)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s/%s.refused", root,
		 PENDING_STAGE_DIR, id);
	assert_true(exists(path));
	return names_in(path);
}

/* A staging directory for a crafted journal, its fd (caller closes). */
static int
craft_stage(const char *id)
{
	int fd;

	assert_int_equal(mkdir(at(root, PENDING_STAGE_DIR), 0700) < 0 &&
				 errno != EEXIST,
			 0);
	assert_int_equal(mkdir(at(at(root, PENDING_STAGE_DIR), id), 0700), 0);
	fd = open(at(at(root, PENDING_STAGE_DIR), id),
		  O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

/* A committed journal restoring f with text. */
static void
stage_one(const char *target, const char *text)
{
	struct pending_restore *p = begin();

	stage_file(p, target, text);
	assert_int_equal(pending_restore_commit(p), 0);
	pending_restore_free(p);
}

#define ID_A "0123456789abcdef0123456789abcdef"
#define ID_B "fedcba9876543210fedcba9876543210"

/* ---- stage, commit, apply ------------------------------------------------ */

/*
 * Every kind of object, in place over an old file and in parents that
 * do not exist yet; a hard link pair stays one inode; a directory made
 * from a "dir" entry keeps the staged directory's mode and times.
 */
static void
round_trip(void)
{
	struct timespec old_times[2] = { { 1000000, 0 }, { 1000000, 0 } };
	struct pending_restore_result res;
	struct pending_restore *p;
	char name[32], *text;
	struct stat st;
	size_t len;
	int sfd;

	assert_int_equal(mkdir(at(root, "etc"), 0755), 0);
	write_text(AT_FDCWD, at(root, "etc/app.conf"), "old\n", 0644);
	p = begin();
	sfd = pending_restore_stage_fd(p);
	stage_file(p, "etc/app.conf", "new\n");
	/* The directory first, so that its contents land in it. */
	assert_string_equal(pending_restore_next_name(p, name, sizeof(name)),
			    "2");
	assert_int_equal(mkdirat(sfd, name, 0750), 0);
	assert_int_equal(utimensat(sfd, name, old_times, 0), 0);
	assert_int_equal(pending_restore_add(p, S_IFDIR, "data", NULL), 0);
	stage_file(p, "data/a", "linked\n");
	assert_non_null(pending_restore_next_name(p, name, sizeof(name)));
	assert_int_equal(linkat(sfd, "3", sfd, name, 0), 0);
	assert_int_equal(pending_restore_add(p, S_IFREG, "data/b", NULL), 0);
	assert_non_null(pending_restore_next_name(p, name, sizeof(name)));
	assert_int_equal(symlinkat("a", sfd, name), 0);
	assert_int_equal(pending_restore_add(p, S_IFLNK, "data/link", NULL),
			 0);
	assert_non_null(pending_restore_next_name(p, name, sizeof(name)));
	assert_int_equal(mkfifoat(sfd, name, 0600), 0);
	assert_int_equal(pending_restore_add(p, S_IFIFO, "data/fifo", NULL),
			 0);
	stage_file(p, "x/y/z", "deep\n");
	assert_int_equal(pending_restore_commit(p), 0);

	/* Committed: the journal reads back whole. */
	assert_false(exists(journal_path(p, ".journal.tmp")));
	text = strdup(sfx_read_file(journal_path(p, ".journal")));
	assert_non_null(text);
	len = strlen(text);
	assert_int_equal(pending_restore_parse(text, len, name, sizeof(name)),
			 0);
	free(text);
	/* Nothing moved before the apply. */
	assert_string_equal(sfx_read_file(at(root, "etc/app.conf")), "old\n");
	pending_restore_free(p);

	res = apply();
	expect_result(&res, 1, 7, 0, 0, 0);
	assert_string_equal(sfx_read_file(at(root, "etc/app.conf")), "new\n");
	assert_int_equal(lstat(at(root, "etc/app.conf"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_string_equal(sfx_read_file(at(root, "data/b")), "linked\n");
	assert_int_equal(ino_at(at(root, "data/a")), ino_at(at(root, "data/b")));
	assert_int_equal(lstat(at(root, "data/a"), &st), 0);
	assert_int_equal(st.st_nlink, 2);
	assert_int_equal(type_at(at(root, "data/link")), S_IFLNK);
	assert_int_equal(readlink(at(root, "data/link"), name, sizeof(name)), 1);
	assert_int_equal(type_at(at(root, "data/fifo")), S_IFIFO);
	assert_int_equal(lstat(at(root, "data"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
	assert_int_equal(st.st_mtim.tv_sec, 1000000);
	assert_int_equal(type_at(at(root, "x/y")), S_IFDIR);
	assert_string_equal(sfx_read_file(at(root, "x/y/z")), "deep\n");
	expect_nothing_pending();
	assert_non_null(strstr(logged, "0 pending restore "));

	/* Applying again finds nothing to do. */
	res = apply();
	expect_result(&res, 0, 0, 0, 0, 0);
}

static void
test_round_trip(void **st)
{
	(void)st;
	round_trip();
}

/* The same on a kernel without openat2() (RESOLVE_* by hand). */
static void
test_round_trip_without_openat2(void **st)
{
	(void)st;
	beneath_force_fallback(true);
	round_trip();
}

/* free() without commit: staging gone, no journal, outside untouched. */
static void
test_free_without_commit(void **st)
{
	struct pending_restore *p;
	char name[32];
	int sfd;

	(void)st;
	write_text(AT_FDCWD, at(outside, "keep"), "keep\n", 0644);
	p = begin();
	sfd = pending_restore_stage_fd(p);
	stage_file(p, "a", "a\n");
	/* A link to outside in the staging tree is removed, not followed. */
	assert_non_null(pending_restore_next_name(p, name, sizeof(name)));
	assert_int_equal(symlinkat(outside, sfd, name), 0);
	assert_int_equal(pending_restore_add(p, S_IFLNK, "l", NULL), 0);
	assert_non_null(pending_restore_next_name(p, name, sizeof(name)));
	assert_int_equal(mkdirat(sfd, name, 0755), 0);
	pending_restore_free(p);
	expect_nothing_pending();
	assert_false(exists(at(root, "a")));
	assert_string_equal(sfx_read_file(at(outside, "keep")), "keep\n");
	pending_restore_free(NULL);
}

/* What the staging API refuses, and that a refusal records nothing. */
static void
test_bad_arguments(void **st)
{
	static const char *const bad_targets[] = {
		"", "/etc/passwd", "../x", "a/../b", "./a", "a/.", "a//b",
		"a/", PENDING_STAGE_DIR, PENDING_STAGE_DIR "/x/1",
	};
	struct pending_restore_result res;
	struct pending_restore *p = NULL;
	char name[32];
	size_t i;
	int sfd;

	(void)st;
	assert_int_equal(pending_restore_begin(&p, state, "relative", "b"),
			 -EINVAL);
	assert_int_equal(pending_restore_begin(&p, state, "/a/../b", "b"),
			 -EINVAL);
	assert_int_equal(pending_restore_begin(&p, state, root, "\xff"),
			 -EILSEQ);
	assert_null(p);
	p = begin();
	sfd = pending_restore_stage_fd(p);
	/* Nothing staged under the name yet. */
	assert_int_equal(pending_restore_add(p, S_IFREG, "a", NULL), -ENOENT);
	assert_null(pending_restore_next_name(p, name, 1));
	assert_non_null(pending_restore_next_name(p, name, sizeof(name)));
	write_text(sfd, name, "x", 0644);
	for (i = 0; i < sizeof(bad_targets) / sizeof(bad_targets[0]); i++)
		assert_int_equal(pending_restore_add(p, S_IFREG,
						     bad_targets[i], NULL),
				 -EINVAL);
	assert_int_equal(pending_restore_add(p, S_IFREG, "a\xff", NULL),
			 -EILSEQ);
	/* Not the staged object's type; not a type a journal has. */
	assert_int_equal(pending_restore_add(p, S_IFDIR, "a", NULL), -EINVAL);
	assert_int_equal(pending_restore_add(p, S_IFSOCK, "a", NULL), -EINVAL);
	assert_int_equal(pending_restore_add(p, S_IFREG, "a", NULL), 0);
	assert_int_equal(pending_restore_commit(p), 0);
	assert_int_equal(pending_restore_commit(p), -EINVAL);
	assert_int_equal(pending_restore_add(p, S_IFREG, "b", NULL), -EINVAL);
	pending_restore_free(p);
	/* One entry: the refused calls left no trace. */
	res = apply();
	expect_result(&res, 1, 1, 0, 0, 0);
}

/* ---- crashes ------------------------------------------------------------------ */

/* A crash after some renames: the next apply finishes (RS-043). */
static void
test_crash_midway(void **st)
{
	struct pending_restore_result res;
	struct pending_restore *p;
	char stage[PATH_MAX];

	(void)st;
	p = begin();
	stage_file(p, "one", "1\n");
	stage_file(p, "sub/two", "2\n");
	stage_file(p, "three", "3\n");
	assert_int_equal(pending_restore_commit(p), 0);
	snprintf(stage, sizeof(stage), "%s/%s/%s", root, PENDING_STAGE_DIR,
		 pending_restore_id(p));
	pending_restore_free(p);
	/* What the crashed apply did: entries 1 and 2. */
	assert_int_equal(rename(at(stage, "1"), at(root, "one")), 0);
	assert_int_equal(mkdir(at(root, "sub"), 0755), 0);
	assert_int_equal(rename(at(stage, "2"), at(root, "sub/two")), 0);

	res = apply();
	expect_result(&res, 1, 1, 2, 0, 0);
	assert_string_equal(sfx_read_file(at(root, "one")), "1\n");
	assert_string_equal(sfx_read_file(at(root, "sub/two")), "2\n");
	assert_string_equal(sfx_read_file(at(root, "three")), "3\n");
	expect_nothing_pending();
}

/*
 * A crash after the staging directory went but before the journal did:
 * every target is there, so all of it was applied.  With targets
 * missing too it is a volume not mounted yet: left for later.
 */
static void
test_crash_before_journal_removed(void **st)
{
	static const char *const entries[] = {
		"{\"n\":1,\"type\":\"file\",\"target\":\"f\",\"component\":null}",
		NULL,
	};
	struct pending_restore_result res;

	(void)st;
	craft_journal(ID_A, 1, entries);
	res = apply();
	assert_int_equal(res.deferred, 1);
	assert_int_equal(res.journals, 0);
	assert_true(exists(at(journals, ID_A ".journal")));
	assert_non_null(strstr(logged, "left for a later start"));

	write_text(AT_FDCWD, at(root, "f"), "restored\n", 0644);
	res = apply();
	expect_result(&res, 1, 0, 1, 0, 0);
	assert_string_equal(sfx_read_file(at(root, "f")), "restored\n");
	expect_nothing_pending();
}

/*
 * A crash after the directory of a "dir" entry and one file went in:
 * the next apply renames the rest into it and sets the directory's
 * times from the journal again.
 */
static void
test_dir_times_after_crash(void **st)
{
	struct timespec t[2] = { { 2000000, 5 }, { 3000000, 7 } };
	struct pending_restore_result res;
	struct pending_restore *p;
	char stage[PATH_MAX], name[32];
	struct stat sb;
	int sfd;

	(void)st;
	p = begin();
	sfd = pending_restore_stage_fd(p);
	assert_non_null(pending_restore_next_name(p, name, sizeof(name)));
	assert_int_equal(mkdirat(sfd, name, 0750), 0);
	assert_int_equal(utimensat(sfd, name, t, 0), 0);
	assert_int_equal(pending_restore_add(p, S_IFDIR, "d", NULL), 0);
	stage_file(p, "d/a", "a\n");
	stage_file(p, "d/b", "b\n");
	assert_int_equal(pending_restore_commit(p), 0);
	snprintf(stage, sizeof(stage), "%s/%s/%s", root, PENDING_STAGE_DIR,
		 pending_restore_id(p));
	pending_restore_free(p);
	/* What the crashed apply did: the directory and d/a. */
	assert_int_equal(rename(at(stage, "1"), at(root, "d")), 0);
	assert_int_equal(rename(at(stage, "2"), at(root, "d/a")), 0);

	res = apply();
	expect_result(&res, 1, 1, 2, 0, 0);
	assert_int_equal(lstat(at(root, "d"), &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0750);
	assert_int_equal(sb.st_atim.tv_sec, 2000000);
	assert_int_equal(sb.st_atim.tv_nsec, 5);
	assert_int_equal(sb.st_mtim.tv_sec, 3000000);
	assert_int_equal(sb.st_mtim.tv_nsec, 7);
	assert_string_equal(sfx_read_file(at(root, "d/b")), "b\n");
	expect_nothing_pending();
}

/*
 * A journal staged during the running boot is for the next one: an
 * apply of other boots' journals (vssd's start) leaves it, an apply of
 * all (--apply-pending-restores) takes it; another boot's, and one
 * without a boot id, are taken by both.
 */
static void
test_this_boot(void **st)
{
	static const char *const entries[] = {
		"{\"n\":1,\"type\":\"file\",\"target\":\"g\","
		"\"component\":null}",
		NULL,
	};
	struct pending_restore_result res;
	char boot[PR_BOOT_ID_MAX + 1];
	int sfd;

	(void)st;
	pr_boot_id(boot);
	if (!boot[0]) {
		print_message("no boot id to read: skipped\n");
		skip();
	}
	write_text(AT_FDCWD, at(root, "f"), "damaged\n", 0644);
	stage_one("f", "restored\n");
	res = apply_which(PENDING_RESTORE_OTHER_BOOTS);
	expect_result(&res, 0, 0, 0, 0, 0);
	assert_int_equal(res.this_boot, 1);
	assert_string_equal(sfx_read_file(at(root, "f")), "damaged\n");
	assert_int_equal(names_in(journals), 1);
	assert_non_null(strstr(logged, "staged during this boot"));
	res = apply();
	expect_result(&res, 1, 1, 0, 0, 0);
	assert_int_equal(res.this_boot, 0);
	assert_string_equal(sfx_read_file(at(root, "f")), "restored\n");

	sfd = craft_stage(ID_A);
	write_text(sfd, "1", "other boot\n", 0644);
	close(sfd);
	craft_journal(ID_A, 1, entries);
	res = apply_which(PENDING_RESTORE_OTHER_BOOTS);
	expect_result(&res, 1, 1, 0, 0, 0);
	assert_string_equal(sfx_read_file(at(root, "g")), "other boot\n");

	sfd = craft_stage(ID_B);
	write_text(sfd, "1", "no boot id\n", 0644);
	close(sfd);
	craft_journal_boot(ID_B, 1, "", entries);
	res = apply_which(PENDING_RESTORE_OTHER_BOOTS);
	expect_result(&res, 1, 1, 0, 0, 0);
	assert_string_equal(sfx_read_file(at(root, "g")), "no boot id\n");
	expect_nothing_pending();
	assert_int_equal(pending_restore_apply_all(state, 7, NULL, NULL, NULL),
			 -EINVAL);
}

/*
 * A .vss-pending-restore that others may write in, or that another user
 * owns: staging refused, and a journal staged there is not applied.
 */
static void
test_stage_not_ours(void **st)
{
	struct pending_restore_result res;
	struct pending_restore *p = NULL;
	const char *sdir = at(root, PENDING_STAGE_DIR);
	char path[PATH_MAX];

	(void)st;
	snprintf(path, sizeof(path), "%s", sdir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(chmod(path, 0777), 0);
	assert_int_equal(pending_restore_begin(&p, state, root, "/b"), -EPERM);
	assert_int_equal(chmod(path, 0720), 0);
	assert_int_equal(pending_restore_begin(&p, state, root, "/b"), -EPERM);
	assert_null(p);
	assert_int_equal(chmod(path, 0700), 0);
	if (geteuid() == 0) {
		assert_int_equal(chown(path, 1234, 0), 0);
		assert_int_equal(pending_restore_begin(&p, state, root, "/b"),
				 -EPERM);
		assert_int_equal(chown(path, 0, 0), 0);
	}
	stage_one("f", "f\n");
	assert_int_equal(chmod(path, 0777), 0);
	res = apply();
	assert_int_equal(res.deferred, 1);
	assert_int_equal(res.applied, 0);
	assert_false(exists(at(root, "f")));
	assert_int_equal(names_in(journals), 1);
	assert_non_null(strstr(logged, "others may write in it"));
	assert_int_equal(chmod(path, 0700), 0);
	res = apply();
	expect_result(&res, 1, 1, 0, 0, 0);
	assert_string_equal(sfx_read_file(at(root, "f")), "f\n");
}

/*
 * A staged object that is not the one recorded (another inode, another
 * size) is refused and kept with the refused entries' objects.
 */
static void
test_staged_object_swapped(void **st)
{
	struct pending_restore_result res;
	struct pending_restore *p;
	char stage[PATH_MAX], id[PR_ID_LEN + 1];
	int sfd;

	(void)st;
	p = begin();
	stage_file(p, "f", "good\n");
	stage_file(p, "g", "good\n");
	stage_file(p, "h", "good\n");
	assert_int_equal(pending_restore_commit(p), 0);
	snprintf(stage, sizeof(stage), "%s/%s/%s", root, PENDING_STAGE_DIR,
		 pending_restore_id(p));
	snprintf(id, sizeof(id), "%s", pending_restore_id(p));
	pending_restore_free(p);
	sfd = open(stage, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(sfd >= 0);
	/* 1: the same size, another inode; 2: the same inode, longer. */
	write_text(sfd, "new", "evil\n", 0640);
	assert_int_equal(renameat(sfd, "new", sfd, "1"), 0);
	write_text(sfd, "2", "good and more\n", 0640);
	close(sfd);
	res = apply();
	expect_result(&res, 1, 1, 0, 2, 0);
	assert_false(exists(at(root, "f")));
	assert_false(exists(at(root, "g")));
	assert_string_equal(sfx_read_file(at(root, "h")), "good\n");
	assert_non_null(strstr(logged, "not the one staged"));
	assert_int_equal(kept_refused(id), 2);
	assert_int_equal(names_in(journals), 0);
}

/* A FIFO named like a journal: set aside at once, never waited on. */
static void
test_fifo_journal(void **st)
{
	struct pending_restore_result res;

	(void)st;
	assert_int_equal(mkdir(journals, 0700), 0);
	assert_int_equal(mkfifo(at(journals, ID_A ".journal"), 0600), 0);
	res = apply();
	expect_result(&res, 0, 0, 0, 0, 1);
	assert_true(exists(at(journals, ID_A ".journal.bad")));
	assert_int_equal(type_at(at(journals, ID_A ".journal.bad")), S_IFIFO);
}

/* A journal whose root is not there (not mounted): left for later. */
static void
test_root_missing(void **st)
{
	struct pending_restore_result res;
	struct pending_restore *p;
	char moved[PATH_MAX];

	(void)st;
	p = begin();
	stage_file(p, "f", "f\n");
	assert_int_equal(pending_restore_commit(p), 0);
	pending_restore_free(p);
	snprintf(moved, sizeof(moved), "%s/elsewhere", base);
	assert_int_equal(rename(root, moved), 0);
	res = apply();
	assert_int_equal(res.deferred, 1);
	assert_int_equal(res.applied, 0);
	assert_int_equal(names_in(journals), 1);
	assert_int_equal(rename(moved, root), 0);
	res = apply();
	expect_result(&res, 1, 1, 0, 0, 0);
	assert_string_equal(sfx_read_file(at(root, "f")), "f\n");
}

/* ---- damaged and hostile journals ------------------------------------------- */

/*
 * Nothing of the damaged journal id is applied; it is kept as .bad with
 * its staged objects, for the administrator.
 */
static void
expect_set_aside(const char *id, size_t staged)
{
	struct pending_restore_result res;
	char path[PATH_MAX];

	logged[0] = '\0';
	res = apply();
	expect_result(&res, 0, 0, 0, 0, 1);
	snprintf(path, sizeof(path), "%s/%s.journal", journals, id);
	assert_false(exists(path));
	snprintf(path, sizeof(path), "%s/%s.journal.bad", journals, id);
	assert_true(exists(path));
	assert_non_null(strstr(logged, "is damaged"));
	snprintf(path, sizeof(path), "%s/%s/%s", root, PENDING_STAGE_DIR, id);
	assert_int_equal(names_in(path), staged);
}

/* A changed byte (the digest no longer matches) or a cut journal. */
static void
test_damaged_journal(void **st)
{
	struct pending_restore *p;
	char path[PATH_MAX], id[PR_ID_LEN + 1], *text, *hit;
	int dfd;

	(void)st;
	for (int cut = 0; cut < 2; cut++) {
		p = begin();
		stage_file(p, "victim", "new\n");
		assert_int_equal(pending_restore_commit(p), 0);
		snprintf(path, sizeof(path), "%s",
			 journal_path(p, ".journal"));
		snprintf(id, sizeof(id), "%s", pending_restore_id(p));
		pending_restore_free(p);
		text = strdup(sfx_read_file(path));
		assert_non_null(text);
		if (cut) {
			/* Torn before the end record. */
			*strrchr(text, '{') = '\0';
		} else {
			hit = strstr(text, "victim");
			assert_non_null(hit);
			hit[0] = 'V';
		}
		dfd = open(journals, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		write_text(dfd, strrchr(path, '/') + 1, text, 0600);
		close(dfd);
		free(text);
		expect_set_aside(id, 1);
		assert_false(exists(at(root, "victim")));
		assert_false(exists(at(root, "Victim")));
		assert_non_null(strstr(logged, cut ? "truncated" : "hash"));
	}
}

/* A journal with "..", an absolute or an unclean path: refused whole. */
static void
test_escaping_paths(void **st)
{
	static const char *const targets[] = {
		"../outside/x", "/etc/x", "a/../../outside/x", "./x", "a//b",
		PENDING_STAGE_DIR "/" ID_A "/1",
	};
	char line[256];
	const char *entries[3];
	size_t i;
	int sfd;

	(void)st;
	for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		sfd = craft_stage(ID_A);
		write_text(sfd, "1", "good\n", 0644);
		write_text(sfd, "2", "evil\n", 0644);
		close(sfd);
		snprintf(line, sizeof(line),
			 "{\"n\":2,\"type\":\"file\",\"target\":\"%s\","
			 "\"component\":null}", targets[i]);
		entries[0] = "{\"n\":1,\"type\":\"file\",\"target\":\"good\","
			     "\"component\":null}";
		entries[1] = line;
		entries[2] = NULL;
		craft_journal(ID_A, 1, entries);
		expect_set_aside(ID_A, 2);
		/* Not even the good entry before it. */
		assert_false(exists(at(root, "good")));
		assert_int_equal(names_in(outside), 0);
		assert_false(exists(at(base, "x")));
		remove_all(at(root, PENDING_STAGE_DIR));
		remove_all(journals);
	}
}

/*
 * A symbolic link in the tree where the journal expects a directory
 * (planted after staging): that entry is refused, nothing lands outside,
 * the rest is applied.
 */
static void
test_symlink_on_the_way(void **st)
{
	static const char *const entries[] = {
		"{\"n\":1,\"type\":\"file\",\"target\":\"evil/x\","
		"\"component\":null}",
		"{\"n\":2,\"type\":\"file\",\"target\":\"deep/evil/x\","
		"\"component\":null}",
		"{\"n\":3,\"type\":\"file\",\"target\":\"good\","
		"\"component\":\"c\"}",
		NULL,
	};
	struct pending_restore_result res;
	int sfd;

	(void)st;
	for (int fallback = 0; fallback < 2; fallback++) {
		beneath_force_fallback(fallback);
		sfd = craft_stage(ID_A);
		write_text(sfd, "1", "evil\n", 0644);
		write_text(sfd, "2", "evil\n", 0644);
		write_text(sfd, "3", "good\n", 0644);
		close(sfd);
		assert_int_equal(symlink(outside, at(root, "evil")), 0);
		assert_int_equal(mkdir(at(root, "deep"), 0755), 0);
		assert_int_equal(symlink("..", at(root, "deep/evil")), 0);
		craft_journal(ID_A, 1, entries);
		logged[0] = '\0';
		res = apply();
		expect_result(&res, 1, 1, 0, 2, 0);
		assert_int_equal(names_in(outside), 0);
		assert_false(exists(at(root, "x")));
		assert_string_equal(sfx_read_file(at(root, "good")), "good\n");
		assert_non_null(strstr(logged, "symbolic link"));
		/* The refused entries' objects are kept, the journal gone. */
		assert_int_equal(names_in(journals), 0);
		assert_int_equal(kept_refused(ID_A), 2);
		assert_non_null(strstr(logged, ID_A ".refused"));
		remove_all(at(root, PENDING_STAGE_DIR));
		remove_all(at(root, "evil"));
		remove_all(at(root, "deep"));
		remove_all(at(root, "good"));
	}
}

/* An object of another kind at the target, or staged: refused. */
static void
test_type_clash(void **st)
{
	static const char *const entries[] = {
		"{\"n\":1,\"type\":\"file\",\"target\":\"isdir\","
		"\"component\":null}",
		"{\"n\":2,\"type\":\"dir\",\"target\":\"isfile\","
		"\"component\":null}",
		"{\"n\":3,\"type\":\"symlink\",\"target\":\"wrongstaged\","
		"\"component\":null}",
		"{\"n\":4,\"type\":\"dir\",\"target\":\"isdir\","
		"\"component\":null}",
		"{\"n\":5,\"type\":\"file\",\"target\":\"isfile/below\","
		"\"component\":null}",
		NULL,
	};
	struct pending_restore_result res;
	struct stat st1;
	int sfd;

	(void)st;
	sfd = craft_stage(ID_A);
	write_text(sfd, "1", "f\n", 0644);
	assert_int_equal(mkdirat(sfd, "2", 0700), 0);
	write_text(sfd, "3", "not a link\n", 0644);
	assert_int_equal(mkdirat(sfd, "4", 0700), 0);
	write_text(sfd, "5", "f\n", 0644);
	close(sfd);
	assert_int_equal(mkdir(at(root, "isdir"), 0755), 0);
	write_text(AT_FDCWD, at(root, "isfile"), "file\n", 0644);
	craft_journal(ID_A, 1, entries);
	res = apply();
	/* The existing directory of entry 4 is kept as it is. */
	expect_result(&res, 1, 1, 0, 4, 0);
	assert_int_equal(type_at(at(root, "isdir")), S_IFDIR);
	assert_int_equal(lstat(at(root, "isdir"), &st1), 0);
	assert_int_equal(st1.st_mode & 07777, 0755);
	assert_string_equal(sfx_read_file(at(root, "isfile")), "file\n");
	assert_false(exists(at(root, "wrongstaged")));
	assert_non_null(strstr(logged, "a directory is where a file goes"));
	assert_non_null(strstr(logged, "a file is where a directory goes"));
	assert_non_null(strstr(logged, "the staged object is a file"));
	assert_int_equal(names_in(journals), 0);
	/* 1, 2, 3 and 5 refused; 4 staged for a directory kept. */
	assert_int_equal(kept_refused(ID_A), 5);
}

/* A stale .tmp (a crash while writing it) is removed, nothing applied. */
static void
test_stale_tmp(void **st)
{
	struct pending_restore_result res;
	struct pending_restore *p;
	char tmp[PATH_MAX];

	(void)st;
	p = begin();
	stage_file(p, "f", "f\n");
	assert_int_equal(pending_restore_commit(p), 0);
	snprintf(tmp, sizeof(tmp), "%s", journal_path(p, ".journal.tmp"));
	assert_int_equal(rename(journal_path(p, ".journal"), tmp), 0);
	pending_restore_free(p);
	res = apply();
	expect_result(&res, 0, 0, 0, 0, 0);
	assert_false(exists(tmp));
	assert_false(exists(at(root, "f")));
	assert_int_equal(names_in(journals), 0);
	assert_non_null(strstr(logged, "unfinished"));
}

/* Oldest first: the later restore of the same file wins. */
static void
test_oldest_first(void **st)
{
	static const char *const entries[] = {
		"{\"n\":1,\"type\":\"file\",\"target\":\"f\",\"component\":null}",
		NULL,
	};
	struct pending_restore_result res;
	char stage[PATH_MAX];
	int fd;

	(void)st;
	/* B sorts after A by name, but was made first. */
	assert_int_equal(mkdir(at(root, PENDING_STAGE_DIR), 0700), 0);
	snprintf(stage, sizeof(stage), "%s/%s", root, PENDING_STAGE_DIR);
	assert_int_equal(mkdir(at(stage, ID_A), 0700), 0);
	assert_int_equal(mkdir(at(stage, ID_B), 0700), 0);
	fd = open(at(stage, ID_A), O_RDONLY | O_DIRECTORY);
	write_text(fd, "1", "newer\n", 0644);
	close(fd);
	fd = open(at(stage, ID_B), O_RDONLY | O_DIRECTORY);
	write_text(fd, "1", "older\n", 0644);
	close(fd);
	craft_journal(ID_A, 200, entries);
	craft_journal(ID_B, 100, entries);
	res = apply();
	expect_result(&res, 2, 2, 0, 0, 0);
	assert_string_equal(sfx_read_file(at(root, "f")), "newer\n");
	assert_true(strstr(logged, ID_B) < strstr(logged, ID_A));
	expect_nothing_pending();
}

/* A file system mounted on the way (RESOLVE_NO_XDEV); root only. */
static void
test_mount_on_the_way(void **st)
{
	static const char *const entries[] = {
		"{\"n\":1,\"type\":\"file\",\"target\":\"mnt/x\","
		"\"component\":null}",
		NULL,
	};
	struct pending_restore_result res;
	int sfd;

	(void)st;
	if (geteuid() != 0)
		skip();
	assert_int_equal(mkdir(at(root, "mnt"), 0755), 0);
	assert_int_equal(sfx_mount("tmpfs", at(root, "mnt"), "tmpfs", 0,
				   NULL),
			 0);
	for (int fallback = 0; fallback < 2; fallback++) {
		beneath_force_fallback(fallback);
		sfd = craft_stage(ID_A);
		write_text(sfd, "1", "x\n", 0644);
		close(sfd);
		craft_journal(ID_A, 1, entries);
		res = apply();
		expect_result(&res, 1, 0, 0, 1, 0);
		assert_int_equal(names_in(at(root, "mnt")), 0);
		assert_non_null(strstr(logged, "another file system"));
		assert_int_equal(kept_refused(ID_A), 1);
		remove_all(at(root, PENDING_STAGE_DIR));
	}
	assert_int_equal(umount(at(root, "mnt")), 0);
}

/* ---- the parser -------------------------------------------------------------- */

static void
expect_parse_error(const char *text, const char *what)
{
	char err[256];

	assert_int_equal(pending_restore_parse(text, strlen(text), err,
					       sizeof(err)),
			 -EBADMSG);
	if (!strstr(err, what))
		fail_msg("error \"%s\" lacks \"%s\"", err, what);
}

static void
test_parse(void **st)
{
	static const char header[] =
		"{\"format\":\"vss-pending-restore\",\"version\":2,\"id\":\""
		ID_A "\",\"boot_id\":\"b\",\"created_ns\":5,"
		"\"backup_set\":\"/b\",\"root\":\"/r\"}\n";
	char text[1024], hex[65];
	size_t n;

	(void)st;
	n = (size_t)snprintf(text, sizeof(text), "%s", header);
	assert_int_equal(sha256_buf_hex(text, n, hex), 0);
	snprintf(text + n, sizeof(text) - n,
		 "{\"end\":0,\"sha256\":\"%s\"}\n", hex);
	assert_int_equal(pending_restore_parse(text, strlen(text), NULL, 0),
			 0);
	expect_parse_error("", "empty");
	expect_parse_error(header, "truncated");
	expect_parse_error("[]\n", "not a JSON object");
	expect_parse_error("{\"format\":\"x\"}\n", "no \"version\"");
	expect_parse_error("{\"format\":\"x\",\"bogus\":1}\n",
			   "unknown key \"bogus\"");
	expect_parse_error("{\"format\":\"x\",\"format\":\"y\"}\n", "JSON");
	expect_parse_error("{\"format\":\"vss-backup-set\",\"version\":2,"
			   "\"id\":\"" ID_A "\",\"boot_id\":\"\","
			   "\"created_ns\":5,"
			   "\"backup_set\":\"/b\",\"root\":\"/r\"}\n",
			   "not a pending restore journal");
	/* Version 1 had no boot id, inode or size: refused. */
	expect_parse_error("{\"format\":\"vss-pending-restore\",\"version\":1,"
			   "\"id\":\"" ID_A "\",\"boot_id\":\"\","
			   "\"created_ns\":5,"
			   "\"backup_set\":\"/b\",\"root\":\"/r\"}\n",
			   "version 1");
	expect_parse_error("{\"format\":\"vss-pending-restore\",\"version\":2,"
			   "\"id\":\"" ID_A "\",\"created_ns\":5,"
			   "\"backup_set\":\"/b\",\"root\":\"/r\"}\n",
			   "no \"boot_id\"");
	expect_parse_error("{\"format\":\"vss-pending-restore\",\"version\":2,"
			   "\"id\":\"" ID_A "\",\"boot_id\":\"0123456789"
			   "0123456789012345678901234567890123456789012345678"
			   "901234567890\",\"created_ns\":5,"
			   "\"backup_set\":\"/b\",\"root\":\"/r\"}\n",
			   "\"boot_id\" is longer");
	expect_parse_error("{\"format\":\"vss-pending-restore\",\"version\":2,"
			   "\"id\":\"../x\",\"boot_id\":\"\",\"created_ns\":5,"
			   "\"backup_set\":\"/b\",\"root\":\"/r\"}\n",
			   "\"id\"");
	expect_parse_error("{\"format\":\"vss-pending-restore\",\"version\":2,"
			   "\"id\":\"" ID_A "\",\"boot_id\":\"\","
			   "\"created_ns\":5,"
			   "\"backup_set\":\"/b\",\"root\":\"r\"}\n",
			   "\"root\"");
	snprintf(text, sizeof(text), "%s%s", header,
		 "{\"n\":2,\"type\":\"file\",\"target\":\"a\","
		 "\"component\":null,\"ino\":1,\"size\":0}\n");
	expect_parse_error(text, "entry 2 where entry 1 belongs");
	snprintf(text, sizeof(text), "%s%s", header,
		 "{\"n\":1,\"type\":\"socket\",\"target\":\"a\","
		 "\"component\":null,\"ino\":1,\"size\":0}\n");
	expect_parse_error(text, "unknown type");
	snprintf(text, sizeof(text), "%s%s", header,
		 "{\"n\":1,\"type\":\"file\",\"target\":\"a\","
		 "\"component\":7,\"ino\":1,\"size\":0}\n");
	expect_parse_error(text, "\"component\"");
	/* No inode; times on a file; a directory without its times. */
	snprintf(text, sizeof(text), "%s%s", header,
		 "{\"n\":1,\"type\":\"file\",\"target\":\"a\","
		 "\"component\":null,\"size\":0}\n");
	expect_parse_error(text, "no \"ino\"");
	snprintf(text, sizeof(text), "%s%s", header,
		 "{\"n\":1,\"type\":\"file\",\"target\":\"a\","
		 "\"component\":null,\"ino\":1,\"size\":0,"
		 "\"atime_ns\":1,\"mtime_ns\":1}\n");
	expect_parse_error(text, "unknown key \"atime_ns\"");
	snprintf(text, sizeof(text), "%s%s", header,
		 "{\"n\":1,\"type\":\"dir\",\"target\":\"a\","
		 "\"component\":null,\"ino\":1,\"size\":0}\n");
	expect_parse_error(text, "no \"atime_ns\"");
	snprintf(text, sizeof(text), "%s%s", header,
		 "{\"n\":1,\"type\":\"dir\",\"target\":\"a\","
		 "\"component\":null,\"ino\":1,\"size\":0,"
		 "\"atime_ns\":-1,\"mtime_ns\":\"x\"}\n");
	expect_parse_error(text, "\"mtime_ns\" is not a number");
	snprintf(text, sizeof(text), "%s%s", header,
		 "{\"end\":1,\"sha256\":\"00\"}\n");
	expect_parse_error(text, "counts 1 entries");
	snprintf(text, sizeof(text), "%s%s", header,
		 "{\"end\":0,\"sha256\":\"00\"}\n{}\n");
	expect_parse_error(text, "hash");
	/* Good digest, then more: refused. */
	n = (size_t)snprintf(text, sizeof(text), "%s", header);
	snprintf(text + n, sizeof(text) - n,
		 "{\"end\":0,\"sha256\":\"%s\"}\n{}\n", hex);
	expect_parse_error(text, "text after the end record");
}

/* ---- vssd --------------------------------------------------------------------- */

/* Run $VSSD with args (NULL-terminated after the program); its pid. */
static pid_t
spawn_vssd(const char *const *args)
{
	char *argv[16];
	size_t i;
	pid_t pid;

	argv[0] = getenv("VSSD");
	for (i = 0; args[i] && i + 2 < 16; i++)
		argv[i + 1] = (char *)args[i];
	argv[i + 1] = NULL;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static int
wait_exit(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		assert_int_equal(errno, EINTR);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void
require_vssd(void)
{
	const char *vssd = getenv("VSSD");

	if (!vssd || access(vssd, X_OK) < 0) {
		print_message("VSSD is not set to vssd: skipped\n");
		skip();
	}
}

/* `vssd --apply-pending-restores`: applies, exits 0; 1 on damage. */
static void
test_vssd_apply_only(void **st)
{
	const char *args[] = { "--apply-pending-restores", "--state-dir",
			       state, NULL };
	char bad[PATH_MAX];

	(void)st;
	require_vssd();
	write_text(AT_FDCWD, at(root, "f"), "damaged\n", 0644);
	stage_one("f", "restored\n");
	assert_int_equal(wait_exit(spawn_vssd(args)), 0);
	assert_string_equal(sfx_read_file(at(root, "f")), "restored\n");
	expect_nothing_pending();
	/* Nothing there: still 0. */
	assert_int_equal(wait_exit(spawn_vssd(args)), 0);
	/* A damaged journal: 1, set aside. */
	assert_int_equal(mkdir(journals, 0700) < 0 && errno != EEXIST, 0);
	write_text(AT_FDCWD, at(journals, ID_A ".journal"), "{\n", 0600);
	assert_int_equal(wait_exit(spawn_vssd(args)), 1);
	snprintf(bad, sizeof(bad), "%s/%s.journal.bad", journals, ID_A);
	assert_true(exists(bad));
}

static bool
socket_accepts(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	bool ok;
	int fd;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_true(strlen(path) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, path, strlen(path) + 1);
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

/*
 * vssd applies at start, before it accepts a client, the journals of an
 * earlier boot: once its socket answers, the file is in place.  A
 * journal of this boot is left (a restart of vssd is not the reboot it
 * waits for) until --apply-pending-restores.
 */
static void
test_vssd_applies_at_start(void **st)
{
	static const char *const entries[] = {
		"{\"n\":1,\"type\":\"file\",\"target\":\"g\","
		"\"component\":null}",
		NULL,
	};
	char sock[PATH_MAX], conf[PATH_MAX], boot[PR_BOOT_ID_MAX + 1];
	const char *args[] = { "--foreground", "--socket", sock, "--state-dir",
			       state, "--config", conf, NULL };
	const char *apply_args[] = { "--apply-pending-restores", "--state-dir",
				     state, NULL };
	struct timespec pause = { 0, 5000000 };
	int status, tries, sfd;
	pid_t pid;

	(void)st;
	require_vssd();
	pr_boot_id(boot);
	snprintf(sock, sizeof(sock), "%s/vssd.sock", base);
	snprintf(conf, sizeof(conf), "%s/vssd.conf", base);
	write_text(AT_FDCWD, conf, "", 0600);
	write_text(AT_FDCWD, at(root, "f"), "damaged\n", 0644);
	write_text(AT_FDCWD, at(root, "g"), "damaged\n", 0644);
	stage_one("f", "restored\n");
	sfd = craft_stage(ID_A);
	write_text(sfd, "1", "restored\n", 0644);
	close(sfd);
	craft_journal(ID_A, 1, entries);
	pid = spawn_vssd(args);
	/* Up to 10 s for the socket (a start, not a timed assertion). */
	for (tries = 0; !socket_accepts(sock); tries++) {
		assert_int_equal(waitpid(pid, &status, WNOHANG), 0);
		assert_true(tries < 2000);
		nanosleep(&pause, NULL);
	}
	assert_string_equal(sfx_read_file(at(root, "g")), "restored\n");
	/* Without a boot id to compare, every journal is another boot's. */
	if (boot[0]) {
		assert_string_equal(sfx_read_file(at(root, "f")),
				    "damaged\n");
		assert_int_equal(names_in(journals), 1);
	}
	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(wait_exit(pid), 0);
	assert_int_equal(wait_exit(spawn_vssd(apply_args)), 0);
	assert_string_equal(sfx_read_file(at(root, "f")), "restored\n");
	expect_nothing_pending();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_round_trip_without_openat2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_without_commit,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_arguments, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_crash_midway, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_crash_before_journal_removed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dir_times_after_crash,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_this_boot, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_stage_not_ours, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_staged_object_swapped,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_fifo_journal, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_root_missing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_damaged_journal, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_escaping_paths, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_symlink_on_the_way, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_type_clash, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_stale_tmp, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_oldest_first, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_parse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vssd_apply_only, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_vssd_applies_at_start,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_mount_on_the_way, setup,
						teardown),
	};
	int r;

	sfx_init();
	if (sfx_tempdir("journal", top, sizeof(top)) < 0) {
		perror("temporary directory");
		return 1;
	}
	/* The tmpfs of test_mount_on_the_way goes with this process. */
	if (geteuid() == 0 && sfx_private_namespace() < 0)
		return 1;
	r = cmocka_run_group_tests(tests, NULL, NULL);
	sfx_cleanup();
	return r;
}
