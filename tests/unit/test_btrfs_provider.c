/*
 * tests/unit/test_btrfs_provider.c - the provider registry and selection
 * (BK-073, PV-010) and the btrfs provider on a real loop-mounted btrfs
 * file system (PV-020..PV-022, PV-041; writable shadow copies sealed
 * later, SN-004; listing what is on disk).  Needs root, loop devices and
 * mkfs.btrfs; without them the tests that need them skip and the program
 * exits 77 (meson's SKIP) with a message; any other setup error fails.
 *
 * The test runs in a mount namespace of its own, so its mounts go away
 * with the process however it dies; the loop device detaches itself
 * (LO_FLAGS_AUTOCLEAR) once its file system is gone, and its image is
 * unlinked as soon as it is attached.  Teardown, an atexit handler and
 * SIGINT/SIGTERM/SIGHUP undo it all explicitly as well (sys_fixture.h);
 * after SIGKILL only empty directories remain.
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
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"
#include "provider.h"
#include "pset.h"
#include "sys_fixture.h"
#include "vss/status.h"

#define IMAGE_SIZE (256LL << 20)

static struct {
	char dir[64];
	char image[96];
	char top[96];	/* the top level, mounted */
	char sub[96];	/* subvolume "sub", mounted with subvol=sub */
	char tmpfs[96]; /* a tmpfs; its name has a space for mountinfo */
	char ro[96];	/* "sub" bound again, read-only */
	char loop[32];
} env;

static void
make_paths(void)
{
	snprintf(env.image, sizeof(env.image), "%s/image", env.dir);
	snprintf(env.top, sizeof(env.top), "%s/top", env.dir);
	snprintf(env.sub, sizeof(env.sub), "%s/sub", env.dir);
	snprintf(env.tmpfs, sizeof(env.tmpfs), "%s/tmp fs", env.dir);
	snprintf(env.ro, sizeof(env.ro), "%s/ro", env.dir);
}

/* Everything up to the mounts: 0, or -1 after sfx_skip() or sfx_fail(). */
static int
prepare(void)
{
	char *mkfs[] = {"mkfs.btrfs", "-q", "-f", env.image, NULL};
	char sub_path[128];
	enum btrfs_util_error e;

	if (sfx_private_namespace() < 0)
		return -1;
	if (sfx_tempdir("btrfs", env.dir, sizeof(env.dir)) < 0)
		return sfx_fail("cannot make a temporary directory: %m");
	make_paths();
	if (sfx_mkdir(env.top) < 0 || sfx_mkdir(env.sub) < 0 ||
	    sfx_mkdir(env.tmpfs) < 0 || sfx_mkdir(env.ro) < 0)
		return sfx_fail("cannot make mount points: %m");
	if (sfx_image_new(env.image, IMAGE_SIZE, mkfs) < 0 ||
	    sfx_loop_attach(env.image, env.loop, sizeof(env.loop)) < 0)
		return -1;
	/* The loop device holds the file: nothing to leave behind. */
	unlink(env.image);
	if (sfx_mount(env.loop, env.top, "btrfs", 0, NULL) < 0)
		return sfx_fail("cannot mount btrfs: %m");
	snprintf(sub_path, sizeof(sub_path), "%s/sub", env.top);
	e = btrfs_util_create_subvolume(sub_path, 0, NULL, NULL);
	if (e)
		return sfx_fail("cannot create a subvolume: %s",
				btrfs_util_strerror(e));
	if (sfx_mount(env.loop, env.sub, "btrfs", 0, "subvol=sub") < 0)
		return sfx_fail("cannot mount a subvolume: %m");
	if (sfx_mount("tmpfs", env.tmpfs, "tmpfs", 0, "size=1m") < 0)
		return sfx_fail("cannot mount tmpfs: %m");
	if (sfx_mount(env.sub, env.ro, NULL, MS_BIND, NULL) < 0)
		return sfx_fail("cannot bind mount: %m");
	if (mount(NULL, env.ro, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) <
	    0)
		return sfx_fail("cannot remount read-only: %m");
	return 0;
}

