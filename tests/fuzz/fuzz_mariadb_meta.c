/*
 * fuzz_mariadb_meta.c - libFuzzer target for the MariaDB writer's backup
 * metadata decoder (writers/mariadb/mdb_meta.c), which reads what a
 * requester hands back at restore.  A document that decodes must encode
 * again and decode to the same values, with its four paths clean and
 * absolute (checked here independently of writers/common/cleanpath.c: the
 * restore writes into them) and the binary log file a plain name;
 * anything else aborts.  See run.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdb_meta.h"
#include "mdb_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

_Noreturn static void
die(const char *what)
{
	fprintf(stderr, "fuzz_mariadb_meta: %s\n", what);
	abort();
}

static void
same(const char *a, const char *b, const char *what)
{
	if (strcmp(a, b) != 0)
		die(what);
}

/*
 * Clean absolute path, checked element by element on a copy: "/" or
 * "/e1/e2..." with no empty, "." or ".." element and no byte below 0x20
 * or 0x7f.
 */
static int
clean_path(const char *p)
{
	char copy[8192], *save = NULL, *e;
	size_t n = strlen(p);

	if (n == 0 || n >= sizeof(copy) || p[0] != '/')
		return 0;
	if (n == 1)
		return 1;
	if (p[n - 1] == '/' || strstr(p, "//") != NULL)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
			return 0;
	memcpy(copy, p, n + 1);
	for (e = strtok_r(copy, "/", &save); e; e = strtok_r(NULL, "/", &save))
		if (strcmp(e, ".") == 0 || strcmp(e, "..") == 0)
			return 0;
	return 1;
}

/*
 * The layout vss-writerd keeps in its state directory (mdb_state.c):
 * what is accepted encodes to text that decodes and encodes to the same
 * text again.
 */
static void
check_state(const uint8_t *data, size_t size)
{
	struct mdb_paths p = {0}, again = {0};
	struct vss_error err;
	char *text, *text2;

	if (mdb_state_decode((const char *)data, size, &p, &err) < 0)
		return;
	if (mdb_state_encode(&p, &text) != 0)
		die("state: encode failed");
	if (mdb_state_decode(text, strlen(text), &again, &err) != 0)
		die("state: encoded layout refused");
	if (mdb_state_encode(&again, &text2) != 0)
		die("state: encode failed");
	same(text, text2, "state round trip");
	free(text);
	free(text2);
	mdb_paths_release(&p);
	mdb_paths_release(&again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vss_error err;
	struct mdb_meta m, again;
	char *json = NULL;

	check_state(data, size);
	if (mdb_meta_decode((const char *)data, size, &m, &err) < 0)
		return 0;
	if (!clean_path(m.datadir) || !clean_path(m.innodb_data_home_dir) ||
	    !clean_path(m.innodb_log_group_home_dir))
		die("decoded a directory that is not a clean absolute path");
	if (m.pid_file[0] != '\0' &&
	    (m.pid_file[0] != '/' || !clean_path(m.pid_file)))
		die("decoded a pid_file that is not a clean absolute path");
	if (strchr(m.binlog_file, '/') != NULL)
		die("decoded a binlog_file with a '/'");
	if (mdb_meta_encode(&m, &json, &err) < 0)
		die("a decoded document does not encode");
	if (mdb_meta_decode(json, strlen(json), &again, &err) < 0)
		die("an encoded document does not decode");
	same(m.server_version, again.server_version, "server_version");
	same(m.datadir, again.datadir, "datadir");
	same(m.pid_file, again.pid_file, "pid_file");
	same(m.innodb_data_home_dir, again.innodb_data_home_dir,
	     "innodb_data_home_dir");
	same(m.innodb_log_group_home_dir, again.innodb_log_group_home_dir,
	     "innodb_log_group_home_dir");
	same(m.binlog_file, again.binlog_file, "binlog_file");
	same(m.gtid_binlog_pos, again.gtid_binlog_pos, "gtid_binlog_pos");
	if (m.binlog_position != again.binlog_position || m.lock != again.lock)
		die("position or lock changed");
	free(json);
	mdb_meta_release(&m);
	mdb_meta_release(&again);
	return 0;
}
