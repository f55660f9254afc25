/*
 * tests/unit/test_filespec.c - file name patterns and file set membership
 * (MD-020, MD-021, MD-022, MD-027).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vss/metadata.h>

/* MD-021: a name without wildcards matches only itself, case-sensitively. */
static void
test_md021_literal(void **state)
{
	(void)state;
	assert_true(vss_filespec_match("system.LOG", "system.LOG"));
	assert_false(vss_filespec_match("system.LOG", "system.log"));
	assert_false(vss_filespec_match("system.LOG", "system.LOG1"));
	assert_false(vss_filespec_match("system.LOG", "system.LO"));
	assert_false(vss_filespec_match("SAM", "xSAM"));
}

/* MD-021: the empty spec matches only the empty name. */
static void
test_md021_empty(void **state)
{
	(void)state;
	assert_true(vss_filespec_match("", ""));
	assert_false(vss_filespec_match("", "a"));
	assert_false(vss_filespec_match("a", ""));
	assert_false(vss_filespec_match("?", ""));
}

/* MD-021: '*' matches any run, also an empty one. */
static void
test_md021_star(void **state)
{
	(void)state;
	assert_true(vss_filespec_match("*", "anything.at.all"));
	assert_true(vss_filespec_match("*", ""));
	assert_true(vss_filespec_match("**", "x"));
	assert_true(vss_filespec_match("*.ost", "mail.ost"));
	assert_true(vss_filespec_match("*.ost", ".ost"));
	assert_false(vss_filespec_match("*.ost", "mail.ost.bak"));
	assert_true(vss_filespec_match("File1.*", "File1.txt"));
	assert_true(vss_filespec_match("File1.*", "File1."));
	assert_false(vss_filespec_match("File1.*", "File1"));
	assert_true(vss_filespec_match("a*b*c", "abc"));
	assert_true(vss_filespec_match("a*b*c", "aXbYbZc"));
	assert_false(vss_filespec_match("a*b*c", "aXbYbZ"));
	/* Backtracking: the first 'b' after the star is the wrong one. */
	assert_true(vss_filespec_match("*bc", "abbc"));
	assert_true(vss_filespec_match("*ab", "aab"));
}

/*
 * MD-021: "*.*" is a plain pattern (POSIX names): it needs a dot, unlike
 * the Windows shell where it also matches names without one.
 */
static void
test_md021_star_dot_star(void **state)
{
	(void)state;
	assert_true(vss_filespec_match("*.*", "a.b"));
	assert_true(vss_filespec_match("*.*", "."));
	assert_true(vss_filespec_match("*.*", "archive.tar.gz"));
	assert_false(vss_filespec_match("*.*", "README"));
}

/* MD-021: '?' is exactly one character: one UTF-8 sequence, never '/'. */
static void
test_md021_question(void **state)
{
	(void)state;
	assert_true(vss_filespec_match("?", "a"));
	assert_false(vss_filespec_match("?", "ab"));
	assert_true(vss_filespec_match("f??e", "file"));
	assert_false(vss_filespec_match("f??e", "fie"));
	assert_true(vss_filespec_match("*?", "x"));
	assert_false(vss_filespec_match("*??", "x"));
	/* "é" is two bytes and one character. */
	assert_true(vss_filespec_match("caf?", "caf\xc3\xa9"));
	assert_false(vss_filespec_match("caf??", "caf\xc3\xa9"));
	assert_true(vss_filespec_match("*?", "\xc3\xa9"));
	assert_false(vss_filespec_match("*??", "\xc3\xa9"));
	/* A name is one element: nothing matches across '/'. */
	assert_false(vss_filespec_match("a?b", "a/b"));
	assert_false(vss_filespec_match("*", "a/b"));
	assert_false(vss_filespec_match("a/b", "a/b"));
}

/* Wildcard characters in the name are plain characters. */
static void
test_md021_wildcards_in_name(void **state)
{
	(void)state;
	assert_true(vss_filespec_match("*", "*"));
	assert_true(vss_filespec_match("?", "?"));
	assert_false(vss_filespec_match("a*", "*a"));
}

static void
test_md021_null(void **state)
{
	(void)state;
	assert_false(vss_filespec_match(NULL, "a"));
	assert_false(vss_filespec_match("*", NULL));
}

/*
 * MD-021: patterns with many stars stay fast on long names: a matcher
 * that recurses per star takes exponential time here.
 */
static void
test_md021_pathological_stars(void **state)
{
	char name[20001];
	clock_t start;

	(void)state;
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	start = clock();
	assert_false(vss_filespec_match("a*a*a*a*a*a*a*b", name));
	assert_false(vss_filespec_match("*a*a*a*a*a*a*a*a*a*a*a*b*", name));
	assert_false(vss_filespec_match("*?*?*?*?*?*?*?*?*?*?*?*b", name));
	assert_true(vss_filespec_match("a*a*a*a*a*a*a*a", name));
	assert_true(vss_filespec_match("*a*a*a*a*a*a*a*a*a*a*a*a*", name));
	/* A few milliseconds when linear; hours when exponential. */
	assert_true((double)(clock() - start) / CLOCKS_PER_SEC < 2.0);
}

