/*
 * tests/writers/test_wdecl.c - the INI reader of writer configuration
 * files (writers/common/ini.c) and a writer declared in INI
 * (writers/common/decl.c): line handling and error words of the reader,
 * the value parsers, wdecl_key's parts and return values, and the WMD a
 * small declaration makes.
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

#include <vss/metadata.h>
#include <vss/status.h>

#include "decl.h"
#include "ini.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the reader ------------------------------------------------------ */

/* Records the keys it is handed; refuses the key "bad". */
struct keys {
	char seen[8][128];
	unsigned number[8]; /* wini_section_number() at each */
	int count;
};

static int
record_key(void *user, const char *section, const char *key,
	   const char *value, struct vss_error *err)
{
	struct keys *k = user;

	if (!strcmp(key, "bad")) {
		wini_seterr(err, "'%s' is refused", value);
		return -EINVAL;
	}
	if (!strcmp(key, "nomem"))
		return -ENOMEM;
	if (!strcmp(key, "vss"))
		return VSS_E_OBJECT_NOT_FOUND;
	assert_true(k->count < (int)ARRAY_SIZE(k->seen));
	k->number[k->count] = wini_section_number();
	snprintf(k->seen[k->count++], sizeof(k->seen[0]), "%s|%s|%s", section,
		 key, value);
	return 0;
}

static void
test_reader_keys(void **state)
{
	static const char text[] =
		"; a comment\n"
		"# another\n"
		"top = 1\n"
		"[a]\n"
		"k = v ; trailing comment\n"
		"[b c]\n"
		"k2 = two words\n"
		"last = no newline";
	struct keys k = {0};
	struct vss_error err;

	(void)state;
	assert_int_equal(wini_parse_string(text, record_key, &k, &err), 0);
	assert_int_equal(k.count, 4);
	assert_string_equal(k.seen[0], "|top|1");
	assert_string_equal(k.seen[1], "a|k|v");
	assert_string_equal(k.seen[2], "b c|k2|two words");
	assert_string_equal(k.seen[3], "b c|last|no newline");
	assert_int_equal(err.line, 0);
	assert_string_equal(err.message, "");
}

/* The first problem only, with its line and, for a key, section and key. */
static void
test_reader_errors(void **state)
{
	static const struct {
		const char *text;
		int status;
		int line;
		const char *message;
	} cases[] = {
		{"[s]\nk = 1\nbad = x\nbad = y\n", -EINVAL, 3,
		 "line 3: [s] bad: 'x' is refused"},
		{"bad = x\n", -EINVAL, 1,
		 "line 1: bad (outside any section): 'x' is refused"},
		{"[s]\n\nno equals sign\nbad = x\n", -EINVAL, 3,
		 "line 3: expected [section] or key = value"},
		{"[s\nk = 1\n", -EINVAL, 1,
		 "line 1: expected [section] or key = value"},
		{"[s]\nbad = x\n[t\n", -EINVAL, 2,
		 "line 2: [s] bad: 'x' is refused"},
		{"[s]\nnomem = 1\n", -ENOMEM, 2,
		 "line 2: [s] nomem: out of memory"},
		/* A status without a message: a VSS code is worded too. */
		{"[s]\nvss = 1\n", VSS_E_OBJECT_NOT_FOUND, 2,
		 "line 2: [s] vss: the object does not exist"},
	};
	struct vss_error err;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct keys k = {0};
		int r;

		r = wini_parse_string(cases[i].text, record_key, &k, &err);
		if (r != cases[i].status || err.line != cases[i].line ||
		    strcmp(err.message, cases[i].message))
			fail_msg("case %zu: %d line %d '%s'", i, r, err.line,
				 err.message);
	}
}

