/*
 * tests/writers/test_writerd_conf.c - vss-writerd's configuration files
 * (writers/writerd/conf.c) with the real writer types: the defaults each
 * type gives, what a file may override, errors with file, line, section
 * and key, and the directory check (host.c: *.conf only, duplicate
 * instance names refused).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "conf.h"
#include "host.h"

#define PATH "/etc/vss/writers.d/app.conf"
/* The least an exec file says: the type, restore method, a component. */
#define EXEC_MIN                                                               \
	"[writer]\ntype = exec\n[restore]\nmethod = CUSTOM\n"                 \
	"[component data]\nfiles = /srv/data * true\n"

static struct wd_conf *
parse_ok(const char *text)
{
	struct wd_conf *c = NULL;
	struct vss_error err;
	int r;

	r = wd_conf_parse(PATH, text, &c, &err);
	if (r < 0)
		fail_msg("refused: %s", err.message);
	return c;
}

/* The message of a refused text; it must start with PATH and say why. */
static const char *
parse_err(const char *text, int *line)
{
	static struct vss_error err;
	struct wd_conf *c = NULL;

	assert_int_equal(wd_conf_parse(PATH, text, &c, &err), -EINVAL);
	assert_null(c);
	assert_memory_equal(err.message, PATH ": ", strlen(PATH ": "));
	if (strlen(err.message) <= strlen(PATH ": "))
		fail_msg("refused without a reason: '%s'", err.message);
	*line = err.line;
	return err.message + strlen(PATH ": ");
}

static void
expect_err(const char *text, int line, const char *want)
{
	const char *msg;
	int got_line;

	msg = parse_err(text, &got_line);
	if (!strstr(msg, want))
		fail_msg("'%s' lacks '%s'", msg, want);
	assert_int_equal(got_line, line);
}

static void
expect_class(const struct wd_conf *c, const char *text)
{
	char id[VSS_ID_STRLEN];

	vss_id_format(&c->decl.class_id, id);
	assert_string_equal(id, text);
}

/* ---- defaults ------------------------------------------------------------ */

struct type_default {
	const char *type;
	const char *class_id;
	const char *name;
	const char *file; /* the least a file of the type says */
};

static const struct type_default type_defaults[] = {
	{"exec", "9d68032d-26b3-4fee-86b8-e9a532af0d0d", "script writer",
	 EXEC_MIN},
	{"postgresql", "47962783-475d-423c-9f7b-2b8c7f2db622", "PostgreSQL",
	 "[writer]\ntype = postgresql\n[postgresql]\n"
	 "conninfo = host=/run/postgresql port=5432\n"},
	{"mariadb", "5996bd67-9a55-4cd5-8d13-018aaa8f8d4a", "MariaDB",
	 "[writer]\ntype = mariadb\n[mariadb]\n"
	 "socket = /run/mysqld/mysqld.sock\n"},
	{"sqlite", "f5427a5a-9ac6-46bd-a92b-6bce7cfd1e2f", "SQLite",
	 "[writer]\ntype = sqlite\n[sqlite]\ndatabase = /srv/app.db\n"},
};

/* Each type's class id, name, usage and source; instance: the stem. */
static void
test_defaults_per_type(void **state)
{
	const struct type_default *t;
	struct wd_conf *c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(type_defaults) / sizeof(type_defaults[0]);
	     i++) {
		t = &type_defaults[i];
		c = parse_ok(t->file);
		assert_non_null(c);
		assert_ptr_equal(c->backend, wd_backend_find(t->type));
		assert_string_equal(c->backend->type, t->type);
		expect_class(c, t->class_id);
		assert_string_equal(c->decl.name, t->name);
		assert_string_equal(c->decl.instance_name, "app");
		assert_int_equal(c->decl.usage, c->backend->usage);
		assert_int_equal(c->decl.source, c->backend->source);
		assert_null(c->log_file);
		assert_string_equal(c->text, t->file);
		assert_string_equal(c->path, PATH);
		wd_conf_free(c);
	}
	assert_null(wd_backend_find("Exec"));
	assert_null(wd_backend_find(""));
	assert_string_equal(wd_backend_names(),
			    "exec, postgresql, mariadb, sqlite");
}

/* What [writer] may override, in any order, type last included. */
static void
test_overrides(void **state)
{
	struct wd_conf *c;

	(void)state;
	c = parse_ok("; comment\n"
		     "[exec]\nfreeze = sync\n"
		     "[writer]\n"
		     "name = Shop\n"
		     "instance_name = shop main\n"
		     "class_id = 0b0e7b60-3e52-4a8b-9a0f-2f7c31c4e0a1\n"
		     "log_file = /var/log/vss/shop.log\n"
		     "version = 3.2\n"
		     "type = exec\n"
		     "[restore]\nmethod = CUSTOM\n"
		     "[component data]\nfiles = /srv/data * true\n");
	assert_non_null(c);
	assert_string_equal(c->decl.name, "Shop");
	assert_string_equal(c->decl.instance_name, "shop main");
	expect_class(c, "0b0e7b60-3e52-4a8b-9a0f-2f7c31c4e0a1");
	assert_string_equal(c->log_file, "/var/log/vss/shop.log");
	assert_int_equal(c->decl.major_version, 3);
	assert_int_equal(c->decl.minor_version, 2);
	wd_conf_free(c);

	/* An empty instance name is the default one. */
	c = parse_ok(EXEC_MIN "[writer]\ninstance_name =\n");
	assert_non_null(c);
	assert_string_equal(c->decl.instance_name, "app");
	wd_conf_free(c);
}

