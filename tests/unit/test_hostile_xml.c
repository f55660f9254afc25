/*
 * test_hostile_xml.c - malformed and hostile input for both loaders
 * (MD-003): each must fail with VSS_E_INVALID_XML_DOCUMENT, fill struct
 * vss_error (a message naming the element and its line where there is
 * one), leave *ret untouched, print nothing, read no file and open no
 * connection, and leave the library and libxml2 fit to load the next valid
 * document.  Odd but well-formed XML kept as unknown elements either loads
 * and round-trips or is refused.
 *
 * The two limits tested at their edge (document size, nesting depth) come
 * from the codec's internal header, so that the test follows them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <libxml/globals.h>
#include <libxml/parser.h>

#include <vss/metadata.h>
#include <vss/status.h>

#include "metadata/xml_common.h" /* XML_MAX_DOCUMENT_SIZE, XML_MAX_DEPTH */

#include "../doc_codec.h"

/*
 * Small valid documents, one element per line so that a failure can be
 * checked against its line, and no final newline so that every proper
 * prefix is truncated.
 */
static const char valid_wmd[] =
	"<WRITER_METADATA xmlns=\"x-schema:#VssWriterMetadataInfo\" "
	"version=\"1.2\" backupSchema=\"0\">\n"
	"<IDENTIFICATION writerId=\"5e4c2a1b-0d3f-4e6a-9b8c-7d6e5f4a3b2c\" "
	"instanceId=\"0f1e2d3c-4b5a-4968-8776-655443322110\" "
	"friendlyName=\"Hostile Writer\" usage=\"USER_DATA\" "
	"dataSource=\"OTHER\" majorVersion=\"1\" minorVersion=\"0\"/>\n"
	"<RESTORE_METHOD method=\"RESTORE_IF_CAN_BE_REPLACED\" "
	"writerRestore=\"never\" rebootRequired=\"no\"/>\n"
	"<BACKUP_LOCATIONS>\n"
	"<FILE_GROUP componentName=\"data\" restoreMetadata=\"no\" "
	"notifyOnBackupComplete=\"no\" selectable=\"yes\" "
	"selectableForRestore=\"no\" componentFlags=\"0\">\n"
	"<FILE_LIST path=\"/srv/data\" filespec=\"*\" recursive=\"yes\" "
	"filespecBackupType=\"3855\"/>\n"
	"</FILE_GROUP>\n"
	"</BACKUP_LOCATIONS>\n"
	"</WRITER_METADATA>";

static const char valid_bcd[] =
	"<BACKUP_COMPONENTS xmlns=\"x-schema:#VssComponentMetadata\" "
	"version=\"1.2\" bootableSystemStateBackup=\"no\" "
	"selectComponents=\"yes\" backupType=\"full\" "
	"partialFileSupport=\"no\" "
	"snapshotSetId=\"9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d\">\n"
	"<WRITER_COMPONENTS "
	"instanceId=\"0f1e2d3c-4b5a-4968-8776-655443322110\" "
	"writerId=\"5e4c2a1b-0d3f-4e6a-9b8c-7d6e5f4a3b2c\" "
	"backupSchema=\"0\">\n"
	"<COMPONENT logicalPath=\"data\" componentName=\"db\" "
	"componentType=\"filegroup\" backupStamp=\"c3RhbXA=\"/>\n"
	"</WRITER_COMPONENTS>\n"
	"</BACKUP_COMPONENTS>";

/* One codec under test, with the valid document the cases start from. */
struct kind {
	const struct doc_codec *codec;
	const char *valid;
};

static const struct kind wmd = { &doc_codec_wmd, valid_wmd };
static const struct kind bcd = { &doc_codec_bcd, valid_bcd };

/* What a loader must leave in *ret when it fails. */
static char sentinel_storage;
#define SENTINEL ((void *)&sentinel_storage)

/* Line expectations besides an exact line number. */
#define LINE_ANY (-1)  /* 0 (unknown) or a line of the document */
#define LINE_KNOWN (0) /* some line of the document, not 0 */

/* libxml2's process-wide settings, as they were before any load. */
static struct {
	xmlExternalEntityLoader entity_loader;
	xmlStructuredErrorFunc structured_error;
	xmlGenericErrorFunc generic_error;
	int substitute_entities;
	int load_ext_dtd;
	int keep_blanks;
} libxml_before;

static const char *
status_text(int r)
{
	const char *name = vss_status_name(r);

	return name ? name : vss_strerror(r);
}

static size_t
count_lines(const char *xml, size_t len)
{
	size_t n = 1;
	const char *p = xml, *end = xml + len;

	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		n++;
		p++;
	}
	return n;
}

/*
 * A library prints nothing (STYLE.md: it returns codes): the loaders run
 * with stderr sent to this file, which must stay empty.
 */
static int stderr_capture = -1;

static int
capture_begin(void)
{
	int saved;

	fflush(stderr);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_int_equal(ftruncate(stderr_capture, 0), 0);
	assert_true(dup2(stderr_capture, STDERR_FILENO) >= 0);
	return saved;
}

static void
capture_end(int saved, const struct kind *k, const char *what)
{
	const char *name = k->codec->name;
	char buf[256];
	ssize_t n;

	fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	n = pread(stderr_capture, buf, sizeof(buf) - 1, 0);
	if (n > 0) {
		buf[n] = '\0';
		fail_msg("%s %s: the loader wrote to stderr: %s", name, what,
			 buf);
	}
}

