/*
 * tests/unit/test_backupset.c - the backup set of the vss command
 * (cli/backupset.h): the copy engine's round trip of every object type
 * and every piece of metadata, hard links, holes, components, refused
 * paths, the partial set and the commit, the strict manifest parser on
 * hostile manifests, verify on damaged sets, and FICLONE on a loop btrfs.
 *
 * The round trip (owners, device nodes) and the btrfs case need root and
 * skip without it (sys_fixture.h); the rest runs as anyone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <pwd.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "alloc_fail.h"
#include "backupset.h"
#include "bset_internal.h"
#include "fs_expect.h"
#include "sys_fixture.h"

#define IMAGE_SIZE (256LL << 20)

static struct {
	char dir[64];
	char work[96];   /* the trees of the tests, removed at the end */
	char btrfs[96];  /* a loop-mounted btrfs (root only) */
	char image[96];
	char loop[32];
	bool have_btrfs;
} env;

/* ---- helpers ----------------------------------------------------------- */

static int
make_writable(const char *path, const struct stat *st, int flag,
	      struct FTW *ftw)
{
	if (flag == FTW_D)
		chmod(path, 0700);
	return 0;
}

static int
remove_one(const char *path, const struct stat *st, int flag,
	   struct FTW *ftw)
{
	remove(path);
	return 0;
}

/* rm -rf, not following symbolic links, not crossing mounts. */
static void
rm_tree(const char *path)
{
	nftw(path, make_writable, 16, FTW_PHYS | FTW_MOUNT);
	nftw(path, remove_one, 16, FTW_PHYS | FTW_MOUNT | FTW_DEPTH);
}

/* A path below the work directory, in one of sfx_join()'s buffers. */
static const char *
w(const char *rel)
{
	return sfx_join(env.work, rel);
}

static void
write_at(const char *path, const char *text)
{
	sfx_write_file(path, text);
}

static struct bset *
new_set(const char *name, const char *src)
{
	struct bset_volume v = {
		.mount_point = "/mnt/test",
		.fstype = "ext4",
		.shadow_root = src,
	};
	struct bset *s = NULL;
	size_t idx = 99;

	assert_int_equal(bset_create(&s, name), 0);
	assert_int_equal(bset_add_volume(s, &v, &idx), 0);
	assert_int_equal(idx, 0);
	return s;
}

static const struct bset_info info = {
	.context = 0,
	.backup_type = VSS_BT_FULL,
	.created = 133000000000000000LL,
	.freeze_window_ms = 12.5,
	.application_consistent = true,
};

static const struct bset_entry *
find_entry(const struct bset_manifest *m, const char *path)
{
	size_t i;

	for (i = 0; i < bset_manifest_entry_count(m); i++)
		if (strcmp(bset_manifest_entry(m, i)->path, path) == 0)
			return bset_manifest_entry(m, i);
	fail_msg("no entry \"%s\" in the manifest", path);
	return NULL;
}

static void
expect_same_xattr(const char *a, const char *b, const char *name)
{
	char va[4096], vb[4096];
	ssize_t na, nb;

	na = lgetxattr(a, name, va, sizeof(va));
	nb = lgetxattr(b, name, vb, sizeof(vb));
	assert_true(na > 0);
	assert_int_equal(na, nb);
	assert_memory_equal(va, vb, (size_t)na);
}

/* ---- the round trip (root) ---------------------------------------------- */

#define T_A 1000000000123456789LL
#define T_M 1500000000987654321LL
#define SPARSE_SIZE (16 << 20)

static void
make_tree(const char *src)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char big[4096];
	int fd, sock;

	assert_int_equal(mkdir(src, 0755), 0);
	assert_int_equal(mkdir(sfx_join(src, "d"), 0755), 0);
	write_at(sfx_join(src, "d/f"), "the file's content\n");
	assert_int_equal(setxattr(sfx_join(src, "d/f"), "user.note", "hi", 2, 0),
			 0);
	fsx_set_acl(sfx_join(src, "d/f"), "system.posix_acl_access");
	assert_int_equal(chown(sfx_join(src, "d/f"), 1001, 1002), 0);
	/* After chown, which clears it. */
	assert_int_equal(chmod(sfx_join(src, "d/f"), 04754), 0);
	fsx_set_times(sfx_join(src, "d/f"), T_A, T_M);
	assert_int_equal(link(sfx_join(src, "d/f"), sfx_join(src, "d/f2")), 0);
	/* A symbolic link pointing outside the volume: kept, never followed. */
	assert_int_equal(symlink("../../../etc/passwd", sfx_join(src, "d/ln")),
			 0);
	assert_int_equal(lchown(sfx_join(src, "d/ln"), 1003, 1004), 0);
	fsx_set_times(sfx_join(src, "d/ln"), T_A + 1, T_M + 1);
	/* Data at 0 and at 8 MiB of 16 MiB; the rest holes. */
	fd = open(sfx_join(src, "sparse"), O_WRONLY | O_CREAT | O_EXCL, 0640);
	assert_true(fd >= 0);
	memset(big, 'a', sizeof(big));
	assert_int_equal(pwrite(fd, big, sizeof(big), 0), sizeof(big));
	memset(big, 'b', sizeof(big));
	assert_int_equal(pwrite(fd, big, sizeof(big), 8 << 20), sizeof(big));
	assert_int_equal(ftruncate(fd, SPARSE_SIZE), 0);
	close(fd);
	assert_int_equal(mkfifo(sfx_join(src, "fifo"), 0640), 0);
	assert_int_equal(mknod(sfx_join(src, "null"), S_IFCHR | 0666,
			       makedev(1, 3)), 0);
	assert_int_equal(chmod(sfx_join(src, "null"), 0666), 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sfx_join(src, "sock"));
	sock = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(sock, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(sock);
	/* The directory last: its times after its contents. */
	assert_int_equal(setxattr(sfx_join(src, "d"), "user.dir", "d", 1, 0), 0);
	assert_int_equal(chown(sfx_join(src, "d"), 1234, 5678), 0);
	assert_int_equal(chmod(sfx_join(src, "d"), 03775), 0);
	fsx_set_times(sfx_join(src, "d"), T_A + 2, T_M + 2);
}

