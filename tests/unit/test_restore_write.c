/*
 * tests/unit/test_restore_write.c - the restore writer of the vss
 * command (cli/restore_write.h): a backup set made with the set writer
 * (bset_copy) restored into an empty tree and over an existing one, byte
 * for byte and metadata for metadata (owner, mode with setuid, times in
 * ns, xattrs, ACLs, hard links, symbolic links, FIFOs, device nodes,
 * holes); hostile paths and symbolic links in the target tree refused
 * with nothing written outside; a set changed after the backup refused
 * (-EBADMSG); failures before and during the commit leaving no
 * temporary; rtarget_probe()'s states; directed target ranges (in
 * either order with the whole file, capabilities kept, hard-linked
 * destinations refused); hard links whose first link is not in the
 * batch; entries copied by the batch; a parent swapped for a symbolic
 * link before the commit; FIFOs and devices in the set; the commit that
 * never replaces (restore if not there); reflinks on a loop btrfs;
 * staging for a restore at reboot.
 *
 * Needs root (owners, device nodes, chattr, mounts) and skips without;
 * the btrfs case needs loop devices and mkfs.btrfs (skipped without).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ftw.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "backupset.h"
#include "fs_expect.h"
#include "restore_write.h"
#include "sys_fixture.h"
#include "util/beneath.h"
#include "util/pending_restore.h"

#define T_A 1000000000123456789LL
#define T_M 1500000000987654321LL
#define SPARSE_SIZE (16 << 20)
#define IMAGE_SIZE (256LL << 20)

static struct {
	char dir[64];
	char btrfs[96];
	char image[96];
	char loop[32];
	bool have_btrfs;
} env;

static int case_no;

/* ---- helpers ------------------------------------------------------------ */

/* A new directory for one case: dir/<n>-name. */
static const char *
case_dir(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%d-%s", env.dir, ++case_no, name);
	assert_int_equal(mkdir(buf, 0755), 0);
	return buf;
}

static void
write_file(const char *path, const char *text)
{
	sfx_write_file(path, text);
}

/*
 * The same metadata at a (the source) and b (restored); the access time
 * as the manifest records it (e), since reading the source for the
 * backup moved its own (checked before the contents are read).
 */
static void
expect_same_meta(const char *a, const char *b, const struct bset_entry *e)
{
	struct stat sa, sb;

	assert_int_equal(lstat(a, &sa), 0);
	assert_int_equal(lstat(b, &sb), 0);
	assert_int_equal(sa.st_mode, sb.st_mode);
	assert_int_equal(sa.st_uid, sb.st_uid);
	assert_int_equal(sa.st_gid, sb.st_gid);
	assert_int_equal(fsx_ns(&sa.st_mtim), fsx_ns(&sb.st_mtim));
	/* A second link's inode was read through its first link. */
	if (!e->hardlink_of)
		assert_int_equal(e->atime_ns, fsx_ns(&sb.st_atim));
	assert_int_equal(sa.st_size, sb.st_size);
	assert_int_equal(sa.st_rdev, sb.st_rdev);
}

/* The same extended attributes, names and values (l*xattr). */
static void
expect_same_xattrs(const char *a, const char *b)
{
	char la[4096], lb[4096], va[4096], vb[4096], *p;
	ssize_t na, nb, xa, xb;

	na = llistxattr(a, la, sizeof(la));
	nb = llistxattr(b, lb, sizeof(lb));
	assert_true(na >= 0);
	assert_int_equal(na, nb);
	for (p = la; p < la + na; p += strlen(p) + 1) {
		xa = lgetxattr(a, p, va, sizeof(va));
		xb = lgetxattr(b, p, vb, sizeof(vb));
		if (xa != xb)
			fail_msg("attribute %s of %s: %zd bytes, %zd", p, b, xa,
				 xb);
		assert_memory_equal(va, vb, (size_t)xa);
	}
}

static int tmp_found;

static int
find_tmp(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	if (strstr(path + f->base, ".vss-restore-"))
		tmp_found++;
	return 0;
}

/* No ".vss-restore-" anywhere below dir. */
static void
expect_no_tmp(const char *dir)
{
	tmp_found = 0;
	assert_int_equal(nftw(dir, find_tmp, 16, FTW_PHYS), 0);
	assert_int_equal(tmp_found, 0);
}

static void
expect_empty_dir(const char *path)
{
	struct dirent *d;
	DIR *dir = opendir(path);
	int n = 0;

	assert_non_null(dir);
	while ((d = readdir(dir)))
		n += strcmp(d->d_name, ".") && strcmp(d->d_name, "..");
	closedir(dir);
	assert_int_equal(n, 0);
}

static void
chattr(const char *path, int flag, bool on)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK), flags = 0;

	assert_true(fd >= 0);
	assert_int_equal(ioctl(fd, FS_IOC_GETFLAGS, &flags), 0);
	flags = on ? flags | flag : flags & ~flag;
	assert_int_equal(ioctl(fd, FS_IOC_SETFLAGS, &flags), 0);
	close(fd);
}

/* ---- making a set ------------------------------------------------------- */

static struct bset *copying;
static size_t src_len;

static int
copy_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	const char *rel = path + src_len;

	rel += *rel == '/';
	assert_int_equal(bset_copy(copying, 0, rel, BSET_NO_COMPONENT), 0);
	return 0;
}

/* The whole tree at src as a set at set (volume 0, "/mnt/test"). */
static void
make_set(const char *src, const char *set)
{
	struct bset_volume v = {.mount_point = "/mnt/test",
				.fstype = "ext4",
				.shadow_root = src};
	struct bset_info info = {.backup_type = VSS_BT_FULL};

	assert_int_equal(bset_create(&copying, set), 0);
	assert_int_equal(bset_add_volume(copying, &v, NULL), 0);
	src_len = strlen(src);
	assert_int_equal(nftw(src, copy_one, 16, FTW_PHYS), 0);
	assert_int_equal(bset_commit(copying, &info), 0);
	bset_free(copying);
	copying = NULL;
}

static const struct bset_entry *
entry(const struct bset_manifest *m, const char *path)
{
	size_t i;

	for (i = 0; i < bset_manifest_entry_count(m); i++)
		if (strcmp(bset_manifest_entry(m, i)->path, path) == 0)
			return bset_manifest_entry(m, i);
	fail_msg("no entry \"%s\"", path);
	return NULL;
}

static int done_count;
static char done_last[256];

static void
on_done(const char *root, const char *relpath, void *u)
{
	assert_ptr_equal(u, &done_count);
	done_count++;
	snprintf(done_last, sizeof(done_last), "%s", relpath);
}

/*
 * Restore every entry of the set at set below root, at prefix + path;
 * the result of the commit.
 */
static int
restore_all(const char *set, const char *root, const char *prefix)
{
	struct bset_manifest *m;
	struct rtarget *t;
	struct rbatch *b;
	char err[512], rel[4200];
	size_t i;
	int r;

	assert_int_equal(bset_manifest_load(&m, set, err, sizeof(err)), 0);
	assert_int_equal(rtarget_open(&t, root, true, err, sizeof(err)), 0);
	assert_int_equal(rbatch_new(&b, set, NULL), 0);
	for (i = 0; i < bset_manifest_entry_count(m); i++) {
		const struct bset_entry *e = bset_manifest_entry(m, i);

		snprintf(rel, sizeof(rel), "%s%s%s", prefix,
			 *prefix && *e->path ? "/" : "", e->path);
		r = rbatch_add(b, t, rel, e, "c", err, sizeof(err));
		if (r < 0)
			fail_msg("rbatch_add %s: %s", rel, err);
	}
	done_count = 0;
	r = rbatch_commit(b, on_done, &done_count, err, sizeof(err));
	if (r < 0)
		print_message("commit: %s\n", err);
	rbatch_free(b);
	rtarget_free(t);
	bset_manifest_free(m);
	return r;
}

/* ---- the round trip ----------------------------------------------------- */