/*
 * The one check every case makes: the loader fails with
 * VSS_E_INVALID_XML_DOCUMENT, *ret untouched, a terminated non-empty
 * message that names element (when not NULL) and a line as expected; and
 * the same without a struct vss_error.
 */
static void
check_invalid(const struct kind *k, const char *what, const char *xml,
		     size_t len, const char *element, int line, bool verbose)
{
	const char *name = k->codec->name;
	struct vss_error err;
	void *doc = SENTINEL;
	int r, saved;

	memset(&err, 'X', sizeof(err));
	saved = capture_begin();
	r = k->codec->load(&doc, xml, len, &err);
	capture_end(saved, k, what);
	if (r == 0) {
		k->codec->free(doc);
		fail_msg("%s %s: loaded", name, what);
	}
	if (r != VSS_E_INVALID_XML_DOCUMENT)
		fail_msg("%s %s: %s, not VSS_E_INVALID_XML_DOCUMENT", name,
			 what, status_text(r));
	if (doc != SENTINEL)
		fail_msg("%s %s: *ret written on failure", name, what);
	if (memchr(err.message, '\0', sizeof(err.message)) == NULL)
		fail_msg("%s %s: message not terminated", name, what);
	if (err.message[0] == '\0')
		fail_msg("%s %s: empty message", name, what);
	if (verbose)
		print_message("%s %s: line %d: %s\n", name, what, err.line,
			      err.message);
	if (element != NULL && strstr(err.message, element) == NULL)
		fail_msg("%s %s: message '%s' does not name %s", name, what,
			 err.message, element);
	if (err.line < 0 || (size_t)err.line > count_lines(xml, len))
		fail_msg("%s %s: line %d is not a line of the document",
			 name, what, err.line);
	if (line == LINE_KNOWN && err.line == 0)
		fail_msg("%s %s: no line in '%s'", name, what, err.message);
	if (line > 0 && err.line != line)
		fail_msg("%s %s: line %d, expected %d ('%s')", name, what,
			 err.line, line, err.message);

	doc = SENTINEL;
	saved = capture_begin();
	r = k->codec->load(&doc, xml, len, NULL);
	capture_end(saved, k, what);
	if (r != VSS_E_INVALID_XML_DOCUMENT)
		fail_msg("%s %s: without err: %s", name, what,
			 status_text(r));
	if (doc != SENTINEL)
		fail_msg("%s %s: without err: *ret written", name, what);
}

static void
expect_invalid(const struct kind *k, const char *what, const char *xml,
	       size_t len, const char *element, int line)
{
	check_invalid(k, what, xml, len, element, line, true);
}

/* Text documents: the length is up to the terminating NUL. */
static void
expect_invalid_str(const struct kind *k, const char *what, const char *xml,
		   const char *element, int line)
{
	expect_invalid(k, what, xml, strlen(xml), element, line);
}

static void
expect_loads(const struct kind *k, const char *what, const char *xml,
	     size_t len)
{
	const char *name = k->codec->name;
	struct vss_error err = { 0 };
	void *doc = NULL;
	int r, saved;

	saved = capture_begin();
	r = k->codec->load(&doc, xml, len, &err);
	capture_end(saved, k, what);
	if (r != 0)
		fail_msg("%s %s: %s: line %d: %s", name, what,
			 status_text(r), err.line, err.message);
	assert_non_null(doc);
	k->codec->free(doc);
}

/* A copy of doc with the first from replaced by to (from must be there). */
static char *
replace(const char *doc, const char *from, const char *to)
{
	const char *at = strstr(doc, from);
	size_t head, from_len = strlen(from), to_len = strlen(to);
	char *out;

	if (at == NULL)
		fail_msg("'%s' is not in the document", from);
	head = (size_t)(at - doc);
	out = malloc(strlen(doc) - from_len + to_len + 1);
	assert_non_null(out);
	memcpy(out, doc, head);
	memcpy(out + head, to, to_len);
	strcpy(out + head + to_len, at + from_len);
	return out;
}

/* The valid document of k with one substitution, expected to fail. */
static void
expect_invalid_edit(const struct kind *k, const char *from, const char *to,
		    const char *element, int line)
{
	char *xml = replace(k->valid, from, to);
	char what[256];

	snprintf(what, sizeof(what), "[%.100s]", to);
	expect_invalid_str(k, what, xml, element, line);
	free(xml);
}

/*
 * The valid document of k with attribute attr, there as attr="good", set
 * to each value of bad (NULL-terminated) in turn: each is refused, naming
 * element at line.
 */
static void
expect_bad_values(const struct kind *k, const char *attr, const char *good,
		  const char *const *bad, const char *element, int line)
{
	char from[128], to[128];

	snprintf(from, sizeof(from), "%s=\"%s\"", attr, good);
	for (; *bad != NULL; bad++) {
		snprintf(to, sizeof(to), "%s=\"%s\"", attr, *bad);
		expect_invalid_edit(k, from, to, element, line);
	}
}

/* ---- the cases ------------------------------------------------------- */

/* The documents the cases start from are valid: each edit is the fault. */
static void
test_templates_load(void **state)
{
	expect_loads(&wmd, "template", valid_wmd, strlen(valid_wmd));
	expect_loads(&bcd, "template", valid_bcd, strlen(valid_bcd));
}

static void
test_empty_input(void **state)
{
	static const char *const empties[] = {
		"", " ", "\n\t\r\n", "<?xml version=\"1.0\"?>",
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", "<!-- -->",
	};
	size_t i;

	for (i = 0; i < sizeof(empties) / sizeof(empties[0]); i++) {
		expect_invalid_str(&wmd, "empty", empties[i], NULL, LINE_ANY);
		expect_invalid_str(&bcd, "empty", empties[i], NULL, LINE_ANY);
	}
}

