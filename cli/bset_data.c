/*
 * cli/bset_data.c - the data of one regular file into the set, with its
 * SHA-256.
 *
 * Only the data extents of the source are copied (SEEK_DATA/SEEK_HOLE),
 * and the target is cut to the size at the end, so holes stay holes.  The
 * checksum is over the logical content, holes hashed as zeros, so it does
 * not depend on how the file was laid out.  FICLONE shares the source's
 * extents and moves nothing, but the file must still be read once to
 * hash it.  Without it, copy_file_range() moves the data in the kernel
 * and a second read hashes it: measured faster than one read/write pass
 * that hashes as it copies (bench-bset-copy, bench/README.md), since the
 * second read comes from the page cache.
 */
#include <errno.h>
#include <linux/fs.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "bset_internal.h"

#define BUF_MAX ((size_t)1 << 20)

static const uint8_t zeros[65536];

static int
hash_zeros(EVP_MD_CTX *ctx, uint64_t n)
{
	size_t k;

	for (; n; n -= k) {
		k = n < sizeof(zeros) ? (size_t)n : sizeof(zeros);
		if (!EVP_DigestUpdate(ctx, zeros, k))
			return -EIO;
	}
	return 0;
}

/*
 * The next data extent [*ret_start, *ret_end) at or after off, within
 * size; an empty one at size when there is no more data.  A file system
 * without SEEK_DATA has its data everywhere.
 */
static int
next_extent(int fd, uint64_t off, uint64_t size, uint64_t *ret_start,
	    uint64_t *ret_end)
{
	off_t data, hole;

	data = lseek(fd, (off_t)off, SEEK_DATA);
	if (data < 0 && errno == ENXIO) {
		*ret_start = *ret_end = size;
		return 0;
	}
	if (data < 0 && (errno == EINVAL || errno == EOPNOTSUPP)) {
		*ret_start = off;
		*ret_end = size;
		return 0;
	}
	if (data < 0)
		return -errno;
	hole = lseek(fd, data, SEEK_HOLE);
	if (hole < 0)
		return -errno;
	*ret_start = (uint64_t)data < size ? (uint64_t)data : size;
	*ret_end = (uint64_t)hole < size ? (uint64_t)hole : size;
	return 0;
}

static int
pwrite_all(int fd, const uint8_t *buf, size_t len, uint64_t off)
{
	ssize_t n;

	while (len) {
		n = pwrite(fd, buf, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/*
 * Read [start, end) of src into buf, hash it, and write it to dst at the
 * same offset unless dst is -1.
 */
static int
move_range(int src, int dst, uint64_t start, uint64_t end, uint8_t *buf,
	   size_t buf_size, EVP_MD_CTX *ctx)
{
	size_t want;
	ssize_t n;
	int r;

	while (start < end) {
		want = end - start < buf_size ? (size_t)(end - start) : buf_size;
		n = pread(src, buf, want, (off_t)start);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO; /* shorter than its size: it changed */
		if (!EVP_DigestUpdate(ctx, buf, (size_t)n))
			return -EIO;
		if (dst >= 0 && (r = pwrite_all(dst, buf, (size_t)n, start)) < 0)
			return r;
		start += (uint64_t)n;
	}
	return 0;
}

/* copy_file_range() of [start, end); -EXDEV etc. when it cannot. */
static int
range_copy(int src, int dst, uint64_t start, uint64_t end)
{
	loff_t in = (loff_t)start, out = (loff_t)start;
	ssize_t n;

	while ((uint64_t)in < end) {
		n = copy_file_range(src, &in, dst, &out, end - (uint64_t)in, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
	}
	return 0;
}

/*
 * Walk the extents of src: hash holes as zeros, and data by move_range()
 * (dst -1: hash only) or, with use_range, copy_file_range() (no hash).
 * *ret_bytes: the data bytes.
 */
static int
walk(int src, int dst, uint64_t size, bool use_range, EVP_MD_CTX *ctx,
     uint64_t *ret_bytes)
{
	uint64_t pos = 0, start = 0, end = 0, bytes = 0;
	size_t buf_size = size < BUF_MAX ? (size_t)size : BUF_MAX;
	uint8_t *buf = NULL;
	int r = 0;

	if (!use_range && size) {
		buf = malloc(buf_size);
		if (!buf)
			return -ENOMEM;
	}
	while (pos < size) {
		if ((r = next_extent(src, pos, size, &start, &end)) < 0)
			break;
		if (!use_range && (r = hash_zeros(ctx, start - pos)) < 0)
			break;
		if (use_range)
			r = range_copy(src, dst, start, end);
		else
			r = move_range(src, dst, start, end, buf, buf_size, ctx);
		if (r < 0)
			break;
		bytes += end - start;
		pos = end > start ? end : size;
	}
	free(buf);
	*ret_bytes = bytes;
	return r;
}

static int
digest(int src, int dst, uint64_t size, char ret[65], uint64_t *ret_bytes)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	EVP_MD_CTX *ctx;
	int r;

	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	r = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) ? 0 : -EIO;
	if (r == 0)
		r = walk(src, dst, size, false, ctx, ret_bytes);
	if (r == 0 && !EVP_DigestFinal_ex(ctx, md, NULL))
		r = -EIO;
	EVP_MD_CTX_free(ctx);
	if (r == 0)
		sha256_hex(md, ret);
	return r;
}

int
bset_data_sha256(int fd, uint64_t size, char ret[65])
{
	uint64_t bytes;

	return digest(fd, -1, size, ret, &bytes);
}

int
bset_data_copy(int src, int dst, uint64_t size, enum bset_copy_method method,
	       struct bset_data_result *ret)
{
	int r;

	memset(ret, 0, sizeof(*ret));
	if (method == BSET_COPY_AUTO && size && ioctl(dst, FICLONE, src) == 0) {
		ret->reflinked = true;
		return digest(src, -1, size, ret->sha256, &ret->bytes);
	}
	if (method == BSET_COPY_RANGE || method == BSET_COPY_AUTO) {
		r = walk(src, dst, size, true, NULL, &ret->bytes);
		if (r == 0)
			r = bset_data_sha256(src, size, ret->sha256);
		/* Across file systems some kernels refuse: copy it plainly. */
		if (r == -EXDEV || r == -EINVAL || r == -EOPNOTSUPP ||
		    r == -ENOSYS)
			r = digest(src, dst, size, ret->sha256, &ret->bytes);
	} else {
		r = digest(src, dst, size, ret->sha256, &ret->bytes);
	}
	if (r == 0 && ftruncate(dst, (off_t)size) < 0)
		r = -errno;
	return r;
}
