/*
 * cli/restore_write_ranges.c - directed targets (RS-090, RS-091): byte
 * ranges of a backed-up file copied into ranges of another file.
 *
 * The destination is never written in place: its content is copied to a
 * temporary next to it (holes kept, reflinked where the file system can),
 * the ranges are written into the copy, and the copy is renamed over the
 * file at commit like any other object of the batch.  A destination that
 * does not exist is made, as large as its ranges need.  Two directed
 * targets into one file (or a file of the batch that is also a
 * destination) go into the same temporary, so neither undoes the other.
 * The source's whole SHA-256 is checked first: ranges of a file that
 * changed since the backup are never restored.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "restore_write_internal.h"

#define RANGE_BUF ((size_t)1 << 20)

static void
set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* One number at *p, decimal or 0x hex, below 2^63; advances *p. */
static int
parse_number(const char **p, uint64_t *ret)
{
	const char *s = *p;
	unsigned base = 10, d;
	uint64_t v = 0;
	size_t n = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (;; s++, n++) {
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			break;
		if (v > ((uint64_t)INT64_MAX - d) / base)
			return -EINVAL;
		v = v * base + d;
	}
	if (n == 0)
		return -EINVAL;
	*p = s;
	*ret = v;
	return 0;
}

int
restore_ranges_parse(const char *text, struct restore_range **ret,
		     size_t *ret_count)
{
	struct restore_range *list;
	const char *p;
	size_t n = 1, i = 0;

	if (!text || !ret || !ret_count || !*text)
		return -EINVAL;
	for (p = text; *p; p++)
		n += *p == ',';
	list = calloc(n, sizeof(*list));
	if (!list)
		return -ENOMEM;
	for (p = text; i < n; i++) {
		if (parse_number(&p, &list[i].offset) < 0 || *p++ != ':' ||
		    parse_number(&p, &list[i].length) < 0 ||
		    list[i].length > (uint64_t)INT64_MAX - list[i].offset ||
		    (*p != ',' && *p != '\0') || (*p == ',' && i + 1 == n))
			goto bad;
		p += *p == ',';
	}
	if (*p)
		goto bad;
	*ret = list;
	*ret_count = n;
	return 0;
bad:
	free(list);
	return -EINVAL;
}

/* Both lists parsed and paired (RS-090); src within size bytes. */
static int
parse_pairs(const char *src_text, const char *dst_text, uint64_t size,
	    struct restore_range **ret_src, struct restore_range **ret_dst,
	    size_t *ret_count, char *err, size_t errlen)
{
	struct restore_range *src = NULL, *dst = NULL;
	size_t ns = 0, nd = 0, i;
	int r;

	if ((r = restore_ranges_parse(src_text, &src, &ns)) < 0 ||
	    (r = restore_ranges_parse(dst_text, &dst, &nd)) < 0) {
		set_err(err, errlen, "bad range list \"%s\"",
			src ? dst_text : src_text);
		goto fail;
	}
	r = -EINVAL;
	if (ns != nd) {
		set_err(err, errlen, "%zu source ranges but %zu destination "
			"ranges", ns, nd);
		goto fail;
	}
	for (i = 0; i < ns; i++) {
		if (src[i].length != dst[i].length) {
			set_err(err, errlen, "range %zu: %llu bytes from the "
				"source, %llu to the destination", i + 1,
				(unsigned long long)src[i].length,
				(unsigned long long)dst[i].length);
			goto fail;
		}
		if (src[i].offset + src[i].length > size) {
			set_err(err, errlen, "range %zu ends past the %llu "
				"bytes of the backed-up file", i + 1,
				(unsigned long long)size);
			goto fail;
		}
	}
	*ret_src = src;
	*ret_dst = dst;
	*ret_count = ns;
	return 0;
fail:
	free(src);
	free(dst);
	return r;
}

