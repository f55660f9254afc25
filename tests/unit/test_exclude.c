/*
 * tests/unit/test_exclude.c - files not to snapshot (SN-060, SN-061,
 * SN-062): the FilesNotToSnapshot syntax, the writers' exclude-from-
 * snapshot file sets, the [files-not-to-snapshot] section of vssd.conf,
 * and their removal from a directory tree standing in for a writable
 * shadow copy.  Needs no root, except test_apply_mounts, which skips
 * without it (the program then exits 77, meson's SKIP, with a message
 * once the rest has passed): its mounts are made in a mount namespace of
 * its own, so they go with the process however it dies, and are undone
 * explicitly by the teardown, an atexit handler and SIGINT/SIGTERM/SIGHUP
 * as well (sys_fixture.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"
#include "exclude.h"
#include "util/filerule.h"
#include "sys_fixture.h"

static char errbuf[512];

/* The one entry list must hold. */
static const struct exclude_spec *
only(const struct exclude_list *list)
{
	assert_int_equal(list->n, 1);
	return &list->v[0];
}

static void
expect_path_spec(const struct exclude_spec *s, const char *path,
		 const char *filespec, bool recursive)
{
	assert_false(s->all_volumes);
	assert_null(s->relative);
	assert_string_equal(s->path, path);
	assert_string_equal(s->filespec, filespec);
	assert_int_equal(s->recursive, recursive);
}

/* Parse entry alone into a fresh list; expect the parse to succeed. */
static void
parse_one(struct exclude_list *list, const char *entry)
{
	memset(list, 0, sizeof(*list));
	assert_int_equal(exclude_parse(list, entry, true, errbuf,
				       sizeof(errbuf)),
			 0);
}

/*
 * Parse entry alone: one entry of path, filespec and recursive; released,
 * the list is empty.
 */
static void
expect_parsed(const char *entry, const char *path, const char *filespec,
	      bool recursive)
{
	struct exclude_list list;

	parse_one(&list, entry);
	expect_path_spec(only(&list), path, filespec, recursive);
	exclude_list_release(&list);
	assert_null(list.v);
	assert_int_equal(list.n, 0);
}

/* SN-061: a full path with '*' in the file name, and " /s". */
static void
test_parse_plain(void **state)
{
	expect_parsed("/var/cache/app/*.tmp", "/var/cache/app", "*.tmp", false);

	/* One spelling: repeated separators and blanks around go. */
	expect_parsed("  //var//cache///app/data?.db\t", "/var/cache/app",
		      "data?.db", false);

	/* A file name right under the root. */
	expect_parsed("/*.core", "/", "*.core", false);

	/* Blanks inside names are names. */
	expect_parsed("/srv/my data/old file.bak", "/srv/my data",
		      "old file.bak", false);
}

static void
test_parse_recursive(void **state)
{
	expect_parsed("/var/cache/app/* /s", "/var/cache/app", "*", true);
	expect_parsed("/var/cache/*.tmp\t/S  ", "/var/cache", "*.tmp", true);

	/* "/s" without a blank before it is a file named s. */
	expect_parsed("/var/s", "/var", "s", false);
	expect_parsed("/s", "/", "s", false);
}

/* $AllVolumes$: the same place relative to every volume root. */
static void
test_parse_all_volumes(void **state)
{
	const struct exclude_spec *s;
	struct exclude_list list;

	parse_one(&list, "$AllVolumes$/tmp/* /s");
	s = only(&list);
	assert_true(s->all_volumes);
	assert_null(s->path);
	assert_string_equal(s->relative, "tmp");
	assert_string_equal(s->filespec, "*");
	assert_true(s->recursive);
	exclude_list_release(&list);

	/* Any case, as Windows takes it; the volume root itself. */
	parse_one(&list, "$allvolumes$/pagefile.sys");
	s = only(&list);
	assert_true(s->all_volumes);
	assert_string_equal(s->relative, "");
	assert_string_equal(s->filespec, "pagefile.sys");
	assert_false(s->recursive);
	exclude_list_release(&list);

	parse_one(&list, "$AllVolumes$//var//tmp/x.*");
	assert_string_equal(only(&list)->relative, "var/tmp");
	exclude_list_release(&list);
}

