/*
 * tests/unit/test_fileset.c - what "vss backup" lists from a shadow copy
 * (cli/fileset.c, spec backup.md section 14), on a plain directory tree
 * standing in for the shadow copy of a volume mounted at /vol.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileset.h"

static char root[] = "/tmp/vss-test-fileset-XXXXXX";
static char other_root[PATH_MAX];

static void
make_file(const char *rel, size_t size)
{
	char path[PATH_MAX], *data;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	data = calloc(1, size + 1);
	assert_non_null(data);
	assert_int_equal(write(fd, data, size), (ssize_t)size);
	free(data);
	close(fd);
}

static void
make_dir(const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(mkdir(path, 0755), 0);
}

/*
 * /vol/data/{a.db (100 B), b.log (10 B), sub/c.db (1000 B),
 * sub/deep/d.db, empty/, tosub -> sub}, /vol/other/x; a second volume at
 * /mnt/two (other_root) holding y.db.
 */
static int
setup(void **state)
{
	char path[PATH_MAX];

	(void)state;
	if (!mkdtemp(root))
		return -1;
	make_dir("data");
	make_file("data/a.db", 100);
	make_file("data/b.log", 10);
	make_dir("data/sub");
	make_file("data/sub/c.db", 1000);
	make_dir("data/sub/deep");
	make_file("data/sub/deep/d.db", 1);
	make_dir("data/empty");
	snprintf(path, sizeof(path), "%s/data/tosub", root);
	assert_int_equal(symlink("sub", path), 0);
	make_dir("other");
	make_file("other/x", 5);
	make_dir("two");
	make_file("two/y.db", 7);
	snprintf(other_root, sizeof(other_root), "%s/two", root);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static struct fileset *
new_fileset(int (*interrupted)(void))
{
	const struct fileset_volume vols[] = {
		{.mount_point = "/vol", .shadow_root = root},
		{.mount_point = "/vol/two", .shadow_root = other_root},
	};
	struct fileset *fs;

	assert_int_equal(fileset_new(&fs, vols, 2, interrupted), 0);
	return fs;
}

static int
compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The objects listed, as "VOLUME:PATH" sorted and joined with ','. */
static char *
listing(const struct fileset *fs)
{
	size_t i, n = fileset_count(fs), len = 1;
	char **items = calloc(n + 1, sizeof(*items)), *out;

	assert_non_null(items);
	for (i = 0; i < n; i++) {
		assert_true(asprintf(&items[i], "%zu:%s",
				     fileset_object(fs, i)->volume,
				     fileset_object(fs, i)->path) > 0);
		len += strlen(items[i]) + 1;
	}
	qsort(items, n, sizeof(*items), compare_strings);
	out = calloc(1, len);
	assert_non_null(out);
	for (i = 0; i < n; i++) {
		if (i)
			strcat(out, ",");
		strcat(out, items[i]);
		free(items[i]);
	}
	free(items);
	return out;
}

static int
add_set(struct fileset *fs, const char *path, const char *spec,
	bool recursive, size_t component)
{
	const struct vss_file_desc fd = {
		.path = path,
		.filespec = spec,
		.recursive = recursive,
		.backup_type_mask = VSS_FSBT_DEFAULT,
	};
	char err[512];

	return fileset_add_file_set(fs, &fd, component, err, sizeof(err));
}

static void
expect_listing(const struct fileset *fs, const char *want)
{
	char *got = listing(fs);

	assert_string_equal(got, want);
	free(got);
}

/* A flat file set: the matching names of its directory only. */
static void
test_flat(void **state)
{
	struct fileset *fs = new_fileset(NULL);

	(void)state;
	assert_int_equal(add_set(fs, "/vol/data", "*.db", false, 0), 0);
	expect_listing(fs, "0:data/a.db");
	/* A directory is not listed by a flat set, even if it matches. */
	assert_int_equal(add_set(fs, "/vol/data/", "*", false, 0), 0);
	expect_listing(fs, "0:data/a.db,0:data/a.db,0:data/b.log,"
			   "0:data/tosub");
	fileset_free(fs);
}

/*
 * A recursive set: this directory and every one below; matching
 * directories are objects too, symbolic links are listed, not followed.
 */
static void
test_recursive(void **state)
{
	struct fileset *fs = new_fileset(NULL);

	(void)state;
	assert_int_equal(add_set(fs, "/vol/data", "*.db", true, 0), 0);
	expect_listing(fs, "0:data/a.db,0:data/sub/c.db,0:data/sub/deep/d.db");
	fileset_free(fs);

	fs = new_fileset(NULL);
	assert_int_equal(add_set(fs, "/vol//data", "*", true, 0), 0);
	expect_listing(fs, "0:data/a.db,0:data/b.log,0:data/empty,"
			   "0:data/sub,0:data/sub/c.db,0:data/sub/deep,"
			   "0:data/sub/deep/d.db,0:data/tosub");
	fileset_free(fs);
}

/* BK-141: a file spec without wildcards must name a file. */
static void
test_bk141_missing(void **state)
{
	struct fileset *fs = new_fileset(NULL);
	const struct vss_file_desc fd = {
		.path = "/vol/data", .filespec = "nosuch.db",
	};
	char err[512];

	(void)state;
	assert_int_equal(fileset_add_file_set(fs, &fd, 0, err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "/vol/data/nosuch.db"));
	assert_int_equal(add_set(fs, "/vol/nodir", "x", false, 0), -ENOENT);
	/* A wildcard may match nothing, even in no directory. */
	assert_int_equal(add_set(fs, "/vol/data", "*.none", true, 0), 0);
	assert_int_equal(add_set(fs, "/vol/nodir", "*", true, 0), 0);
	/* Found below the top of a recursive set is found. */
	assert_int_equal(add_set(fs, "/vol/data", "c.db", true, 0), 0);
	assert_int_equal(add_set(fs, "/vol/data", "b.log", false, 0), 0);
	expect_listing(fs, "0:data/b.log,0:data/sub/c.db");
	fileset_free(fs);
}

/* Directories that are not paths of the set, or not plainly reachable. */
static void
test_bad_directories(void **state)
{
	struct fileset *fs = new_fileset(NULL);

	(void)state;
	assert_int_equal(add_set(fs, "data", "*", true, 0), -EINVAL);
	assert_int_equal(add_set(fs, "/vol/data/../other", "*", true, 0),
			 -EINVAL);
	assert_int_equal(add_set(fs, "/elsewhere", "*", true, 0), -EXDEV);
	/* "/volume" is not below "/vol": whole elements only. */
	assert_int_equal(add_set(fs, "/volume", "*", true, 0), -EXDEV);
	/* No symbolic link is followed on the way to the directory. */
	assert_int_equal(add_set(fs, "/vol/data/tosub", "*", true, 0),
			 -ELOOP);
	assert_int_equal(fileset_count(fs), 0);
	fileset_free(fs);
}

/* The volume with the longest mount point holding the path wins. */
static void
test_nested_volume(void **state)
{
	struct fileset *fs = new_fileset(NULL);

	(void)state;
	assert_int_equal(add_set(fs, "/vol/two", "*.db", false, 0), 0);
	expect_listing(fs, "1:y.db");
	fileset_free(fs);
}

/* BK-140: exclusions on the normal path win; a directory takes its tree. */
static void
test_bk140_exclusions(void **state)
{
	struct fileset *fs = new_fileset(NULL);

	(void)state;
	assert_int_equal(fileset_exclude(fs, "/vol/data", "sub", false), 0);
	assert_int_equal(fileset_exclude(fs, "/vol", "*.log", true), 0);
	assert_int_equal(fileset_exclude(fs, "relative", "*", true), -EINVAL);
	assert_int_equal(add_set(fs, "/vol/data", "*", true, 0), 0);
	expect_listing(fs, "0:data/a.db,0:data/empty,0:data/tosub");
	/* b.log and sub (with what it holds counted as one). */
	assert_int_equal(fileset_excluded(fs), 2);
	/* A literal spec naming an excluded file exists: no failure. */
	assert_int_equal(add_set(fs, "/vol/data", "b.log", false, 1), 0);
	assert_int_equal(fileset_count(fs), 3);
	fileset_free(fs);
}

/* Each object as "VOLUME:PATH<VOLUME:SOURCE", sorted, joined by ','. */
static void
expect_sources(const struct fileset *fs, const char *want)
{
	const struct fileset_object *o;
	char items[16][128], *order[16], got[1024] = "";
	size_t i, n = fileset_count(fs);

	assert_true(n <= 16);
	for (i = 0; i < n; i++) {
		o = fileset_object(fs, i);
		snprintf(items[i], sizeof(items[i]), "%zu:%s<%zu:%s",
			 o->volume, o->path, o->source_volume,
			 o->source_path);
		order[i] = items[i];
	}
	qsort(order, n, sizeof(*order), compare_strings);
	for (i = 0; i < n; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s",
			 i ? "," : "", order[i]);
	assert_string_equal(got, want);
}

/*
 * BK-140, MD-023: a file set with an alternate path is read from it, on
 * any volume of the set, and listed at its normal path, where the
 * exclusions are matched.
 */
static void
test_alternate_path(void **state)
{
	struct vss_file_desc fd = {
		.path = "/vol/normal",
		.filespec = "*.db",
		.recursive = true,
		.alternate_path = "/vol/data/",
	};
	struct fileset *fs = new_fileset(NULL);
	char err[512];

	(void)state;
	/* Matched on the normal path: deep goes; a.db is not excluded. */
	assert_int_equal(fileset_exclude(fs, "/vol/normal/sub", "deep", false),
			 0);
	assert_int_equal(fileset_exclude(fs, "/vol/data", "a.db", false), 0);
	assert_int_equal(fileset_add_file_set(fs, &fd, 0, err, sizeof(err)),
			 0);
	expect_sources(fs, "0:normal/a.db<0:data/a.db,"
			   "0:normal/sub/c.db<0:data/sub/c.db");
	assert_int_equal(fileset_excluded(fs), 1);
	fileset_free(fs);

	/* From another volume; the normal path need not exist. */
	fs = new_fileset(NULL);
	fd.alternate_path = "/vol/two";
	fd.recursive = false;
	assert_int_equal(fileset_add_file_set(fs, &fd, 0, err, sizeof(err)),
			 0);
	expect_sources(fs, "0:normal/y.db<1:y.db");
	/* Without one, the same object is read where it is recorded. */
	assert_int_equal(add_set(fs, "/vol/two", "y.db", false, 1), 0);
	assert_ptr_equal(fileset_object(fs, 1)->source_path,
			 fileset_object(fs, 1)->path);
	assert_int_equal(fileset_object(fs, 1)->source_volume, 1);

	/* Errors name the alternate path and the normal one. */
	fd.alternate_path = "/elsewhere";
	assert_int_equal(fileset_add_file_set(fs, &fd, 0, err, sizeof(err)),
			 -EXDEV);
	assert_non_null(strstr(err, "alternate path of /vol/normal: "
				    "/elsewhere: on no volume"));
	fd.alternate_path = "/vol/data";
	fd.filespec = "nosuch.db";
	assert_int_equal(fileset_add_file_set(fs, &fd, 0, err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "/vol/data/nosuch.db: no such file"));
	fd.alternate_path = "/vol/data/tosub";
	fd.filespec = "*";
	assert_int_equal(fileset_add_file_set(fs, &fd, 0, err, sizeof(err)),
			 -ELOOP);
	fd.path = "/elsewhere";
	fd.alternate_path = "/vol/data";
	assert_int_equal(fileset_add_file_set(fs, &fd, 0, err, sizeof(err)),
			 -EXDEV);
	assert_non_null(strstr(err, "/elsewhere: on no volume of the shadow "
				    "copy set, so the files of its alternate "
				    "path /vol/data have no place"));
	assert_int_equal(fileset_count(fs), 2);
	assert_int_equal(fileset_skipped_count(fs), 0);
	fileset_free(fs);
}

/* A plain path: itself and everything below it. */
static void
test_add_path(void **state)
{
	struct fileset *fs = new_fileset(NULL);
	char err[512];

	(void)state;
	assert_int_equal(fileset_add_path(fs, "/vol/data/sub",
					  FILESET_NO_COMPONENT, err,
					  sizeof(err)),
			 0);
	expect_listing(fs, "0:data/sub,0:data/sub/c.db,0:data/sub/deep,"
			   "0:data/sub/deep/d.db");
	assert_int_equal(fileset_object(fs, 0)->component,
			 FILESET_NO_COMPONENT);
	/* The first object is the path itself, directories before contents. */
	assert_string_equal(fileset_object(fs, 0)->path, "data/sub");
	fileset_free(fs);

	fs = new_fileset(NULL);
	assert_int_equal(fileset_add_path(fs, "/vol/other/x", 3, err,
					  sizeof(err)),
			 0);
	assert_int_equal(fileset_add_path(fs, "/vol/two", 3, err,
					  sizeof(err)),
			 0);
	expect_listing(fs, "0:other/x,1:,1:y.db");
	assert_int_equal(fileset_add_path(fs, "/vol/nosuch", 3, err,
					  sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "/vol/nosuch"));
	fileset_free(fs);
}

/* Listed twice (two components): tagged twice, counted once. */
static void
test_duplicates(void **state)
{
	struct fileset *fs = new_fileset(NULL);
	uint64_t objects, bytes;
	size_t i, dups = 0;

	(void)state;
	assert_int_equal(add_set(fs, "/vol/data", "*.db", true, 0), 0);
	assert_int_equal(add_set(fs, "/vol/data/sub", "*", false, 1), 0);
	assert_int_equal(fileset_count(fs), 4);
	fileset_finish(fs, &objects, &bytes);
	assert_int_equal(objects, 3);
	assert_int_equal(bytes, 100 + 1000 + 1);
	for (i = 0; i < fileset_count(fs); i++) {
		if (!fileset_object(fs, i)->duplicate)
			continue;
		dups++;
		/* The later listing is the duplicate, with its own tag. */
		assert_string_equal(fileset_object(fs, i)->path,
				    "data/sub/c.db");
		assert_int_equal(fileset_object(fs, i)->component, 1);
	}
	assert_int_equal(dups, 1);
	fileset_free(fs);
}

static int
always_interrupted(void)
{
	return 1;
}

static void
test_interrupted(void **state)
{
	struct fileset *fs = new_fileset(always_interrupted);

	(void)state;
	assert_int_equal(add_set(fs, "/vol/data", "*", true, 0), -EINTR);
	fileset_free(fs);
}

/*
 * BK-143: a recursive walk that meets the mount point of another volume
 * of the set (the fixture's /vol/two, whose shadow copy is read at
 * other_root) lists the outer volume's directory there, then goes on in
 * that volume's shadow copy, its root included, listing on that volume;
 * a file system mounted there that is no volume of the set is listed as
 * a directory of the outer volume, reported and not gone into.
 */
static void
test_bk143_mount_points(void **state)
{
	const struct fileset_skip *sk;
	struct vss_file_desc fd = {
		.path = "/vol/normal",
		.filespec = "*.db",
		.recursive = true,
		.alternate_path = "/vol",
	};
	struct fileset *fs = new_fileset(NULL);
	char err[512];

	(void)state;
	assert_int_equal(fileset_add_other_mount(fs, "/vol/other"), 0);
	/* The same twice, or a volume of the set: nothing changes. */
	assert_int_equal(fileset_add_other_mount(fs, "/vol/other"), 0);
	assert_int_equal(fileset_add_other_mount(fs, "/vol/two"), 0);
	assert_int_equal(fileset_add_other_mount(fs, "vol/x"), -EINVAL);
	assert_int_equal(fileset_add_path(fs, "/vol", 0, err, sizeof(err)), 0);
	expect_listing(fs, "0:,0:data,0:data/a.db,0:data/b.log,0:data/empty,"
			   "0:data/sub,0:data/sub/c.db,0:data/sub/deep,"
			   "0:data/sub/deep/d.db,0:data/tosub,0:other,0:two,"
			   "1:,1:y.db");
	assert_int_equal(fileset_skipped_count(fs), 1);
	sk = fileset_skipped(fs, 0);
	assert_int_equal(sk->volume, 0);
	assert_string_equal(sk->path, "other");
	assert_string_equal(sk->reason, FILESET_SKIP_MOUNT);
	/* A file set names its files only, on whichever volume they are. */
	assert_int_equal(add_set(fs, "/vol", "y.db", true, 1), 0);
	assert_int_equal(fileset_count(fs), 15);
	assert_int_equal(fileset_object(fs, 14)->volume, 1);
	assert_string_equal(fileset_object(fs, 14)->path, "y.db");
	/* A flat set does not go into directories, mounted or not. */
	assert_int_equal(add_set(fs, "/vol", "*", false, 1), 0);
	assert_int_equal(fileset_count(fs), 15);
	fileset_free(fs);

	/* Excluded on the normal path, the mount point takes its volume. */
	fs = new_fileset(NULL);
	assert_int_equal(fileset_exclude(fs, "/vol", "two", false), 0);
	assert_int_equal(fileset_exclude(fs, "/vol", "other", false), 0);
	assert_int_equal(fileset_add_other_mount(fs, "/vol/other"), 0);
	assert_int_equal(add_set(fs, "/vol", "*.db", true, 0), 0);
	expect_listing(fs, "0:data/a.db,0:data/sub/c.db,0:data/sub/deep/d.db");
	assert_int_equal(fileset_excluded(fs), 2);
	assert_int_equal(fileset_skipped_count(fs), 0);
	fileset_free(fs);

	/*
	 * Read from an alternate path that holds the mount point: what the
	 * mounted volume holds is read there and listed at the normal path.
	 */
	fs = new_fileset(NULL);
	assert_int_equal(fileset_add_file_set(fs, &fd, 0, err, sizeof(err)),
			 0);
	expect_sources(fs, "0:normal/data/a.db<0:data/a.db,"
			   "0:normal/data/sub/c.db<0:data/sub/c.db,"
			   "0:normal/data/sub/deep/d.db<0:data/sub/deep/d.db,"
			   "0:normal/two/y.db<1:y.db");
	fileset_free(fs);
}

/*
 * A file mounted over a file of the volume (a bind mount): the shadow
 * copy shows the file below the mount, which is listed, and the walk
 * reports it skipped, as for a directory; only when the file set names
 * it, also in a flat set.
 */
static void
test_file_mount(void **state)
{
	const struct fileset_skip *sk;
	struct fileset *fs = new_fileset(NULL);

	(void)state;
	assert_int_equal(fileset_add_other_mount(fs, "/vol/data/a.db"), 0);
	assert_int_equal(add_set(fs, "/vol/data", "*.log", false, 0), 0);
	expect_listing(fs, "0:data/b.log");
	assert_int_equal(fileset_skipped_count(fs), 0);
	assert_int_equal(add_set(fs, "/vol/data", "*.db", false, 0), 0);
	expect_listing(fs, "0:data/a.db,0:data/b.log");
	assert_int_equal(fileset_skipped_count(fs), 1);
	sk = fileset_skipped(fs, 0);
	assert_int_equal(sk->volume, 0);
	assert_string_equal(sk->path, "data/a.db");
	assert_string_equal(sk->reason, FILESET_SKIP_MOUNT);
	fileset_free(fs);
}

static char *
write_config(const char *text)
{
	static char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/vss.conf", root);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* BK-142: the [files-not-to-backup] entries. */
static void
test_bk142_rules(void **state)
{
	struct fileset_rule *rules;
	size_t n;
	char err[256];

	(void)state;
	assert_int_equal(fileset_rules_load(write_config(
		"[vssd]\nfreeze_timeout_ms = 5\n"
		"[files-not-to-backup]\n"
		"app = /srv/app/*.tmp /s;/var/crash//core.* ;\n"
		"    /x?\n"
		"other writer = /srv/z /S\n"),
					    false, &rules, &n, err, sizeof(err)),
			 0);
	assert_int_equal(n, 4);
	assert_string_equal(rules[0].owner, "app");
	assert_string_equal(rules[0].path, "/srv/app");
	assert_string_equal(rules[0].filespec, "*.tmp");
	assert_true(rules[0].recursive);
	assert_string_equal(rules[1].path, "/var/crash");
	assert_string_equal(rules[1].filespec, "core.*");
	assert_false(rules[1].recursive);
	/* The indented line continues the key above it. */
	assert_string_equal(rules[2].owner, "app");
	assert_string_equal(rules[2].path, "/");
	assert_string_equal(rules[2].filespec, "x?");
	assert_string_equal(rules[3].owner, "other writer");
	assert_true(rules[3].recursive);
	fileset_rules_free(rules, n);

	/* Missing: nothing, or an error when the file was asked for. */
	assert_int_equal(fileset_rules_load("/nonexistent/vss.conf", true,
					    &rules, &n, err, sizeof(err)),
			 0);
	assert_int_equal(n, 0);
	assert_null(rules);
	assert_int_equal(fileset_rules_load("/nonexistent/vss.conf", false,
					    &rules, &n, err, sizeof(err)),
			 -ENOENT);
}

/* Bad entries refuse the file, naming the line. */
static void
test_bk142_bad_rules(void **state)
{
	static const char *const bad[] = {
		"a = relative/*.tmp\n",
		"a = /srv/*/x\n",
		"a = /srv/../x\n",
		"a = /srv/dir/\n",
		"a = /srv/./x\n",
	};
	struct fileset_rule *rules;
	char text[256], err[256];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "[files-not-to-backup]\n%s",
			 bad[i]);
		assert_int_equal(fileset_rules_load(write_config(text), false,
						    &rules, &n, err,
						    sizeof(err)),
				 -EINVAL);
		assert_non_null(strstr(err, "line 2"));
		assert_null(rules);
	}
}

