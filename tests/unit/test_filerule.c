/*
 * tests/unit/test_filerule.c - the entry syntax that vssd's
 * FilesNotToSnapshot (SN-061) and "vss backup"'s FilesNotToBackup
 * (BK-142, async-errors-security-config.md section 6) entries share
 * (lib/util/filerule.c): trimming, " /s", the $AllVolumes$ and
 * $UserProfile$ prefixes, the directory's one spelling, the file name
 * pattern, ';'-separated lists and every refusal.
 *
 * The $UserProfile$ expansion is checked against the real user database
 * and, as root, against a made-up one bind-mounted over /etc/passwd in a
 * mount namespace of the test's own (sys_fixture.h); without root that
 * case skips (the program exits 77 once the rest has passed).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "sys_fixture.h"
#include "util/filerule.h"

static char errbuf[512];

/* Parse entry alone into a fresh list; the parse must succeed. */
static void
parse_one(struct filerule_list *list, const char *entry, bool expand)
{
	memset(list, 0, sizeof(*list));
	errbuf[0] = '\0';
	assert_int_equal(filerule_parse(list, entry, strlen(entry), expand,
					errbuf, sizeof(errbuf)),
			 0);
	assert_string_equal(errbuf, "");
}

static void
expect_rule(const struct filerule *r, enum filerule_kind kind,
	    const char *dir, const char *filespec, bool recursive)
{
	assert_int_equal(r->kind, kind);
	assert_string_equal(r->dir, dir);
	assert_string_equal(r->filespec, filespec);
	assert_int_equal(r->recursive, recursive);
}

/* entry alone gives exactly one rule. */
static void
expect_parsed(const char *entry, enum filerule_kind kind, const char *dir,
	      const char *filespec, bool recursive)
{
	struct filerule_list list;

	parse_one(&list, entry, true);
	assert_int_equal(list.n, 1);
	expect_rule(&list.v[0], kind, dir, filespec, recursive);
	filerule_list_release(&list);
	assert_null(list.v);
	assert_int_equal(list.n, 0);
}

/* A full path with wildcards in the file name; one spelling. */
static void
test_plain(void **state)
{
	struct filerule_list list = {0};

	(void)state;
	expect_parsed("/var/cache/app/*.tmp", FILERULE_PATH, "/var/cache/app",
		      "*.tmp", false);
	/* Blanks around go, repeated separators too. */
	expect_parsed("  //var//cache///app/data?.db\t", FILERULE_PATH,
		      "/var/cache/app", "data?.db", false);
	/* A file name right under the root. */
	expect_parsed("/*.core", FILERULE_PATH, "/", "*.core", false);
	expect_parsed("///x", FILERULE_PATH, "/", "x", false);
	/* Blanks inside names are names; so are dots that are not . or .. */
	expect_parsed("/srv/my data/old file.bak", FILERULE_PATH,
		      "/srv/my data", "old file.bak", false);
	expect_parsed("/srv/.../.hidden/...", FILERULE_PATH, "/srv/.../.hidden",
		      "...", false);
	/* Only the length given is read. */
	assert_int_equal(filerule_parse(&list, "/a/b;/c/d", 4, false, errbuf,
					sizeof(errbuf)),
			 0);
	assert_int_equal(list.n, 1);
	expect_rule(&list.v[0], FILERULE_PATH, "/a", "b", false);
	filerule_list_release(&list);
}

/* " /s" after a blank: recursive, in either case. */
static void
test_recursive(void **state)
{
	(void)state;
	expect_parsed("/var/cache/app/* /s", FILERULE_PATH, "/var/cache/app",
		      "*", true);
	expect_parsed("/var/cache/*.tmp\t/S  ", FILERULE_PATH, "/var/cache",
		      "*.tmp", true);
	expect_parsed("/var/x.tmp   /s", FILERULE_PATH, "/var", "x.tmp", true);
	/* "/s" without a blank before it is a file named s. */
	expect_parsed("/var/s", FILERULE_PATH, "/var", "s", false);
	expect_parsed("/s", FILERULE_PATH, "/", "s", false);
	expect_parsed(" /s ", FILERULE_PATH, "/", "s", false);
	expect_parsed("/var/x/s", FILERULE_PATH, "/var/x", "s", false);
	/* Only one " /s" is taken off. */
	expect_parsed("/var/x /s /s", FILERULE_PATH, "/var/x ", "s", true);
}