/*
 * The homes $UserProfile$ stands for, as the shared entry parser expands
 * them (test_filerule.c checks that expansion against the user database
 * on its own): here only vssd's use of it is under test.
 */
static size_t
profile_homes(char homes[][PATH_MAX], size_t max)
{
	static const char entry[] = "$UserProfile$/x";
	struct filerule_list l = {0};
	size_t n;

	assert_int_equal(filerule_parse(&l, entry, strlen(entry), true, NULL,
					0),
			 0);
	for (n = 0; n < l.n && n < max; n++)
		snprintf(homes[n], PATH_MAX, "%s", l.v[n].dir);
	filerule_list_release(&l);
	return n;
}

/* $UserProfile$ and DisableUserProfileExpansion. */
static void
test_parse_user_profile(void **state)
{
	static char homes[64][PATH_MAX];
	struct exclude_list list = {0};
	char want[PATH_MAX + 16];
	struct passwd *root;
	size_t n, i, j;
	bool found;

	n = profile_homes(homes, 64);
	root = getpwuid(0);
	assert_non_null(root);
	assert_true(n >= 1);

	assert_int_equal(exclude_parse(&list, "$UserProfile$/.cache/* /s",
				       true, errbuf, sizeof(errbuf)),
			 0);
	assert_int_equal(list.n, n);
	for (i = 0; i < n; i++) {
		snprintf(want, sizeof(want), "%s/.cache", homes[i]);
		found = false;
		for (j = 0; j < list.n; j++) {
			expect_path_spec(&list.v[j], list.v[j].path, "*",
					 true);
			found = found || strcmp(list.v[j].path, want) == 0;
		}
		assert_true(found);
	}
	snprintf(want, sizeof(want), "%s/.cache", root->pw_dir);
	found = false;
	for (j = 0; j < list.n; j++)
		found = found || strcmp(list.v[j].path, want) == 0;
	assert_true(found);
	exclude_list_release(&list);

	/* The profile directory itself. */
	assert_int_equal(exclude_parse(&list, "$userprofile$/core", true,
				       errbuf, sizeof(errbuf)),
			 0);
	assert_int_equal(list.n, n);
	for (j = 0; j < list.n; j++) {
		found = false;
		for (i = 0; i < n; i++)
			found = found || strcmp(list.v[j].path, homes[i]) == 0;
		assert_true(found);
		assert_string_equal(list.v[j].filespec, "core");
	}
	exclude_list_release(&list);

	/* Expansion disabled: the entry goes, after being checked. */
	assert_int_equal(exclude_parse(&list, "$UserProfile$/.cache/* /s",
				       false, errbuf, sizeof(errbuf)),
			 0);
	assert_int_equal(list.n, 0);
	assert_int_equal(exclude_parse(&list, "$UserProfile$/*/x", false,
				       errbuf, sizeof(errbuf)),
			 -EINVAL);
}

/* Refused entries leave the list as it was and say why. */
static void
expect_refused(const char *entry, const char *why)
{
	struct exclude_list list;

	parse_one(&list, "/keep/*.me");
	errbuf[0] = '\0';
	assert_int_equal(exclude_parse(&list, entry, true, errbuf,
				       sizeof(errbuf)),
			 -EINVAL);
	if (!strstr(errbuf, why))
		fail_msg("'%s': '%s' does not say '%s'", entry, errbuf, why);
	expect_path_spec(only(&list), "/keep", "*.me", false);
	exclude_list_release(&list);
}

