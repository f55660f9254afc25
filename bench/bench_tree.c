/*
 * bench/bench_tree.c - the generated tree, clock, figures and cp -a
 * yardstick of the backup set's benchmarks (bench_tree.h).
 */
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_tree.h"

#define SMALL_FILES 2000
#define SMALL_DIRS 20
#define SMALL_SIZE 4096
#define LARGE_SIZE (64 << 20)
#define SPARSE_FILES 4
#define SPARSE_SIZE (256LL << 20)
#define SPARSE_DATA (8 << 20) /* at the start, the middle and the end */

double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

_Noreturn void
bench_die(const char *what)
{
	perror(what);
	exit(1);
}

/* Data no file system can compress or deduplicate, the same every run. */
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
		bench_die(path);
}

void
bench_tree_make(struct bench_tree *tree, const char *src, int large_files,
		const char *top)
{
	static uint8_t buf[SPARSE_DATA];
	char path[4400];
	off_t at;
	int i;

	if (mkdir(src, 0755) < 0)
		bench_die(src);
	tree->objects = 1;
	tree->data_bytes = 0;
	for (i = 0; i < SMALL_DIRS; i++, tree->objects++) {
		snprintf(path, sizeof(path), "%s/d%02d", src, i);
		if (mkdir(path, 0755) < 0)
			bench_die(path);
	}
	for (i = 0; i < SMALL_FILES; i++, tree->objects++) {
		fill(buf, SMALL_SIZE, (unsigned)i);
		snprintf(path, sizeof(path), "%s/d%02d/f%04d", src,
			 i % SMALL_DIRS, i);
		write_file(path, buf, SMALL_SIZE, 0, SMALL_SIZE);
		tree->data_bytes += SMALL_SIZE;
	}
	for (i = 0; i < large_files; i++, tree->objects++) {
		snprintf(path, sizeof(path), "%s/large%d", src, i);
		for (at = 0; at < LARGE_SIZE; at += SPARSE_DATA) {
			fill(buf, SPARSE_DATA, (unsigned)(i + at));
			write_file(path, buf, SPARSE_DATA, at, at + SPARSE_DATA);
		}
		tree->data_bytes += LARGE_SIZE;
	}
	for (i = 0; i < SPARSE_FILES; i++, tree->objects++) {
		snprintf(path, sizeof(path), "%s/sparse%d", src, i);
		fill(buf, SPARSE_DATA, (unsigned)i + 77);
		write_file(path, buf, SPARSE_DATA, 0, SPARSE_SIZE);
		write_file(path, buf, SPARSE_DATA, SPARSE_SIZE / 2, SPARSE_SIZE);
		write_file(path, buf, SPARSE_DATA, SPARSE_SIZE - SPARSE_DATA,
			   SPARSE_SIZE);
		tree->data_bytes += 3 * SPARSE_DATA;
	}
	printf("# %llu objects, %.1f MB of data (sparse files: %.0f MB "
	       "apparent), in %s\n",
	       (unsigned long long)tree->objects,
	       (double)tree->data_bytes / 1e6,
	       (double)SPARSE_FILES * SPARSE_SIZE / 1e6, top);
}

void
bench_report(const struct bench_tree *tree, const char *what, double seconds)
{
	printf("%-22s %8.3f s  %9.1f MB/s  %9.0f files/s\n", what, seconds,
	       (double)tree->data_bytes / 1e6 / seconds,
	       (double)tree->objects / seconds);
}

void
bench_cp(const struct bench_tree *tree, const char *from, const char *to)
{
	double t0;
	pid_t pid;
	int status, fd;

	t0 = bench_now();
	pid = fork();
	if (pid == 0) {
		execlp("cp", "cp", "-a", from, to, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		bench_die("cp -a");
	fd = open(to, O_RDONLY | O_DIRECTORY);
	if (fd < 0 || syncfs(fd) < 0)
		bench_die("syncfs");
	close(fd);
	bench_report(tree, "cp -a", bench_now() - t0);
}

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	return remove(path);
}

void
bench_remove(const char *top)
{
	nftw(top, remove_one, 64, FTW_PHYS | FTW_DEPTH);
}
