/*
 * tests/integration/test_exec_freeze.c - the exec provider and the freeze
 * path end to end through a real vssd, with the provider of
 * examples/exec-provider: shadow copies of ext4 and xfs file systems that
 * live in loop-mounted image files on an xfs file system with reflink,
 * made by cloning the image (cp --reflink=always) while vssd holds the
 * volumes frozen with FIFREEZE.
 *
 * Provider selection (PV-010), exposure (SN-030..SN-033), auto-release
 * (SN-020), the freeze around commit (PV-024), the freeze journal after a
 * kill -9 of vssd, the watchdog (BK-062), a failing commit (PV-020,
 * PV-031), and persistent shadow copies reconciled through the provider's
 * list at start (kept when the list fails) and deleted through its
 * delete command (SN-021).
 *
 * Under the fixture's directory:
 *
 *   host.img        xfs, reflink=1, mounted at host/
 *   host/ext4.img   ext4, mounted at ext4/
 *   host/xfs.img    xfs, mounted at xfs/
 *   host/.vss-shadows/   where the example provider puts its copies
 *   host/.vss-shadows.away/   the same, moved aside by one test
 *   expose/         an empty directory to expose shadow copies at
 *   bin/            the test's own provider commands
 *
 * Each test starts vssd with the provider configured for it (providers
 * are set up at start only) and stops it after.  The three file systems
 * are the fixture's volumes, the host added first, so its cleanup on
 * every path keeps the order they need: vssd stopped (or killed),
 * volumes thawed, exposures unmounted, the inner volumes unmounted before
 * the host, loops detached.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <vss/requester.h>

#include "check.h"
#include "fixture.h"

/* The id of the configured exec provider. */
#define PROVIDER_ID "3f6b2d0e-9a41-4c57-8e12-7d5a0c9b4e63"
#define PROVIDER_NAME "itest-reflink"

#define HOST_MB 1024
#define EXT4_MB 64
#define XFS_MB 320  /* mkfs.xfs wants 300 MB at least */

/* Bounds on waiting for vssd to finish something in the background. */
#define SETTLE_MS 10000
/* How long the watchdog may take to thaw, at most (BK-062). */
#define THAW_WAIT_MS 20000

/* The directories vssd's commands search (exec.c's fixed PATH). */
static const char *const tool_dirs[] = {"/usr/sbin", "/usr/bin", "/sbin",
					"/bin"};

static struct fx *fx;
static vss_id provider_id;
static char examples[PATH_MAX];  /* examples/exec-provider */
static char root[PATH_MAX];      /* the fixture's directory, resolved */
/* The fixture's volumes; borrowed: valid until fx_free(). */
static struct fx_volume *host, *ext4, *xfs;
static char shadows[PATH_MAX];   /* host/.vss-shadows */
static char shadows_away[PATH_MAX]; /* where a test moves it aside */
static char expose_dir[PATH_MAX];
static char bin_dir[PATH_MAX];
/* The configuration of the running test, for restarts. */
static struct fx_vssd_config vssd_cfg;
static char vssd_extra[4096];

/* ---- programs ----------------------------------------------------------- */

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

static bool
find_tool(const char *name, char *out, size_t size)
{
	size_t i;

	for (i = 0; i < sizeof(tool_dirs) / sizeof(tool_dirs[0]); i++) {
		snprintf(out, size, "%s/%s", tool_dirs[i], name);
		if (access(out, X_OK) == 0)
			return true;
	}
	return false;
}

/* Why this test cannot run here, or NULL. */
static const char *
unavailable(void)
{
	/* The fixture makes the file systems (no btrfs). */
	static const char *const mkfs[] = {"mkfs.xfs", "mkfs.ext4", NULL};
	/* What the example scripts and our commands run. */
	static const char *const tools[] = {
		"losetup", "fsfreeze", "mountpoint", "mount", "umount", "cp",
		"stat", "sleep",
	};
	static char why[128];
	const char *dir = getenv("VSS_EXEC_PROVIDER_DIR");
	char path[PATH_MAX];
	const char *base;
	size_t i;

	base = fx_unavailable_with(mkfs);
	if (base)
		return base;
	for (i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
		if (!find_tool(tools[i], path, sizeof(path))) {
			snprintf(why, sizeof(why), "no %s in /usr/sbin, "
				 "/usr/bin, /sbin or /bin", tools[i]);
			return why;
		}
	}
	if (!dir || snprintf(path, sizeof(path), "%s/commit", dir) >=
			    (int)sizeof(path) ||
	    access(path, X_OK) < 0)
		return "$VSS_EXEC_PROVIDER_DIR does not name "
		       "examples/exec-provider";
	return NULL;
}

/* The executable script bin/name, its text made from format. */
static int __attribute__((format(printf, 2, 3)))
write_script(const char *name, const char *format, ...)
{
	char path[PATH_MAX + 64], text[4 * PATH_MAX];
	va_list ap;
	size_t len;
	FILE *f;
	bool ok;
	int n;

	va_start(ap, format);
	n = vsnprintf(text, sizeof(text), format, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(text) ||
	    fmt(path, sizeof(path), "%s/%s", bin_dir, name) < 0)
		return -ENAMETOOLONG;
	len = (size_t)n;
	f = fopen(path, "we");
	if (!f)
		return -errno;
	ok = fwrite(text, 1, len, f) == len;
	if (fclose(f) != 0 || !ok || chmod(path, 0755) < 0)
		return -EIO;
	return 0;
}

/*
 * The test's provider commands: list (the example's, counting its runs,
 * failing with a message while host/list.fail exists);
 * probe VOLUME... (appends "frozen VOLUME" or "thawed VOLUME" for each to
 * host/probe.log); commit-probe (the example's commit after probing both
 * volumes); commit-hang SECONDS (probes its volume, writes its pid to
 * host/in-commit, then sleeps); commit-fail (fails with a message).
 */