static int
copy_range(int src, int dst, const struct restore_range *from,
	   const struct restore_range *to, uint8_t *buf)
{
	uint64_t done = 0;
	size_t want;
	ssize_t n;

	while (done < from->length) {
		want = from->length - done < RANGE_BUF
			       ? (size_t)(from->length - done)
			       : RANGE_BUF;
		n = pread(src, buf, want, (off_t)(from->offset + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		for (ssize_t w = 0, k; w < n; w += k) {
			k = pwrite(dst, buf + w, (size_t)(n - w),
				   (off_t)(to->offset + done + (uint64_t)w));
			if (k < 0 && errno == EINTR)
				k = 0;
			else if (k <= 0)
				return k < 0 ? -errno : -EIO;
		}
		done += (uint64_t)n;
	}
	return 0;
}

static int
copy_ranges(int src, int dst, const struct restore_range *from,
	    const struct restore_range *to, size_t count)
{
	uint8_t *buf = malloc(RANGE_BUF);
	size_t i;
	int r = 0;

	if (!buf)
		return -ENOMEM;
	for (i = 0; r == 0 && i < count; i++)
		r = copy_range(src, dst, &from[i], &to[i], buf);
	free(buf);
	return r;
}

/*
 * A temporary in dir holding what is at name now, or an empty one when
 * nothing is there: fd or -errno, o->tmp named on success.  *ret_cur:
 * the file at name, open for its metadata (-1 when none).
 */
static int
start_copy(struct robj *o, int dir, const char *name, int *ret_cur,
	   char *err, size_t errlen)
{
	char hex[65], where[BSET_PATH_MAX + 256];
	struct stat st;
	int cur, fd, r;
	bool named;

	*ret_cur = -1;
	rbatch_where(o->t, o->relpath, where, sizeof(where));
	if ((r = rbatch_check_place(o, dir, name, err, errlen)) < 0)
		return r;
	cur = r ? bset_open_regular(dir, name, &st) : -ENOENT;
	if (r && cur < 0) {
		set_err(err, errlen, "\"%s\" is not a regular file%s", where,
			cur == -ELOOP ? " (a symbolic link)" : "");
		return cur == -ELOOP ? cur : -EINVAL;
	}
	fd = rmeta_tmpfile(dir, o->tmp, &named);
	if (fd < 0) {
		r = fd;
		set_err(err, errlen, "cannot make a file next to \"%s\": %s",
			where, strerror(-r));
		goto out;
	}
	if (!named && (r = rmeta_link_tmpfile(fd, dir, o->tmp)) < 0) {
		set_err(err, errlen, "cannot name a file next to \"%s\": %s",
			where, strerror(-r));
		goto out;
	}
	if ((r = rbatch_tmp_remember(dir, o)) < 0)
		goto out;
	if (cur >= 0)
		r = rbatch_copy_data(cur, fd, (uint64_t)st.st_size, hex);
out:
	if (r < 0) {
		if (fd >= 0 && o->tmp[0])
			unlinkat(dir, o->tmp, 0);
		o->tmp[0] = '\0';
		if (fd >= 0)
			close(fd);
		if (cur >= 0)
			close(cur);
		return r;
	}
	*ret_cur = cur;
	return fd;
}

/*
 * The metadata of the file written: the replaced file's owner,
 * attributes and mode, or e's for a new one.  After the data: a write
 * drops file capabilities.
 */
static int
finish_copy(int fd, int cur, const struct bset_entry *e, char *err,
	    size_t errlen)
{
	struct stat st;

	if (cur < 0)
		return rmeta_apply_fd(fd, e, err, errlen);
	if (fstat(cur, &st) < 0)
		return -errno;
	return rmeta_copy_fd(cur, fd, &st, err, errlen);
}

/* The temporary of an object of the batch already at relpath. */
static int
reopen_copy(struct rbatch *b, struct robj *o, char *err, size_t errlen)
{
	char where[BSET_PATH_MAX + 256];
	const char *name;
	int dir, fd;

	rbatch_where(o->t, o->relpath, where, sizeof(where));
	if (o->kind != RO_FILE && o->kind != RO_RANGES) {
		set_err(err, errlen, "\"%s\" is in the batch already and is "
			"not a regular file", where);
		return -EEXIST;
	}
	dir = rbatch_parent(b, o->t, o->relpath, false, &name, err, errlen);
	if (dir < 0)
		return dir;
	if (!rbatch_tmp_ours(dir, o))
		return -ESTALE;
	fd = openat(dir, o->tmp, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int
rbatch_add_ranges(struct rbatch *b, struct rtarget *t, const char *relpath,
		  const struct bset_entry *e, const char *src_ranges,
		  const char *dst_ranges, char *err, size_t errlen)
{
	struct robj o = {.kind = RO_RANGES, .t = t, .first = SIZE_MAX};
	struct restore_range *from = NULL, *to = NULL;
	struct robj *prev = NULL;
	const char *name;
	size_t count, k, i;
	struct stat st;
	int src = -1, dir, fd = -1, cur = -1, r;
	uint64_t bytes = 0;

	if (!b || !t || !relpath || !e || !src_ranges || !dst_ranges ||
	    b->committed)
		return -EINVAL;
	if (b->pending) {
		set_err(err, errlen, "directed targets are not staged for a "
			"restore at reboot (RS-061)");
		return -EOPNOTSUPP;
	}
	if (!S_ISREG(e->mode) || !e->sha256) {
		set_err(err, errlen, "\"%s\" of the backup set is not a regular "
			"file with its own data (a hard link names its first "
			"link)", e->path);
		return -EINVAL;
	}
	if ((r = rt_check_path(t, relpath, err, errlen)) < 0)
		return r;
	if (!*relpath) {
		set_err(err, errlen, "\"%s\" is the root of the target",
			t->root);
		return -EISDIR;
	}
	if ((r = parse_pairs(src_ranges, dst_ranges, e->size, &from, &to,
			     &count, err, errlen)) < 0)
		return r;
	for (i = 0; i < count; i++)
		bytes += from[i].length;
	src = rbatch_open_source(b, e, &st, err, errlen);
	if (src < 0) {
		r = src;
		goto out;
	}
	if ((uint64_t)st.st_size != e->size) {
		set_err(err, errlen, "\"data/%zu/%s\" of the backup set does "
			"not have the manifest's size", e->volume, e->path);
		r = -EBADMSG;
		goto out;
	}
	if ((r = rbatch_check_source(src, e, err, errlen)) < 0)
		goto out;
	k = rbatch_find_dest(b, t, relpath);
	if (k != SIZE_MAX) {
		prev = &b->objs[k];
		fd = reopen_copy(b, prev, err, errlen);
	} else {
		o.relpath = strdup(relpath);
		if (!o.relpath) {
			r = -ENOMEM;
			goto out;
		}
		dir = rbatch_parent(b, t, relpath, true, &name, err, errlen);
		fd = dir < 0 ? dir
			     : start_copy(&o, dir, name, &cur, err, errlen);
	}
	if (fd < 0) {
		r = fd;
		goto out;
	}
	r = copy_ranges(src, fd, from, to, count);
	if (r < 0)
		set_err(err, errlen, "cannot copy the ranges of \"%s\": %s",
			e->path, strerror(-r));
	/* Writing may drop file capabilities: put a file's back. */
	if (r == 0 && prev && prev->e)
		r = rmeta_apply_fd(fd, prev->e, err, errlen);
	if (r == 0 && !prev)
		r = finish_copy(fd, cur, e, err, errlen);
	if (r == 0 && !prev && (r = rbatch_push(b, &o)) == 0)
		o.relpath = NULL; /* the batch's now */
	if (r == 0) {
		b->entries += !prev;
		b->bytes += bytes;
	}
out:
	if (fd >= 0)
		close(fd);
	if (cur >= 0)
		close(cur);
	if (src >= 0)
		close(src);
	if (r < 0 && !prev)
		rbatch_unstage(b, &o);
	free(o.relpath);
	free(from);
	free(to);
	return r;
}
