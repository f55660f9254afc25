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
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backupset.h"
#include "bench_tree.h"
#include "restore_write.h"

static char top[2048];
static struct bset *current;
static size_t src_len;
static struct bench_tree tree;

_Noreturn static void
die_r(const char *what, int r, const char *err)
{
	fprintf(stderr, "%s: %s%s%s\n", what, strerror(-r), err ? ": " : "",
		err ? err : "");
	exit(1);
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
		bench_die("nftw");
	if ((r = bset_commit(current, &info)) < 0)
		die_r("bset_commit", r, NULL);
	bset_free(current);
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
	t0 = bench_now();
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
	t1 = bench_now();
	if ((r = rbatch_commit(b, NULL, NULL, err, sizeof(err))) < 0)
		die_r("rbatch_commit", r, err);
	if (rbatch_count(b) != tree.objects)
		fprintf(stderr, "restore: %zu objects, %llu made\n",
			rbatch_count(b), (unsigned long long)tree.objects);
	rbatch_free(b);
	rtarget_free(t);
	bench_report(&tree, "restore (rbatch)", bench_now() - t0);
	printf("%-22s (stage %.3f s, commit with syncfs %.3f s)\n", "", t1 - t0,
	       bench_now() - t1);
	bset_manifest_free(m);
}

int
main(int argc, char **argv)
{
	const char *base = argc > 1 ? argv[1] : "/tmp";
	char src[4200], set[4200], data[4300], out[4400];

	snprintf(top, sizeof(top), "%s/bench-restore-XXXXXX", base);
	if (!mkdtemp(top))
		bench_die(top);
	snprintf(src, sizeof(src), "%s/src", top);
	snprintf(set, sizeof(set), "%s/set", top);
	snprintf(data, sizeof(data), "%s/data/0", set);
	snprintf(out, sizeof(out), "%s/out-cp", top);
	bench_tree_make(&tree, src, 3, top);
	make_set(src, set);
	sync();
	bench_cp(&tree, data, out);
	run_restore(set);
	bench_remove(top);
	return 0;
}