static void
test_parse_refused(void **state)
{
	struct exclude_list list = {0};

	expect_refused("/var/*/cache/x.tmp", "last element");
	expect_refused("/var/ca?he/x.tmp", "last element");
	expect_refused("$AllVolumes$/*/x", "last element");
	expect_refused("var/cache/*.tmp", "not an absolute path");
	expect_refused("*.tmp", "not an absolute path");
	expect_refused("C:\\Windows\\*.tmp", "not an absolute path");
	expect_refused("$AllVolumes$tmp/*", "not an absolute path");
	expect_refused("~/x", "not an absolute path");
	expect_refused("", "empty entry");
	expect_refused("   \t ", "empty entry");
	/* Paths that climb out of where they seem to point. */
	expect_refused("/srv/../etc/*", "'..'");
	expect_refused("$AllVolumes$/../etc/passwd", "'..'");
	expect_refused("$UserProfile$/../../etc/*", "'..'");
	expect_refused("/srv/./x", "'.'");
	/* No file name. */
	expect_refused("/var/cache/", "names no file");
	expect_refused("/var/cache/ /s", "names no file");
	expect_refused("/var/..", "names no file");
	expect_refused("$AllVolumes$", "not an absolute path");

	assert_int_equal(exclude_parse(NULL, "/x", true, errbuf,
				       sizeof(errbuf)),
			 -EINVAL);
	assert_int_equal(exclude_parse(&list, NULL, true, errbuf,
				       sizeof(errbuf)),
			 -EINVAL);
	/* No place for the reason: refused all the same. */
	assert_int_equal(exclude_parse(&list, "x", true, NULL, 0), -EINVAL);
	assert_int_equal(list.n, 0);
	exclude_list_release(NULL);
}

/* SN-060: a writer's exclude-from-snapshot file sets. */
static void
test_add_wmd(void **state)
{
	const struct vss_writer_identity id = {
		.friendly_name = "cache writer",
		.usage = VSS_UT_USERDATA,
		.source = VSS_ST_OTHER,
	};
	struct exclude_list list = {0};
	vss_wmd *wmd;

	assert_int_equal(vss_wmd_new(&wmd, &id), 0);
	assert_int_equal(vss_wmd_add_exclude_files_from_snapshot(
				 wmd, "/var/lib/app/", "*.scratch", true),
			 0);
	assert_int_equal(vss_wmd_add_exclude_files_from_snapshot(
				 wmd, "/var/lib/app//tmp", "swap", false),
			 0);
	/* Not absolute, or climbing out: cannot name files of a volume. */
	assert_int_equal(vss_wmd_add_exclude_files_from_snapshot(
				 wmd, "relative/dir", "*", true),
			 0);
	assert_int_equal(vss_wmd_add_exclude_files_from_snapshot(
				 wmd, "/var/lib/../../etc", "*", true),
			 0);
	assert_int_equal(vss_wmd_add_exclude_files_from_snapshot(
				 wmd, "/var/lib", "..", false),
			 0);
	/* SN-062: FilesNotToBackup-style exclusions are not ours. */
	assert_int_equal(vss_wmd_add_exclude_files(wmd, "/var/log", "*",
						   true),
			 0);

	parse_one(&list, "/first/*");
	assert_int_equal(exclude_add_wmd(&list, wmd), 0);
	assert_int_equal(list.n, 3);
	expect_path_spec(&list.v[1], "/var/lib/app", "*.scratch", true);
	expect_path_spec(&list.v[2], "/var/lib/app/tmp", "swap", false);
	assert_int_equal(exclude_add_wmd(&list, NULL), -EINVAL);
	assert_int_equal(exclude_add_wmd(NULL, wmd), -EINVAL);
	vss_wmd_free(wmd);
	exclude_list_release(&list);
}

static void
test_copy(void **state)
{
	struct exclude_list a = {0}, b = {0};

	parse_one(&a, "/var/cache/*.tmp /s");
	assert_int_equal(exclude_parse(&a, "$AllVolumes$/tmp/x*", true,
				       errbuf, sizeof(errbuf)),
			 0);
	parse_one(&b, "/srv/*.old");
	assert_int_equal(exclude_copy(&b, &a), 0);
	assert_int_equal(b.n, 3);
	expect_path_spec(&b.v[0], "/srv", "*.old", false);
	expect_path_spec(&b.v[1], "/var/cache", "*.tmp", true);
	assert_true(b.v[2].all_volumes);
	assert_string_equal(b.v[2].relative, "tmp");
	assert_string_equal(b.v[2].filespec, "x*");
	/* Copies, not shared strings. */
	assert_ptr_not_equal(b.v[1].path, a.v[0].path);
	exclude_list_release(&a);
	assert_string_equal(b.v[1].path, "/var/cache");
	assert_int_equal(exclude_copy(&b, &a), 0);
	assert_int_equal(b.n, 3);
	assert_int_equal(exclude_copy(NULL, &a), -EINVAL);
	assert_int_equal(exclude_copy(&b, &b), -EINVAL);
	assert_int_equal(b.n, 3);
	exclude_list_release(&b);
}

