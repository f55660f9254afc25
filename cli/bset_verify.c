/*
 * cli/bset_verify.c - check a set against its manifest: the manifest is
 * whole (its last line's SHA-256 of everything before it), every
 * document (bcd.xml, writers/<id>.xml) has its size and SHA-256, every
 * object the manifest names is there with its type, every regular file
 * has its size and SHA-256, every hard link is a link of its first copy,
 * every symbolic link and device node says what the manifest says,
 * nothing is in data/ that the manifest does not name; and
 * what the backup itself recorded as gone wrong (a failed component, an
 * object that could not be copied) is a problem too.  The set is read
 * as the copy engine wrote it, without following a symbolic link
 * (beneath_open_dir()), and only regular files are opened, without
 * blocking (bset_open_regular()), so a tampered set can neither make
 * verify read outside it nor hang it.  Owners, modes and attributes are
 * not compared with the files: the manifest is their record (its digest
 * covers them), the target file system may not hold them all.
 */
#include <dirent.h>
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
	int dir;    /* DIR */
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
	char parent[BSET_PATH_MAX];

	if (v->roots[e->volume] < 0)
		return v->roots[e->volume];
	*ret_name = bset_split_path(path, parent);
	return beneath_open_dir(v->roots[e->volume], parent, O_PATH);
}

/*
 * Whether the regular file name in dir has size bytes hashing to sha256;
 * else *ret_problem says why.  0, or -errno when it cannot be read.
 */
static int
check_content(int dir, const char *name, uint64_t size, const char *sha256,
	      char *problem_text, size_t len)
{
	char sha[65];
	struct stat st;
	int fd, r;

	problem_text[0] = '\0';
	fd = bset_open_regular(dir, name, &st);
	if (fd < 0) {
		snprintf(problem_text, len, "%s",
			 fd == -ENOENT ? "missing" :
			 fd == -ELOOP  ? "is a symlink, not a regular file" :
			 fd == -EINVAL ? "not a regular file" :
					 strerror(-fd));
		return fd;
	}
	if ((uint64_t)st.st_size != size)
		snprintf(problem_text, len,
			 "size %jd bytes, manifest says %" PRIu64,
			 (intmax_t)st.st_size, size);
	else if ((r = bset_data_sha256(fd, size, sha)) < 0)
		snprintf(problem_text, len, "cannot read: %s", strerror(-r));
	else if (strcmp(sha, sha256) != 0)
		snprintf(problem_text, len,
			 "checksum mismatch: sha256 %s, manifest says %s", sha,
			 sha256);
	close(fd);
	return 0;
}

static void
check_data(struct verify *v, const struct bset_entry *e, int dir,
	   const char *name)
{
	char text[PROBLEM_MAX];

	if (check_content(dir, name, e->size, e->sha256, text,
			  sizeof(text)) == 0)
		v->checked++;
	if (text[0])
		problem(v, e, "%s", text);
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
			fsmeta_type_name(st.st_mode) ?
				fsmeta_type_name(st.st_mode) :
				"file of unknown type",
			fsmeta_type_name(e->mode));
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

/*
 * Objects in the manifest's directory e that the manifest does not name:
 * restore would leave them out, or something put them there.  Each
 * directory of the manifest is listed on its own (not following a
 * symbolic link), so that one directory is open at a time; an unnamed
 * directory is reported once, not walked.
 */
static void
check_unnamed(struct verify *v, const struct bset_entry *e)
{
	char path[BSET_PATH_MAX];
	struct bset_entry extra = {.volume = e->volume, .path = path};
	struct dirent *d;
	DIR *dir;
	int fd;

	if (!S_ISDIR(e->mode) || v->roots[e->volume] < 0)
		return;
	fd = beneath_open_dir(v->roots[e->volume], e->path, O_RDONLY);
	if (fd < 0)
		return; /* check_entry() said why */
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return;
	}
	while ((d = readdir(dir))) {
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		if (snprintf(path, sizeof(path), "%s%s%s", e->path,
			     *e->path ? "/" : "",
			     d->d_name) >= (int)sizeof(path) ||
		    bset_manifest_find(v->m, e->volume, path) == (size_t)-1)
			problem(v, &extra, "not in the manifest");
	}
	closedir(dir);
}

