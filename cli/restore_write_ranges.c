/*
 * cli/restore_write_ranges.c - directed targets (RS-090, RS-091): byte
 * ranges of a backed-up file copied into ranges of another file.
 *
 * The destination is never written in place: its content is copied to a
 * temporary next to it (holes kept, reflinked where the file system can),
 * the ranges are written into the copy, and the copy is renamed over the
 * file at commit like any other object of the batch.  A destination that
 * does not exist is made, as large as its ranges need; one with more than
 * one hard link is refused (the copy would break them).  Two directed
 * targets into one file (or a file of the batch that is also a
 * destination, in either order) go into the same temporary, so neither
 * undoes the other: each directed target is kept, so that a whole file
 * added later is written first and the ranges again on top of it.
 *
 * The source's whole SHA-256 is checked as its ranges are read: one pass
 * over the set's file hashes all of it and keeps the bytes of the ranges
 * in a private unnamed file, and only that private copy is read into the
 * destination once the digest matches: ranges of a file that changed
 * since the backup (or while it is read) are never restored.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "restore_write_internal.h"

#define RANGE_BUF ((size_t)1 << 20)

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
		rw_set_err(err, errlen, "bad range list \"%s\"",
			src ? dst_text : src_text);
		goto fail;
	}
	r = -EINVAL;
	if (ns != nd) {
		rw_set_err(err, errlen, "%zu source ranges but %zu destination "
			"ranges", ns, nd);
		goto fail;
	}
	for (i = 0; i < ns; i++) {
		if (src[i].length != dst[i].length) {
			rw_set_err(err, errlen, "range %zu: %llu bytes from the "
				"source, %llu to the destination", i + 1,
				(unsigned long long)src[i].length,
				(unsigned long long)dst[i].length);
			goto fail;
		}
		if (src[i].offset + src[i].length > size) {
			rw_set_err(err, errlen, "range %zu ends past the %llu "
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
pwrite_all(int fd, const uint8_t *buf, size_t len, uint64_t off)
{
	ssize_t k;

	while (len > 0) {
		k = pwrite(fd, buf, len, (off_t)off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? -errno : -EIO;
		buf += k;
		len -= (size_t)k;
		off += (uint64_t)k;
	}
	return 0;
}

static int
copy_range(int src, int dst, const struct restore_range *from,
	   const struct restore_range *to, uint8_t *buf)
{
	uint64_t done = 0;
	size_t want;
	ssize_t n;
	int r;

	while (done < from->length) {
		want = from->length - done < RANGE_BUF
			       ? (size_t)(from->length - done)
			       : RANGE_BUF;
		n = pread(src, buf, want, (off_t)(from->offset + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		r = pwrite_all(dst, buf, (size_t)n, to->offset + done);
		if (r < 0)
			return r;
		done += (uint64_t)n;
	}
	return 0;
}

/* The bytes of buf (at pos of the source) that fall into the ranges. */
static int
keep_ranges(int priv, const uint8_t *buf, size_t n, uint64_t pos,
	    const struct restore_range *from, size_t count)
{
	uint64_t lo, hi;
	size_t i;
	int r;

	for (i = 0; i < count; i++) {
		lo = from[i].offset > pos ? from[i].offset : pos;
		hi = from[i].offset + from[i].length;
		if (hi > pos + n)
			hi = pos + n;
		if (lo < hi &&
		    (r = pwrite_all(priv, buf + (lo - pos), (size_t)(hi - lo),
				    lo)) < 0)
			return r;
	}
	return 0;
}

/*
 * Hash all of src (e's data) and keep the bytes of its ranges from, at
 * their own offsets, in a private unnamed file in dir: its fd, -EBADMSG
 * when the digest is not the manifest's, or -errno.
 */