/* ---- exclude_apply on a temporary tree ------------------------------ */

static char base[64];   /* the temporary directory */
static char copy[128];  /* stands for a shadow copy of volume "/srv" */
static char outside[128];

static void
make_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	close(fd);
}

static void
make_dir(const char *path)
{
	assert_int_equal(mkdir(path, 0755), 0);
}

static bool
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static void
rm_tree(const char *path)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf --one-file-system '%s'", path);
	assert_int_equal(system(cmd), 0);
}

/*
 * copy/                          outside/
 *   top.log                        victim.tmp
 *   cache/                         x.tmp
 *     a.tmp b.tmp keep.txt
 *     link.tmp -> outside/victim.tmp
 *     linkdir -> outside
 *     fifo.tmp (a FIFO)
 *     dir.tmp/e.tmp
 *     sub/c.tmp sub/deep/d.tmp
 *   lnk -> outside
 */
static int
tree_setup(void **state)
{
	strcpy(base, "/tmp/vss-exclude-XXXXXX");
	if (!mkdtemp(base))
		return -1;
	snprintf(copy, sizeof(copy), "%s/copy", base);
	snprintf(outside, sizeof(outside), "%s/outside", base);
	make_dir(copy);
	make_dir(outside);
	make_file(sfx_join(outside, "victim.tmp"));
	make_file(sfx_join(outside, "x.tmp"));
	make_file(sfx_join(copy, "top.log"));
	make_dir(sfx_join(copy, "cache"));
	make_file(sfx_join(copy, "cache/a.tmp"));
	make_file(sfx_join(copy, "cache/b.tmp"));
	make_file(sfx_join(copy, "cache/keep.txt"));
	assert_int_equal(symlink(sfx_join(outside, "victim.tmp"),
				 sfx_join(copy, "cache/link.tmp")),
			 0);
	assert_int_equal(symlink(outside, sfx_join(copy, "cache/linkdir")), 0);
	assert_int_equal(mkfifo(sfx_join(copy, "cache/fifo.tmp"), 0600), 0);
	make_dir(sfx_join(copy, "cache/dir.tmp"));
	make_file(sfx_join(copy, "cache/dir.tmp/e.tmp"));
	make_dir(sfx_join(copy, "cache/sub"));
	make_file(sfx_join(copy, "cache/sub/c.tmp"));
	make_dir(sfx_join(copy, "cache/sub/deep"));
	make_file(sfx_join(copy, "cache/sub/deep/d.tmp"));
	assert_int_equal(symlink(outside, sfx_join(copy, "lnk")), 0);
	return 0;
}

static int
tree_teardown(void **state)
{
	sfx_cleanup();
	rm_tree(base);
	return 0;
}

/* Apply the entries to copy as the shadow copy of volume. */
static int
apply(const char *volume, const char *const *entries, size_t *ret_removed)
{
	struct exclude_list list = {0};
	size_t i;
	int r;

	for (i = 0; entries[i]; i++)
		assert_int_equal(exclude_parse(&list, entries[i], true, errbuf,
					       sizeof(errbuf)),
				 0);
	errbuf[0] = '\0';
	r = exclude_apply(&list, volume, copy, ret_removed, errbuf,
			  sizeof(errbuf));
	exclude_list_release(&list);
	return r;
}

static void
expect_outside_intact(void)
{
	assert_true(exists(sfx_join(outside, "victim.tmp")));
	assert_true(exists(sfx_join(outside, "x.tmp")));
}

