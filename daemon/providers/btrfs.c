/*
 * daemon/providers/btrfs.c - shadow copies as read-only btrfs snapshots.
 *
 * A volume is a mounted btrfs file system or subvolume: the mount point is
 * the root of a subvolume (the top level, or one mounted with subvol=).
 * Commit takes a read-only snapshot of each volume of the set into
 * <mount>/.vss-shadows/<snapshot id>, on the same file system, so a shadow
 * copy costs no copying and needs no space set aside in advance.
 *
 * .vss-shadows is itself a subvolume, mode 0700, owned by the daemon.  A
 * btrfs snapshot does not descend into nested subvolumes (they show up as
 * empty directories), so no shadow copy contains the earlier shadow copies
 * of its volume, and a backup taken from a shadow copy skips them without
 * being told.  A plain directory would be copied into every new snapshot,
 * so a .vss-shadows that is anything but our own subvolume on the same
 * mount (a directory, a symbolic link, another user's subvolume, a mount
 * on top) is refused, never repaired: it is not ours to change.
 *
 * A set that needs files removed after commit (SN-004) is committed as
 * writable snapshots, which seal makes read-only once vssd is done.
 * list finds every shadow copy by looking into the .vss-shadows of each
 * mounted btrfs volume: a snapshot id there is one of ours.
 *
 * btrfs snapshots are transactional: the snapshot ioctl commits the
 * running transaction, so no sync or freeze is needed around it, and it
 * would block on a file system frozen with FIFREEZE (commit_while_frozen
 * is false).  Nothing here logs (PV-031): failures are described in
 * set->error for the coordinator to log once writers are thawed.
 */
#include <btrfsutil.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/btrfs_tree.h>
#include <linux/magic.h>
#include <mntent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "../provider.h"
#include "vss/status.h"

#define SHADOWS_DIR ".vss-shadows"

/*
 * The status for a failed system call: what the requester can act on
 * (storage, memory) keeps its meaning, anything else is a veto whose reason
 * is in the message.  err 0 is a refusal without a system error.
 */
static int
status_from_errno(int err)
{
	switch (err) {
	case ENOSPC:
	case EDQUOT:
		return VSS_E_INSUFFICIENT_STORAGE;
	case ENOMEM:
		return -ENOMEM;
	default:
		return VSS_E_PROVIDER_VETO;
	}
}

/*
 * Describe a failure in buf ("what: strerror(err)", or just "what" for
 * err 0) and return its status.
 */
static int __attribute__((format(printf, 4, 5)))
report(char *buf, size_t size, int err, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (err && n >= 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, ": %s",
			 strerror_r(err, tmp, sizeof(tmp)));
	return status_from_errno(err);
}

/* libbtrfsutil sets errno on failure; never report success by mistake. */
static int
btrfs_errno(void)
{
	return errno ? errno : EIO;
}

/* <volume>/.vss-shadows/<name> in *ret (caller owns; free()). */
static int
snapshot_path(const char *volume, const char *name, char **ret)
{
	/* The root volume is "/": no second slash. */
	const char *sep = strcmp(volume, "/") == 0 ? "" : "/";

	if (asprintf(ret, "%s%s" SHADOWS_DIR "/%s", volume, sep, name) < 0)
		return -ENOMEM;
	return 0;
}

/*
 * Open the root of a volume.  It must be the root of a subvolume: the
 * snapshot ioctl snapshots the whole subvolume holding its source, so a
 * bind-mounted subdirectory would silently yield a copy of more than the
 * volume.
 */