static int
private_ranges(int src, const struct bset_entry *e,
	       const struct restore_range *from, size_t count, int dir)
{
	uint8_t md[EVP_MAX_MD_SIZE], *buf = NULL;
	char name[RESTORE_TMP_SIZE], hex[65];
	EVP_MD_CTX *ctx = NULL;
	unsigned int mdlen = 0;
	uint64_t pos = 0;
	int priv, r = 0;
	bool named;
	size_t want;
	ssize_t n;

	priv = rmeta_tmpfile(dir, name, &named);
	if (priv < 0)
		return priv;
	/* Private: without a name once open. */
	if (named)
		unlinkat(dir, name, 0);
	buf = malloc(RANGE_BUF);
	ctx = EVP_MD_CTX_new();
	if (!buf || !ctx)
		r = -ENOMEM;
	else if (!EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
		r = -EIO;
	while (r == 0 && pos < e->size) {
		want = e->size - pos < RANGE_BUF ? (size_t)(e->size - pos)
						 : RANGE_BUF;
		n = pread(src, buf, want, (off_t)pos);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -EBADMSG;
			break;
		}
		if (!EVP_DigestUpdate(ctx, buf, (size_t)n))
			r = -EIO;
		else
			r = keep_ranges(priv, buf, (size_t)n, pos, from, count);
		pos += (uint64_t)n;
	}
	if (r == 0 && (!EVP_DigestFinal_ex(ctx, md, &mdlen) || mdlen != 32))
		r = -EIO;
	if (r == 0) {
		sha256_hex(md, hex);
		if (strcmp(hex, e->sha256) != 0)
			r = -EBADMSG;
	}
	EVP_MD_CTX_free(ctx);
	free(buf);
	if (r < 0) {
		close(priv);
		return r;
	}
	return priv;
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

int
rranges_write(struct rbatch *b, int dir, int fd, const struct rrange_op *op,
	      bool *ret_written, char *err, size_t errlen)
{
	const struct bset_entry *e = op->src;
	struct restore_range *from = NULL, *to = NULL;
	int src = -1, priv = -1, r;
	struct stat st;
	size_t count;

	if ((r = parse_pairs(op->src_ranges, op->dst_ranges, e->size, &from,
			     &to, &count, err, errlen)) < 0)
		return r;
	src = rbatch_open_source(b, e, &st, err, errlen);
	if (src < 0) {
		r = src;
		goto out;
	}
	if ((uint64_t)st.st_size != e->size) {
		rw_set_err(err, errlen, "\"data/%zu/%s\" of the backup set does "
			"not have the manifest's size", e->volume, e->path);
		r = -EBADMSG;
		goto out;
	}
	priv = private_ranges(src, e, from, count, dir);
	if (priv == -EBADMSG)
		rw_set_err(err, errlen,
			"\"data/%zu/%s\" of the backup set does not have the "
			"manifest's SHA-256: changed since the backup",
			e->volume, e->path);
	else if (priv < 0)
		rw_set_err(err, errlen,
			"cannot read the ranges of \"data/%zu/%s\": %s",
			e->volume, e->path, strerror(-priv));
	if (priv < 0) {
		r = priv;
		goto out;
	}
	if (ret_written)
		*ret_written = true;
	r = copy_ranges(priv, fd, from, to, count);
	if (r < 0)
		rw_set_err(err, errlen, "cannot copy the ranges of \"%s\": %s",
			e->path, strerror(-r));
out:
	if (priv >= 0)
		close(priv);
	if (src >= 0)
		close(src);
	free(from);
	free(to);
	return r;
}

void
rranges_op_release(struct rrange_op *op)
{
	rmeta_entry_free(op->src);
	free(op->src_ranges);
	free(op->dst_ranges);
	memset(op, 0, sizeof(*op));
}

/* Room for one more directed target on o; 0 or -ENOMEM. */
static int
ops_reserve(struct robj *o)
{
	struct rrange_op *grown;

	grown = reallocarray(o->ranges, o->range_count + 1, sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	o->ranges = grown;
	return 0;
}

static int
op_init(struct rrange_op *op, const struct bset_entry *e,
	const char *src_ranges, const char *dst_ranges)
{
	int r;

	if ((r = rmeta_entry_dup(e, &op->src)) < 0)
		return r;
	op->src_ranges = strdup(src_ranges);
	op->dst_ranges = strdup(dst_ranges);
	if (!op->src_ranges || !op->dst_ranges) {
		rranges_op_release(op);
		return -ENOMEM;
	}
	return 0;
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
	int cur, fd = -1, r;
	struct stat st;
	bool named;

	*ret_cur = -1;
	rbatch_where(o->t, o->relpath, where, sizeof(where));
	if ((r = rbatch_check_place(o, dir, name, err, errlen)) < 0)
		return r;
	cur = r ? bset_open_regular(dir, name, &st) : -ENOENT;
	if (r && cur < 0) {
		rw_set_err(err, errlen, "\"%s\" is not a regular file%s", where,
			cur == -ELOOP ? " (a symbolic link)" : "");
		return cur == -ELOOP ? cur : -EINVAL;
	}
	if (cur >= 0 && st.st_nlink > 1) {
		rw_set_err(err, errlen,
			"\"%s\" has %ju hard links: a directed target would "
			"break them (refused)",
			where, (uintmax_t)st.st_nlink);
		r = -EMLINK;
		goto out;
	}
	fd = rmeta_tmpfile(dir, o->tmp, &named);
	if (fd < 0) {
		r = fd;
		rw_set_err(err, errlen, "cannot make a file next to \"%s\": %s",
			where, strerror(-r));
		goto out;
	}
	if (!named && (r = rmeta_link_tmpfile(fd, dir, o->tmp)) < 0) {
		rw_set_err(err, errlen, "cannot name a file next to \"%s\": %s",
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
reopen_copy(struct rbatch *b, struct robj *o, int *ret_dir, char *err,
	    size_t errlen)
{
	char where[BSET_PATH_MAX + 256];
	const char *name;
	int dir, fd;

	rbatch_where(o->t, o->relpath, where, sizeof(where));
	if (o->kind != RO_FILE && o->kind != RO_RANGES) {
		rw_set_err(err, errlen, "\"%s\" is in the batch already and is "
			"not a regular file", where);
		return -EEXIST;
	}
	dir = rbatch_parent(b, o->t, o->relpath, false, &name, err, errlen);
	if (dir < 0)
		return dir;
	if (!rbatch_tmp_ours(dir, o))
		return -ESTALE;
	fd = openat(dir, o->tmp, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	*ret_dir = dir;
	return fd < 0 ? -errno : fd;
}

/*
 * Ranges into the temporary of object prev: its metadata kept (the
 * file's entry, or what the temporary had: a write drops
 * security.capability).
 */
static int
write_into(struct rbatch *b, struct robj *prev, const struct rrange_op *op,
	   char *err, size_t errlen)
{
	struct rmeta_saved saved = {0};
	int dir = -1, fd, r;
	bool written = false;

	fd = reopen_copy(b, prev, &dir, err, errlen);
	if (fd < 0)
		return fd;
	r = prev->kind == RO_RANGES ? rmeta_save(fd, &saved) : 0;
	if (r == 0)
		r = rranges_write(b, dir, fd, op, &written, err, errlen);
	if (r < 0 && written)
		prev->broken = true;
	if (r == 0 && prev->kind == RO_FILE)
		r = rmeta_apply_fd(fd, prev->e, err, errlen);
	else if (r == 0)
		r = rmeta_restore(fd, &saved, err, errlen);
	rmeta_saved_release(&saved);
	close(fd);
	return r;
}

/* Ranges into a new temporary of relpath, made from what is there. */
static int
write_new(struct rbatch *b, struct robj *o, const struct rrange_op *op,
	  char *err, size_t errlen)
{
	const char *name;
	int dir, fd, cur = -1, r;

	dir = rbatch_parent(b, o->t, o->relpath, true, &name, err, errlen);
	if (dir < 0)
		return dir;
	fd = start_copy(o, dir, name, &cur, err, errlen);
	if (fd < 0)
		return fd;
	r = rranges_write(b, dir, fd, op, NULL, err, errlen);
	if (r == 0)
		r = finish_copy(fd, cur, op->src, err, errlen);
	close(fd);
	if (cur >= 0)
		close(cur);
	return r;
}

int
rbatch_add_ranges(struct rbatch *b, struct rtarget *t, const char *relpath,
		  const struct bset_entry *e, const char *src_ranges,
		  const char *dst_ranges, char *err, size_t errlen)
{
	struct robj o = {.kind = RO_RANGES, .t = t, .first = SIZE_MAX};
	struct restore_range *from = NULL, *to = NULL;
	struct rrange_op op = {0};
	struct robj *prev = NULL;
	size_t count, k, i;
	uint64_t bytes = 0;
	int r;

	if (!b || !t || !relpath || !e || !src_ranges || !dst_ranges ||
	    b->committed)
		return -EINVAL;
	if (b->pending) {
		rw_set_err(err, errlen, "directed targets are not staged for a "
			"restore at reboot (RS-061)");
		return -EOPNOTSUPP;
	}
	if (!S_ISREG(e->mode) || !e->sha256) {
		rw_set_err(err, errlen, "\"%s\" of the backup set is not a regular "
			"file with its own data (a hard link names its first "
			"link)", e->path);
		return -EINVAL;
	}
	if ((r = rt_check_path(t, relpath, err, errlen)) < 0)
		return r;
	if (!*relpath) {
		rw_set_err(err, errlen, "\"%s\" is the root of the target",
			t->root);
		return -EISDIR;
	}
	if ((r = parse_pairs(src_ranges, dst_ranges, e->size, &from, &to,
			     &count, err, errlen)) < 0)
		return r;
	for (i = 0; i < count; i++)
		bytes += from[i].length;
	free(from);
	free(to);
	if ((r = op_init(&op, e, src_ranges, dst_ranges)) < 0)
		return r;
	k = rbatch_find_dest(b, t, relpath);
	if (k != SIZE_MAX) {
		prev = &b->objs[k];
		if ((r = ops_reserve(prev)) == 0)
			r = write_into(b, prev, &op, err, errlen);
		if (r == 0)
			prev->ranges[prev->range_count++] = op;
	} else {
		o.relpath = strdup(relpath);
		r = o.relpath ? ops_reserve(&o) : -ENOMEM;
		if (r == 0)
			r = write_new(b, &o, &op, err, errlen);
		if (r == 0) {
			o.ranges[o.range_count++] = op;
			r = rbatch_push(b, &o);
			if (r < 0) /* o's now: released below */
				memset(&op, 0, sizeof(op));
		}
	}
	if (r < 0) {
		rranges_op_release(&op);
		if (!prev) {
			rbatch_unstage(b, &o);
			robj_release(&o);
		}
		return r;
	}
	b->entries += !prev;
	b->bytes += bytes;
	return 0;
}