/* Only matches go; without /s only in the directory named. */
static void
test_apply_flat(void **state)
{
	const char *const entries[] = {"/srv/cache/*.tmp", NULL};
	size_t removed = 99;

	assert_int_equal(apply("/srv", entries, &removed), 0);
	assert_int_equal(removed, 3);
	assert_false(exists(sfx_join(copy, "cache/a.tmp")));
	assert_false(exists(sfx_join(copy, "cache/b.tmp")));
	/* The link goes, never what it points to. */
	assert_false(exists(sfx_join(copy, "cache/link.tmp")));
	expect_outside_intact();
	assert_true(exists(sfx_join(copy, "cache/keep.txt")));
	/* Neither FIFOs nor directories, whatever their names. */
	assert_true(exists(sfx_join(copy, "cache/fifo.tmp")));
	assert_true(exists(sfx_join(copy, "cache/dir.tmp")));
	assert_true(exists(sfx_join(copy, "cache/dir.tmp/e.tmp")));
	assert_true(exists(sfx_join(copy, "cache/sub/c.tmp")));
	assert_true(exists(sfx_join(copy, "cache/sub/deep/d.tmp")));

	/* Again: nothing left to remove, and no failure. */
	assert_int_equal(apply("/srv", entries, &removed), 0);
	assert_int_equal(removed, 0);
}

/* Several entries for one directory each take effect. */
static void
test_apply_same_dir(void **state)
{
	const char *const entries[] = {"/srv/top.log", "/srv/top.txt",
				       "/srv/cache/a.tmp",
				       "$AllVolumes$/cache/b.tmp",
				       "/srv/cache/keep.txt", NULL};
	size_t removed = 0;

	make_file(sfx_join(copy, "top.txt"));
	assert_int_equal(apply("/srv", entries, &removed), 0);
	assert_int_equal(removed, 5);
	assert_false(exists(sfx_join(copy, "top.log")));
	assert_false(exists(sfx_join(copy, "top.txt")));
	assert_false(exists(sfx_join(copy, "cache/a.tmp")));
	assert_false(exists(sfx_join(copy, "cache/b.tmp")));
	assert_false(exists(sfx_join(copy, "cache/keep.txt")));
}

/* With /s every directory below too, never through a symbolic link. */
static void
test_apply_recursive(void **state)
{
	const char *const entries[] = {"/srv/cache/*.tmp /s", NULL};
	size_t removed = 0;

	assert_int_equal(apply("/srv", entries, &removed), 0);
	assert_int_equal(removed, 6);
	assert_false(exists(sfx_join(copy, "cache/a.tmp")));
	assert_false(exists(sfx_join(copy, "cache/link.tmp")));
	assert_false(exists(sfx_join(copy, "cache/sub/c.tmp")));
	assert_false(exists(sfx_join(copy, "cache/sub/deep/d.tmp")));
	/* A directory matching the pattern is entered, not removed. */
	assert_false(exists(sfx_join(copy, "cache/dir.tmp/e.tmp")));
	assert_true(exists(sfx_join(copy, "cache/dir.tmp")));
	assert_true(exists(sfx_join(copy, "cache/sub/deep")));
	assert_true(exists(sfx_join(copy, "cache/linkdir")));
	assert_true(exists(sfx_join(copy, "cache/fifo.tmp")));
	expect_outside_intact();
}

/* Specs for other volumes, and a symbolic link on the way down. */
static void
test_apply_other_volumes(void **state)
{
	const char *const entries[] = {
		"/srvx/cache/*",       /* a name that merely starts alike */
		"/other/cache/* /s",   /* another volume */
		"/sr/*",               /* a prefix of the volume */
		"/srv/lnk/*.tmp /s",   /* through a link to outside */
		"/srv/cache/linkdir/*", /* likewise */
		"/srv/nothere/* /s",   /* matches nothing: no failure */
		NULL,
	};
	size_t removed = 99;

	assert_int_equal(apply("/srv", entries, &removed), 0);
	assert_int_equal(removed, 0);
	assert_true(exists(sfx_join(copy, "cache/keep.txt")));
	assert_true(exists(sfx_join(copy, "top.log")));
	assert_true(exists(sfx_join(copy, "lnk")));
	expect_outside_intact();
}

