/*
 * tests/writers/test_writerd_state.c - the writers' state files
 * (writers/writerd/state.c) in a real temporary directory: file names
 * from any instance name, the atomic replacement, and what loading
 * refuses (links, FIFOs, files others own or may write, oversized files,
 * NUL bytes, a directory others may write); and the layouts the
 * PostgreSQL and MariaDB writers keep there (pg_state.c, mdb_state.c):
 * round trips and hostile documents.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "hosted_writer.h"
#include "mdb_state.h"
#include "pg_state.h"
#include "state.h"

static char top[] = "/tmp/test_writerd_state.XXXXXX";
static char dir[256];

/* A writer of that instance name, enough for the state calls. */
struct fake {
	struct wd_conf conf;
	struct wd_writer w;
};

static void
fake_init(struct fake *f, const char *instance_name)
{
	memset(f, 0, sizeof(*f));
	f->conf.decl.instance_name = (char *)instance_name;
	f->w.conf = &f->conf;
	f->w.log_fd = -1;
}

static void
path_of(const char *instance_name, char *buf)
{
	char name[NAME_MAX + 1];

	assert_int_equal(wd_state_file_name(instance_name, name, sizeof(name)),
			 0);
	snprintf(buf, PATH_MAX, "%s/%s", dir, name);
}

