/*
 * tests/writers/test_exec_env.c - the script writer's command environment
 * (writers/exec/exec_env.c): our variables are never inherited, and the
 * one-item-a-line lists (VSS_VOLUMES, VSS_COMPONENTS,
 * VSS_SNAPSHOT_DEVICES) refuse what their format cannot carry (a
 * control character anywhere, a '=' in a VOLUME=SHADOW_PATH key) with a
 * message and without changing the environment.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "exec_env.h"

/* The value of name in e, or NULL. */
static const char *
value_of(const struct exec_env *e, const char *name)
{
	char *const *v;
	size_t n = strlen(name);

	for (v = exec_env_vars(e); *v; v++)
		if (strncmp(*v, name, n) == 0 && (*v)[n] == '=')
			return *v + n + 1;
	return NULL;
}

static void
test_inherited(void **state)
{
	struct exec_env e;

	setenv("VSS_COMPONENTS", "from our own environment", 1);
	setenv("VSS_TEST_OTHER", "kept", 1);
	assert_int_equal(exec_env_init(&e), 0);
	assert_null(value_of(&e, "VSS_COMPONENTS"));
	assert_string_equal(value_of(&e, "VSS_TEST_OTHER"), "kept");
	assert_int_equal(exec_env_set(&e, "VSS_EVENT", "freeze"), 0);
	assert_int_equal(exec_env_set(&e, "VSS_EVENT", "thaw"), 0);
	assert_string_equal(value_of(&e, "VSS_EVENT"), "thaw");
	exec_env_release(&e);
	unsetenv("VSS_COMPONENTS");
	unsetenv("VSS_TEST_OTHER");
}

static void
test_lists(void **state)
{
	const char *const vols[] = {"/mnt/a", "/srv/with space"};
	const char *const devs[] = {"/run/vss/1/a", "/run/vss/1/b=c"};
	struct exec_env e;
	char msg[256];

	assert_int_equal(exec_env_init(&e), 0);
	assert_int_equal(exec_env_set_list(&e, "VSS_VOLUMES", vols, NULL, 2,
					   msg, sizeof(msg)),
			 0);
	assert_string_equal(value_of(&e, "VSS_VOLUMES"),
			    "/mnt/a\n/srv/with space");
	/* The first '=' splits a line: a shadow path may hold more. */
	assert_int_equal(exec_env_set_list(&e, "VSS_SNAPSHOT_DEVICES", vols,
					   devs, 2, msg, sizeof(msg)),
			 0);
	assert_string_equal(value_of(&e, "VSS_SNAPSHOT_DEVICES"),
			    "/mnt/a=/run/vss/1/a\n"
			    "/srv/with space=/run/vss/1/b=c");
	assert_int_equal(exec_env_set_list(&e, "VSS_COMPONENTS", NULL, NULL, 0,
					   msg, sizeof(msg)),
			 0);
	assert_string_equal(value_of(&e, "VSS_COMPONENTS"), "");
	exec_env_release(&e);
}

static void
test_hostile_items(void **state)
{
	const char *const comps[] = {"db/main", "evil\nsecond/line"};
	const char *const tab[] = {"a\tb"};
	const char *const vols[] = {"/mnt/a=b"};
	const char *const devs[] = {"/run/vss/1/a"};
	const char *const bad_dev[] = {"/run/vss/\r"};
	struct exec_env e;
	char msg[256];

	assert_int_equal(exec_env_init(&e), 0);
	assert_int_equal(exec_env_set(&e, "VSS_COMPONENTS", "before"), 0);
	assert_int_equal(exec_env_set_list(&e, "VSS_COMPONENTS", comps, NULL,
					   2, msg, sizeof(msg)),
			 -EINVAL);
	assert_string_equal(msg, "cannot pass \"evil\\nsecond/line\" in "
				 "VSS_COMPONENTS: it holds a control "
				 "character, and the variable has one item "
				 "a line");
	/* Nothing changed. */
	assert_string_equal(value_of(&e, "VSS_COMPONENTS"), "before");

	assert_int_equal(exec_env_set_list(&e, "VSS_VOLUMES", tab, NULL, 1,
					   msg, sizeof(msg)),
			 -EINVAL);
	assert_non_null(strstr(msg, "\"a\\x09b\" in VSS_VOLUMES"));
	assert_null(value_of(&e, "VSS_VOLUMES"));

	/* Alone a '=' is fine; as the key of VOLUME=SHADOW_PATH it is not. */
	assert_int_equal(exec_env_set_list(&e, "VSS_VOLUMES", vols, NULL, 1,
					   msg, sizeof(msg)),
			 0);
	assert_int_equal(exec_env_set_list(&e, "VSS_SNAPSHOT_DEVICES", vols,
					   devs, 1, msg, sizeof(msg)),
			 -EINVAL);
	assert_string_equal(msg, "cannot pass \"/mnt/a=b\" in "
				 "VSS_SNAPSHOT_DEVICES: it holds a '=', and "
				 "each line is split at its first '='");
	assert_int_equal(exec_env_set_list(&e, "VSS_SNAPSHOT_DEVICES", devs,
					   bad_dev, 1, msg, sizeof(msg)),
			 -EINVAL);
	assert_non_null(strstr(msg, "\"/run/vss/\\x0d\""));
	assert_null(value_of(&e, "VSS_SNAPSHOT_DEVICES"));
	exec_env_release(&e);
}

/* A long hostile item is cut in the message, which stays bounded. */
static void
test_long_item(void **state)
{
	char item[4096], msg[256];
	const char *const items[] = {item};
	struct exec_env e;

	memset(item, 'x', sizeof(item) - 1);
	item[sizeof(item) - 1] = '\0';
	item[100] = '\n';
	assert_int_equal(exec_env_init(&e), 0);
	assert_int_equal(exec_env_set_list(&e, "VSS_COMPONENTS", items, NULL,
					   1, msg, sizeof(msg)),
			 -EINVAL);
	assert_non_null(strstr(msg, "xxx...\" in VSS_COMPONENTS"));
	exec_env_release(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inherited),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_hostile_items),
		cmocka_unit_test(test_long_item),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