/* inih would split a longer line in two: refused with its number. */
static void
test_reader_long_line(void **state)
{
	struct vss_error err;
	struct keys k = {0};
	char text[600];

	(void)state;
	snprintf(text, sizeof(text), "[s]\nk = 1\nv = %0300d\nbad = x\n", 0);
	assert_int_equal(wini_parse_string(text, record_key, &k, &err),
			 -EINVAL);
	assert_int_equal(err.line, 3);
	assert_non_null(strstr(err.message, "line 3: line too long"));
	/* Nothing after the long line was handed out. */
	assert_int_equal(k.count, 1);

	/* An earlier refused key is the first problem. */
	snprintf(text, sizeof(text), "[s]\nbad = 1\nv = %0300d\n", 0);
	assert_int_equal(wini_parse_string(text, record_key, &k, &err),
			 -EINVAL);
	assert_int_equal(err.line, 2);

	/* The longest line taken: 197 characters. */
	k.count = 0;
	snprintf(text, sizeof(text), "[s]\nv = %0193d\n", 0);
	assert_int_equal(strlen(text), 4 + 197 + 1);
	assert_int_equal(wini_parse_string(text, record_key, &k, &err), 0);
	assert_int_equal(k.count, 1);
	snprintf(text, sizeof(text), "[s]\nv = %0196d\n", 0);
	assert_int_equal(wini_parse_string(text, record_key, &k, &err),
			 -EINVAL);
	assert_non_null(strstr(err.message, "at most 197 characters"));
}

/*
 * Lines inih would take other than as written are refused before it sees
 * them: section names and keys it would cut (49 characters at most),
 * text after ']', a bare carriage return, an indented line that is not a
 * comment (inih would continue the previous value with it).
 */
static void
test_reader_refused_lines(void **state)
{
	static const struct {
		const char *text;
		int line;
		const char *message;
	} cases[] = {
		{"[s]\nk = 1\n[component "
		 "a234567890123456789012345678901234567890]\nk = 2\n", 3,
		 "line 3: section name longer than 49 characters"},
		{"[s]\na2345678901234567890123456789012345678901234567890"
		 " = 1\n", 2, "line 2: key longer than 49 characters"},
		{"[s]\na2345678901234567890123456789012345678901234567890"
		 ": 1\n", 2, "line 2: key longer than 49 characters"},
		{"[s] x\nk = 1\n", 1,
		 "line 1: text after ']' (only a comment may follow a section "
		 "header)"},
		{"[s]]\n", 1,
		 "line 1: text after ']' (only a comment may follow a section "
		 "header)"},
		{"[s]\rk = 1\r", 1,
		 "line 1: carriage return without a line feed (lines end with "
		 "\\n or \\r\\n)"},
		{"[s]\nk = 1\r\nv = a\rb\n", 3,
		 "line 3: carriage return without a line feed (lines end with "
		 "\\n or \\r\\n)"},
		{"[s]\nk = 1\n  more\n", 3,
		 "line 3: indented line (only a comment may be indented; a "
		 "value cannot go on over lines)"},
		{"[s]\nk = 1\n\tj = 2\n", 3,
		 "line 3: indented line (only a comment may be indented; a "
		 "value cannot go on over lines)"},
		{" [s]\nk = 1\n", 1,
		 "line 1: indented line (only a comment may be indented; a "
		 "value cannot go on over lines)"},
	};
	struct vss_error err;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct keys k = {0};
		int r;

		r = wini_parse_string(cases[i].text, record_key, &k, &err);
		if (r != -EINVAL || err.line != cases[i].line ||
		    strcmp(err.message, cases[i].message))
			fail_msg("case %zu: %d line %d '%s'", i, r, err.line,
				 err.message);
		/* Nothing from the refused line on was handed out. */
		if (k.count > cases[i].line - 1)
			fail_msg("case %zu: %d keys", i, k.count);
	}
}

/* What is still taken: the limits themselves, comments, \r\n, a BOM. */
static void
test_reader_taken_lines(void **state)
{
	static const char text[] =
		"\xEF\xBB\xBF[component "
		"a23456789012345678901234567890123456789] ; comment\r\n"
		"k234567890123456789012345678901234567890123456789 = 1\r\n"
		"  ; an indented comment\n"
		"\t# another\n"
		"   \n"
		"[t];x\n"
		"k: 2\n";
	struct keys k = {0};
	struct vss_error err;

	(void)state;
	if (wini_parse_string(text, record_key, &k, &err) < 0)
		fail_msg("%s", err.message);
	assert_int_equal(k.count, 2);
	assert_string_equal(k.seen[0],
			    "component a23456789012345678901234567890123456789"
			    "|k234567890123456789012345678901234567890123456789"
			    "|1");
	assert_string_equal(k.seen[1], "t|k|2");
}

/*
 * The reader numbers section headers; a name given again gets a new
 * number.  Outside a callback the number is 0.
 */