/* $AllVolumes$: relative to every volume root, prefix in any case. */
static void
test_all_volumes(void **state)
{
	(void)state;
	expect_parsed("$AllVolumes$/tmp/* /s", FILERULE_ALL_VOLUMES, "tmp", "*",
		      true);
	expect_parsed("$allvolumes$/pagefile.sys", FILERULE_ALL_VOLUMES, "",
		      "pagefile.sys", false);
	expect_parsed("  $ALLVOLUMES$//var//tmp/x.*", FILERULE_ALL_VOLUMES,
		      "var/tmp", "x.*", false);
	/* A prefix is one only at the start. */
	expect_parsed("/$AllVolumes$/x", FILERULE_PATH, "/$AllVolumes$", "x",
		      false);
}

/* $UserProfile$ left unexpanded: relative to every home directory. */
static void
test_profile_kept(void **state)
{
	struct filerule_list list;

	(void)state;
	parse_one(&list, "$UserProfile$/.cache/* /s", false);
	assert_int_equal(list.n, 1);
	expect_rule(&list.v[0], FILERULE_PROFILE, ".cache", "*", true);
	filerule_list_release(&list);
	parse_one(&list, "$userprofile$/core", false);
	assert_int_equal(list.n, 1);
	expect_rule(&list.v[0], FILERULE_PROFILE, "", "core", false);
	filerule_list_release(&list);
	parse_one(&list, "$USERPROFILE$//a//b/c?", false);
	assert_int_equal(list.n, 1);
	expect_rule(&list.v[0], FILERULE_PROFILE, "a/b", "c?", false);
	filerule_list_release(&list);
}

/*
 * The homes $UserProfile$ stands for, worked out independently from the
 * user database: root's and those of uid >= 1000 but nobody, absolute,
 * not "/", each once.
 */
static size_t
profile_homes(char homes[][PATH_MAX], size_t max)
{
	struct passwd *pw;
	size_t n = 0, i;
	bool dup;

	setpwent();
	while ((pw = getpwent()) && n < max) {
		if (pw->pw_uid != 0 &&
		    (pw->pw_uid < 1000 || pw->pw_uid == 65534))
			continue;
		if (pw->pw_dir[0] != '/' || strcmp(pw->pw_dir, "/") == 0)
			continue;
		dup = false;
		for (i = 0; i < n; i++)
			dup = dup || strcmp(homes[i], pw->pw_dir) == 0;
		if (!dup)
			snprintf(homes[n++], PATH_MAX, "%s", pw->pw_dir);
	}
	endpwent();
	return n;
}

/* Expanded on this machine's user database: root is always there. */
static void
test_profile_expanded(void **state)
{
	static char homes[64][PATH_MAX];
	struct filerule_list list;
	char want[PATH_MAX + 16];
	struct passwd *root;
	size_t n, i;

	(void)state;
	n = profile_homes(homes, 64);
	root = getpwuid(0);
	assert_non_null(root);
	assert_true(n >= 1);

	parse_one(&list, "$UserProfile$/.cache/* /s", true);
	assert_int_equal(list.n, n);
	for (i = 0; i < n; i++) {
		snprintf(want, sizeof(want), "%s/.cache", homes[i]);
		expect_rule(&list.v[i], FILERULE_PATH, want, "*", true);
	}
	filerule_list_release(&list);

	/* The home directory itself. */
	parse_one(&list, "$UserProfile$/core", true);
	assert_int_equal(list.n, n);
	for (i = 0; i < n; i++)
		expect_rule(&list.v[i], FILERULE_PATH, homes[i], "core",
			    false);
	filerule_list_release(&list);
}