static int
group_setup(void **state)
{
	if (provider_registry_init(NULL) < 0)
		return sfx_fail("provider_registry_init failed");
	sfx_init();
	return sfx_setup_status(prepare());
}

static void
expect_file(const char *path, const char *text)
{
	assert_string_equal(sfx_read_file(path), text);
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

/* Where delete_snapshot says why it failed. */
static char errbuf[256];

/* The coordinator's call order (PV-020). */
static int
create_set(struct provider_set *set)
{
	const struct provider *p = &provider_btrfs;
	int r;

	r = pset_prepare(p, set);
	if (r < 0)
		return r;
	r = p->ops->commit(p, set);
	if (r < 0)
		return r;
	if (p->ops->post_commit)
		return p->ops->post_commit(p, set);
	return 0;
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
	assert_int_equal(open(sfx_join(snap->device, "new"),
			      O_WRONLY | O_CREAT | O_CLOEXEC, 0600),
			 -1);
	assert_int_equal(errno, EROFS);
	/*
	 * Our own shadow copies are never inside a shadow copy: the nested
	 * subvolume .vss-shadows leaves only an empty directory behind.
	 */
	expect_empty_dir(sfx_join(snap->device, ".vss-shadows"));
}

static void
test_registry(void **state)
{
	const struct provider *const *reg;
	const struct provider *p = &provider_btrfs;

	/* With no exec provider configured, btrfs is the only one. */
	reg = provider_registry();
	assert_ptr_equal(reg[0], p);
	assert_null(reg[1]);
	assert_string_equal(p->name, "btrfs");
	assert_false(vss_id_is_null(&p->id));
	assert_false(vss_id_is_null(&p->version_id));
	assert_false(vss_id_equal(&p->id, &p->version_id));
	/* btrfs snapshots block on a frozen file system. */
	assert_false(p->commit_while_frozen);
	assert_non_null(p->ops->is_volume_supported);
	assert_non_null(p->ops->commit);
	assert_non_null(p->ops->abort);
	assert_non_null(p->ops->delete_snapshot);
	/* SN-004: writable until sealed, on request. */
	assert_true(p->can_seal);
	assert_non_null(p->ops->seal);
	assert_non_null(p->ops->list);
	assert_int_equal(p->type, VSS_PROV_SYSTEM);
	provider_snapshot_release(NULL);
}

/*
 * Normalise path as session.c does and select a provider for the result:
 * the status of whichever step fails.
 */
static int
select_for(const char *path, const vss_id *requested,
	   const struct provider **ret)
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
	const struct provider *p = NULL;
	vss_id unknown, null_id;
	char with_slash[128], *mount = NULL;

	sfx_require();
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
	assert_int_equal(mkdir(sfx_join(env.top, "dir"), 0755), 0);
	assert_int_equal(select_for(sfx_join(env.top, "dir"), NULL, &p),
			 VSS_E_OBJECT_NOT_FOUND);
	assert_int_equal(select_for(sfx_join(env.top, "missing"), NULL, &p),
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
	assert_int_equal(rmdir(sfx_join(env.top, "dir")), 0);

	assert_ptr_equal(provider_find(&provider_btrfs.id), &provider_btrfs);
	assert_null(provider_find(&unknown));
	assert_null(provider_find(NULL));
}

static void
test_is_volume_supported(void **state)
{
	const struct provider *p = &provider_btrfs;
	bool ok = true;

	sfx_require();
	assert_int_equal(p->ops->is_volume_supported(p, env.top, &ok), 0);
	assert_true(ok);
	assert_int_equal(p->ops->is_volume_supported(p, env.sub, &ok), 0);
	assert_true(ok);
	/* On btrfs but not the root of a subvolume. */
	assert_int_equal(mkdir(sfx_join(env.top, "plain"), 0755), 0);
	assert_int_equal(
	    p->ops->is_volume_supported(p, sfx_join(env.top, "plain"), &ok), 0);
	assert_false(ok);
	assert_int_equal(rmdir(sfx_join(env.top, "plain")), 0);
	ok = true;
	assert_int_equal(p->ops->is_volume_supported(p, env.tmpfs, &ok), 0);
	assert_false(ok);
	ok = true;
	assert_int_equal(p->ops->is_volume_supported(p, env.ro, &ok), 0);
	assert_false(ok);
	assert_int_equal(
	    p->ops->is_volume_supported(p, sfx_join(env.top, "missing"), &ok),
	    -ENOENT);
	assert_int_equal(p->ops->is_volume_supported(p, NULL, &ok), -EINVAL);
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
		assert_int_equal(provider_btrfs.ops->delete_snapshot(
				     &provider_btrfs,
				     i % 2 ? &set->snapshots[i] : &bare, errbuf,
				     sizeof(errbuf)),
				 0);
		sfx_expect_absent(device);
		assert_int_equal(provider_btrfs.ops->delete_snapshot(
				     &provider_btrfs,
				     i % 2 ? &bare : &set->snapshots[i], errbuf,
				     sizeof(errbuf)),
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

	sfx_require();
	sfx_write_file(sfx_join(env.top, "data"), "top before");
	sfx_write_file(sfx_join(env.sub, "data"), "sub before");
	pset_init(&set, snaps, volumes, 2, VSS_CTX_BACKUP);
	before = provider_timestamp_now();
	assert_int_equal(create_set(&set), 0);
	after = provider_timestamp_now();
	sfx_write_file(sfx_join(env.top, "data"), "top after");
	sfx_write_file(sfx_join(env.sub, "data"), "sub after");
	sfx_write_file(sfx_join(env.sub, "later"), "later");

	for (i = 0; i < 2; i++) {
		expect_shadow(&snaps[i]);
		assert_true(snaps[i].created >= before);
		assert_true(snaps[i].created <= after);
	}
	expect_file(sfx_join(snaps[0].device, "data"), "top before");
	expect_file(sfx_join(snaps[1].device, "data"), "sub before");
	sfx_expect_absent(sfx_join(snaps[1].device, "later"));
	/* "sub" is a nested subvolume: an empty directory in top's copy. */
	expect_empty_dir(sfx_join(snaps[0].device, "sub"));
	/* "data" and the empty .vss-shadows. */
	assert_int_equal(count_entries(snaps[1].device), 2);

	/* The hidden location: our subvolume, only root may look in. */
	assert_int_equal(
	    btrfs_util_is_subvolume(sfx_join(env.top, ".vss-shadows")),
	    BTRFS_UTIL_OK);
	assert_int_equal(stat(sfx_join(env.sub, ".vss-shadows"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);

	/* A second commit of the same set is out of sequence. */
	assert_int_equal(provider_btrfs.ops->commit(&provider_btrfs, &set),
			 VSS_E_BAD_STATE);
	assert_non_null(strstr(set.error, "already committed"));

	/* The next set does not carry the first one inside. */
	pset_init(&set2, again, volumes, 2, VSS_CTX_BACKUP);
	assert_int_equal(create_set(&set2), 0);
	for (i = 0; i < 2; i++)
		expect_shadow(&again[i]);
	expect_file(sfx_join(again[1].device, "data"), "sub after");
	expect_file(sfx_join(again[1].device, "later"), "later");

	delete_all(&set);
	delete_all(&set2);
	pset_release(&set);
	pset_release(&set2);
	assert_int_equal(unlink(sfx_join(env.sub, "later")), 0);
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

	sfx_require();
	pset_init(&set, snaps, volumes, 2, VSS_CTX_BACKUP);
	/* Nothing made yet: nothing to do. */
	assert_int_equal(provider_btrfs.ops->abort(&provider_btrfs, &set), 0);
	assert_int_equal(create_set(&set), 0);
	for (i = 0; i < 2; i++) {
		devices[i] = strdup(snaps[i].device);
		assert_non_null(devices[i]);
		expect_present(devices[i]);
	}
	assert_int_equal(provider_btrfs.ops->abort(&provider_btrfs, &set), 0);
	for (i = 0; i < 2; i++) {
		assert_null(snaps[i].device);
		sfx_expect_absent(devices[i]);
		free(devices[i]);
	}
	assert_int_equal(provider_btrfs.ops->abort(&provider_btrfs, &set), 0);
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

	sfx_require();
	pset_init(&set, snaps, volumes, 2, VSS_CTX_BACKUP);
	assert_int_equal(
	    provider_btrfs.ops->begin_prepare(&provider_btrfs, &set, &snaps[0]),
	    0);
	assert_int_equal(
	    provider_btrfs.ops->begin_prepare(&provider_btrfs, &set, &snaps[1]),
	    0);
	/* Something already sits where the second snapshot goes. */
	vss_id_format(&snaps[1].snapshot_id, name);
	snprintf(squatter, sizeof(squatter), "%s/.vss-shadows/%s", env.sub,
		 name);
	assert_int_equal(btrfs_util_create_subvolume(squatter, 0, NULL, NULL),
			 BTRFS_UTIL_OK);

	assert_int_equal(provider_btrfs.ops->commit(&provider_btrfs, &set),
			 VSS_E_PROVIDER_VETO);
	assert_non_null(strstr(set.error, "cannot snapshot"));
	assert_non_null(strstr(set.error, env.sub));
	assert_non_null(snaps[0].device);
	assert_null(snaps[1].device);
	first = strdup(snaps[0].device);
	assert_non_null(first);
	expect_present(first);

	assert_int_equal(provider_btrfs.ops->abort(&provider_btrfs, &set), 0);
	sfx_expect_absent(first);
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

	sfx_require();
	snprintf(odd, sizeof(odd), "%s/odd", env.top);
	snprintf(shadows, sizeof(shadows), "%s/.vss-shadows", odd);
	assert_int_equal(btrfs_util_create_subvolume(odd, 0, NULL, NULL),
			 BTRFS_UTIL_OK);
	volumes[0] = odd;
	pset_init(&set, &snap, volumes, 1, VSS_CTX_BACKUP);

	/* A plain directory would end up in every snapshot. */
	assert_int_equal(mkdir(shadows, 0700), 0);
	assert_int_equal(
	    provider_btrfs.ops->begin_prepare(&provider_btrfs, &set, &snap),
	    VSS_E_PROVIDER_VETO);
	assert_non_null(strstr(set.error, "not a subvolume"));
	assert_int_equal(provider_btrfs.ops->commit(&provider_btrfs, &set),
			 VSS_E_PROVIDER_VETO);
	assert_null(snap.device);
	assert_int_equal(rmdir(shadows), 0);

	/* A symbolic link is never followed. */
	assert_int_equal(symlink(env.dir, shadows), 0);
	assert_int_equal(
	    provider_btrfs.ops->begin_prepare(&provider_btrfs, &set, &snap),
	    VSS_E_PROVIDER_VETO);
	assert_int_equal(unlink(shadows), 0);

	/* Another user's subvolume. */
	assert_int_equal(btrfs_util_create_subvolume(shadows, 0, NULL, NULL),
			 BTRFS_UTIL_OK);
	assert_int_equal(chown(shadows, 1000, 1000), 0);
	assert_int_equal(
	    provider_btrfs.ops->begin_prepare(&provider_btrfs, &set, &snap),
	    VSS_E_PROVIDER_VETO);
	assert_non_null(strstr(set.error, "owned by uid 1000"));

	/* Ours again, but open to all: fixed to 0700. */
	assert_int_equal(chown(shadows, 0, 0), 0);
	assert_int_equal(chmod(shadows, 0755), 0);
	assert_int_equal(
	    provider_btrfs.ops->begin_prepare(&provider_btrfs, &set, &snap), 0);
	assert_int_equal(stat(shadows, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);

	/* Not the root of a subvolume: the snapshot would be bigger. */
	assert_int_equal(mkdir(sfx_join(env.top, "plain"), 0755), 0);
	free(snap.volume);
	snap.volume = strdup(sfx_join(env.top, "plain"));
	assert_non_null(snap.volume);
	assert_int_equal(
	    provider_btrfs.ops->begin_prepare(&provider_btrfs, &set, &snap),
	    VSS_E_PROVIDER_VETO);
	assert_non_null(strstr(set.error, "not the root of a btrfs subvolume"));
	assert_int_equal(provider_btrfs.ops->commit(&provider_btrfs, &set),
			 VSS_E_PROVIDER_VETO);
	assert_int_equal(rmdir(sfx_join(env.top, "plain")), 0);

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

	sfx_require();
	pset_init(&set, &snap, volumes, 1, VSS_CTX_BACKUP);
	set.context = VSS_CTX_BACKUP | VSS_VOLSNAP_ATTR_PLEX;
	assert_int_equal(
	    provider_btrfs.ops->begin_prepare(&provider_btrfs, &set, &snap),
	    VSS_E_VOLUME_NOT_SUPPORTED_BY_PROVIDER);
	set.context = VSS_CTX_APP_ROLLBACK | VSS_VOLSNAP_ATTR_TRANSPORTABLE;
	assert_int_equal(
	    provider_btrfs.ops->begin_prepare(&provider_btrfs, &set, &snap),
	    VSS_E_VOLUME_NOT_SUPPORTED_BY_PROVIDER);
	set.context = VSS_CTX_APP_ROLLBACK | VSS_VOLSNAP_ATTR_DIFFERENTIAL;
	assert_int_equal(
	    provider_btrfs.ops->begin_prepare(&provider_btrfs, &set, &snap), 0);
	pset_release(&set);
}

/* delete_snapshot only deletes what commit would have made. */
static void
test_delete_checks(void **state)
{
	char victim[128], name[VSS_ID_STRLEN], path[256];
	struct provider_snapshot snap;

	sfx_require();
	snprintf(victim, sizeof(victim), "%s/victim", env.top);
	assert_int_equal(btrfs_util_create_subvolume(victim, 0, NULL, NULL),
			 BTRFS_UTIL_OK);
	memset(&snap, 0, sizeof(snap));
	vss_id_generate(&snap.snapshot_id);
	snap.volume = env.top;
	snap.device = victim;
	assert_int_equal(provider_btrfs.ops->delete_snapshot(
			     &provider_btrfs, &snap, errbuf, sizeof(errbuf)),
			 -EINVAL);
	expect_present(victim);

	/* Right form, but nothing there. */
	vss_id_format(&snap.snapshot_id, name);
	snprintf(path, sizeof(path), "%s/.vss-shadows/%s", env.top, name);
	snap.device = path;
	assert_int_equal(provider_btrfs.ops->delete_snapshot(
			     &provider_btrfs, &snap, errbuf, sizeof(errbuf)),
			 VSS_E_OBJECT_NOT_FOUND);

	/* A volume that never had a shadow copy. */
	snap.volume = victim;
	snprintf(path, sizeof(path), "%s/.vss-shadows/%s", victim, name);
	assert_int_equal(provider_btrfs.ops->delete_snapshot(
			     &provider_btrfs, &snap, errbuf, sizeof(errbuf)),
			 VSS_E_OBJECT_NOT_FOUND);
	/* No device: where commit would have put it, still nothing. */
	snap.device = NULL;
	assert_int_equal(provider_btrfs.ops->delete_snapshot(
			     &provider_btrfs, &snap, errbuf, sizeof(errbuf)),
			 VSS_E_OBJECT_NOT_FOUND);
	sfx_expect_absent(sfx_join(victim, ".vss-shadows"));
	expect_present(victim);

	snap.volume = NULL;
	assert_int_equal(provider_btrfs.ops->delete_snapshot(
			     &provider_btrfs, &snap, errbuf, sizeof(errbuf)),
			 -EINVAL);
	assert_int_equal(provider_btrfs.ops->delete_snapshot(
			     &provider_btrfs, NULL, errbuf, sizeof(errbuf)),
			 -EINVAL);
	assert_int_equal(btrfs_util_delete_subvolume(victim, 0), BTRFS_UTIL_OK);
}

static bool
read_only(const char *path)
{
	bool ro = true;

	assert_int_equal(btrfs_util_get_subvolume_read_only(path, &ro),
			 BTRFS_UTIL_OK);
	return ro;
}

/*
 * SN-004, SN-060, SN-061: a writable set stays writable after commit, so
 * the files not to snapshot can be removed from it (and only from it),
 * then seal makes it read-only like any other shadow copy.
 */
static void
test_writable_seal(void **state)
{
	const char *volumes[] = {env.top, env.sub};
	struct provider_snapshot snaps[2], bad;
	struct exclude_list list = {0};
	struct provider_set set, one;
	char victim[128];
	size_t i, removed;

	sfx_require();
	sfx_write_file(sfx_join(env.top, "top.tmp"), "scratch");
	sfx_write_file(sfx_join(env.sub, "sub.tmp"), "scratch");
	sfx_write_file(sfx_join(env.sub, "data"), "kept");
	pset_init(&set, snaps, volumes, 2, VSS_CTX_BACKUP);
	set.writable = true;
	assert_int_equal(create_set(&set), 0);
	assert_int_equal(exclude_parse(&list, "$AllVolumes$/*.tmp", true,
				       errbuf, sizeof(errbuf)),
			 0);
	for (i = 0; i < 2; i++) {
		assert_false(read_only(snaps[i].device));
		removed = 0;
		assert_int_equal(exclude_apply(&list, snaps[i].volume,
					       snaps[i].device, &removed,
					       errbuf, sizeof(errbuf)),
				 0);
		assert_int_equal(removed, 1);
	}
	exclude_list_release(&list);

	assert_int_equal(provider_btrfs.ops->seal(&provider_btrfs, &set), 0);
	for (i = 0; i < 2; i++)
		expect_shadow(&snaps[i]);
	sfx_expect_absent(sfx_join(snaps[0].device, "top.tmp"));
	sfx_expect_absent(sfx_join(snaps[1].device, "sub.tmp"));
	expect_file(sfx_join(snaps[1].device, "data"), "kept");
	/* The volumes themselves keep their files. */
	expect_file(sfx_join(env.top, "top.tmp"), "scratch");
	expect_file(sfx_join(env.sub, "sub.tmp"), "scratch");
	/* Sealing again changes nothing. */
	assert_int_equal(provider_btrfs.ops->seal(&provider_btrfs, &set), 0);

	/* Only what commit made is sealed: not a subvolume elsewhere... */
	snprintf(victim, sizeof(victim), "%s/victim", env.top);
	assert_int_equal(btrfs_util_create_subvolume(victim, 0, NULL, NULL),
			 BTRFS_UTIL_OK);
	bad = snaps[0];
	bad.device = victim;
	memset(&one, 0, sizeof(one));
	one.snapshots = &bad;
	one.count = 1;
	assert_int_equal(provider_btrfs.ops->seal(&provider_btrfs, &one),
			 -EINVAL);
	assert_non_null(strstr(one.error, "is not a shadow copy"));
	assert_false(read_only(victim));
	/* ...and nothing before commit. */
	bad.device = NULL;
	assert_int_equal(provider_btrfs.ops->seal(&provider_btrfs, &one),
			 VSS_E_BAD_STATE);
	assert_int_equal(btrfs_util_delete_subvolume(victim, 0), BTRFS_UTIL_OK);

	delete_all(&set);
	pset_release(&set);
	assert_int_equal(unlink(sfx_join(env.top, "top.tmp")), 0);
	assert_int_equal(unlink(sfx_join(env.sub, "sub.tmp")), 0);
}

/* What list reported under the test's own mounts. */
struct listed {
	vss_id id;
	char volume[128];
	char device[256];
};

static struct listed listed[8];
static size_t nlisted;

static void
on_listed(void *arg, const vss_id *id, const char *volume, const char *device)
{
	size_t dlen = strlen(env.dir);

	assert_ptr_equal(arg, &nlisted);
	/* The machine may have btrfs volumes of its own. */
	if (strncmp(volume, env.dir, dlen) != 0 || volume[dlen] != '/')
		return;
	assert_true(nlisted < sizeof(listed) / sizeof(listed[0]));
	listed[nlisted].id = *id;
	snprintf(listed[nlisted].volume, sizeof(listed[0].volume), "%s",
		 volume);
	snprintf(listed[nlisted].device, sizeof(listed[0].device), "%s",
		 device);
	nlisted++;
}

static void
expect_listed(const struct provider_snapshot *snap)
{
	size_t i, found = 0;

	for (i = 0; i < nlisted; i++) {
		if (!vss_id_equal(&listed[i].id, &snap->snapshot_id))
			continue;
		found++;
		assert_string_equal(listed[i].volume, snap->volume);
		assert_string_equal(listed[i].device, snap->device);
	}
	assert_int_equal(found, 1);
}

/* List afresh; how many shadow copies list reported. */
static size_t
list_all(void)
{
	nlisted = 0;
	assert_int_equal(provider_btrfs.ops->list(&provider_btrfs, on_listed,
						  &nlisted, errbuf,
						  sizeof(errbuf)),
			 0);
	return nlisted;
}

/*
 * list reports each shadow copy on disk once, with its volume and device:
 * "sub" is mounted twice (env.ro binds it again) and is reported under
 * its read-write mount; neither .vss-shadows nor what else lies in it
 * counts.
 */
static void
test_list(void **state)
{
	const char *volumes[] = {env.top, env.sub};
	struct provider_snapshot snaps[2];
	char stray[256], fake[256], name[VSS_ID_STRLEN];
	struct provider_set set;
	vss_id id;

	sfx_require();
	assert_int_equal(list_all(), 0);

	pset_init(&set, snaps, volumes, 2, VSS_CTX_BACKUP);
	assert_int_equal(create_set(&set), 0);
	/* A directory with another name, and a plain one with an id name. */
	snprintf(stray, sizeof(stray), "%s/.vss-shadows/stray", env.top);
	assert_int_equal(mkdir(stray, 0700), 0);
	vss_id_generate(&id);
	vss_id_format(&id, name);
	snprintf(fake, sizeof(fake), "%s/.vss-shadows/%s", env.sub, name);
	assert_int_equal(mkdir(fake, 0700), 0);

	assert_int_equal(list_all(), 2);
	expect_listed(&snaps[0]);
	expect_listed(&snaps[1]);

	assert_int_equal(provider_btrfs.ops->list(&provider_btrfs, NULL, NULL,
						  errbuf, sizeof(errbuf)),
			 -EINVAL);
	assert_int_equal(rmdir(stray), 0);
	assert_int_equal(rmdir(fake), 0);
	delete_all(&set);
	pset_release(&set);
	assert_int_equal(list_all(), 0);
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
		cmocka_unit_test(test_writable_seal),
		cmocka_unit_test(test_list),
	};

	return sfx_exit_status(cmocka_run_group_tests(tests, group_setup,
						      sfx_group_teardown),
			       "btrfs provider tests");
}