static void
test_reader_section_numbers(void **state)
{
	static const char text[] =
		"top = 0\n"
		"[a]\nk = 1\nk = 2\n"
		"[b]\n"
		"[a]\nk = 3\n"
		"[a]\nk = 4\n";
	struct keys k = {0};
	struct vss_error err;

	(void)state;
	assert_int_equal(wini_parse_string(text, record_key, &k, &err), 0);
	assert_int_equal(k.count, 5);
	assert_int_equal(k.number[0], 0);
	assert_int_equal(k.number[1], 1);
	assert_int_equal(k.number[2], 1);
	assert_int_equal(k.number[3], 3);
	assert_int_equal(k.number[4], 4);
	assert_int_equal(wini_section_number(), 0);
}

static char *
temp_file(const void *data, size_t len)
{
	char *path = strdup("/tmp/test_wdecl.XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	return path;
}

static void
test_parse_file(void **state)
{
	static const char good[] = "[s]\nk = v\n";
	static const char nul[] = "[s]\nk = v\0w\n";
	struct vss_error err;
	struct keys k = {0};
	char *path, *text = NULL, *big, msg[600], dir[32];
	int r;

	(void)state;
	path = temp_file(good, strlen(good));
	assert_int_equal(wini_parse_file(path, record_key, &k, &text, &err),
			 0);
	assert_string_equal(text, good);
	assert_int_equal(k.count, 1);
	free(text);
	/* ret_text is optional. */
	assert_int_equal(wini_parse_file(path, record_key, &k, NULL, &err), 0);
	unlink(path);
	free(path);

	/* Messages start with the file. */
	text = NULL;
	path = temp_file("[s]\nbad = 1\n", 12);
	assert_int_equal(wini_parse_file(path, record_key, &k, &text, &err),
			 -EINVAL);
	snprintf(msg, sizeof(msg), "%s: line 2: [s] bad: '1' is refused",
		 path);
	assert_string_equal(err.message, msg);
	assert_int_equal(err.line, 2);
	assert_null(text);
	unlink(path);
	free(path);

	path = temp_file(nul, sizeof(nul) - 1);
	assert_int_equal(wini_parse_file(path, record_key, &k, &text, &err),
			 -EINVAL);
	assert_non_null(strstr(err.message, "NUL byte"));
	assert_null(text);
	unlink(path);
	free(path);

	big = malloc(WINI_MAX_FILE + 1);
	assert_non_null(big);
	memset(big, '\n', WINI_MAX_FILE + 1);
	path = temp_file(big, WINI_MAX_FILE + 1);
	free(big);
	assert_int_equal(wini_parse_file(path, record_key, &k, &text, &err),
			 -EINVAL);
	assert_non_null(strstr(err.message, "not a regular file of at most"));
	unlink(path);
	free(path);

	/* A directory and a FIFO are not read (a FIFO would block). */
	assert_int_equal(wini_parse_file("/tmp", record_key, &k, &text, &err),
			 -EINVAL);
	assert_string_equal(err.message, "/tmp: not a regular file of at "
			    "most 1048576 bytes");
	snprintf(dir, sizeof(dir), "/tmp/test_wdecl.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(msg, sizeof(msg), "%s/fifo", dir);
	assert_int_equal(mkfifo(msg, 0600), 0);
	assert_int_equal(wini_parse_file(msg, record_key, &k, &text, &err),
			 -EINVAL);
	assert_non_null(strstr(err.message, "not a regular file"));
	unlink(msg);
	rmdir(dir);

	r = wini_parse_file("/nonexistent/x.conf", record_key, &k, &text, &err);
	assert_int_equal(r, -ENOENT);
	assert_string_equal(err.message,
			    "/nonexistent/x.conf: No such file or directory");
	assert_null(text);
}

/* ---- value parsers --------------------------------------------------- */

static void
test_words(void **state)
{
	struct vss_error err;
	char *copy = NULL, *w[3];

	(void)state;
	assert_int_equal(wini_words("  a \"b c\"\td ", &copy, w, 3, &err), 3);
	assert_string_equal(w[0], "a");
	assert_string_equal(w[1], "b c");
	assert_string_equal(w[2], "d");
	free(copy);
	copy = NULL;
	assert_int_equal(wini_words("", &copy, w, 3, &err), 0);
	free(copy);
	copy = NULL;
	assert_int_equal(wini_words("a b c d", &copy, w, 3, &err), -EINVAL);
	assert_string_equal(err.message, "more than 3 words");
	assert_int_equal(wini_words("a \"b c", &copy, w, 3, &err), -EINVAL);
	assert_string_equal(err.message, "unterminated quote");
	assert_null(copy);
}

static void
test_values(void **state)
{
	struct vss_error err;
	unsigned u = 7;
	bool b = false;
	char *s = NULL;

	(void)state;
	assert_int_equal(wini_bool(&b, "Yes", &err), 0);
	assert_true(b);
	assert_int_equal(wini_bool(&b, "off", &err), 0);
	assert_false(b);
	assert_int_equal(wini_bool(&b, "maybe", &err), -EINVAL);
	assert_non_null(strstr(err.message, "'maybe' is not a boolean"));

	assert_int_equal(wini_unsigned(&u, "42", 100, &err), 0);
	assert_int_equal(u, 42);
	assert_int_equal(wini_unsigned(&u, "101", 100, &err), -EINVAL);
	assert_int_equal(wini_unsigned(&u, "-1", 100, &err), -EINVAL);
	assert_int_equal(wini_unsigned(&u, "", 100, &err), -EINVAL);
	assert_string_equal(err.message, "'' is not a number from 0 to 100");
	assert_int_equal(u, 42);

	assert_int_equal(wini_seconds(&u, "0.25", &err), 0);
	assert_int_equal(u, 250);
	assert_int_equal(wini_seconds(&u, "86400", &err), 0);
	assert_int_equal(u, WINI_MAX_MS);
	assert_int_equal(wini_seconds(&u, "86400.5", &err), -EINVAL);
	assert_int_equal(wini_seconds(&u, "1e3", &err), 0);
	assert_int_equal(wini_seconds(&u, "nan", &err), -EINVAL);
	assert_int_equal(wini_seconds(&u, "2s", &err), -EINVAL);

	assert_int_equal(wini_set_str(&s, "x"), 0);
	assert_string_equal(s, "x");
	assert_int_equal(wini_set_str(&s, NULL), 0);
	assert_null(s);

	assert_string_equal(wini_section_arg("component  db", "component"),
			    "db");
	assert_null(wini_section_arg("componentdb", "component"));
	assert_null(wini_section_arg("writer", "component"));
	assert_true(wini_name_equal("Back-End", "back_end"));
	assert_false(wini_name_equal("backend", "back_end"));
}

/* ---- the declaration ------------------------------------------------- */

#define CLASS "3c1f5b4e-9f0a-4d4e-8b3a-7e2d9c0a1b2c"

static int
setup_decl(void **state)
{
	struct wdecl *d = malloc(sizeof(*d));
	vss_id id;

	assert_non_null(d);
	assert_int_equal(vss_id_parse(&id, CLASS), 0);
	assert_int_equal(wdecl_init(d, &id, "decl test"), 0);
	*state = d;
	return 0;
}

static int
teardown_decl(void **state)
{
	wdecl_release(*state);
	free(*state);
	return 0;
}

static void
test_init_defaults(void **state)
{
	struct wdecl *d = *state;
	struct vss_writer_opts opts = {.socket_path = "/s"};
	char id[VSS_ID_STRLEN];

	assert_string_equal(d->name, "decl test");
	assert_null(d->instance_name);
	assert_int_equal(d->usage, VSS_UT_USERDATA);
	assert_int_equal(d->source, VSS_ST_OTHER);
	assert_int_equal(d->level, VSS_APP_FRONT_END);
	assert_int_equal(d->major_version, 1);
	assert_false(d->has_restore_method);
	wdecl_writer_opts(d, &opts);
	assert_int_equal(opts.size, sizeof(opts));
	vss_id_format(&opts.class_id, id);
	assert_string_equal(id, CLASS);
	assert_string_equal(opts.friendly_name, "decl test");
	assert_int_equal(opts.major_version, 1);
	/* Not the identity's: left alone. */
	assert_string_equal(opts.socket_path, "/s");
	wdecl_release(NULL);
}

/* 0 taken, 1 not a declaration key of the parts asked for. */
static void
test_key_parts(void **state)
{
	static const struct {
		unsigned parts;
		const char *section, *key, *value;
		int r;
	} cases[] = {
		{WDECL_ALL, "writer", "name", "n", 0},
		{WDECL_ALL, "writer", "type", "exec", 1},
		{WDECL_ALL, "writer", "log_file", "/x", 1},
		{WDECL_IDENTITY, "writer", "backup_schema", "copy", 1},
		{WDECL_IDENTITY, "writer", "exclude", "/a * true", 1},
		{WDECL_SCHEMA, "writer", "backup_schema", "copy", 0},
		{WDECL_SCHEMA, "writer", "name", "n", 1},
		{WDECL_EXCLUDES, "writer", "exclude", "/a * true", 0},
		{WDECL_EXCLUDES, "writer", "exclude_from_snapshot",
		 "/a * true", 0},
		{WDECL_ALL & ~WDECL_RESTORE, "restore", "method", "CUSTOM", 1},
		{WDECL_RESTORE, "restore", "method", "CUSTOM", 0},
		{WDECL_RESTORE, "restore", "colour", "red", 1},
		{WDECL_ALL & ~WDECL_COMPONENTS, "component x", "files",
		 "/a * true", 1},
		{WDECL_COMPONENTS, "component x", "files", "/a * true", 0},
		{WDECL_COMPONENTS, "component x", "backup_metadata", "m", 1},
		{WDECL_ALL, "exec", "freeze", "true", 1},
		{WDECL_ALL, "", "k", "v", 1},
		{WDECL_ALL, "writer", "level", "top", -EINVAL},
		{WDECL_ALL, "component a/b", "type", "database", -EINVAL},
	};
	struct vss_error err;
	size_t i;
	int r;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		err.message[0] = '\0';
		r = wdecl_key(*state, cases[i].parts, cases[i].section,
			      cases[i].key, cases[i].value, &err);
		if (r != cases[i].r)
			fail_msg("case %zu ([%s] %s): %d, expected %d", i,
				 cases[i].section, cases[i].key, r,
				 cases[i].r);
		if (r < 0 && !err.message[0])
			fail_msg("case %zu: no message", i);
	}
}

/*
 * A [component] section's component exists before its first key is
 * looked at, also for a key that is not the declaration's; another
 * section ends it.
 */
static void
test_key_current_component(void **state)
{
	struct wdecl *d = *state;
	struct wdecl_component *c;
	struct vss_error err;

	assert_int_equal(wdecl_key(d, WDECL_ALL, "component db",
				   "restore_target", "directed", &err), 1);
	assert_int_equal(d->component_count, 1);
	assert_ptr_equal(d->current, &d->components[0]);
	assert_string_equal(d->current->name, "db");
	assert_int_equal(wdecl_key(d, WDECL_ALL, "component db", "caption",
				   "C", &err), 0);
	assert_int_equal(d->component_count, 1);
	assert_int_equal(wdecl_key(d, WDECL_ALL, "run", "log", "/l", &err), 1);
	assert_null(d->current);
	/* The same name again, in a new section: a second component. */
	assert_int_equal(wdecl_key(d, WDECL_ALL, "component db", "caption",
				   "D", &err), 0);
	assert_int_equal(d->component_count, 2);
	assert_string_equal(d->components[1].caption, "D");
	/* Adding components keeps current on its component. */
	for (int i = 0; i < 20; i++) {
		char name[16];

		snprintf(name, sizeof(name), "c%d", i);
		assert_int_equal(wdecl_add_component(d, name, &c), 0);
	}
	assert_ptr_equal(d->current, &d->components[1]);
	assert_int_equal(wdecl_add_component(d, "a/b", &c), -EINVAL);
	assert_int_equal(wdecl_add_component(d, "", &c), -EINVAL);
	assert_int_equal(d->component_count, 22);
}

static void
test_key_values(void **state)
{
	struct wdecl *d = *state;
	char id[VSS_ID_STRLEN];
	struct vss_error err;
	vss_id class_id;

	assert_int_equal(wdecl_key(d, WDECL_ALL, "writer", "version", "3.4",
				   &err), 0);
	assert_int_equal(d->major_version, 3);
	assert_int_equal(d->minor_version, 4);
	assert_int_equal(wdecl_key(d, WDECL_ALL, "writer", "backup_schema",
				   "copy, new_target | 0x100", &err), 0);
	assert_int_equal(d->backup_schema, VSS_BS_COPY |
			 VSS_BS_WRITER_SUPPORTS_NEW_TARGET | 0x100);
	assert_int_equal(wdecl_key(d, WDECL_ALL, "writer", "instance_name",
				   "i", &err), 0);
	assert_string_equal(d->instance_name, "i");
	assert_int_equal(wdecl_key(d, WDECL_ALL, "writer", "instance_name",
				   "", &err), 0);
	assert_null(d->instance_name);
	assert_int_equal(wdecl_key(d, WDECL_ALL, "writer", "name", "", &err),
			 -EINVAL);
	assert_string_equal(err.message, "empty writer name");
	assert_string_equal(d->name, "decl test");
	assert_int_equal(wdecl_key(d, WDECL_ALL, "component x",
				   "dependency", CLASS " a/b/c", &err), 0);
	assert_string_equal(d->components[0].deps[0].logical_path, "a\\b");
	assert_string_equal(d->components[0].deps[0].name, "c");

	/* A bad value leaves what was there. */
	assert_int_equal(wdecl_key(d, WDECL_ALL, "writer", "class_id",
				   "3c1f5b4e-9f0a-4d4e-8b3a-7e2d9c0a1b2", &err),
			 -EINVAL);
	vss_id_format(&d->class_id, id);
	assert_string_equal(id, CLASS);
	assert_int_equal(wdecl_key(d, WDECL_ALL, "restore", "method",
				   "CUSTOM", &err), 0);
	assert_int_equal(wdecl_key(d, WDECL_ALL, "restore", "method",
				   "UNDEFINED", &err), -EINVAL);
	assert_int_equal(wdecl_key(d, WDECL_ALL, "restore", "method",
				   "sometimes", &err), -EINVAL);
	assert_int_equal(d->restore_method, VSS_RME_CUSTOM);
	assert_int_equal(wdecl_key(d, WDECL_ALL, "restore", "writer_restore",
				   "always", &err), 0);
	assert_int_equal(wdecl_key(d, WDECL_ALL, "restore", "writer_restore",
				   "UNDEFINED", &err), -EINVAL);
	assert_int_equal(d->writer_restore, VSS_WRE_ALWAYS);
	/* The rest on a fresh declaration. */
	class_id = d->class_id;
	wdecl_release(d);
	assert_int_equal(wdecl_init(d, &class_id, "decl test"), 0);

	/* [restore] without a method is refused once the file is read. */
	assert_int_equal(wdecl_check(d, &err), 0);
	assert_int_equal(wdecl_key(d, WDECL_ALL, "restore", "service", "s",
				   &err), 0);
	assert_int_equal(wdecl_check(d, &err), -EINVAL);
	assert_string_equal(err.message, "[restore]: method is required");
}

static int
decl_key(void *user, const char *section, const char *key,
	 const char *value, struct vss_error *err)
{
	int r = wdecl_key(user, WDECL_ALL, section, key, value, err);

	if (r > 0) {
		wini_seterr(err, "unknown key");
		return -EINVAL;
	}
	return r;
}

/* A small declaration, read as a file would be, and the WMD it makes. */
static void
test_fill_wmd(void **state)
{
	static const char text[] =
		"[writer]\n"
		"name = small\n"
		"usage = SYSTEM_SERVICE\n"
		"source = TRANSACTION_DB\n"
		"backup_schema = copy\n"
		"exclude = /srv/db *.tmp true\n"
		"exclude_from_snapshot = /srv/db *.swp false\n"
		"[restore]\n"
		"method = RESTORE_IF_CAN_BE_REPLACED\n"
		"writer_restore = always\n"
		"[component db]\n"
		"logical_path = app/data\n"
		"type = database\n"
		"database_files = /srv/db main.db\n"
		"log_files = /srv/db/wal \"log *.wal\" mask=0x3\n"
		"[component conf]\n"
		"files = /etc/app * true alternate=/alt\n";
	struct wdecl *d = *state;
	const struct vss_writer_identity *id;
	const struct vss_wm_component *c;
	const struct vss_restore_method_info *rm;
	struct vss_error err;
	vss_wmd *wmd = NULL;

	assert_int_equal(wini_parse_string(text, decl_key, d, &err), 0);
	assert_int_equal(wdecl_check(d, &err), 0);
	if (wdecl_new_wmd(d, &wmd, &err) < 0)
		fail_msg("%s", err.message);
	id = vss_wmd_identity(wmd);
	assert_string_equal(id->friendly_name, "small");
	assert_int_equal(id->usage, VSS_UT_SYSTEMSERVICE);
	assert_int_equal(id->source, VSS_ST_TRANSACTEDDB);
	assert_true(vss_id_is_null(&id->instance_id));
	assert_int_equal(vss_wmd_backup_schema(wmd), VSS_BS_COPY);
	rm = vss_wmd_restore_method(wmd);
	assert_non_null(rm);
	assert_int_equal(rm->method, VSS_RME_RESTORE_IF_CAN_REPLACE);
	assert_int_equal(rm->writer_restore, VSS_WRE_ALWAYS);
	assert_int_equal(vss_wmd_exclude_files_count(wmd), 1);
	assert_int_equal(vss_wmd_exclude_from_snapshot_count(wmd), 1);
	assert_int_equal(vss_wmd_component_count(wmd), 2);
	c = vss_wmd_find_component(wmd, "app\\data", "db");
	assert_non_null(c);
	assert_int_equal(c->def.type, VSS_CT_DATABASE);
	assert_int_equal(c->database_file_count, 1);
	assert_int_equal(c->log_file_count, 1);
	assert_string_equal(c->log_files[0].filespec, "log *.wal");
	assert_int_equal(c->log_files[0].backup_type_mask, 0x3);
	c = vss_wmd_find_component(wmd, NULL, "conf");
	assert_non_null(c);
	assert_true(c->def.selectable);
	assert_int_equal(c->file_count, 1);
	assert_string_equal(c->files[0].alternate_path, "/alt");
	vss_wmd_free(wmd);

	assert_ptr_equal(wdecl_find_component(d, "app/data", "db"), NULL);
	assert_ptr_equal(wdecl_find_component(d, "app\\data", "db"),
			 &d->components[0]);
	assert_ptr_equal(wdecl_find_component(d, "", "conf"),
			 &d->components[1]);

	/*
	 * Files of the wrong kind: named with the component (a new one: its
	 * section starts again after [component conf]).
	 */
	assert_int_equal(wdecl_key(d, WDECL_ALL, "component db", "type",
				   "database", &err), 0);
	assert_int_equal(wdecl_key(d, WDECL_ALL, "component db",
				   "logical_path", "a\\b", &err), 0);
	assert_int_equal(wdecl_key(d, WDECL_ALL, "component db", "files",
				   "/x * true", &err), 0);
	assert_int_equal(d->component_count, 3);
	assert_true(wdecl_new_wmd(d, &wmd, &err) < 0);
	assert_string_equal(err.message, "component 'a\\b\\db': file set "
			    "'/x' '*': not allowed for this component type");
}

/* Each bad value: the reader's line and the declaration's words. */
static void
test_decl_file_errors(void **state)
{
	static const struct {
		const char *text;
		const char *message;
	} cases[] = {
		{"[writer]\nclass_id = nope\n",
		 "line 2: [writer] class_id: 'nope' is not an id"},
		{"[writer]\nusage = UNDEFINED\n",
		 "line 2: [writer] usage: unknown usage type 'UNDEFINED' "
		 "(BOOTABLE_SYSTEM_STATE, SYSTEM_SERVICE, USER_DATA, OTHER)"},
		{"[writer]\nversion = 1.x\n",
		 "line 2: [writer] version: '1.x' is not a version "
		 "(MAJOR.MINOR)"},
		{"[writer]\nbackup_schema = fast\n",
		 "line 2: [writer] backup_schema: unknown name 'fast'"},
		{"[writer]\nexclude = /a * true mask=1\n",
		 "line 2: [writer] exclude: unexpected 'mask=1'"},
		{"[restore]\nwriter_restore = sometimes\n",
		 "line 2: [restore] writer_restore: unknown writer restore "
		 "'sometimes' (never, ifReplaceFails, always)"},
		{"[restore]\nalternate_location = /a * true\n",
		 "line 2: [restore] alternate_location: expected PATH FILESPEC "
		 "RECURSIVE DESTINATION"},
		{"\n[component a/b]\ntype = database\n",
		 "line 3: [component a/b] type: a component name is one "
		 "element without '\\' or '/' (the path goes in logical_path)"},
		{"[component x]\ndatabase_files = /a * mask=zz\n",
		 "line 2: [component x] database_files: bad mask 'zz'"},
		{"[component x]\ndependency = " CLASS " a/\n",
		 "line 2: [component x] dependency: empty component name"},
		{"[component x]\nflags = urgent\n",
		 "line 2: [component x] flags: unknown name 'urgent'"},
	};
	struct vss_error err;
	size_t i;
	vss_id id;

	(void)state;
	vss_id_parse(&id, CLASS);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct wdecl d;

		assert_int_equal(wdecl_init(&d, &id, "x"), 0);
		if (wini_parse_string(cases[i].text, decl_key, &d, &err) !=
			    -EINVAL ||
		    strcmp(err.message, cases[i].message))
			fail_msg("case %zu: '%s'", i, err.message);
		wdecl_release(&d);
	}
}