/* The made-up user database of test_profile_accounts. */
static const char fake_passwd[] =
	"root:x:0:0:root:/root:/bin/sh\n"
	"daemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n" /* system account */
	"sys:x:999:999::/home/sys:/bin/sh\n"          /* below 1000 */
	"alice:x:1000:1000::/home/alice:/bin/sh\n"
	"bob:x:1001:1001::/home//bob/:/bin/sh\n"      /* one spelling */
	"bob2:x:1002:1002::/home/bob:/bin/sh\n"       /* shared: once */
	"slash:x:1003:1003::/:/bin/sh\n"              /* "/": skipped */
	"rel:x:1004:1004::home/rel:/bin/sh\n"         /* relative */
	"dots:x:1005:1005::/home/../etc:/bin/sh\n"    /* climbs out */
	"wild:x:1006:1006::/home/w*:/bin/sh\n"        /* a wildcard */
	"empty:x:1007:1007:::/bin/sh\n"               /* no home */
	"nobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n"
	"big:x:70000:70000::/srv/big:/bin/sh\n";

/* Which accounts count, on a user database of our own (root only). */
static void
test_profile_accounts(void **state)
{
	static const char *const want[] = {"/root", "/home/alice",
					   "/home/bob", "/srv/big"};
	char dir[PATH_MAX], path[PATH_MAX + 16];
	struct filerule_list list = {0};
	size_t i;

	(void)state;
	assert_true(sfx_private_namespace() == 0 || sfx_skipping());
	sfx_require();
	assert_int_equal(sfx_tempdir("filerule", dir, sizeof(dir)), 0);
	snprintf(path, sizeof(path), "%s/passwd", dir);
	sfx_write_file(path, fake_passwd);
	sfx_track(path);
	assert_int_equal(sfx_mount(path, "/etc/passwd", NULL, MS_BIND, NULL),
			 0);

	parse_one(&list, "$UserProfile$/.cache/* /s", true);
	assert_int_equal(list.n, 4);
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/.cache", want[i]);
		expect_rule(&list.v[i], FILERULE_PATH, path, "*", true);
	}
	filerule_list_release(&list);

	/* In a list, each entry expands in its place. */
	assert_int_equal(filerule_parse_list(&list,
					     "/a/b;$UserProfile$/x;/c/d",
					     true, errbuf, sizeof(errbuf)),
			 0);
	assert_int_equal(list.n, 6);
	expect_rule(&list.v[0], FILERULE_PATH, "/a", "b", false);
	for (i = 0; i < 4; i++)
		expect_rule(&list.v[1 + i], FILERULE_PATH, want[i], "x", false);
	expect_rule(&list.v[5], FILERULE_PATH, "/c", "d", false);
	filerule_list_release(&list);

	/* Nobody with a profile: the entry names nothing, no error. */
	snprintf(path, sizeof(path), "%s/passwd", dir);
	sfx_write_file(path, "daemon:x:1:1::/usr/sbin:/bin/sh\n"
			     "slash:x:1003:1003::/:/bin/sh\n");
	parse_one(&list, "$UserProfile$/x /s", true);
	assert_int_equal(list.n, 0);
	filerule_list_release(&list);
	sfx_cleanup();
}

/* Refused entries leave the list as it was and say why, quoting it. */
static void
expect_refused_len(const char *entry, size_t len, const char *why)
{
	struct filerule_list list;

	parse_one(&list, "/keep/*.me", true);
	errbuf[0] = '\0';
	assert_int_equal(filerule_parse(&list, entry, len, true, errbuf,
					sizeof(errbuf)),
			 -EINVAL);
	if (!strstr(errbuf, why))
		fail_msg("'%s': '%s' does not say '%s'", entry, errbuf, why);
	assert_int_equal(list.n, 1);
	expect_rule(&list.v[0], FILERULE_PATH, "/keep", "*.me", false);
	filerule_list_release(&list);
}

static void
expect_refused(const char *entry, const char *why)
{
	expect_refused_len(entry, strlen(entry), why);
}