/* Write bytes as the state file of instance_name, behind the API. */
static void
plant(const char *instance_name, const char *data, size_t len, mode_t mode)
{
	char path[PATH_MAX];
	int fd;

	path_of(instance_name, path);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

/* The entries of dir other than "." and "..". */
static int
entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static int
setup(void **state)
{
	(void)state;
	if (!mkdtemp(top))
		return -1;
	/* Two missing levels: the daemon creates them. */
	snprintf(dir, sizeof(dir), "%s/lib/writerd", top);
	wd_state_setup(dir);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	chmod(dir, 0700);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_setup_creates_private_dir(void **state)
{
	struct stat st;

	(void)state;
	assert_int_equal(stat(dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
}

static void
test_file_names(void **state)
{
	char buf[NAME_MAX + 1], longname[WD_STATE_MAX_NAME + 2];

	(void)state;
	assert_int_equal(wd_state_file_name("pg-main_1.x", buf, sizeof(buf)),
			 0);
	assert_string_equal(buf, "pg-main_1.x.state");
	/* No way out of the directory, no hidden file, no collision. */
	assert_int_equal(wd_state_file_name("../etc/x y", buf, sizeof(buf)),
			 0);
	assert_string_equal(buf, "%2E.%2Fetc%2Fx%20y.state");
	assert_int_equal(wd_state_file_name("%2E", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "%252E.state");
	assert_int_equal(wd_state_file_name("", buf, sizeof(buf)), -EINVAL);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(wd_state_file_name(longname, buf, sizeof(buf)),
			 -ENAMETOOLONG);
	assert_int_equal(wd_state_file_name("abc", buf, 8), -ENAMETOOLONG);
}

static void
test_save_load_replace(void **state)
{
	struct fake f;
	char *text = NULL;
	struct stat st;
	char path[PATH_MAX];

	(void)state;
	fake_init(&f, "db/main");
	assert_int_equal(wd_state_load(&f.w, &text), -ENOENT);
	assert_int_equal(wd_state_save(&f.w, "one"), 0);
	assert_int_equal(wd_state_save(&f.w, "two\n"), 0);
	assert_int_equal(wd_state_load(&f.w, &text), 0);
	assert_string_equal(text, "two\n");
	free(text);
	path_of("db/main", path);
	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	/* Replaced, no temporary file left. */
	assert_int_equal(entries(), 1);
	unlink(path);
}

/* Only a changed text is written again. */
static void
test_save_changed(void **state)
{
	struct fake f;
	char *last = NULL, path[PATH_MAX];
	struct stat st1, st2;

	(void)state;
	fake_init(&f, "changed");
	path_of("changed", path);
	wd_state_save_changed(&f.w, &last, strdup("one"));
	assert_non_null(last);
	assert_string_equal(last, "one");
	assert_int_equal(lstat(path, &st1), 0);
	wd_state_save_changed(&f.w, &last, strdup("one"));
	assert_int_equal(lstat(path, &st2), 0);
	assert_int_equal(st1.st_ino, st2.st_ino); /* not replaced */
	wd_state_save_changed(&f.w, &last, strdup("two"));
	assert_string_equal(last, "two");
	assert_int_equal(lstat(path, &st2), 0);
	assert_int_not_equal(st1.st_ino, st2.st_ino); /* renamed over */
	free(last);
	unlink(path);
}

/* A crash left a temporary file; a failed save changes nothing. */
static void
test_atomic(void **state)
{
	char path[PATH_MAX], tmp[PATH_MAX], *big, *text = NULL;
	struct fake f;
	int fd;

	(void)state;
	fake_init(&f, "app");
	assert_int_equal(wd_state_save(&f.w, "old"), 0);
	path_of("app", path);
	snprintf(tmp, sizeof(tmp), "%s/.app.state.vss-tmp", dir);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "half", 4), 4);
	close(fd);
	assert_int_equal(wd_state_load(&f.w, &text), 0);
	assert_string_equal(text, "old");
	free(text);

	big = malloc(WD_STATE_MAX_SIZE + 2);
	assert_non_null(big);
	memset(big, 'x', WD_STATE_MAX_SIZE + 1);
	big[WD_STATE_MAX_SIZE + 1] = '\0';
	assert_int_equal(wd_state_save(&f.w, big), -EFBIG);
	assert_int_equal(wd_state_load(&f.w, &text), 0);
	assert_string_equal(text, "old");
	free(text);
	/* The largest allowed is taken, and the leftover is gone. */
	big[WD_STATE_MAX_SIZE] = '\0';
	assert_int_equal(wd_state_save(&f.w, big), 0);
	assert_int_equal(access(tmp, F_OK), -1);
	assert_int_equal(wd_state_load(&f.w, &text), 0);
	assert_int_equal(strlen(text), WD_STATE_MAX_SIZE);
	free(text);
	free(big);
	unlink(path);
}

static void
expect_refused(const char *name, int status)
{
	struct fake f;
	char *text = NULL;

	fake_init(&f, name);
	assert_int_equal(wd_state_load(&f.w, &text), status);
	assert_null(text);
}

static void
test_hostile_files(void **state)
{
	char path[PATH_MAX], *big;

	(void)state;
	/* A symbolic link, even to a good file of ours. */
	plant("good", "{}", 2, 0600);
	path_of("link", path);
	assert_int_equal(symlink("good.state", path), 0);
	expect_refused("link", -EPERM);
	/* A FIFO: refused without blocking. */
	path_of("fifo", path);
	assert_int_equal(mkfifo(path, 0600), 0);
	expect_refused("fifo", -EPERM);
	/* A directory. */
	path_of("dir", path);
	assert_int_equal(mkdir(path, 0700), 0);
	expect_refused("dir", -EPERM);
	/* Writable by group or others. */
	plant("loose", "{}", 2, 0620);
	expect_refused("loose", -EPERM);
	plant("loose", "{}", 2, 0602);
	expect_refused("loose", -EPERM);
	/* NUL inside. */
	plant("nul", "{}\0{}", 5, 0600);
	expect_refused("nul", -EBADMSG);
	/* One byte too many. */
	big = calloc(1, WD_STATE_MAX_SIZE + 1);
	assert_non_null(big);
	memset(big, ' ', WD_STATE_MAX_SIZE + 1);
	plant("big", big, WD_STATE_MAX_SIZE + 1, 0600);
	free(big);
	expect_refused("big", -EFBIG);
	/* Owned by someone else (root can make one). */
	if (geteuid() == 0) {
		plant("other", "{}", 2, 0600);
		path_of("other", path);
		assert_int_equal(chown(path, 65534, 65534), 0);
		expect_refused("other", -EPERM);
	}
}

/* A directory others may write: nothing there is trusted, nor written. */
static void
test_loose_dir(void **state)
{
	struct fake f;
	char *text = NULL;

	(void)state;
	plant("inloose", "{}", 2, 0600);
	assert_int_equal(chmod(dir, 0777), 0);
	expect_refused("inloose", -EPERM);
	fake_init(&f, "inloose");
	assert_int_equal(wd_state_save(&f.w, "x"), -EPERM);
	assert_int_equal(chmod(dir, 0700), 0);
	assert_int_equal(wd_state_load(&f.w, &text), 0);
	assert_string_equal(text, "{}");
	free(text);
}

/* ---- the PostgreSQL layout ----------------------------------------------- */

static void
pg_expect_bad(const char *text)
{
	struct pg_layout l = {0};
	struct vss_error err = {0};

	assert_int_equal(pg_state_decode(text, strlen(text), &l, &err),
			 -EBADMSG);
	assert_null(l.data_dir);
	assert_true(strstr(err.message, "PostgreSQL writer state: ") ==
		    err.message);
}

static void
test_pg_layout(void **state)
{
	struct pg_layout l = {.server_version = 150004}, back = {0};
	struct vss_error err = {0};
	char *text, *again;

	(void)state;
	l.data_dir = strdup("/srv/pg/data");
	l.wal_dir = strdup("/srv/wal");
	assert_int_equal(pg_layout_add_tablespace(&l, 16384, "ts one",
						  "/srv/ts1"), 0);
	assert_int_equal(pg_layout_add_tablespace(&l, 16385, "ts2",
						  "/srv/ts2"), 0);
	assert_int_equal(pg_state_encode(&l, &text), 0);
	assert_int_equal(pg_state_decode(text, strlen(text), &back, &err), 0);
	assert_int_equal(back.server_version, 150004);
	assert_string_equal(back.data_dir, "/srv/pg/data");
	assert_string_equal(back.wal_dir, "/srv/wal");
	assert_int_equal(back.n_tablespaces, 2);
	assert_int_equal(back.tablespaces[1].oid, 16385);
	assert_string_equal(back.tablespaces[0].name, "ts one");
	assert_string_equal(back.tablespaces[1].location, "/srv/ts2");
	assert_int_equal(pg_state_encode(&back, &again), 0);
	assert_string_equal(text, again);
	free(text);
	free(again);
	pg_layout_release(&l);
	pg_layout_release(&back);

#define PG_HEAD "{\"format\":\"vss-postgresql-state\",\"version\":1,"
	pg_expect_bad("");
	pg_expect_bad("[]");
	pg_expect_bad(PG_HEAD "\"server_version\":150004,\"data_directory\":"
			      "\"/d\",\"wal_directory\":\"/d/pg_wal\"}");
	pg_expect_bad(PG_HEAD "\"server_version\":150004,\"data_directory\":"
			      "\"/d\",\"wal_directory\":\"/w\","
			      "\"tablespaces\":[],\"extra\":1}");
	pg_expect_bad(PG_HEAD "\"server_version\":90600,\"data_directory\":"
			      "\"/d\",\"wal_directory\":\"/w\","
			      "\"tablespaces\":[]}");
	pg_expect_bad(PG_HEAD "\"server_version\":4295117300,"
			      "\"data_directory\":\"/d\",\"wal_directory\":"
			      "\"/w\",\"tablespaces\":[]}");
	pg_expect_bad(PG_HEAD "\"server_version\":150004,\"data_directory\":"
			      "\"d\",\"wal_directory\":\"/w\","
			      "\"tablespaces\":[]}");
	pg_expect_bad(PG_HEAD "\"server_version\":150004,\"data_directory\":"
			      "\"/d/../etc\",\"wal_directory\":\"/w\","
			      "\"tablespaces\":[]}");
	pg_expect_bad(PG_HEAD "\"server_version\":150004,\"data_directory\":"
			      "\"/d\\u0000x\",\"wal_directory\":\"/w\","
			      "\"tablespaces\":[]}");
	pg_expect_bad(PG_HEAD "\"server_version\":150004,\"data_directory\":"
			      "\"/d\",\"wal_directory\":\"/w\",\"tablespaces\":"
			      "[{\"oid\":0,\"name\":\"t\","
			      "\"location\":\"/t\"}]}");
	pg_expect_bad(PG_HEAD "\"server_version\":150004,\"data_directory\":"
			      "\"/d\",\"wal_directory\":\"/w\",\"tablespaces\":"
			      "[{\"oid\":5,\"name\":\"t\",\"location\":\"/t\"},"
			      "{\"oid\":5,\"name\":\"u\","
			      "\"location\":\"/u\"}]}");
	pg_expect_bad(PG_HEAD "\"server_version\":150004,\"data_directory\":"
			      "\"/d\",\"data_directory\":\"/e\","
			      "\"wal_directory\":\"/w\",\"tablespaces\":[]}");
	pg_expect_bad("{\"format\":\"vss-postgresql-backup\",\"version\":1,"
		      "\"server_version\":150004,\"data_directory\":\"/d\","
		      "\"wal_directory\":\"/w\",\"tablespaces\":[]}");
}

/* ---- the MariaDB layout -------------------------------------------------- */

static void
mdb_expect_bad(const char *text)
{
	struct mdb_paths p = {0};
	struct vss_error err = {0};

	assert_int_equal(mdb_state_decode(text, strlen(text), &p, &err),
			 -EBADMSG);
	assert_null(p.datadir);
	assert_true(strstr(err.message, "MariaDB writer state: ") ==
		    err.message);
}

#define MDB_TAIL                                                               \
	"\"innodb_data_home_dir\":\"/d\",\"innodb_log_group_home_dir\":"     \
	"\"/d\",\"innodb_undo_directory\":\"/d\",\"log_bin_basename\":null,"  \
	"\"pid_file\":null,\"socket\":null}"

static void
test_mdb_layout(void **state)
{
	struct mdb_paths p = {0}, back = {0};
	struct vss_error err = {0};
	char *text, *again;

	(void)state;
	p.version = strdup("10.11.6-MariaDB");
	p.datadir = strdup("/var/lib/mysql");
	p.innodb_data_home_dir = strdup("/var/lib/mysql");
	p.innodb_log_group_home_dir = strdup("/srv/redo");
	p.innodb_undo_directory = strdup("/var/lib/mysql");
	p.pid_file = strdup("/run/mysqld/mysqld.pid");
	assert_int_equal(mdb_state_encode(&p, &text), 0);
	assert_int_equal(mdb_state_decode(text, strlen(text), &back, &err), 0);
	assert_string_equal(back.version, "10.11.6-MariaDB");
	assert_string_equal(back.innodb_log_group_home_dir, "/srv/redo");
	assert_string_equal(back.pid_file, "/run/mysqld/mysqld.pid");
	assert_null(back.log_bin_basename);
	assert_null(back.socket);
	assert_int_equal(mdb_state_encode(&back, &again), 0);
	assert_string_equal(text, again);
	free(text);
	free(again);
	mdb_paths_release(&p);
	mdb_paths_release(&back);

#define MDB_HEAD "{\"format\":\"vss-mariadb-state\",\"version\":1,"
	mdb_expect_bad("{}");
	mdb_expect_bad(MDB_HEAD "\"server_version\":\"10\",\"datadir\":"
				"null," MDB_TAIL);
	mdb_expect_bad(MDB_HEAD "\"server_version\":\"10\",\"datadir\":"
				"\"mysql\"," MDB_TAIL);
	mdb_expect_bad(MDB_HEAD "\"server_version\":\"\",\"datadir\":"
				"\"/d\"," MDB_TAIL);
	mdb_expect_bad(MDB_HEAD "\"server_version\":\"10\",\"datadir\":"
				"\"/d\",\"more\":\"/x\"," MDB_TAIL);
	mdb_expect_bad("{\"format\":\"vss-mariadb-state\",\"version\":2,"
		       "\"server_version\":\"10\",\"datadir\":\"/d\","
		       MDB_TAIL);
	mdb_expect_bad(MDB_HEAD "\"server_version\":\"10\",\"datadir\":"
				"\"/d\",\"innodb_data_home_dir\":\"/d\","
				"\"innodb_log_group_home_dir\":\"/d\","
				"\"innodb_undo_directory\":\"/d\","
				"\"log_bin_basename\":null,\"pid_file\":"
				"\"/run/\\u0001\",\"socket\":null}");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_setup_creates_private_dir),
		cmocka_unit_test(test_file_names),
		cmocka_unit_test(test_save_changed),
		cmocka_unit_test(test_save_load_replace),
		cmocka_unit_test(test_atomic),
		cmocka_unit_test(test_hostile_files),
		cmocka_unit_test(test_loose_dir),
		cmocka_unit_test(test_pg_layout),
		cmocka_unit_test(test_mdb_layout),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