/* Every proper prefix of a valid document is truncated and fails. */
static void
test_every_prefix_is_invalid(void **state)
{
	const struct kind *kinds[] = { &wmd, &bcd };
	size_t i, n, len;
	char what[64];

	for (i = 0; i < 2; i++) {
		len = strlen(kinds[i]->valid);
		for (n = 0; n < len; n++) {
			snprintf(what, sizeof(what), "prefix %zu/%zu", n, len);
			check_invalid(kinds[i], what, kinds[i]->valid, n,
					     NULL,
					     n > 0 ? LINE_KNOWN : LINE_ANY,
					     false);
		}
	}
}

static void
test_wrong_root(void **state)
{
	expect_invalid_str(&wmd, "FOO", "<FOO/>", "FOO", LINE_KNOWN);
	expect_invalid_str(&bcd, "FOO", "<FOO/>", "FOO", LINE_KNOWN);
	expect_invalid_str(&wmd, "FOO in our namespace",
			   "<FOO xmlns=\"x-schema:#VssWriterMetadataInfo\"/>",
			   "FOO", LINE_KNOWN);
	/* Each document given to the other loader. */
	expect_invalid_str(&wmd, "a bcd", valid_bcd, "BACKUP_COMPONENTS", 1);
	expect_invalid_str(&bcd, "a wmd", valid_wmd, "WRITER_METADATA", 1);
	/* Not XML at all. */
	expect_invalid_str(&wmd, "text", "WRITER_METADATA", NULL, LINE_ANY);
	expect_invalid_str(&bcd, "json", "{\"BACKUP_COMPONENTS\": 1}", NULL,
			   LINE_ANY);
}

static void
test_bad_enum(void **state)
{
	expect_invalid_edit(&wmd, "usage=\"USER_DATA\"", "usage=\"SOMETHING\"",
			    "IDENTIFICATION", 2);
	expect_invalid_edit(&wmd, "usage=\"USER_DATA\"", "usage=\"\"",
			    "IDENTIFICATION", 2);
	expect_invalid_edit(&wmd, "dataSource=\"OTHER\"",
			    "dataSource=\"OTHERS\"", "IDENTIFICATION", 2);
	expect_invalid_edit(&wmd, "method=\"RESTORE_IF_CAN_BE_REPLACED\"",
			    "method=\"RESTORE_SOMETIMES\"", "RESTORE_METHOD",
			    3);
	expect_invalid_edit(&wmd, "writerRestore=\"never\"",
			    "writerRestore=\"sometimes\"", "RESTORE_METHOD", 3);
	expect_invalid_edit(&bcd, "backupType=\"full\"",
			    "backupType=\"weird\"", "BACKUP_COMPONENTS", 1);
	expect_invalid_edit(&bcd, "componentType=\"filegroup\"",
			    "componentType=\"table\"", "COMPONENT", 3);
}

static void
test_bad_guid(void **state)
{
	static const char *const bad[] = {
		"not-a-guid",
		"5e4c2a1b-0d3f-4e6a-9b8c-7d6e5f4a3b2",   /* one digit short */
		"5e4c2a1b-0d3f-4e6a-9b8c-7d6e5f4a3b2cc", /* one too many */
		"{5e4c2a1b-0d3f-4e6a-9b8c-7d6e5f4a3b2c", /* unbalanced */
		"5e4c2a1b00d3f-4e6a-9b8c-7d6e5f4a3b2c",  /* dash misplaced */
		"5e4c2a1b-0d3f-4e6a-9b8c-7d6e5f4a3b2g",  /* not hex */
		"",
		NULL,
	};
	static const char writer[] = "5e4c2a1b-0d3f-4e6a-9b8c-7d6e5f4a3b2c";
	static const char set[] = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";

	expect_bad_values(&wmd, "writerId", writer, bad, "IDENTIFICATION", 2);
	expect_bad_values(&bcd, "writerId", writer, bad, "WRITER_COMPONENTS",
			  2);
	expect_bad_values(&bcd, "snapshotSetId", set, bad,
			  "BACKUP_COMPONENTS", 1);
}

static void
test_bad_boolean(void **state)
{
	static const char *const bad[] = {
		"maybe", "", "yess", "y", "2", NULL,
	};

	expect_bad_values(&wmd, "recursive", "yes", bad, "FILE_LIST", 6);
	expect_bad_values(&wmd, "selectable", "yes", bad, "FILE_GROUP", 5);
	expect_bad_values(&wmd, "rebootRequired", "no", bad, "RESTORE_METHOD",
			  3);
	expect_bad_values(&bcd, "selectComponents", "yes", bad,
			  "BACKUP_COMPONENTS", 1);
}

static void
test_number_overflow(void **state)
{
	static const char *const bad[] = {
		"4294967296",              /* UINT32_MAX + 1 */
		"18446744073709551616",    /* UINT64_MAX + 1 */
		"99999999999999999999999", /* more than any integer */
		"-1",
		"12abc",
		"",
		NULL,
	};

	expect_bad_values(&wmd, "filespecBackupType", "3855", bad, "FILE_LIST",
			  6);
	expect_bad_values(&wmd, "componentFlags", "0", bad, "FILE_GROUP", 5);
	expect_bad_values(&wmd, "majorVersion", "1", bad, "IDENTIFICATION", 2);
	expect_bad_values(&wmd, "backupSchema", "0", bad, "WRITER_METADATA", 1);
	expect_bad_values(&bcd, "backupSchema", "0", bad, "WRITER_COMPONENTS",
			  2);
}