static void
test_refused(void **state)
{
	struct filerule_list list = {0};

	(void)state;
	/* Wildcards in the directory. */
	expect_refused("/var/*/cache/x.tmp",
		       "'/var/*/cache/x.tmp': wildcards are allowed in the "
		       "last element only");
	expect_refused("/var/ca?he/x.tmp", "last element");
	expect_refused("$AllVolumes$/*/x", "last element");
	expect_refused("$UserProfile$/a?/x", "last element");
	/* Not absolute. */
	expect_refused("  var/cache/*.tmp /s",
		       "'var/cache/*.tmp /s': not an absolute path");
	expect_refused("*.tmp", "not an absolute path");
	expect_refused("C:\\Windows\\*.tmp", "not an absolute path");
	expect_refused("\\Windows\\*.tmp", "not an absolute path");
	expect_refused("$AllVolumes$tmp/*", "not an absolute path");
	expect_refused("$UserProfile$", "not an absolute path");
	expect_refused("$AllVolumes$", "not an absolute path");
	expect_refused("$AllVol", "not an absolute path");
	expect_refused("~/x", "not an absolute path");
	expect_refused("%UserProfile%/x", "not an absolute path");
	/* Empty. */
	expect_refused("", "empty entry");
	expect_refused("   \t ", "empty entry");
	/* Paths that climb out of where they seem to point. */
	expect_refused("/srv/../etc/*",
		       "'/srv/../etc/*': '.' and '..' are not allowed in "
		       "the path");
	expect_refused("$AllVolumes$/../etc/passwd", "'..'");
	expect_refused("$UserProfile$/../../etc/*", "'..'");
	expect_refused("/srv/./x", "'.'");
	/* No file name. */
	expect_refused("/var/cache/", "'/var/cache/': names no file");
	expect_refused("/var/cache/ /s", "names no file");
	expect_refused("/", "names no file");
	expect_refused("/var/..", "names no file");
	expect_refused("/var/.", "names no file");
	expect_refused("$AllVolumes$/", "names no file");
	/* A NUL inside the bytes given. */
	expect_refused_len("/a/b\0c", 6, "holds a NUL");

	/* Arguments. */
	assert_int_equal(filerule_parse(NULL, "/x/y", 4, true, errbuf,
					sizeof(errbuf)),
			 -EINVAL);
	assert_int_equal(filerule_parse(&list, NULL, 0, true, errbuf,
					sizeof(errbuf)),
			 -EINVAL);
	assert_int_equal(filerule_parse_list(NULL, "/x/y", true, errbuf,
					     sizeof(errbuf)),
			 -EINVAL);
	assert_int_equal(filerule_parse_list(&list, NULL, true, errbuf,
					     sizeof(errbuf)),
			 -EINVAL);
	/* No place for the reason, or a small one: refused all the same. */
	assert_int_equal(filerule_parse(&list, "x", 1, true, NULL, 0), -EINVAL);
	memset(errbuf, 'z', sizeof(errbuf));
	assert_int_equal(filerule_parse(&list, "relative/x", 10, true, errbuf,
					8),
			 -EINVAL);
	assert_string_equal(errbuf, "'relati");
	assert_int_equal(list.n, 0);
	filerule_list_release(&list);
	filerule_list_release(NULL);
}

/* ';'-separated lists: blank entries skipped, a bad one refuses all. */
static void
test_list(void **state)
{
	struct filerule_list list = {0};

	(void)state;
	assert_int_equal(filerule_parse_list(&list, "", true, errbuf,
					     sizeof(errbuf)),
			 0);
	assert_int_equal(filerule_parse_list(&list, " ;; \t;", true, errbuf,
					     sizeof(errbuf)),
			 0);
	assert_int_equal(list.n, 0);

	assert_int_equal(
		filerule_parse_list(&list,
				    "/srv/app/*.tmp /s;/var/crash//core.* ;"
				    ";  $AllVolumes$/tmp/x?;$UserProfile$/c",
				    false, errbuf, sizeof(errbuf)),
		0);
	assert_int_equal(list.n, 4);
	expect_rule(&list.v[0], FILERULE_PATH, "/srv/app", "*.tmp", true);
	expect_rule(&list.v[1], FILERULE_PATH, "/var/crash", "core.*", false);
	expect_rule(&list.v[2], FILERULE_ALL_VOLUMES, "tmp", "x?", false);
	expect_rule(&list.v[3], FILERULE_PROFILE, "", "c", false);

	/* Appended; a bad entry after good ones takes them back. */
	assert_int_equal(filerule_parse_list(&list, "/ok/a;/ok/b;/bad/;/ok/c",
					     false, errbuf, sizeof(errbuf)),
			 -EINVAL);
	assert_string_equal(errbuf, "'/bad/': names no file");
	assert_int_equal(list.n, 4);
	assert_int_equal(filerule_parse_list(&list, "/ok/a", false, errbuf,
					     sizeof(errbuf)),
			 0);
	assert_int_equal(list.n, 5);
	expect_rule(&list.v[4], FILERULE_PATH, "/ok", "a", false);
	filerule_list_release(&list);
}