/* In data/ itself only the volumes' directories, data/<index>. */
static void
check_data_dir(struct verify *v)
{
	char name[32];
	struct dirent *d;
	size_t i;
	DIR *dir;
	int fd;

	fd = beneath_open_dir(v->dir, "data", O_RDONLY);
	if (fd < 0) {
		if (v->m->volume_count)
			problem(v, NULL, "data: %s", strerror(-fd));
		return;
	}
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return;
	}
	while ((d = readdir(dir))) {
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		for (i = 0; i < v->m->volume_count; i++) {
			snprintf(name, sizeof(name), "%zu", i);
			if (!strcmp(name, d->d_name))
				break;
		}
		if (i == v->m->volume_count)
			problem(v, NULL, "data/%s: not in the manifest",
				d->d_name);
	}
	closedir(dir);
}

/* BK-019: restore needs the documents as the backup saved them. */
static void
check_document(struct verify *v, const struct bset_document *d)
{
	char parent[BSET_PATH_MAX], text[PROBLEM_MAX];
	const char *name = bset_split_path(d->path, parent);
	int dir;

	dir = beneath_open_dir(v->dir, parent, O_PATH);
	if (dir < 0) {
		problem(v, NULL, "%s: missing (its directory: %s)", d->path,
			strerror(-dir));
		return;
	}
	check_content(dir, name, d->size, d->sha256, text, sizeof(text));
	if (text[0])
		problem(v, NULL, "%s: %s", d->path, text);
	close(dir);
}

/* What the backup recorded as gone wrong. */
static void
check_results(struct verify *v)
{
	const struct bset_manifest *m = v->m;
	const struct bset_comp *c;
	struct bset_entry e = {0};
	size_t i;

	for (i = 0; i < m->component_count; i++) {
		c = &m->components[i];
		if (c->result != BSET_RESULT_FAILED)
			continue;
		problem(v, NULL, "component \"%s%s%s\" of writer \"%s\" "
			"failed%s%s",
			c->c.logical_path ? c->c.logical_path : "",
			c->c.logical_path ? "/" : "", c->c.name,
			c->c.writer_name ? c->c.writer_name : "?",
			c->message ? ": " : "", c->message ? c->message : "");
	}
	for (i = 0; i < m->failure_count; i++) {
		/* Not an entry of the manifest: its volume and path only. */
		e.volume = m->failures[i].volume;
		e.path = m->failures[i].path;
		problem(v, &e, "not copied: %s", m->failures[i].reason);
	}
	if (m->failed > m->failure_count)
		problem(v, NULL, "%" PRIu64 " more objects could not be copied",
			m->failed - m->failure_count);
}

int
bset_verify(const char *dir,
	    void (*report)(const struct bset_entry *entry,
			   const char *problem, void *u),
	    void *u, uint64_t *ret_checked, uint64_t *ret_bad)
{
	struct verify v = {.report = report, .u = u, .dir = -1};
	struct bset_manifest *m = NULL;
	char err[PROBLEM_MAX], name[32];
	size_t i;
	int r;

	if (!dir)
		return -EINVAL;
	v.dir = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (v.dir < 0) {
		r = -errno;
		problem(&v, NULL, BSET_MANIFEST ": %s", strerror(-r));
		goto out;
	}
	r = bset_manifest_load_at(&m, v.dir, err, sizeof(err));
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
	for (i = 0; i < m->volume_count; i++) {
		snprintf(name, sizeof(name), "data/%zu", i);
		v.roots[i] = beneath_open_dir(v.dir, name, O_PATH);
	}
	check_results(&v);
	for (i = 0; i < m->document_count; i++)
		check_document(&v, &m->documents[i]);
	for (i = 0; i < m->entry_count; i++)
		check_entry(&v, &m->entries[i]);
	check_data_dir(&v);
	for (i = 0; i < m->entry_count; i++)
		check_unnamed(&v, &m->entries[i]);
	for (i = 0; i < m->volume_count; i++)
		if (v.roots[i] >= 0)
			close(v.roots[i]);
out:
	if (v.dir >= 0)
		close(v.dir);
	free(v.roots);
	bset_manifest_free(m);
	if (ret_checked)
		*ret_checked = v.checked;
	if (ret_bad)
		*ret_bad = v.bad;
	return r;
}