static void
make_tree(const char *src)
{
	char big[4096];
	int fd;

	assert_int_equal(mkdir(src, 0755), 0);
	assert_int_equal(mkdir(sfx_join(src, "d"), 0755), 0);
	write_file(sfx_join(src, "d/f"), "the file's content\n");
	assert_int_equal(setxattr(sfx_join(src, "d/f"), "user.note", "hi", 2, 0),
			 0);
	fsx_set_acl(sfx_join(src, "d/f"), "system.posix_acl_access");
	assert_int_equal(chown(sfx_join(src, "d/f"), 1001, 1002), 0);
	assert_int_equal(chmod(sfx_join(src, "d/f"), 04754), 0);
	fsx_set_times(sfx_join(src, "d/f"), T_A, T_M);
	assert_int_equal(link(sfx_join(src, "d/f"), sfx_join(src, "d/f2")), 0);
	assert_int_equal(symlink("../../../etc/passwd", sfx_join(src, "d/ln")),
			 0);
	assert_int_equal(lchown(sfx_join(src, "d/ln"), 1003, 1004), 0);
	fsx_set_times(sfx_join(src, "d/ln"), T_A + 1, T_M + 1);
	fd = open(sfx_join(src, "sparse"), O_WRONLY | O_CREAT | O_EXCL, 0640);
	assert_true(fd >= 0);
	memset(big, 'a', sizeof(big));
	assert_int_equal(pwrite(fd, big, sizeof(big), 0), sizeof(big));
	memset(big, 'b', sizeof(big));
	assert_int_equal(pwrite(fd, big, sizeof(big), 8 << 20), sizeof(big));
	assert_int_equal(ftruncate(fd, SPARSE_SIZE), 0);
	close(fd);
	write_file(sfx_join(src, "empty"), "");
	assert_int_equal(mkfifo(sfx_join(src, "fifo"), 0640), 0);
	fsx_set_times(sfx_join(src, "fifo"), T_A + 3, T_M + 3);
	assert_int_equal(mknod(sfx_join(src, "null"), S_IFCHR | 0666,
			       makedev(1, 3)), 0);
	assert_int_equal(chmod(sfx_join(src, "null"), 0620), 0);
	/* A directory with a default ACL: what is made in it inherits. */
	assert_int_equal(mkdir(sfx_join(src, "acl"), 0755), 0);
	fsx_set_acl(sfx_join(src, "acl"), "system.posix_acl_default");
	write_file(sfx_join(src, "acl/g"), "g");
	assert_int_equal(removexattr(sfx_join(src, "acl/g"),
				     "system.posix_acl_access"), 0);
	assert_int_equal(chmod(sfx_join(src, "acl/g"), 0600), 0);
	fsx_set_times(sfx_join(src, "acl/g"), T_A + 4, T_M + 4);
	fsx_set_times(sfx_join(src, "acl"), T_A + 5, T_M + 5);
	/* The directories last: their times after their contents. */
	assert_int_equal(setxattr(sfx_join(src, "d"), "user.dir", "d", 1, 0), 0);
	assert_int_equal(chown(sfx_join(src, "d"), 1234, 5678), 0);
	assert_int_equal(chmod(sfx_join(src, "d"), 03555), 0);
	fsx_set_times(sfx_join(src, "d"), T_A + 2, T_M + 2);
	fsx_set_times(src, T_A + 6, T_M + 6);
}

static const char *const tree_objects[] = {
	"", "d", "d/f", "d/f2", "d/ln", "sparse", "empty", "fifo", "null",
	"acl", "acl/g",
};