static int
write_scripts(void)
{
	int r;

	r = write_script("list",
			 "#!/bin/sh\n"
			 "echo run >>'%s/list.runs'\n"
			 "if [ -e '%s/list.fail' ]; then\n"
			 "\techo 'itest: list refused on purpose' >&2\n"
			 "\texit 1\n"
			 "fi\n"
			 "exec '%s/list' '%s'\n",
			 host->mnt, host->mnt, examples, host->mnt);
	/*
	 * fsfreeze fails with EBUSY on a frozen file system; one that is
	 * not frozen it freezes, so it is thawed again at once.
	 */
	if (r == 0)
		r = write_script("probe",
				 "#!/bin/sh\n"
				 "for v in \"$@\"; do\n"
				 "\tif out=$(fsfreeze --freeze \"$v\" 2>&1); "
				 "then\n"
				 "\t\tfsfreeze --unfreeze \"$v\"\n"
				 "\t\techo \"thawed $v\"\n"
				 "\telse\n"
				 "\t\tcase $out in\n"
				 "\t\t*'Device or resource busy'*) "
				 "echo \"frozen $v\" ;;\n"
				 "\t\t*) echo \"error $v: $out\" ;;\n"
				 "\t\tesac\n"
				 "\tfi\n"
				 "done >>'%s/probe.log'\n",
				 host->mnt);
	if (r == 0)
		r = write_script("commit-probe",
				 "#!/bin/sh\n"
				 "'%s/probe' '%s' '%s'\n"
				 "exec '%s/commit'\n",
				 bin_dir, ext4->mnt, xfs->mnt, examples);
	/* $$ stays the pid through the execs: vssd's child itself. */
	if (r == 0)
		r = write_script("commit-hang",
				 "#!/bin/sh\n"
				 "'%s/probe' \"$VSS_VOLUME\"\n"
				 "echo $$ >'%s/in-commit.tmp'\n"
				 "mv '%s/in-commit.tmp' '%s/in-commit'\n"
				 "exec sleep \"$1\"\n",
				 bin_dir, host->mnt, host->mnt, host->mnt);
	if (r == 0)
		r = write_script("commit-fail",
				 "#!/bin/sh\n"
				 "echo 'itest2: commit refused on purpose' "
				 ">&2\n"
				 "exit 3\n");
	return r;
}

/*
 * A fixture volume of size_mb MiB made by mkfs: the image at
 * <root>/<image>, mounted at <root>/<mnt>.
 */
static int
add_volume(const char *image, const char *mnt, unsigned size_mb,
	   const char *fstype, const char *const *mkfs,
	   struct fx_volume **ret)
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

/* The xfs host with reflink, the ext4 and xfs volumes in it, the dirs. */
static int
host_setup(void)
{
	static const char *const mkfs_host[] = {"mkfs.xfs", "-q", "-f", "-m",
						"reflink=1", NULL};
	static const char *const mkfs_xfs[] = {"mkfs.xfs", "-q", "-f", NULL};
	/* No lazy init: no background writes on the volume after mount. */
	static const char *const mkfs_ext4[] = {
		"mkfs.ext4", "-q", "-F", "-E",
		"lazy_itable_init=0,lazy_journal_init=0", NULL};
	int r;

	/* Resolved: the scripts compare the paths they are given. */
	if (!realpath(fx->dir, root) ||
	    !realpath(getenv("VSS_EXEC_PROVIDER_DIR"), examples))
		return -errno;
	/* The host first: the fixture releases it last. */
	r = add_volume("host.img", "host", HOST_MB, "xfs", mkfs_host, &host);
	if (r == 0)
		r = add_volume("host/ext4.img", "ext4", EXT4_MB, "ext4",
			       mkfs_ext4, &ext4);
	if (r == 0)
		r = add_volume("host/xfs.img", "xfs", XFS_MB, "xfs", mkfs_xfs,
			       &xfs);
	if (r < 0)
		return r;
	if (fmt(shadows, sizeof(shadows), "%s/.vss-shadows", host->mnt) < 0 ||
	    fmt(shadows_away, sizeof(shadows_away), "%s.away", shadows) < 0 ||
	    fmt(expose_dir, sizeof(expose_dir), "%s/expose", root) < 0 ||
	    fmt(bin_dir, sizeof(bin_dir), "%s/bin", root) < 0)
		return -ENAMETOOLONG;
	if (mkdir(expose_dir, 0755) < 0 || mkdir(bin_dir, 0755) < 0)
		return -errno;
	return write_scripts();
}

/* ---- vssd with the provider --------------------------------------------- */

struct provider_opts {
	const char *commit;        /* its command; NULL: the example's */
	/* [vssd] commit_timeout_ms; 0: 30 s, room for a loaded machine */
	unsigned vssd_commit_ms;
	unsigned command_commit_ms; /* the provider's; 0: its default */
	unsigned freeze_ms;        /* freeze window; 0: 30 s */
};

/* Start vssd with the exec provider for the ext4 and xfs volumes. */
static void
start_vssd(const struct provider_opts *o)
{
	char commit[PATH_MAX + 16], command_timeout[64] = "";

	assert_ok(fmt(commit, sizeof(commit), "%s/commit", examples));
	if (o->command_commit_ms)
		snprintf(command_timeout, sizeof(command_timeout),
			 "commit_timeout_ms = %u\n", o->command_commit_ms);
	/* [vssd] keys first, then the provider's section. */
	assert_ok(fmt(vssd_extra, sizeof(vssd_extra),
		      "commit_timeout_ms = %u\n"
		      "[provider " PROVIDER_NAME "]\n"
		      "id = " PROVIDER_ID "\n"
		      "type = software\n"
		      "volumes = %s %s\n"
		      "freeze = yes\n"
		      "is_supported = %s/is-supported\n"
		      "prepare = %s/prepare\n"
		      "commit = %s\n"
		      "delete = %s/delete\n"
		      "expose = %s/expose\n"
		      "unexpose = %s/unexpose\n"
		      "list = %s/list\n"
		      "%s",
		      o->vssd_commit_ms ? o->vssd_commit_ms : 30000, ext4->mnt,
		      xfs->mnt, examples, examples,
		      o->commit ? o->commit : commit, examples, examples,
		      examples, bin_dir, command_timeout));
	memset(&vssd_cfg, 0, sizeof(vssd_cfg));
	vssd_cfg.freeze_timeout_ms = o->freeze_ms ? o->freeze_ms : 30000;
	vssd_cfg.extra = vssd_extra;
	assert_ok(fx_start_vssd(fx, &vssd_cfg));
}