/* The volume root, $AllVolumes$, and the root volume "/". */
static void
test_apply_all_volumes(void **state)
{
	const char *const top[] = {"/srv/*.log", NULL};
	const char *const all[] = {"$AllVolumes$/cache/*.txt", NULL};
	const char *const root[] = {"/srv/cache/*.txt", "/cache/fifo.tmp",
				    NULL};
	size_t removed = 0;

	assert_int_equal(apply("/srv", top, &removed), 0);
	assert_int_equal(removed, 1);
	assert_false(exists(sfx_join(copy, "top.log")));

	/* As the copy of "/", "/srv/cache" is not in it, "/cache" is. */
	make_file(sfx_join(copy, "cache/keep2.txt"));
	assert_int_equal(apply("/", root, &removed), 0);
	assert_int_equal(removed, 0);
	assert_true(exists(sfx_join(copy, "cache/keep.txt")));
	make_dir(sfx_join(copy, "srv"));
	make_dir(sfx_join(copy, "srv/cache"));
	make_file(sfx_join(copy, "srv/cache/r.txt"));
	assert_int_equal(apply("/", root, &removed), 0);
	assert_int_equal(removed, 1);
	assert_false(exists(sfx_join(copy, "srv/cache/r.txt")));
	assert_true(exists(sfx_join(copy, "cache/keep.txt")));

	/* Whatever the volume. */
	assert_int_equal(apply("/mnt/anything", all, &removed), 0);
	assert_int_equal(removed, 2);
	assert_false(exists(sfx_join(copy, "cache/keep.txt")));
	assert_false(exists(sfx_join(copy, "cache/keep2.txt")));
	/* A trailing '/' on the volume names the same volume. */
	make_file(sfx_join(copy, "cache/keep.txt"));
	assert_int_equal(apply("/srv/", all, &removed), 0);
	assert_int_equal(removed, 1);
}

/* Failures are reported; the rest is done anyway (best effort). */
static void
test_apply_failures(void **state)
{
	struct exclude_list list = {0};
	char deep[PATH_MAX];
	size_t removed = 99, len;
	int i;

	parse_one(&list, "$AllVolumes$/nest/*.tmp /s");
	assert_int_equal(exclude_apply(&list, "/srv", sfx_join(base, "missing"),
				       &removed, errbuf, sizeof(errbuf)),
			 -ENOENT);
	assert_non_null(strstr(errbuf, "missing"));
	assert_int_equal(removed, 99);

	/* Deeper than the walk goes: what is above is still removed. */
	snprintf(deep, sizeof(deep), "%s/nest", copy);
	make_dir(deep);
	make_file(sfx_join(deep, "top.tmp"));
	for (i = 0; i < 300; i++) {
		len = strlen(deep);
		snprintf(deep + len, sizeof(deep) - len, "/d");
		make_dir(deep);
	}
	make_file(sfx_join(deep, "bottom.tmp"));
	assert_int_equal(exclude_apply(&list, "/srv", copy, &removed, errbuf,
				       sizeof(errbuf)),
			 -ELOOP);
	assert_non_null(strstr(errbuf, "nested deeper than"));
	assert_int_equal(removed, 1);
	assert_false(exists(sfx_join(copy, "nest/top.tmp")));
	assert_true(exists(sfx_join(deep, "bottom.tmp")));
	rm_tree(sfx_join(copy, "nest"));

	assert_int_equal(exclude_apply(NULL, "/srv", copy, &removed, errbuf,
				       sizeof(errbuf)),
			 -EINVAL);
	assert_int_equal(exclude_apply(&list, "srv", copy, &removed, errbuf,
				       sizeof(errbuf)),
			 -EINVAL);
	assert_int_equal(exclude_apply(&list, "/srv", NULL, &removed, errbuf,
				       sizeof(errbuf)),
			 -EINVAL);
	exclude_list_release(&list);
}

/*
 * Nested mounts inside the copy are not entered: another file system
 * (tmpfs) and a bind mount of this one (same device, other mount).
 */