/* The valid WMD with n nested unknown elements inside BACKUP_LOCATIONS. */
static char *
nested_wmd(size_t n, size_t *ret_len)
{
	static const char at[] = "<BACKUP_LOCATIONS>\n";
	const char *split = strstr(valid_wmd, at) + strlen(at);
	size_t head = (size_t)(split - valid_wmd), tail = strlen(split);
	size_t len = head + n * strlen("<x></x>") + tail;
	char *xml = malloc(len + 1), *p;
	size_t i;

	assert_non_null(xml);
	memcpy(xml, valid_wmd, head);
	p = xml + head;
	for (i = 0; i < n; i++, p += 3)
		memcpy(p, "<x>", 3);
	for (i = 0; i < n; i++, p += 4)
		memcpy(p, "</x>", 4);
	memcpy(p, split, tail + 1);
	*ret_len = len;
	return xml;
}

static void
test_deep_nesting(void **state)
{
	size_t len;
	char *xml;

	/*
	 * Unknown elements are kept: nested in BACKUP_LOCATIONS in the root,
	 * they load up to XML_MAX_DEPTH levels in all, and one more is
	 * refused (libxml2's own limit is 256).
	 */
	xml = nested_wmd(XML_MAX_DEPTH - 2, &len);
	expect_loads(&wmd, "nested to XML_MAX_DEPTH", xml, len);
	free(xml);
	xml = nested_wmd(XML_MAX_DEPTH - 1, &len);
	expect_invalid(&wmd, "nested past XML_MAX_DEPTH", xml, len, "x",
		       LINE_KNOWN);
	free(xml);
	xml = nested_wmd(100000, &len);
	expect_invalid(&wmd, "100000 deep", xml, len, NULL, LINE_ANY);
	free(xml);
}

/* The valid document of k behind a DOCTYPE, with one substitution. */
static char *
with_doctype(const struct kind *k, const char *doctype, const char *from,
	     const char *to)
{
	char *body = replace(k->valid, from, to);
	size_t size = strlen(doctype) + strlen(body) + 1;
	char *xml = malloc(size);

	assert_non_null(xml);
	snprintf(xml, size, "%s%s", doctype, body);
	free(body);
	return xml;
}

#define LAUGHS                                                                 \
	"<!DOCTYPE %s [\n"                                                     \
	"<!ENTITY a \"lollollollollollollollollollol\">\n"                     \
	"<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"                     \
	"<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"                     \
	"<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\n"                     \
	"<!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">\n"                     \
	"<!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">\n"                     \
	"<!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">\n"                     \
	"<!ENTITY h \"&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;\">\n"                     \
	"<!ENTITY i \"&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;\">\n"                     \
	"]>\n"

/*
 * A DTD declaring a billion laughs, used in an attribute we read and in
 * the text of an element we keep: refused (expanding it would take minutes
 * and gigabytes; the test's timeout catches a parser that tries).
 */
static void
test_billion_laughs(void **state)
{
	char dtd[1024], *xml;

	snprintf(dtd, sizeof(dtd), LAUGHS, "WRITER_METADATA");
	xml = with_doctype(&wmd, dtd, "\"Hostile Writer\"", "\"&i;\"");
	expect_invalid_str(&wmd, "billion laughs in an attribute", xml, NULL,
			   LINE_ANY);
	free(xml);
	xml = with_doctype(&wmd, dtd, "<BACKUP_LOCATIONS>\n",
			   "<BACKUP_LOCATIONS>\n<x>&i;</x>\n");
	expect_invalid_str(&wmd, "billion laughs in text", xml, NULL,
			   LINE_ANY);
	free(xml);
	snprintf(dtd, sizeof(dtd), LAUGHS, "BACKUP_COMPONENTS");
	xml = with_doctype(&bcd, dtd, "\"c3RhbXA=\"", "\"&i;\"");
	expect_invalid_str(&bcd, "billion laughs in a stamp", xml, NULL,
			   LINE_ANY);
	free(xml);
}

/* A secret file in a temporary directory, watched for any open or read. */
struct watched {
	char dir[64];
	char path[128];
	int inotify;
};

static const char secret[] = "vss-hostile-secret-marker";

static void
watched_create(struct watched *w, const char *name, const char *content)
{
	int fd;

	snprintf(w->dir, sizeof(w->dir), "/tmp/vss-hostile-XXXXXX");
	assert_non_null(mkdtemp(w->dir));
	snprintf(w->path, sizeof(w->path), "%s/%s", w->dir, name);
	fd = open(w->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)),
			 (ssize_t)strlen(content));
	close(fd);
	w->inotify = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	assert_true(w->inotify >= 0);
	assert_true(inotify_add_watch(w->inotify, w->path,
				      IN_OPEN | IN_ACCESS) >= 0);
}

/* Nobody opened or read the file since it was created; then remove it. */
static void
watched_check_and_remove(struct watched *w, const char *what)
{
	char buf[4096];
	ssize_t n = read(w->inotify, buf, sizeof(buf));

	if (n > 0)
		fail_msg("%s: the loader opened %s", what, w->path);
	assert_int_equal(errno, EAGAIN);
	close(w->inotify);
	assert_int_equal(unlink(w->path), 0);
	assert_int_equal(rmdir(w->dir), 0);
}

