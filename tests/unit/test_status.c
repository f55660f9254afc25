/*
 * tests/unit/test_status.c - status codes, names and messages (ER-001).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "vss/status.h"

struct code {
	int32_t value;
	const char *name;
	const char *message;
};

/* The test's own view of the map, independent of lib/status.c. */
#define CODE_ENTRY(name, value, msg) {(int32_t)(value), #name, msg},
static const struct code codes[] = {VSS_STATUS_MAP(CODE_ENTRY)};
#undef CODE_ENTRY

#define N_CODES (sizeof(codes) / sizeof(codes[0]))

static void
expect_unknown(int status)
{
	char want[64];

	snprintf(want, sizeof(want), "unknown status 0x%08x",
		 (unsigned int)(uint32_t)status);
	assert_null(vss_status_name(status));
	assert_string_equal(vss_strerror(status), want);
	assert_false(vss_status_is_known(status));
}

/* ER-001: every code has its own name and message, and is known. */
static void
test_every_code_has_name_and_message(void **state)
{
	size_t i;

	for (i = 0; i < N_CODES; i++) {
		const char *msg = codes[i].message;
		size_t len = strlen(msg);

		assert_string_equal(vss_status_name(codes[i].value),
				    codes[i].name);
		assert_string_equal(vss_strerror(codes[i].value), msg);
		assert_true(vss_status_is_known(codes[i].value));
		/* Messages are lower case without a final period. */
		assert_true(len > 0);
		assert_false(msg[0] >= 'A' && msg[0] <= 'Z');
		assert_int_not_equal(msg[len - 1], '.');
	}
}

/* ER-001: names and values are unique; the table is in numeric order. */
static void
test_names_and_values_unique_and_ordered(void **state)
{
	size_t i, j;

	for (i = 0; i < N_CODES; i++) {
		for (j = i + 1; j < N_CODES; j++) {
			assert_string_not_equal(codes[i].name, codes[j].name);
			assert_int_not_equal(codes[i].value, codes[j].value);
		}
		if (i > 0)
			assert_true((uint32_t)codes[i - 1].value <
				    (uint32_t)codes[i].value);
	}
}

/* ER-001: VSS_E_* are failures (negative), VSS_S_* successes. */
static void
test_sign_follows_prefix(void **state)
{
	size_t i;

	for (i = 0; i < N_CODES; i++) {
		if (strncmp(codes[i].name, "VSS_E_", 6) == 0) {
			assert_true(codes[i].value < 0);
			/* Facility ITF, as the Windows HRESULTs. */
			assert_int_equal((uint32_t)codes[i].value & 0xffff0000u,
					 0x80040000u);
		} else {
			assert_int_equal(strncmp(codes[i].name, "VSS_S_", 6),
					 0);
			assert_true(codes[i].value > 0);
			assert_int_equal((uint32_t)codes[i].value & 0xffff0000u,
					 0x00040000u);
		}
	}
}

/* ER-001: the numeric values are the Windows HRESULTs of the same name. */
static void
test_exact_values(void **state)
{
	assert_int_equal(VSS_E_BAD_STATE, (int32_t)0x80042301);
	assert_int_equal((uint32_t)VSS_E_BAD_STATE, 0x80042301u);
	assert_int_equal(VSS_E_UNEXPECTED, (int32_t)0x80042302);
	assert_int_equal(VSS_E_OBJECT_NOT_FOUND, (int32_t)0x80042308);
	assert_int_equal(VSS_S_ASYNC_PENDING, 0x00042309);
	assert_int_equal(VSS_S_ASYNC_FINISHED, 0x0004230A);
	assert_int_equal(VSS_S_ASYNC_CANCELLED, 0x0004230B);
	assert_int_equal(VSS_S_SOME_SNAPSHOTS_NOT_IMPORTED, 0x00042321);
	assert_int_equal(VSS_E_SOME_SNAPSHOTS_NOT_IMPORTED,
			 (int32_t)0x80042321);
	assert_int_equal(VSS_E_INVALID_XML_DOCUMENT, (int32_t)0x80042311);
	assert_int_equal(VSS_E_WRITERERROR_TIMEOUT, (int32_t)0x800423F2);
	assert_int_equal(VSS_E_CLUSTER_ERROR, (int32_t)0x80042400);
	assert_int_equal(VSS_E_ASRERROR_DISK_ASSIGNMENT_FAILED,
			 (int32_t)0x80042401);
	assert_int_equal(VSS_E_ASRERROR_CRITICAL_DISKS_TOO_SMALL,
			 (int32_t)0x80042408);
	assert_int_equal(VSS_E_WRITER_STATUS_NOT_AVAILABLE,
			 (int32_t)0x80042409);
	assert_int_equal(VSS_E_ASRERROR_DYNAMIC_VHD_NOT_SUPPORTED,
			 (int32_t)0x8004240A);
	assert_int_equal(VSS_E_CRITICAL_VOLUME_ON_INVALID_DISK,
			 (int32_t)0x80042411);
	assert_int_equal(VSS_E_ASRERROR_RDISK_FOR_SYSTEM_DISK_NOT_FOUND,
			 (int32_t)0x80042412);
	assert_int_equal(VSS_E_ASRERROR_SYSTEM_PARTITION_HIDDEN,
			 (int32_t)0x80042416);
	assert_int_equal(VSS_E_FSS_TIMEOUT, (int32_t)0x80042417);
}

