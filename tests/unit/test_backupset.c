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
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "backupset.h"
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

static void
set_times(const char *path, int64_t atime_ns, int64_t mtime_ns)
{
	struct timespec ts[2] = {
		{atime_ns / 1000000000, atime_ns % 1000000000},
		{mtime_ns / 1000000000, mtime_ns % 1000000000},
	};

	assert_int_equal(utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW), 0);
}

static int64_t
ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

/* A set at work/name reading volume 0 from work/src. */
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

static void
expect_same_content(const char *a, const char *b)
{
	char ba[65536], bb[65536];
	ssize_t na, nb;
	int fa, fb;

	fa = open(a, O_RDONLY);
	fb = open(b, O_RDONLY);
	assert_true(fa >= 0 && fb >= 0);
	do {
		na = read(fa, ba, sizeof(ba));
		nb = read(fb, bb, sizeof(bb));
		assert_int_equal(na, nb);
		assert_memory_equal(ba, bb, (size_t)(na > 0 ? na : 0));
	} while (na > 0);
	close(fa);
	close(fb);
}

/* An access ACL: owner rwx, user 4242 rw-, group r-x, mask rwx, other r--. */
static void
set_acl(const char *path)
{
	struct {
		uint32_t version;
		struct {
			uint16_t tag, perm;
			uint32_t id;
		} e[5];
	} acl = {2, {{0x01, 7, UINT32_MAX}, {0x02, 6, 4242},
		     {0x04, 5, UINT32_MAX}, {0x10, 7, UINT32_MAX},
		     {0x20, 4, UINT32_MAX}}};

	assert_int_equal(setxattr(path, "system.posix_acl_access", &acl,
				  sizeof(acl), 0), 0);
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
	set_acl(sfx_join(src, "d/f"));
	assert_int_equal(chown(sfx_join(src, "d/f"), 1001, 1002), 0);
	/* After chown, which clears it. */
	assert_int_equal(chmod(sfx_join(src, "d/f"), 04754), 0);
	set_times(sfx_join(src, "d/f"), T_A, T_M);
	assert_int_equal(link(sfx_join(src, "d/f"), sfx_join(src, "d/f2")), 0);
	/* A symbolic link pointing outside the volume: kept, never followed. */
	assert_int_equal(symlink("../../../etc/passwd", sfx_join(src, "d/ln")),
			 0);
	assert_int_equal(lchown(sfx_join(src, "d/ln"), 1003, 1004), 0);
	set_times(sfx_join(src, "d/ln"), T_A + 1, T_M + 1);
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
	set_times(sfx_join(src, "d"), T_A + 2, T_M + 2);
}

