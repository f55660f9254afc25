/*
 * tests/writers/test_exec_config.c - the [exec] section of a script
 * writer's file (writers/exec/exec_config.c), read through the shared INI
 * reader as vss-writerd reads it: commands, deadlines and their defaults,
 * the held freeze keys, exit status policy, user and working directory,
 * and every bad value refused with its message and nothing changed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <string.h>

#include "exec_config.h"
#include "ini.h"

static int
exec_key(void *user, const char *section, const char *key, const char *value,
	 struct vss_error *err)
{
	if (strcmp(section, "exec") != 0) {
		wini_seterr(err, "unexpected section");
		return -EINVAL;
	}
	return exec_config_key(user, key, value, err);
}

/* Parse text (an [exec] section) into c, freshly initialised. */
static int
parse(struct exec_config *c, const char *text, struct vss_error *err)
{
	exec_config_init(c);
	memset(err, 0, sizeof(*err));
	return wini_parse_string(text, exec_key, c, err);
}

static void
expect_error(const char *text, const char *message)
{
	struct exec_config c;
	struct vss_error err;

	assert_int_equal(parse(&c, text, &err), -EINVAL);
	if (!strstr(err.message, message))
		fail_msg("'%s' for '%s', expected '%s'", err.message, text,
			 message);
	exec_config_release(&c);
}

static void
test_defaults(void **state)
{
	struct exec_config c;
	int e;

	exec_config_init(&c);
	for (e = 0; e < EXEC_EV_COUNT; e++)
		assert_null(c.command[e]);
	assert_int_equal(exec_config_timeout_ms(&c, EXEC_EV_FREEZE), 10000);
	assert_int_equal(exec_config_timeout_ms(&c, EXEC_EV_THAW), 60000);
	assert_int_equal(exec_config_timeout_ms(&c, EXEC_EV_IDENTIFY), 60000);
	assert_false(c.freeze_hold);
	assert_int_equal(c.thaw_signal, 0);
	assert_int_equal(c.policy.retryable_count, 1);
	assert_int_equal(c.policy.retryable_exit[0], 75);
	assert_false(c.policy.other_retryable);
	assert_null(c.user);
	assert_null(c.working_dir);
	exec_config_release(&c);
}

static void
test_commands(void **state)
{
	struct exec_config c;
	struct vss_error err;

	assert_int_equal(parse(&c,
			       "[exec]\n"
			       "identify = systemctl is-active --quiet app\n"
			       "freeze = echo frozen; cat >/dev/null\n"
			       "post_snapshot = echo \"$VSS_VOLUMES\"\n"
			       "post_restore = a && b ; a comment\n",
			       &err),
			 0);
	assert_string_equal(c.command[EXEC_EV_IDENTIFY],
			    "systemctl is-active --quiet app");
	assert_string_equal(c.command[EXEC_EV_FREEZE],
			    "echo frozen; cat >/dev/null");
	assert_string_equal(c.command[EXEC_EV_POST_SNAPSHOT],
			    "echo \"$VSS_VOLUMES\"");
	/* A ';' after a blank starts a comment (docs/writer-exec.md). */
	assert_string_equal(c.command[EXEC_EV_POST_RESTORE], "a && b");
	assert_null(c.command[EXEC_EV_THAW]);
	assert_int_equal(exec_config_check(&c, &err), 0);
	exec_config_release(&c);

	expect_error("[exec]\nfreeze =\n", "an empty command");
	expect_error("[exec]\nfrezze = true\n", "unknown key");
	expect_error("[exec]\nfreeze_timeoutx = 1\n", "unknown key");
}

static void
test_timeouts(void **state)
{
	struct exec_config c;
	struct vss_error err;

	assert_int_equal(parse(&c, "[exec]\ntimeout = 30\n", &err), 0);
	assert_int_equal(exec_config_timeout_ms(&c, EXEC_EV_FREEZE), 30000);
	assert_int_equal(exec_config_timeout_ms(&c, EXEC_EV_THAW), 30000);
	exec_config_release(&c);

	assert_int_equal(parse(&c,
			       "[exec]\nfreeze_timeout = 2.5\n"
			       "timeout = 90\npost_restore_timeout = 0.25\n",
			       &err),
			 0);
	assert_int_equal(exec_config_timeout_ms(&c, EXEC_EV_FREEZE), 2500);
	assert_int_equal(exec_config_timeout_ms(&c, EXEC_EV_POST_RESTORE), 250);
	assert_int_equal(exec_config_timeout_ms(&c, EXEC_EV_ABORT), 90000);
	exec_config_release(&c);

	expect_error("[exec]\ntimeout = 0\n", "more than 0 seconds");
	expect_error("[exec]\nfreeze_timeout = soon\n", "soon");
	expect_error("[exec]\nthaw_timeout = -1\n", "-1");
}

