/*
 * bench/freeze_window.c - how long vssd keeps writers frozen.
 *
 * For each writer count N (1, 16, 64, 256 unless given), start N
 * vss-test-writer processes against a private vssd on a loop-mounted
 * btrfs volume and run CYCLES backups through the requester API.  From
 * the writers' own logs (CLOCK_MONOTONIC, comparable across processes):
 * the freeze window of each cycle (first freeze received .. last thaw
 * received) and of each writer (its freeze .. its thaw).  Also the whole
 * create cycle, do_snapshot_set, the window vssd reports, and as the floor
 * a bare read-only btrfs snapshot of the same volume.
 *
 * With -p exec, the same runs also on an ext4 volume in an image file on
 * a reflink xfs host, through the exec provider of examples/exec-provider
 * (FIFREEZE, cp --reflink of the image, FITHAW), after the btrfs run of
 * each writer count as its baseline; its floor is FIFREEZE, an FICLONE of
 * the image and FITHAW, in process.  Needs root (bench/README.md).
 */
#include <btrfsutil.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <vss/requester.h>
#include <vss/status.h>

#include "fixture.h"

#define PROG "bench-freeze-window"
#define DEFAULT_CYCLES 10
#define MAX_CYCLES 10000
#define MAX_COUNTS 16

/* The exec provider's volume and the xfs host of its image. */
#define HOST_MB 2048
#define EXT4_MB 1024 /* as the btrfs volume */
#define PROVIDER_ID "5d0c3a7e-61b2-4f89-9e4d-2a7b8c1f0e35"

static const unsigned default_counts[] = {1, 16, 64, 256};

struct samples {
	double *v;
	size_t n, cap;
};

/* A volume the backups are made of, and how its floor is timed. */
struct target {
	const char *tag;   /* "btrfs", "exec": first column of the output */
	const char *mnt;
	const char *floor; /* the label of the floor line */
	/* exec: the volume's image, and where the floor clones it to */
	const char *image;
	char clone[PATH_MAX];
	int (*time_floor)(const struct target *t, unsigned cycles,
			  struct samples *out);
};

static int
samples_add(struct samples *s, double x)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		double *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = x;
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile (p in percent) of sorted samples. */
static double
percentile(const struct samples *s, unsigned p)
{
	size_t rank = (p * s->n + 99) / 100;

	return s->v[rank ? rank - 1 : 0];
}

static void
print_stat(const struct target *t, unsigned n_writers, const char *what,
	   struct samples *s)
{
	if (s->n == 0) {
		printf("%-5s writers %-4u %-26s no samples\n", t->tag,
		       n_writers, what);
		return;
	}
	qsort(s->v, s->n, sizeof(*s->v), cmp_double);
	printf("%-5s writers %-4u %-26s p50 %9.3f ms  p95 %9.3f ms  max "
	       "%9.3f ms  n %zu\n", t->tag, n_writers, what,
	       percentile(s, 50), percentile(s, 95), s->v[s->n - 1], s->n);
}

/* The floor: R read-only snapshots of the volume, deleted untimed. */
static int
time_bare_snapshots(const struct target *t, unsigned cycles,
		    struct samples *out)
{
	const char *mnt = t->mnt;
	char path[PATH_MAX + 32];
	enum btrfs_util_error e;
	unsigned i;

	snprintf(path, sizeof(path), "%s/bench-baseline", mnt);
	for (i = 0; i < cycles; i++) {
		uint64_t t0 = fx_now_ns();

		e = btrfs_util_create_snapshot(
			mnt, path, BTRFS_UTIL_CREATE_SNAPSHOT_READ_ONLY, NULL,
			NULL);
		if (e != BTRFS_UTIL_OK) {
			fprintf(stderr, PROG ": snapshot of '%s': %s\n", mnt,
				btrfs_util_strerror(e));
			return -EIO;
		}
		if (samples_add(out, (double)(fx_now_ns() - t0) / 1e6) < 0)
			return -ENOMEM;
		e = btrfs_util_delete_subvolume(path, 0);
		if (e != BTRFS_UTIL_OK) {
			fprintf(stderr, PROG ": delete '%s': %s\n", path,
				btrfs_util_strerror(e));
			return -EIO;
		}
	}
	return 0;
}

