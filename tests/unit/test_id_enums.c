/*
 * tests/unit/test_id_enums.c - ids (GEN-003, MD-060) and the text forms of
 * the enumerations (MD-061).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vss/types.h"

#define ID_LOWER "6f1ac5d1-2b3c-4d5e-8f90-a1b2c3d4e5f6"

static const uint8_t id_bytes[16] = {
	0x6f, 0x1a, 0xc5, 0xd1, 0x2b, 0x3c, 0x4d, 0x5e,
	0x8f, 0x90, 0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6,
};

/* A value no parse may leave behind: checks ret stays untouched. */
static void
fill_sentinel(vss_id *id)
{
	memset(id->bytes, 0xa5, sizeof(id->bytes));
}

static void
expect_parse(const char *text)
{
	vss_id id;

	fill_sentinel(&id);
	assert_int_equal(vss_id_parse(&id, text), 0);
	assert_memory_equal(id.bytes, id_bytes, sizeof(id_bytes));
}

static void
expect_reject(const char *text)
{
	vss_id id, before;

	fill_sentinel(&id);
	before = id;
	assert_int_equal(vss_id_parse(&id, text), -EINVAL);
	assert_memory_equal(id.bytes, before.bytes, sizeof(id.bytes));
}

/* GEN-003, MD-060: 8-4-4-4-12 hex, either case, with or without braces. */
static void
test_id_parse_forms(void **state)
{
	expect_parse(ID_LOWER);
	expect_parse("6F1AC5D1-2B3C-4D5E-8F90-A1B2C3D4E5F6");
	expect_parse("6f1Ac5D1-2b3C-4D5e-8F90-a1B2c3D4e5F6");
	expect_parse("{" ID_LOWER "}");
	expect_parse("{6F1AC5D1-2B3C-4D5E-8F90-A1B2C3D4E5F6}");
	expect_parse("  " ID_LOWER);
	expect_parse(ID_LOWER "\n");
	expect_parse("\t {" ID_LOWER "}\r\n ");
}

static void
test_id_parse_rejects(void **state)
{
	vss_id id;

	expect_reject("");
	expect_reject("   ");
	expect_reject("{}");
	/* One digit short, one too many, in the last and a middle group. */
	expect_reject("6f1ac5d1-2b3c-4d5e-8f90-a1b2c3d4e5f");
	expect_reject(ID_LOWER "0");
	expect_reject("6f1ac5d1-2b3c-4d5-8f90-a1b2c3d4e5f60");
	expect_reject("6f1ac5d1-2b3c-4d5e0-8f90-a1b2c3d4e5f");
	/* Bad characters. */
	expect_reject("6f1ac5d1-2b3c-4d5e-8f90-a1b2c3d4e5fg");
	expect_reject("gf1ac5d1-2b3c-4d5e-8f90-a1b2c3d4e5f6");
	expect_reject("6f1ac5d1-2b3c-4d5e-8f90-a1b2c3d4 5f6");
	expect_reject("6f1ac5d1-2b3c-+d5e-8f90-a1b2c3d4e5f6");
	/* Dashes missing or moved. */
	expect_reject("6f1ac5d12b3c4d5e8f90a1b2c3d4e5f6");
	expect_reject("6f1ac5d1-2b3c-4d5e8f90-a1b2c3d4e5f6");
	expect_reject("6f1ac5d1-2b3c-4d5e-8f90a1b2c3d4e5f6");
	expect_reject("6f1ac5d-12b3c-4d5e-8f90-a1b2c3d4e5f6");
	expect_reject("6f1ac5d1_2b3c_4d5e_8f90_a1b2c3d4e5f6");
	/* Braces must pair and hug the digits. */
	expect_reject("{" ID_LOWER);
	expect_reject(ID_LOWER "}");
	expect_reject("{ " ID_LOWER "}");
	expect_reject("{" ID_LOWER " }");
	expect_reject("{{" ID_LOWER "}}");
	expect_reject("(" ID_LOWER ")");
	/* Nothing else around it. */
	expect_reject("0x" ID_LOWER);
	expect_reject(ID_LOWER " x");
	expect_reject(ID_LOWER ID_LOWER);

	assert_int_equal(vss_id_parse(NULL, ID_LOWER), -EINVAL);
	assert_int_equal(vss_id_parse(&id, NULL), -EINVAL);
}

