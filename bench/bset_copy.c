/*
 * bench/bset_copy.c - the backup set's copy engine (cli/bset_copy.c)
 * against "cp -a" on the same generated tree in the same run.
 *
 *   bench-bset-copy [DIR]
 *
 * In a new directory below DIR (default /tmp) it makes a tree of 2000
 * small files in 20 directories, 4 large files and 4 sparse files, then
 * copies it with each data method of the engine (bset_set_copy_method())
 * into a backup set, and with cp -a, each followed by syncfs() so that
 * both put their data on disk, and prints MB/s (data bytes, holes not
 * counted) and files/s (objects) for each.  The engine also hashes every
 * byte (SHA-256); cp does not.  bench/README.md has figures.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backupset.h"

#define SMALL_FILES 2000
#define SMALL_DIRS 20
#define SMALL_SIZE 4096
#define LARGE_FILES 4
#define LARGE_SIZE (64 << 20)
#define SPARSE_FILES 4
#define SPARSE_SIZE (256LL << 20)
#define SPARSE_DATA (8 << 20) /* at the start, the middle and the end */

static char top[2048];
static struct bset *current;
static size_t src_len;
static uint64_t objects, data_bytes;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

_Noreturn static void
die(const char *what)
{
	perror(what);
	exit(1);
}

static void
fill(uint8_t *buf, size_t n, unsigned seed)
{
	uint32_t x = seed * 2654435761u + 1;
	size_t i;

	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (uint8_t)x;
	}
}

static void
write_file(const char *path, const uint8_t *buf, size_t n, off_t at,
	   off_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT, 0644);

	if (fd < 0 || pwrite(fd, buf, n, at) != (ssize_t)n ||
	    ftruncate(fd, size) < 0 || close(fd) < 0)
		die(path);
}

static void
make_tree(const char *src)
{
	static uint8_t buf[SPARSE_DATA];
	char path[4400];
	int i;

	if (mkdir(src, 0755) < 0)
		die(src);
	objects = 1;
	for (i = 0; i < SMALL_DIRS; i++) {
		snprintf(path, sizeof(path), "%s/d%02d", src, i);
		if (mkdir(path, 0755) < 0)
			die(path);
		objects++;
	}
	for (i = 0; i < SMALL_FILES; i++) {
		fill(buf, SMALL_SIZE, (unsigned)i);
		snprintf(path, sizeof(path), "%s/d%02d/f%04d", src,
			 i % SMALL_DIRS, i);
		write_file(path, buf, SMALL_SIZE, 0, SMALL_SIZE);
		data_bytes += SMALL_SIZE;
		objects++;
	}
	for (i = 0; i < LARGE_FILES; i++) {
		snprintf(path, sizeof(path), "%s/large%d", src, i);
		for (off_t at = 0; at < LARGE_SIZE; at += SPARSE_DATA) {
			fill(buf, SPARSE_DATA, (unsigned)(i + at));
			write_file(path, buf, SPARSE_DATA, at, at + SPARSE_DATA);
		}
		data_bytes += LARGE_SIZE;
		objects++;
	}
	for (i = 0; i < SPARSE_FILES; i++) {
		snprintf(path, sizeof(path), "%s/sparse%d", src, i);
		fill(buf, SPARSE_DATA, (unsigned)i + 77);
		write_file(path, buf, SPARSE_DATA, 0, SPARSE_SIZE);
		write_file(path, buf, SPARSE_DATA, SPARSE_SIZE / 2, SPARSE_SIZE);
		write_file(path, buf, SPARSE_DATA, SPARSE_SIZE - SPARSE_DATA,
			   SPARSE_SIZE);
		data_bytes += 3 * SPARSE_DATA;
		objects++;
	}
	sync();
}

static int
copy_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	const char *rel = path + src_len;
	int r;

	rel += *rel == '/';
	r = bset_copy(current, 0, rel, BSET_NO_COMPONENT);
	if (r < 0) {
		fprintf(stderr, "bset_copy %s: %s\n", rel, strerror(-r));
		exit(1);
	}
	return 0;
}

static void
report(const char *what, double seconds)
{
	printf("%-22s %8.3f s  %9.1f MB/s  %9.0f files/s\n", what, seconds,
	       (double)data_bytes / 1e6 / seconds, (double)objects / seconds);
}

static void
run_engine(const char *src, enum bset_copy_method method, const char *name,
	   const char *slug)
{
	struct bset_volume v = {.mount_point = "/", .shadow_root = src};
	struct bset_info info = {.backup_type = VSS_BT_FULL};
	char set[4400];
	struct bset_stats stats;
	double t0, t1;
	int r;

	snprintf(set, sizeof(set), "%s/set-%s", top, slug);
	t0 = now();
	if ((r = bset_create(&current, set)) < 0 ||
	    (r = bset_add_volume(current, &v, NULL)) < 0 ||
	    (r = bset_set_copy_method(current, method)) < 0) {
		fprintf(stderr, "bset: %s\n", strerror(-r));
		exit(1);
	}
	src_len = strlen(src);
	if (nftw(src, copy_one, 64, FTW_PHYS) < 0)
		die("nftw");
	bset_get_stats(current, &stats);
	t1 = now();
	if ((r = bset_commit(current, &info)) < 0) {
		fprintf(stderr, "bset_commit: %s\n", strerror(-r));
		exit(1);
	}
	bset_free(current);
	report(name, now() - t0);
	printf("%-22s (copy %.3f s, commit with syncfs %.3f s)\n", "", t1 - t0,
	       now() - t1);
	if (stats.files != objects || stats.failed)
		fprintf(stderr, "%s: %llu objects, %llu failed\n", name,
			(unsigned long long)stats.files,
			(unsigned long long)stats.failed);
	if (stats.reflinked)
		printf("%-22s (%llu files reflinked)\n", "",
		       (unsigned long long)stats.reflinked);
}

static void
run_cp(const char *src)
{
	char dst[4400];
	double t0;
	pid_t pid;
	int status, fd;

	snprintf(dst, sizeof(dst), "%s/cp", top);
	t0 = now();
	pid = fork();
	if (pid == 0) {
		execlp("cp", "cp", "-a", src, dst, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		die("cp -a");
	fd = open(dst, O_RDONLY | O_DIRECTORY);
	if (fd < 0 || syncfs(fd) < 0)
		die("syncfs");
	close(fd);
	report("cp -a", now() - t0);
}

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	return remove(path);
}

int
main(int argc, char **argv)
{
	const char *base = argc > 1 ? argv[1] : "/tmp";
	char src[4200];

	snprintf(top, sizeof(top), "%s/bench-bset-XXXXXX", base);
	if (!mkdtemp(top))
		die(top);
	snprintf(src, sizeof(src), "%s/src", top);
	make_tree(src);
	printf("# %llu objects, %.1f MB of data (sparse files: %.0f MB "
	       "apparent), in %s\n",
	       (unsigned long long)objects, (double)data_bytes / 1e6,
	       (double)SPARSE_FILES * SPARSE_SIZE / 1e6, top);
	run_cp(src);
	run_engine(src, BSET_COPY_AUTO, "bset auto", "auto");
	run_engine(src, BSET_COPY_RANGE, "bset copy_file_range", "range");
	run_engine(src, BSET_COPY_READ_WRITE, "bset read/write", "rw");
	nftw(top, remove_one, 64, FTW_PHYS | FTW_DEPTH);
	return 0;
}
