/*
 * cli/bset_verify.c - check a set against its manifest: every object the
 * manifest names is there with its type, every regular file has its size
 * and SHA-256, every hard link is a link of its first copy, every
 * symbolic link and device node says what the manifest says.  The set is
 * read as the copy engine wrote it, without following a symbolic link
 * (bset_open_dir_beneath()), so a tampered set cannot make verify read
 * outside it.  Owners, modes and attributes are not compared: the
 * manifest is their record, the target file system may not hold them all.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bset_internal.h"

#define PROBLEM_MAX 512

struct verify {
	const struct bset_manifest *m;
	int *roots; /* per volume: DIR/data/<index>, or -errno */
	void (*report)(const struct bset_entry *entry, const char *problem,
		       void *u);
	void *u;
	uint64_t checked, bad;
};

__attribute__((format(printf, 3, 4))) static void
problem(struct verify *v, const struct bset_entry *e, const char *fmt, ...)
{
	char text[PROBLEM_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	v->bad++;
	if (v->report)
		v->report(e, text, v->u);
}

/* The directory holding path in its volume, and the name in it. */
static int
open_parent(struct verify *v, const struct bset_entry *e, const char *path,
	    const char **ret_name)
{
	const char *slash = strrchr(path, '/');
	char parent[BSET_PATH_MAX];

	if (v->roots[e->volume] < 0)
		return v->roots[e->volume];
	snprintf(parent, sizeof(parent), "%.*s",
		 slash ? (int)(slash - path) : 0, path);
	*ret_name = slash ? slash + 1 : *path ? path : ".";
	return bset_open_dir_beneath(v->roots[e->volume], parent, O_PATH);
}

static void
check_data(struct verify *v, const struct bset_entry *e, int dir,
	   const char *name)
{
	char sha[65];
	struct stat st;
	int fd, r;

	fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		problem(v, e, "cannot open: %s", strerror(errno));
		return;
	}
	v->checked++;
	if (fstat(fd, &st) < 0) {
		problem(v, e, "cannot stat: %s", strerror(errno));
	} else if ((uint64_t)st.st_size != e->size) {
		problem(v, e, "size %jd bytes, manifest says %" PRIu64,
			(intmax_t)st.st_size, e->size);
	} else if ((r = bset_data_sha256(fd, e->size, sha)) < 0) {
		problem(v, e, "cannot read: %s", strerror(-r));
	} else if (strcmp(sha, e->sha256) != 0) {
		problem(v, e, "checksum mismatch: sha256 %s, manifest says %s",
			sha, e->sha256);
	}
	close(fd);
}

static void
check_hardlink(struct verify *v, const struct bset_entry *e,
	       const struct stat *st)
{
	const char *name;
	struct stat first;
	int dir;

	dir = open_parent(v, e, e->hardlink_of, &name);
	if (dir < 0 || fstatat(dir, name, &first, AT_SYMLINK_NOFOLLOW) < 0 ||
	    first.st_ino != st->st_ino || first.st_dev != st->st_dev)
		problem(v, e, "not a hard link of \"%s\"", e->hardlink_of);
	if (dir >= 0)
		close(dir);
}

static void
check_entry(struct verify *v, const struct bset_entry *e)
{
	char target[BSET_PATH_MAX];
	const char *name;
	struct stat st;
	ssize_t n;
	int dir;

	/* A socket is recorded only: there is nothing of it in the set. */
	if (S_ISSOCK(e->mode))
		return;
	dir = open_parent(v, e, e->path, &name);
	if (dir < 0) {
		problem(v, e, "missing (its directory: %s)", strerror(-dir));
		return;
	}
	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		problem(v, e, errno == ENOENT ? "missing" : "cannot stat: %s",
			strerror(errno));
	} else if ((st.st_mode & S_IFMT) != (e->mode & S_IFMT)) {
		problem(v, e, "is a %s, manifest says %s",
			bset_type_name(st.st_mode) ? bset_type_name(st.st_mode) :
						     "file of unknown type",
			bset_type_name(e->mode));
	} else if (S_ISREG(e->mode) && e->hardlink_of) {
		check_hardlink(v, e, &st);
	} else if (S_ISREG(e->mode)) {
		check_data(v, e, dir, name);
	} else if (S_ISLNK(e->mode)) {
		n = readlinkat(dir, name, target, sizeof(target) - 1);
		if (n < 0 || (target[n] = '\0', strcmp(target, e->link_target)))
			problem(v, e, "link target differs from the manifest");
	} else if ((S_ISCHR(e->mode) || S_ISBLK(e->mode)) &&
		   st.st_rdev != e->rdev) {
		problem(v, e, "device number differs from the manifest");
	}
	close(dir);
}

int
bset_verify(const char *dir,
	    void (*report)(const struct bset_entry *entry,
			   const char *problem, void *u),
	    void *u, uint64_t *ret_checked, uint64_t *ret_bad)
{
	struct verify v = {.report = report, .u = u};
	struct bset_manifest *m = NULL;
	char err[PROBLEM_MAX], name[32];
	int data = -1, r;
	size_t i;

	if (!dir)
		return -EINVAL;
	r = bset_manifest_load(&m, dir, err, sizeof(err));
	if (r < 0) {
		/* The set cannot be checked: say why, as a problem of it. */
		problem(&v, NULL, "%s", err);
		goto out;
	}
	v.m = m;
	v.roots = calloc(m->volume_count + 1, sizeof(*v.roots));
	if (!v.roots) {
		r = -ENOMEM;
		goto out;
	}
	data = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (data < 0) {
		r = -errno;
		goto out;
	}
	for (i = 0; i < m->volume_count; i++) {
		snprintf(name, sizeof(name), "data/%zu", i);
		v.roots[i] = bset_open_dir_beneath(data, name, O_PATH);
	}
	for (i = 0; i < m->entry_count; i++)
		check_entry(&v, &m->entries[i]);
	for (i = 0; i < m->volume_count; i++)
		if (v.roots[i] >= 0)
			close(v.roots[i]);
out:
	if (data >= 0)
		close(data);
	free(v.roots);
	bset_manifest_free(m);
	if (ret_checked)
		*ret_checked = v.checked;
	if (ret_bad)
		*ret_bad = v.bad;
	return r;
}
