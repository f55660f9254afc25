/*
 * writers/mariadb/mdb_restore.c - the restore checks and the files the
 * MariaDB writer leaves in a restored data directory.
 */
#include <errno.h>
#include <fcntl.h>
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
#include "mdb_layout.h"
#include "mdb_restore.h"
#include "newtarget.h"

int
mdb_restore_target(const vss_bcd_component *c, const struct mdb_meta *m,
		   const char *known_datadir, char **ret_target,
		   struct vss_error *err)
{
	struct wtargets t = { 0 };
	char *target;
	int r;

	/* The metadata comes from the requester: a datadir other than the
	 * server's would make post_restore write (and remove a pid file)
	 * wherever it says. */
	if (known_datadir == NULL) {
		wini_seterr(err, "the writer has not seen the server, so it "
				 "cannot check the backup's datadir %s",
			    m->datadir);
		return -EINVAL;
	}
	if (strcmp(m->datadir, known_datadir) != 0) {
		wini_seterr(err, "the backup's datadir %s is not the server's "
				 "(%s): restore it with a new target instead",
			    m->datadir, known_datadir);
		return -EINVAL;
	}
	r = wtargets_add_component(&t, c, err);
	if (r < 0)
		return r;
	target = strdup(wtargets_find(&t, m->datadir));
	wtargets_release(&t);
	if (target == NULL)
		return -ENOMEM;
	*ret_target = target;
	return 0;
}

/* path, moved from the data directory into target when it lies there. */
static char *
in_target(const char *path, const struct mdb_meta *m, const char *target)
{
	char *out;

	if (!wpath_within(path, m->datadir))
		return strdup(path);
	if (asprintf(&out, "%s%s", target, path + strlen(m->datadir)) < 0)
		return NULL;
	return out;
}

/* Does another process hold dir/name open?  0 no, 1 yes (err set). */
static int
check_holders(const char *dir, const char *name, const struct mdb_meta *m,
	      const char *target, struct vss_error *err)
{
	char *orig, *path;
	struct wholder h[1];

	if (asprintf(&orig, "%s/%s", dir, name) < 0)
		return -ENOMEM;
	path = in_target(orig, m, target);
	free(orig);
	if (path == NULL)
		return -ENOMEM;

	size_t uninspected = 0;
	int r = wholders_of_file(path, h, 1, &uninspected);

	if (r == -ENOENT)
		r = 0;
	else if (r == 0)
		r = wholders_uninspected(path, uninspected, err);
	else if (r < 0)
		wini_seterr(err, "cannot tell who holds %s open: %s", path,
			    strerror(-r));
	else if (r > 0)
		wini_seterr(err,
			    "MariaDB is running (pid %d, %s holds %s open); "
			    "stop it before restoring",
			    (int)h[0].pid, h[0].comm[0] ? h[0].comm : "?",
			    path);
	free(path);
	return r;
}

int
mdb_restore_check_stopped(const struct mdb_meta *m, const char *target,
			  struct vss_error *err)
{
	if (m->pid_file[0] != '\0') {
		char *pid_file = in_target(m->pid_file, m, target);
		pid_t pid = 0;

		if (pid_file == NULL)
			return -ENOMEM;

		int r = wholders_pidfile_alive(pid_file, &pid);

		if (r > 0)
			wini_seterr(err,
				    "MariaDB is running (pid %d) on %s; stop "
				    "it before restoring",
				    (int)pid, target);
		else if (r < 0 && r != -EINVAL)
			wini_seterr(err, "pid file %s: %s", pid_file,
				    strerror(-r));
		free(pid_file);
		/* A pid file that holds no pid is not a server running. */
		if (r > 0)
			return VSS_E_WRITERERROR_RETRYABLE;
		if (r < 0 && r != -EINVAL)
			return VSS_E_WRITERERROR_NONRETRYABLE;
	}

	int r = check_holders(m->innodb_data_home_dir, "ibdata1", m, target,
			      err);

	if (r == 0)
		r = check_holders(m->innodb_log_group_home_dir, "ib_logfile0",
				  m, target, err);
	if (r > 0)
		return VSS_E_WRITERERROR_RETRYABLE;
	if (r < 0)
		return r == -ENOMEM ? r : VSS_E_WRITERERROR_NONRETRYABLE;
	return 0;
}

int
mdb_restore_position_text(const struct mdb_meta *m, char **ret)
{
	int n = asprintf(
		ret,
		"# The binary log position of the MariaDB backup restored "
		"here (vss-writerd).\n"
		"# Replay later changes with: mariadb-binlog "
		"--start-position=BINLOG_POSITION BINLOG_FILE ...\n"
		"# or, with GTIDs: --start-position=GTID_BINLOG_POS.\n"
		"binlog_file=%s\n"
		"binlog_position=%llu\n"
		"gtid_binlog_pos=%s\n"
		"server_version=%s\n"
		"lock=%s\n",
		m->binlog_file, (unsigned long long)m->binlog_position,
		m->gtid_binlog_pos, m->server_version, mdb_lock_name(m->lock));

	return n < 0 ? -ENOMEM : 0;
}

/*
 * Remove a pid file restored with the data directory (it would make the
 * server think another one runs, or kill the wrong process); only one
 * that sits directly in the data directory, by name relative to its fd,
 * so that neither a path from the metadata nor a link leads elsewhere.
 */
static int
remove_pid_file(int dfd, const struct mdb_meta *m, const char *target,
		struct vss_error *err)
{
	char *dir, *name;
	int r;

	if (m->pid_file[0] == '\0')
		return 0;
	r = wpath_split(m->pid_file, &dir, &name);
	if (r == -EINVAL)
		return 0;
	if (r < 0)
		return r;
	if (strcmp(dir, m->datadir) == 0 && unlinkat(dfd, name, 0) < 0 &&
	    errno != ENOENT) {
		r = -errno;
		wini_seterr(err, "removing %s/%s: %s", target, name,
			    strerror(-r));
	}
	free(dir);
	free(name);
	return r;
}

int
mdb_restore_finish(const struct mdb_meta *m, const char *target,
		   bool remove_pid, struct vss_error *err)
{
	struct stat st;
	char *text;
	int dfd, r;

	dfd = open(target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fstat(dfd, &st) < 0) {
		r = -errno;
		wini_seterr(err, "the restored data directory %s: %s", target,
			    strerror(-r));
		if (dfd >= 0)
			close(dfd);
		return r;
	}
	r = remove_pid ? remove_pid_file(dfd, m, target, err) : 0;
	if (r == 0)
		r = mdb_restore_position_text(m, &text);
	if (r == 0) {
		r = wdurable_write(dfd, MDB_POSITION_FILE, text, strlen(text),
				   st.st_uid, st.st_gid, 0640);
		if (r < 0)
			wini_seterr(err, "writing %s/%s: %s", target,
				    MDB_POSITION_FILE, strerror(-r));
		free(text);
	}
	close(dfd);
	return r;
}