/*
 * A caller that keeps some keys to itself, as vss-writerd keeps [writer]
 * type and its type's own section, and refuses what nobody takes.
 */
static int
keeping_key(void *user, const char *section, const char *key,
	    const char *value, struct vss_error *err)
{
	if (!strcmp(section, "exec") ||
	    (!strcmp(section, "writer") && !strcmp(key, "type")))
		return 0;
	return decl_key(user, section, key, value, err);
}

/*
 * Each [component NAME] header starts a component: the same name again,
 * right after or with sections between whose keys decl never saw, is a
 * duplicate the WMD refuses, never a merge.
 */
static void
test_component_sections(void **state)
{
	static const char *const texts[] = {
		"[component a]\nfiles = /a * true\n"
		"[component a]\nfiles = /b * true\n",
		"[component a]\nfiles = /a * true\n"
		"[exec]\nfreeze = true\n"
		"[component a]\nfiles = /b * true\n",
		"[component a]\nfiles = /a * true\n"
		"[restore]\n"
		"[component a]\nfiles = /b * true\n",
		"[component a]\nfiles = /a * true\n"
		"[writer]\ntype = exec\n"
		"[component a]\nfiles = /b * true\n",
	};
	struct vss_error err;
	vss_wmd *wmd = NULL;
	size_t i;
	vss_id id;

	(void)state;
	vss_id_parse(&id, CLASS);
	for (i = 0; i < ARRAY_SIZE(texts); i++) {
		struct wdecl d;

		assert_int_equal(wdecl_init(&d, &id, "x"), 0);
		if (wini_parse_string(texts[i], keeping_key, &d, &err) < 0)
			fail_msg("case %zu: %s", i, err.message);
		assert_int_equal(d.component_count, 2);
		assert_int_equal(d.components[0].files.count, 1);
		assert_int_equal(d.components[1].files.count, 1);
		assert_int_equal(wdecl_new_wmd(&d, &wmd, &err),
				 VSS_E_OBJECT_ALREADY_EXISTS);
		if (strcmp(err.message, "component 'a': declared twice (each "
			   "[component NAME] section is a component of its "
			   "own)"))
			fail_msg("case %zu: '%s'", i, err.message);
		wdecl_release(&d);
	}
	assert_null(wmd);
}