/*
 * BK-142 with the prefixes vssd's FilesNotToSnapshot entries take:
 * $AllVolumes$ names the same place below every volume's mount point, for
 * that volume's objects; $UserProfile$ one place in every home.
 */
static void
test_bk142_prefixes(void **state)
{
	struct fileset_rule *rules;
	struct passwd *pw;
	struct fileset *fs;
	char err[256];
	bool root_home = false;
	size_t i, n;

	(void)state;
	assert_int_equal(fileset_rules_load(write_config(
		"[files-not-to-backup]\n"
		"any = $AllVolumes$/*.db;$allvolumes$/data//sub/* /s\n"),
					    false, &rules, &n, err, sizeof(err)),
			 0);
	assert_int_equal(n, 2);
	assert_true(rules[0].all_volumes);
	assert_string_equal(rules[0].path, "");
	assert_string_equal(rules[0].filespec, "*.db");
	assert_false(rules[0].recursive);
	assert_true(rules[1].all_volumes);
	assert_string_equal(rules[1].path, "data/sub");
	assert_true(rules[1].recursive);

	fs = new_fileset(NULL);
	for (i = 0; i < n; i++)
		assert_int_equal(fileset_exclude_rule(fs, &rules[i]), 0);
	fileset_rules_free(rules, n);
	/* /vol/two/y.db: at the root of the second volume. */
	assert_int_equal(add_set(fs, "/vol/two", "*.db", false, 0), 0);
	expect_listing(fs, "");
	/* "*.db" is for the root of /vol only, not for /vol/data. */
	assert_int_equal(add_set(fs, "/vol/data", "*", true, 0), 0);
	expect_listing(fs, "0:data/a.db,0:data/b.log,0:data/empty,0:data/sub,"
			   "0:data/tosub");
	/* y.db, then c.db and deep (with what it holds) in data/sub. */
	assert_int_equal(fileset_excluded(fs), 3);
	fileset_free(fs);
	/*
	 * Reached from the first volume, y.db is still the second volume's
	 * object (BK-143: the walk goes on in the volume mounted at two), at
	 * its root, where that volume's exclusion takes it; the first
	 * volume's is not for it.  Excluded, the literal name still exists.
	 */
	fs = new_fileset(NULL);
	assert_int_equal(fileset_rules_load(write_config(
		"[files-not-to-backup]\nany = $AllVolumes$/*.db\n"),
					    false, &rules, &n, err, sizeof(err)),
			 0);
	assert_int_equal(fileset_exclude_rule(fs, &rules[0]), 0);
	fileset_rules_free(rules, n);
	assert_int_equal(add_set(fs, "/vol/two", "*", true, 0), 0);
	assert_int_equal(add_set(fs, "/vol", "y.db", true, 0), 0);
	expect_listing(fs, "");
	assert_int_equal(fileset_excluded(fs), 2);
	fileset_free(fs);

	/* One rule per home directory; root's is one of them. */
	assert_int_equal(fileset_rules_load(write_config(
		"[files-not-to-backup]\n"
		"profiles = $UserProfile$/.cache/* /s\n"),
					    false, &rules, &n, err, sizeof(err)),
			 0);
	pw = getpwuid(0);
	assert_non_null(pw);
	assert_true(n >= 1);
	for (i = 0; i < n; i++) {
		assert_string_equal(rules[i].owner, "profiles");
		assert_false(rules[i].all_volumes);
		assert_string_equal(rules[i].filespec, "*");
		assert_true(rules[i].recursive);
		assert_non_null(strstr(rules[i].path, "/.cache"));
		root_home = root_home ||
			    (strncmp(rules[i].path, pw->pw_dir,
				     strlen(pw->pw_dir)) == 0 &&
			     strcmp(rules[i].path + strlen(pw->pw_dir),
				    "/.cache") == 0);
	}
	assert_true(root_home);
	fileset_rules_free(rules, n);

	/* Refused as vssd refuses them, saying why. */
	assert_int_equal(fileset_rules_load(write_config(
		"[files-not-to-backup]\n"
		"x = $AllVolumes$/../etc/*\n"),
					    false, &rules, &n, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "line 2"));
	assert_non_null(strstr(err, "'$AllVolumes$/../etc/*': '.' and '..'"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flat),
		cmocka_unit_test(test_recursive),
		cmocka_unit_test(test_bk141_missing),
		cmocka_unit_test(test_bad_directories),
		cmocka_unit_test(test_nested_volume),
		cmocka_unit_test(test_bk140_exclusions),
		cmocka_unit_test(test_add_path),
		cmocka_unit_test(test_alternate_path),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_interrupted),
		/* Before the BK-142 tests, which add vss.conf to the volume. */
		cmocka_unit_test(test_bk143_mount_points),
		cmocka_unit_test(test_file_mount),
		cmocka_unit_test(test_bk142_rules),
		cmocka_unit_test(test_bk142_bad_rules),
		cmocka_unit_test(test_bk142_prefixes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
