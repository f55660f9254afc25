/*
 * tests/unit/test_btrfs_provider.c - the provider registry and selection
 * (BK-073, PV-010) and the btrfs provider on a real loop-mounted btrfs
 * file system (PV-020..PV-022, PV-041).  Needs root, loop devices and
 * mkfs.btrfs; skips with a message otherwise.
 *
 * The test runs in a mount namespace of its own, so its mounts go away
 * with the process however it dies; the loop device detaches itself
 * (LO_FLAGS_AUTOCLEAR) once its file system is gone, and its image is
 * unlinked as soon as it is attached.  Teardown, an atexit handler and
 * SIGINT/SIGTERM/SIGHUP undo it all explicitly as well; after SIGKILL only
 * empty directories remain.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <btrfsutil.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "provider.h"
#include "vss/status.h"

#define IMAGE_SIZE (256LL << 20)

/*
 * Fixed buffers only: cleanup() runs from a signal handler and must stay
 * async-signal-safe.
 */
static struct {
	char dir[64];
	char image[96];
	char top[96];	/* the top level, mounted */
	char sub[96];	/* subvolume "sub", mounted with subvol=sub */
	char tmpfs[96]; /* a tmpfs; its name has a space for mountinfo */
	char ro[96];	/* "sub" bound again, read-only */
	char loop[32];
	int loop_fd;
	bool mounted_top, mounted_sub, mounted_tmpfs, mounted_ro;
	const char *skip_reason;
} env = {.loop_fd = -1};

static void
unmount(const char *path, bool *mounted)
{
	if (!*mounted)
		return;
	/* Lazily if busy: the namespace ends with the process anyway. */
	if (umount2(path, 0) < 0 && errno == EBUSY)
		umount2(path, MNT_DETACH);
	*mounted = false;
}

static void
cleanup(void)
{
	unmount(env.ro, &env.mounted_ro);
	unmount(env.tmpfs, &env.mounted_tmpfs);
	unmount(env.sub, &env.mounted_sub);
	unmount(env.top, &env.mounted_top);
	if (env.loop_fd >= 0) {
		ioctl(env.loop_fd, LOOP_CLR_FD);
		close(env.loop_fd);
		env.loop_fd = -1;
	}
	if (env.dir[0]) {
		rmdir(env.ro);
		rmdir(env.tmpfs);
		rmdir(env.sub);
		rmdir(env.top);
		unlink(env.image);
		rmdir(env.dir);
		env.dir[0] = '\0';
	}
}

