/*
 * writers/postgresql/pg_restore.c - the restore side of the PostgreSQL
 * writer.
 *
 * The shadow copies hold the cluster as a crash would have left it,
 * taken between pg_backup_start and past pg_backup_stop.  A server started
 * on such files alone would run crash recovery from the last checkpoint in
 * pg_control, which may be later than the backup's start: pages copied
 * before it would never be repaired.  The backup label makes recovery
 * start at the backup's checkpoint and go on to the backup's end record,
 * and the tablespace map recreates the tablespace links; both are written
 * here, from the backup metadata, before the server is started.
 *
 * vss-writerd runs as root and the metadata comes from a backup set, so
 * nothing here trusts it: its paths must be the cluster's own or the
 * requester's new targets (plan_init), nothing below the data directory
 * is reached through a symbolic link, and no existing directory changes
 * owner.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vss/status.h>

#include "cleanpath.h"
#include "durable.h"
#include "holders.h"
#include "ini.h"
#include "pg_label.h"
#include "pg_restore.h"

/*
 * Those whose contents are not backed up, pg_wal (it may be a link to a
 * WAL directory not restored), and those that may be empty and that the
 * server needs at start.
 */
const char *const pg_restore_dirs[] = {
	"pg_commit_ts", "pg_dynshmem",  "pg_logical",  "pg_logical/mappings",
	"pg_logical/snapshots", "pg_notify", "pg_replslot", "pg_serial",
	"pg_snapshots", "pg_stat",     "pg_stat_tmp", "pg_subtrans",
	"pg_tblspc",  "pg_twophase", "pg_wal",     NULL,
};

#define REFUSED VSS_E_WRITERERROR_NONRETRYABLE

vss_bcd_component *
pg_restore_cluster(vss_bcd_writer *w)
{
	vss_bcd_component *c;

	if (!w)
		return NULL;
	c = vss_bcd_writer_find_component(w, VSS_CT_FILEGROUP, NULL,
					  PG_CLUSTER_COMPONENT);
	return vss_bcd_component_restoring(c) ? c : NULL;
}

/* ---- the plan ----------------------------------------------------------- */

/*
 * path with symbolic links resolved as far as it exists: a new target's
 * destination is often not there yet.  Caller frees.
 */
static char *
resolve_existing(const char *path)
{
	char *head = strdup(path), *real = NULL, *out = NULL;
	const char *tail = "";
	char *slash;

	if (!head)
		return NULL;
	for (;;) {
		real = realpath(head[0] ? head : "/", NULL);
		if (real || (errno != ENOENT && errno != ENOTDIR))
			break;
		slash = strrchr(head, '/');
		if (!slash)
			break;
		/* head loses its last element, which joins the tail. */
		tail = path + (slash - head);
		*slash = '\0';
	}
	if (real && asprintf(&out, "%s%s",
			     strcmp(real, "/") == 0 && tail[0] ? "" : real,
			     tail) < 0)
		out = NULL;
	free(real);
	free(head);
	return out;
}

/*
 * Where dir goes: *ret the destination of its new target, or dir;
 * *ret_moved when that resolves to another place than dir does.
 */
static int
destination(const struct pg_restore_plan *p, const char *dir, char **ret,
	    bool *ret_moved)
{
	const char *to = wtargets_find(&p->targets, dir);
	char *a, *b;

	*ret_moved = false;
	if (to != dir) {
		a = resolve_existing(to);
		b = resolve_existing(dir);
		/* Unresolvable (no memory): as written, both clean. */
		*ret_moved = a && b ? strcmp(a, b) != 0 : strcmp(to, dir) != 0;
		free(a);
		free(b);
	}
	*ret = strdup(to);
	return *ret ? 0 : -ENOMEM;
}

