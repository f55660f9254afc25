/*
 * daemon/setlog.c - the record of each snapshot set that has shadow
 * copies on disk, so that none outlives a crash of vssd.
 *
 * A record in <state dir>/sets/<set id>.json is written (state
 * "creating") before the providers start making shadow copies, updated
 * with their devices once the writers are thawed, rewritten by the
 * inventory (state "created", with every property) when the set is made
 * and whenever one of its shadow copies changes, and removed once every
 * one of them is deleted.  At start, a record of a set being made, or of
 * an auto-release set (its session died with the last run), names shadow
 * copies to delete before any connection is accepted; a record of a
 * persistent set that was made goes back into the inventory.
 *
 * Records are written atomically (a temporary file in the same directory,
 * fsync, rename, fsync of the directory), never while writers are frozen,
 * and the state directory is not on a volume being snapshotted.
 */
#include "daemon.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vss/status.h>

#include "expose.h"
#include "statefile.h"

#define SETS_DIR "sets"
#define RECORD_SUFFIX ".json"
#define RECORD_NAME_LEN (VSS_ID_STRLEN + sizeof(RECORD_SUFFIX))

/* <state dir>/sets and a descriptor of it, set by setlog_init(). */
static char *sets_dir;
static int sets_fd = -1;

int
setlog_init(const char *state_dir)
{
	char *path;
	int fd, r;

	if (asprintf(&path, "%s/" SETS_DIR, state_dir) < 0)
		return -ENOMEM;
	if (mkdir(path, 0700) < 0 && errno != EEXIST) {
		r = -errno;
		free(path);
		return r;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		free(path);
		return r;
	}
	setlog_release();
	sets_dir = path;
	sets_fd = fd;
	return 0;
}

void
setlog_release(void)
{
	free(sets_dir);
	sets_dir = NULL;
	if (sets_fd >= 0)
		close(sets_fd);
	sets_fd = -1;
}

/* "<set id>.json", the record's name in sets_dir. */
static void
record_name(const vss_id *set_id, char name[RECORD_NAME_LEN])
{
	vss_id_format(set_id, name);
	strcat(name, RECORD_SUFFIX);
}

static json_t *
record_json(const struct snapset *set)
{
	char text[VSS_ID_STRLEN];
	json_t *rec, *snaps, *o;
	size_t i;

	rec = json_object();
	snaps = json_array();
	if (!rec || !snaps)
		goto fail;
	vss_id_format(&set->id, text);
	if (json_object_set_new(rec, "set_id", json_string(text)) < 0 ||
	    json_object_set_new(rec, "state", json_string("creating")) < 0 ||
	    json_object_set(rec, "snapshots", snaps) < 0)
		goto fail;
	for (i = 0; i < set->count; i++) {
		const struct set_snapshot *ss = &set->snapshots[i];
		const char *device = ss->snap ? ss->snap->device : NULL;

		o = json_object();
		if (!o || json_array_append_new(snaps, o) < 0)
			goto fail;
		vss_id_format(&ss->snapshot_id, text);
		if (json_object_set_new(o, "snapshot_id", json_string(text)) <
			    0 ||
		    json_object_set_new(o, "volume", json_string(ss->volume)) <
			    0 ||
		    json_object_set_new(o, "provider",
					json_string(ss->provider->name)) < 0)
			goto fail;
		vss_id_format(&ss->provider->id, text);
		if (json_object_set_new(o, "provider_id", json_string(text)) <
		    0)
			goto fail;
		if (device && json_object_set_new(o, "device",
						  json_string(device)) < 0)
			goto fail;
	}
	json_decref(snaps);
	return rec;

fail:
	json_decref(snaps);
	json_decref(rec);
	return NULL;
}

int
setlog_store(const vss_id *set_id, json_t *rec)
{
	char name[RECORD_NAME_LEN], *text;
	int r;

	if (sets_fd < 0)
		return -EINVAL;
	record_name(set_id, name);
	text = json_dumps(rec, JSON_INDENT(1) | JSON_SORT_KEYS);
	if (!text)
		return -ENOMEM;
	r = statefile_write(sets_fd, name, text);
	free(text);
	return r;
}