/* Start vssd again with the configuration of the running test. */
static void
restart_vssd(void)
{
	assert_ok(fx_start_vssd(fx, &vssd_cfg));
}

/* ---- probes --------------------------------------------------------------- */

/*
 * 1 when the file system mounted at mnt is frozen, 0 when not, -errno on
 * error.  FIFREEZE fails with EBUSY on a frozen file system; on one that
 * was not frozen it succeeds and is undone at once.
 */
static int
frozen(const char *mnt)
{
	int fd, r;

	fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, FIFREEZE, 0) == 0) {
		r = ioctl(fd, FITHAW, 0) == 0 ? 0 : -errno;
	} else {
		r = errno == EBUSY ? 1 : -errno;
	}
	close(fd);
	return r;
}

/* The whole of dir/name into buf; false if it cannot be read. */
static bool
read_file_at(const char *dir, const char *name, char *buf, size_t size)
{
	char path[PATH_MAX * 2];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return true;
}

/* Lines of host/name holding text (0 when there is no such file). */
static int
count_lines(const char *name, const char *text)
{
	char path[PATH_MAX * 2], line[PATH_MAX * 2];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", host->mnt, name);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, text))
			n++;
	fclose(f);
	return n;
}

/* Lines "what mnt" in host/probe.log, written by the probe command. */
static int
probed(const char *what, const char *mnt)
{
	char line[PATH_MAX + 16];

	if (fmt(line, sizeof(line), "%s %s\n", what, mnt) < 0)
		return -ENAMETOOLONG;
	return count_lines("probe.log", line);
}

/* Files in the shadow copy directory (copies, half-made or not). */
static int
copies_left(char *first, size_t size)
{
	struct dirent *de;
	int n = 0;
	DIR *d;

	if (first && size)
		first[0] = '\0';
	d = opendir(shadows);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (n++ == 0 && first)
			snprintf(first, size, "%s", de->d_name);
	}
	closedir(d);
	return n;
}

/* Set records in <state dir>/sets (not those moved aside). */
static int
records_left(void)
{
	char path[PATH_MAX];
	struct dirent *de;
	size_t len;
	int n = 0;
	DIR *d;

	if (fmt(path, sizeof(path), "%s/sets", fx->state_dir) < 0)
		return -ENAMETOOLONG;
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		len = strlen(de->d_name);
		if (len > 5 && strcmp(de->d_name + len - 5, ".json") == 0)
			n++;
	}
	closedir(d);
	return n;
}

/* Wait until no shadow copy file and no set record is left. */
static void
assert_nothing_left(void)
{
	uint64_t end = fx_now_ns() + SETTLE_MS * 1000000ull;
	char first[256];
	int copies, records;

	for (;;) {
		copies = copies_left(first, sizeof(first));
		records = records_left();
		if ((copies == 0 && records == 0) || fx_now_ns() >= end)
			break;
		fx_sleep_ms(20);
	}
	if (copies != 0)
		fail_msg("%d file(s) left in '%s', first '%s'", copies,
			 shadows, copies > 0 ? first : "?");
	assert_int_equal(records, 0);
}

static off_t
log_size(void)
{
	struct stat st;

	return stat(fx->vssd_log, &st) == 0 ? st.st_size : 0;
}

/* Does vssd's log, from offset from on, hold text? */
static bool
log_has_since(off_t from, const char *text)
{
	char line[2048];
	bool found = false;
	FILE *f;

	f = fopen(fx->vssd_log, "re");
	if (!f)
		return false;
	if (fseeko(f, from, SEEK_SET) == 0)
		while (!found && fgets(line, sizeof(line), f))
			found = strstr(line, text) != NULL;
	fclose(f);
	return found;
}

/* Wait up to SETTLE_MS for text in the log from from on. */
static void
assert_logged(off_t from, const char *text)
{
	uint64_t end = fx_now_ns() + SETTLE_MS * 1000000ull;

	while (!log_has_since(from, text)) {
		if (fx_now_ns() >= end)
			fail_msg("vssd's log '%s' lacks '%s'", fx->vssd_log,
				 text);
		fx_sleep_ms(20);
	}
}

/* The shadow copies of every context that vssd knows (SN-010). */
static size_t
query_all(struct vss_snapshot_prop **ret)
{
	struct vss_snapshot_prop *p = NULL;
	vss_requester *r;
	size_t n = 0;

	assert_ok(fx_requester_new(fx, VSS_CTX_ALL, &r));
	assert_ok(vss_requester_query_snapshots(r, NULL, NULL, NULL, &p, &n));
	vss_requester_free(r);
	if (ret)
		*ret = p;
	else
		vss_snapshot_props_free(p, n);
	return n;
}

/* pid still runs (a zombie does not). */
static bool
process_runs(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	bool runs = false;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	/* pid (comm) state ...: comm may hold anything but ends at ')'. */
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
		runs = p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
	fclose(f);
	return runs;
}

/* The pid commit-hang wrote when it started, or 0 if it has not. */
static pid_t
commit_pid(void)
{
	char buf[32];

	if (!read_file_at(host->mnt, "in-commit", buf, sizeof(buf)))
		return 0;
	return (pid_t)atoi(buf);
}

static void
assert_process_ends(pid_t pid)
{
	uint64_t end = fx_now_ns() + SETTLE_MS * 1000000ull;

	while (process_runs(pid)) {
		if (fx_now_ns() >= end)
			fail_msg("process %d still runs", (int)pid);
		fx_sleep_ms(20);
	}
}

/* ---- backups -------------------------------------------------------------- */

/* Set the context given in userdata right after initialize. */
static int
context_hook(struct fx_backup *b, enum fx_step step, bool done,
	     vss_requester *r)
{
	const int32_t *context = b->userdata;

	if (step == FX_STEP_INITIALIZE && done)
		return vss_requester_set_context(r, *context);
	return 0;
}