/* A directory restored in place must be the cluster's own. */
static int
check_known(const char *what, const char *path, const char *known,
	    struct vss_error *err)
{
	if (known && strcmp(path, known) == 0)
		return 0;
	err->line = 0;
	if (!known)
		wini_seterr(err, "the backup's %s '%.300s' is not one of the "
				 "cluster this writer serves (it has none "
				 "there); restore it elsewhere (vss restore "
				 "--to)", what, path);
	else
		wini_seterr(err, "the backup's %s '%.300s' is not the "
				 "cluster's ('%.300s'); restore it elsewhere "
				 "(vss restore --to)", what, path, known);
	return REFUSED;
}

static const char *
known_location(const struct pg_layout *known, uint32_t oid)
{
	for (size_t i = 0; i < known->n_tablespaces; i++)
		if (known->tablespaces[i].oid == oid)
			return known->tablespaces[i].location;
	return NULL;
}

/* A copy moved elsewhere must not write into the cluster in place. */
static int
refuse_unmoved(const struct pg_restore_plan *p, const char *what,
	       const char *path, struct vss_error *err)
{
	err->line = 0;
	wini_seterr(err, "the data directory is restored to '%.300s' (a new "
			 "target) but the %s '%.300s' has no new target: the "
			 "copy would overwrite the cluster's; give every "
			 "directory of the cluster a new target",
		    p->data_dir, what, path);
	return REFUSED;
}

/* Data directory, WAL directory and tablespaces: where each goes. */
static int
place_directories(struct pg_restore_plan *p, const struct pg_layout *known,
		  struct vss_error *err)
{
	const struct pg_meta *m = &p->meta;
	bool moved;
	int r;

	r = destination(p, m->data_directory, &p->data_dir, &p->moved);
	if (r == 0 && !p->moved)
		r = check_known("data directory", m->data_directory,
				known->data_dir, err);
	p->wal_outside = !wpath_within(m->wal_directory, m->data_directory);
	if (r == 0 && p->wal_outside) {
		r = destination(p, m->wal_directory, &p->wal_dir, &moved);
		if (r == 0 && !moved)
			r = p->moved ? refuse_unmoved(p, "WAL directory",
						      m->wal_directory, err) :
				       check_known("WAL directory",
						   m->wal_directory,
						   known->wal_dir, err);
	} else if (r == 0 &&
		   asprintf(&p->wal_dir, "%s/pg_wal", p->data_dir) < 0) {
		p->wal_dir = NULL;
		r = -ENOMEM;
	}
	if (r == 0 && m->n_tablespaces > 0) {
		p->locations = calloc(m->n_tablespaces, sizeof(*p->locations));
		if (!p->locations)
			r = -ENOMEM;
	}
	for (size_t i = 0; r == 0 && i < m->n_tablespaces; i++) {
		const struct pg_tablespace *t = &m->tablespaces[i];

		r = destination(p, t->location, &p->locations[i], &moved);
		if (r == 0 && !moved)
			r = p->moved ? refuse_unmoved(p, "tablespace location",
						      t->location, err) :
				       check_known("tablespace location",
						   t->location,
						   known_location(known,
								  t->oid),
						   err);
	}
	return r;
}

/* The backup's tablespace map, its paths the plan's locations. */
static int
moved_map(struct pg_restore_plan *p, struct vss_error *err)
{
	struct pg_spcmap map;
	struct vss_error e;
	int r;

	r = pg_spcmap_parse(p->meta.tablespace_map, &map, &e);
	if (r < 0) {
		wini_seterr(err, "%s", e.message);
		return r == -ENOMEM ? r : REFUSED;
	}
	/* Decoding checked that the map lists exactly these oids. */
	for (size_t i = 0; i < map.count; i++) {
		for (size_t k = 0; k < p->meta.n_tablespaces; k++) {
			char *loc;

			if (p->meta.tablespaces[k].oid != map.entries[i].oid)
				continue;
			loc = strdup(p->locations[k]);
			if (!loc) {
				pg_spcmap_release(&map);
				return -ENOMEM;
			}
			free(map.entries[i].path);
			map.entries[i].path = loc;
		}
	}
	r = pg_spcmap_format(&map, &p->tablespace_map);
	pg_spcmap_release(&map);
	return r;
}