/*
 * What the exec provider's commit does at the least, with vssd's freeze
 * around it: FIFREEZE the volume, FICLONE its image (cp --reflink), FITHAW.
 */
static int
clone_frozen(const struct target *t, double *ret_ms)
{
	int vol, src, dst = -1, r = 0;
	uint64_t t0 = fx_now_ns();

	vol = open(t->mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (vol < 0)
		return -errno;
	src = open(t->image, O_RDONLY | O_CLOEXEC);
	if (src < 0 || ioctl(vol, FIFREEZE, 0) < 0) {
		r = -errno;
		goto out;
	}
	dst = open(t->clone, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0400);
	if (dst < 0 || ioctl(dst, FICLONE, src) < 0)
		r = -errno;
	if (ioctl(vol, FITHAW, 0) < 0 && r == 0)
		r = -errno;
	if (r == 0)
		*ret_ms = (double)(fx_now_ns() - t0) / 1e6;
out:
	if (dst >= 0)
		close(dst);
	if (src >= 0)
		close(src);
	close(vol);
	return r;
}

/* The exec floor: R clones of the frozen volume's image, removed untimed. */
static int
time_bare_clones(const struct target *t, unsigned cycles,
		 struct samples *out)
{
	unsigned i;
	double ms = 0;
	int r;

	for (i = 0; i < cycles; i++) {
		r = clone_frozen(t, &ms);
		unlink(t->clone);
		if (r < 0) {
			fprintf(stderr, PROG ": clone of '%s' frozen: %s\n",
				t->image, strerror(-r));
			return r;
		}
		if (samples_add(out, ms) < 0)
			return -ENOMEM;
	}
	return 0;
}

struct cycle {
	vss_id set_id;
	double cycle_ms;
	double do_snapshot_ms;
	double vssd_window_ms;
	double commit_ms;
	uint64_t first_freeze, last_thaw; /* from the writers' logs */
	size_t frozen;                    /* writers with freeze and thaw */
};

static int
timings_hook(struct fx_backup *b, enum fx_step step, bool done,
	     vss_requester *r)
{
	struct cycle *c = b->userdata;
	struct vss_set_timings t;

	if (done && step == FX_STEP_DO_SNAPSHOT_SET &&
	    vss_requester_set_timings(r, &t) == 0) {
		c->vssd_window_ms = t.freeze_window_ms;
		c->commit_ms = t.commit_ms;
	}
	return 0;
}

/* Freeze and thaw of each writer per cycle, from its log. */
static int
collect_windows(struct fx *fx, struct cycle *cycles, unsigned n_cycles,
		struct samples *per_writer)
{
	size_t i, j;
	unsigned c;
	int r;

	for (c = 0; c < n_cycles; c++) {
		cycles[c].first_freeze = UINT64_MAX;
		cycles[c].last_thaw = 0;
		cycles[c].frozen = 0;
	}
	for (i = 0; i < fx->n_writers; i++) {
		struct fx_event *ev;
		size_t n;

		r = fx_writer_events(&fx->writers[i], &ev, &n);
		if (r < 0)
			return r;
		for (c = 0; c < n_cycles; c++) {
			uint64_t freeze = 0, thaw = 0;

			for (j = 0; j < n; j++) {
				vss_id id;

				if (vss_id_parse(&id, ev[j].set_id) < 0 ||
				    !vss_id_equal(&id, &cycles[c].set_id))
					continue;
				if (!strcmp(ev[j].event, "freeze") && !freeze)
					freeze = ev[j].mono_ns;
				else if (!strcmp(ev[j].event, "thaw") && !thaw)
					thaw = ev[j].mono_ns;
			}
			if (!freeze || !thaw || thaw < freeze)
				continue;
			cycles[c].frozen++;
			if (freeze < cycles[c].first_freeze)
				cycles[c].first_freeze = freeze;
			if (thaw > cycles[c].last_thaw)
				cycles[c].last_thaw = thaw;
			if (samples_add(per_writer,
					(double)(thaw - freeze) / 1e6) < 0) {
				free(ev);
				return -ENOMEM;
			}
		}
		free(ev);
	}
	return 0;
}

static int
start_writers(struct fx *fx, const char *tag, unsigned n)
{
	unsigned i;
	int r;

	/* Start them all, then wait: they connect in parallel. */
	for (i = 0; i < n; i++) {
		struct fx_writer_opts o = {.no_wait = true};
		struct fx_writer *w;
		char name[64];

		/* Distinct per run: a name is its log and ready file. */
		snprintf(name, sizeof(name), "bench-%s-%u-%u", tag, n, i);
		o.name = name;
		r = fx_writer_start(fx, &o, &w);
		if (r < 0)
			return r;
	}
	for (i = 0; i < fx->n_writers; i++) {
		r = fx_writer_wait_ready(&fx->writers[i], 60000);
		if (r < 0)
			return r;
	}
	return 0;
}

static int
run_count(struct fx *fx, const struct target *t, unsigned n_writers,
	  unsigned n_cycles)
{
	struct samples window = {0}, per_writer = {0}, cycle = {0};
	struct samples dss = {0}, vssd = {0}, bare = {0}, commit = {0};
	struct cycle *cycles;
	unsigned c;
	int r;

	cycles = calloc(n_cycles, sizeof(*cycles));
	if (!cycles)
		return -ENOMEM;
	r = t->time_floor(t, n_cycles, &bare);
	if (r < 0)
		goto out;
	r = start_writers(fx, t->tag, n_writers);
	if (r < 0)
		goto out;
	for (c = 0; c < n_cycles; c++) {
		struct fx_backup b = {
			.socket = fx->socket,
			.volumes = {t->mnt},
			.n_volumes = 1,
			.hook = timings_hook,
			.userdata = &cycles[c],
		};
		uint64_t t0 = fx_now_ns();

		r = fx_backup_run(&b);
		if (r != 0) {
			fprintf(stderr, PROG ": %s cycle %u with %u writers: "
				"%s at %s\n", t->tag, c, n_writers,
				vss_strerror(r),
				fx_step_name(b.failed_step));
			goto out;
		}
		cycles[c].set_id = b.set_id;
		cycles[c].cycle_ms = (double)(fx_now_ns() - t0) / 1e6;
		cycles[c].do_snapshot_ms =
			(double)b.step_ns[FX_STEP_DO_SNAPSHOT_SET] / 1e6;
	}
	/* Freeing the last requester sends backup_shutdown: all logged. */
	for (c = 0; c < fx->n_writers; c++) {
		r = fx_writer_wait_count(&fx->writers[c], "backup_shutdown",
					 n_cycles, 30000);
		if (r < 0)
			goto out;
	}
	r = collect_windows(fx, cycles, n_cycles, &per_writer);
	if (r < 0)
		goto out;
	for (c = 0; c < n_cycles; c++) {
		if (cycles[c].frozen != n_writers)
			fprintf(stderr, PROG ": cycle %u: %zu of %u writers "
				"logged freeze and thaw\n", c,
				cycles[c].frozen, n_writers);
		if (cycles[c].frozen)
			r = samples_add(&window,
					(double)(cycles[c].last_thaw -
						 cycles[c].first_freeze) / 1e6);
		if (r == 0)
			r = samples_add(&cycle, cycles[c].cycle_ms);
		if (r == 0)
			r = samples_add(&dss, cycles[c].do_snapshot_ms);
		if (r == 0)
			r = samples_add(&vssd, cycles[c].vssd_window_ms);
		if (r == 0)
			r = samples_add(&commit, cycles[c].commit_ms);
		if (r < 0)
			goto out;
	}
	print_stat(t, n_writers, t->floor, &bare);
	print_stat(t, n_writers, "freeze window (writers)", &window);
	print_stat(t, n_writers, "freeze window per writer", &per_writer);
	print_stat(t, n_writers, "freeze window (vssd)", &vssd);
	print_stat(t, n_writers, "commit (vssd)", &commit);
	print_stat(t, n_writers, "do_snapshot_set", &dss);
	print_stat(t, n_writers, "create cycle", &cycle);
	fflush(stdout);
out:
	fx_writers_stop_all(fx);
	free(window.v);
	free(per_writer.v);
	free(cycle.v);
	free(dss.v);
	free(vssd.v);
	free(bare.v);
	free(commit.v);
	free(cycles);
	return r;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: " PROG " [-r CYCLES] [-p btrfs|exec] "
		   "[WRITERS...]\n"
		   "  WRITERS  writer counts, default 1 16 64 256 (at most "
		   "%d)\n"
		   "  -r       backups per writer count, default %d\n"
		   "  -p exec  also an ext4 image on reflink xfs through the "
		   "exec provider\n"
		   "           of $VSS_EXEC_PROVIDER_DIR, after btrfs\n",
		FX_MAX_WRITERS, DEFAULT_CYCLES);
}