static void
run_backup(struct fx_backup *b)
{
	int rc;

	b->socket = fx->socket;
	rc = fx_backup_run(b);
	if (rc != 0)
		fail_msg("backup failed with %s at %s", status_text(rc),
			 fx_step_name(b->failed_step));
}

/* The path the example provider gives the shadow copy id. */
static void
copy_path(const vss_id *id, char *buf, size_t size)
{
	char text[VSS_ID_STRLEN];

	vss_id_format(id, text);
	snprintf(buf, size, "%s/%s.img", shadows, text);
}

/*
 * The shadow copy id of volume in set set_id: made by the exec provider,
 * chosen without being named (PV-010), a clone of the volume's image
 * (SN-011: properties once the set is made).  *ret borrowed from r.
 */
static void
check_shadow(vss_requester *r, const vss_id *id, const vss_id *set_id,
	     const struct fx_volume *volume, struct vss_snapshot_prop *ret)
{
	struct vss_snapshot_prop p;
	char want[PATH_MAX + 64];
	struct stat st, img;

	assert_ok(vss_requester_get_snapshot_properties(r, id, &p));
	assert_true(vss_id_equal(&p.snapshot_id, id));
	assert_true(vss_id_equal(&p.snapshot_set_id, set_id));
	assert_string_equal(p.original_volume, volume->mnt);
	assert_int_equal(p.state, 12); /* VSS_SS_CREATED */
	assert_true(vss_id_equal(&p.provider_id, &provider_id));
	copy_path(id, want, sizeof(want));
	assert_non_null(p.device);
	assert_string_equal(p.device, want);
	assert_int_equal(stat(want, &st), 0);
	assert_int_equal(stat(volume->image, &img), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_size, img.st_size);
	if (ret)
		*ret = p;
}

/* ---- the tests ------------------------------------------------------------ */

/*
 * A backup of the ext4 volume with a writer on it: the exec provider is
 * chosen for it (PV-010); its shadow copy is a clone of the volume's
 * image; exposed read-only at an empty directory by the provider's expose
 * command (SN-030, SN-032), it holds what was written before the set and
 * not what came after; it is unexposed (SN-033), and deleted when the
 * requester goes (SN-020, auto-release).
 */