static void
test_roundtrip(void **state)
{
	static const char *const objects[] = {
		"d/f", "d/f2", "d/ln", "sparse", "fifo", "null", "sock",
	};
	char src[128], set[128], out[160], link[64];
	struct bset_manifest *m;
	struct bset_stats stats;
	const struct bset_entry *e;
	struct stat a, b;
	uint64_t checked, bad;
	struct bset *s;
	size_t i;

	sfx_require();
	snprintf(src, sizeof(src), "%s", w("rt-src"));
	snprintf(set, sizeof(set), "%s", w("rt-set"));
	make_tree(src);
	s = new_set(set, src);
	/* "d/f" first: "" and "d" come along as parents. */
	for (i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
		assert_int_equal(bset_copy(s, 0, objects[i], BSET_NO_COMPONENT),
				 0);
	bset_get_stats(s, &stats);
	assert_int_equal(stats.files, 9);
	assert_int_equal(stats.hardlinks, 1);
	assert_int_equal(stats.failed, 0);
	assert_int_equal(stats.xattrs_kept_in_manifest_only, 0);
	assert_int_equal(bset_commit(s, &info), 0);
	bset_free(s);

	snprintf(out, sizeof(out), "%s/data/0", set);
	fsx_expect_meta(sfx_join(out, "d"), S_IFDIR | 03775, 1234, 5678,
			T_A + 2, T_M + 2);
	expect_same_xattr(sfx_join(src, "d"), sfx_join(out, "d"), "user.dir");
	fsx_expect_meta(sfx_join(out, "d/f"), S_IFREG | 04754, 1001, 1002, T_A,
			T_M);
	expect_same_xattr(sfx_join(src, "d/f"), sfx_join(out, "d/f"),
			  "user.note");
	expect_same_xattr(sfx_join(src, "d/f"), sfx_join(out, "d/f"),
			  "system.posix_acl_access");
	fsx_expect_same_content(sfx_join(src, "d/f"), sfx_join(out, "d/f"));
	assert_int_equal(lstat(sfx_join(out, "d/f"), &a), 0);
	assert_int_equal(lstat(sfx_join(out, "d/f2"), &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(a.st_nlink, 2);
	fsx_expect_meta(sfx_join(out, "d/ln"), S_IFLNK | 0777, 1003, 1004,
			T_A + 1, T_M + 1);
	assert_int_equal(readlink(sfx_join(out, "d/ln"), link, sizeof(link)),
			 19);
	assert_memory_equal(link, "../../../etc/passwd", 19);
	/* Holes stay holes: no more blocks than the source. */
	assert_int_equal(lstat(sfx_join(src, "sparse"), &a), 0);
	assert_int_equal(lstat(sfx_join(out, "sparse"), &b), 0);
	assert_int_equal(b.st_size, SPARSE_SIZE);
	assert_true(b.st_blocks <= a.st_blocks);
	assert_true(b.st_blocks < 1024);
	fsx_expect_same_content(sfx_join(src, "sparse"),
				sfx_join(out, "sparse"));
	assert_int_equal(lstat(sfx_join(out, "fifo"), &a), 0);
	assert_true(S_ISFIFO(a.st_mode));
	assert_int_equal(a.st_mode & 07777, 0640);
	assert_int_equal(lstat(sfx_join(out, "null"), &a), 0);
	assert_true(S_ISCHR(a.st_mode));
	assert_int_equal(a.st_rdev, makedev(1, 3));
	assert_int_equal(a.st_mode & 07777, 0666);
	/* A socket is recorded, not made. */
	assert_int_equal(lstat(sfx_join(out, "sock"), &a), -1);

	assert_int_equal(bset_manifest_load(&m, set, NULL, 0), 0);
	assert_int_equal(bset_manifest_entry_count(m), 9);
	e = find_entry(m, "d/f2");
	assert_string_equal(e->hardlink_of, "d/f");
	assert_null(e->sha256);
	e = find_entry(m, "d/f");
	assert_non_null(e->sha256);
	assert_int_equal(e->mode, S_IFREG | 04754);
	assert_int_equal(e->mtime_ns, T_M);
	assert_int_equal(e->xattr_count, 2);
	e = find_entry(m, "d/ln");
	assert_string_equal(e->link_target, "../../../etc/passwd");
	e = find_entry(m, "null");
	assert_int_equal(e->rdev, makedev(1, 3));
	e = find_entry(m, "sock");
	assert_true(S_ISSOCK(e->mode));
	assert_true(bset_manifest_info(m)->application_consistent);
	assert_true(bset_manifest_info(m)->freeze_window_ms == 12.5);
	bset_manifest_free(m);

	assert_int_equal(bset_verify(set, NULL, NULL, &checked, &bad), 0);
	assert_int_equal(checked, 2);
	assert_int_equal(bad, 0);
}

/* ---- components, refusals, partial and committed sets ------------------ */

static void
test_two_components(void **state)
{
	struct bset_component c = {.writer_name = "w", .name = "c0",
				   .type = VSS_CT_FILEGROUP, .explicit_ = true};
	struct bset_manifest *m;
	const struct bset_entry *e;
	const char *message;
	size_t c0, c1;
	struct bset *s;
	bool ok;

	assert_int_equal(mkdir(w("tc-src"), 0755), 0);
	write_at(w("tc-src/f"), "shared");
	s = new_set(w("tc-set"), w("tc-src"));
	assert_int_equal(bset_add_component(s, &c, &c0), -EINVAL);
	vss_id_generate(&c.class_id);
	assert_int_equal(bset_add_component(s, &c, &c0), 0);
	c.name = "c1";
	c.logical_path = "lp";
	assert_int_equal(bset_add_component(s, &c, &c1), 0);
	assert_int_equal(bset_copy(s, 0, "f", c0), 0);
	assert_int_equal(bset_copy(s, 0, "f", c1), 0);
	assert_int_equal(bset_copy(s, 0, "f", c1), 0);
	assert_int_equal(bset_copy(s, 0, "f", 7), -EINVAL);
	assert_int_equal(bset_copy(s, 1, "f", c0), -EINVAL);
	assert_int_equal(bset_set_component_result(s, c1, false, "disk full"),
			 0);
	assert_int_equal(bset_set_component_result(s, c0, true, NULL), 0);
	assert_int_equal(bset_commit(s, &info), 0);
	bset_free(s);

	assert_int_equal(bset_manifest_load(&m, w("tc-set"), NULL, 0), 0);
	e = find_entry(m, "f");
	assert_int_equal(e->component_count, 2);
	assert_int_equal(e->components[0], c0);
	assert_int_equal(e->components[1], c1);
	assert_int_equal(find_entry(m, "")->component_count, 0);
	assert_non_null(bset_manifest_component(m, c1, &ok, &message));
	assert_false(ok);
	assert_string_equal(message, "disk full");
	assert_string_equal(bset_manifest_component(m, c1, &ok, &message)
				    ->logical_path, "lp");
	assert_non_null(bset_manifest_component(m, c0, &ok, &message));
	assert_true(ok);
	assert_null(message);
	bset_manifest_free(m);
}

/* The entry of volume and path, or NULL. */
static const struct bset_entry *
entry_on(const struct bset_manifest *m, size_t volume, const char *path)
{
	const struct bset_entry *e;
	size_t i;

	for (i = 0; i < bset_manifest_entry_count(m); i++) {
		e = bset_manifest_entry(m, i);
		if (e->volume == volume && strcmp(e->path, path) == 0)
			return e;
	}
	return NULL;
}

/*
 * BK-140, MD-023: a file set with an alternate path is read from there
 * and recorded at its normal path, whose parents come from the shadow
 * copy of the normal path's volume, or, where it has none, from the
 * source's directories; hard links stay within a volume.
 */
static void
test_alternate_source(void **state)
{
	struct bset_volume v1 = {.mount_point = "/mnt/other"};
	struct bset_component c = {.writer_name = "w", .name = "c0",
				   .type = VSS_CT_FILEGROUP, .explicit_ = true};
	const struct bset_entry *e;
	struct bset_manifest *m;
	uint64_t checked, bad;
	size_t c0, c1, idx;
	char root1[256];
	struct stat st;
	struct bset *s;

	/* Volume 0: normal/ (0750) and the alternate spit/; volume 1: alt/. */
	assert_int_equal(mkdir(w("al-src0"), 0755), 0);
	assert_int_equal(mkdir(w("al-src0/normal"), 0750), 0);
	assert_int_equal(mkdir(w("al-src0/spit"), 0755), 0);
	write_at(w("al-src0/spit/x"), "from the alternate path");
	write_at(w("al-src0/normal/x"), "live, not the copy to keep");
	write_at(w("al-src0/spit/h1"), "linked");
	assert_int_equal(link(w("al-src0/spit/h1"), w("al-src0/spit/h2")), 0);
	assert_int_equal(mkdir(w("al-src1"), 0755), 0);
	assert_int_equal(mkdir(w("al-src1/alt"), 0711), 0);
	write_at(w("al-src1/alt/z"), "other volume");
	assert_int_equal(link(w("al-src1/alt/z"), w("al-src1/alt/z2")), 0);

	s = new_set(w("al-set"), w("al-src0"));
	/* w()'s buffers are reused: keep this one. */
	snprintf(root1, sizeof(root1), "%s", w("al-src1"));
	v1.shadow_root = root1;
	assert_int_equal(bset_add_volume(s, &v1, &idx), 0);
	assert_int_equal(idx, 1);
	vss_id_generate(&c.class_id);
	assert_int_equal(bset_add_component(s, &c, &c0), 0);
	c.name = "c1";
	assert_int_equal(bset_add_component(s, &c, &c1), 0);

	assert_int_equal(bset_copy_from(s, 0, "spit/x", 0, "normal/x", c0),
			 0);
	/* The place is taken: a second copy only tags it. */
	assert_int_equal(bset_copy(s, 0, "normal/x", c1), 0);
	assert_int_equal(bset_copy_from(s, 0, "spit/h1", 0, "normal/h1", c0),
			 0);
	assert_int_equal(bset_copy_from(s, 0, "spit/h2", 0, "normal/h2", c0),
			 0);
	/* From volume 1 to a normal path whose directories do not exist. */
	assert_int_equal(bset_copy_from(s, 1, "alt/z", 0, "gone/deeper/z", c0),
			 0);
	/* The same inode recorded on volume 1: a copy, not a link. */
	assert_int_equal(bset_copy(s, 1, "alt/z2", c0), 0);
	/* Bad places, and a source that is not there (BK-141). */
	assert_int_equal(bset_copy_from(s, 2, "alt/z", 0, "z", c0), -EINVAL);
	assert_int_equal(bset_copy_from(s, 1, "../z", 0, "z", c0), -EINVAL);
	assert_int_equal(bset_copy_from(s, 1, "alt/z", 0, "/z", c0), -EINVAL);
	assert_int_equal(bset_copy_from(s, 1, "alt/z", 0, "z", 9), -EINVAL);
	assert_int_equal(bset_copy_from(s, 1, "alt/none", 0, "normal/none",
					c0),
			 -ENOENT);
	assert_int_equal(bset_commit(s, &info), 0);
	bset_free(s);

	assert_string_equal(sfx_read_file(w("al-set/data/0/normal/x")),
			    "from the alternate path");
	assert_string_equal(sfx_read_file(w("al-set/data/0/gone/deeper/z")),
			    "other volume");
	sfx_expect_absent(w("al-set/data/0/spit"));
	assert_int_equal(stat(w("al-set/data/0/normal/h1"), &st), 0);
	assert_int_equal(st.st_nlink, 2);
	assert_int_equal(bset_manifest_load(&m, w("al-set"), NULL, 0), 0);
	assert_null(entry_on(m, 0, "spit"));
	assert_null(entry_on(m, 0, "spit/x"));
	e = entry_on(m, 0, "normal/x");
	assert_non_null(e);
	assert_int_equal(e->component_count, 2);
	/* The normal directory's own metadata, from volume 0. */
	assert_int_equal(entry_on(m, 0, "normal")->mode & 07777, 0750);
	assert_string_equal(entry_on(m, 0, "normal/h2")->hardlink_of,
			    "normal/h1");
	/* gone/deeper stands for alt (0711), gone for volume 1's root. */
	assert_int_equal(entry_on(m, 0, "gone/deeper")->mode & 07777, 0711);
	assert_int_equal(entry_on(m, 0, "gone")->mode & 07777, 0755);
	assert_null(entry_on(m, 0, "gone/deeper")->components);
	e = entry_on(m, 1, "alt/z2");
	assert_non_null(e);
	assert_null(e->hardlink_of);
	assert_non_null(e->sha256);
	bset_manifest_free(m);
	assert_int_equal(bset_verify(w("al-set"), NULL, NULL, &checked, &bad),
			 0);
	assert_int_equal(bad, 0);
	assert_int_equal(checked, 4);
}

static void
test_refused(void **state)
{
	struct bset_stats stats;
	struct stat st;
	struct bset *s;

	assert_int_equal(mkdir(w("rf-src"), 0755), 0);
	assert_int_equal(mkdir(w("rf-src/real"), 0755), 0);
	write_at(w("rf-src/real/secret"), "x");
	assert_int_equal(mkdir(w("rf-outside"), 0755), 0);
	write_at(w("rf-outside/x"), "outside");
	assert_int_equal(symlink("real", w("rf-src/lnk")), 0);
	assert_int_equal(symlink(w("rf-outside"), w("rf-src/out")), 0);
	s = new_set(w("rf-set"), w("rf-src"));
	/* BK-141: a missing file is -ENOENT for the caller to fail. */
	assert_int_equal(bset_copy(s, 0, "missing", BSET_NO_COMPONENT),
			 -ENOENT);
	assert_int_equal(bset_copy(s, 0, "real/missing", BSET_NO_COMPONENT),
			 -ENOENT);
	/* A symbolic link on the way is never followed. */
	assert_int_equal(bset_copy(s, 0, "lnk/secret", BSET_NO_COMPONENT),
			 -ELOOP);
	assert_int_equal(bset_copy(s, 0, "out/x", BSET_NO_COMPONENT), -ELOOP);
	assert_int_equal(bset_copy(s, 0, "../rf-outside/x", BSET_NO_COMPONENT),
			 -EINVAL);
	assert_int_equal(bset_copy(s, 0, "/etc/passwd", BSET_NO_COMPONENT),
			 -EINVAL);
	assert_int_equal(bset_copy(s, 0, "real//secret", BSET_NO_COMPONENT),
			 -EINVAL);
	assert_int_equal(bset_copy(s, 0, "real/./secret", BSET_NO_COMPONENT),
			 -EINVAL);
	bset_get_stats(s, &stats);
	assert_int_equal(stats.failed, 2);
	/* The link itself is copied as a link. */
	assert_int_equal(bset_copy(s, 0, "out", BSET_NO_COMPONENT), 0);
	assert_int_equal(lstat(w("rf-set.partial/data/0/out"), &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(lstat(w("rf-set.partial/data/0/lnk"), &st), -1);
	bset_free(s);
}

static void
test_partial_removed(void **state)
{
	struct bset *s, *again;

	assert_int_equal(mkdir(w("pr-src"), 0755), 0);
	assert_int_equal(mkdir(w("pr-src/sub"), 0555), 0);
	write_at(w("pr-outside"), "keep me");
	s = new_set(w("pr-set"), w("pr-src"));
	assert_int_equal(bset_copy(s, 0, "sub", BSET_NO_COMPONENT), 0);
	/* A DIR.partial in the way says so: not "DIR exists". */
	assert_int_equal(bset_create(&again, w("pr-set")), -EBUSY);
	/* Something that would be followed by a careless removal. */
	assert_int_equal(symlink(w("pr-outside"), w("pr-set.partial/data/0/l")),
			 0);
	bset_free(s);
	sfx_expect_absent(w("pr-set.partial"));
	sfx_expect_absent(w("pr-set"));
	assert_string_equal(sfx_read_file(w("pr-outside")), "keep me");
	bset_free(NULL);
}

/*
 * The removal of a set never leaves it through a mount, a bind mount of
 * the same file system included (root).
 */
static void
test_partial_bind_mount(void **state)
{
	char mnt[128];
	struct bset *s;

	sfx_require();
	assert_int_equal(mkdir(w("bm-src"), 0755), 0);
	assert_int_equal(mkdir(w("bm-keep"), 0755), 0);
	write_at(w("bm-keep/keep"), "keep me");
	s = new_set(w("bm-set"), w("bm-src"));
	assert_int_equal(bset_copy(s, 0, "", BSET_NO_COMPONENT), 0);
	snprintf(mnt, sizeof(mnt), "%s", w("bm-set.partial/data/0/mnt"));
	assert_int_equal(mkdir(mnt, 0700), 0);
	assert_int_equal(mount(w("bm-keep"), mnt, NULL, MS_BIND, NULL), 0);
	bset_free(s);
	assert_string_equal(sfx_read_file(w("bm-keep/keep")), "keep me");
	assert_int_equal(umount(mnt), 0);
	rm_tree(w("bm-set.partial"));
}

/*
 * As a user without privileges, a set whose copy holds a directory of
 * mode 000 is still removed (root, to become another user).
 */
static void
test_partial_mode000(void **state)
{
	char top[128], src[160], set[160], path[224];
	struct bset_volume v = {.mount_point = "/"};
	struct bset *s;
	pid_t pid;
	int status;

	sfx_require();
	/* The user must reach its directory: let it pass through ours. */
	assert_int_equal(chmod(env.dir, 0711), 0);
	assert_int_equal(chmod(env.work, 0711), 0);
	snprintf(top, sizeof(top), "%s", w("m0"));
	assert_int_equal(mkdir(top, 0755), 0);
	assert_int_equal(chown(top, 65534, 65534), 0);
	snprintf(src, sizeof(src), "%s/src", top);
	snprintf(set, sizeof(set), "%s/set", top);
	v.shadow_root = src;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* No cmocka here: an exit status says what went wrong. */
		if (setgroups(0, NULL) < 0 || setgid(65534) < 0 ||
		    setuid(65534) < 0)
			_exit(2);
		snprintf(path, sizeof(path), "%s/d", src);
		if (mkdir(src, 0755) < 0 || mkdir(path, 0755) < 0)
			_exit(3);
		snprintf(path, sizeof(path), "%s/d/f", src);
		if (creat(path, 0644) < 0)
			_exit(4);
		if (bset_create(&s, set) < 0 ||
		    bset_add_volume(s, &v, NULL) < 0 ||
		    bset_copy(s, 0, "d/f", BSET_NO_COMPONENT) < 0)
			_exit(5);
		snprintf(path, sizeof(path), "%s.partial/data/0/d", set);
		if (chmod(path, 0) < 0)
			_exit(6);
		bset_free(s);
		snprintf(path, sizeof(path), "%s.partial", set);
		_exit(access(path, F_OK) == 0 ? 7 : 0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* The manifest's group is the group's name, not a user's of that id. */
static void
test_owner_names(void **state)
{
	struct passwd *pw;
	struct group *gr = NULL;
	char want[256], uname[64], gname[64];
	struct bset *s;
	id_t id = 0;

	sfx_require();
	/* An id that is a user and a group of different names. */
	setpwent();
	while ((pw = getpwent())) {
		gr = getgrgid(pw->pw_uid);
		if (gr && strcmp(gr->gr_name, pw->pw_name) != 0)
			break;
	}
	endpwent();
	if (!pw)
		skip();
	id = pw->pw_uid;
	snprintf(uname, sizeof(uname), "%s", pw->pw_name);
	snprintf(gname, sizeof(gname), "%s", gr->gr_name);
	assert_int_equal(mkdir(w("on-src"), 0755), 0);
	write_at(w("on-src/f"), "owned");
	assert_int_equal(chown(w("on-src/f"), id, id), 0);
	s = new_set(w("on-set"), w("on-src"));
	assert_int_equal(bset_copy(s, 0, "f", BSET_NO_COMPONENT), 0);
	assert_int_equal(bset_commit(s, &info), 0);
	bset_free(s);
	snprintf(want, sizeof(want), "\"user\":\"%s\",\"group\":\"%s\"", uname,
		 gname);
	assert_non_null(strstr(sfx_read_file(w("on-set/manifest.json")), want));
}

/* A write callback that counts bytes and keeps none. */
static int
count_bytes(void *u, const void *data, size_t len)
{
	(void)data;
	*(size_t *)u += len;
	return 0;
}

/*
 * Every record's line is checked, not only entries': a component whose
 * logical path (from a writer) makes its line pass BSET_LINE_MAX fails
 * the write with -E2BIG rather than making a manifest its reader
 * refuses.  The longest line that fits is written.
 */
static void
test_long_component_line(void **state)
{
	struct bset_manifest m = {.info = {.backup_type = VSS_BT_FULL}};
	struct bset_comp comp = {.c = {.type = VSS_CT_FILEGROUP}};
	size_t written = 0;
	char *lp = malloc(BSET_LINE_MAX + 1);

	assert_non_null(lp);
	memset(lp, 'a', BSET_LINE_MAX);
	lp[BSET_LINE_MAX] = '\0';
	vss_id_generate(&comp.c.class_id);
	comp.c.writer_name = strdup("w");
	comp.c.name = strdup("c");
	comp.c.logical_path = lp; /* m owns the strings from here on */
	assert_int_equal(bset_manifest_add_comp(&m, &comp), 0);
	assert_int_equal(bset_manifest_write(&m, count_bytes, &written),
			 -E2BIG);
	/* Short enough: the line and its newline are BSET_LINE_MAX. */
	lp[BSET_LINE_MAX - 300] = '\0';
	written = 0;
	assert_int_equal(bset_manifest_write(&m, count_bytes, &written), 0);
	assert_true(written > BSET_LINE_MAX - 300);
	bset_manifest_release(&m);
}

static void
test_commit(void **state)
{
	struct vss_writer_identity id = {
		.friendly_name = "writer",
		.usage = VSS_UT_USERDATA,
		.source = VSS_ST_OTHER,
	};
	char name[160], text[VSS_ID_STRLEN];
	struct bset *s;
	vss_wmd *wmd;

	assert_int_equal(mkdir(w("cm-src"), 0755), 0);
	write_at(w("cm-src/f"), "f");
	s = new_set(w("cm-set"), w("cm-src"));
	assert_int_equal(bset_copy(s, 0, "f", BSET_NO_COMPONENT), 0);
	assert_int_equal(bset_save_bcd(s, "<BACKUP_COMPONENTS/>", 20), 0);
	vss_id_generate(&id.class_id);
	vss_id_generate(&id.instance_id);
	assert_int_equal(vss_wmd_new(&wmd, &id), 0);
	assert_int_equal(bset_save_wmd(s, wmd), 0);
	vss_wmd_free(wmd);
	sfx_expect_absent(w("cm-set"));
	assert_int_equal(bset_commit(s, &info), 0);
	assert_int_equal(bset_commit(s, &info), -EINVAL);
	assert_int_equal(bset_copy(s, 0, "f", BSET_NO_COMPONENT), -EINVAL);
	bset_free(s);
	sfx_expect_absent(w("cm-set.partial"));
	sfx_expect_absent(w("cm-set/manifest.json.tmp"));
	assert_string_equal(sfx_read_file(w("cm-set/data/0/f")), "f");
	assert_string_equal(sfx_read_file(w("cm-set/bcd.xml")),
			    "<BACKUP_COMPONENTS/>");
	vss_id_format(&id.instance_id, text);
	snprintf(name, sizeof(name), "cm-set/writers/%s.xml", text);
	assert_non_null(strstr(sfx_read_file(w(name)), "writer"));
	assert_int_equal(bset_create(&s, w("cm-set")), -EEXIST);
	assert_int_equal(bset_create(&s, w("no/such/parent")), -ENOENT);
}

/* Every method gives the same checksum and the same holes. */
static void
test_copy_methods(void **state)
{
	static const enum bset_copy_method methods[] = {
		BSET_COPY_AUTO, BSET_COPY_RANGE, BSET_COPY_READ_WRITE};
	char set[64], sha[3][65], blob[100000];
	struct bset_manifest *m;
	struct stat st;
	struct bset *s;
	size_t i;
	int fd;

	assert_int_equal(mkdir(w("cmeth-src"), 0755), 0);
	fd = open(w("cmeth-src/f"), O_WRONLY | O_CREAT, 0644);
	for (i = 0; i < sizeof(blob); i++)
		blob[i] = (char)(i * 7);
	assert_int_equal(pwrite(fd, blob, sizeof(blob), 1 << 20),
			 sizeof(blob));
	assert_int_equal(ftruncate(fd, 4 << 20), 0);
	close(fd);
	for (i = 0; i < 3; i++) {
		snprintf(set, sizeof(set), "cmeth-set%zu", i);
		s = new_set(w(set), w("cmeth-src"));
		assert_int_equal(bset_set_copy_method(s, methods[i]), 0);
		assert_int_equal(bset_copy(s, 0, "f", BSET_NO_COMPONENT), 0);
		assert_int_equal(bset_commit(s, &info), 0);
		bset_free(s);
		assert_int_equal(bset_manifest_load(&m, w(set), NULL, 0), 0);
		snprintf(sha[i], sizeof(sha[i]), "%s", find_entry(m, "f")->sha256);
		bset_manifest_free(m);
		snprintf(set, sizeof(set), "cmeth-set%zu/data/0/f", i);
		fsx_expect_same_content(w("cmeth-src/f"), w(set));
		assert_int_equal(stat(w(set), &st), 0);
		assert_true(st.st_blocks * 512 < (1 << 20));
	}
	assert_string_equal(sha[0], sha[1]);
	assert_string_equal(sha[0], sha[2]);
	assert_int_equal(bset_set_copy_method(NULL, BSET_COPY_AUTO), -EINVAL);
}

/* ---- verify ---------------------------------------------------------------- */

struct seen {
	char text[1024];
	int count;
};

static void
report(const struct bset_entry *e, const char *problem, void *u)
{
	struct seen *seen = u;
	size_t n = strlen(seen->text);

	snprintf(seen->text + n, sizeof(seen->text) - n, "%s: %s\n",
		 e ? e->path : "(set)", problem);
	seen->count++;
}

static void
test_verify(void **state)
{
	struct seen seen = {0};
	uint64_t checked, bad;
	struct bset *s;
	int fd;

	assert_int_equal(mkdir(w("vf-src"), 0755), 0);
	write_at(w("vf-src/flip"), "abcdef");
	write_at(w("vf-src/short"), "abcdef");
	write_at(w("vf-src/gone"), "abcdef");
	write_at(w("vf-src/good"), "abcdef");
	s = new_set(w("vf-set"), w("vf-src"));
	assert_int_equal(bset_copy(s, 0, "flip", BSET_NO_COMPONENT), 0);
	assert_int_equal(bset_copy(s, 0, "short", BSET_NO_COMPONENT), 0);
	assert_int_equal(bset_copy(s, 0, "gone", BSET_NO_COMPONENT), 0);
	assert_int_equal(bset_copy(s, 0, "good", BSET_NO_COMPONENT), 0);
	assert_int_equal(bset_commit(s, &info), 0);
	bset_free(s);
	assert_int_equal(bset_verify(w("vf-set"), report, &seen, &checked,
				     &bad), 0);
	assert_int_equal(bad, 0);
	assert_int_equal(checked, 4);

	fd = open(w("vf-set/data/0/flip"), O_WRONLY);
	assert_int_equal(pwrite(fd, "X", 1, 2), 1);
	close(fd);
	assert_int_equal(truncate(w("vf-set/data/0/short"), 3), 0);
	assert_int_equal(unlink(w("vf-set/data/0/gone")), 0);
	assert_int_equal(bset_verify(w("vf-set"), report, &seen, &checked,
				     &bad), 0);
	assert_int_equal(bad, 3);
	assert_int_equal(seen.count, 3);
	assert_non_null(strstr(seen.text, "flip: checksum mismatch"));
	assert_non_null(strstr(seen.text, "short: size 3 bytes, manifest "
					  "says 6"));
	assert_non_null(strstr(seen.text, "gone: missing"));

	/* A set that cannot be checked says why. */
	seen.text[0] = '\0';
	seen.count = 0;
	assert_int_equal(unlink(w("vf-set/manifest.json")), 0);
	assert_int_equal(bset_verify(w("vf-set"), report, &seen, &checked,
				     &bad), -ENOENT);
	assert_non_null(strstr(seen.text, "(set): manifest.json:"));
}

/* What the backup recorded and the documents (BK-019) are checked too. */
static void
test_verify_recorded(void **state)
{
	struct vss_writer_identity id = {
		.friendly_name = "writer",
		.usage = VSS_UT_USERDATA,
		.source = VSS_ST_OTHER,
	};
	struct bset_component c = {.writer_name = "w", .logical_path = "lp",
				   .name = "c", .type = VSS_CT_FILEGROUP,
				   .explicit_ = true};
	char wmd_path[160], text[VSS_ID_STRLEN];
	struct seen seen = {0};
	uint64_t checked, bad;
	struct bset *s;
	vss_wmd *wmd;
	size_t ci;

	assert_int_equal(mkdir(w("vr-src"), 0755), 0);
	write_at(w("vr-src/f"), "data");
	s = new_set(w("vr-set"), w("vr-src"));
	vss_id_generate(&c.class_id);
	assert_int_equal(bset_add_component(s, &c, &ci), 0);
	assert_int_equal(bset_copy(s, 0, "f", ci), 0);
	/* A name that is not UTF-8 cannot be copied: recorded as failed. */
	assert_int_equal(bset_copy(s, 0, "bad\xff", ci), -EILSEQ);
	assert_int_equal(bset_set_component_result(s, ci, false,
						   "disk \xff full"), 0);
	assert_int_equal(bset_save_bcd(s, "<BACKUP_COMPONENTS/>", 20), 0);
	vss_id_generate(&id.class_id);
	vss_id_generate(&id.instance_id);
	assert_int_equal(vss_wmd_new(&wmd, &id), 0);
	assert_int_equal(bset_save_wmd(s, wmd), 0);
	vss_wmd_free(wmd);
	assert_int_equal(bset_commit(s, &info), 0);
	bset_free(s);
	vss_id_format(&id.instance_id, text);
	snprintf(wmd_path, sizeof(wmd_path), "vr-set/writers/%s.xml", text);

	assert_int_equal(bset_verify(w("vr-set"), report, &seen, &checked,
				     &bad), 0);
	assert_int_equal(checked, 1);
	assert_int_equal(bad, 2);
	assert_non_null(strstr(seen.text, "(set): component \"lp/c\" of "
					  "writer \"w\" failed: disk ? full"));
	assert_non_null(strstr(seen.text, "bad?: not copied: EILSEQ"));

	/* The documents: changed, missing, a FIFO in place (no hang). */
	memset(&seen, 0, sizeof(seen));
	write_at(w("vr-set/bcd.xml"), "<BACKUP_COMPONENTS />");
	assert_int_equal(unlink(w(wmd_path)), 0);
	assert_int_equal(bset_verify(w("vr-set"), report, &seen, &checked,
				     &bad), 0);
	assert_int_equal(bad, 4);
	assert_non_null(strstr(seen.text, "(set): bcd.xml: size 21 bytes, "
					  "manifest says 20"));
	assert_non_null(strstr(seen.text, ".xml: missing"));
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(unlink(w("vr-set/bcd.xml")), 0);
	assert_int_equal(mkfifo(w("vr-set/bcd.xml"), 0644), 0);
	assert_int_equal(bset_verify(w("vr-set"), report, &seen, &checked,
				     &bad), 0);
	assert_non_null(strstr(seen.text, "(set): bcd.xml: not a regular "
					  "file"));

	/* A manifest changed after the commit: its digest says so. */
	memset(&seen, 0, sizeof(seen));
	{
		char *m = strdup(sfx_read_file(w("vr-set/manifest.json")));
		char *p = strstr(m, "\"mode\":420");

		assert_non_null(p);
		p[9] = '1';
		write_at(w("vr-set/manifest.json"), m);
		free(m);
	}
	assert_int_equal(bset_verify(w("vr-set"), report, &seen, &checked,
				     &bad), -EBADMSG);
	assert_non_null(strstr(seen.text, "end.sha256: the manifest is "
					  "damaged"));

	/* A manifest that is a FIFO or a symbolic link is never read. */
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(unlink(w("vr-set/manifest.json")), 0);
	assert_int_equal(mkfifo(w("vr-set/manifest.json"), 0644), 0);
	assert_int_equal(bset_verify(w("vr-set"), report, &seen, &checked,
				     &bad), -EINVAL);
	assert_non_null(strstr(seen.text, "manifest.json: not a regular "
					  "file"));
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(unlink(w("vr-set/manifest.json")), 0);
	assert_int_equal(symlink("bcd.xml", w("vr-set/manifest.json")), 0);
	assert_int_equal(bset_verify(w("vr-set"), report, &seen, &checked,
				     &bad), -ELOOP);
	assert_non_null(strstr(seen.text, "manifest.json: a symbolic link"));
}

/*
 * A regular file with more links whose entry could not be appended is
 * not remembered: a later link is copied on its own, never linked to an
 * entry that does not exist.
 */
static void
test_failed_append(void **state)
{
	size_t saved = bset_model_max;
	struct bset_manifest *m;
	struct seen seen = {0};
	uint64_t checked, bad;
	struct bset *s;

	assert_int_equal(mkdir(w("fa-src"), 0755), 0);
	write_at(w("fa-src/h1"), "linked");
	assert_int_equal(link(w("fa-src/h1"), w("fa-src/h2")), 0);
	s = new_set(w("fa-set"), w("fa-src"));
	assert_int_equal(bset_copy(s, 0, "", BSET_NO_COMPONENT), 0);
	bset_model_max = s->m.cost;
	assert_int_equal(bset_copy(s, 0, "h1", BSET_NO_COMPONENT), -EFBIG);
	bset_model_max = saved;
	sfx_expect_absent(w("fa-set.partial/data/0/h1"));
	assert_int_equal(bset_copy(s, 0, "h2", BSET_NO_COMPONENT), 0);
	assert_int_equal(bset_commit(s, &info), 0);
	bset_free(s);
	assert_int_equal(bset_manifest_load(&m, w("fa-set"), NULL, 0), 0);
	assert_null(find_entry(m, "h2")->hardlink_of);
	assert_non_null(find_entry(m, "h2")->sha256);
	bset_manifest_free(m);
	assert_int_equal(bset_verify(w("fa-set"), report, &seen, &checked,
				     &bad), 0);
	assert_int_equal(bad, 1);
	assert_non_null(strstr(seen.text, "h1: not copied: EFBIG"));
}

/*
 * Out of memory at each allocation in turn, adding a volume or a
 * component fails cleanly: nothing of the caller's is freed (its strings
 * here are literals: freeing one aborts), nothing is leaked.
 */
static void
test_add_oom(void **state)
{
	struct bset_volume v = {.mount_point = "/mnt/oom", .fstype = "xfs",
				.shadow_root = "/"};
	struct bset_component c = {.writer_name = "w", .logical_path = "lp",
				   .name = "n", .type = VSS_CT_FILEGROUP};
	long n, live;
	bool fired;
	size_t idx;
	struct bset *s;
	int r;

	alloc_fail_require();
	assert_int_equal(mkdir(w("oom-src"), 0755), 0);
	s = new_set(w("oom-set"), w("oom-src"));
	vss_id_generate(&c.class_id);
	for (n = 0;; n++) {
		live = alloc_fail_live_blocks();
		alloc_fail_arm(n);
		r = bset_add_volume(s, &v, &idx);
		fired = alloc_fail_disarm();
		if (!fired) {
			assert_int_equal(r, 0);
			break;
		}
		assert_int_equal(r, -ENOMEM);
		/* The fds array may have grown: one block at most. */
		assert_true(alloc_fail_live_blocks() <= live + 1);
	}
	assert_int_equal(idx, 1);
	for (n = 0;; n++) {
		live = alloc_fail_live_blocks();
		alloc_fail_arm(n);
		r = bset_add_component(s, &c, &idx);
		fired = alloc_fail_disarm();
		if (!fired) {
			assert_int_equal(r, 0);
			break;
		}
		assert_int_equal(r, -ENOMEM);
		assert_true(alloc_fail_live_blocks() <= live + 1);
	}
	assert_int_equal(idx, 0);
	bset_free(s);
}

/* A crafted manifest cannot choose colliding paths: keyed per process. */
static void
test_path_hash(void **state)
{
	static const uint8_t key[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
					12, 13, 14, 15};
	char a[32] = "", b[32] = "", exe[512], cmd[600];
	uint8_t msg[15];
	ssize_t n;
	FILE *f;
	size_t i;

	/* The test vector of the SipHash paper (appendix A). */
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	assert_true(bset_siphash(key, msg, sizeof(msg)) ==
		    0xa129ca6149be45e5ULL);
	/* Two processes hash the same path differently. */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(n > 0);
	exe[n] = '\0';
	snprintf(cmd, sizeof(cmd), "'%s' --path-hash", exe);
	f = popen(cmd, "r");
	assert_non_null(f);
	assert_non_null(fgets(a, sizeof(a), f));
	assert_int_equal(pclose(f), 0);
	f = popen(cmd, "r");
	assert_non_null(f);
	assert_non_null(fgets(b, sizeof(b), f));
	assert_int_equal(pclose(f), 0);
	assert_true(strlen(a) > 1);
	assert_string_not_equal(a, b);
}

/* ---- hostile manifests ----------------------------------------------------- */

#define SHA "\"" \
	"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\""
#define HDR_WITH(fw)                                                           \
	"{\"format\":\"vss-backup-set\",\"version\":2,\"snapshot_set_id\":"   \
	"null,\"context\":0,\"backup_type\":\"full\",\"created\":0,"          \
	"\"freeze_window_ms\":" fw ",\"application_consistent\":false}\n"
#define HDR HDR_WITH("1.5")
#define VOL                                                                    \
	"{\"kind\":\"volume\",\"mount_point\":\"/\",\"fstype\":\"ext4\","     \
	"\"shadow_root\":null,\"snapshot_id\":null,\"provider_id\":null,"     \
	"\"application_consistent\":false}\n"
#define COMP(result)                                                           \
	"{\"kind\":\"component\",\"class_id\":"                               \
	"\"d61d61c8-d73a-4eee-8cdd-f6f9786b7124\",\"instance_id\":null,"      \
	"\"writer_name\":null,\"logical_path\":null,\"name\":\"c\","          \
	"\"type\":\"filegroup\",\"explicit\":true,\"result\":" result ","     \
	"\"message\":null}\n"
#define HEAD HDR VOL COMP("null")

/* The keys of an entry, in order, with the values E() starts from. */
static const char *const entry_default[][2] = {
	{"volume", "0"},       {"path", "\"\""},      {"type", "\"dir\""},
	{"mode", "420"},       {"uid", "0"},          {"gid", "0"},
	{"user", "null"},      {"group", "null"},     {"mtime_ns", "1"},
	{"atime_ns", "2"},     {"size", "0"},         {"link_target", "null"},
	{"hardlink_of", "null"}, {"rdev", "0"},       {"sha256", "null"},
	{"xattrs", "{}"},      {"components", "[]"},
};
#define N_DEFAULT (sizeof(entry_default) / sizeof(entry_default[0]))

/*
 * An entry line: the defaults (the root directory) with the pairs KEY,
 * VALUE (raw JSON; NULL leaves the key out) given, then NULL; a key that
 * is not an entry key is added.  Caller owns; free with free().
 */
static char *
E(const char *key, ...)
{
	const char *keys[32], *values[32];
	size_t n = 0, i, j, len;
	char *line;
	va_list ap;
	FILE *f;

	va_start(ap, key);
	for (; key && n < 32; key = va_arg(ap, const char *), n++) {
		keys[n] = key;
		values[n] = va_arg(ap, const char *);
	}
	va_end(ap);
	f = open_memstream(&line, &len);
	assert_non_null(f);
	fputs("{\"kind\":\"entry\"", f);
	for (i = 0; i < N_DEFAULT; i++) {
		const char *v = entry_default[i][1];

		for (j = 0; j < n; j++)
			if (strcmp(keys[j], entry_default[i][0]) == 0)
				v = values[j];
		if (v)
			fprintf(f, ",\"%s\":%s", entry_default[i][0], v);
	}
	for (j = 0; j < n; j++) {
		for (i = 0; i < N_DEFAULT; i++)
			if (strcmp(keys[j], entry_default[i][0]) == 0)
				break;
		if (i == N_DEFAULT)
			fprintf(f, ",\"%s\":%s", keys[j], values[j]);
	}
	fputs("}\n", f);
	fclose(f);
	return line;
}

#define ROOT E(NULL)
#define FILE_(path)                                                            \
	E("path", path, "type", "\"file\"", "size", "3", "sha256", SHA, NULL)

/* Lines that start with {"kind":"<kind>" in text. */
static size_t
count_kind(const char *text, const char *kind)
{
	char prefix[64];
	size_t n = 0;
	const char *p;

	snprintf(prefix, sizeof(prefix), "{\"kind\":\"%s\"", kind);
	for (p = text; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		n += strncmp(p, prefix, strlen(prefix)) == 0;
	return n;
}

/*
 * text (its lines) with the end record a writer would add: the counts
 * and the digest.  Caller owns; free with free().
 */
static char *
seal(const char *text)
{
	char sha[65], *out;

	assert_int_equal(sha256_buf_hex(text, strlen(text), sha), 0);
	assert_true(asprintf(&out, "%s{\"kind\":\"end\",\"volumes\":%zu,"
			     "\"components\":%zu,\"documents\":%zu,"
			     "\"entries\":%zu,\"failed\":%zu,"
			     "\"failed_total\":%zu,\"sha256\":\"%s\"}\n",
			     text, count_kind(text, "volume"),
			     count_kind(text, "component"),
			     count_kind(text, "document"),
			     count_kind(text, "entry"),
			     count_kind(text, "failed"),
			     count_kind(text, "failed"), sha) > 0);
	return out;
}

/* The lines given (each taken and freed), up to NULL, after head. */
static char *
join(const char *head, va_list ap)
{
	char *text, *line;
	size_t len;
	FILE *f;

	f = open_memstream(&text, &len);
	assert_non_null(f);
	fputs(head, f);
	while ((line = va_arg(ap, char *))) {
		fputs(line, f);
		free(line);
	}
	fclose(f);
	return text;
}

static int
parse_text(const char *text, char *err, size_t errlen)
{
	struct bset_manifest *m = NULL;
	int r;

	r = bset_manifest_parse(&m, text, strlen(text), err, errlen);
	if (r < 0)
		assert_null(m);
	bset_manifest_free(m);
	return r;
}

static void
expect_bad_text(const char *text, const char *message)
{
	char err[512] = "";
	int r;

	r = parse_text(text, err, sizeof(err));
	if (r != -EBADMSG || !strstr(err, message))
		fail_msg("parse returned %d, error \"%s\", expected \"%s\"\n"
			 "manifest: %.2000s", r, err, message, text);
}

/*
 * head and the lines given (entries made by E(), taken), sealed with a
 * good end record: refused, with an error holding message.
 */
static void
expect_bad(const char *message, const char *head, ...)
{
	char *text, *sealed;
	va_list ap;

	va_start(ap, head);
	text = join(head, ap);
	va_end(ap);
	sealed = seal(text);
	expect_bad_text(sealed, message);
	free(sealed);
	free(text);
}

/* A path of n bytes: elements of 200 'a' (fewer in the last). */
static char *
long_path(size_t n)
{
	char *p = malloc(n + 3);
	size_t i;

	assert_non_null(p);
	p[0] = '"';
	for (i = 0; i < n; i++)
		p[i + 1] = i % 201 == 200 ? '/' : 'a';
	strcpy(p + n + 1, "\"");
	return p;
}

/* An xattrs object with one attribute: name of nlen bytes, n bytes. */
static char *
big_xattr(size_t nlen, size_t n)
{
	char *value = calloc(1, n + 1), *text, *name = malloc(nlen + 1), *out;

	assert_true(value && name);
	memset(name, 'x', nlen);
	memcpy(name, "user.", nlen < 5 ? nlen : 5);
	name[nlen] = '\0';
	text = bset_base64_encode((uint8_t *)value, n);
	assert_non_null(text);
	assert_true(asprintf(&out, "{\"%s\":\"%s\"}", name, text) > 0);
	free(value);
	free(text);
	free(name);
	return out;
}

/* Every rule of docs/backup-set.md "What the parser refuses". */
static void
test_hostile(void **state)
{
	char *path_long = long_path(4096), *elem_long = long_path(200);
	char *x_big = big_xattr(10, BSET_XATTR_SIZE_MAX + 1);
	char *x_name = big_xattr(BSET_XATTR_NAME_MAX + 1, 1);

	/* The JSON of a line. */
	expect_bad_text("not json\n", "line 1: column");
	expect_bad_text("[]\n", "line 1: not a JSON object");
	expect_bad_text("{\"format\": \"other\"}\n",
			"line 1: format: not \"vss-backup-set\"");
	expect_bad_text(HDR "x", "line 2: no newline at the end");
	expect_bad_text("", "empty: no header line");
	expect_bad_text("{\"format\": \"vss-backup-set\", \"version\": 1}\n",
			"version: 1 out of range");
	expect_bad_text("{\"format\": \"vss-backup-set\", \"format\": \"x\"}\n",
			"duplicate object key");
	expect_bad("too big integer", HEAD,
		   E("mtime_ns", "99999999999999999999", NULL), NULL);
	expect_bad("freeze_window_ms: not a number >= 0", HDR_WITH("-1"),
		   NULL);
	expect_bad("line 1: unknown key \"extra\"",
		   "{\"format\":\"vss-backup-set\",\"version\":2,"
		   "\"extra\":1}\n", NULL);
	expect_bad("line 3: components[0].result: not \"succeeded\"",
		   HDR VOL COMP("\"maybe\""), NULL);

	/* Paths. */
	expect_bad("line 5: entries[1].path: \"/etc/passwd\" is not a clean",
		   HEAD, ROOT, FILE_("\"/etc/passwd\""), NULL);
	expect_bad("entries[1].path: \"a/../b\" is not a clean", HEAD, ROOT,
		   FILE_("\"a/../b\""), NULL);
	expect_bad("is not a clean", HEAD, ROOT, FILE_("\"..\""), NULL);
	expect_bad("is not a clean", HEAD, ROOT, FILE_("\"./a\""), NULL);
	expect_bad("is not a clean", HEAD, ROOT, FILE_("\"a//b\""), NULL);
	expect_bad("is not a clean", HEAD, ROOT, FILE_("\"a/\""), NULL);
	expect_bad("is not a clean", HEAD, ROOT, FILE_(path_long), NULL);
	free(elem_long);
	elem_long = malloc(BSET_NAME_MAX + 4);
	memset(elem_long, 'a', BSET_NAME_MAX + 3);
	elem_long[0] = elem_long[BSET_NAME_MAX + 2] = '"';
	elem_long[BSET_NAME_MAX + 3] = '\0';
	expect_bad("is not a clean", HEAD, ROOT, FILE_(elem_long), NULL);
	expect_bad("\\u0000 is not allowed", HEAD, ROOT,
		   FILE_("\"a\\u0000b\""), NULL);
	expect_bad("has no earlier parent directory", HEAD, ROOT,
		   FILE_("\"a/b\""), NULL);
	expect_bad("has no earlier parent directory", HEAD, FILE_("\"a\""),
		   NULL);
	expect_bad("path: the root is not a directory", HEAD,
		   E("type", "\"fifo\"", NULL), NULL);
	expect_bad("entries[2].path: \"a\" twice", HEAD, ROOT, FILE_("\"a\""),
		   FILE_("\"a\""), NULL);

	/* Indices and numbers. */
	expect_bad("entries[0].volume: 1 out of range", HEAD,
		   E("volume", "1", NULL), NULL);
	expect_bad("volume: -1 out of range", HEAD, E("volume", "-1", NULL),
		   NULL);
	expect_bad("entries[1].size: -1 out of range", HEAD, ROOT,
		   E("path", "\"a\"", "type", "\"file\"", "size", "-1",
		     "sha256", SHA, NULL), NULL);
	expect_bad("mode: 4096 out of range", HEAD, E("mode", "4096", NULL),
		   NULL);
	expect_bad("uid: 4294967295 out of range", HEAD,
		   E("uid", "4294967295", NULL), NULL);
	expect_bad("gid: 4294967295 out of range", HEAD,
		   E("gid", "4294967295", NULL), NULL);
	expect_bad("components: longer than the component list", HEAD,
		   E("components", "[0, 0]", NULL), NULL);
	expect_bad("entries[0].components: index 0 twice",
		   HEAD COMP("null"), E("components", "[0, 0]", NULL), NULL);
	expect_bad("entries[0].components: index 1 out of range", HEAD,
		   E("components", "[1]", NULL), NULL);

	/* Fields against the type. */
	expect_bad("size, sha256 or hardlink_of on a dir", HEAD,
		   E("size", "5", NULL), NULL);
	expect_bad("sha256: not 64 lower-case hex digits", HEAD, ROOT,
		   E("path", "\"a\"", "type", "\"file\"", "size", "3",
		     "sha256", "\"abc\"", NULL), NULL);
	expect_bad("rdev: on a file", HEAD, ROOT,
		   E("path", "\"a\"", "type", "\"file\"", "size", "3",
		     "sha256", SHA, "rdev", "259", NULL), NULL);
	expect_bad("link_target: on a file", HEAD, ROOT,
		   E("path", "\"a\"", "type", "\"file\"", "size", "3",
		     "sha256", SHA, "link_target", "\"b\"", NULL), NULL);
	expect_bad("link_target: missing on a symlink", HEAD, ROOT,
		   E("path", "\"a\"", "type", "\"symlink\"", NULL), NULL);
	expect_bad("type: not a file type", HEAD, ROOT,
		   E("path", "\"a\"", "type", "\"pipe\"", NULL), NULL);

	/* Hard links. */
	expect_bad("hardlink_of: names no earlier regular file", HEAD, ROOT,
		   E("path", "\"a\"", "type", "\"file\"", "size", "3",
		     "hardlink_of", "\"b\"", NULL), FILE_("\"b\""), NULL);
	expect_bad("hardlink_of: names no earlier regular file", HEAD, ROOT,
		   E("path", "\"a\"", "type", "\"file\"", "size", "3",
		     "hardlink_of", "\"\"", NULL), NULL);
	expect_bad("hardlink_of: names no earlier regular file", HEAD, ROOT,
		   E("path", "\"d\"", NULL),
		   E("path", "\"a\"", "type", "\"file\"", "size", "0",
		     "hardlink_of", "\"d\"", NULL), NULL);
	expect_bad("entries[3].hardlink_of: names no earlier regular file",
		   HEAD, ROOT, FILE_("\"a\""),
		   E("path", "\"b\"", "type", "\"file\"", "size", "3",
		     "hardlink_of", "\"a\"", NULL),
		   E("path", "\"c\"", "type", "\"file\"", "size", "3",
		     "hardlink_of", "\"b\"", NULL), NULL);
	expect_bad("sha256: on a hard link", HEAD, ROOT, FILE_("\"a\""),
		   E("path", "\"b\"", "type", "\"file\"", "size", "3",
		     "hardlink_of", "\"a\"", "sha256", SHA, NULL), NULL);
	expect_bad("differs from the first", HEAD, ROOT, FILE_("\"a\""),
		   E("path", "\"b\"", "type", "\"file\"", "size", "4",
		     "hardlink_of", "\"a\"", NULL), NULL);

	/* Extended attributes. */
	expect_bad("entries[1].xattrs: \"user.x\" is not base64", HEAD, ROOT,
		   E("path", "\"a\"", "type", "\"socket\"", "xattrs",
		     "{\"user.x\": \"!!\"}", NULL), NULL);
	expect_bad("xattrs: bad attribute name", HEAD, ROOT,
		   E("path", "\"a\"", "type", "\"socket\"", "xattrs",
		     "{\"\": \"aGk=\"}", NULL), NULL);
	expect_bad("xattrs: bad attribute name", HEAD, ROOT,
		   E("path", "\"a\"", "type", "\"socket\"", "xattrs", x_name,
		     NULL), NULL);
	expect_bad("is too large", HEAD, ROOT,
		   E("path", "\"a\"", "type", "\"socket\"", "xattrs", x_big,
		     NULL), NULL);

	/* Keys. */
	expect_bad("entries[0]: unknown key \"extra\"", HEAD,
		   E("extra", "1", NULL), NULL);
	expect_bad("entries[0].rdev: missing", HEAD, E("rdev", NULL, NULL),
		   NULL);

	free(path_long);
	free(elem_long);
	free(x_big);
	free(x_name);
}

/* The records, their order and the end record. */
static void
test_hostile_records(void **state)
{
	const char *doc = "{\"kind\":\"document\",\"path\":\"bcd.xml\","
			  "\"size\":3,\"sha256\":" SHA "}\n";
	const char *failed = "{\"kind\":\"failed\",\"volume\":0,\"path\":"
			     "\"x\",\"reason\":\"EACCES: no\"}\n";
	char *text, *sealed, *p, *line_long, *root, err[512];
	struct bset_manifest *m;
	size_t n;

	expect_bad("line 5: a volume record after the entries records",
		   HEAD, ROOT, strdup(VOL), NULL);
	expect_bad("line 3: kind: \"thing\" is not a kind of record", HDR VOL,
		   strdup("{\"kind\":\"thing\"}\n"), NULL);
	expect_bad("line 2: kind: missing", HDR, strdup("{}\n"), NULL);
	expect_bad("documents[0].path: \"../x.xml\" is not bcd.xml", HEAD,
		   strdup("{\"kind\":\"document\",\"path\":\"../x.xml\","
			  "\"size\":3,\"sha256\":" SHA "}\n"), NULL);
	expect_bad("documents[1].path: \"bcd.xml\" twice", HEAD, strdup(doc),
		   strdup(doc), NULL);
	expect_bad("failed[0].path: \"/x\" is not a clean", HEAD, ROOT,
		   strdup("{\"kind\":\"failed\",\"volume\":0,\"path\":\"/x\","
			  "\"reason\":\"r\"}\n"), NULL);
	expect_bad("failed[0].volume: 3 out of range", HEAD, ROOT,
		   strdup("{\"kind\":\"failed\",\"volume\":3,\"path\":\"x\","
			  "\"reason\":\"r\"}\n"), NULL);

	/* No end record, more after it, wrong counts, a changed byte. */
	expect_bad_text(HEAD, "no end record: the manifest is incomplete");
	assert_true(asprintf(&text, "%s%s%s", HEAD, doc, failed) > 0);
	sealed = seal(text);
	free(text);
	root = ROOT;
	assert_true(asprintf(&text, "%s%s", sealed, root) > 0);
	free(root);
	expect_bad_text(text, "line 7: more after the end record");
	free(text);
	/* Bytes after the end record without a newline: said as such. */
	assert_true(asprintf(&text, "%sjunk", sealed) > 0);
	expect_bad_text(text, "line 7: data after the end record");
	free(text);
	/* The counts: one entry claimed, none came. */
	text = strdup(sealed);
	p = strstr(text, "\"entries\":0");
	p[10] = '1';
	expect_bad_text(text, "end.entries: 1, but 0 came before");
	free(text);
	/* failed_total below the failed records. */
	text = strdup(sealed);
	p = strstr(text, "\"failed_total\":1");
	p[15] = '0';
	expect_bad_text(text, "end.failed_total: 0 out of range");
	free(text);
	/* A byte changed after the manifest was written (a size). */
	text = strdup(sealed);
	p = strstr(text, "\"size\":3");
	p[7] = '4';
	expect_bad_text(text, "end.sha256: the manifest is damaged");
	free(text);
	/* Whole, it parses, with its document and its failed object. */
	assert_int_equal(bset_manifest_parse(&m, sealed, strlen(sealed), err,
					     sizeof(err)), 0);
	assert_int_equal(m->document_count, 1);
	assert_string_equal(m->documents[0].path, "bcd.xml");
	assert_int_equal(m->failure_count, 1);
	assert_int_equal(m->failed, 1);
	assert_string_equal(m->failures[0].reason, "EACCES: no");
	bset_manifest_free(m);
	free(sealed);

	/* A line past BSET_LINE_MAX is refused, whatever it holds. */
	n = BSET_LINE_MAX + 10;
	line_long = malloc(n + 1);
	memset(line_long, ' ', n);
	line_long[0] = '{';
	line_long[n - 2] = '}';
	line_long[n - 1] = '\n';
	line_long[n] = '\0';
	expect_bad("line 4: longer than", HEAD, line_long, NULL);
}

/* A manifest that needs more memory than bset_model_max: -EFBIG. */
static void
test_hostile_memory(void **state)
{
	char *text, *sealed, err[512] = "";
	struct bset_manifest *m = NULL;
	size_t saved = bset_model_max;
	char path[16];
	FILE *f;
	size_t len, i;

	f = open_memstream(&text, &len);
	fputs(HEAD, f);
	for (i = 0; i < 2000; i++) {
		char *line;

		snprintf(path, sizeof(path), "\"f%zu\"", i);
		line = i ? FILE_(path) : ROOT;
		fputs(line, f);
		free(line);
	}
	fclose(f);
	sealed = seal(text);
	assert_int_equal(bset_manifest_parse(&m, sealed, strlen(sealed), err,
					     sizeof(err)), 0);
	bset_manifest_free(m);
	m = NULL;
	bset_model_max = 100000;
	assert_int_equal(bset_manifest_parse(&m, sealed, strlen(sealed), err,
					     sizeof(err)), -EFBIG);
	bset_model_max = saved;
	assert_null(m);
	assert_non_null(strstr(err, "too large to load"));
	free(sealed);
	free(text);
}

static void
test_hostile_good(void **state)
{
	char *text, *sealed, err[512];
	struct bset_manifest *m;
	assert_true(asprintf(&text, "%s", HEAD) > 0);
	{
		char *lines[] = {
			ROOT, FILE_("\"abc\""),
			E("path", "\"def\"", "type", "\"file\"", "size", "3",
			  "hardlink_of", "\"abc\"", "xattrs",
			  "{\"user.x\": \"aGk=\"}", NULL),
		};
		size_t i;

		for (i = 0; i < 3; i++) {
			char *t;

			assert_true(asprintf(&t, "%s%s", text, lines[i]) > 0);
			free(text);
			free(lines[i]);
			text = t;
		}
	}
	sealed = seal(text);
	assert_int_equal(bset_manifest_parse(&m, sealed, strlen(sealed), err,
					     sizeof(err)), 0);
	assert_int_equal(bset_manifest_entry_count(m), 3);
	assert_string_equal(bset_manifest_entry(m, 2)->hardlink_of, "abc");
	assert_int_equal(bset_manifest_entry(m, 2)->xattr_sizes[0], 2);
	assert_memory_equal(bset_manifest_entry(m, 2)->xattr_values[0], "hi",
			    2);
	assert_true(bset_manifest_info(m)->freeze_window_ms == 1.5);
	bset_manifest_free(m);
	free(sealed);
	free(text);
}

static void
expect_seed(const char *dir, const char *name, int status, size_t entries)
{
	struct bset_manifest *m = NULL;
	char err[256] = "";
	const char *text = sfx_read_file(sfx_join(dir, name));

	assert_int_equal(bset_manifest_parse(&m, text, strlen(text), err,
					     sizeof(err)), status);
	if (status == 0) {
		assert_int_equal(bset_manifest_entry_count(m), entries);
		bset_manifest_free(m);
	} else {
		assert_true(err[0] != '\0');
	}
}

/* The fuzz target's seeds: full.jsonl holds every record and is valid. */
static void
test_fuzz_seeds(void **state)
{
	const char *root = getenv("VSS_SOURCE_ROOT");
	struct bset_manifest *m;
	char dir[512], err[256];

	if (!root)
		skip();
	snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/manifest", root);
	assert_int_equal(bset_manifest_load(&m, dir, err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "manifest.json"));
	expect_seed(dir, "full.jsonl", 0, 10);
	expect_seed(dir, "empty.jsonl", 0, 0);
	expect_seed(dir, "dotdot.jsonl", -EBADMSG, 0);
}

/* ---- FICLONE on btrfs (root, loop devices) --------------------------------- */

static bool
first_extent_shared(const char *path)
{
	struct {
		struct fiemap fm;
		struct fiemap_extent fe[1];
	} q = {.fm = {.fm_length = FIEMAP_MAX_OFFSET, .fm_extent_count = 1,
		      .fm_flags = FIEMAP_FLAG_SYNC}};
	int fd = open(path, O_RDONLY);
	bool shared;

	assert_true(fd >= 0);
	assert_int_equal(ioctl(fd, FS_IOC_FIEMAP, &q), 0);
	close(fd);
	shared = q.fm.fm_mapped_extents == 1 &&
		 (q.fe[0].fe_flags & FIEMAP_EXTENT_SHARED);
	return shared;
}

static void
test_ficlone_btrfs(void **state)
{
	char src[128], set[128], data[1 << 16];
	struct bset_stats stats;
	uint64_t checked, bad;
	struct bset *s;
	size_t i;
	int fd;

	sfx_require();
	assert_true(env.have_btrfs);
	snprintf(src, sizeof(src), "%s/src", env.btrfs);
	snprintf(set, sizeof(set), "%s/set", env.btrfs);
	assert_int_equal(mkdir(src, 0755), 0);
	fd = open(sfx_join(src, "big"), O_WRONLY | O_CREAT, 0644);
	for (i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 31 + 7);
	for (i = 0; i < 16; i++)
		assert_int_equal(write(fd, data, sizeof(data)), sizeof(data));
	assert_int_equal(fsync(fd), 0);
	close(fd);
	s = new_set(set, src);
	assert_int_equal(bset_copy(s, 0, "big", BSET_NO_COMPONENT), 0);
	bset_get_stats(s, &stats);
	assert_int_equal(stats.reflinked, 1);
	assert_int_equal(stats.bytes, 16 * sizeof(data));
	assert_int_equal(bset_commit(s, &info), 0);
	bset_free(s);
	assert_true(first_extent_shared(sfx_join(set, "data/0/big")));
	fsx_expect_same_content(sfx_join(src, "big"),
				sfx_join(set, "data/0/big"));
	assert_int_equal(bset_verify(set, NULL, NULL, &checked, &bad), 0);
	assert_int_equal(checked, 1);
	assert_int_equal(bad, 0);
	rm_tree(src);
	rm_tree(set);
}

/* ---- setup ------------------------------------------------------------------ */

/* The btrfs: 0, or -1 after sfx_skip() or sfx_fail(). */
static int
prepare_root(void)
{
	char *mkfs[] = {"mkfs.btrfs", "-q", "-f", env.image, NULL};

	if (sfx_private_namespace() < 0)
		return -1;
	snprintf(env.image, sizeof(env.image), "%s/image", env.dir);
	snprintf(env.btrfs, sizeof(env.btrfs), "%s/btrfs", env.dir);
	if (sfx_mkdir(env.btrfs) < 0)
		return sfx_fail("cannot make a mount point: %m");
	if (sfx_image_new(env.image, IMAGE_SIZE, mkfs) < 0 ||
	    sfx_loop_attach(env.image, env.loop, sizeof(env.loop)) < 0)
		return -1;
	unlink(env.image);
	if (sfx_mount(env.loop, env.btrfs, "btrfs", 0, NULL) < 0)
		return sfx_fail("cannot mount btrfs: %m");
	env.have_btrfs = true;
	return 0;
}

static int
group_setup(void **state)
{
	sfx_init();
	if (sfx_tempdir("bset", env.dir, sizeof(env.dir)) < 0)
		return sfx_setup_status(sfx_fail("cannot make a temporary "
						 "directory: %m"));
	snprintf(env.work, sizeof(env.work), "%s/work", env.dir);
	if (mkdir(env.work, 0755) < 0)
		return sfx_setup_status(sfx_fail("cannot make %s: %m",
						 env.work));
	return sfx_setup_status(prepare_root());
}

static int
group_teardown(void **state)
{
	rm_tree(env.work);
	return sfx_group_teardown(state);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_hostile_records),
		cmocka_unit_test(test_hostile_memory),
		cmocka_unit_test(test_hostile_good),
		cmocka_unit_test(test_fuzz_seeds),
		cmocka_unit_test(test_two_components),
		cmocka_unit_test(test_alternate_source),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_partial_removed),
		cmocka_unit_test(test_partial_bind_mount),
		cmocka_unit_test(test_partial_mode000),
		cmocka_unit_test(test_owner_names),
		cmocka_unit_test(test_add_oom),
		cmocka_unit_test(test_failed_append),
		cmocka_unit_test(test_path_hash),
		cmocka_unit_test(test_commit),
		cmocka_unit_test(test_long_component_line),
		cmocka_unit_test(test_copy_methods),
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_verify_recorded),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_ficlone_btrfs),
	};

	/* For test_path_hash: the hash of one path in a new process. */
	if (argc == 2 && strcmp(argv[1], "--path-hash") == 0) {
		printf("%016llx\n", (unsigned long long)bset_path_hash(0, "x"));
		return 0;
	}
	return sfx_exit_status(cmocka_run_group_tests(tests, group_setup,
						      group_teardown),
			       "backup set tests that need root");
}