/* snprintf that tells truncation: 0, or -ENAMETOOLONG. */
static int __attribute__((format(printf, 3, 4)))
fmt(char *buf, size_t size, const char *format, ...)
{
	va_list ap;
	int n;

	va_start(ap, format);
	n = vsnprintf(buf, size, format, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* A fixture volume: the image at <root>/image, mounted at <root>/mnt. */
static int
add_image(struct fx *fx, const char *root, const char *image,
	  const char *mnt, unsigned size_mb, const char *fstype,
	  const char *const *mkfs, struct fx_volume **ret)
{
	char image_path[PATH_MAX], mnt_path[PATH_MAX];
	const struct fx_image img = {
		.image = image_path,
		.mnt = mnt_path,
		.size_mb = size_mb,
		.fstype = fstype,
		.mkfs = mkfs,
	};

	if (fmt(image_path, sizeof(image_path), "%s/%s", root, image) < 0 ||
	    fmt(mnt_path, sizeof(mnt_path), "%s/%s", root, mnt) < 0)
		return -ENAMETOOLONG;
	return fx_add_image(fx, &img, ret);
}

/*
 * The exec provider's volume, as tests/integration/test_exec_freeze.c
 * makes it: an xfs host with reflink holding ext4.img, mounted at ext4/;
 * the host added after the btrfs volume and before ext4, so the fixture
 * releases ext4 first.  Its [provider] section into extra.
 */
static int
setup_exec(struct fx *fx, struct target *t, char *extra, size_t size)
{
	static const char *const mkfs_host[] = {"mkfs.xfs", "-q", "-f", "-m",
						"reflink=1", NULL};
	/* No lazy init: no background writes on the volume after mount. */
	static const char *const mkfs_ext4[] = {
		"mkfs.ext4", "-q", "-F", "-E",
		"lazy_itable_init=0,lazy_journal_init=0", NULL};
	static char root[PATH_MAX], dir[PATH_MAX];
	struct fx_volume *host, *ext4;
	int r;

	/* Resolved: the scripts compare the paths they are given. */
	if (!realpath(fx->dir, root) ||
	    !realpath(getenv("VSS_EXEC_PROVIDER_DIR"), dir))
		return -errno;
	r = add_image(fx, root, "host.img", "host", HOST_MB, "xfs", mkfs_host,
		      &host);
	if (r == 0)
		r = add_image(fx, root, "host/ext4.img", "ext4", EXT4_MB,
			      "ext4", mkfs_ext4, &ext4);
	if (r < 0)
		return r;
	t->mnt = ext4->mnt;
	t->image = ext4->image;
	if (fmt(t->clone, sizeof(t->clone), "%s/bench-floor.img",
		host->mnt) < 0)
		return -ENAMETOOLONG;
	/* As the example's vss.conf, with our paths. */
	return fmt(extra, size,
		   "[provider bench-reflink]\n"
		   "id = " PROVIDER_ID "\n"
		   "type = software\n"
		   "volumes = %s\n"
		   "freeze = yes\n"
		   "is_supported = %s/is-supported\n"
		   "prepare = %s/prepare\n"
		   "commit = %s/commit\n"
		   "delete = %s/delete\n"
		   "expose = %s/expose\n"
		   "unexpose = %s/unexpose\n"
		   "list = %s/list %s\n",
		   ext4->mnt, dir, dir, dir, dir, dir, dir, dir, host->mnt);
}

static int
parse_count(const char *s, unsigned max, unsigned *ret)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v == 0 || v > max)
		return -EINVAL;
	*ret = (unsigned)v;
	return 0;
}