/* The loader must fail and its message must not carry what it refused. */
static void
expect_refused(const struct kind *k, const char *what, const char *xml)
{
	struct vss_error err = { 0 };
	void *doc = SENTINEL;

	expect_invalid_str(k, what, xml, NULL, LINE_ANY);
	assert_int_equal(k->codec->load(&doc, xml, strlen(xml), &err),
			 VSS_E_INVALID_XML_DOCUMENT);
	assert_null(strstr(err.message, "root:"));
	assert_null(strstr(err.message, secret));
}

/*
 * External entities, an external DTD and external parameter entities, by
 * file and by http: refused, and no file opened, no connection made.
 */
static void
test_external_entities(void **state)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	socklen_t addr_len = sizeof(addr);
	char doctype[512], *xml;
	struct watched w;
	int listener, peer;

	xml = with_doctype(&wmd,
			   "<!DOCTYPE WRITER_METADATA [\n<!ENTITY x SYSTEM "
			   "\"file:///etc/passwd\">\n]>\n",
			   "\"Hostile Writer\"", "\"&x;\"");
	expect_refused(&wmd, "/etc/passwd in an attribute", xml);
	free(xml);
	xml = with_doctype(&wmd,
			   "<!DOCTYPE WRITER_METADATA [\n<!ENTITY x SYSTEM "
			   "\"file:///etc/passwd\">\n]>\n",
			   "<BACKUP_LOCATIONS>\n",
			   "<BACKUP_LOCATIONS>\n<x>&x;</x>\n");
	expect_refused(&wmd, "/etc/passwd in text", xml);
	free(xml);

	/* The same with a file we watch, and every way to name it. */
	watched_create(&w, "secret", secret);
	snprintf(doctype, sizeof(doctype),
		 "<!DOCTYPE WRITER_METADATA [\n<!ENTITY x SYSTEM "
		 "\"file://%s\">\n]>\n",
		 w.path);
	xml = with_doctype(&wmd, doctype, "<BACKUP_LOCATIONS>\n",
			   "<BACKUP_LOCATIONS>\n<x>&x;</x>\n");
	expect_refused(&wmd, "file entity in text", xml);
	free(xml);
	snprintf(doctype, sizeof(doctype),
		 "<!DOCTYPE BACKUP_COMPONENTS [\n<!ENTITY x SYSTEM \"%s\">\n"
		 "]>\n",
		 w.path);
	xml = with_doctype(&bcd, doctype, "</WRITER_COMPONENTS>",
			   "<x>&x;</x></WRITER_COMPONENTS>");
	expect_refused(&bcd, "path entity in text", xml);
	free(xml);
	snprintf(doctype, sizeof(doctype),
		 "<!DOCTYPE BACKUP_COMPONENTS SYSTEM \"%s\">\n", w.path);
	xml = with_doctype(&bcd, doctype, "c3RhbXA=", "c3RhbXA=");
	expect_refused(&bcd, "external dtd", xml);
	free(xml);
	snprintf(doctype, sizeof(doctype),
		 "<!DOCTYPE WRITER_METADATA [\n<!ENTITY %% p SYSTEM \"%s\">\n"
		 "%%p;\n]>\n",
		 w.path);
	xml = with_doctype(&wmd, doctype, "Hostile", "Hostile");
	expect_refused(&wmd, "external parameter entity", xml);
	free(xml);
	watched_check_and_remove(&w, "file entities");

	/* An http entity pointing at a socket of ours that nobody calls. */
	listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
			  0);
	assert_true(listener >= 0);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(listener, (struct sockaddr *)&addr,
			      sizeof(addr)),
			 0);
	assert_int_equal(listen(listener, 8), 0);
	assert_int_equal(getsockname(listener, (struct sockaddr *)&addr,
				     &addr_len),
			 0);
	snprintf(doctype, sizeof(doctype),
		 "<!DOCTYPE WRITER_METADATA [\n<!ENTITY x SYSTEM "
		 "\"http://127.0.0.1:%u/x\">\n]>\n",
		 (unsigned)ntohs(addr.sin_port));
	xml = with_doctype(&wmd, doctype, "<BACKUP_LOCATIONS>\n",
			   "<BACKUP_LOCATIONS>\n<x>&x;</x>\n");
	expect_refused(&wmd, "http entity", xml);
	free(xml);
	snprintf(doctype, sizeof(doctype),
		 "<!DOCTYPE WRITER_METADATA SYSTEM "
		 "\"http://127.0.0.1:%u/d\">\n",
		 (unsigned)ntohs(addr.sin_port));
	xml = with_doctype(&wmd, doctype, "Hostile", "Hostile");
	expect_refused(&wmd, "http dtd", xml);
	free(xml);
	peer = accept(listener, NULL, NULL);
	if (peer >= 0)
		fail_msg("the loader connected to 127.0.0.1:%u",
			 (unsigned)ntohs(addr.sin_port));
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
	close(listener);
}

/* A friendlyName of 100 MB (the document is over the size limit too). */
static void
test_huge_attribute(void **state)
{
	const size_t value_len = (size_t)100 << 20;
	const char *at = strstr(valid_wmd, "Hostile Writer");
	size_t head = (size_t)(at - valid_wmd);
	const char *tail = at + strlen("Hostile Writer");
	size_t len = head + value_len + strlen(tail);
	char *xml = malloc(len + 1);

	assert_non_null(xml);
	memcpy(xml, valid_wmd, head);
	memset(xml + head, 'A', value_len);
	strcpy(xml + head + value_len, tail);
	expect_invalid(&wmd, "100 MB attribute", xml, len, NULL, LINE_ANY);
	free(xml);
}