/* Windows writes ids lower case without braces. */
static void
test_id_format(void **state)
{
	char text[VSS_ID_STRLEN];
	vss_id id, back;

	assert_int_equal(
		vss_id_parse(&id, "{6F1AC5D1-2B3C-4D5E-8F90-A1B2C3D4E5F6}"), 0);
	memset(text, 'x', sizeof(text));
	vss_id_format(&id, text);
	assert_string_equal(text, ID_LOWER);
	assert_int_equal(vss_id_parse(&back, text), 0);
	assert_true(vss_id_equal(&id, &back));

	memset(&id, 0, sizeof(id));
	vss_id_format(&id, text);
	assert_string_equal(text, "00000000-0000-0000-0000-000000000000");
	memset(&id, 0xff, sizeof(id));
	vss_id_format(&id, text);
	assert_string_equal(text, "ffffffff-ffff-ffff-ffff-ffffffffffff");
}

/* GEN-003: random version 4 ids, distinct, round-tripping through text. */
static void
test_id_generate(void **state)
{
	enum { N = 64 };
	vss_id ids[N], back;
	char text[VSS_ID_STRLEN];
	size_t i, j;

	for (i = 0; i < N; i++) {
		vss_id_generate(&ids[i]);
		assert_false(vss_id_is_null(&ids[i]));
		/* Version nibble 4, RFC 4122 variant bits 10. */
		assert_int_equal(ids[i].bytes[6] >> 4, 4);
		assert_int_equal(ids[i].bytes[8] & 0xc0, 0x80);
		vss_id_format(&ids[i], text);
		assert_int_equal(strlen(text), VSS_ID_STRLEN - 1);
		assert_int_equal(text[14], '4');
		assert_int_equal(vss_id_parse(&back, text), 0);
		assert_true(vss_id_equal(&ids[i], &back));
		for (j = 0; j < i; j++)
			assert_false(vss_id_equal(&ids[i], &ids[j]));
	}
}

static void
test_id_null_and_equal(void **state)
{
	vss_id a, b;

	memset(&a, 0, sizeof(a));
	assert_true(vss_id_is_null(&a));
	assert_true(vss_id_is_null(NULL));
	a.bytes[15] = 1;
	assert_false(vss_id_is_null(&a));

	assert_int_equal(vss_id_parse(&a, ID_LOWER), 0);
	assert_int_equal(vss_id_parse(&b, "{" ID_LOWER "}"), 0);
	assert_true(vss_id_equal(&a, &b));
	b.bytes[0] ^= 1;
	assert_false(vss_id_equal(&a, &b));
	b.bytes[0] ^= 1;
	b.bytes[15] ^= 0x80;
	assert_false(vss_id_equal(&a, &b));
	assert_false(vss_id_equal(&a, NULL));
	assert_false(vss_id_equal(NULL, &a));
	assert_true(vss_id_equal(NULL, NULL));
}

/*
 * The enumerations, through int adapters so one test walks them all.  The
 * adapters' parse starts from ENUM_SENTINEL to see that failures leave
 * *ret untouched.
 */
#define ENUM_SENTINEL 77

#define ENUM_ADAPTERS(x)                                                       \
	static const char *                                                    \
	x##_str(int v)                                                         \
	{                                                                      \
		return vss_##x##_str((enum vss_##x)v);                         \
	}                                                                      \
                                                                               \
	static int                                                             \
	x##_parse(int *ret, const char *s)                                     \
	{                                                                      \
		enum vss_##x v = (enum vss_##x)ENUM_SENTINEL;                  \
		int r = vss_##x##_parse(&v, s);                                \
                                                                               \
		*ret = (int)v;                                                 \
		return r;                                                      \
	}                                                                      \
                                                                               \
	static int                                                             \
	x##_parse_null_ret(const char *s)                                      \
	{                                                                      \
		return vss_##x##_parse(NULL, s);                               \
	}

ENUM_ADAPTERS(usage_type)
ENUM_ADAPTERS(source_type)
ENUM_ADAPTERS(component_type)
ENUM_ADAPTERS(restore_method)
ENUM_ADAPTERS(writer_restore)
ENUM_ADAPTERS(restore_target)
ENUM_ADAPTERS(backup_type)
ENUM_ADAPTERS(provider_type)
ENUM_ADAPTERS(restore_type)
ENUM_ADAPTERS(file_restore_status)
ENUM_ADAPTERS(rollforward_type)

