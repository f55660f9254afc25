/*
 * bench/bench_restore_write.c - the restore writer (cli/restore_write.h)
 * against "cp -a" of the same data in the same run.
 *
 *   bench-restore-write [DIR]
 *
 * In a new directory below DIR (default /tmp) it makes a tree of 2000
 * small files in 20 directories, 3 large files and 4 sparse files (some
 * 300 MB of data), backs it up into a set (untimed), then copies the
 * set's data directory with cp -a and restores the set with one batch
 * into an empty directory, each followed by syncfs() (the batch's commit
 * syncs by itself), and prints MB/s (data bytes, holes not counted) and
 * files/s (objects) for each.  The restore also checks every byte's
 * SHA-256 and writes under temporary names renamed into place; cp does
 * neither.  bench/README.md has figures.
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
#include "restore_write.h"

#define SMALL_FILES 2000
#define SMALL_DIRS 20
#define SMALL_SIZE 4096
#define LARGE_FILES 3
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

_Noreturn static void
die_r(const char *what, int r, const char *err)
{
	fprintf(stderr, "%s: %s%s%s\n", what, strerror(-r), err ? ": " : "",
		err ? err : "");
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
	off_t at;
	int i;

	if (mkdir(src, 0755) < 0)
		die(src);
	objects = 1;
	for (i = 0; i < SMALL_DIRS; i++, objects++) {
		snprintf(path, sizeof(path), "%s/d%02d", src, i);
		if (mkdir(path, 0755) < 0)
			die(path);
	}
	for (i = 0; i < SMALL_FILES; i++, objects++) {
		fill(buf, SMALL_SIZE, (unsigned)i);
		snprintf(path, sizeof(path), "%s/d%02d/f%04d", src,
			 i % SMALL_DIRS, i);
		write_file(path, buf, SMALL_SIZE, 0, SMALL_SIZE);
		data_bytes += SMALL_SIZE;
	}
	for (i = 0; i < LARGE_FILES; i++, objects++) {
		snprintf(path, sizeof(path), "%s/large%d", src, i);
		for (at = 0; at < LARGE_SIZE; at += SPARSE_DATA) {
			fill(buf, SPARSE_DATA, (unsigned)(i + at));
			write_file(path, buf, SPARSE_DATA, at, at + SPARSE_DATA);
		}
		data_bytes += LARGE_SIZE;
	}
	for (i = 0; i < SPARSE_FILES; i++, objects++) {
		snprintf(path, sizeof(path), "%s/sparse%d", src, i);
		fill(buf, SPARSE_DATA, (unsigned)i + 77);
		write_file(path, buf, SPARSE_DATA, 0, SPARSE_SIZE);
		write_file(path, buf, SPARSE_DATA, SPARSE_SIZE / 2, SPARSE_SIZE);
		write_file(path, buf, SPARSE_DATA, SPARSE_SIZE - SPARSE_DATA,
			   SPARSE_SIZE);
		data_bytes += 3 * SPARSE_DATA;
	}
}

static int
copy_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	const char *rel = path + src_len;
	int r;

	rel += *rel == '/';
	if ((r = bset_copy(current, 0, rel, BSET_NO_COMPONENT)) < 0)
		die_r(rel, r, NULL);
	return 0;
}

static void
make_set(const char *src, const char *set)
{
	struct bset_volume v = {.mount_point = "/", .shadow_root = src};
	struct bset_info info = {.backup_type = VSS_BT_FULL};
	int r;

	if ((r = bset_create(&current, set)) < 0 ||
	    (r = bset_add_volume(current, &v, NULL)) < 0)
		die_r("bset", r, NULL);
	src_len = strlen(src);
	if (nftw(src, copy_one, 64, FTW_PHYS) < 0)
		die("nftw");
	if ((r = bset_commit(current, &info)) < 0)
		die_r("bset_commit", r, NULL);
	bset_free(current);
}

static void
report(const char *what, double seconds)
{
	printf("%-22s %8.3f s  %9.1f MB/s  %9.0f files/s\n", what, seconds,
	       (double)data_bytes / 1e6 / seconds, (double)objects / seconds);
}

static void
run_cp(const char *from)
{
	char dst[4400];
	double t0;
	pid_t pid;
	int status, fd;

	snprintf(dst, sizeof(dst), "%s/out-cp", top);
	t0 = now();
	pid = fork();
	if (pid == 0) {
		execlp("cp", "cp", "-a", from, dst, (char *)NULL);
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

static void
run_restore(const char *set)
{
	char out[4400], err[512];
	struct bset_manifest *m;
	struct rtarget *t;
	struct rbatch *b;
	double t0, t1;
	size_t i;
	int r;

	snprintf(out, sizeof(out), "%s/out-restore", top);
	if ((r = bset_manifest_load(&m, set, err, sizeof(err))) < 0)
		die_r("manifest", r, err);
	t0 = now();
	if ((r = rtarget_open(&t, out, true, err, sizeof(err))) < 0)
		die_r("rtarget_open", r, err);
	if ((r = rbatch_new(&b, set, NULL)) < 0)
		die_r("rbatch_new", r, NULL);
	for (i = 0; i < bset_manifest_entry_count(m); i++) {
		const struct bset_entry *e = bset_manifest_entry(m, i);

		if ((r = rbatch_add(b, t, e->path, e, NULL, err,
				    sizeof(err))) < 0)
			die_r(e->path, r, err);
	}
	t1 = now();
	if ((r = rbatch_commit(b, NULL, NULL, err, sizeof(err))) < 0)
		die_r("rbatch_commit", r, err);
	if (rbatch_count(b) != objects)
		fprintf(stderr, "restore: %zu objects, %llu made\n",
			rbatch_count(b), (unsigned long long)objects);
	rbatch_free(b);
	rtarget_free(t);
	report("restore (rbatch)", now() - t0);
	printf("%-22s (stage %.3f s, commit with syncfs %.3f s)\n", "",
	       t1 - t0, now() - t1);
	bset_manifest_free(m);
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
	char src[4200], set[4200], data[4300];

	snprintf(top, sizeof(top), "%s/bench-restore-XXXXXX", base);
	if (!mkdtemp(top))
		die(top);
	snprintf(src, sizeof(src), "%s/src", top);
	snprintf(set, sizeof(set), "%s/set", top);
	snprintf(data, sizeof(data), "%s/data/0", set);
	make_tree(src);
	make_set(src, set);
	sync();
	printf("# %llu objects, %.1f MB of data (sparse files: %.0f MB "
	       "apparent), in %s\n",
	       (unsigned long long)objects, (double)data_bytes / 1e6,
	       (double)SPARSE_FILES * SPARSE_SIZE / 1e6, top);
	run_cp(data);
	run_restore(set);
	nftw(top, remove_one, 64, FTW_PHYS | FTW_DEPTH);
	return 0;
}