/* MD-022: the worked example, translated to POSIX paths. */
static void
test_md022_worked_example(void **state)
{
	(void)state;
	/* /d1, File1.*, recursive: in d1 and in every subdirectory. */
	assert_true(vss_file_set_contains("/d1", "File1.*", true,
					  "/d1/File1.txt"));
	assert_true(vss_file_set_contains("/d1", "File1.*", true,
					  "/d1/d2/File1.txt"));
	assert_true(vss_file_set_contains("/d1", "File1.*", true,
					  "/d1/d2/d3/File1.c"));
	assert_false(vss_file_set_contains("/d1", "File1.*", true,
					   "/d1/d2/File2.txt"));
	/* /d1, *, non-recursive: only files directly in d1. */
	assert_true(vss_file_set_contains("/d1", "*", false, "/d1/File1.txt"));
	assert_true(vss_file_set_contains("/d1", "*", false, "/d1/other"));
	assert_false(vss_file_set_contains("/d1", "*", false,
					   "/d1/d2/File1.txt"));
}

/* The file lies strictly inside path: path itself and siblings do not. */
static void
test_md022_strictly_inside(void **state)
{
	(void)state;
	assert_false(vss_file_set_contains("/d1", "*", true, "/d1"));
	assert_false(vss_file_set_contains("/d1", "*", true, "/d1/"));
	assert_false(vss_file_set_contains("/d1", "*", true, "/d10/a"));
	assert_false(vss_file_set_contains("/d1", "*", true, "/d"));
	assert_false(vss_file_set_contains("/d1/d2", "*", true, "/d1/a"));
	assert_false(vss_file_set_contains("/d1", "*", true, "/"));
	/* Case-sensitive, like the names. */
	assert_false(vss_file_set_contains("/D1", "*", true, "/d1/a"));
	/* The root holds everything below it. */
	assert_true(vss_file_set_contains("/", "*", false, "/a"));
	assert_false(vss_file_set_contains("/", "*", false, "/a/b"));
	assert_true(vss_file_set_contains("/", "b", true, "/a/b"));
}

/* MD-020: a trailing or repeated separator in path changes nothing. */
static void
test_md020_path_normalised(void **state)
{
	(void)state;
	assert_true(vss_file_set_contains("/d1/", "*", false, "/d1/a"));
	assert_true(vss_file_set_contains("/d1///", "*", false, "/d1/a"));
	assert_true(vss_file_set_contains("//d1//d2", "*", false,
					  "/d1/d2/a"));
	assert_true(vss_file_set_contains("/d1", "*", false, "/d1//a"));
	assert_false(vss_file_set_contains("/d1/", "*", false, "/d1/d2/a"));
}

/*
 * "." and ".." are never resolved: the file is not named inside path,
 * whatever they would lead to.
 */
static void
test_md022_dot_elements(void **state)
{
	(void)state;
	assert_false(vss_file_set_contains("/d1", "*", true, "/d1/../etc/x"));
	assert_false(vss_file_set_contains("/d1", "*", true, "/d1/d2/../x"));
	assert_false(vss_file_set_contains("/d1", "*", true, "/d1/./x"));
	assert_false(vss_file_set_contains("/d1", "*", false, "/d1/.."));
	assert_false(vss_file_set_contains("/d1", "*", false, "/d1/."));
	assert_false(vss_file_set_contains("/d1/.", "*", false, "/d1/./x"));
	/* Names that merely start with a dot are ordinary names. */
	assert_true(vss_file_set_contains("/d1", "*", false, "/d1/.hidden"));
	assert_true(vss_file_set_contains("/d1", "*", false, "/d1/..."));
}

/* Relative paths have no meaning here; a trailing '/' names a directory. */
static void
test_md020_relative_and_directories(void **state)
{
	(void)state;
	assert_false(vss_file_set_contains("/d1", "*", true, "d1/a"));
	assert_false(vss_file_set_contains("d1", "*", true, "d1/a"));
	assert_false(vss_file_set_contains("d1", "*", true, "/d1/a"));
	assert_false(vss_file_set_contains("/d1", "*", true, ""));
	assert_false(vss_file_set_contains("", "*", true, "/a"));
	assert_false(vss_file_set_contains("/d1", "*", true, "/d1/d2/"));
	assert_false(vss_file_set_contains(NULL, "*", true, "/a"));
	assert_false(vss_file_set_contains("/", NULL, true, "/a"));
	assert_false(vss_file_set_contains("/", "*", true, NULL));
}

/* MD-027: exclude sets are file sets too; the last element is matched. */
static void
test_md027_exclude_set_matching(void **state)
{
	(void)state;
	/* A recursive exclude of *.tmp below /var/db. */
	assert_true(vss_file_set_contains("/var/db", "*.tmp", true,
					  "/var/db/a/b/x.tmp"));
	assert_false(vss_file_set_contains("/var/db", "*.tmp", true,
					   "/var/db/a.tmp/x"));
	assert_false(vss_file_set_contains("/var/db", "*.tmp", true,
					   "/var/dbx/x.tmp"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_md021_literal),
		cmocka_unit_test(test_md021_empty),
		cmocka_unit_test(test_md021_star),
		cmocka_unit_test(test_md021_star_dot_star),
		cmocka_unit_test(test_md021_question),
		cmocka_unit_test(test_md021_wildcards_in_name),
		cmocka_unit_test(test_md021_null),
		cmocka_unit_test(test_md021_pathological_stars),
		cmocka_unit_test(test_md022_worked_example),
		cmocka_unit_test(test_md022_strictly_inside),
		cmocka_unit_test(test_md020_path_normalised),
		cmocka_unit_test(test_md022_dot_elements),
		cmocka_unit_test(test_md020_relative_and_directories),
		cmocka_unit_test(test_md027_exclude_set_matching),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