static int
volume_open(char *err, size_t errlen, const char *volume, int *ret_fd)
{
	enum btrfs_util_error e;
	int fd;

	fd = open(volume, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return report(err, errlen, errno, "cannot open volume '%s'",
			      volume);
	e = btrfs_util_is_subvolume_fd(fd);
	if (e != BTRFS_UTIL_OK) {
		int r;

		if (e == BTRFS_UTIL_ERROR_NOT_BTRFS ||
		    e == BTRFS_UTIL_ERROR_NOT_SUBVOLUME)
			r = report(err, errlen, 0,
				   "'%s' is not the root of a btrfs subvolume",
				   volume);
		else
			r = report(err, errlen, btrfs_errno(),
				   "cannot examine volume '%s'", volume);
		close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

/*
 * Open .vss-shadows of the volume open at vfd, checking it is our own
 * subvolume on the same mount and mode 0700.  With create, a missing one
 * is made; without, it is VSS_E_OBJECT_NOT_FOUND.
 */
static int
shadows_open(char *err, size_t errlen, int vfd, const char *volume, bool create,
	     int *ret_fd)
{
	const int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	struct statx vst, sst;
	enum btrfs_util_error e;
	int fd, r;

	fd = openat(vfd, SHADOWS_DIR, flags);
	if (fd < 0 && errno == ENOENT) {
		if (!create) {
			report(err, errlen, ENOENT, "cannot open '%s/%s'",
			       volume, SHADOWS_DIR);
			return VSS_E_OBJECT_NOT_FOUND;
		}
		/*
		 * Losing a race with another creator is fine: whatever is
		 * there now goes through the checks below.
		 */
		e = btrfs_util_create_subvolume_fd(vfd, SHADOWS_DIR, 0, NULL,
						   NULL);
		if (e != BTRFS_UTIL_OK && errno != EEXIST)
			return report(err, errlen, btrfs_errno(),
				      "cannot create subvolume '%s/%s'", volume,
				      SHADOWS_DIR);
		fd = openat(vfd, SHADOWS_DIR, flags);
	}
	if (fd < 0)
		return report(err, errlen, errno, "cannot open '%s/%s'", volume,
			      SHADOWS_DIR);
	/*
	 * A kernel without STATX_MNT_ID leaves both ids 0: the check passes
	 * and the snapshot ioctl still refuses another file system (EXDEV).
	 */
	if (statx(vfd, "", AT_EMPTY_PATH, STATX_MNT_ID, &vst) < 0 ||
	    statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID | STATX_UID | STATX_MODE,
		  &sst) < 0) {
		r = report(err, errlen, errno, "cannot examine '%s/%s'", volume,
			   SHADOWS_DIR);
		goto fail;
	}
	if (vst.stx_mnt_id != sst.stx_mnt_id) {
		r = report(err, errlen, 0, "'%s/%s' is another mount", volume,
			   SHADOWS_DIR);
		goto fail;
	}
	e = btrfs_util_is_subvolume_fd(fd);
	if (e != BTRFS_UTIL_OK) {
		if (e == BTRFS_UTIL_ERROR_NOT_SUBVOLUME)
			r = report(err, errlen, 0,
				   "'%s/%s' is not a subvolume, remove it",
				   volume, SHADOWS_DIR);
		else
			r = report(err, errlen, btrfs_errno(),
				   "cannot examine '%s/%s'", volume,
				   SHADOWS_DIR);
		goto fail;
	}
	if (sst.stx_uid != geteuid()) {
		r = report(err, errlen, 0, "'%s/%s' is owned by uid %u", volume,
			   SHADOWS_DIR, (unsigned int)sst.stx_uid);
		goto fail;
	}
	/* A new subvolume gets 0755 less the umask: only root may look in. */
	if ((sst.stx_mode & 07777) != 0700 && fchmod(fd, 0700) < 0) {
		r = report(err, errlen, errno, "cannot chmod '%s/%s'", volume,
			   SHADOWS_DIR);
		goto fail;
	}
	*ret_fd = fd;
	return 0;

fail:
	close(fd);
	return r;
}

/* Open the existing .vss-shadows of volume (see shadows_open()). */
static int
shadows_find(char *err, size_t errlen, const char *volume, int *ret_fd)
{
	int vfd, r;

	r = volume_open(err, errlen, volume, &vfd);
	if (r < 0)
		return r;
	r = shadows_open(err, errlen, vfd, volume, false, ret_fd);
	close(vfd);
	return r;
}

/*
 * The name of snap's shadow copy in .vss-shadows, and its path in *ret
 * (caller owns; free()).  The device must be that path, so that a damaged
 * record never touches another subvolume; with no device, that path is
 * the one meant.
 */
static int
snapshot_locate(const struct provider_snapshot *snap, char *err,
		size_t errlen, char name[VSS_ID_STRLEN], char **ret)
{
	char *want = NULL;
	int r;

	vss_id_format(&snap->snapshot_id, name);
	r = snapshot_path(snap->volume, name, &want);
	if (r < 0)
		return r;
	if (snap->device && strcmp(want, snap->device) != 0) {
		report(err, errlen, 0, "'%s' is not a shadow copy of '%s'",
		       snap->device, snap->volume);
		free(want);
		return -EINVAL;
	}
	*ret = want;
	return 0;
}

/* Delete the shadow copy of snap (see snapshot_locate()). */
static int
snapshot_remove(const struct provider_snapshot *snap, char *err, size_t errlen)
{
	char name[VSS_ID_STRLEN];
	char *want = NULL;
	int sfd = -1, r;
	enum btrfs_util_error e;

	r = snapshot_locate(snap, err, errlen, name, &want);
	if (r < 0)
		return r;
	r = shadows_find(err, errlen, snap->volume, &sfd);
	if (r < 0)
		goto fail;
	e = btrfs_util_delete_subvolume_fd(sfd, name, 0);
	if (e != BTRFS_UTIL_OK) {
		int saved = btrfs_errno();

		r = report(err, errlen, saved, "cannot delete '%s' (%s)", want,
			   btrfs_util_strerror(e));
		if (saved == ENOENT)
			r = VSS_E_OBJECT_NOT_FOUND;
		goto fail;
	}
	r = 0;

fail:
	if (sfd >= 0)
		close(sfd);
	free(want);
	return r;
}

/*
 * Supported: a read-write btrfs mount whose root is a subvolume.  A
 * read-only mount cannot take snapshots, and a provider must not accept
 * what it cannot do.
 */
static int
btrfs_is_volume_supported(const struct provider *p, const char *mount,
			  bool *ret)
{
	enum btrfs_util_error e;
	struct statfs sfs;

	(void)p;
	if (!mount || !ret)
		return -EINVAL;
	if (statfs(mount, &sfs) < 0)
		return -errno;
	if (sfs.f_type != BTRFS_SUPER_MAGIC || (sfs.f_flags & ST_RDONLY)) {
		*ret = false;
		return 0;
	}
	e = btrfs_util_is_subvolume(mount);
	switch (e) {
	case BTRFS_UTIL_OK:
		*ret = true;
		return 0;
	case BTRFS_UTIL_ERROR_NOT_BTRFS:
	case BTRFS_UTIL_ERROR_NOT_SUBVOLUME:
		*ret = false;
		return 0;
	default:
		return -btrfs_errno();
	}
}

/*
 * Everything that can be done before the freeze: check the volume and
 * make its .vss-shadows, which is a btrfs transaction of its own.  Nothing
 * is kept between calls, so a new set may start at any time (PV-022).
 */
static int
btrfs_begin_prepare(const struct provider *p, struct provider_set *set,
		    struct provider_snapshot *snap)
{
	int vfd = -1, sfd = -1, r;

	(void)p;
	if (!set || !snap || !snap->volume)
		return -EINVAL;
	/*
	 * A btrfs snapshot shares extents with its origin (differential) and
	 * stays on this machine's file system (PV-012, PV-040).
	 */
	if (set->context &
	    (VSS_VOLSNAP_ATTR_PLEX | VSS_VOLSNAP_ATTR_TRANSPORTABLE)) {
		report(set->error, sizeof(set->error), 0,
		       "btrfs snapshots of '%s' can be neither plex nor "
		       "transportable",
		       snap->volume);
		return VSS_E_VOLUME_NOT_SUPPORTED_BY_PROVIDER;
	}
	r = volume_open(set->error, sizeof(set->error), snap->volume, &vfd);
	if (r < 0)
		return r;
	r = shadows_open(set->error, sizeof(set->error), vfd, snap->volume,
			 true, &sfd);
	if (r == 0)
		close(sfd);
	close(vfd);
	return r;
}

/* What commit needs per snapshot, gathered before the first snapshot. */
struct commit_slot {
	int volume_fd;
	int shadows_fd;
	char *device;
	char name[VSS_ID_STRLEN];
};

static int
commit_gather(struct provider_set *set, struct commit_slot *slot,
	      const struct provider_snapshot *snap)
{
	char *err = set->error;
	size_t errlen = sizeof(set->error);
	int r;

	if (!snap->volume)
		return -EINVAL;
	if (snap->device) {
		report(err, errlen, 0, "'%s' is already committed",
		       snap->device);
		return VSS_E_BAD_STATE;
	}
	r = volume_open(err, errlen, snap->volume, &slot->volume_fd);
	if (r < 0)
		return r;
	/* Normally begin_prepare made it; creating it here is harmless. */
	r = shadows_open(err, errlen, slot->volume_fd, snap->volume, true,
			 &slot->shadows_fd);
	if (r < 0)
		return r;
	vss_id_format(&snap->snapshot_id, slot->name);
	return snapshot_path(snap->volume, slot->name, &slot->device);
}

/*
 * Snapshot every volume of the set, back to back while writers are
 * frozen.  On failure the snapshots made so far keep their device, for
 * abort to delete (PV-020).
 */
static int
btrfs_commit(const struct provider *p, struct provider_set *set)
{
	struct commit_slot *slots;
	enum btrfs_util_error e;
	int flags, r = 0;
	size_t i;

	(void)p;
	if (!set || (set->count && !set->snapshots))
		return -EINVAL;
	if (set->count == 0)
		return 0;
	slots = calloc(set->count, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (i = 0; i < set->count; i++)
		slots[i].volume_fd = slots[i].shadows_fd = -1;
	/*
	 * Whatever can fail short of the snapshots themselves happens first,
	 * so that the snapshots follow one another as closely as possible.
	 */
	for (i = 0; i < set->count; i++) {
		r = commit_gather(set, &slots[i], &set->snapshots[i]);
		if (r < 0)
			goto out;
	}
	/* SN-004: writable until seal when vssd has files to remove. */
	flags = set->writable ? 0 : BTRFS_UTIL_CREATE_SNAPSHOT_READ_ONLY;
	for (i = 0; i < set->count; i++) {
		struct provider_snapshot *snap = &set->snapshots[i];

		e = btrfs_util_create_snapshot_fd2(
			slots[i].volume_fd, slots[i].shadows_fd, slots[i].name,
			flags, NULL, NULL);
		if (e != BTRFS_UTIL_OK) {
			r = report(set->error, sizeof(set->error),
				   btrfs_errno(), "cannot snapshot '%s' (%s)",
				   snap->volume, btrfs_util_strerror(e));
			goto out;
		}
		snap->created = provider_timestamp_now();
		snap->device = slots[i].device;
		slots[i].device = NULL;
	}

out:
	for (i = 0; i < set->count; i++) {
		if (slots[i].volume_fd >= 0)
			close(slots[i].volume_fd);
		if (slots[i].shadows_fd >= 0)
			close(slots[i].shadows_fd);
		free(slots[i].device);
	}
	free(slots);
	return r;
}

/*
 * Delete every snapshot of the set that commit made, going on past
 * failures; a snapshot already gone counts as deleted, so a second abort
 * does nothing.  The .vss-shadows subvolumes stay for later sets.
 */
static int
btrfs_abort(const struct provider *p, struct provider_set *set)
{
	size_t i;
	int first = 0, r;

	(void)p;
	if (!set || (set->count && !set->snapshots))
		return -EINVAL;
	for (i = 0; i < set->count; i++) {
		struct provider_snapshot *snap = &set->snapshots[i];
		char err[sizeof(set->error)] = "";

		if (!snap->device)
			continue;
		r = snapshot_remove(snap, err, sizeof(err));
		provider_abort_note(set, snap, r, err, &first);
	}
	return first;
}

/* Make the shadow copy of snap read-only (see snapshot_locate()). */
static int
snapshot_seal(const struct provider_snapshot *snap, char *err, size_t errlen)
{
	char name[VSS_ID_STRLEN];
	char *want = NULL;
	int sfd = -1, fd = -1, r;
	enum btrfs_util_error e;

	if (!snap->volume)
		return -EINVAL;
	if (!snap->device) {
		report(err, errlen, 0, "no shadow copy of '%s' to seal",
		       snap->volume);
		return VSS_E_BAD_STATE;
	}
	r = snapshot_locate(snap, err, errlen, name, &want);
	if (r < 0)
		return r;
	r = shadows_find(err, errlen, snap->volume, &sfd);
	if (r < 0)
		goto out;
	fd = openat(sfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		r = report(err, errlen, errno, "cannot open '%s'", want);
		if (errno == ENOENT)
			r = VSS_E_OBJECT_NOT_FOUND;
		goto out;
	}
	/* The ioctl refuses anything but the root of a subvolume. */
	e = btrfs_util_set_subvolume_read_only_fd(fd, true);
	if (e != BTRFS_UTIL_OK) {
		r = report(err, errlen, btrfs_errno(),
			   "cannot make '%s' read-only (%s)", want,
			   btrfs_util_strerror(e));
		goto out;
	}
	r = 0;

out:
	if (fd >= 0)
		close(fd);
	if (sfd >= 0)
		close(sfd);
	free(want);
	return r;
}

/*
 * SN-004: once vssd has removed the files not to snapshot from the
 * writable shadow copies of the set, make them read-only, stopping at the
 * first failure (the set is then aborted).
 */
static int
btrfs_seal(const struct provider *p, struct provider_set *set)
{
	size_t i;
	int r;

	(void)p;
	if (!set || (set->count && !set->snapshots))
		return -EINVAL;
	for (i = 0; i < set->count; i++) {
		r = snapshot_seal(&set->snapshots[i], set->error,
				  sizeof(set->error));
		if (r < 0)
			return r;
	}
	return 0;
}

static int
btrfs_delete_snapshot(const struct provider *p,
		      const struct provider_snapshot *snap, char *err,
		      size_t errlen)
{
	(void)p;
	if (!snap || !snap->volume)
		return -EINVAL;
	return snapshot_remove(snap, err, errlen);
}

/* What list has done so far. */
struct list_walk {
	provider_list_fn fn;
	void *arg;
	/* The subvolumes looked at, by device number (one each). */
	dev_t *seen;
	size_t nseen;
	char *err;
	size_t errlen;
};

/* Has the subvolume of dev been looked at?  If not, it now is. */
static int
list_seen(struct list_walk *w, dev_t dev, bool *ret)
{
	dev_t *v;
	size_t i;

	for (i = 0; i < w->nseen; i++) {
		if (w->seen[i] == dev) {
			*ret = true;
			return 0;
		}
	}
	v = reallocarray(w->seen, w->nseen + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	w->seen = v;
	w->seen[w->nseen++] = dev;
	*ret = false;
	return 0;
}

/*
 * Entry name of the .vss-shadows open at sfd: a shadow copy when it is a
 * snapshot id in the form commit writes it, naming a subvolume.
 */
static int
list_entry(struct list_walk *w, int sfd, const char *mount, const char *name)
{
	char form[VSS_ID_STRLEN], *device;
	struct stat st;
	vss_id id;
	int r;

	if (vss_id_parse(&id, name) < 0)
		return 0;
	vss_id_format(&id, form);
	if (strcmp(form, name) != 0)
		return 0;
	if (fstatat(sfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 :
		       report(w->err, w->errlen, errno,
			      "cannot examine '%s/%s/%s'", mount, SHADOWS_DIR,
			      name);
	if (!S_ISDIR(st.st_mode) || st.st_ino != BTRFS_FIRST_FREE_OBJECTID)
		return 0;
	r = snapshot_path(mount, name, &device);
	if (r < 0)
		return r;
	w->fn(w->arg, &id, mount, device);
	free(device);
	return 0;
}

/*
 * The shadow copies of the volume mounted at mount, unless its subvolume
 * was looked at under another mount point.  A mount that is not the root
 * of a subvolume, or whose .vss-shadows is missing or not ours, holds
 * none of ours.
 */
static int
list_volume(struct list_walk *w, const char *mount)
{
	char ignored[256];
	struct dirent *d;
	struct stat st;
	bool seen = false;
	int vfd, sfd = -1, r;
	DIR *dir;

	if (volume_open(ignored, sizeof(ignored), mount, &vfd) < 0)
		return 0;
	r = fstat(vfd, &st) < 0 ? -errno : list_seen(w, st.st_dev, &seen);
	if (r == 0 && !seen)
		r = shadows_open(ignored, sizeof(ignored), vfd, mount, false,
				 &sfd);
	close(vfd);
	if (r == -ENOMEM)
		return report(w->err, w->errlen, ENOMEM, "listing '%s'", mount);
	if (r < 0 || seen)
		return 0;
	dir = fdopendir(sfd);
	if (!dir) {
		r = report(w->err, w->errlen, errno, "cannot read '%s/%s'",
			   mount, SHADOWS_DIR);
		close(sfd);
		return r;
	}
	for (;;) {
		errno = 0;
		d = readdir(dir);
		if (!d) {
			if (errno != 0)
				r = report(w->err, w->errlen, errno,
					   "cannot read '%s/%s'", mount,
					   SHADOWS_DIR);
			break;
		}
		r = list_entry(w, dirfd(dir), mount, d->d_name);
		if (r < 0)
			break;
	}
	closedir(dir);
	return r;
}

/* One pass over the mounted btrfs file systems, read-write or not. */
static int
list_mounts(struct list_walk *w, bool read_write)
{
	char buf[4 * PATH_MAX];
	struct mntent ent;
	int r = 0;
	FILE *f;

	f = setmntent("/proc/self/mounts", "re");
	if (!f)
		return report(w->err, w->errlen, errno,
			      "cannot read /proc/self/mounts");
	while (r == 0 && getmntent_r(f, &ent, buf, sizeof(buf))) {
		if (strcmp(ent.mnt_type, "btrfs") != 0 ||
		    (hasmntopt(&ent, "ro") == NULL) != read_write)
			continue;
		r = list_volume(w, ent.mnt_dir);
	}
	endmntent(f);
	return r;
}

/*
 * Every shadow copy in the .vss-shadows of every mounted btrfs volume.  A
 * subvolume mounted at several places (bind mounts, a second subvol=
 * mount) is reported once, under its first read-write mount point (where
 * its shadow copies can have been made), else its first one.
 */
static int
btrfs_list(const struct provider *p, provider_list_fn fn, void *arg,
	   char *err, size_t errlen)
{
	struct list_walk w = {
		.fn = fn, .arg = arg, .err = err, .errlen = errlen,
	};
	int r;

	(void)p;
	if (!fn)
		return -EINVAL;
	r = list_mounts(&w, true);
	if (r == 0)
		r = list_mounts(&w, false);
	free(w.seen);
	return r;
}

static const struct provider_ops btrfs_ops = {
	.is_volume_supported = btrfs_is_volume_supported,
	.begin_prepare = btrfs_begin_prepare,
	/* begin_prepare finishes its work before returning: no rendezvous. */
	.end_prepare = NULL,
	/*
	 * No pre- or post-commit: the snapshot ioctl commits the transaction
	 * itself, so there is no sync to do before and no I/O to release
	 * after.
	 */
	.pre_commit = NULL,
	.commit = btrfs_commit,
	.post_commit = NULL,
	.seal = btrfs_seal,
	.abort = btrfs_abort,
	.delete_snapshot = btrfs_delete_snapshot,
	/* vssd bind-mounts the snapshot directory read-only. */
	.expose = NULL,
	.unexpose = NULL,
	.list = btrfs_list,
};

const struct provider provider_btrfs = {
	.name = "btrfs",
	/* bbe97604-214d-4547-adc1-ca48143ab1e9, for ever. */
	.id = {{0xbb, 0xe9, 0x76, 0x04, 0x21, 0x4d, 0x45, 0x47, 0xad, 0xc1,
		0xca, 0x48, 0x14, 0x3a, 0xb1, 0xe9}},
	/* 55b26ffb-0a10-4005-a867-6bcd0a779486: version 1. */
	.version_id = {{0x55, 0xb2, 0x6f, 0xfb, 0x0a, 0x10, 0x40, 0x05, 0xa8,
			0x67, 0x6b, 0xcd, 0x0a, 0x77, 0x94, 0x86}},
	.version = "1",
	.type = VSS_PROV_SYSTEM,
	.commit_while_frozen = false,
	.can_seal = true,
	.ops = &btrfs_ops,
};