static void
expect_meta(const char *path, mode_t mode, uid_t uid, gid_t gid,
	    int64_t atime_ns, int64_t mtime_ns)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_mode, mode);
	assert_int_equal(st.st_uid, uid);
	assert_int_equal(st.st_gid, gid);
	assert_int_equal(ns(&st.st_atim), atime_ns);
	assert_int_equal(ns(&st.st_mtim), mtime_ns);
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
	expect_meta(sfx_join(out, "d"), S_IFDIR | 03775, 1234, 5678, T_A + 2,
		    T_M + 2);
	expect_same_xattr(sfx_join(src, "d"), sfx_join(out, "d"), "user.dir");
	expect_meta(sfx_join(out, "d/f"), S_IFREG | 04754, 1001, 1002, T_A,
		    T_M);
	expect_same_xattr(sfx_join(src, "d/f"), sfx_join(out, "d/f"),
			  "user.note");
	expect_same_xattr(sfx_join(src, "d/f"), sfx_join(out, "d/f"),
			  "system.posix_acl_access");
	expect_same_content(sfx_join(src, "d/f"), sfx_join(out, "d/f"));
	assert_int_equal(lstat(sfx_join(out, "d/f"), &a), 0);
	assert_int_equal(lstat(sfx_join(out, "d/f2"), &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(a.st_nlink, 2);
	expect_meta(sfx_join(out, "d/ln"), S_IFLNK | 0777, 1003, 1004, T_A + 1,
		    T_M + 1);
	assert_int_equal(readlink(sfx_join(out, "d/ln"), link, sizeof(link)),
			 19);
	assert_memory_equal(link, "../../../etc/passwd", 19);
	/* Holes stay holes: no more blocks than the source. */
	assert_int_equal(lstat(sfx_join(src, "sparse"), &a), 0);
	assert_int_equal(lstat(sfx_join(out, "sparse"), &b), 0);
	assert_int_equal(b.st_size, SPARSE_SIZE);
	assert_true(b.st_blocks <= a.st_blocks);
	assert_true(b.st_blocks < 1024);
	expect_same_content(sfx_join(src, "sparse"), sfx_join(out, "sparse"));
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
	assert_int_equal(bset_create(&again, w("pr-set")), -EEXIST);
	/* Something that would be followed by a careless removal. */
	assert_int_equal(symlink(w("pr-outside"), w("pr-set.partial/data/0/l")),
			 0);
	bset_free(s);
	sfx_expect_absent(w("pr-set.partial"));
	sfx_expect_absent(w("pr-set"));
	assert_string_equal(sfx_read_file(w("pr-outside")), "keep me");
	bset_free(NULL);
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
		expect_same_content(w("cmeth-src/f"), w(set));
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

/* ---- hostile manifests ----------------------------------------------------- */

#define HEAD                                                                   \
	"{\"format\": \"vss-backup-set\", \"version\": 1,"                    \
	" \"snapshot_set_id\": null, \"context\": 0, \"backup_type\": "       \
	"\"full\", \"created\": 0, \"freeze_window_ms\": 1.5,"                \
	" \"application_consistent\": false,"                                 \
	" \"volumes\": [{\"mount_point\": \"/\", \"fstype\": \"ext4\","       \
	" \"shadow_root\": null, \"snapshot_id\": null, \"provider_id\": "    \
	"null, \"application_consistent\": false}],"                          \
	" \"components\": [{\"class_id\": "                                   \
	"\"d61d61c8-d73a-4eee-8cdd-f6f9786b7124\", \"instance_id\": null,"    \
	" \"writer_name\": null, \"logical_path\": null, \"name\": \"c\","   \
	" \"type\": \"filegroup\", \"explicit\": true, \"result\": null,"     \
	" \"message\": null}],"                                               \
	" \"entries\": ["
#define ENTRY(vol, path, type, size, hl, sha, extra)                           \
	ENTRY_C(vol, path, type, size, hl, sha, extra, "0")
#define ENTRY_C(vol, path, type, size, hl, sha, extra, comps)                  \
	"{\"volume\": " vol ", \"path\": " path ", \"type\": \"" type "\","  \
	" \"mode\": 420, \"uid\": 0, \"gid\": 0, \"user\": null, \"group\":"  \
	" null, \"mtime_ns\": 1, \"atime_ns\": 2, \"size\": " size ","        \
	" \"link_target\": null, \"hardlink_of\": " hl ", \"rdev\": 0,"       \
	" \"sha256\": " sha ", \"xattrs\": {" extra "}, \"components\": ["   \
	comps "]}"
#define SHA "\"" \
	"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\""
#define ROOT ENTRY("0", "\"\"", "dir", "0", "null", "null", "")
#define FILE_(path) ENTRY("0", path, "file", "3", "null", SHA, "")
#define TAIL "]}"

static void
expect_bad(const char *json, const char *message)
{
	struct bset_manifest *m = NULL;
	char err[256] = "";
	int r;

	r = bset_manifest_parse(&m, json, strlen(json), err, sizeof(err));
	if (r != -EBADMSG || !strstr(err, message))
		fail_msg("parse returned %d, error \"%s\", expected \"%s\"\n"
			 "manifest: %s", r, err, message, json);
	assert_null(m);
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

static void
test_hostile(void **state)
{
	static const char good[] = HEAD ROOT ", " FILE_("\"abc\"") ", "
		ENTRY("0", "\"def\"", "file", "3", "\"abc\"", "null",
		      "\"user.x\": \"aGk=\"") TAIL;
	static const struct {
		const char *json, *message;
	} cases[] = {
		{"not json", "line 1"},
		{"[]", "not a JSON object"},
		{"{\"format\": \"other\"}", "format: not \"vss-backup-set\""},
		{HEAD TAIL "x", "line 1"},
		{"{\"format\": \"vss-backup-set\", \"version\": 2}",
		 "version: 2 out of range"},
		{HEAD ROOT ", " FILE_("\"/etc/passwd\"") TAIL,
		 "entries[1].path: \"/etc/passwd\" is not a clean"},
		{HEAD ROOT ", " FILE_("\"a/../b\"") TAIL,
		 "entries[1].path: \"a/../b\" is not a clean"},
		{HEAD ROOT ", " FILE_("\"..\"") TAIL, "is not a clean"},
		{HEAD ROOT ", " FILE_("\"./a\"") TAIL, "is not a clean"},
		{HEAD ROOT ", " FILE_("\"a//b\"") TAIL, "is not a clean"},
		{HEAD ROOT ", " FILE_("\"a/\"") TAIL, "is not a clean"},
		{HEAD ROOT ", " FILE_("\"a\\u0000b\"") TAIL,
		 "\\u0000 is not allowed"},
		{HEAD ROOT ", " FILE_("\"a/b\"") TAIL,
		 "has no earlier parent directory"},
		{HEAD FILE_("\"a\"") TAIL, "has no earlier parent directory"},
		{HEAD ROOT ", " FILE_("\"a\"") ", " FILE_("\"a\"") TAIL,
		 "entries[2].path: \"a\" twice"},
		{HEAD ENTRY("1", "\"\"", "dir", "0", "null", "null", "") TAIL,
		 "entries[0].volume: 1 out of range"},
		{HEAD ENTRY("-1", "\"\"", "dir", "0", "null", "null", "") TAIL,
		 "volume: -1 out of range"},
		{HEAD ROOT ", " ENTRY("0", "\"a\"", "file", "-1", "null", SHA, "")
			 TAIL, "entries[1].size: -1 out of range"},
		{HEAD ENTRY("0", "\"\"", "dir", "5", "null", "null", "") TAIL,
		 "size, sha256 or hardlink_of on a dir"},
		{HEAD ROOT ", " ENTRY("0", "\"a\"", "file", "3", "null",
				      "\"abc\"", "") TAIL,
		 "sha256: not 64 lower-case hex digits"},
		{HEAD ROOT ", " ENTRY("0", "\"a\"", "file", "3", "\"b\"",
				      "null", "") ", " FILE_("\"b\"") TAIL,
		 "hardlink_of: names no earlier regular file"},
		{HEAD ROOT ", " ENTRY("0", "\"a\"", "file", "3", "\"\"", "null",
				      "") TAIL,
		 "hardlink_of: names no earlier regular file"},
		{HEAD ROOT ", " FILE_("\"a\"") ", " ENTRY("0", "\"b\"", "file",
		 "4", "\"a\"", "null", "") TAIL, "differs from the first"},
		{HEAD ROOT ", " ENTRY("0", "\"a\"", "socket", "0", "null",
				      "null", "\"user.x\": \"!!\"") TAIL,
		 "entries[1].xattrs: \"user.x\" is not base64"},
		{HEAD ROOT ", " ENTRY("0", "\"a\"", "socket", "0", "null",
				      "null", "\"\": \"aGk=\"") TAIL,
		 "xattrs: bad attribute name"},
		{HEAD ROOT ", " ENTRY("0", "\"a\"", "pipe", "0", "null", "null",
				      "") TAIL, "type: not a file type"},
		{HEAD ROOT ", " ENTRY("0", "\"a\"", "symlink", "0", "null",
				      "null", "") TAIL,
		 "link_target: missing on a symlink"},
		{HEAD "], \"extra\": 1}", "unknown key \"extra\""},
		{HEAD ENTRY_C("0", "\"\"", "dir", "0", "null", "null", "", "0, 0")
			 TAIL, "entries[0].components: longer than the component list"},
		{HEAD ENTRY_C("0", "\"\"", "dir", "0", "null", "null", "", "1")
			 TAIL, "entries[0].components: index 1 out of range"},
		{HEAD "{\"volume\": 0, \"path\": \"\"}" TAIL, "missing"},
		{"{\"format\": \"vss-backup-set\", \"format\": \"x\"}",
		 "duplicate object key"},
	};
	struct bset_manifest *m;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_bad(cases[i].json, cases[i].message);
	assert_int_equal(bset_manifest_parse(&m, good, strlen(good), err,
					     sizeof(err)), 0);
	assert_int_equal(bset_manifest_entry_count(m), 3);
	assert_string_equal(bset_manifest_entry(m, 2)->hardlink_of, "abc");
	assert_int_equal(bset_manifest_entry(m, 2)->xattr_sizes[0], 2);
	assert_memory_equal(bset_manifest_entry(m, 2)->xattr_values[0], "hi",
			    2);
	bset_manifest_free(m);
}

/* The fuzz target's seeds: full.json holds every type and is valid. */
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
	expect_seed(dir, "full.json", 0, 10);
	expect_seed(dir, "empty.json", 0, 0);
	expect_seed(dir, "dotdot.json", -EBADMSG, 0);
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
	expect_same_content(sfx_join(src, "big"), sfx_join(set, "data/0/big"));
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
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_fuzz_seeds),
		cmocka_unit_test(test_two_components),
		cmocka_unit_test(test_alternate_source),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_partial_removed),
		cmocka_unit_test(test_commit),
		cmocka_unit_test(test_copy_methods),
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_ficlone_btrfs),
	};

	return sfx_exit_status(cmocka_run_group_tests(tests, group_setup,
						      group_teardown),
			       "backup set tests that need root");
}
