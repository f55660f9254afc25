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
 * a bare read-only btrfs snapshot of the same volume.  Needs root
 * (bench/README.md).
 */
#include <btrfsutil.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <vss/requester.h>
#include <vss/status.h>

#include "fixture.h"

#define PROG "bench-freeze-window"
#define DEFAULT_CYCLES 10
#define MAX_CYCLES 10000
#define MAX_COUNTS 16

static const unsigned default_counts[] = {1, 16, 64, 256};

struct samples {
	double *v;
	size_t n, cap;
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
print_stat(unsigned n_writers, const char *what, struct samples *s)
{
	if (s->n == 0) {
		printf("writers %-4u %-26s no samples\n", n_writers, what);
		return;
	}
	qsort(s->v, s->n, sizeof(*s->v), cmp_double);
	printf("writers %-4u %-26s p50 %9.3f ms  p95 %9.3f ms  max %9.3f ms"
	       "  n %zu\n", n_writers, what, percentile(s, 50),
	       percentile(s, 95), s->v[s->n - 1], s->n);
}

/* The floor: R read-only snapshots of the volume, deleted untimed. */
static int
time_bare_snapshots(const char *mnt, unsigned cycles, struct samples *out)
{
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

struct cycle {
	vss_id set_id;
	double cycle_ms;
	double do_snapshot_ms;
	double vssd_window_ms;
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
	    vss_requester_set_timings(r, &t) == 0)
		c->vssd_window_ms = t.freeze_window_ms;
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
start_writers(struct fx *fx, unsigned n)
{
	unsigned i;
	int r;

	/* Start them all, then wait: they connect in parallel. */
	for (i = 0; i < n; i++) {
		struct fx_writer_opts o = {.no_wait = true};
		struct fx_writer *w;
		char name[64];

		snprintf(name, sizeof(name), "bench-%u-%u", n, i);
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
run_count(struct fx *fx, const char *mnt, unsigned n_writers,
	  unsigned n_cycles)
{
	struct samples window = {0}, per_writer = {0}, cycle = {0};
	struct samples dss = {0}, vssd = {0}, bare = {0};
	struct cycle *cycles;
	unsigned c;
	int r;

	cycles = calloc(n_cycles, sizeof(*cycles));
	if (!cycles)
		return -ENOMEM;
	r = time_bare_snapshots(mnt, n_cycles, &bare);
	if (r < 0)
		goto out;
	r = start_writers(fx, n_writers);
	if (r < 0)
		goto out;
	for (c = 0; c < n_cycles; c++) {
		struct fx_backup b = {
			.socket = fx->socket,
			.volumes = {mnt},
			.n_volumes = 1,
			.hook = timings_hook,
			.userdata = &cycles[c],
		};
		uint64_t t0 = fx_now_ns();

		r = fx_backup_run(&b);
		if (r != 0) {
			fprintf(stderr, PROG ": cycle %u with %u writers: %s "
				"at %s\n", c, n_writers, vss_strerror(r),
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
		if (r < 0)
			goto out;
	}
	print_stat(n_writers, "btrfs snapshot (floor)", &bare);
	print_stat(n_writers, "freeze window (writers)", &window);
	print_stat(n_writers, "freeze window per writer", &per_writer);
	print_stat(n_writers, "freeze window (vssd)", &vssd);
	print_stat(n_writers, "do_snapshot_set", &dss);
	print_stat(n_writers, "create cycle", &cycle);
	fflush(stdout);
out:
	fx_writers_stop_all(fx);
	free(window.v);
	free(per_writer.v);
	free(cycle.v);
	free(dss.v);
	free(vssd.v);
	free(bare.v);
	free(cycles);
	return r;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: " PROG " [-r CYCLES] [WRITERS...]\n"
		   "  WRITERS  writer counts, default 1 16 64 256 (at most "
		   "%d)\n"
		   "  -r       backups per writer count, default %d\n",
		FX_MAX_WRITERS, DEFAULT_CYCLES);
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
	unsigned max_count = 0, i;
	struct fx_vssd_config cfg = {0};
	struct fx *fx = NULL;
	const char *mnt, *why;
	int opt, r;

	while ((opt = getopt(argc, argv, "hr:")) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return 0;
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
	why = fx_unavailable();
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
	r = fx_add_volume(fx, 1024, &mnt);
	if (r < 0)
		goto fail;
	r = fx_start_vssd(fx, &cfg);
	if (r < 0)
		goto fail;

	printf("# " PROG ": %u backups per writer count, all writers "
	       "front_end, one btrfs volume on a loop device\n", cycles);
	printf("# freeze window: first freeze received .. last thaw "
	       "received (writer logs, CLOCK_MONOTONIC)\n");
	fflush(stdout);
	for (i = 0; i < n_counts; i++) {
		r = run_count(fx, mnt, counts[i], cycles);
		if (r < 0)
			goto fail;
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