int
pg_restore_plan_init(struct pg_restore_plan *p, vss_bcd_writer *w,
		     const vss_bcd_component *cluster,
		     const struct pg_layout *known, struct vss_error *err)
{
	const char *text;
	int r;

	memset(p, 0, sizeof(*p));
	err->line = 0;
	text = vss_bcd_component_text(cluster, VSS_TEXT_BACKUP_METADATA);
	if (!text) {
		wini_seterr(err, "the backup of component '%s' holds no "
				 "PostgreSQL backup metadata",
			    PG_CLUSTER_COMPONENT);
		return REFUSED;
	}
	r = pg_meta_decode(text, strlen(text), &p->meta, err);
	if (r < 0)
		return r == -ENOMEM ? r : REFUSED;
	r = wtargets_add_writer(&p->targets, w, err);
	if (r == -EINVAL)
		r = REFUSED;
	if (r == 0)
		r = place_directories(p, known, err);
	if (r == 0)
		r = moved_map(p, err);
	if (r < 0)
		pg_restore_plan_release(p);
	return r;
}

void
pg_restore_plan_release(struct pg_restore_plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; p->locations && i < p->meta.n_tablespaces; i++)
		free(p->locations[i]);
	free(p->locations);
	wtargets_release(&p->targets);
	free(p->data_dir);
	free(p->wal_dir);
	free(p->tablespace_map);
	pg_meta_release(&p->meta);
	memset(p, 0, sizeof(*p));
}

/*
 * The pid of a server running on the data directory: 0 when none, 1 with
 * *ret_pid when one, else REFUSED with err set.
 */
static int
running_server(const struct pg_restore_plan *p, pid_t *ret_pid,
	       struct vss_error *err)
{
	char path[PATH_MAX];
	int r;

	snprintf(path, sizeof(path), "%s/postmaster.pid", p->data_dir);
	r = wholders_pidfile_alive(path, ret_pid);
	if (r >= 0)
		return r > 0;
	if (r == -EINVAL) /* not a pid file PostgreSQL wrote: no server */
		return 0;
	err->line = 0;
	wini_seterr(err, "reading %s: %s", path, strerror(-r));
	return REFUSED;
}

int
pg_restore_check_stopped(const struct pg_restore_plan *p,
			 bool requester_stops, struct vss_error *err)
{
	pid_t pid;
	int r;

	if (requester_stops && !p->moved)
		return 0;
	r = running_server(p, &pid, err);
	if (r <= 0)
		return r;
	wini_seterr(err, "PostgreSQL is running (pid %d) on %s; stop it "
			 "before restoring", (int)pid, p->data_dir);
	return VSS_E_WRITERERROR_RETRYABLE;
}

/* ---- post_restore ------------------------------------------------------- */

