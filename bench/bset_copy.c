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
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backupset.h"
#include "bench_tree.h"

static char top[2048];
static struct bset *current;
static size_t src_len;
static struct bench_tree tree;

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
	t0 = bench_now();
	if ((r = bset_create(&current, set)) < 0 ||
	    (r = bset_add_volume(current, &v, NULL)) < 0 ||
	    (r = bset_set_copy_method(current, method)) < 0) {
		fprintf(stderr, "bset: %s\n", strerror(-r));
		exit(1);
	}
	src_len = strlen(src);
	if (nftw(src, copy_one, 64, FTW_PHYS) < 0)
		bench_die("nftw");
	bset_get_stats(current, &stats);
	t1 = bench_now();
	if ((r = bset_commit(current, &info)) < 0) {
		fprintf(stderr, "bset_commit: %s\n", strerror(-r));
		exit(1);
	}
	bset_free(current);
	bench_report(&tree, name, bench_now() - t0);
	printf("%-22s (copy %.3f s, commit with syncfs %.3f s)\n", "", t1 - t0,
	       bench_now() - t1);
	if (stats.files != tree.objects || stats.failed)
		fprintf(stderr, "%s: %llu objects, %llu failed\n", name,
			(unsigned long long)stats.files,
			(unsigned long long)stats.failed);
	if (stats.reflinked)
		printf("%-22s (%llu files reflinked)\n", "",
		       (unsigned long long)stats.reflinked);
}

int
main(int argc, char **argv)
{
	const char *base = argc > 1 ? argv[1] : "/tmp";
	char src[4200], cp[4400];

	snprintf(top, sizeof(top), "%s/bench-bset-XXXXXX", base);
	if (!mkdtemp(top))
		bench_die(top);
	snprintf(src, sizeof(src), "%s/src", top);
	snprintf(cp, sizeof(cp), "%s/cp", top);
	bench_tree_make(&tree, src, 4, top);
	sync();
	bench_cp(&tree, src, cp);
	run_engine(src, BSET_COPY_AUTO, "bset auto", "auto");
	run_engine(src, BSET_COPY_RANGE, "bset copy_file_range", "range");
	run_engine(src, BSET_COPY_READ_WRITE, "bset read/write", "rw");
	bench_remove(top);
	return 0;
}