static void
test_hold_keys(void **state)
{
	struct exec_config c;
	struct vss_error err;

	assert_int_equal(parse(&c,
			       "[exec]\nfreeze_hold = true\nfreeze = x\n"
			       "thaw_signal = USR1\n",
			       &err),
			 0);
	assert_true(c.freeze_hold);
	assert_int_equal(c.thaw_signal, SIGUSR1);
	assert_int_equal(exec_config_check(&c, &err), 0);
	exec_config_release(&c);

	assert_int_equal(parse(&c, "[exec]\nthaw_signal = SIGTERM\n"
				   "thaw_signal = KILL\n",
			       &err),
			 -EINVAL);
	assert_non_null(strstr(err.message, "not a signal a helper can"));
	/* The bad value changed nothing. */
	assert_int_equal(c.thaw_signal, SIGTERM);
	exec_config_release(&c);
	expect_error("[exec]\nthaw_signal = NOPE\n",
		     "\"NOPE\" is not a signal");
	/* Ignored by default, or stopping rather than ending: refused. */
	expect_error("[exec]\nthaw_signal = CHLD\n",
		     "\"CHLD\" is not a signal a helper can handle");
	expect_error("[exec]\nthaw_signal = SIGWINCH\n", "\"SIGWINCH\"");
	expect_error("[exec]\nthaw_signal = URG\n", "\"URG\"");
	expect_error("[exec]\nthaw_signal = CONT\n", "\"CONT\"");
	expect_error("[exec]\nthaw_signal = STOP\n", "\"STOP\"");
	expect_error("[exec]\nthaw_signal = TSTP\n", "\"TSTP\"");
	expect_error("[exec]\nthaw_signal = TTIN\n", "\"TTIN\"");
	expect_error("[exec]\nthaw_signal = TTOU\n", "\"TTOU\"");
	expect_error("[exec]\nfreeze_hold = maybe\n", "maybe");

	/* What needs several keys. */
	assert_int_equal(parse(&c, "[exec]\nfreeze_hold = true\n", &err), 0);
	assert_int_equal(exec_config_check(&c, &err), -EINVAL);
	assert_string_equal(err.message,
			    "[exec] freeze_hold needs a freeze command");
	exec_config_release(&c);
	assert_int_equal(parse(&c, "[exec]\nfreeze = x\nthaw_signal = HUP\n",
			       &err),
			 0);
	assert_int_equal(exec_config_check(&c, &err), -EINVAL);
	assert_string_equal(err.message,
			    "[exec] thaw_signal needs freeze_hold = true");
	exec_config_release(&c);
}

static void
test_exit_policy(void **state)
{
	struct exec_config c;
	struct vss_error err;

	assert_int_equal(parse(&c,
			       "[exec]\nretryable_exit = 4 5 75\n"
			       "failure = retryable\n",
			       &err),
			 0);
	assert_int_equal(c.policy.retryable_count, 3);
	assert_int_equal(c.policy.retryable_exit[0], 4);
	assert_int_equal(c.policy.retryable_exit[2], 75);
	assert_true(c.policy.other_retryable);
	exec_config_release(&c);

	assert_int_equal(parse(&c, "[exec]\nretryable_exit =\n", &err), 0);
	assert_int_equal(c.policy.retryable_count, 0);
	exec_config_release(&c);

	/* A bad list changes nothing. */
	assert_int_equal(parse(&c, "[exec]\nretryable_exit = 9 10\n"
				   "retryable_exit = 1 256\n",
			       &err),
			 -EINVAL);
	assert_int_equal(c.policy.retryable_count, 2);
	assert_int_equal(c.policy.retryable_exit[0], 9);
	assert_int_equal(c.policy.retryable_exit[1], 10);
	exec_config_release(&c);

	expect_error("[exec]\nretryable_exit = 1 2 3 4 5 6 7 8 9 10 11 12 13 "
		     "14 15 16 17\n",
		     "retryable_exit");
	expect_error("[exec]\nfailure = sometimes\n",
		     "\"sometimes\" is not retryable or nonretryable");
}

static void
test_user_and_dir(void **state)
{
	struct exec_config c;
	struct vss_error err;

	assert_int_equal(parse(&c, "[exec]\nuser = root\nworking_dir = /srv\n",
			       &err),
			 0);
	assert_string_equal(c.user, "root");
	assert_string_equal(c.working_dir, "/srv");
	assert_int_equal(exec_config_check(&c, &err), 0);
	exec_config_release(&c);

	assert_int_equal(parse(&c, "[exec]\nuser = no-such-user-of-vss\n",
			       &err),
			 0);
	assert_int_equal(exec_config_check(&c, &err), -EINVAL);
	assert_string_equal(
		err.message,
		"[exec] user \"no-such-user-of-vss\" does not exist");
	exec_config_release(&c);

	expect_error("[exec]\nuser =\n", "an empty user name");
	expect_error("[exec]\nworking_dir = srv\n",
		     "\"srv\" is not an absolute path");
}

static void
test_event_names(void **state)
{
	assert_string_equal(exec_event_name(EXEC_EV_PREPARE_BACKUP),
			    "prepare_backup");
	assert_string_equal(exec_event_name(EXEC_EV_POST_RESTORE),
			    "post_restore");
	assert_string_equal(exec_event_name(EXEC_EV_COUNT), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_timeouts),
		cmocka_unit_test(test_hold_keys),
		cmocka_unit_test(test_exit_policy),
		cmocka_unit_test(test_user_and_dir),
		cmocka_unit_test(test_event_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
