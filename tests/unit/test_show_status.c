/*
 * tests/unit/test_show_status.c - how the vss command shows a writer's
 * status (cli/show_status.c): the last error names of vssadmin (TL-003)
 * and the fields of a failed writer, in JSON and text.
 *
 * "vss status" and "vss list writers" cannot show a failed writer against
 * a real vssd: they gather status in a session of their own, which sends
 * only Identify, and vssd lists only the writers that answered it
 * (daemon/session.c do_gather_status), so a failure is checked here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <vss/status.h>

#include "output.h"
#include "show_status.h"

static void
last_error_names(void **state)
{
	static const struct {
		int32_t failure;
		const char *name;
	} cases[] = {
		{VSS_OK, "No error"},
		{VSS_E_WRITERERROR_INCONSISTENTSNAPSHOT,
		 "Inconsistent shadow copy"},
		{VSS_E_WRITERERROR_OUTOFRESOURCES, "Out of resources"},
		{VSS_E_WRITERERROR_TIMEOUT, "Timed out"},
		{VSS_E_WRITERERROR_RETRYABLE, "Retryable error"},
		{VSS_E_WRITERERROR_NONRETRYABLE, "Non-retryable error"},
		{VSS_E_WRITER_NOT_RESPONDING, "Not responding"},
		/* Anything else a writer may set. */
		{VSS_E_WRITERERROR_RECOVERY_FAILED, "Unexpected error"},
		{VSS_E_UNEXPECTED, "Unexpected error"},
		{-12, "Unexpected error"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(writer_last_error(cases[i].failure),
				    cases[i].name);
}

#define INSTANCE_ID "11111111-2222-3333-4444-555555555555"

/*
 * show_writer_status() of a writer that failed its freeze with a
 * retryable error, in format: the text it printed.
 */
static char *
shown_failed_writer(enum output_format format)
{
	struct vss_writer_status st = {
		.name = "db",
		.state = VSS_WS_FAILED_AT_FREEZE,
		.failure = VSS_E_WRITERERROR_RETRYABLE,
		.message = "freeze failed",
	};
	struct output *o;
	size_t len;
	char *buf;
	FILE *f;

	assert_int_equal(vss_id_parse(&st.instance_id, INSTANCE_ID), 0);
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(output_new(&o, format, f), 0);
	show_writer_status(o, &st);
	assert_int_equal(output_finish(o), 0);
	output_free(o);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void
failed_writer_json(void **state)
{
	json_error_t error;
	json_t *root;
	char *text;

	(void)state;
	text = shown_failed_writer(OUTPUT_JSON);
	root = json_loads(text, 0, &error);
	assert_non_null(root);
	assert_string_equal(json_string_value(json_object_get(root, "state")),
			    "[9] Failed");
	assert_int_equal(json_integer_value(json_object_get(root,
							    "state_code")),
			 VSS_WS_FAILED_AT_FREEZE);
	assert_string_equal(
		json_string_value(json_object_get(root, "last_error")),
		"Retryable error");
	assert_string_equal(json_string_value(json_object_get(root,
							      "failure")),
			    "VSS_E_WRITERERROR_RETRYABLE");
	assert_string_equal(
		json_string_value(json_object_get(root,
						  "application_failure")),
		"VSS_OK");
	assert_string_equal(json_string_value(json_object_get(root,
							      "message")),
			    "freeze failed");
	assert_string_equal(
		json_string_value(json_object_get(root, "instance_id")),
		INSTANCE_ID);
	assert_true(json_is_null(json_object_get(root, "instance_name")));
	json_decref(root);
	free(text);
}

static void
failed_writer_text(void **state)
{
	char *text;

	(void)state;
	text = shown_failed_writer(OUTPUT_TEXT);
	assert_non_null(strstr(text, "name: db\n"));
	assert_non_null(strstr(text, "state: [9] Failed\n"));
	assert_non_null(strstr(text, "last error: Retryable error\n"));
	assert_non_null(strstr(text, "failure: VSS_E_WRITERERROR_RETRYABLE\n"));
	assert_non_null(strstr(text, "message: freeze failed\n"));
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(last_error_names),
		cmocka_unit_test(failed_writer_json),
		cmocka_unit_test(failed_writer_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
