/*
 * tests/writers/test_sqlite_conf.c - the [sqlite] section of a
 * vss-writerd file (writers/sqlite/sqlite_conf.c): databases with their
 * component names, the busy timeout, what is refused and why, and the
 * restore method the writer declares unless the file does.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sqlite_conf.h"

static struct sqlite_state *
new_state(void)
{
	void *st = NULL;

	assert_int_equal(sqlite_state_new(&st), 0);
	return st;
}

static void
key_ok(struct sqlite_state *st, const char *key, const char *value)
{
	struct vss_error err = {0};

	assert_int_equal(sqlite_config_key(st, key, value, &err), 0);
}

/* The key is refused with a message holding what. */
static void
key_bad(struct sqlite_state *st, const char *key, const char *value,
	const char *what)
{
	struct vss_error err = {0};
	size_t count = st->count;

	assert_int_equal(sqlite_config_key(st, key, value, &err), -EINVAL);
	if (!strstr(err.message, what))
		fail_msg("'%s = %s': message '%s' lacks '%s'", key, value,
			 err.message, what);
	assert_int_equal(st->count, count);
}

static void
test_databases(void **state)
{
	struct sqlite_state *st = new_state();
	struct wdecl decl = {0};
	struct vss_error err = {0};

	(void)state;
	assert_int_equal(st->busy_ms, SQLITE_DEFAULT_BUSY_MS);
	key_ok(st, "database", "/srv/app/main.db");
	key_ok(st, "database", "/srv/app/q.db queue");
	key_ok(st, "database", "\"/srv/my app/x.db\" spaced");
	key_ok(st, "busy_timeout", "0.25");
	assert_int_equal(st->count, 3);
	assert_string_equal(st->dbs[0].path, "/srv/app/main.db");
	assert_string_equal(st->dbs[0].component, "main.db");
	assert_string_equal(st->dbs[1].component, "queue");
	assert_string_equal(st->dbs[2].path, "/srv/my app/x.db");
	assert_int_equal(st->busy_ms, 250);

	assert_int_equal(sqlite_config_done(st, &decl, &err), 0);
	assert_true(decl.has_restore_method);
	assert_int_equal(decl.restore_method, VSS_RME_RESTORE_IF_CAN_REPLACE);
	assert_int_equal(decl.writer_restore, VSS_WRE_ALWAYS);
	for (size_t i = 0; i < 3; i++) {
		assert_ptr_equal(st->holds[i].path, st->dbs[i].path);
		assert_null(st->holds[i].conn);
	}
	sqlite_state_free(st);
}

static void
test_refused(void **state)
{
	struct sqlite_state *st = new_state();

	(void)state;
	key_ok(st, "database", "/srv/a.db");
	key_bad(st, "database", "", "expected PATH");
	key_bad(st, "database", "relative.db", "clean absolute path");
	key_bad(st, "database", "/srv/../a.db", "clean absolute path");
	key_bad(st, "database", "/srv//a.db", "clean absolute path");
	key_bad(st, "database", "/srv/dir/", "clean absolute path");
	key_bad(st, "database", "/srv/a*.db", "'*' or '?'");
	key_bad(st, "database", "/srv/a.db other", "already listed");
	key_bad(st, "database", "/other/a.db", "component 'a.db' is already");
	key_bad(st, "database", "/srv/b.db x\\y", "has '\\' or '/'");
	key_bad(st, "database", "/srv/b.db one two", "");
	key_bad(st, "busy_timeout", "soon", "");
	key_bad(st, "password", "x", "unknown key 'password'");
	assert_int_equal(st->count, 1);
	sqlite_state_free(st);
}

static void
test_limit(void **state)
{
	struct sqlite_state *st = new_state();
	char value[64];

	(void)state;
	for (int i = 0; i < SQLITE_MAX_DATABASES; i++) {
		snprintf(value, sizeof(value), "/srv/db%d", i);
		key_ok(st, "database", value);
	}
	key_bad(st, "database", "/srv/one-more", "more than");
	sqlite_state_free(st);
}

static void
test_done(void **state)
{
	struct sqlite_state *st = new_state();
	struct wdecl decl = {0};
	struct vss_error err = {0};

	(void)state;
	/* No database: refused. */
	assert_int_equal(sqlite_config_done(st, &decl, &err), -EINVAL);
	assert_non_null(strstr(err.message, "no database"));

	/* A service restore method: there is no service to stop. */
	key_ok(st, "database", "/srv/a.db");
	decl.has_restore_method = true;
	decl.restore_method = VSS_RME_STOP_RESTORE_START;
	assert_int_equal(sqlite_config_done(st, &decl, &err), -EINVAL);
	assert_non_null(strstr(err.message, "service restore method"));
	decl.restore_method = VSS_RME_RESTORE_STOP_START;
	err.message[0] = '\0';
	assert_int_equal(sqlite_config_done(st, &decl, &err), -EINVAL);
	assert_non_null(strstr(err.message, "service restore method"));

	/* The file's own [restore] stands. */
	decl.has_restore_method = true;
	decl.restore_method = VSS_RME_RESTORE_IF_NOT_THERE;
	decl.writer_restore = VSS_WRE_NEVER;
	assert_int_equal(sqlite_config_done(st, &decl, &err), 0);
	assert_int_equal(decl.restore_method, VSS_RME_RESTORE_IF_NOT_THERE);
	assert_int_equal(decl.writer_restore, VSS_WRE_NEVER);
	sqlite_state_free(st);
	sqlite_state_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_databases),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_done),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