/* Where and how sized_document() grows a valid document. */
struct growth {
	const struct kind *kind;
	const char *before; /* entries go right before this text */
	const char *pre;    /* an entry: pre, digit, mid, filler, post */
	const char *mid;
	const char *post;
};

#define GROWTH_ENTRIES 8
#define GROWTH_TRAIL 16

/*
 * The valid document of g->kind grown to exactly size bytes: valid XML of
 * the kind, so that only its size can make it fail.  GROWTH_ENTRIES
 * entries carry long values (each under libxml2's own limit of 10 MB for
 * one value); GROWTH_TRAIL short entries follow them, because libxml2
 * 2.9 without XML_PARSE_HUGE fails ("Huge input lookup") when it nears the
 * end of its input more than 10 MB past the point where it last dropped
 * parsed input, which it does only between elements near that end.
 */
static char *
sized_document(const struct growth *g, size_t size)
{
	const char *valid = g->kind->valid;
	const char *at = strstr(valid, g->before);
	size_t head = (size_t)(at - valid), tail = strlen(at);
	size_t fixed = strlen(g->pre) + 1 + strlen(g->mid) + strlen(g->post);
	size_t room = size - head - tail - GROWTH_ENTRIES * fixed -
		      GROWTH_TRAIL * (fixed + 1);
	size_t filler = room / GROWTH_ENTRIES, i;
	char *xml = malloc(size + 1), *p = xml;

	assert_non_null(xml);
	assert_true(filler < 10000000);
	memcpy(p, valid, head);
	p += head;
	for (i = 0; i < GROWTH_ENTRIES + GROWTH_TRAIL; i++) {
		bool trail = i >= GROWTH_ENTRIES;
		size_t n = trail ? 1 : filler;

		p = stpcpy(p, g->pre);
		*p++ = trail ? (char)('a' + i) : (char)('0' + i);
		p = stpcpy(p, g->mid);
		memset(p, 'A', n);
		p = stpcpy(p + n, g->post);
	}
	memset(p, ' ', room % GROWTH_ENTRIES);
	p += room % GROWTH_ENTRIES;
	memcpy(p, at, tail + 1);
	assert_int_equal(strlen(xml), size);
	return xml;
}

/*
 * The size limit, at its edge: a valid document of exactly the limit
 * loads; the same with one more space is refused.
 */
static void
test_size_limit(void **state)
{
	static const struct growth growths[] = {
		{ &wmd, "</FILE_GROUP>", "<FILE_LIST filespec=\"*\" path=\"/",
		  "/", "\"/>" },
		{ &bcd, "</WRITER_COMPONENTS>",
		  "<COMPONENT componentType=\"filegroup\" componentName=\"c",
		  "\" backupStamp=\"", "\"/>" },
	};
	size_t i;
	char *xml;

	for (i = 0; i < 2; i++) {
		const struct kind *k = growths[i].kind;

		xml = sized_document(&growths[i], XML_MAX_DOCUMENT_SIZE);
		expect_loads(k, "at the size limit", xml,
			     XML_MAX_DOCUMENT_SIZE);
		free(xml);
		xml = sized_document(&growths[i], XML_MAX_DOCUMENT_SIZE + 1);
		expect_invalid(k, "one byte over the size limit", xml,
			       XML_MAX_DOCUMENT_SIZE + 1, NULL, LINE_ANY);
		free(xml);
	}
}

/*
 * NUL bytes are no XML character anywhere: inside a value, between
 * elements, after the root element (where libxml2 alone would stop
 * reading and accept), at the very end.
 */
static void
test_nul_bytes(void **state)
{
	const struct kind *kinds[] = { &wmd, &bcd };
	static const char garbage[] = "<evil/>";
	size_t i, len, at;
	char *xml;

	for (i = 0; i < 2; i++) {
		const char *valid = kinds[i]->valid;

		len = strlen(valid);
		xml = malloc(len + sizeof(garbage) + 1);
		assert_non_null(xml);

		memcpy(xml, valid, len + 1);
		at = (size_t)(strstr(valid, "xmlns=\"") - valid) + 10;
		xml[at] = '\0';
		expect_invalid(kinds[i], "NUL in a value", xml, len, NULL,
			       LINE_ANY);

		memcpy(xml, valid, len + 1);
		at = (size_t)(strchr(valid, '\n') - valid);
		xml[at] = '\0';
		expect_invalid(kinds[i], "NUL between elements", xml, len,
			       NULL, LINE_ANY);

		memcpy(xml, valid, len + 1);
		memcpy(xml + len + 1, garbage, sizeof(garbage));
		expect_invalid(kinds[i], "NUL then garbage after the root", xml,
			       len + sizeof(garbage), NULL, LINE_ANY);

		expect_invalid(kinds[i], "final NUL", valid, len + 1, NULL,
			       LINE_ANY);
		free(xml);
	}
}

static void
test_invalid_utf8(void **state)
{
	static const char *const bad[] = {
		"\xff",             /* never in UTF-8 */
		"\x80",             /* continuation without a lead */
		"\xc0\xaf",         /* overlong '/' */
		"\xed\xa0\x80",     /* surrogate */
		"\xf4\x90\x80\x80", /* past U+10FFFF */
		"\xe2\x82",         /* cut sequence */
	};
	char to[64];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(to, sizeof(to), "\"Hostile%sWriter\"", bad[i]);
		expect_invalid_edit(&wmd, "\"Hostile Writer\"", to, NULL,
				    LINE_KNOWN);
		snprintf(to, sizeof(to), "\"d%s\"", bad[i]);
		expect_invalid_edit(&bcd, "\"db\"", to, NULL, LINE_KNOWN);
	}
}