/* The ASR range 0x80042401..0x80042416 has no gaps but the two non-ASR. */
static void
test_asr_range_complete(void **state)
{
	uint32_t v;

	for (v = 0x80042401u; v <= 0x80042416u; v++) {
		const char *name;

		if (v >= 0x8004240Bu && v <= 0x80042410u) {
			expect_unknown((int32_t)v);
			continue;
		}
		name = vss_status_name((int32_t)v);
		assert_non_null(name);
		if (v != 0x80042409u && v != 0x80042411u)
			assert_int_equal(strncmp(name, "VSS_E_ASRERROR_", 15),
					 0);
	}
}

static void
test_ok(void **state)
{
	assert_int_equal(VSS_OK, 0);
	assert_string_equal(vss_status_name(VSS_OK), "VSS_OK");
	assert_string_equal(vss_strerror(VSS_OK), "success");
	/* Not one of the VSS_E_* or VSS_S_* codes. */
	assert_false(vss_status_is_known(VSS_OK));
}

/* A status below 0 that is not a VSS code is -errno. */
static void
test_errno(void **state)
{
	static const struct {
		int err;
		const char *name;
	} cases[] = {
		{ENOENT, "ENOENT"}, {EINVAL, "EINVAL"}, {ENOMEM, "ENOMEM"},
		{EACCES, "EACCES"}, {EPERM, "EPERM"},
		{ETIMEDOUT, "ETIMEDOUT"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char want[256];

		assert_string_equal(vss_status_name(-cases[i].err),
				    cases[i].name);
		snprintf(want, sizeof(want), "%s", strerror(cases[i].err));
		assert_string_equal(vss_strerror(-cases[i].err), want);
		assert_false(vss_status_is_known(-cases[i].err));
	}
}

static void
test_unknown(void **state)
{
	expect_unknown(1);
	expect_unknown(12345);
	expect_unknown(INT32_MAX);
	expect_unknown(INT32_MIN);
	/* Inside the errno range but no errno. */
	expect_unknown(-4000);
	/* Just past the errno range. */
	expect_unknown(-4096);
	/* Gaps in the VSS ranges. */
	expect_unknown((int32_t)0x80042305);
	expect_unknown((int32_t)0x8004231C);
	expect_unknown((int32_t)0x80042418);
	expect_unknown(0x0004230C);
	/* An error code's success twin does not exist. */
	expect_unknown(0x00042301);
	assert_string_equal(vss_strerror((int32_t)0x80042305),
			    "unknown status 0x80042305");
}

static void *
other_thread(void *arg)
{
	const char **ret = arg;

	*ret = vss_strerror(0x7654321);
	return NULL;
}

/* The buffer behind vss_strerror() is per thread. */
static void
test_strerror_thread_local(void **state)
{
	const char *mine, *theirs = NULL;
	pthread_t t;

	mine = vss_strerror(0x1234567);
	assert_int_equal(pthread_create(&t, NULL, other_thread, &theirs), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_non_null(theirs);
	assert_ptr_not_equal(mine, theirs);
	assert_string_equal(mine, "unknown status 0x01234567");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_code_has_name_and_message),
		cmocka_unit_test(test_names_and_values_unique_and_ordered),
		cmocka_unit_test(test_sign_follows_prefix),
		cmocka_unit_test(test_exact_values),
		cmocka_unit_test(test_asr_range_complete),
		cmocka_unit_test(test_ok),
		cmocka_unit_test(test_errno),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_strerror_thread_local),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