/* vssd inherits our limits: one connection per writer. */
static void
raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int
main(int argc, char **argv)
{
	unsigned counts[MAX_COUNTS], n_counts = 0, cycles = DEFAULT_CYCLES;
	unsigned max_count = 0, n_targets = 1, i, j;
	static const char *const mkfs_exec[] = {"mkfs.btrfs", "mkfs.xfs",
						"mkfs.ext4", NULL};
	static struct target targets[2] = {
		{.tag = "btrfs", .floor = "btrfs snapshot (floor)",
		 .time_floor = time_bare_snapshots},
		{.tag = "exec", .floor = "freeze+clone+thaw (floor)",
		 .time_floor = time_bare_clones},
	};
	static char extra[8192];
	struct fx_vssd_config cfg = {0};
	struct fx *fx = NULL;
	const char *why;
	int opt, r;

	while ((opt = getopt(argc, argv, "hp:r:")) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return 0;
		case 'p':
			if (!strcmp(optarg, "exec")) {
				n_targets = 2;
			} else if (strcmp(optarg, "btrfs")) {
				fprintf(stderr, PROG ": bad provider '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'r':
			if (parse_count(optarg, MAX_CYCLES, &cycles) < 0) {
				fprintf(stderr, PROG ": bad cycle count '%s'\n",
					optarg);
				return 2;
			}
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	for (; optind < argc; optind++) {
		if (n_counts == MAX_COUNTS ||
		    parse_count(argv[optind], FX_MAX_WRITERS,
				&counts[n_counts]) < 0) {
			fprintf(stderr, PROG ": bad writer count '%s'\n",
				argv[optind]);
			return 2;
		}
		n_counts++;
	}
	if (n_counts == 0)
		for (; n_counts < sizeof(default_counts) / sizeof(*default_counts);
		     n_counts++)
			counts[n_counts] = default_counts[n_counts];
	for (i = 0; i < n_counts; i++)
		if (counts[i] > max_count)
			max_count = counts[i];

	/* The programs of this build unless the environment says. */
	setenv("VSSD", VSSD_PATH, 0);
	setenv("VSS_TEST_WRITER", VSS_TEST_WRITER_PATH, 0);
	setenv("VSS_EXEC_PROVIDER_DIR", EXEC_PROVIDER_DIR, 0);
	why = n_targets > 1 ? fx_unavailable_with(mkfs_exec) : fx_unavailable();
	if (why) {
		printf(PROG ": skipped: %s\n", why);
		return 77;
	}
	raise_fd_limit();

	/* Generous deadlines: a slow machine must not abort a set. */
	cfg.event_timeout_ms = 120000;
	cfg.freeze_timeout_ms = 60000;
	cfg.max_writers = max_count + 16;
	cfg.max_connections = max_count + 64;
	r = fx_new(&fx);
	if (r < 0)
		goto fail;
	fx->daemon_log_to_file = true;
	r = fx_add_volume(fx, 1024, &targets[0].mnt);
	if (r == 0 && n_targets > 1) {
		r = setup_exec(fx, &targets[1], extra, sizeof(extra));
		cfg.extra = extra;
	}
	if (r < 0)
		goto fail;
	r = fx_start_vssd(fx, &cfg);
	if (r < 0)
		goto fail;

	printf("# " PROG ": %u backups per writer count, all writers "
	       "front_end, one btrfs volume on a loop device%s\n", cycles,
	       n_targets > 1 ? "; exec: ext4 image on reflink xfs, "
			       "examples/exec-provider" : "");
	printf("# freeze window: first freeze received .. last thaw "
	       "received (writer logs, CLOCK_MONOTONIC)\n");
	fflush(stdout);
	for (i = 0; i < n_counts; i++) {
		for (j = 0; j < n_targets; j++) {
			r = run_count(fx, &targets[j], counts[i], cycles);
			if (r < 0)
				goto fail;
		}
	}
	r = fx_stop_vssd(fx);
	if (r != 0)
		fprintf(stderr, PROG ": vssd did not exit cleanly (wait "
			"status 0x%x)\n", (unsigned)r);
	fx_free(fx);
	return r == 0 ? 0 : 1;
fail:
	fprintf(stderr, PROG ": failed: %s (vssd log: %s)\n", vss_strerror(r),
		fx ? fx->vssd_log : "-");
	if (fx && getenv("VSS_TEST_KEEP") == NULL)
		fprintf(stderr, PROG ": set VSS_TEST_KEEP=1 to keep the "
			"logs\n");
	fx_free(fx);
	return 1;
}