static void
expect_normal(const char *dir, bool wildcards_ok, const char *want)
{
	const char *why = NULL;
	char *norm = NULL;

	assert_int_equal(filerule_normalise(dir, strlen(dir), wildcards_ok,
					    &norm, &why),
			 0);
	assert_string_equal(norm, want);
	free(norm);
}

static void
expect_abnormal(const char *dir, bool wildcards_ok, const char *why)
{
	const char *got = NULL;
	char *norm = NULL;

	assert_int_equal(filerule_normalise(dir, strlen(dir), wildcards_ok,
					    &norm, &got),
			 -EINVAL);
	assert_null(norm);
	assert_string_equal(got, why);
}

/* The directory's one spelling, also used for plain backup paths. */
static void
test_normalise(void **state)
{
	const char *why = NULL;
	char *norm = NULL;

	(void)state;
	expect_normal("/", false, "/");
	expect_normal("////", false, "/");
	expect_normal("/a//b///c/", false, "/a/b/c");
	expect_normal("/a/.b/..c/...", false, "/a/.b/..c/...");
	/* Wildcard characters are names when the caller says so. */
	expect_normal("/a*/b?", true, "/a*/b?");
	expect_abnormal("/a*/b", false,
			"wildcards are allowed in the last element only");
	expect_abnormal("/a/b?", false,
			"wildcards are allowed in the last element only");
	expect_abnormal("", true, "not an absolute path");
	expect_abnormal("a/b", true, "not an absolute path");
	expect_abnormal("/a/./b", true,
			"'.' and '..' are not allowed in the path");
	expect_abnormal("/a/..", true,
			"'.' and '..' are not allowed in the path");
	/* The length, not the NUL, ends it. */
	assert_int_equal(filerule_normalise("/abc/def", 4, false, &norm, &why),
			 0);
	assert_string_equal(norm, "/abc");
	free(norm);
}

static void
test_names(void **state)
{
	(void)state;
	assert_true(filerule_filespec_valid("*"));
	assert_true(filerule_filespec_valid("..."));
	assert_true(filerule_filespec_valid(".x"));
	assert_true(filerule_filespec_valid("a b"));
	assert_false(filerule_filespec_valid(""));
	assert_false(filerule_filespec_valid("."));
	assert_false(filerule_filespec_valid(".."));
	assert_false(filerule_filespec_valid("a/b"));
	assert_true(filerule_is_dot_name(".", 1));
	assert_true(filerule_is_dot_name("..", 2));
	assert_true(filerule_is_dot_name("..x", 2));
	assert_false(filerule_is_dot_name("..x", 3));
	assert_false(filerule_is_dot_name(".x", 2));
	assert_false(filerule_is_dot_name("", 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_recursive),
		cmocka_unit_test(test_all_volumes),
		cmocka_unit_test(test_profile_kept),
		cmocka_unit_test(test_profile_expanded),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_normalise),
		cmocka_unit_test(test_names),
		/* Last: it changes what the user database says. */
		cmocka_unit_test(test_profile_accounts),
	};
	int r;

	sfx_init();
	r = cmocka_run_group_tests(tests, NULL, sfx_group_teardown);
	return sfx_exit_status(r, "the accounts $UserProfile$ stands for "
				  "(test_profile_accounts)");
}