static void
on_signal(int sig)
{
	cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Run a program quietly; its exit status, 127 when it is missing. */
static int
run(char *const argv[])
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* Attach image to a free loop device that detaches on last close. */
static const char *
loop_attach(void)
{
	struct loop_config cfg;
	int ctl, backing, fd, n, tries;

	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return "no /dev/loop-control";
	backing = open(env.image, O_RDWR | O_CLOEXEC);
	if (backing < 0) {
		close(ctl);
		return "cannot open the image";
	}
	/* Another test may take the same free device first: retry. */
	for (tries = 0; tries < 32; tries++) {
		n = ioctl(ctl, LOOP_CTL_GET_FREE);
		if (n < 0)
			break;
		snprintf(env.loop, sizeof(env.loop), "/dev/loop%d", n);
		fd = open(env.loop, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			break;
		memset(&cfg, 0, sizeof(cfg));
		cfg.fd = (uint32_t)backing;
		cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR;
		if (ioctl(fd, LOOP_CONFIGURE, &cfg) == 0) {
			env.loop_fd = fd;
			break;
		}
		close(fd);
		if (errno != EBUSY)
			break;
	}
	close(backing);
	close(ctl);
	return env.loop_fd >= 0 ? NULL : "no free loop device";
}

static void
make_paths(void)
{
	snprintf(env.image, sizeof(env.image), "%s/image", env.dir);
	snprintf(env.top, sizeof(env.top), "%s/top", env.dir);
	snprintf(env.sub, sizeof(env.sub), "%s/sub", env.dir);
	snprintf(env.tmpfs, sizeof(env.tmpfs), "%s/tmp fs", env.dir);
	snprintf(env.ro, sizeof(env.ro), "%s/ro", env.dir);
}

/* Everything up to the mounts; a reason to skip, or NULL. */
static const char *
prepare(void)
{
	char *mkfs[] = {"mkfs.btrfs", "-q", "-f", env.image, NULL};
	char sub_path[128];
	const char *why;
	int fd, r;

	if (geteuid() != 0)
		return "needs root";
	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return "cannot make a private mount namespace";
	strcpy(env.dir, "/tmp/vss-btrfs-XXXXXX");
	if (!mkdtemp(env.dir)) {
		env.dir[0] = '\0';
		return "cannot make a temporary directory";
	}
	make_paths();
	if (mkdir(env.top, 0755) < 0 || mkdir(env.sub, 0755) < 0 ||
	    mkdir(env.tmpfs, 0755) < 0 || mkdir(env.ro, 0755) < 0)
		return "cannot make mount points";
	fd = open(env.image, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return "cannot create the image";
	r = ftruncate(fd, IMAGE_SIZE);
	close(fd);
	if (r < 0)
		return "cannot size the image";
	r = run(mkfs);
	if (r == 127)
		return "no mkfs.btrfs";
	if (r != 0)
		return "mkfs.btrfs failed";
	why = loop_attach();
	if (why)
		return why;
	/* The loop device holds the file: nothing to leave behind. */
	unlink(env.image);
	if (mount(env.loop, env.top, "btrfs", 0, NULL) < 0)
		return "cannot mount btrfs";
	env.mounted_top = true;
	snprintf(sub_path, sizeof(sub_path), "%s/sub", env.top);
	if (btrfs_util_create_subvolume(sub_path, 0, NULL, NULL))
		return "cannot create a subvolume";
	if (mount(env.loop, env.sub, "btrfs", 0, "subvol=sub") < 0)
		return "cannot mount a subvolume";
	env.mounted_sub = true;
	if (mount("tmpfs", env.tmpfs, "tmpfs", 0, "size=1m") < 0)
		return "cannot mount tmpfs";
	env.mounted_tmpfs = true;
	if (mount(env.sub, env.ro, NULL, MS_BIND, NULL) < 0)
		return "cannot bind mount";
	env.mounted_ro = true;
	if (mount(NULL, env.ro, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) <
	    0)
		return "cannot remount read-only";
	return NULL;
}

static int
group_setup(void **state)
{
	atexit(cleanup);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	env.skip_reason = prepare();
	if (env.skip_reason) {
		printf("skipping btrfs provider tests: %s\n", env.skip_reason);
		cleanup();
	}
	return 0;
}

static int
group_teardown(void **state)
{
	cleanup();
	return 0;
}

static void
require_env(void)
{
	if (env.skip_reason)
		skip();
}

/* path under dir, in a static buffer per slot. */
static const char *
join(const char *dir, const char *name)
{
	static char buf[4][256];
	static int next;
	char *p = buf[next++ % 4];

	snprintf(p, sizeof(buf[0]), "%s/%s", dir, name);
	return p;
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void
expect_file(const char *path, const char *text)
{
	char buf[256] = "";
	size_t n;
	FILE *f = fopen(path, "re");

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_string_equal(buf, text);
}

static void
expect_absent(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), -1);
	assert_int_equal(errno, ENOENT);
}

static void
expect_present(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
}

/* Entries of a directory besides . and .. */
static int
count_entries(const char *path)
{
	struct dirent *d;
	int n = 0;
	DIR *dir = opendir(path);

	assert_non_null(dir);
	while ((d = readdir(dir)))
		if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0)
			n++;
	closedir(dir);
	return n;
}

static void
expect_empty_dir(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(count_entries(path), 0);
}

static void
pset_init(struct provider_set *set, struct provider_snapshot *snaps,
	  const char *const *volumes, size_t n)
{
	size_t i;

	memset(set, 0, sizeof(*set));
	vss_id_generate(&set->set_id);
	set->context = VSS_CTX_BACKUP;
	for (i = 0; i < n; i++) {
		memset(&snaps[i], 0, sizeof(snaps[i]));
		vss_id_generate(&snaps[i].snapshot_id);
		snaps[i].volume = strdup(volumes[i]);
		assert_non_null(snaps[i].volume);
	}
	set->snapshots = snaps;
	set->count = n;
}

static void
pset_release(struct provider_set *set)
{
	size_t i;

	for (i = 0; i < set->count; i++)
		provider_snapshot_release(&set->snapshots[i]);
}

/* The coordinator's call order up to commit (PV-020). */
static int
create_set(struct provider_set *set)
{
	const struct provider_ops *p = &provider_btrfs;
	size_t i;
	int r;

	for (i = 0; i < set->count; i++) {
		r = p->begin_prepare(set, &set->snapshots[i]);
		if (r < 0)
			return r;
	}
	if (p->end_prepare && (r = p->end_prepare(set)) < 0)
		return r;
	if (p->pre_commit && (r = p->pre_commit(set)) < 0)
		return r;
	r = p->commit(set);
	if (r < 0)
		return r;
	if (p->post_commit)
		return p->post_commit(set);
	return 0;
}

static vss_timestamp
now_filetime(void)
{
	struct timespec ts;
	vss_timestamp secs;

	clock_gettime(CLOCK_REALTIME, &ts);
	secs = (vss_timestamp)ts.tv_sec + VSS_TIMESTAMP_UNIX_EPOCH_SECONDS;
	return secs * 10000000 + ts.tv_nsec / 100;
}

static void
expect_shadow(const struct provider_snapshot *snap)
{
	char name[VSS_ID_STRLEN], want[256];
	bool ro = false;

	vss_id_format(&snap->snapshot_id, name);
	snprintf(want, sizeof(want), "%s/.vss-shadows/%s", snap->volume, name);
	assert_non_null(snap->device);
	assert_string_equal(snap->device, want);
	/* PV-041: the shadow copy is read-only. */
	assert_int_equal(btrfs_util_get_subvolume_read_only(snap->device, &ro),
			 BTRFS_UTIL_OK);
	assert_true(ro);
	assert_int_equal(open(join(snap->device, "new"),
			      O_WRONLY | O_CREAT | O_CLOEXEC, 0600),
			 -1);
	assert_int_equal(errno, EROFS);
	/*
	 * Our own shadow copies are never inside a shadow copy: the nested
	 * subvolume .vss-shadows leaves only an empty directory behind.
	 */
	expect_empty_dir(join(snap->device, ".vss-shadows"));
}

static void
test_registry(void **state)
{
	const struct provider_ops *const *reg = provider_registry();
	const struct provider_ops *p = &provider_btrfs;

	assert_ptr_equal(reg[0], p);
	assert_null(reg[1]);
	assert_int_equal(p->size, sizeof(struct provider_ops));
	assert_string_equal(p->name, "btrfs");
	assert_false(vss_id_is_null(&p->id));
	assert_false(vss_id_is_null(&p->version_id));
	assert_false(vss_id_equal(&p->id, &p->version_id));
	/* btrfs snapshots block on a frozen file system. */
	assert_false(p->commit_while_frozen);
	assert_non_null(p->is_volume_supported);
	assert_non_null(p->commit);
	assert_non_null(p->abort);
	assert_non_null(p->delete_snapshot);
	provider_snapshot_release(NULL);
}

/*
 * Normalise path as session.c does and select a provider for the result:
 * the status of whichever step fails.
 */
static int
select_for(const char *path, const vss_id *requested,
	   const struct provider_ops **ret)
{
	char *mount = NULL;
	int r;

	r = volume_normalise(path, &mount);
	if (r < 0)
		return r;
	assert_non_null(mount);
	r = provider_select(mount, requested, ret);
	free(mount);
	return r;
}

/* BK-073, BK-074, PV-010: provider choice per volume and its errors. */
static void
test_select(void **state)
{
	const struct provider_ops *p = NULL;
	vss_id unknown, null_id;
	char with_slash[128], *mount = NULL;

	require_env();
	vss_id_generate(&unknown);
	memset(&null_id, 0, sizeof(null_id));

	assert_int_equal(select_for(env.top, NULL, &p), 0);
	assert_ptr_equal(p, &provider_btrfs);
	p = NULL;
	assert_int_equal(select_for(env.sub, &provider_btrfs.id, &p), 0);
	assert_ptr_equal(p, &provider_btrfs);
	p = NULL;
	/* BK-074: a trailing '/' names the same volume. */
	snprintf(with_slash, sizeof(with_slash), "%s/", env.sub);
	assert_int_equal(volume_normalise(with_slash, &mount), 0);
	assert_string_equal(mount, env.sub);
	free(mount);
	assert_int_equal(select_for(with_slash, &null_id, &p), 0);
	assert_ptr_equal(p, &provider_btrfs);

	/* Not a mount point, nothing there at all, or not absolute. */
	p = NULL;
	assert_int_equal(mkdir(join(env.top, "dir"), 0755), 0);
	assert_int_equal(select_for(join(env.top, "dir"), NULL, &p),
			 VSS_E_OBJECT_NOT_FOUND);
	assert_int_equal(select_for(join(env.top, "missing"), NULL, &p),
			 VSS_E_OBJECT_NOT_FOUND);
	assert_int_equal(select_for(env.dir, &provider_btrfs.id, &p),
			 VSS_E_OBJECT_NOT_FOUND);
	assert_int_equal(select_for("relative", NULL, &p),
			 VSS_E_OBJECT_NOT_FOUND);
	/* A mount point whose name mountinfo escapes, not btrfs. */
	assert_int_equal(select_for(env.tmpfs, NULL, &p),
			 VSS_E_VOLUME_NOT_SUPPORTED);
	assert_int_equal(select_for(env.tmpfs, &provider_btrfs.id, &p),
			 VSS_E_VOLUME_NOT_SUPPORTED_BY_PROVIDER);
	/* A read-only mount cannot take snapshots. */
	assert_int_equal(select_for(env.ro, NULL, &p),
			 VSS_E_VOLUME_NOT_SUPPORTED);
	assert_int_equal(select_for(env.top, &unknown, &p),
			 VSS_E_PROVIDER_NOT_REGISTERED);
	assert_null(p);
	assert_int_equal(provider_select(NULL, NULL, &p), -EINVAL);
	assert_int_equal(provider_select(env.top, NULL, NULL), -EINVAL);
	assert_int_equal(rmdir(join(env.top, "dir")), 0);

	assert_ptr_equal(provider_find(&provider_btrfs.id), &provider_btrfs);
	assert_null(provider_find(&unknown));
	assert_null(provider_find(NULL));
}

static void
test_is_volume_supported(void **state)
{
	const struct provider_ops *p = &provider_btrfs;
	bool ok = true;

	require_env();
	assert_int_equal(p->is_volume_supported(env.top, &ok), 0);
	assert_true(ok);
	assert_int_equal(p->is_volume_supported(env.sub, &ok), 0);
	assert_true(ok);
	/* On btrfs but not the root of a subvolume. */
	assert_int_equal(mkdir(join(env.top, "plain"), 0755), 0);
	assert_int_equal(p->is_volume_supported(join(env.top, "plain"), &ok),
			 0);
	assert_false(ok);
	assert_int_equal(rmdir(join(env.top, "plain")), 0);
	ok = true;
	assert_int_equal(p->is_volume_supported(env.tmpfs, &ok), 0);
	assert_false(ok);
	ok = true;
	assert_int_equal(p->is_volume_supported(env.ro, &ok), 0);
	assert_false(ok);
	assert_int_equal(p->is_volume_supported(join(env.top, "missing"), &ok),
			 -ENOENT);
	assert_int_equal(p->is_volume_supported(NULL, &ok), -EINVAL);
}

/*
 * Delete each shadow copy of a set, every other one with no device (where
 * the provider would have made it); a second delete finds nothing.
 */
static void
delete_all(struct provider_set *set)
{
	size_t i;

	for (i = 0; i < set->count; i++) {
		struct provider_snapshot bare = set->snapshots[i];
		char *device = strdup(set->snapshots[i].device);

		assert_non_null(device);
		bare.device = NULL;
		assert_int_equal(provider_btrfs.delete_snapshot(
					 i % 2 ? &set->snapshots[i] : &bare),
				 0);
		expect_absent(device);
		assert_int_equal(provider_btrfs.delete_snapshot(
					 i % 2 ? &bare : &set->snapshots[i]),
				 VSS_E_OBJECT_NOT_FOUND);
		free(device);
	}
}

/*
 * Two volumes of one file system in one set: each shadow copy is
 * read-only, holds the data of commit time and not later writes, and
 * holds neither the other volume nor any shadow copy, even once earlier
 * shadow copies exist.
 */
static void
test_commit_two_volumes(void **state)
{
	const char *volumes[] = {env.top, env.sub};
	struct provider_snapshot snaps[2], again[2];
	struct provider_set set, set2;
	vss_timestamp before, after;
	struct stat st;
	size_t i;

	require_env();
	write_file(join(env.top, "data"), "top before");
	write_file(join(env.sub, "data"), "sub before");
	pset_init(&set, snaps, volumes, 2);
	before = now_filetime();
	assert_int_equal(create_set(&set), 0);
	after = now_filetime();
	write_file(join(env.top, "data"), "top after");
	write_file(join(env.sub, "data"), "sub after");
	write_file(join(env.sub, "later"), "later");

	for (i = 0; i < 2; i++) {
		expect_shadow(&snaps[i]);
		assert_true(snaps[i].created >= before);
		assert_true(snaps[i].created <= after);
	}
	expect_file(join(snaps[0].device, "data"), "top before");
	expect_file(join(snaps[1].device, "data"), "sub before");
	expect_absent(join(snaps[1].device, "later"));
	/* "sub" is a nested subvolume: an empty directory in top's copy. */
	expect_empty_dir(join(snaps[0].device, "sub"));
	/* "data" and the empty .vss-shadows. */
	assert_int_equal(count_entries(snaps[1].device), 2);

	/* The hidden location: our subvolume, only root may look in. */
	assert_int_equal(btrfs_util_is_subvolume(join(env.top, ".vss-shadows")),
			 BTRFS_UTIL_OK);
	assert_int_equal(stat(join(env.sub, ".vss-shadows"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);

	/* A second commit of the same set is out of sequence. */
	assert_int_equal(provider_btrfs.commit(&set), VSS_E_BAD_STATE);
	assert_non_null(strstr(set.error, "already committed"));

	/* The next set does not carry the first one inside. */
	pset_init(&set2, again, volumes, 2);
	assert_int_equal(create_set(&set2), 0);
	for (i = 0; i < 2; i++)
		expect_shadow(&again[i]);
	expect_file(join(again[1].device, "data"), "sub after");
	expect_file(join(again[1].device, "later"), "later");

	delete_all(&set);
	delete_all(&set2);
	pset_release(&set);
	pset_release(&set2);
	assert_int_equal(unlink(join(env.sub, "later")), 0);
}

/* PV-021: abort deletes what the set made, and again does nothing. */
static void
test_abort(void **state)
{
	const char *volumes[] = {env.top, env.sub};
	struct provider_snapshot snaps[2];
	struct provider_set set;
	char *devices[2];
	size_t i;

	require_env();
	pset_init(&set, snaps, volumes, 2);
	/* Nothing made yet: nothing to do. */
	assert_int_equal(provider_btrfs.abort(&set), 0);
	assert_int_equal(create_set(&set), 0);
	for (i = 0; i < 2; i++) {
		devices[i] = strdup(snaps[i].device);
		assert_non_null(devices[i]);
		expect_present(devices[i]);
	}
	assert_int_equal(provider_btrfs.abort(&set), 0);
	for (i = 0; i < 2; i++) {
		assert_null(snaps[i].device);
		expect_absent(devices[i]);
		free(devices[i]);
	}
	assert_int_equal(provider_btrfs.abort(&set), 0);
	pset_release(&set);
}

/*
 * PV-020: a commit that fails on its second volume leaves the first
 * shadow copy recorded, for abort; abort removes only what the set made.
 */
static void
test_commit_fails_halfway(void **state)
{
	const char *volumes[] = {env.top, env.sub};
	struct provider_snapshot snaps[2];
	struct provider_set set;
	char name[VSS_ID_STRLEN], squatter[256], *first;

	require_env();
	pset_init(&set, snaps, volumes, 2);
	assert_int_equal(provider_btrfs.begin_prepare(&set, &snaps[0]), 0);
	assert_int_equal(provider_btrfs.begin_prepare(&set, &snaps[1]), 0);
	/* Something already sits where the second snapshot goes. */
	vss_id_format(&snaps[1].snapshot_id, name);
	snprintf(squatter, sizeof(squatter), "%s/.vss-shadows/%s", env.sub,
		 name);
	assert_int_equal(btrfs_util_create_subvolume(squatter, 0, NULL, NULL),
			 BTRFS_UTIL_OK);

	assert_int_equal(provider_btrfs.commit(&set), VSS_E_PROVIDER_VETO);
	assert_non_null(strstr(set.error, "cannot snapshot"));
	assert_non_null(strstr(set.error, env.sub));
	assert_non_null(snaps[0].device);
	assert_null(snaps[1].device);
	first = strdup(snaps[0].device);
	assert_non_null(first);
	expect_present(first);

	assert_int_equal(provider_btrfs.abort(&set), 0);
	expect_absent(first);
	expect_present(squatter);
	free(first);
	pset_release(&set);
	assert_int_equal(btrfs_util_delete_subvolume(squatter, 0),
			 BTRFS_UTIL_OK);
}

/* A .vss-shadows that is not our own subvolume is refused, not used. */
static void
test_foreign_shadows_dir(void **state)
{
	char odd[128], shadows[160];
	const char *volumes[1];
	struct provider_snapshot snap;
	struct provider_set set;
	struct stat st;

	require_env();
	snprintf(odd, sizeof(odd), "%s/odd", env.top);
	snprintf(shadows, sizeof(shadows), "%s/.vss-shadows", odd);
	assert_int_equal(btrfs_util_create_subvolume(odd, 0, NULL, NULL),
			 BTRFS_UTIL_OK);
	volumes[0] = odd;
	pset_init(&set, &snap, volumes, 1);

	/* A plain directory would end up in every snapshot. */
	assert_int_equal(mkdir(shadows, 0700), 0);
	assert_int_equal(provider_btrfs.begin_prepare(&set, &snap),
			 VSS_E_PROVIDER_VETO);
	assert_non_null(strstr(set.error, "not a subvolume"));
	assert_int_equal(provider_btrfs.commit(&set), VSS_E_PROVIDER_VETO);
	assert_null(snap.device);
	assert_int_equal(rmdir(shadows), 0);

	/* A symbolic link is never followed. */
	assert_int_equal(symlink(env.dir, shadows), 0);
	assert_int_equal(provider_btrfs.begin_prepare(&set, &snap),
			 VSS_E_PROVIDER_VETO);
	assert_int_equal(unlink(shadows), 0);

	/* Another user's subvolume. */
	assert_int_equal(btrfs_util_create_subvolume(shadows, 0, NULL, NULL),
			 BTRFS_UTIL_OK);
	assert_int_equal(chown(shadows, 1000, 1000), 0);
	assert_int_equal(provider_btrfs.begin_prepare(&set, &snap),
			 VSS_E_PROVIDER_VETO);
	assert_non_null(strstr(set.error, "owned by uid 1000"));

	/* Ours again, but open to all: fixed to 0700. */
	assert_int_equal(chown(shadows, 0, 0), 0);
	assert_int_equal(chmod(shadows, 0755), 0);
	assert_int_equal(provider_btrfs.begin_prepare(&set, &snap), 0);
	assert_int_equal(stat(shadows, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);

	/* Not the root of a subvolume: the snapshot would be bigger. */
	assert_int_equal(mkdir(join(env.top, "plain"), 0755), 0);
	free(snap.volume);
	snap.volume = strdup(join(env.top, "plain"));
	assert_non_null(snap.volume);
	assert_int_equal(provider_btrfs.begin_prepare(&set, &snap),
			 VSS_E_PROVIDER_VETO);
	assert_non_null(strstr(set.error, "not the root of a btrfs subvolume"));
	assert_int_equal(provider_btrfs.commit(&set), VSS_E_PROVIDER_VETO);
	assert_int_equal(rmdir(join(env.top, "plain")), 0);

	pset_release(&set);
	assert_int_equal(btrfs_util_delete_subvolume(
			     odd, BTRFS_UTIL_DELETE_SUBVOLUME_RECURSIVE),
			 BTRFS_UTIL_OK);
}

/* PV-012, PV-040: btrfs snapshots are differential and local only. */
static void
test_context(void **state)
{
	const char *volumes[] = {env.top};
	struct provider_snapshot snap;
	struct provider_set set;

	require_env();
	pset_init(&set, &snap, volumes, 1);
	set.context = VSS_CTX_BACKUP | VSS_VOLSNAP_ATTR_PLEX;
	assert_int_equal(provider_btrfs.begin_prepare(&set, &snap),
			 VSS_E_VOLUME_NOT_SUPPORTED_BY_PROVIDER);
	set.context = VSS_CTX_APP_ROLLBACK | VSS_VOLSNAP_ATTR_TRANSPORTABLE;
	assert_int_equal(provider_btrfs.begin_prepare(&set, &snap),
			 VSS_E_VOLUME_NOT_SUPPORTED_BY_PROVIDER);
	set.context = VSS_CTX_APP_ROLLBACK | VSS_VOLSNAP_ATTR_DIFFERENTIAL;
	assert_int_equal(provider_btrfs.begin_prepare(&set, &snap), 0);
	pset_release(&set);
}

/* delete_snapshot only deletes what commit would have made. */
static void
test_delete_checks(void **state)
{
	char victim[128], name[VSS_ID_STRLEN], path[256];
	struct provider_snapshot snap;

	require_env();
	snprintf(victim, sizeof(victim), "%s/victim", env.top);
	assert_int_equal(btrfs_util_create_subvolume(victim, 0, NULL, NULL),
			 BTRFS_UTIL_OK);
	memset(&snap, 0, sizeof(snap));
	vss_id_generate(&snap.snapshot_id);
	snap.volume = env.top;
	snap.device = victim;
	assert_int_equal(provider_btrfs.delete_snapshot(&snap), -EINVAL);
	expect_present(victim);

	/* Right form, but nothing there. */
	vss_id_format(&snap.snapshot_id, name);
	snprintf(path, sizeof(path), "%s/.vss-shadows/%s", env.top, name);
	snap.device = path;
	assert_int_equal(provider_btrfs.delete_snapshot(&snap),
			 VSS_E_OBJECT_NOT_FOUND);

	/* A volume that never had a shadow copy. */
	snap.volume = victim;
	snprintf(path, sizeof(path), "%s/.vss-shadows/%s", victim, name);
	assert_int_equal(provider_btrfs.delete_snapshot(&snap),
			 VSS_E_OBJECT_NOT_FOUND);
	/* No device: where commit would have put it, still nothing. */
	snap.device = NULL;
	assert_int_equal(provider_btrfs.delete_snapshot(&snap),
			 VSS_E_OBJECT_NOT_FOUND);
	expect_absent(join(victim, ".vss-shadows"));
	expect_present(victim);

	snap.volume = NULL;
	assert_int_equal(provider_btrfs.delete_snapshot(&snap), -EINVAL);
	assert_int_equal(provider_btrfs.delete_snapshot(NULL), -EINVAL);
	assert_int_equal(btrfs_util_delete_subvolume(victim, 0), BTRFS_UTIL_OK);
}

static double
elapsed_ms(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e3 +
	       (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* How long commit takes for one volume, for the freeze window budget. */
static void
test_commit_time(void **state)
{
	const char *volumes[] = {env.sub};
	struct provider_snapshot snap;
	struct provider_set set;
	struct timespec t0, t1;
	double ms[10];
	size_t i;

	require_env();
	for (i = 0; i < 10; i++) {
		pset_init(&set, &snap, volumes, 1);
		assert_int_equal(provider_btrfs.begin_prepare(&set, &snap), 0);
		write_file(join(env.sub, "data"), "dirty before commit");
		clock_gettime(CLOCK_MONOTONIC, &t0);
		assert_int_equal(provider_btrfs.commit(&set), 0);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ms[i] = elapsed_ms(&t0, &t1);
		assert_int_equal(provider_btrfs.abort(&set), 0);
		pset_release(&set);
	}
	printf("commit of one volume: first %.3f ms", ms[0]);
	qsort(ms, 10, sizeof(ms[0]), cmp_double);
	printf(", of 10: min %.3f median %.3f max %.3f ms\n", ms[0],
	       (ms[4] + ms[5]) / 2, ms[9]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_is_volume_supported),
		cmocka_unit_test(test_commit_two_volumes),
		cmocka_unit_test(test_abort),
		cmocka_unit_test(test_commit_fails_halfway),
		cmocka_unit_test(test_foreign_shadows_dir),
		cmocka_unit_test(test_context),
		cmocka_unit_test(test_delete_checks),
		cmocka_unit_test(test_commit_time),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