__attribute__((format(printf, 3, 4))) static int
sys_failed(struct vss_error *err, int e, const char *fmt, ...)
{
	char what[sizeof(err->message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	err->line = 0;
	wini_seterr(err, "%.600s: %s", what, strerror(e));
	return e == ENOMEM ? -ENOMEM : REFUSED;
}

/*
 * PostgreSQL refuses to start on a data directory open to others: mode
 * 0700 (0750 kept) for the directory at fd, but only when it already has
 * the server's owner.  An existing directory never changes owner: a
 * path that is not the server's is not made the server's.
 */
static int
fix_mode(int fd, const char *path, const struct stat *owner,
	 struct vss_error *err)
{
	struct stat st;
	mode_t mode;

	if (fstat(fd, &st) < 0)
		return sys_failed(err, errno, "%s", path);
	if (st.st_uid != owner->st_uid || st.st_gid != owner->st_gid)
		return 0;
	mode = st.st_mode & 07777;
	if (mode != 0700 && mode != 0750 && fchmod(fd, 0700) < 0)
		return sys_failed(err, errno, "chmod %s", path);
	return 0;
}

/*
 * The directory rel (elements separated by '/') below dfd made where
 * missing, 0700, the server's owner, every element opened without
 * following a symbolic link; a last element that exists, of whatever
 * type (pg_wal may link elsewhere), is left as it is.
 */
static int
make_dir(int dfd, const struct pg_restore_plan *p, const char *rel,
	 const struct stat *owner, struct vss_error *err)
{
	char elem[NAME_MAX + 1];
	int cur = dfd, r = 0;

	for (const char *s = rel; r == 0;) {
		size_t n = strcspn(s, "/");
		int next;

		snprintf(elem, sizeof(elem), "%.*s", (int)n, s);
		if (mkdirat(cur, elem, 0700) == 0) {
			if (fchownat(cur, elem, owner->st_uid, owner->st_gid,
				     AT_SYMLINK_NOFOLLOW) < 0)
				r = sys_failed(err, errno, "chown %s/%.*s",
					       p->data_dir,
					       (int)(s - rel + n), rel);
		} else if (errno != EEXIST) {
			r = sys_failed(err, errno, "mkdir %s/%.*s",
				       p->data_dir, (int)(s - rel + n), rel);
		}
		if (r < 0 || !s[n])
			break;
		next = openat(cur, elem,
			      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0)
			r = sys_failed(err, errno, "%s/%.*s (a directory, not "
					      "a symbolic link)",
				       p->data_dir, (int)(s - rel + n), rel);
		if (cur != dfd)
			close(cur);
		cur = next;
		s += n + 1;
	}
	if (cur != dfd && cur >= 0)
		close(cur);
	return r;
}

static int
make_dirs(int dfd, const struct pg_restore_plan *p, const struct stat *owner,
	  struct vss_error *err)
{
	int r = 0;

	for (size_t i = 0; r == 0 && pg_restore_dirs[i]; i++)
		r = make_dir(dfd, p, pg_restore_dirs[i], owner, err);
	return r;
}

/*
 * A WAL directory outside the data directory: pg_wal must link to where
 * it is now (restored elsewhere, the restored link would name the old
 * place, perhaps a running cluster's WAL).  A real directory is kept.
 */
static int
link_wal(int dfd, const struct pg_restore_plan *p, const struct stat *owner,
	 struct vss_error *err)
{
	char old[PATH_MAX];
	struct stat st;
	ssize_t n;

	if (!p->wal_outside)
		return 0;
	if (fstatat(dfd, "pg_wal", &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISLNK(st.st_mode))
			return 0;
		n = readlinkat(dfd, "pg_wal", old, sizeof(old) - 1);
		if (n >= 0) {
			old[n] = '\0';
			if (strcmp(old, p->wal_dir) == 0)
				return 0;
		}
		if (unlinkat(dfd, "pg_wal", 0) < 0)
			return sys_failed(err, errno, "removing %s/pg_wal",
					  p->data_dir);
	} else if (errno != ENOENT) {
		return sys_failed(err, errno, "%s/pg_wal", p->data_dir);
	}
	if (symlinkat(p->wal_dir, dfd, "pg_wal") < 0)
		return sys_failed(err, errno, "linking %s/pg_wal to %s",
				  p->data_dir, p->wal_dir);
	if (fchownat(dfd, "pg_wal", owner->st_uid, owner->st_gid,
		     AT_SYMLINK_NOFOLLOW) < 0)
		return sys_failed(err, errno, "chown %s/pg_wal", p->data_dir);
	return 0;
}

/* The tablespace locations must be there; their mode as fix_mode says. */
static int
check_locations(const struct pg_restore_plan *p, const struct stat *owner,
		struct vss_error *err)
{
	for (size_t i = 0; i < p->meta.n_tablespaces; i++) {
		int fd, r;

		fd = open(p->locations[i],
			  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return sys_failed(err, errno, "tablespace %u at %s",
					  (unsigned)p->meta.tablespaces[i].oid,
					  p->locations[i]);
		r = fix_mode(fd, p->locations[i], owner, err);
		close(fd);
		if (r != 0)
			return r;
	}
	return 0;
}

static int
refuse_running(const struct pg_restore_plan *p, pid_t pid,
	       struct vss_error *err)
{
	wini_seterr(err, "PostgreSQL is running (pid %d) on %s: nothing "
			 "written; stop it and restore again",
		    (int)pid, p->data_dir);
	return VSS_E_WRITERERROR_RETRYABLE;
}

/* Remove the restored postmaster.pid, unless a live server wrote it. */
static int
remove_pid_file(int dfd, const struct pg_restore_plan *p,
		struct vss_error *err)
{
	pid_t pid;
	int r;

	r = running_server(p, &pid, err);
	if (r < 0)
		return r;
	if (r > 0)
		return refuse_running(p, pid, err);
	if (unlinkat(dfd, "postmaster.pid", 0) < 0 && errno != ENOENT)
		return sys_failed(err, errno, "removing %s/postmaster.pid",
				  p->data_dir);
	return 0;
}

static int
write_file(int dfd, const struct pg_restore_plan *p, const char *name,
	   const char *text, const struct stat *owner, struct vss_error *err)
{
	int r = wdurable_write(dfd, name, text, strlen(text), owner->st_uid,
			       owner->st_gid, 0600);

	return r < 0 ? sys_failed(err, -r, "writing %s/%s", p->data_dir, name)
		     : 0;
}

static int
write_files(int dfd, const struct pg_restore_plan *p,
	    const struct stat *owner, struct vss_error *err)
{
	int r = fix_mode(dfd, p->data_dir, owner, err);

	if (r == 0)
		r = check_locations(p, owner, err);
	if (r == 0)
		r = link_wal(dfd, p, owner, err);
	if (r == 0)
		r = make_dirs(dfd, p, owner, err);
	if (r == 0)
		r = remove_pid_file(dfd, p, err);
	if (r == 0)
		r = write_file(dfd, p, "backup_label", p->meta.backup_label,
			       owner, err);
	/* An empty map means no tablespaces: a map left from elsewhere
	 * would make recovery link tablespaces that are not there. */
	if (r == 0 && p->tablespace_map[0])
		r = write_file(dfd, p, "tablespace_map", p->tablespace_map,
			       owner, err);
	else if (r == 0 && unlinkat(dfd, "tablespace_map", 0) < 0 &&
		 errno != ENOENT)
		r = sys_failed(err, errno, "removing %s/tablespace_map",
			       p->data_dir);
	if (r == 0 && fsync(dfd) < 0)
		r = sys_failed(err, errno, "fsync %s", p->data_dir);
	return r;
}

int
pg_restore_write(const struct pg_restore_plan *p, bool requester_restarts,
		 pid_t *ret_pid, struct vss_error *err)
{
	struct stat owner;
	pid_t pid;
	int dfd, r;

	/* Nothing is touched under a live server. */
	r = running_server(p, &pid, err);
	if (r < 0)
		return r;
	if (r > 0 && requester_restarts && !p->moved) {
		*ret_pid = pid;
		return 1;
	}
	if (r > 0)
		return refuse_running(p, pid, err);
	dfd = open(p->data_dir,
		   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return sys_failed(err, errno, "data directory %s",
				  p->data_dir);
	/* The restored files carry the server's owner; PG_VERSION is one. */
	if (fstatat(dfd, "PG_VERSION", &owner, AT_SYMLINK_NOFOLLOW) < 0)
		r = sys_failed(err, errno,
			       "%s/PG_VERSION (the data directory was not "
			       "restored)", p->data_dir);
	else if (!S_ISREG(owner.st_mode))
		r = sys_failed(err, EINVAL, "%s/PG_VERSION is not a file",
			       p->data_dir);
	else
		r = write_files(dfd, p, &owner, err);
	close(dfd);
	return r;
}