/* The default instance name is the file name without ".conf". */
static void
test_instance_from_file_name(void **state)
{
	struct vss_error err;
	struct wd_conf *c;

	(void)state;
	assert_int_equal(wd_conf_parse("/x/db.main.conf",
				       EXEC_MIN, &c, &err),
			 0);
	assert_string_equal(c->decl.instance_name, "db.main");
	wd_conf_free(c);
	assert_int_equal(wd_conf_parse("plain", EXEC_MIN,
				       &c, &err),
			 0);
	assert_string_equal(c->decl.instance_name, "plain");
	wd_conf_free(c);
}

/* ---- errors -------------------------------------------------------------- */

static void
test_type_errors(void **state)
{
	(void)state;
	expect_err("", 0, "[writer] type is required (exec, postgresql, "
			  "mariadb, sqlite)");
	expect_err("[writer]\nname = x\n", 0, "[writer] type is required");
	expect_err("[exec]\ntype = exec\n", 0, "[writer] type is required");
	expect_err("[writer]\n\ntype = oracle\n", 3,
		   "line 3: [writer] type: unknown type 'oracle' (exec, "
		   "postgresql, mariadb, sqlite)");
	expect_err("[writer]\ntype = exec\ntype = exec\n", 3,
		   "line 3: [writer] type: given twice");
}

static void
test_key_errors(void **state)
{
	(void)state;
	/* Unknown section, unknown key in [writer] and in [TYPE]. */
	expect_err("[writer]\ntype = exec\n\n[nope]\nx = 1\n", 5,
		   "line 5: [nope] x: unknown section");
	expect_err("[writer]\ntype = exec\ncolour = red\n", 3,
		   "line 3: [writer] colour: unknown key");
	expect_err("[writer]\ntype = exec\n[exec]\nfrezze = true\n", 4,
		   "line 4: [exec] frezze: unknown key");
	/* Another type's section, and sections the type does not take. */
	expect_err("[writer]\ntype = exec\n[postgresql]\nconninfo = x\n", 4,
		   "line 4: [postgresql] conninfo: a section of type "
		   "postgresql in a file of type exec");
	expect_err("[writer]\ntype = sqlite\n[sqlite]\ndatabase = /a.db\n"
		   "[component db]\ncaption = x\n",
		   6, "line 6: [component db] caption: type sqlite takes no "
		      "such section");
	/* A key outside any section. */
	expect_err("type = exec\n[writer]\ntype = exec\n", 1,
		   "line 1: type (outside any section)");
	/* Bad values, the declaration's and the type's. */
	expect_err("[writer]\ntype = exec\nlog_file = log/x\n", 3,
		   "line 3: [writer] log_file: 'log/x' is not an absolute "
		   "path");
	expect_err("[writer]\ntype = exec\nclass_id = nope\n", 3,
		   "line 3: [writer] class_id: ");
	expect_err("[writer]\ntype = exec\n[exec]\ntimeout = soon\n", 4,
		   "line 4: [exec] timeout: ");
	expect_err("[writer]\ntype = exec\n[restore]\nmethod = sometimes\n", 4,
		   "line 4: [restore] method: ");
	/* Not INI at all. */
	expect_err("[writer]\ntype = exec\nthis is not a key\n", 3,
		   "line 3: expected [section] or key = value");
}

/* What only the whole file tells: no line. */
static void
test_file_errors(void **state)
{
	(void)state;
	expect_err("[writer]\ntype = postgresql\n", 0,
		   "[postgresql] conninfo is required");
	expect_err(EXEC_MIN "[exec]\nfreeze_hold = true\n", 0,
		   "[exec] freeze_hold needs a freeze command");
	expect_err("[writer]\ntype = exec\n[restore]\nservice = x\n"
		   "[component data]\nfiles = /srv/data * true\n", 0,
		   "[restore]: method is required");
}

/* ---- files and directories ----------------------------------------------- */

struct dir {
	char path[64];
};

static int
dir_setup(void **state)
{
	struct dir *d = calloc(1, sizeof(*d));

	assert_non_null(d);
	strcpy(d->path, "/tmp/vss-writerd-conf-XXXXXX");
	assert_non_null(mkdtemp(d->path));
	*state = d;
	return 0;
}

static int
dir_teardown(void **state)
{
	struct dir *d = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->path);
	assert_int_equal(system(cmd), 0);
	free(d);
	return 0;
}