int
setlog_write(const struct snapset *set)
{
	json_t *rec;
	int r;

	rec = record_json(set);
	if (!rec)
		return -ENOMEM;
	r = setlog_store(&set->id, rec);
	json_decref(rec);
	return r;
}

int
setlog_remove(const vss_id *set_id)
{
	char name[RECORD_NAME_LEN];

	if (sets_fd < 0)
		return -EINVAL;
	record_name(set_id, name);
	return statefile_remove(sets_fd, name);
}

static const char *
json_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/*
 * Take away the exposure a record names, if it is still there (an
 * auto-release shadow copy exposed when vssd died).  0 or the failure,
 * logged.
 */
static int
recover_exposure(const struct provider *p, const struct provider_snapshot *snap,
		 const json_t *o, const char *text)
{
	const char *path = json_str(o, "exposed");
	bool remove_dir = json_is_true(json_object_get(o, "exposed_default"));
	char err[256] = "";
	int r;

	if (!path || !expose_is_mounted(path))
		return 0;
	r = provider_unexpose(p, snap, path, remove_dir, err, sizeof(err));
	if (r < 0 && r != VSS_E_OBJECT_NOT_FOUND) {
		log_warnx("shadow copy %s: exposure at %s not taken away: %s "
			  "(%s)", text, path, vss_strerror(r), err);
		return r;
	}
	log_warnx("shadow copy %s: exposure at %s left by a previous run "
		  "taken away", text, path);
	return 0;
}

/*
 * Delete one shadow copy of a record: 1 when deleted, 0 when it was not
 * there, -EINVAL for a malformed entry, or another negative status.
 */
static int
recover_snapshot(const char *sid, const json_t *o)
{
	struct provider_snapshot snap = { 0 };
	const struct provider *ops;
	const char *volume = json_str(o, "volume");
	const char *device = json_str(o, "device");
	char text[VSS_ID_STRLEN];
	char err[256] = "";
	vss_id provider_id;
	int r;

	if (!json_is_object(o) || !volume || volume[0] != '/' ||
	    !json_str(o, "snapshot_id") || !json_str(o, "provider_id") ||
	    vss_id_parse(&snap.snapshot_id, json_str(o, "snapshot_id")) < 0 ||
	    vss_id_parse(&provider_id, json_str(o, "provider_id")) < 0)
		return -EINVAL;
	vss_id_format(&snap.snapshot_id, text);
	ops = provider_find(&provider_id);
	if (!ops) {
		log_warnx("shadow copy %s of set %s: provider %s not "
			  "registered", text, sid, json_str(o, "provider_id"));
		return VSS_E_PROVIDER_NOT_REGISTERED;
	}
	if (!ops->ops->delete_snapshot)
		return 0;
	/*
	 * A record written before commit has no device: the provider may
	 * have made the shadow copy anyway, and with no device deletes it
	 * where it would have made it.  Given a device, a provider checks
	 * it is its own naming before deleting anything.
	 */
	snap.volume = strdup(volume);
	snap.device = device ? strdup(device) : NULL;
	if (!snap.volume || (device && !snap.device)) {
		provider_snapshot_release(&snap);
		return -ENOMEM;
	}
	/* An exposure would keep the shadow copy busy: it goes first. */
	r = recover_exposure(ops, &snap, o, text);
	if (r == 0)
		r = ops->ops->delete_snapshot(ops, &snap, err, sizeof(err));
	if (r == 0)
		log_warnx("removing shadow copy %s of set %s left by a "
			  "previous run (%s)", text, sid,
			  device ? device : volume);
	else if (r == VSS_E_OBJECT_NOT_FOUND)
		log_debug("shadow copy %s of set %s was not made", text, sid);
	else
		log_warnx("shadow copy %s of set %s left by a previous run "
			  "not deleted: %s (%s)", text, sid, vss_strerror(r),
			  err);
	provider_snapshot_release(&snap);
	if (r == VSS_E_OBJECT_NOT_FOUND)
		return 0;
	return r < 0 ? r : 1;
}