static void
test_apply_mounts(void **state)
{
	const char *const entries[] = {"/srv/m/*.tmp /s", NULL};
	char mnt_fs[160], mnt_bind[160];
	size_t removed = 99;

	/* Not root: skip; root without a namespace of its own: fail. */
	assert_true(sfx_private_namespace() == 0 || sfx_skipping());
	sfx_require();
	make_dir(sfx_join(copy, "m"));
	make_file(sfx_join(copy, "m/own.tmp"));
	snprintf(mnt_fs, sizeof(mnt_fs), "%s/m/fs", copy);
	snprintf(mnt_bind, sizeof(mnt_bind), "%s/m/bind", copy);
	make_dir(mnt_fs);
	make_dir(mnt_bind);
	assert_int_equal(sfx_mount("tmpfs", mnt_fs, "tmpfs", 0, "size=1m"), 0);
	make_file(sfx_join(mnt_fs, "in-tmpfs.tmp"));
	assert_int_equal(sfx_mount(outside, mnt_bind, NULL, MS_BIND, NULL), 0);

	assert_int_equal(apply("/srv", entries, &removed), 0);
	assert_int_equal(removed, 1);
	assert_false(exists(sfx_join(copy, "m/own.tmp")));
	assert_true(exists(sfx_join(mnt_fs, "in-tmpfs.tmp")));
	expect_outside_intact();

	assert_int_equal(umount(mnt_bind), 0);
	assert_int_equal(umount(mnt_fs), 0);
}

/* ---- [files-not-to-snapshot] in vssd.conf ------------------------- */

static int
load_conf(const char *text, struct config **ret)
{
	char path[PATH_MAX];
	int r;

	snprintf(path, sizeof(path), "%s/vssd.conf", base);
	sfx_write_file(path, text);
	r = config_load(path, ret);
	unlink(path);
	return r;
}

static void
test_config(void **state)
{
	static char homes[64][PATH_MAX];
	struct config *c = NULL;
	size_t n = profile_homes(homes, 64);

	/* Read after the entries: still applies to them. */
	assert_int_equal(load_conf("[files-not-to-snapshot]\n"
				   "app one = /var/cache/app/*.tmp /s;"
				   "$AllVolumes$/tmp/x*; ;\n"
				   "  /var/crash/core.*\n"
				   "app two = $UserProfile$/.cache/* /s\n"
				   "[vssd]\n"
				   "disable_user_profile_expansion = yes\n",
				   &c),
			 0);
	assert_true(c->disable_user_profile_expansion);
	assert_int_equal(c->files_not_to_snapshot.n, 3);
	expect_path_spec(&c->files_not_to_snapshot.v[0], "/var/cache/app",
			 "*.tmp", true);
	assert_true(c->files_not_to_snapshot.v[1].all_volumes);
	expect_path_spec(&c->files_not_to_snapshot.v[2], "/var/crash",
			 "core.*", false);
	config_free(c);

	assert_int_equal(load_conf("[files-not-to-snapshot]\n"
				   "app two = $UserProfile$/.cache/* /s\n",
				   &c),
			 0);
	assert_false(c->disable_user_profile_expansion);
	assert_int_equal(c->files_not_to_snapshot.n, n);
	config_free(c);

	/* A bad entry or flag refuses the file. */
	c = NULL;
	assert_int_equal(load_conf("[files-not-to-snapshot]\n"
				   "app = /var/cache/*.tmp;/var/*/x\n",
				   &c),
			 -EINVAL);
	assert_null(c);
	assert_int_equal(load_conf("[vssd]\n"
				   "disable_user_profile_expansion = maybe\n",
				   &c),
			 -EINVAL);
	assert_null(c);
}

int
main(void)
{
	const struct CMUnitTest parse[] = {
		cmocka_unit_test(test_parse_plain),
		cmocka_unit_test(test_parse_recursive),
		cmocka_unit_test(test_parse_all_volumes),
		cmocka_unit_test(test_parse_user_profile),
		cmocka_unit_test(test_parse_refused),
		cmocka_unit_test(test_add_wmd),
		cmocka_unit_test(test_copy),
	};
#define TREE(f) cmocka_unit_test_setup_teardown(f, tree_setup, tree_teardown)
	const struct CMUnitTest tree[] = {
		TREE(test_apply_flat),
		TREE(test_apply_same_dir),
		TREE(test_apply_recursive),
		TREE(test_apply_other_volumes),
		TREE(test_apply_all_volumes),
		TREE(test_apply_failures),
		TREE(test_config),
		TREE(test_apply_mounts),
	};
#undef TREE
	int r;

	sfx_init();
	r = cmocka_run_group_tests_name("parse", parse, NULL, NULL);
	r += cmocka_run_group_tests_name("apply", tree, NULL, NULL);
	return sfx_exit_status(r, "nested mounts (test_apply_mounts)");
}