static void
test_backup_expose_release(void **state)
{
	static const int32_t context = VSS_CTX_BACKUP;
	struct fx_writer_opts wo = {.name = "exec-mark", .level = "front_end"};
	struct fx_backup b = {
		.volumes = {ext4->mnt},
		.n_volumes = 1,
		.keep = true,
		.hook = context_hook,
		.userdata = (void *)&context,
	};
	char data[PATH_MAX + 8], component[PATH_MAX + 16], buf[256];
	char snap_data[PATH_MAX + 16], copy[PATH_MAX + 64];
	struct vss_snapshot_prop p, *q = NULL;
	struct statvfs sv;
	struct fx_writer *w;
	char *name = NULL;
	size_t n = 0;
	int fd;

	start_vssd(&(struct provider_opts){0});
	snprintf(data, sizeof(data), "%s/data", ext4->mnt);
	assert_true(mkdir(data, 0755) == 0 || errno == EEXIST);
	snprintf(component, sizeof(component), "data=%s", data);
	wo.component = component;
	wo.marker_dir = data;
	assert_ok(fx_writer_start(fx, &wo, &w));
	write_file_at(ext4->mnt, "before-set", "written before the set\n");

	run_backup(&b);
	check_shadow(b.requester, &b.snapshot_ids[0], &b.set_id, ext4, &p);
	assert_int_equal(p.attributes & VSS_VOLSNAP_ATTR_PERSISTENT, 0);
	assert_true(vss_requester_application_consistent(b.requester));
	copy_path(&b.snapshot_ids[0], copy, sizeof(copy));

	/* After the set: on the volume, not in the shadow copy. */
	assert_ok(fx_writer_wait_count(w, "thaw", 1, SETTLE_MS));
	assert_true(path_exists(data, "after-thaw"));
	write_file_at(ext4->mnt, "after-set", "written after the set\n");

	/* SN-030: locally, at an existing empty directory. */
	assert_ok(vss_requester_expose_snapshot(b.requester, &b.snapshot_ids[0],
						expose_dir, &name));
	assert_non_null(name);
	assert_string_equal(name, expose_dir);
	free(name);
	assert_true(fx_is_mount_point(expose_dir));
	assert_ok(vss_requester_query_snapshots(b.requester, &b.snapshot_ids[0],
						NULL, NULL, &q, &n));
	assert_int_equal(n, 1);
	assert_non_null(q[0].exposed_name);
	assert_string_equal(q[0].exposed_name, expose_dir);
	assert_true(q[0].attributes & VSS_VOLSNAP_ATTR_EXPOSED_LOCALLY);
	vss_snapshot_props_free(q, n);

	/* The point in time: the writer's freeze marker, not its thaw one. */
	assert_true(read_file_at(expose_dir, "before-set", buf, sizeof(buf)));
	assert_string_equal(buf, "written before the set\n");
	snprintf(snap_data, sizeof(snap_data), "%s/data", expose_dir);
	assert_true(path_exists(snap_data, "before-freeze"));
	assert_false(path_exists(snap_data, "after-thaw"));
	assert_false(path_exists(expose_dir, "after-set"));
	/* SN-032: read-only. */
	assert_int_equal(statvfs(expose_dir, &sv), 0);
	assert_true(sv.f_flag & ST_RDONLY);
	assert_ok(fmt(snap_data, sizeof(snap_data), "%s/new", expose_dir));
	fd = open(snap_data, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_int_equal(fd, -1);
	assert_int_equal(errno, EROFS);

	/* SN-033 */
	assert_ok(vss_requester_unexpose_snapshot(b.requester,
						  &b.snapshot_ids[0]));
	assert_false(fx_is_mount_point(expose_dir));
	assert_false(path_exists(expose_dir, "before-set"));
	assert_status(vss_requester_unexpose_snapshot(b.requester,
						      &b.snapshot_ids[0]),
		      VSS_E_OBJECT_NOT_FOUND);
	assert_int_equal(access(copy, F_OK), 0);

	/* SN-020: auto-release, the copy goes with the requester. */
	vss_requester_free(b.requester);
	assert_nothing_left();
	assert_int_equal(query_all(NULL), 0);
}

/*
 * PV-024: while the commit commands run, both volumes of the set are
 * frozen (each command probes both); afterwards both are thawed and
 * writable.  The xfs clone, exposed with nouuid and norecovery, holds
 * what was written before the set.
 */
static void
test_commit_runs_frozen(void **state)
{
	struct fx_backup b = {
		.volumes = {ext4->mnt, xfs->mnt},
		.n_volumes = 2,
		.keep = true,
	};
	char commit[PATH_MAX + 32], buf[128];
	char *name = NULL;

	snprintf(commit, sizeof(commit), "exec %s/commit-probe", bin_dir);
	start_vssd(&(struct provider_opts){.commit = commit});
	write_file_at(xfs->mnt, "xfs-before", "on xfs before the set\n");

	run_backup(&b);
	check_shadow(b.requester, &b.snapshot_ids[0], &b.set_id, ext4, NULL);
	check_shadow(b.requester, &b.snapshot_ids[1], &b.set_id, xfs, NULL);

	/* One commit per volume, each saw both frozen, nothing else. */
	assert_int_equal(probed("frozen", ext4->mnt), 2);
	assert_int_equal(probed("frozen", xfs->mnt), 2);
	assert_int_equal(count_lines("probe.log", ""), 4);

	/* Thawed once the set is made, and writable. */
	assert_int_equal(frozen(ext4->mnt), 0);
	assert_int_equal(frozen(xfs->mnt), 0);
	write_file_at(ext4->mnt, "after-freeze", "writable again\n");
	write_file_at(xfs->mnt, "after-freeze", "writable again\n");

	assert_ok(vss_requester_expose_snapshot(b.requester, &b.snapshot_ids[1],
						expose_dir, &name));
	free(name);
	assert_true(read_file_at(expose_dir, "xfs-before", buf, sizeof(buf)));
	assert_string_equal(buf, "on xfs before the set\n");
	assert_false(path_exists(expose_dir, "after-freeze"));
	assert_ok(vss_requester_unexpose_snapshot(b.requester,
						  &b.snapshot_ids[1]));
	assert_false(fx_is_mount_point(expose_dir));

	vss_requester_free(b.requester);
	assert_nothing_left();
}

/*
 * kill -9 of vssd while its commit holds the ext4 volume frozen: the
 * volume stays frozen (nothing else thaws it) and the freeze journal
 * names it; vssd's next start thaws it before it accepts connections and
 * removes the journal, and the shadow copy of the set that was being made
 * is gone too (its record is recovered).
 */
static void
test_kill_while_frozen(void **state)
{
	static const struct vss_backup_state full = {
		.select_components = false,
		.backup_type = VSS_BT_FULL,
	};
	char commit[PATH_MAX + 32], journal[PATH_MAX + 16], text[4096];
	char thawed[PATH_MAX + 16];
	uint64_t end;
	vss_requester *r;
	vss_async *a;
	vss_id set_id, snap_id;
	off_t log_from;
	pid_t pid;

	snprintf(commit, sizeof(commit), "exec %s/commit-hang 60", bin_dir);
	snprintf(journal, sizeof(journal), "%s/frozen.json", fx->state_dir);
	/* Nothing may end the commit but the kill: every bound far off. */
	start_vssd(&(struct provider_opts){
		.commit = commit,
		.vssd_commit_ms = 120000,
		.command_commit_ms = 120000,
		.freeze_ms = 120000,
	});

	assert_ok(vss_requester_new(&r, fx->socket));
	assert_ok(vss_requester_initialize_for_backup(r, NULL));
	assert_ok(vss_requester_set_backup_state(r, &full));
	assert_ok(vss_requester_gather_writer_metadata(r, &a));
	assert_ok(fx_async_finish(a, 30000));
	assert_ok(vss_requester_start_snapshot_set(r, &set_id));
	assert_ok(vss_requester_add_to_snapshot_set(r, ext4->mnt, NULL,
						    &snap_id));
	assert_ok(vss_requester_prepare_for_backup(r, &a));
	assert_ok(fx_async_finish(a, 30000));
	assert_ok(vss_requester_do_snapshot_set(r, &a));

	end = fx_now_ns() + 30000 * 1000000ull;
	while ((pid = commit_pid()) == 0) {
		if (vss_async_wait(a, 0) == 0)
			fail_msg("do_snapshot_set ended before its commit "
				 "ran: %s", status_text(fx_async_finish(a, 0)));
		if (fx_now_ns() >= end)
			fail_msg("the commit command did not start");
		fx_sleep_ms(10);
	}
	assert_int_equal(probed("frozen", ext4->mnt), 1);
	assert_int_equal(frozen(ext4->mnt), 1);

	log_from = log_size();
	assert_true(fx_kill_vssd(fx) >= 0);
	/* The journal names the frozen file system; nothing thawed it. */
	assert_true(read_file_at(fx->state_dir, "frozen.json", text,
				 sizeof(text)));
	assert_non_null(strstr(text, ext4->mnt));
	assert_int_equal(frozen(ext4->mnt), 1);
	/* vssd's command died with it (PR_SET_PDEATHSIG). */
	assert_process_ends(pid);
	/* The requester lost its daemon: the set failed. */
	assert_true(fx_async_finish(a, 10000) != 0);
	vss_requester_free(r);

	/* Thawed before the socket accepts connections. */
	restart_vssd();
	assert_int_equal(frozen(ext4->mnt), 0);
	assert_int_equal(access(journal, F_OK), -1);
	assert_int_equal(errno, ENOENT);
	snprintf(thawed, sizeof(thawed), "thawed '%s'", ext4->mnt);
	assert_logged(log_from, thawed);
	assert_nothing_left();
	assert_int_equal(query_all(NULL), 0);
	write_file_at(ext4->mnt, "after-recovery", "writable again\n");
}

/*
 * BK-062: a commit that outlasts commit_timeout_ms fails the set with
 * VSS_E_HOLD_WRITES_TIMEOUT, and the watchdog thaws the volume while the
 * command still runs.  Once the late command ends, nothing is left.
 */
static void
test_watchdog_thaws(void **state)
{
	struct fx_backup b = {
		.volumes = {ext4->mnt},
		.n_volumes = 1,
		.keep = true,
	};
	char commit[PATH_MAX + 32];
	uint64_t end;
	pid_t pid;
	int rc, fr;

	snprintf(commit, sizeof(commit), "exec %s/commit-hang 30", bin_dir);
	/* The command's own deadline is far off: only the watchdog thaws. */
	start_vssd(&(struct provider_opts){
		.commit = commit,
		.vssd_commit_ms = 1500,
		.command_commit_ms = 120000,
		.freeze_ms = 60000,
	});

	b.socket = fx->socket;
	rc = fx_backup_run(&b);
	assert_int_equal(b.failed_step, FX_STEP_DO_SNAPSHOT_SET);
	assert_status(rc, VSS_E_HOLD_WRITES_TIMEOUT);
	pid = commit_pid();
	assert_true(pid > 0);
	assert_int_equal(probed("frozen", ext4->mnt), 1);

	end = fx_now_ns() + THAW_WAIT_MS * 1000000ull;
	while ((fr = frozen(ext4->mnt)) == 1 && fx_now_ns() < end)
		fx_sleep_ms(50);
	assert_int_equal(fr, 0);
	/* The command sleeps 30 s: it was not its end that thawed. */
	assert_true(process_runs(pid));
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_process_ends(pid);

	assert_ok(vss_requester_abort_backup(b.requester));
	vss_requester_free(b.requester);
	assert_nothing_left();
	assert_int_equal(query_all(NULL), 0);
	write_file_at(ext4->mnt, "after-watchdog", "writable again\n");
}

/*
 * PV-020: a commit command that fails (exit 3) vetoes the set: the
 * writer gets abort, nothing stays frozen, nothing is left; PV-031: what
 * the command wrote to stderr reaches vssd's log (after the thaw).
 */
static void
test_commit_failure_aborts(void **state)
{
	struct fx_writer_opts wo = {.name = "exec-abort", .level = "front_end"};
	struct fx_backup b = {
		.volumes = {ext4->mnt},
		.n_volumes = 1,
	};
	char commit[PATH_MAX + 32], data[PATH_MAX + 8];
	char component[PATH_MAX + 16];
	struct fx_writer *w;
	off_t log_from;
	int rc;

	snprintf(commit, sizeof(commit), "exec %s/commit-fail", bin_dir);
	start_vssd(&(struct provider_opts){.commit = commit});
	snprintf(data, sizeof(data), "%s/data", ext4->mnt);
	assert_true(mkdir(data, 0755) == 0 || errno == EEXIST);
	snprintf(component, sizeof(component), "data=%s", data);
	wo.component = component;
	assert_ok(fx_writer_start(fx, &wo, &w));
	log_from = log_size();

	b.socket = fx->socket;
	rc = fx_backup_run(&b);
	assert_int_equal(b.failed_step, FX_STEP_DO_SNAPSHOT_SET);
	assert_status(rc, VSS_E_PROVIDER_VETO);
	assert_ok(fx_writer_wait_count(w, "abort", 1, SETTLE_MS));
	assert_int_equal(fx_writer_count(w, "freeze"), 1);
	assert_int_equal(fx_writer_count(w, "post_snapshot"), 0);

	assert_int_equal(frozen(ext4->mnt), 0);
	assert_nothing_left();
	assert_int_equal(query_all(NULL), 0);
	assert_logged(log_from, "itest2: commit refused on purpose");
}

/*
 * Persistent shadow copies of the exec provider (VSS_CTX_APP_ROLLBACK)
 * outlive their requester and vssd's restarts (SN-020); at start vssd
 * reconciles them with the provider's list, so one removed behind its
 * back is dropped; deleting the other runs the provider's delete command
 * (SN-021): its copy is gone.
 */
static void
test_persistent_reconciled(void **state)
{
	static const int32_t context = VSS_CTX_APP_ROLLBACK;
	struct fx_backup b = {
		.volumes = {ext4->mnt, xfs->mnt},
		.n_volumes = 2,
		.keep = true,
		.hook = context_hook,
		.userdata = (void *)&context,
	};
	char copies[2][PATH_MAX + 64], base[PATH_MAX + 64], xfs_id[VSS_ID_STRLEN];
	struct vss_snapshot_prop p, *q = NULL;
	vss_id snap_ids[2], non_deleted;
	vss_requester *r;
	long deleted = -1;
	int runs;
	size_t n, i, k;
	off_t log_from;

	start_vssd(&(struct provider_opts){0});
	run_backup(&b);
	for (i = 0; i < 2; i++) {
		check_shadow(b.requester, &b.snapshot_ids[i], &b.set_id,
			     i == 0 ? ext4 : xfs, &p);
		assert_int_equal(p.attributes & (VSS_VOLSNAP_ATTR_PERSISTENT |
						 VSS_VOLSNAP_ATTR_NO_AUTO_RELEASE),
				 VSS_VOLSNAP_ATTR_PERSISTENT |
					 VSS_VOLSNAP_ATTR_NO_AUTO_RELEASE);
		snap_ids[i] = b.snapshot_ids[i];
		copy_path(&snap_ids[i], copies[i], sizeof(copies[i]));
	}
	vss_requester_free(b.requester);

	/* Both survive the requester and a restart, listed at start. */
	runs = count_lines("list.runs", "run");
	assert_int_equal(fx_stop_vssd(fx), 0);
	restart_vssd();
	assert_true(count_lines("list.runs", "run") > runs);
	n = query_all(&q);
	assert_int_equal(n, 2);
	for (i = 0; i < 2; i++) {
		for (k = 0; k < n; k++)
			if (vss_id_equal(&q[k].snapshot_id, &snap_ids[i]))
				break;
		assert_true(k < n);
		assert_string_equal(q[k].device, copies[i]);
		assert_true(vss_id_equal(&q[k].provider_id, &provider_id));
		assert_true(q[k].attributes & VSS_VOLSNAP_ATTR_PERSISTENT);
		assert_int_equal(access(copies[i], F_OK), 0);
	}
	vss_snapshot_props_free(q, n);

	/* The xfs copy removed behind vssd's back: dropped at start. */
	snprintf(base, sizeof(base), "%.*s.volume",
		 (int)(strlen(copies[1]) - 4), copies[1]);
	assert_int_equal(unlink(copies[1]), 0);
	assert_int_equal(unlink(base), 0);
	log_from = log_size();
	assert_int_equal(fx_stop_vssd(fx), 0);
	restart_vssd();
	n = query_all(&q);
	assert_int_equal(n, 1);
	assert_true(vss_id_equal(&q[0].snapshot_id, &snap_ids[0]));
	vss_snapshot_props_free(q, n);
	vss_id_format(&snap_ids[1], xfs_id);
	assert_logged(log_from, xfs_id);
	assert_logged(log_from, "deleted behind");

	/* SN-021: the delete command removes the ext4 copy. */
	assert_ok(fx_requester_new(fx, VSS_CTX_APP_ROLLBACK, &r));
	assert_ok(vss_requester_delete_snapshots(r, &snap_ids[0],
						 VSS_OBJECT_SNAPSHOT, false,
						 &deleted, &non_deleted));
	assert_int_equal(deleted, 1);
	assert_true(vss_id_is_null(&non_deleted));
	vss_requester_free(r);
	assert_int_equal(access(copies[0], F_OK), -1);
	assert_nothing_left();
	assert_int_equal(query_all(NULL), 0);
}

/*
 * A provider whose list fails at start cannot tell which of its shadow
 * copies are gone: vssd keeps its persistent ones and their records
 * (SN-020) and logs that the list failed, rather than dropping them as
 * deleted behind its back.  Its devices cannot tell either (they need not
 * be paths, and its storage may be what is offline): here the copies are
 * moved aside while the list fails, so a check by device would drop
 * them.  Once the list works again the copy is listed as before, and
 * deleting its set runs the delete command (SN-021).
 */
static void
test_persistent_kept_when_list_fails(void **state)
{
	static const int32_t context = VSS_CTX_APP_ROLLBACK;
	struct fx_backup b = {
		.volumes = {ext4->mnt},
		.n_volumes = 1,
		.keep = true,
		.hook = context_hook,
		.userdata = (void *)&context,
	};
	char copy[PATH_MAX + 64], flag[PATH_MAX + 16];
	struct vss_snapshot_prop *q = NULL;
	vss_id snap_id, set_id, non_deleted;
	vss_requester *r;
	long deleted = -1;
	off_t log_from;
	int runs;
	size_t n;

	assert_ok(fmt(flag, sizeof(flag), "%s/list.fail", host->mnt));
	start_vssd(&(struct provider_opts){0});
	run_backup(&b);
	check_shadow(b.requester, &b.snapshot_ids[0], &b.set_id, ext4, NULL);
	snap_id = b.snapshot_ids[0];
	set_id = b.set_id;
	copy_path(&snap_id, copy, sizeof(copy));
	vss_requester_free(b.requester);
	assert_int_equal(fx_stop_vssd(fx), 0);

	/* The list fails at this start: the copy and its record are kept. */
	write_file_at(host->mnt, "list.fail", "");
	assert_int_equal(rename(shadows, shadows_away), 0);
	runs = count_lines("list.runs", "run");
	log_from = log_size();
	restart_vssd();
	assert_true(count_lines("list.runs", "run") > runs);
	assert_logged(log_from,
		      "provider " PROVIDER_NAME ": shadow copies not listed");
	assert_logged(log_from, "itest: list refused on purpose");
	n = query_all(&q);
	assert_int_equal(n, 1);
	assert_true(vss_id_equal(&q[0].snapshot_id, &snap_id));
	assert_true(vss_id_equal(&q[0].snapshot_set_id, &set_id));
	assert_true(vss_id_equal(&q[0].provider_id, &provider_id));
	assert_string_equal(q[0].device, copy);
	assert_true(q[0].attributes & VSS_VOLSNAP_ATTR_PERSISTENT);
	vss_snapshot_props_free(q, n);
	assert_int_equal(records_left(), 1);
	assert_logged(log_from, "1 persistent shadow copies in the inventory");
	assert_false(log_has_since(log_from, "deleted behind"));

	/* The list works again: the copy is listed and still known. */
	assert_int_equal(rename(shadows_away, shadows), 0);
	assert_int_equal(access(copy, F_OK), 0);
	assert_int_equal(unlink(flag), 0);
	assert_int_equal(fx_stop_vssd(fx), 0);
	log_from = log_size();
	restart_vssd();
	assert_logged(log_from, "1 persistent shadow copies in the inventory");
	assert_false(log_has_since(log_from, "shadow copies not listed"));
	assert_false(log_has_since(log_from, "orphan"));
	assert_int_equal(query_all(NULL), 1);

	/* SN-021: deleting the set runs the delete command. */
	assert_ok(fx_requester_new(fx, VSS_CTX_APP_ROLLBACK, &r));
	assert_ok(vss_requester_delete_snapshots(r, &set_id,
						 VSS_OBJECT_SNAPSHOT_SET, false,
						 &deleted, &non_deleted));
	assert_int_equal(deleted, 1);
	assert_true(vss_id_is_null(&non_deleted));
	vss_requester_free(r);
	assert_int_equal(access(copy, F_OK), -1);
	assert_int_equal(errno, ENOENT);
	assert_nothing_left();
	assert_int_equal(query_all(NULL), 0);
}

/* A [provider] section with the example's commands for one volume. */
static void
provider_section(char *buf, size_t size, const char *name, const char *id,
		 const char *volume)
{
	assert_ok(fmt(buf, size,
		      "[provider %s]\nid = %s\nvolumes = %s\nfreeze = yes\n"
		      "prepare = %s/prepare\ncommit = %s/commit\n"
		      "delete = %s/delete\nlist = %s/list\n",
		      name, id, volume, examples, examples, examples,
		      bin_dir));
}

/* vssd with the second provider, for xfs, and the first, for ext4, or not. */
static void
start_two_providers(bool with_first)
{
	char first[PATH_MAX * 4 + 256], second[PATH_MAX * 4 + 256];

	provider_section(first, sizeof(first), PROVIDER_NAME, PROVIDER_ID,
			 ext4->mnt);
	provider_section(second, sizeof(second), "itest-second",
			 "3f6b2d0e-9a41-4c57-8e12-7d5a0c9b4e64", xfs->mnt);
	assert_ok(fmt(vssd_extra, sizeof(vssd_extra),
		      "commit_timeout_ms = 30000\n%s%s",
		      with_first ? first : "", second));
	memset(&vssd_cfg, 0, sizeof(vssd_cfg));
	vssd_cfg.freeze_timeout_ms = 30000;
	vssd_cfg.extra = vssd_extra;
	assert_ok(fx_start_vssd(fx, &vssd_cfg));
}

/*
 * SN-020: a persistent set with a shadow copy of a provider taken out of
 * the configuration is not forgotten.  While that provider is missing the
 * set is not listed at all and its record stays as it was (a partial
 * listing would rewrite it without that shadow copy); configured again,
 * the whole set is back.
 */
static void
test_persistent_kept_without_provider(void **state)
{
	static const int32_t context = VSS_CTX_APP_ROLLBACK;
	struct fx_backup b = {
		.volumes = {ext4->mnt, xfs->mnt},
		.n_volumes = 2,
		.keep = true,
		.hook = context_hook,
		.userdata = (void *)&context,
	};
	char copy[PATH_MAX + 64], sets[PATH_MAX + 16], name[64];
	char before[8192], after[8192], sid[VSS_ID_STRLEN];
	vss_id non_deleted;
	vss_requester *r;
	long deleted = -1;
	off_t log_from;

	(void)state;
	start_two_providers(true);
	run_backup(&b);
	copy_path(&b.snapshot_ids[0], copy, sizeof(copy));
	vss_id_format(&b.set_id, sid);
	assert_ok(fmt(sets, sizeof(sets), "%s/sets", fx->state_dir));
	assert_ok(fmt(name, sizeof(name), "%s.json", sid));
	vss_requester_free(b.requester);
	assert_int_equal(fx_stop_vssd(fx), 0);
	assert_true(read_file_at(sets, name, before, sizeof(before)));

	/* Without the first provider: nothing listed, nothing rewritten. */
	log_from = log_size();
	start_two_providers(false);
	assert_logged(log_from, "is not configured");
	assert_int_equal(query_all(NULL), 0);
	assert_int_equal(fx_stop_vssd(fx), 0);
	assert_true(read_file_at(sets, name, after, sizeof(after)));
	assert_string_equal(before, after);
	assert_int_equal(access(copy, F_OK), 0);

	/* Both again: the whole set is back and can be deleted. */
	start_two_providers(true);
	assert_int_equal(query_all(NULL), 2);
	assert_ok(fx_requester_new(fx, context, &r));
	assert_ok(vss_requester_delete_snapshots(r, &b.set_id,
						 VSS_OBJECT_SNAPSHOT_SET, false,
						 &deleted, &non_deleted));
	assert_int_equal(deleted, 2);
	vss_requester_free(r);
	assert_int_equal(access(copy, F_OK), -1);
	assert_nothing_left();
}

/* ---- fixtures ------------------------------------------------------------- */

/*
 * After each test: vssd stopped (a clean exit is part of the test),
 * then whatever a failed test left is undone so that the next one starts
 * clean: frozen volumes, an exposure, copies, the state directory, the
 * files of the test's commands.
 */
static int
test_teardown(void **state)
{
	static const char *const files[] = {"probe.log", "in-commit",
					    "in-commit.tmp", "list.fail"};
	char path[PATH_MAX + 32];
	int st, bad = 0;
	size_t i;

	fx_writers_stop_all(fx);
	st = fx_stop_vssd(fx);
	if (st != 0) {
		fprintf(stderr, "vssd did not exit cleanly (wait status "
			"0x%x)\n", (unsigned)st);
		bad = 1;
	}
	if (frozen(ext4->mnt) != 0 || frozen(xfs->mnt) != 0) {
		fprintf(stderr, "a volume was left frozen\n");
		fx_thaw(ext4->mnt);
		fx_thaw(xfs->mnt);
		bad = 1;
	}
	if (fx_is_mount_point(expose_dir)) {
		fprintf(stderr, "an exposure was left at '%s'\n", expose_dir);
		umount2(expose_dir, MNT_DETACH);
		bad = 1;
	}
	fx_remove_tree(shadows);
	fx_remove_tree(shadows_away);
	fx_remove_tree(fx->state_dir);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (fmt(path, sizeof(path), "%s/%s", host->mnt, files[i]) == 0)
			unlink(path);
	}
	return bad ? -1 : 0;
}

static int
setup(void **state)
{
	int r;

	if (vss_id_parse(&provider_id, PROVIDER_ID) < 0 || fx_new(&fx) < 0)
		return -1;
	fx->daemon_log_to_file = true;
	r = host_setup();
	if (r < 0) {
		fprintf(stderr, "cannot set up the volumes: %s\n",
			strerror(-r));
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	fx_free(fx);
	fx = NULL;
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_backup_expose_release,
					  test_teardown),
		cmocka_unit_test_teardown(test_commit_runs_frozen,
					  test_teardown),
		cmocka_unit_test_teardown(test_kill_while_frozen,
					  test_teardown),
		cmocka_unit_test_teardown(test_watchdog_thaws, test_teardown),
		cmocka_unit_test_teardown(test_commit_failure_aborts,
					  test_teardown),
		cmocka_unit_test_teardown(test_persistent_reconciled,
					  test_teardown),
		cmocka_unit_test_teardown(test_persistent_kept_without_provider,
					  test_teardown),
		cmocka_unit_test_teardown(test_persistent_kept_when_list_fails,
					  test_teardown),
	};
	const char *why = unavailable();

	if (why) {
		printf("skipping exec provider tests: %s\n", why);
		return SKIP_STATUS;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