/* Everything of the tree at src, backed up in set, is at out as it was. */
static void
expect_tree(const char *src, const char *set, const char *out)
{
	struct bset_manifest *m;
	struct stat a, b;
	char link[64];
	size_t i;

	assert_int_equal(bset_manifest_load(&m, set, NULL, 0), 0);
	for (i = 0; i < sizeof(tree_objects) / sizeof(*tree_objects); i++) {
		const char *sa = *tree_objects[i] ? sfx_join(src, tree_objects[i])
						  : src;
		const char *oa = *tree_objects[i] ? sfx_join(out, tree_objects[i])
						  : out;

		expect_same_meta(sa, oa, entry(m, tree_objects[i]));
		expect_same_xattrs(sa, oa);
		assert_int_equal(lstat(sa, &a), 0);
		if (S_ISREG(a.st_mode))
			fsx_expect_same_content(sa, oa);
	}
	bset_manifest_free(m);
	assert_int_equal(lstat(sfx_join(out, "d"), &a), 0);
	assert_int_equal(a.st_mode, S_IFDIR | 03555);
	assert_int_equal(fsx_ns(&a.st_mtim), T_M + 2);
	assert_int_equal(lstat(sfx_join(out, "d/f"), &a), 0);
	assert_int_equal(a.st_mode, S_IFREG | 04754);
	assert_int_equal(a.st_uid, 1001);
	assert_int_equal(a.st_gid, 1002);
	assert_int_equal(lstat(sfx_join(out, "d/f2"), &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(a.st_nlink, 2);
	/* Before readlink(), which moves its access time. */
	fsx_expect_meta(sfx_join(out, "d/ln"), S_IFLNK | 0777, 1003, 1004,
			T_A + 1, T_M + 1);
	assert_int_equal(readlink(sfx_join(out, "d/ln"), link, sizeof(link)),
			 19);
	assert_memory_equal(link, "../../../etc/passwd", 19);
	assert_int_equal(lstat(sfx_join(out, "sparse"), &b), 0);
	assert_int_equal(b.st_size, SPARSE_SIZE);
	assert_true(b.st_blocks < 1024);
	assert_int_equal(lstat(sfx_join(out, "fifo"), &a), 0);
	assert_true(S_ISFIFO(a.st_mode));
	assert_int_equal(lstat(sfx_join(out, "null"), &a), 0);
	assert_true(S_ISCHR(a.st_mode));
	assert_int_equal(a.st_rdev, makedev(1, 3));
	/* No ACL inherited from the restored default ACL. */
	assert_int_equal(lgetxattr(sfx_join(out, "acl/g"),
				   "system.posix_acl_access", NULL, 0), -1);
	expect_no_tmp(out);
}

/* ---- one case's trees ---------------------------------------------------- */

/* What a case works on: its directory, the paths in it, what it opened. */
struct wcase {
	char dir[128], src[160], set[160], out[160];
	struct bset_manifest *m;
	struct rtarget *t;
	struct rbatch *b;
};

/* What wcase_open() makes besides the case's directory. */
enum {
	WC_TREE = 1 << 0, /* make_tree() at src, backed up into set */
	WC_OUT = 1 << 1,  /* an empty directory at out, mode 0755 */
};

/* A case named name (skipped without root): dir/{src,set,out} and parts. */
static void
wcase_open(struct wcase *c, const char *name, unsigned parts)
{
	sfx_require();
	memset(c, 0, sizeof(*c));
	case_dir(name, c->dir, sizeof(c->dir));
	snprintf(c->src, sizeof(c->src), "%s/src", c->dir);
	snprintf(c->set, sizeof(c->set), "%s/set", c->dir);
	snprintf(c->out, sizeof(c->out), "%s/out", c->dir);
	if (parts & WC_TREE) {
		make_tree(c->src);
		make_set(c->src, c->set);
	}
	if (parts & WC_OUT)
		assert_int_equal(mkdir(c->out, 0755), 0);
}

/*
 * The manifest of set, out as the restore target (made first when
 * make_out, as rtarget_open() does) and, when batch, a new batch there.
 */
static void
wcase_target(struct wcase *c, bool make_out, bool batch)
{
	char err[512];

	assert_int_equal(bset_manifest_load(&c->m, c->set, NULL, 0), 0);
	if (rtarget_open(&c->t, c->out, make_out, err, sizeof(err)) < 0)
		fail_msg("rtarget_open %s: %s", c->out, err);
	if (batch)
		assert_int_equal(rbatch_new(&c->b, c->set, NULL), 0);
}

/*
 * Free what wcase_target() opened but the batch: each case frees its
 * batches itself, before it looks at what they left (temporaries go
 * with them).
 */
static void
wcase_close(struct wcase *c)
{
	rtarget_free(c->t);
	bset_manifest_free(c->m);
}

static void
test_roundtrip(void **state)
{
	struct wcase w;

	wcase_open(&w, "roundtrip", WC_TREE);
	assert_int_equal(mkdir(w.out, 0700), 0);
	assert_int_equal(restore_all(w.set, w.out, ""), 0);
	/* Every object reported, the root directory last (the shallowest). */
	assert_int_equal(done_count, 11);
	assert_string_equal(done_last, "");
	expect_tree(w.src, w.set, w.out);
	chmod(sfx_join(w.out, "d"), 0755);
}

/* Below a --to directory: parents made on the way, as mkdir -p. */
static void
test_prefix(void **state)
{
	struct wcase w;
	char sub[200];
	struct stat st;

	wcase_open(&w, "prefix", WC_TREE);
	snprintf(w.out, sizeof(w.out), "%s/to/new", w.dir);
	assert_int_equal(restore_all(w.set, w.out, "mnt/test"), 0);
	assert_int_equal(stat(sfx_join(w.out, "mnt"), &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	snprintf(sub, sizeof(sub), "%s/mnt/test", w.out);
	expect_tree(w.src, w.set, sub);
	chmod(sfx_join(sub, "d"), 0755);
}

/* Over an existing tree: files replaced, directories kept. */
static void
test_replace(void **state)
{
	struct wcase w;
	struct stat st;

	wcase_open(&w, "replace", WC_TREE);
	/* What is there now: other contents, owners, modes, attributes. */
	assert_int_equal(mkdir(w.out, 0777), 0);
	assert_int_equal(mkdir(sfx_join(w.out, "d"), 0700), 0);
	write_file(sfx_join(w.out, "d/f"), "damaged, and longer than it was\n");
	assert_int_equal(
	    setxattr(sfx_join(w.out, "d/f"), "user.stale", "x", 1, 0), 0);
	write_file(sfx_join(w.out, "d/f2"), "not a link any more");
	assert_int_equal(symlink("elsewhere", sfx_join(w.out, "sparse")), 0);
	write_file(sfx_join(w.out, "d/kept"), "not in the set");
	assert_int_equal(
	    setxattr(sfx_join(w.out, "d"), "user.added", "y", 1, 0), 0);
	/* A default ACL the kept directory did not have at backup. */
	assert_int_equal(mkdir(sfx_join(w.out, "acl"), 0755), 0);
	fsx_set_acl(sfx_join(w.out, "acl"), "system.posix_acl_default");
	assert_int_equal(restore_all(w.set, w.out, ""), 0);
	expect_tree(w.src, w.set, w.out);
	assert_string_equal(sfx_read_file(sfx_join(w.out, "d/kept")),
			    "not in the set");
	assert_int_equal(lstat(sfx_join(w.out, "sparse"), &st), 0);
	assert_true(S_ISREG(st.st_mode));
	chmod(sfx_join(w.out, "d"), 0755);
}

/* A directory where a file goes, or the reverse: refused, nothing lost. */
static void
test_type_clash(void **state)
{
	struct wcase w;
	char err[512];

	wcase_open(&w, "clash", WC_TREE | WC_OUT);
	assert_int_equal(mkdir(sfx_join(w.out, "empty"), 0755), 0);
	write_file(sfx_join(w.out, "empty/inside"), "x");
	write_file(sfx_join(w.out, "acl"), "a file where a directory goes");
	wcase_target(&w, false, true);
	assert_int_equal(rbatch_add(w.b, w.t, "empty", entry(w.m, "empty"),
				    NULL, err, sizeof(err)),
			 -EISDIR);
	assert_non_null(strstr(err, "is a directory"));
	assert_int_equal(rbatch_add(w.b, w.t, "acl", entry(w.m, "acl"), NULL,
				    err, sizeof(err)),
			 -ENOTDIR);
	/* Twice in a batch; a file at the target's root. */
	assert_int_equal(rbatch_add(w.b, w.t, "x", entry(w.m, "d/f"), NULL, err,
				    sizeof(err)),
			 0);
	assert_int_equal(rbatch_add(w.b, w.t, "x", entry(w.m, "d/f"), NULL, err,
				    sizeof(err)),
			 -EEXIST);
	assert_int_equal(
	    rbatch_add(w.b, w.t, "", entry(w.m, "d/f"), NULL, err, sizeof(err)),
	    -EISDIR);
	assert_int_equal(rbatch_count(w.b), 1);
	rbatch_free(w.b);
	assert_string_equal(sfx_read_file(sfx_join(w.out, "empty/inside")),
			    "x");
	assert_string_equal(sfx_read_file(sfx_join(w.out, "acl")),
			    "a file where a directory goes");
	assert_int_equal(access(sfx_join(w.out, "x"), F_OK), -1);
	expect_no_tmp(w.out);
	wcase_close(&w);
}

/* Restore the hard link d/f2 of the set at relpath; the commit's result. */
static int
restore_link(const char *set, struct rtarget *t, const struct bset_manifest *m,
	     const char *relpath, int want_add, char *err, size_t errlen)
{
	struct rbatch *b;
	int r;

	assert_int_equal(rbatch_new(&b, set, NULL), 0);
	assert_int_equal(rbatch_set_manifest(b, m), 0);
	r = rbatch_add(b, t, relpath, entry(m, "d/f2"), NULL, err, errlen);
	if (r != want_add)
		fail_msg("rbatch_add %s: %d (%s)", relpath, r, err);
	if (r == 0)
		r = rbatch_commit(b, NULL, NULL, err, errlen);
	rbatch_free(b);
	return r;
}

/*
 * A hard link whose first link is not in the batch (RS-122): linked to
 * the first link already in the target only when it is in the same tree
 * and has the backup's content, checked again at commit; else a full
 * copy of the backup's data, never a link to other data.
 */
static void
test_link_in_target(void **state)
{
	struct wcase w;
	char err[512], tmp[200];
	const char *content;
	struct stat a, c;

	wcase_open(&w, "link", WC_TREE);
	content = strdup(sfx_read_file(sfx_join(w.src, "d/f")));
	assert_non_null(content);
	wcase_target(&w, true, false);
	assert_int_equal(mkdir(sfx_join(w.out, "mnt"), 0755), 0);
	assert_int_equal(mkdir(sfx_join(w.out, "mnt/d"), 0755), 0);
	write_file(sfx_join(w.out, "mnt/d/f"), content);

	/* Without the manifest the first link is unknown: refused. */
	assert_int_equal(rbatch_new(&w.b, w.set, NULL), 0);
	assert_int_equal(rbatch_add(w.b, w.t, "mnt/d/f2", entry(w.m, "d/f2"),
				    NULL, err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "no manifest given"));
	rbatch_free(w.b);

	/* The first link there with the backup's content: linked. */
	assert_int_equal(
	    restore_link(w.set, w.t, w.m, "mnt/d/f2", 0, err, sizeof(err)), 0);
	assert_int_equal(lstat(sfx_join(w.out, "mnt/d/f"), &a), 0);
	assert_int_equal(lstat(sfx_join(w.out, "mnt/d/f2"), &c), 0);
	assert_int_equal(a.st_ino, c.st_ino);
	/* Again: linked already, nothing changes, no temporary left. */
	assert_int_equal(
	    restore_link(w.set, w.t, w.m, "mnt/d/f2", 0, err, sizeof(err)), 0);
	assert_int_equal(lstat(sfx_join(w.out, "mnt/d/f2"), &c), 0);
	assert_int_equal(a.st_ino, c.st_ino);

	/* Damaged: the link gets the backup's data, the first is left. */
	write_file(sfx_join(w.out, "mnt/d/f"), "damaged");
	assert_int_equal(
	    restore_link(w.set, w.t, w.m, "mnt/d/f2", 0, err, sizeof(err)), 0);
	assert_string_equal(sfx_read_file(sfx_join(w.out, "mnt/d/f")),
			    "damaged");
	assert_string_equal(sfx_read_file(sfx_join(w.out, "mnt/d/f2")),
			    content);
	assert_int_equal(lstat(sfx_join(w.out, "mnt/d/f"), &a), 0);
	assert_int_equal(lstat(sfx_join(w.out, "mnt/d/f2"), &c), 0);
	assert_true(a.st_ino != c.st_ino);
	assert_int_equal(c.st_mode, S_IFREG | 04754);
	assert_int_equal(c.st_uid, 1001);
	assert_int_equal(c.st_nlink, 1);

	/* A FIFO where the first link was: never opened for long, a copy. */
	assert_int_equal(unlink(sfx_join(w.out, "mnt/d/f")), 0);
	assert_int_equal(mkfifo(sfx_join(w.out, "mnt/d/f"), 0644), 0);
	assert_int_equal(
	    restore_link(w.set, w.t, w.m, "mnt/d/f2", 0, err, sizeof(err)), 0);
	assert_string_equal(sfx_read_file(sfx_join(w.out, "mnt/d/f2")),
			    content);
	assert_int_equal(unlink(sfx_join(w.out, "mnt/d/f")), 0);

	/* Not below its manifest path: a full copy too. */
	assert_int_equal(
	    restore_link(w.set, w.t, w.m, "other", 0, err, sizeof(err)), 0);
	assert_string_equal(sfx_read_file(sfx_join(w.out, "other")), content);

	/* Checked, then replaced before the commit: not linked to it. */
	write_file(sfx_join(w.out, "mnt/d/f"), content);
	assert_int_equal(rbatch_new(&w.b, w.set, NULL), 0);
	assert_int_equal(rbatch_set_manifest(w.b, w.m), 0);
	assert_int_equal(rbatch_add(w.b, w.t, "mnt/d/f2", entry(w.m, "d/f2"),
				    NULL, err, sizeof(err)),
			 0);
	snprintf(tmp, sizeof(tmp), "%s/mnt/d/new", w.out);
	write_file(tmp, content);
	assert_int_equal(rename(tmp, sfx_join(w.out, "mnt/d/f")), 0);
	assert_int_equal(rbatch_commit(w.b, NULL, NULL, err, sizeof(err)),
			 -ESTALE);
	assert_non_null(strstr(err, "replaced since it was checked"));
	rbatch_free(w.b);
	assert_int_equal(lstat(sfx_join(w.out, "mnt/d/f"), &a), 0);
	assert_int_equal(lstat(sfx_join(w.out, "mnt/d/f2"), &c), 0);
	assert_true(a.st_ino != c.st_ino);
	expect_no_tmp(w.out);
	free((char *)content);
	wcase_close(&w);
}

/* A heap copy of e, every string and attribute its own. */
static struct bset_entry *
entry_clone(const struct bset_entry *e)
{
	struct bset_entry *c = malloc(sizeof(*c));
	char **names;
	uint8_t **values;
	size_t *sizes, i;

	assert_non_null(c);
	*c = *e;
	c->path = strdup(e->path);
	c->link_target = e->link_target ? strdup(e->link_target) : NULL;
	c->hardlink_of = e->hardlink_of ? strdup(e->hardlink_of) : NULL;
	c->sha256 = e->sha256 ? strdup(e->sha256) : NULL;
	names = calloc(e->xattr_count + 1, sizeof(*names));
	values = calloc(e->xattr_count + 1, sizeof(*values));
	sizes = calloc(e->xattr_count + 1, sizeof(*sizes));
	assert_true(names && values && sizes);
	for (i = 0; i < e->xattr_count; i++) {
		names[i] = strdup(e->xattr_names[i]);
		values[i] = malloc(e->xattr_sizes[i] + 1);
		assert_true(names[i] && values[i]);
		memcpy(values[i], e->xattr_values[i], e->xattr_sizes[i]);
		sizes[i] = e->xattr_sizes[i];
	}
	c->xattr_names = (const char *const *)names;
	c->xattr_values = (const uint8_t *const *)values;
	c->xattr_sizes = sizes;
	return c;
}

/* Scribble over a clone and free it: what still points there is wrong. */
static void
entry_destroy(struct bset_entry *c)
{
	size_t i;

	memset((char *)c->path, 'X', strlen(c->path));
	free((char *)c->path);
	free((char *)c->link_target);
	free((char *)c->hardlink_of);
	if (c->sha256)
		memset((char *)c->sha256, '0', 64);
	free((char *)c->sha256);
	for (i = 0; i < c->xattr_count; i++) {
		free((char *)c->xattr_names[i]);
		free((uint8_t *)c->xattr_values[i]);
	}
	free((char **)c->xattr_names);
	free((uint8_t **)c->xattr_values);
	free((size_t *)c->xattr_sizes);
	free(c);
}

/*
 * rbatch_add() copies its entry: entries that go right after the call
 * (a caller's stack, a buffer reused) restore the same tree.
 */
static void
test_entry_copied(void **state)
{
	struct wcase w;
	char err[512];
	struct bset_entry *c;
	size_t i;

	wcase_open(&w, "copied", WC_TREE);
	wcase_target(&w, true, true);
	for (i = 0; i < bset_manifest_entry_count(w.m); i++) {
		c = entry_clone(bset_manifest_entry(w.m, i));
		if (rbatch_add(w.b, w.t, c->path, c, "c", err, sizeof(err)) < 0)
			fail_msg("rbatch_add %s: %s", c->path, err);
		entry_destroy(c);
	}
	assert_int_equal(rbatch_commit(w.b, NULL, NULL, err, sizeof(err)), 0);
	rbatch_free(w.b);
	expect_tree(w.src, w.set, w.out);
	chmod(sfx_join(w.out, "d"), 0755);
	wcase_close(&w);
}

/* ---- hostile paths and sets --------------------------------------------- */

static void
test_hostile_paths(void **state)
{
	static const char *const bad[] = {
		"../x", "a/../../x", "/etc/passwd", "a//b", "a/./b", "a/",
		".", "..", "/",
	};
	struct wcase w;
	char outside[160], err[512];
	size_t i;

	wcase_open(&w, "hostile", WC_TREE | WC_OUT);
	snprintf(outside, sizeof(outside), "%s/outside", w.dir);
	assert_int_equal(mkdir(outside, 0755), 0);
	/* The target tree has links out: as a parent, and deeper. */
	assert_int_equal(symlink(outside, sfx_join(w.out, "esc")), 0);
	assert_int_equal(mkdir(sfx_join(w.out, "sub"), 0755), 0);
	assert_int_equal(symlink("../../outside", sfx_join(w.out, "sub/up")),
			 0);
	wcase_target(&w, false, true);
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		assert_int_equal(rtarget_check(w.t, bad[i], err, sizeof(err)),
				 -EINVAL);
		assert_non_null(strstr(err, "refused"));
		assert_int_equal(rbatch_add(w.b, w.t, bad[i], entry(w.m, "d/f"),
					    NULL, err, sizeof(err)),
				 -EINVAL);
	}
	assert_int_equal(rtarget_check(w.t, "esc/f", err, sizeof(err)), -ELOOP);
	assert_non_null(strstr(err, "symbolic link"));
	assert_int_equal(rtarget_check(w.t, "sub/up/x/y", err, sizeof(err)),
			 -ELOOP);
	/* The same without openat2(): one element at a time. */
	beneath_force_fallback(true);
	assert_int_equal(rtarget_check(w.t, "esc/f", err, sizeof(err)), -ELOOP);
	assert_int_equal(rtarget_check(w.t, "sub/up/x/y", err, sizeof(err)),
			 -ELOOP);
	beneath_force_fallback(false);
	assert_int_equal(rbatch_add(w.b, w.t, "esc/f", entry(w.m, "d/f"), NULL,
				    err, sizeof(err)),
			 -ELOOP);
	assert_int_equal(rbatch_add(w.b, w.t, "sub/up/new/f", entry(w.m, "d/f"),
				    NULL, err, sizeof(err)),
			 -ELOOP);
	assert_int_equal(rbatch_add(w.b, w.t, "esc", entry(w.m, "d"), NULL, err,
				    sizeof(err)),
			 -ENOTDIR);
	/* A file where a parent directory should be. */
	write_file(sfx_join(w.out, "file"), "x");
	assert_int_equal(rtarget_check(w.t, "file/f", err, sizeof(err)),
			 -ENOTDIR);
	/* Fine: missing parents, the root itself, a link replaced itself. */
	assert_int_equal(rtarget_check(w.t, "new/deeper/f", err, sizeof(err)),
			 0);
	assert_int_equal(rtarget_check(w.t, "", err, sizeof(err)), 0);
	assert_int_equal(rbatch_add(w.b, w.t, "esc", entry(w.m, "d/f"), NULL,
				    err, sizeof(err)),
			 0);
	assert_int_equal(rbatch_commit(w.b, NULL, NULL, err, sizeof(err)), 0);
	rbatch_free(w.b);
	fsx_expect_same_content(sfx_join(w.src, "d/f"), sfx_join(w.out, "esc"));
	expect_empty_dir(outside);
	expect_no_tmp(w.out);
	assert_int_equal(
	    rtarget_open(&w.t, "relative/path", true, err, sizeof(err)),
	    -EINVAL);
	wcase_close(&w);
}

/*
 * A parent directory swapped for a symbolic link out of the tree between
 * rbatch_add() and the commit: the commit is refused, nothing lands
 * outside.
 */
static void
test_swapped_parent(void **state)
{
	struct wcase w;
	char outside[160], err[512];
	char moved[200];

	wcase_open(&w, "swapped", WC_TREE | WC_OUT);
	snprintf(outside, sizeof(outside), "%s/outside", w.dir);
	snprintf(moved, sizeof(moved), "%s/out/sub.old", w.dir);
	assert_int_equal(mkdir(outside, 0755), 0);
	assert_int_equal(mkdir(sfx_join(w.out, "sub"), 0755), 0);
	wcase_target(&w, false, true);
	assert_int_equal(rbatch_add(w.b, w.t, "sub/f", entry(w.m, "d/f"), NULL,
				    err, sizeof(err)),
			 0);
	assert_int_equal(rbatch_add(w.b, w.t, "sub/ln", entry(w.m, "d/ln"),
				    NULL, err, sizeof(err)),
			 0);
	assert_int_equal(rename(sfx_join(w.out, "sub"), moved), 0);
	assert_int_equal(symlink(outside, sfx_join(w.out, "sub")), 0);
	done_count = 0;
	assert_int_equal(
	    rbatch_commit(w.b, on_done, &done_count, err, sizeof(err)), -ELOOP);
	assert_non_null(strstr(err, "symbolic link"));
	assert_int_equal(done_count, 0);
	rbatch_free(w.b);
	expect_empty_dir(outside);
	assert_int_equal(access(sfx_join(moved, "f"), F_OK), -1);
	assert_int_equal(access(sfx_join(moved, "ln"), F_OK), -1);
	wcase_close(&w);
}

/*
 * A FIFO or a device node in the set where a regular file's data should
 * be: refused at once (never opened blocking, never read).
 */
static void
test_special_in_set(void **state)
{
	struct wcase w;
	char err[512];

	wcase_open(&w, "special", WC_TREE);
	assert_int_equal(unlink(sfx_join(w.set, "data/0/d/f")), 0);
	assert_int_equal(mkfifo(sfx_join(w.set, "data/0/d/f"), 0644), 0);
	assert_int_equal(unlink(sfx_join(w.set, "data/0/sparse")), 0);
	assert_int_equal(mknod(sfx_join(w.set, "data/0/sparse"), S_IFCHR | 0644,
			       makedev(1, 5)),
			 0);
	wcase_target(&w, true, true);
	assert_int_equal(rbatch_add(w.b, w.t, "f", entry(w.m, "d/f"), NULL, err,
				    sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "not a regular file"));
	assert_int_equal(rbatch_add(w.b, w.t, "sparse", entry(w.m, "sparse"),
				    NULL, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(rbatch_add_ranges(w.b, w.t, "r", entry(w.m, "d/f"),
					   "0:1", "0:1", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(rbatch_count(w.b), 0);
	rbatch_free(w.b);
	expect_empty_dir(w.out);
	wcase_close(&w);
}

/*
 * Restore if not there (RS-041): with no_replace the commit never
 * replaces; what another process made since the check stays, and the
 * commit says so.
 */
static void
test_no_replace(void **state)
{
	struct wcase w;
	char err[512];

	wcase_open(&w, "noreplace", WC_TREE);
	wcase_target(&w, true, true);
	assert_int_equal(rbatch_set_no_replace(w.b, true), 0);
	assert_int_equal(rbatch_add(w.b, w.t, "a", entry(w.m, "d/f"), NULL, err,
				    sizeof(err)),
			 0);
	assert_int_equal(rbatch_add(w.b, w.t, "a2", entry(w.m, "d/f2"), NULL,
				    err, sizeof(err)),
			 0);
	assert_int_equal(rbatch_add(w.b, w.t, "b", entry(w.m, "d/ln"), NULL,
				    err, sizeof(err)),
			 0);
	assert_int_equal(rbatch_add(w.b, w.t, "c", entry(w.m, "empty"), NULL,
				    err, sizeof(err)),
			 0);
	/* Made by another process after the check. */
	write_file(sfx_join(w.out, "c"), "made meanwhile");
	done_count = 0;
	assert_int_equal(
	    rbatch_commit(w.b, on_done, &done_count, err, sizeof(err)),
	    -EEXIST);
	assert_non_null(strstr(err, "/c\" was made by another process"));
	assert_int_equal(done_count, 3);
	rbatch_free(w.b);
	fsx_expect_same_content(sfx_join(w.src, "d/f"), sfx_join(w.out, "a"));
	fsx_expect_same_content(sfx_join(w.src, "d/f"), sfx_join(w.out, "a2"));
	assert_string_equal(sfx_read_file(sfx_join(w.out, "c")),
			    "made meanwhile");
	expect_no_tmp(w.out);
	/* A link whose place is taken: not replaced either. */
	assert_int_equal(rbatch_new(&w.b, w.set, NULL), 0);
	assert_int_equal(rbatch_set_no_replace(w.b, true), 0);
	assert_int_equal(rbatch_add(w.b, w.t, "x", entry(w.m, "d/f"), NULL, err,
				    sizeof(err)),
			 0);
	assert_int_equal(rbatch_add(w.b, w.t, "y", entry(w.m, "d/f2"), NULL,
				    err, sizeof(err)),
			 0);
	write_file(sfx_join(w.out, "y"), "mine");
	assert_int_equal(rbatch_commit(w.b, NULL, NULL, err, sizeof(err)),
			 -EEXIST);
	assert_string_equal(sfx_read_file(sfx_join(w.out, "y")), "mine");
	assert_int_equal(rbatch_set_no_replace(w.b, false), 0);
	rbatch_free(w.b);
	expect_no_tmp(w.out);
	assert_int_equal(rbatch_set_no_replace(NULL, true), -EINVAL);
	wcase_close(&w);
}

/* A set whose data is not what the manifest says: refused, no trace. */
static void
test_changed_set(void **state)
{
	struct wcase w;
	char err[512];
	int fd;

	wcase_open(&w, "changed", WC_TREE);
	/* One byte changed, the size kept; another file cut short. */
	fd = open(sfx_join(w.set, "data/0/d/f"), O_WRONLY);
	assert_int_equal(pwrite(fd, "T", 1, 0), 1);
	close(fd);
	assert_int_equal(truncate(sfx_join(w.set, "data/0/sparse"), 100), 0);
	/* And a symbolic link instead of a file in the set. */
	assert_int_equal(unlink(sfx_join(w.set, "data/0/acl/g")), 0);
	assert_int_equal(
	    symlink("/etc/passwd", sfx_join(w.set, "data/0/acl/g")), 0);
	wcase_target(&w, true, true);
	assert_int_equal(rbatch_add(w.b, w.t, "f", entry(w.m, "d/f"), NULL, err,
				    sizeof(err)),
			 -EBADMSG);
	assert_non_null(strstr(err, "SHA-256"));
	assert_int_equal(rbatch_add(w.b, w.t, "sparse", entry(w.m, "sparse"),
				    NULL, err, sizeof(err)),
			 -EBADMSG);
	assert_int_equal(rbatch_add(w.b, w.t, "g", entry(w.m, "acl/g"), NULL,
				    err, sizeof(err)),
			 -ELOOP);
	assert_int_equal(rbatch_count(w.b), 0);
	rbatch_free(w.b);
	expect_empty_dir(w.out);
	wcase_close(&w);
}

/* A batch that fails before its commit leaves the target as it was. */
static void
test_fail_before_commit(void **state)
{
	struct wcase w;
	char err[512];

	wcase_open(&w, "before", WC_TREE | WC_OUT);
	write_file(sfx_join(w.out, "old"), "old");
	wcase_target(&w, false, true);
	assert_int_equal(rbatch_add(w.b, w.t, "new/d", entry(w.m, "d"), NULL,
				    err, sizeof(err)),
			 0);
	assert_int_equal(rbatch_add(w.b, w.t, "new/d/f", entry(w.m, "d/f"),
				    NULL, err, sizeof(err)),
			 0);
	assert_int_equal(rbatch_add(w.b, w.t, "old", entry(w.m, "sparse"), NULL,
				    err, sizeof(err)),
			 0);
	assert_int_equal(rbatch_add(w.b, w.t, "new/fifo", entry(w.m, "fifo"),
				    NULL, err, sizeof(err)),
			 0);
	assert_int_equal(rbatch_add(w.b, w.t, "new/ln", entry(w.m, "d/ln"),
				    NULL, err, sizeof(err)),
			 0);
	assert_int_equal(rbatch_count(w.b), 5);
	assert_int_equal(rbatch_bytes(w.b), 19 + SPARSE_SIZE);
	tmp_found = 0;
	assert_int_equal(nftw(w.out, find_tmp, 16, FTW_PHYS), 0);
	assert_int_equal(tmp_found, 4);
	rbatch_free(w.b);
	/* The directories it made are gone again, the old file untouched. */
	assert_int_equal(access(sfx_join(w.out, "new"), F_OK), -1);
	assert_string_equal(sfx_read_file(sfx_join(w.out, "old")), "old");
	expect_no_tmp(w.out);
	wcase_close(&w);
}

/* A commit that fails midway: what is done is reported, no temporary. */
static void
test_fail_in_commit(void **state)
{
	struct wcase w;
	char err[512];

	wcase_open(&w, "midway", WC_TREE | WC_OUT);
	write_file(sfx_join(w.out, "b"), "b before");
	write_file(sfx_join(w.out, "c"), "c before");
	wcase_target(&w, false, true);
	assert_int_equal(rbatch_add(w.b, w.t, "a", entry(w.m, "d/f"), NULL, err,
				    sizeof(err)),
			 0);
	assert_int_equal(rbatch_add(w.b, w.t, "b", entry(w.m, "empty"), NULL,
				    err, sizeof(err)),
			 0);
	assert_int_equal(rbatch_add(w.b, w.t, "c", entry(w.m, "sparse"), NULL,
				    err, sizeof(err)),
			 0);
	assert_int_equal(rbatch_add(w.b, w.t, "e", entry(w.m, "fifo"), NULL,
				    err, sizeof(err)),
			 0);
	/* Meanwhile c became immutable: its rename fails. */
	chattr(sfx_join(w.out, "c"), FS_IMMUTABLE_FL, true);
	done_count = 0;
	assert_int_equal(
	    rbatch_commit(w.b, on_done, &done_count, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "/c\""));
	assert_int_equal(done_count, 2);
	assert_string_equal(done_last, "b");
	rbatch_free(w.b);
	chattr(sfx_join(w.out, "c"), FS_IMMUTABLE_FL, false);
	fsx_expect_same_content(sfx_join(w.src, "d/f"), sfx_join(w.out, "a"));
	assert_string_equal(sfx_read_file(sfx_join(w.out, "b")), "");
	assert_string_equal(sfx_read_file(sfx_join(w.out, "c")), "c before");
	assert_int_equal(access(sfx_join(w.out, "e"), F_OK), -1);
	expect_no_tmp(w.out);

	/* A directory put where a staged file goes. */
	assert_int_equal(rbatch_new(&w.b, w.set, NULL), 0);
	assert_int_equal(rbatch_add(w.b, w.t, "x", entry(w.m, "d/f"), NULL, err,
				    sizeof(err)),
			 0);
	assert_int_equal(mkdir(sfx_join(w.out, "x"), 0755), 0);
	assert_int_equal(rbatch_commit(w.b, NULL, NULL, err, sizeof(err)),
			 -EISDIR);
	rbatch_free(w.b);
	expect_empty_dir(sfx_join(w.out, "x"));
	expect_no_tmp(w.out);
	wcase_close(&w);
}

/* ---- what is at a place ------------------------------------------------- */

static void
expect_state(struct rtarget *t, const char *relpath, mode_t type,
	     enum rtarget_state want)
{
	enum rtarget_state got = RT_ABSENT;
	char why[512];

	assert_int_equal(rtarget_probe(t, relpath, type, &got, why,
				       sizeof(why)), 0);
	if (got != want)
		fail_msg("%s: state %d, want %d (%s)", relpath, got, want, why);
	if (want == RT_BUSY || want == RT_LOCKED)
		assert_true(why[0] != '\0');
}

static void
test_probe(void **state)
{
	struct wcase w;
	char err[512], ro[200];
	int ready[2], go[2];
	struct rtarget *t;
	enum rtarget_state s;
	pid_t pid;
	char c;

	wcase_open(&w, "probe", WC_OUT);
	write_file(sfx_join(w.out, "f"), "f");
	write_file(sfx_join(w.out, "busy"), "busy");
	write_file(sfx_join(w.out, "locked"), "locked");
	write_file(sfx_join(w.out, "append"), "append");
	assert_int_equal(mkdir(sfx_join(w.out, "d"), 0755), 0);
	assert_int_equal(symlink("/", sfx_join(w.out, "ln")), 0);
	assert_int_equal(rtarget_open(&t, w.out, false, err, sizeof(err)), 0);
	expect_state(t, "none", S_IFREG, RT_ABSENT);
	expect_state(t, "no/such/dir", S_IFREG, RT_ABSENT);
	expect_state(t, "f", S_IFREG, RT_REPLACEABLE);
	expect_state(t, "ln", S_IFREG, RT_REPLACEABLE);
	expect_state(t, "d", S_IFDIR, RT_REPLACEABLE);
	expect_state(t, "d", S_IFREG, RT_LOCKED);
	expect_state(t, "f", S_IFDIR, RT_LOCKED);
	chattr(sfx_join(w.out, "locked"), FS_IMMUTABLE_FL, true);
	chattr(sfx_join(w.out, "append"), FS_APPEND_FL, true);
	expect_state(t, "locked", S_IFREG, RT_LOCKED);
	expect_state(t, "append", S_IFREG, RT_LOCKED);
	chattr(sfx_join(w.out, "locked"), FS_IMMUTABLE_FL, false);
	chattr(sfx_join(w.out, "append"), FS_APPEND_FL, false);
	/* Held open by another process: busy while it holds it. */
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(sfx_join(w.out, "busy"), O_RDONLY);

		if (fd < 0 || write(ready[1], "r", 1) != 1)
			_exit(1);
		_exit(read(go[0], &c, 1) == 1 ? 0 : 1);
	}
	assert_int_equal(read(ready[0], &c, 1), 1);
	expect_state(t, "busy", S_IFREG, RT_BUSY);
	assert_int_equal(write(go[1], "g", 1), 1);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	expect_state(t, "busy", S_IFREG, RT_REPLACEABLE);
	close(ready[0]);
	close(ready[1]);
	close(go[0]);
	close(go[1]);
	/* Escapes are errors, as for rtarget_check(). */
	assert_int_equal(rtarget_probe(t, "../x", S_IFREG, &s, err,
				       sizeof(err)), -EINVAL);
	assert_int_equal(rtarget_probe(t, "ln/etc", S_IFREG, &s, err,
				       sizeof(err)), -ELOOP);
	/* A read-only bind mount of the tree. */
	snprintf(ro, sizeof(ro), "%s/ro", w.dir);
	assert_int_equal(mkdir(ro, 0755), 0);
	assert_int_equal(sfx_mount(w.out, ro, NULL, MS_BIND, NULL), 0);
	assert_int_equal(mount(NULL, ro, NULL,
			       MS_REMOUNT | MS_BIND | MS_RDONLY, NULL), 0);
	rtarget_free(t);
	assert_int_equal(rtarget_open(&t, ro, false, err, sizeof(err)), 0);
	expect_state(t, "f", S_IFREG, RT_LOCKED);
	expect_state(t, "none", S_IFREG, RT_ABSENT);
	rtarget_free(t);
	/* Another mount on the way below the root: refused. */
	assert_int_equal(rtarget_open(&t, w.out, false, err, sizeof(err)), 0);
	assert_int_equal(
	    sfx_mount(w.dir, sfx_join(w.out, "d"), NULL, MS_BIND, NULL), 0);
	assert_int_equal(rtarget_check(t, "d/f", err, sizeof(err)), -EXDEV);
	assert_non_null(strstr(err, "another mount"));
	/* The same without openat2(): the mount ids tell a bind mount. */
	beneath_force_fallback(true);
	assert_int_equal(rtarget_check(t, "d/f", err, sizeof(err)), -EXDEV);
	beneath_force_fallback(false);
	umount2(sfx_join(w.out, "d"), MNT_DETACH);
	umount2(ro, MNT_DETACH);
	rtarget_free(t);
}

/* ---- directed targets --------------------------------------------------- */

static void
test_ranges_parse(void **state)
{
	static const char *const bad[] = {
		"", ",", "1", "1:", ":1", "1:2,", ",1:2", "1:2,,3:4", "-1:2",
		"1:-2", "+1:2", " 1:2", "1:2 ", "0x:1", "1:2:3", "a:1",
		"9223372036854775808:0", "1:9223372036854775807",
		"99999999999999999999:1", "0x8000000000000000:0",
	};
	struct restore_range *r;
	size_t n, i;

	assert_int_equal(restore_ranges_parse("0:10,0x20:0X10,100:0", &r, &n),
			 0);
	assert_int_equal(n, 3);
	assert_int_equal(r[0].offset, 0);
	assert_int_equal(r[0].length, 10);
	assert_int_equal(r[1].offset, 32);
	assert_int_equal(r[1].length, 16);
	assert_int_equal(r[2].offset, 100);
	free(r);
	assert_int_equal(restore_ranges_parse("9223372036854775806:1", &r, &n),
			 0);
	free(r);
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		r = NULL;
		if (restore_ranges_parse(bad[i], &r, &n) != -EINVAL)
			fail_msg("\"%s\" parsed", bad[i]);
		assert_null(r);
	}
	assert_int_equal(restore_ranges_parse(NULL, &r, &n), -EINVAL);
}

static void
test_ranges(void **state)
{
	struct wcase w;
	char err[512];
	struct stat st;
	const char *text;

	wcase_open(&w, "ranges", WC_OUT);
	assert_int_equal(mkdir(w.src, 0755), 0);
	write_file(sfx_join(w.src, "s"), "0123456789abcdefghij");
	make_set(w.src, w.set);
	write_file(sfx_join(w.out, "db"), "................................");
	assert_int_equal(chown(sfx_join(w.out, "db"), 2001, 2002), 0);
	assert_int_equal(chmod(sfx_join(w.out, "db"), 0604), 0);
	assert_int_equal(
	    setxattr(sfx_join(w.out, "db"), "user.keep", "k", 1, 0), 0);
	wcase_target(&w, false, true);
	/* Bad lists: nothing added. */
	assert_int_equal(rbatch_add_ranges(w.b, w.t, "db", entry(w.m, "s"),
					   "0:2", "0:2,4:2", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(rbatch_add_ranges(w.b, w.t, "db", entry(w.m, "s"),
					   "0:2", "0:3", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(rbatch_add_ranges(w.b, w.t, "db", entry(w.m, "s"),
					   "15:6", "0:6", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(rbatch_add_ranges(w.b, w.t, "db", entry(w.m, "s"), "x",
					   "0:6", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(rbatch_add_ranges(w.b, w.t, "db", entry(w.m, ""),
					   "0:1", "0:1", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(rbatch_add_ranges(w.b, w.t, "../db", entry(w.m, "s"),
					   "0:1", "0:1", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(rbatch_count(w.b), 0);
	/* Into an existing file, twice (one temporary), and a new one. */
	assert_int_equal(rbatch_add_ranges(w.b, w.t, "db", entry(w.m, "s"),
					   "0:4,10:2", "2:4,30:2", err,
					   sizeof(err)),
			 0);
	assert_int_equal(rbatch_add_ranges(w.b, w.t, "db", entry(w.m, "s"),
					   "19:1", "0x10:1", err, sizeof(err)),
			 0);
	assert_int_equal(rbatch_add_ranges(w.b, w.t, "new/file",
					   entry(w.m, "s"), "5:5", "8:5", err,
					   sizeof(err)),
			 0);
	assert_int_equal(rbatch_count(w.b), 2);
	/* Not written before the commit. */
	assert_string_equal(sfx_read_file(sfx_join(w.out, "db")),
			    "................................");
	assert_int_equal(rbatch_commit(w.b, NULL, NULL, err, sizeof(err)), 0);
	rbatch_free(w.b);
	assert_string_equal(sfx_read_file(sfx_join(w.out, "db")),
			    "..0123..........j.............ab");
	assert_int_equal(lstat(sfx_join(w.out, "db"), &st), 0);
	assert_int_equal(st.st_uid, 2001);
	assert_int_equal(st.st_gid, 2002);
	assert_int_equal(st.st_mode, S_IFREG | 0604);
	assert_int_equal(getxattr(sfx_join(w.out, "db"), "user.keep", NULL, 0),
			 1);
	text = sfx_read_file(sfx_join(w.out, "new/file"));
	assert_int_equal(lstat(sfx_join(w.out, "new/file"), &st), 0);
	assert_int_equal(st.st_size, 13);
	assert_memory_equal(text, "\0\0\0\0\0\0\0\0" "56789", 13);
	expect_no_tmp(w.out);
	wcase_close(&w);
}

/* security.capability, version 2: CAP_NET_BIND_SERVICE, effective. */
static const uint32_t cap_value[5] = {0x02000001, 1u << 10, 0, 0, 0};

/*
 * Directed targets and the whole file in either order give the same
 * file; a second directed target keeps the destination's capability
 * (a write drops it); a destination with more hard links is refused.
 */
static void
test_ranges_merge(void **state)
{
	struct wcase w;
	char err[512];
	uint32_t cap[5];
	struct stat st;

	wcase_open(&w, "merge", WC_OUT);
	assert_int_equal(mkdir(w.src, 0755), 0);
	write_file(sfx_join(w.src, "s"), "0123456789abcdefghij");
	write_file(sfx_join(w.src, "whole"), "ABCDEFGHIJ");
	assert_int_equal(chmod(sfx_join(w.src, "whole"), 0640), 0);
	make_set(w.src, w.set);
	write_file(sfx_join(w.out, "w1"), "old old old");
	write_file(sfx_join(w.out, "cap"), "................");
	assert_int_equal(setxattr(sfx_join(w.out, "cap"), "security.capability",
				  cap_value, sizeof(cap_value), 0),
			 0);
	write_file(sfx_join(w.out, "linked"), "................");
	assert_int_equal(link(sfx_join(w.out, "linked"), sfx_join(w.out, "l2")),
			 0);
	wcase_target(&w, false, true);
	/* Ranges first, then the whole file; and the other way round. */
	assert_int_equal(rbatch_add_ranges(w.b, w.t, "w1", entry(w.m, "s"),
					   "0:4", "2:4", err, sizeof(err)),
			 0);
	assert_int_equal(rbatch_add(w.b, w.t, "w1", entry(w.m, "whole"), NULL,
				    err, sizeof(err)),
			 0);
	assert_int_equal(rbatch_add(w.b, w.t, "w2", entry(w.m, "whole"), NULL,
				    err, sizeof(err)),
			 0);
	assert_int_equal(rbatch_add_ranges(w.b, w.t, "w2", entry(w.m, "s"),
					   "0:4", "2:4", err, sizeof(err)),
			 0);
	/* A third: on top of both. */
	assert_int_equal(rbatch_add_ranges(w.b, w.t, "w1", entry(w.m, "s"),
					   "19:1", "9:1", err, sizeof(err)),
			 0);
	/* Twice into a file with a capability. */
	assert_int_equal(rbatch_add_ranges(w.b, w.t, "cap", entry(w.m, "s"),
					   "0:2", "0:2", err, sizeof(err)),
			 0);
	assert_int_equal(rbatch_add_ranges(w.b, w.t, "cap", entry(w.m, "s"),
					   "2:2", "4:2", err, sizeof(err)),
			 0);
	/* Hard-linked: the copy would break the link. */
	assert_int_equal(rbatch_add_ranges(w.b, w.t, "linked", entry(w.m, "s"),
					   "0:1", "0:1", err, sizeof(err)),
			 -EMLINK);
	assert_non_null(strstr(err, "hard links"));
	assert_int_equal(rbatch_count(w.b), 3);
	assert_int_equal(rbatch_commit(w.b, NULL, NULL, err, sizeof(err)), 0);
	rbatch_free(w.b);
	assert_string_equal(sfx_read_file(sfx_join(w.out, "w1")), "AB0123GHIj");
	assert_string_equal(sfx_read_file(sfx_join(w.out, "w2")), "AB0123GHIJ");
	assert_int_equal(lstat(sfx_join(w.out, "w1"), &st), 0);
	assert_int_equal(st.st_mode, S_IFREG | 0640);
	assert_string_equal(sfx_read_file(sfx_join(w.out, "cap")),
			    "01..23..........");
	assert_int_equal(getxattr(sfx_join(w.out, "cap"), "security.capability",
				  cap, sizeof(cap)),
			 sizeof(cap));
	assert_memory_equal(cap, cap_value, sizeof(cap));
	assert_string_equal(sfx_read_file(sfx_join(w.out, "linked")),
			    "................");
	expect_no_tmp(w.out);
	wcase_close(&w);
}

/* ---- reflinks ------------------------------------------------------------ */

static bool
first_extent_shared(const char *path)
{
	struct {
		struct fiemap fm;
		struct fiemap_extent fe[1];
	} q = {.fm = {.fm_length = ~0ULL, .fm_extent_count = 1}};
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
test_reflink_btrfs(void **state)
{
	char src[160], set[160], out[160], data[1 << 16];
	struct bset_manifest *m;
	size_t i;
	int fd;

	sfx_require();
	if (!env.have_btrfs)
		skip();
	snprintf(src, sizeof(src), "%s/src", env.btrfs);
	snprintf(set, sizeof(set), "%s/set", env.btrfs);
	snprintf(out, sizeof(out), "%s/out", env.btrfs);
	assert_int_equal(mkdir(src, 0755), 0);
	fd = open(sfx_join(src, "big"), O_WRONLY | O_CREAT, 0644);
	for (i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 31 + 7);
	for (i = 0; i < 16; i++)
		assert_int_equal(write(fd, data, sizeof(data)), sizeof(data));
	assert_int_equal(fsync(fd), 0);
	close(fd);
	make_set(src, set);
	assert_int_equal(restore_all(set, out, ""), 0);
	assert_int_equal(bset_manifest_load(&m, set, NULL, 0), 0);
	expect_same_meta(sfx_join(src, "big"), sfx_join(out, "big"),
			 entry(m, "big"));
	bset_manifest_free(m);
	fsx_expect_same_content(sfx_join(src, "big"), sfx_join(out, "big"));
	assert_true(first_extent_shared(sfx_join(out, "big")));
	expect_no_tmp(out);
}

/* ---- staging for a restore at reboot ------------------------------------ */

/* Journals committed in sdir/pending-restores. */
static int
count_journals(const char *sdir)
{
	char path[256];
	struct dirent *d;
	int n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/" PENDING_RESTORE_DIR, sdir);
	dir = opendir(path);
	assert_non_null(dir);
	while ((d = readdir(dir)))
		n += fnmatch("*.journal", d->d_name, 0) == 0;
	closedir(dir);
	return n;
}

/*
 * A batch renaming a file into a directory another batch restored
 * changes that directory's time; rbatch_dirs_again() on the first batch
 * sets it back as the manifest has it.
 */
static void
test_dirs_again(void **state)
{
	struct wcase w;
	char err[512];
	struct rbatch *first, *second;
	struct stat st;

	wcase_open(&w, "dirs-again", 0);
	assert_int_equal(mkdir(w.src, 0755), 0);
	assert_int_equal(mkdir(sfx_join(w.src, "top"), 0750), 0);
	write_file(sfx_join(w.src, "top/plain"), "plain\n");
	write_file(sfx_join(w.src, "top/app.db"), "database\n");
	fsx_set_times(sfx_join(w.src, "top"), T_A, T_M);
	make_set(w.src, w.set);
	wcase_target(&w, true, false);
	/* The directory and one file, then the other file alone. */
	assert_int_equal(rbatch_new(&first, w.set, NULL), 0);
	assert_int_equal(rbatch_add(first, w.t, "top", entry(w.m, "top"), NULL,
				    err, sizeof(err)),
			 0);
	assert_int_equal(rbatch_add(first, w.t, "top/plain",
				    entry(w.m, "top/plain"), NULL, err,
				    sizeof(err)),
			 0);
	assert_int_equal(rbatch_commit(first, NULL, NULL, err, sizeof(err)),
			 0);
	assert_true(rbatch_committed(first));
	assert_int_equal(rbatch_new(&second, w.set, NULL), 0);
	assert_false(rbatch_committed(second));
	assert_int_equal(rbatch_add(second, w.t, "top/app.db",
				    entry(w.m, "top/app.db"), NULL, err,
				    sizeof(err)),
			 0);
	assert_int_equal(rbatch_commit(second, NULL, NULL, err, sizeof(err)),
			 0);
	assert_int_equal(lstat(sfx_join(w.out, "top"), &st), 0);
	assert_int_not_equal(fsx_ns(&st.st_mtim), T_M);
	assert_int_equal(rbatch_dirs_again(first, err, sizeof(err)), 0);
	fsx_expect_meta(sfx_join(w.out, "top"), S_IFDIR | 0750, 0, 0, T_A, T_M);
	/* Nothing to do for a batch that did not commit. */
	assert_int_equal(rbatch_dirs_again(NULL, err, sizeof(err)), 0);
	rbatch_free(first);
	rbatch_free(second);
	wcase_close(&w);
}

static void
test_staging(void **state)
{
	struct wcase w;
	char vol[160], sdir[160], err[512];
	struct pending_restore_result res;
	struct pending_restore *p = NULL;
	struct bset_manifest *m;
	struct rtarget *t;
	struct rbatch *b;
	struct stat a, c;
	size_t i;
	int r;

	wcase_open(&w, "staging", WC_TREE);
	snprintf(vol, sizeof(vol), "%s/vol", w.dir);
	snprintf(sdir, sizeof(sdir), "%s/state", w.dir);
	assert_int_equal(mkdir(vol, 0755), 0);
	assert_int_equal(mkdir(sdir, 0700), 0);
	assert_int_equal(pending_restore_begin(&p, sdir, vol, w.set), 0);
	assert_int_equal(bset_manifest_load(&m, w.set, NULL, 0), 0);
	assert_int_equal(rtarget_open(&t, vol, false, err, sizeof(err)), 0);
	assert_int_equal(rbatch_new(&b, w.set, p), 0);
	for (i = 0; i < bset_manifest_entry_count(m); i++) {
		const struct bset_entry *e = bset_manifest_entry(m, i);

		if ((r = rbatch_add(b, t, e->path, e, "comp", err,
				    sizeof(err))) < 0)
			fail_msg("rbatch_add %s: %s", e->path, err);
	}
	assert_int_equal(rbatch_add_ranges(b, t, "x", entry(m, "d/f"), "0:1",
					   "0:1", err, sizeof(err)),
			 -EOPNOTSUPP);
	/*
	 * Staged in two steps: the objects first, with no journal yet (a
	 * restore on several volumes stages them all before any journal);
	 * then the journal.  The targets are not touched: only the stage
	 * directory.
	 */
	assert_int_equal(rbatch_stage(b, err, sizeof(err)), 0);
	assert_int_equal(rbatch_stage(b, err, sizeof(err)), -EINVAL);
	assert_int_equal(count_journals(sdir), 0);
	assert_int_equal(rbatch_commit(b, NULL, NULL, err, sizeof(err)), 0);
	assert_int_equal(count_journals(sdir), 1);
	rbatch_free(b);
	pending_restore_free(p);
	assert_int_equal(access(sfx_join(vol, "d"), F_OK), -1);
	assert_int_equal(pending_restore_apply_all(sdir, PENDING_RESTORE_ALL,
						   NULL, NULL, &res), 0);
	assert_int_equal(res.journals, 1);
	assert_int_equal(res.refused, 0);
	/* The directories as the manifest has them, times included. */
	fsx_expect_meta(sfx_join(vol, "d"), S_IFDIR | 03555, 1234, 5678,
			T_A + 2, T_M + 2);
	assert_int_equal(lstat(sfx_join(vol, "acl"), &a), 0);
	assert_int_equal(a.st_mode, S_IFDIR | 0755);
	assert_int_equal(fsx_ns(&a.st_mtim), T_M + 5);
	assert_int_equal(fsx_ns(&a.st_atim), T_A + 5);
	assert_int_equal(lstat(sfx_join(vol, "d/f"), &a), 0);
	assert_int_equal(lstat(sfx_join(vol, "d/f2"), &c), 0);
	assert_int_equal(a.st_ino, c.st_ino);
	expect_same_meta(sfx_join(w.src, "d/f"), sfx_join(vol, "d/f"),
			 entry(m, "d/f"));
	expect_same_xattrs(sfx_join(w.src, "d/f"), sfx_join(vol, "d/f"));
	expect_same_meta(sfx_join(w.src, "d/ln"), sfx_join(vol, "d/ln"),
			 entry(m, "d/ln"));
	fsx_expect_same_content(sfx_join(w.src, "d/f"), sfx_join(vol, "d/f"));
	fsx_expect_same_content(sfx_join(w.src, "sparse"),
				sfx_join(vol, "sparse"));
	expect_no_tmp(vol);
	chmod(sfx_join(vol, "d"), 0755);
	rtarget_free(t);

	/* A link without its first link: staged as a full copy. */
	snprintf(vol, sizeof(vol), "%s/vol2", w.dir);
	assert_int_equal(mkdir(vol, 0755), 0);
	assert_int_equal(pending_restore_begin(&p, sdir, vol, w.set), 0);
	assert_int_equal(rtarget_open(&t, vol, false, err, sizeof(err)), 0);
	assert_int_equal(rbatch_new(&b, w.set, p), 0);
	assert_int_equal(rbatch_add(b, t, "f2", entry(m, "d/f2"), NULL, err,
				    sizeof(err)), -ENOENT);
	assert_int_equal(rbatch_set_manifest(b, m), 0);
	assert_int_equal(rbatch_add(b, t, "f2", entry(m, "d/f2"), NULL, err,
				    sizeof(err)), 0);
	assert_int_equal(rbatch_commit(b, NULL, NULL, err, sizeof(err)), 0);
	rbatch_free(b);
	pending_restore_free(p);
	assert_int_equal(pending_restore_apply_all(sdir, PENDING_RESTORE_ALL,
						   NULL, NULL, &res), 0);
	assert_int_equal(res.applied, 1);
	fsx_expect_same_content(sfx_join(w.src, "d/f"), sfx_join(vol, "f2"));
	assert_int_equal(lstat(sfx_join(vol, "f2"), &c), 0);
	assert_int_equal(c.st_mode, S_IFREG | 04754);
	assert_int_equal(c.st_nlink, 1);
	rtarget_free(t);
	bset_manifest_free(m);
}

/* ---- setup ---------------------------------------------------------------- */

static int
prepare_root(void)
{
	char *mkfs[] = {"mkfs.btrfs", "-q", "-f", env.image, NULL};
	int fd;

	if (sfx_private_namespace() < 0)
		return -1;
	/* Attributes and ACLs on the temporary directory's file system. */
	fd = open(env.dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0 || fsetxattr(fd, "user.probe", "1", 1, 0) < 0)
		return sfx_skip("%s holds no user.* attributes: %m", env.dir);
	fremovexattr(fd, "user.probe");
	close(fd);
	snprintf(env.image, sizeof(env.image), "%s/image", env.dir);
	snprintf(env.btrfs, sizeof(env.btrfs), "%s/btrfs", env.dir);
	if (sfx_mkdir(env.btrfs) < 0)
		return sfx_fail("cannot make a mount point: %m");
	/* Without btrfs only the reflink case is skipped. */
	if (!sfx_have_program("mkfs.btrfs")) {
		print_message("no mkfs.btrfs: the reflink case is skipped\n");
		return 0;
	}
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
remove_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	remove(path);
	return 0;
}

static int
group_setup(void **state)
{
	sfx_init();
	if (sfx_tempdir("rwrite", env.dir, sizeof(env.dir)) < 0)
		return sfx_setup_status(sfx_fail("cannot make a temporary "
						 "directory: %m"));
	return sfx_setup_status(prepare_root());
}

static int
group_teardown(void **state)
{
	/* The btrfs goes with its mount; the rest is removed here. */
	nftw(env.dir, remove_one, 16, FTW_PHYS | FTW_DEPTH | FTW_MOUNT);
	return sfx_group_teardown(state);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ranges_parse),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_replace),
		cmocka_unit_test(test_dirs_again),
		cmocka_unit_test(test_type_clash),
		cmocka_unit_test(test_link_in_target),
		cmocka_unit_test(test_entry_copied),
		cmocka_unit_test(test_swapped_parent),
		cmocka_unit_test(test_special_in_set),
		cmocka_unit_test(test_no_replace),
		cmocka_unit_test(test_hostile_paths),
		cmocka_unit_test(test_changed_set),
		cmocka_unit_test(test_fail_before_commit),
		cmocka_unit_test(test_fail_in_commit),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_ranges_merge),
		cmocka_unit_test(test_reflink_btrfs),
		cmocka_unit_test(test_staging),
	};

	return sfx_exit_status(cmocka_run_group_tests(tests, group_setup,
						      group_teardown),
			       "the restore writer's tests");
}