static void
put(const struct dir *d, const char *name, const char *text)
{
	char path[160];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", d->path, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* wd_conf_load: the bytes are kept; errors name the file. */
static void
test_load(void **state)
{
	struct dir *d = *state;
	struct vss_error err;
	struct wd_conf *c;
	char path[160];

	put(d, "one.conf", EXEC_MIN);
	snprintf(path, sizeof(path), "%s/one.conf", d->path);
	assert_int_equal(wd_conf_load(path, &c, &err), 0);
	assert_string_equal(c->text, EXEC_MIN);
	assert_string_equal(c->decl.instance_name, "one");
	wd_conf_free(c);

	put(d, "two.conf", "[writer]\ntype = exec\n[exec]\nbad = 1\n");
	snprintf(path, sizeof(path), "%s/two.conf", d->path);
	assert_int_equal(wd_conf_load(path, &c, &err), -EINVAL);
	assert_non_null(strstr(err.message, "two.conf: line 4: [exec] bad: "
					    "unknown key"));
	assert_int_equal(err.line, 4);

	snprintf(path, sizeof(path), "%s/none.conf", d->path);
	assert_int_equal(wd_conf_load(path, &c, &err), -ENOENT);
	assert_non_null(strstr(err.message, "none.conf: "));
}

/* Run wd_host_check on d; its output into out. */
static int
check_dir(const struct dir *d, char *out, size_t size)
{
	FILE *f = fmemopen(out, size, "w");
	int r;

	assert_non_null(f);
	memset(out, 0, size);
	r = wd_host_check(d->path, f);
	fclose(f);
	return r;
}

static void
test_check_dir(void **state)
{
	struct dir *d = *state;
	char out[4096];

	/* Only NAME.conf, not hidden ones, in name order. */
	put(d, "b.conf", EXEC_MIN);
	put(d, "a.conf", "[writer]\ntype = sqlite\n[sqlite]\n"
			 "database = /srv/a.db\n");
	put(d, ".hidden.conf", "broken");
	put(d, "notes.txt", "broken");
	put(d, "c.conf.orig", "broken");
	assert_int_equal(check_dir(d, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "/a.conf: type sqlite, name 'SQLite', "
				    "instance name 'a', class id "
				    "f5427a5a-9ac6-46bd-a92b-6bce7cfd1e2f\n"));
	assert_true(strstr(out, "/a.conf") < strstr(out, "/b.conf: type "
							 "exec"));
	assert_null(strstr(out, "hidden"));
	assert_null(strstr(out, "notes"));
	assert_null(strstr(out, "orig"));

	/* A bad file and a second one with a taken instance name. */
	put(d, "c.conf", EXEC_MIN "[writer]\ninstance_name = a\n");
	put(d, "d.conf", "[writer]\ntype = exec\n[exec]\nnope = 1\n");
	assert_int_equal(check_dir(d, out, sizeof(out)), -EINVAL);
	assert_non_null(strstr(out, "/c.conf: instance name 'a' is already "
				    "that of "));
	assert_non_null(strstr(out, "/d.conf: line 4: [exec] nope: unknown "
				    "key\n"));
	assert_non_null(strstr(out, "/b.conf: type exec"));

	/* Another class with the same instance name: refused as well. */
	put(d, "c.conf", "[writer]\ntype = postgresql\ninstance_name = a\n"
			 "[postgresql]\nconninfo = port=5432\n");
	unlink(strcat(strcpy(out, d->path), "/d.conf"));
	assert_int_equal(check_dir(d, out, sizeof(out)), -EINVAL);
	assert_non_null(strstr(out, "/c.conf: instance name 'a' is already "
				    "that of "));

	/* The earlier file wins, whatever the order the files came in. */
	unlink(strcat(strcpy(out, d->path), "/c.conf"));
	put(d, "0.conf", EXEC_MIN "[writer]\ninstance_name = b\n");
	assert_int_equal(check_dir(d, out, sizeof(out)), -EINVAL);
	assert_non_null(strstr(out, "/0.conf: type exec, name 'script "
				    "writer', instance name 'b'"));
	assert_non_null(strstr(out, "/b.conf: instance name 'b' is already "
				    "that of "));
	assert_non_null(strstr(out, "/0.conf\n"));

	/* A directory that does not exist holds no writers. */
	strcat(d->path, "/nonexistent");
	assert_int_equal(check_dir(d, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "/nonexistent\n"));
	assert_non_null(strstr(out, "no writers in "));
	d->path[strlen(d->path) - strlen("/nonexistent")] = '\0';

	/* A file others may write is refused: root runs its commands. */
	put(d, "w.conf", EXEC_MIN "[writer]\ninstance_name = w\n");
	strcat(strcpy(out, d->path), "/w.conf");
	assert_int_equal(chmod(out, 0664), 0);
	assert_int_equal(check_dir(d, out, sizeof(out)), -EINVAL);
	assert_non_null(strstr(out, "/w.conf: refused: owned by uid"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_per_type),
		cmocka_unit_test(test_overrides),
		cmocka_unit_test(test_instance_from_file_name),
		cmocka_unit_test(test_type_errors),
		cmocka_unit_test(test_key_errors),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test_setup_teardown(test_load, dir_setup,
						dir_teardown),
		cmocka_unit_test_setup_teardown(test_check_dir, dir_setup,
						dir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