/* A second file into the same declaration starts a new component. */
static void
test_component_per_file(void **state)
{
	static const char text[] = "[component a]\nfiles = /a * true\n";
	struct wdecl *d = *state;
	struct vss_error err;

	assert_int_equal(wini_parse_string(text, decl_key, d, &err), 0);
	wdecl_begin_file(d);
	assert_null(d->current);
	assert_int_equal(wini_parse_string(text, decl_key, d, &err), 0);
	assert_int_equal(d->component_count, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reader_keys),
		cmocka_unit_test(test_reader_errors),
		cmocka_unit_test(test_reader_long_line),
		cmocka_unit_test(test_reader_refused_lines),
		cmocka_unit_test(test_reader_taken_lines),
		cmocka_unit_test(test_reader_section_numbers),
		cmocka_unit_test(test_parse_file),
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_values),
		cmocka_unit_test_setup_teardown(test_init_defaults, setup_decl,
						teardown_decl),
		cmocka_unit_test_setup_teardown(test_key_parts, setup_decl,
						teardown_decl),
		cmocka_unit_test_setup_teardown(test_key_current_component,
						setup_decl, teardown_decl),
		cmocka_unit_test_setup_teardown(test_key_values, setup_decl,
						teardown_decl),
		cmocka_unit_test_setup_teardown(test_fill_wmd, setup_decl,
						teardown_decl),
		cmocka_unit_test(test_decl_file_errors),
		cmocka_unit_test(test_component_sections),
		cmocka_unit_test_setup_teardown(test_component_per_file,
						setup_decl, teardown_decl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