struct spelling {
	int value;
	const char *text;
};

struct enum_case {
	const char *name;
	const char *(*str)(int v);
	int (*parse)(int *ret, const char *s);
	int (*parse_null_ret)(const char *s);
	/* Every value of the enumeration, 0..n-1, with its spelling. */
	const struct spelling *spellings;
	size_t n;
	/* Spellings that look plausible but must be rejected. */
	const char *const *wrong;
};

#define ENUM_CASE(x, wrong_list)                                               \
	{                                                                      \
		#x, x##_str, x##_parse, x##_parse_null_ret, x##_spellings,     \
		    sizeof(x##_spellings) / sizeof(x##_spellings[0]),          \
		    wrong_list                                                 \
	}

/* MD-061: Windows' spellings where metadata.md section 6 shows them. */
static const struct spelling usage_type_spellings[] = {
	{VSS_UT_UNDEFINED, "UNDEFINED"},
	{VSS_UT_BOOTABLESYSTEMSTATE, "BOOTABLE_SYSTEM_STATE"},
	{VSS_UT_SYSTEMSERVICE, "SYSTEM_SERVICE"},
	{VSS_UT_USERDATA, "USER_DATA"},
	{VSS_UT_OTHER, "OTHER"},
};
static const struct spelling source_type_spellings[] = {
	{VSS_ST_UNDEFINED, "UNDEFINED"},
	{VSS_ST_TRANSACTEDDB, "TRANSACTION_DB"},
	{VSS_ST_NONTRANSACTEDDB, "NONTRANSACTION_DB"},
	{VSS_ST_OTHER, "OTHER"},
};
static const struct spelling component_type_spellings[] = {
	{VSS_CT_UNDEFINED, "undefined"},
	{VSS_CT_DATABASE, "database"},
	{VSS_CT_FILEGROUP, "filegroup"},
};
static const struct spelling restore_method_spellings[] = {
	{VSS_RME_UNDEFINED, "UNDEFINED"},
	{VSS_RME_RESTORE_IF_NOT_THERE, "RESTORE_IF_NOT_THERE"},
	{VSS_RME_RESTORE_IF_CAN_REPLACE, "RESTORE_IF_CAN_BE_REPLACED"},
	{VSS_RME_STOP_RESTORE_START, "STOP_RESTORE_START"},
	{VSS_RME_RESTORE_TO_ALTERNATE_LOCATION,
	 "RESTORE_TO_ALTERNATE_LOCATION"},
	{VSS_RME_RESTORE_AT_REBOOT, "REPLACE_AT_REBOOT"},
	{VSS_RME_RESTORE_AT_REBOOT_IF_CANNOT_REPLACE,
	 "REPLACE_AT_REBOOT_IF_CANNOT_REPLACE"},
	{VSS_RME_CUSTOM, "CUSTOM"},
	{VSS_RME_RESTORE_STOP_START, "RESTORE_STOP_START"},
};
static const struct spelling writer_restore_spellings[] = {
	{VSS_WRE_UNDEFINED, "undefined"},
	{VSS_WRE_NEVER, "never"},
	{VSS_WRE_IF_REPLACE_FAILS, "ifReplaceFails"},
	{VSS_WRE_ALWAYS, "always"},
};
static const struct spelling restore_target_spellings[] = {
	{VSS_RT_UNDEFINED, "UNDEFINED"},
	{VSS_RT_ORIGINAL, "ORIGINAL"},
	{VSS_RT_ALTERNATE, "ALTERNATE"},
	{VSS_RT_DIRECTED, "DIRECTED"},
	{VSS_RT_ORIGINAL_LOCATION, "ORIGINAL_LOCATION"},
};
static const struct spelling provider_type_spellings[] = {
	{VSS_PROV_UNKNOWN, "unknown"},
	{VSS_PROV_SYSTEM, "system"},
	{VSS_PROV_SOFTWARE, "software"},
	{VSS_PROV_HARDWARE, "hardware"},
	{VSS_PROV_FILESHARE, "fileshare"},
};

static const struct spelling backup_type_spellings[] = {
	{VSS_BT_UNDEFINED, "undefined"},
	{VSS_BT_FULL, "full"},
	{VSS_BT_INCREMENTAL, "incremental"},
	{VSS_BT_DIFFERENTIAL, "differential"},
	{VSS_BT_LOG, "log"},
	{VSS_BT_COPY, "copy"},
	{VSS_BT_OTHER, "other"},
};
static const struct spelling restore_type_spellings[] = {
	{VSS_RTYPE_UNDEFINED, "UNDEFINED"},
	{VSS_RTYPE_BY_COPY, "BY_COPY"},
	{VSS_RTYPE_IMPORT, "IMPORT"},
	{VSS_RTYPE_OTHER, "OTHER"},
};
static const struct spelling file_restore_status_spellings[] = {
	{VSS_RS_UNDEFINED, "UNDEFINED"},
	{VSS_RS_NONE, "NONE"},
	{VSS_RS_ALL, "ALL"},
	{VSS_RS_FAILED, "FAILED"},
};
static const struct spelling rollforward_type_spellings[] = {
	{VSS_RF_UNDEFINED, "UNDEFINED"},
	{VSS_RF_NONE, "NONE"},
	{VSS_RF_ALL, "ALL"},
	{VSS_RF_PARTIAL, "PARTIAL"},
};

static const char *const usage_type_wrong[] = {
	"BOOTABLESYSTEMSTATE", "USERDATA", "USER DATA", NULL};
static const char *const source_type_wrong[] = {"TRANSACTEDDB",
						 "NONTRANSACTEDDB", NULL};
static const char *const component_type_wrong[] = {"file_group", "db",
						    NULL};
/* Our enum names are not the document spellings. */
static const char *const restore_method_wrong[] = {
	"RESTORE_IF_CAN_REPLACE", "RESTORE_AT_REBOOT",
	"RESTORE_AT_REBOOT_IF_CANNOT_REPLACE", NULL};
static const char *const writer_restore_wrong[] = {"if_replace_fails",
						    "ifReplace", NULL};
/* VSS_RT_NEW was removed and stays rejected. */
static const char *const restore_target_wrong[] = {"NEW", "ORIGINAL LOCATION",
						    NULL};
static const char *const backup_type_wrong[] = {"fullbackup", "logs", NULL};
static const char *const provider_type_wrong[] = {"file_share", "sys", NULL};
static const char *const restore_type_wrong[] = {"BYCOPY", "COPY", NULL};
static const char *const file_restore_status_wrong[] = {"SOME", "FAIL", NULL};
static const char *const rollforward_type_wrong[] = {"PART", "FULL", NULL};

static const struct enum_case enum_cases[] = {
	ENUM_CASE(usage_type, usage_type_wrong),
	ENUM_CASE(source_type, source_type_wrong),
	ENUM_CASE(component_type, component_type_wrong),
	ENUM_CASE(restore_method, restore_method_wrong),
	ENUM_CASE(writer_restore, writer_restore_wrong),
	ENUM_CASE(restore_target, restore_target_wrong),
	ENUM_CASE(backup_type, backup_type_wrong),
	ENUM_CASE(restore_type, restore_type_wrong),
	ENUM_CASE(file_restore_status, file_restore_status_wrong),
	ENUM_CASE(rollforward_type, rollforward_type_wrong),
	ENUM_CASE(provider_type, provider_type_wrong),
};

#define N_ENUM_CASES (sizeof(enum_cases) / sizeof(enum_cases[0]))

static void
expect_enum_reject(const struct enum_case *c, const char *s)
{
	int v = 0;

	assert_int_equal(c->parse(&v, s), -EINVAL);
	assert_int_equal(v, ENUM_SENTINEL);
}

static void
change_case(char *s, int upper)
{
	for (; *s; s++) {
		if (upper && *s >= 'a' && *s <= 'z')
			*s = (char)(*s - 'a' + 'A');
		else if (!upper && *s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
	}
}

/* MD-061: each value has one spelling; parse takes it in any case only. */
static void
test_enum_text(void **state)
{
	const struct enum_case *c = *state;
	size_t i;

	for (i = 0; i < c->n; i++) {
		const struct spelling *sp = &c->spellings[i];
		char buf[64];
		int v;

		/* The table lists the values in order, none missing. */
		assert_int_equal(sp->value, (int)i);
		assert_string_equal(c->str(sp->value), sp->text);
		assert_int_equal(c->parse(&v, sp->text), 0);
		assert_int_equal(v, sp->value);

		assert_true(strlen(sp->text) < sizeof(buf));
		strcpy(buf, sp->text);
		change_case(buf, 1);
		assert_int_equal(c->parse(&v, buf), 0);
		assert_int_equal(v, sp->value);
		change_case(buf, 0);
		assert_int_equal(c->parse(&v, buf), 0);
		assert_int_equal(v, sp->value);

		/* Exact otherwise: no trimming, no prefixes, no extensions. */
		snprintf(buf, sizeof(buf), " %s", sp->text);
		expect_enum_reject(c, buf);
		snprintf(buf, sizeof(buf), "%s ", sp->text);
		expect_enum_reject(c, buf);
		snprintf(buf, sizeof(buf), "%sx", sp->text);
		expect_enum_reject(c, buf);
		snprintf(buf, sizeof(buf), "%.*s", (int)strlen(sp->text) - 1,
			 sp->text);
		expect_enum_reject(c, buf);
		snprintf(buf, sizeof(buf), "%d", sp->value);
		expect_enum_reject(c, buf);
	}
	for (i = 0; c->wrong[i]; i++)
		expect_enum_reject(c, c->wrong[i]);
	expect_enum_reject(c, "");
	expect_enum_reject(c, "bogus");
	expect_enum_reject(c, NULL);
	assert_int_equal(c->parse_null_ret(c->spellings[0].text), -EINVAL);

	assert_null(c->str((int)c->n));
	assert_null(c->str(-1));
	assert_null(c->str(ENUM_SENTINEL));
}

/*
 * SN-001: the contexts by name, as the tools spell them; a value with
 * modifier bits, or no context, has no name.
 */
static void
test_context_text(void **state)
{
	static const struct {
		int32_t value;
		const char *text;
	} contexts[] = {
		{VSS_CTX_BACKUP, "backup"},
		{VSS_CTX_FILE_SHARE_BACKUP, "file_share_backup"},
		{VSS_CTX_NAS_ROLLBACK, "nas_rollback"},
		{VSS_CTX_APP_ROLLBACK, "app_rollback"},
		{VSS_CTX_CLIENT_ACCESSIBLE, "client_accessible"},
		{VSS_CTX_CLIENT_ACCESSIBLE_WRITERS, "client_accessible_writers"},
		{VSS_CTX_ALL, "all"},
	};
	int32_t v = 12345;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(contexts) / sizeof(contexts[0]); i++) {
		assert_string_equal(vss_context_str(contexts[i].value),
				    contexts[i].text);
		assert_int_equal(vss_context_parse(&v, contexts[i].text), 0);
		assert_int_equal(v, contexts[i].value);
	}
	assert_int_equal(vss_context_parse(&v, "APP_ROLLBACK"), 0);
	assert_int_equal(v, VSS_CTX_APP_ROLLBACK);
	assert_null(vss_context_str(VSS_CTX_BACKUP |
				    VSS_VOLSNAP_ATTR_DIFFERENTIAL));
	assert_null(vss_context_str(VSS_VOLSNAP_ATTR_PERSISTENT));
	v = 12345;
	assert_int_equal(vss_context_parse(&v, "persistent"), -EINVAL);
	assert_int_equal(vss_context_parse(&v, ""), -EINVAL);
	assert_int_equal(vss_context_parse(&v, NULL), -EINVAL);
	assert_int_equal(v, 12345);
	assert_int_equal(vss_context_parse(NULL, "backup"), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest id_tests[] = {
		cmocka_unit_test(test_id_parse_forms),
		cmocka_unit_test(test_id_parse_rejects),
		cmocka_unit_test(test_id_format),
		cmocka_unit_test(test_id_generate),
		cmocka_unit_test(test_id_null_and_equal),
		cmocka_unit_test(test_context_text),
	};
	struct CMUnitTest enum_tests[N_ENUM_CASES];
	size_t i;
	int failed;

	memset(enum_tests, 0, sizeof(enum_tests));
	for (i = 0; i < N_ENUM_CASES; i++) {
		enum_tests[i].name = enum_cases[i].name;
		enum_tests[i].test_func = test_enum_text;
		enum_tests[i].initial_state = (void *)&enum_cases[i];
	}
	failed = cmocka_run_group_tests_name("ids", id_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("enums", enum_tests, NULL, NULL);
	return failed;
}