/* ASCII text as UTF-16, optionally with a byte-order mark. */
static char *
utf16(const char *text, bool little_endian, bool bom, size_t *ret_len)
{
	size_t n = strlen(text), i, len = 2 * n + (bom ? 2 : 0);
	char *out = malloc(len), *p = out;

	assert_non_null(out);
	if (bom) {
		*p++ = little_endian ? '\xff' : '\xfe';
		*p++ = little_endian ? '\xfe' : '\xff';
	}
	for (i = 0; i < n; i++, p += 2) {
		p[little_endian ? 0 : 1] = text[i];
		p[little_endian ? 1 : 0] = '\0';
	}
	*ret_len = len;
	return out;
}

/* A fixed stream of pseudo-random bytes (xorshift32). */
static void
garbage_fill(char *out, size_t len, uint32_t seed)
{
	size_t i;

	for (i = 0; i < len; i++) {
		seed ^= seed << 13;
		seed ^= seed >> 17;
		seed ^= seed << 5;
		out[i] = (char)(seed & 0xff);
	}
}

static void
test_utf16_and_garbage(void **state)
{
	size_t len, i, at;
	char *xml, *buf;

	/* With a byte-order mark it loads: the faults below are the cause. */
	xml = utf16(valid_wmd, true, true, &len);
	expect_loads(&wmd, "UTF-16LE with BOM", xml, len);
	free(xml);
	xml = utf16(valid_bcd, false, true, &len);
	expect_loads(&bcd, "UTF-16BE with BOM", xml, len);
	free(xml);

	xml = utf16(valid_wmd, true, false, &len);
	expect_invalid(&wmd, "UTF-16LE without BOM", xml, len, NULL, LINE_ANY);
	free(xml);
	xml = utf16(valid_bcd, false, false, &len);
	expect_invalid(&bcd, "UTF-16BE without BOM", xml, len, NULL, LINE_ANY);
	free(xml);

	xml = utf16(valid_wmd, true, true, &len);
	expect_invalid(&wmd, "UTF-16LE cut in a character", xml, len - 1,
		       NULL, LINE_ANY);
	/* A lone high surrogate in place of the 'H' of "Hostile Writer". */
	at = 2 + 2 * (size_t)(strstr(valid_wmd, "Hostile") - valid_wmd);
	xml[at] = '\x00';
	xml[at + 1] = '\xd8';
	expect_invalid(&wmd, "UTF-16LE lone surrogate", xml, len, NULL,
		       LINE_ANY);
	free(xml);

	/* A little-endian document behind a big-endian mark. */
	xml = utf16(valid_bcd, true, true, &len);
	xml[0] = '\xfe';
	xml[1] = '\xff';
	expect_invalid(&bcd, "UTF-16LE behind a BE mark", xml, len, NULL,
		       LINE_ANY);
	free(xml);

	buf = malloc(65536);
	assert_non_null(buf);
	for (i = 0; i < 8; i++) {
		garbage_fill(buf, 65536, 0x9e3779b9u + (uint32_t)i);
		/* Starts that steer libxml2 to each of its decoders. */
		if (i == 1)
			memcpy(buf, "\xff\xfe<\0", 4);
		else if (i == 2)
			memcpy(buf, "\xfe\xff\0<", 4);
		else if (i == 3)
			memcpy(buf, "<\0?\0", 4);
		else if (i == 4)
			memcpy(buf, "<WRITER_METADATA ", 17);
		else if (i == 5)
			memcpy(buf, "\xef\xbb\xbf<", 4);
		expect_invalid(&wmd, "random bytes", buf, 65536, NULL,
			       LINE_ANY);
		expect_invalid(&bcd, "random bytes", buf, 65536, NULL,
			       LINE_ANY);
	}
	free(buf);
}

/*
 * Load k's document xml; if it loads, what it saves must load again and
 * save to the same text (MD-062), whatever odd but well-formed XML it
 * kept.
 */
static void
expect_round_trip_or_refusal(const struct kind *k, const char *what,
			     const char *xml, bool must_load)
{
	const char *name = k->codec->name;
	struct vss_error err = { 0 };
	void *doc = NULL, *again = NULL;
	char *saved, *saved_again;
	size_t len, len_again;
	int r;

	r = k->codec->load(&doc, xml, strlen(xml), &err);
	if (r != 0 && must_load)
		fail_msg("%s %s: %s", name, what, err.message);
	if (r != 0) {
		assert_int_equal(r, VSS_E_INVALID_XML_DOCUMENT);
		return;
	}
	r = k->codec->save(doc, &saved, &len);
	if (r != 0)
		fail_msg("%s %s: loaded, but save: %s", name, what,
			 status_text(r));
	r = k->codec->load(&again, saved, len, &err);
	if (r != 0)
		fail_msg("%s %s: the saved text does not load: %s\n%s",
			 name, what, err.message, saved);
	assert_int_equal(k->codec->save(again, &saved_again, &len_again), 0);
	if (len != len_again || memcmp(saved, saved_again, len) != 0)
		fail_msg("%s %s: saved twice, two texts:\n%s\n%s", name,
			 what, saved, saved_again);
	free(saved_again);
	free(saved);
	k->codec->free(again);
	k->codec->free(doc);
}