/*
 * Deal with one record: 0 when its shadow copies are all gone, 1 when
 * they stay (a persistent set).
 */
static int
recover_record(const char *path, const char *name)
{
	char sid[VSS_ID_STRLEN];
	json_error_t jerr;
	json_t *rec, *snaps, *o;
	const char *text;
	vss_id set_id;
	size_t i;
	int r = 0, q;

	rec = json_load_file(path, 0, &jerr);
	if (!rec) {
		log_warnx("set record %s: %s (line %d)", name, jerr.text,
			  jerr.line);
		return -EINVAL;
	}
	text = json_str(rec, "set_id");
	snaps = json_object_get(rec, "snapshots");
	if (!text || vss_id_parse(&set_id, text) < 0 ||
	    !json_is_array(snaps)) {
		log_warnx("set record %s: no set_id or snapshots", name);
		r = -EINVAL;
		goto out;
	}
	vss_id_format(&set_id, sid);
	/* A persistent set that was made stays, in the inventory. */
	if (json_is_true(json_object_get(rec, "persistent")) &&
	    json_str(rec, "state") &&
	    strcmp(json_str(rec, "state"), "created") == 0) {
		r = inventory_restore(rec, name) < 0 ? -EINVAL : 1;
		goto out;
	}
	json_array_foreach(snaps, i, o) {
		q = recover_snapshot(sid, o);
		if (q == -EINVAL)
			log_warnx("set record %s: snapshot %zu malformed", name,
				  i);
		if (q < 0 && (r == 0 || q == -EINVAL))
			r = q;
	}

out:
	json_decref(rec);
	return r;
}

/* Keep a record that cannot be read out of the way, for a human. */
static void
move_aside(const char *path, const char *name)
{
	char *bad;

	if (asprintf(&bad, "%s.bad", path) < 0) {
		log_warnx("set record %s: out of memory", name);
		return;
	}
	if (rename(path, bad) < 0)
		log_warn("set record %s: rename to %s", name, bad);
	else
		log_warnx("set record %s moved aside to %s", name, bad);
	free(bad);
}

void
setlog_recover(void)
{
	struct dirent *de;
	size_t len, slen = strlen(RECORD_SUFFIX);
	char *path;
	DIR *d;
	int r;

	if (!sets_dir)
		return;
	d = opendir(sets_dir);
	if (!d) {
		log_warn("set records %s", sets_dir);
		return;
	}
	while ((de = readdir(d))) {
		len = strlen(de->d_name);
		/* A write cut short: the record it replaced, if any, stands. */
		if (de->d_name[0] == '.' && len > 4 &&
		    strcmp(de->d_name + len - 4, ".tmp") == 0) {
			if (unlinkat(dirfd(d), de->d_name, 0) < 0)
				log_warn("set record %s", de->d_name);
			continue;
		}
		if (de->d_name[0] == '.' || len <= slen ||
		    strcmp(de->d_name + len - slen, RECORD_SUFFIX) != 0)
			continue;
		if (asprintf(&path, "%s/%s", sets_dir, de->d_name) < 0) {
			log_warnx("set records: out of memory");
			break;
		}
		r = recover_record(path, de->d_name);
		if (r == 1) {
			/* Kept: the inventory rewrites it as it changes. */
		} else if (r == 0) {
			if (unlink(path) < 0)
				log_warn("set record %s", de->d_name);
		} else if (r == -EINVAL) {
			move_aside(path, de->d_name);
		} else {
			log_warnx("set record %s kept for the next start",
				  de->d_name);
		}
		free(path);
	}
	closedir(d);
	if (fsync(sets_fd) < 0)
		log_warn("fsync %s", sets_dir);
}
