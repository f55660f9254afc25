/*
 * bench/bench_tree.h - what bench-bset-copy and bench-restore-write
 * share: the generated tree they copy, the clock, the figures they print
 * and "cp -a" as the yardstick (bench_tree.c).
 */
#ifndef VSS_BENCH_TREE_H
#define VSS_BENCH_TREE_H

#include <stdint.h>

/* What bench_tree_make() made: objects (directories too) and data bytes. */
struct bench_tree {
	uint64_t objects;
	uint64_t data_bytes; /* holes not counted */
};

/* Seconds on CLOCK_MONOTONIC. */
double bench_now(void);
/* perror(what), exit 1. */
_Noreturn void bench_die(const char *what);
/*
 * At src (made here; exits on any error): 2000 small files of 4 KiB in
 * 20 directories, large_files files of 64 MiB and 4 sparse files of
 * 256 MiB with 8 MiB of data at the start, the middle and the end; then
 * a line saying so, and where (top).
 */
void bench_tree_make(struct bench_tree *tree, const char *src,
		     int large_files, const char *top);
/* One line of figures: seconds, MB/s and files/s of the tree. */
void bench_report(const struct bench_tree *tree, const char *what,
		  double seconds);
/* cp -a from to, then syncfs() on to, timed and reported as "cp -a". */
void bench_cp(const struct bench_tree *tree, const char *from,
	      const char *to);
/* rm -rf top. */
void bench_remove(const char *top);

#endif