/*
 * Unknown elements are kept with their namespace declarations, whose
 * values libxml2 checks little: characters that need escaping there must
 * neither make the saved text unreadable nor change on the way back
 * (both found by tests/fuzz).
 */
static void
test_odd_namespaces_round_trip(void **state)
{
	/* The first is an ordinary URI: that one must load. */
	static const char *const uris[] = {
		"urn:x",   "a&lt;b",  "a&amp;b", "a&quot;b",
		"a&gt;b",  "a&#10;b", "a&#9;b",  "",
	};
	char element[128], *xml;
	size_t i;

	for (i = 0; i < sizeof(uris) / sizeof(uris[0]); i++) {
		snprintf(element, sizeof(element),
			 "<X xmlns=\"%s\"/>\n<BACKUP_LOCATIONS>\n", uris[i]);
		xml = replace(valid_wmd, "<BACKUP_LOCATIONS>\n", element);
		expect_round_trip_or_refusal(&wmd, uris[i], xml, i == 0);
		free(xml);
		snprintf(element, sizeof(element),
			 "<X xmlns:p=\"%s\" p:a=\"1\"/></WRITER_COMPONENTS>",
			 uris[i]);
		xml = replace(valid_bcd, "</WRITER_COMPONENTS>", element);
		expect_round_trip_or_refusal(&bcd, uris[i], xml, i == 0);
		free(xml);
	}
}

/*
 * Ordinary XML in unknown elements must load and come back the same,
 * among it the attributes of the predeclared xml: prefix (an unknown
 * element with one made the save fail with -ENOMEM; found by tests/fuzz).
 */
static void
test_unknown_elements_round_trip(void **state)
{
	static const char *const elements[] = {
		"<X xml:lang=\"en\"/>",
		"<X xml:space=\"preserve\"> a <Y xml:lang=\"de\"/></X>",
		"<p:X xmlns:p=\"urn:p\" p:a=\"1\"><p:Y/></p:X>",
		"<X xmlns=\"\" a=\"&lt;&amp;&gt;&quot;&#10;\">t&amp;t</X>",
		"<X><!-- c --><?pi x?><![CDATA[<raw>]]></X>",
	};
	char element[256], *xml;
	size_t i;

	for (i = 0; i < sizeof(elements) / sizeof(elements[0]); i++) {
		snprintf(element, sizeof(element), "%s\n<BACKUP_LOCATIONS>\n",
			 elements[i]);
		xml = replace(valid_wmd, "<BACKUP_LOCATIONS>\n", element);
		expect_round_trip_or_refusal(&wmd, elements[i], xml, true);
		free(xml);
		snprintf(element, sizeof(element), "%s</WRITER_COMPONENTS>",
			 elements[i]);
		xml = replace(valid_bcd, "</WRITER_COMPONENTS>", element);
		expect_round_trip_or_refusal(&bcd, elements[i], xml, true);
		free(xml);
	}
}

/*
 * After all of the above, valid documents still load and libxml2's
 * process-wide settings are those the program had: the loaders change
 * nothing another libxml2 user in the process would notice.
 */
static void
test_still_loads_afterwards(void **state)
{
	expect_loads(&wmd, "after the hostile cases", valid_wmd,
		     strlen(valid_wmd));
	expect_loads(&bcd, "after the hostile cases", valid_bcd,
		     strlen(valid_bcd));
	assert_ptr_equal(xmlGetExternalEntityLoader(),
			 libxml_before.entity_loader);
	assert_ptr_equal(xmlStructuredError, libxml_before.structured_error);
	assert_ptr_equal(xmlGenericError, libxml_before.generic_error);
	assert_int_equal(xmlSubstituteEntitiesDefaultValue,
			 libxml_before.substitute_entities);
	assert_int_equal(xmlLoadExtDtdDefaultValue,
			 libxml_before.load_ext_dtd);
	assert_int_equal(xmlKeepBlanksDefaultValue, libxml_before.keep_blanks);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_templates_load),
		cmocka_unit_test(test_empty_input),
		cmocka_unit_test(test_every_prefix_is_invalid),
		cmocka_unit_test(test_wrong_root),
		cmocka_unit_test(test_bad_enum),
		cmocka_unit_test(test_bad_guid),
		cmocka_unit_test(test_bad_boolean),
		cmocka_unit_test(test_number_overflow),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_billion_laughs),
		cmocka_unit_test(test_external_entities),
		cmocka_unit_test(test_huge_attribute),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_utf16_and_garbage),
		cmocka_unit_test(test_odd_namespaces_round_trip),
		cmocka_unit_test(test_unknown_elements_round_trip),
		cmocka_unit_test(test_still_loads_afterwards),
	};
	FILE *capture = tmpfile();
	int r;

	if (capture == NULL) {
		perror("tmpfile");
		return 1;
	}
	stderr_capture = fileno(capture);
	xmlInitParser();
	libxml_before.entity_loader = xmlGetExternalEntityLoader();
	libxml_before.structured_error = xmlStructuredError;
	libxml_before.generic_error = xmlGenericError;
	libxml_before.substitute_entities = xmlSubstituteEntitiesDefaultValue;
	libxml_before.load_ext_dtd = xmlLoadExtDtdDefaultValue;
	libxml_before.keep_blanks = xmlKeepBlanksDefaultValue;
	r = cmocka_run_group_tests(tests, NULL, NULL);
	fclose(capture);
	xmlCleanupParser();
	return r;
}
