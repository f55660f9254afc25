/*
 * lib/metadata/xml_common.c - parsing, attribute reading and tree writing
 * shared by the WMD and BCD codecs.
 *
 * Safety (MD-003, MD-060): documents are size-checked before parsing;
 * libxml2 runs with a private parser context, no network, no entity
 * substitution, no DTD loading and its default limits (no HUGE); a
 * DOCTYPE stops the parser as soon as it is seen, so no entity
 * declaration is ever read; element nesting is capped after parsing.
 * Parser errors go to the context; while a codec runs, the calling
 * thread's libxml2 error handlers are silent ones (libxml2 keeps them per
 * thread) and are restored after, so nothing is printed and no other
 * libxml2 user of the process sees a change.
 */
#include "metadata/xml_common.h"
#include "metadata/model.h"
#include "util/array.h"

#include <errno.h>
#include <inttypes.h>
#include <libxml/globals.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlsave.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <vss/status.h>

/* ---- Parsing ------------------------------------------------------------ */

/* What the parser callbacks saw, reached through the context's _private. */
struct parse_state {
	bool doctype;
	int doctype_line;
	bool have_error;
	xmlErrorLevel error_level;
	int error_line;
	int error_code;
	char error_message[256];
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

/* xmlInitParser() is not thread-safe in the libxml2 versions we support. */
static void
init_libxml2(void)
{
	xmlInitParser();
}

static void
ignore_generic(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

static void
ignore_structured(void *ctx, xmlError *e)
{
	(void)ctx;
	(void)e;
}

static void
quiet_begin(struct xml_quiet *q)
{
	pthread_once(&init_once, init_libxml2);
	q->generic = xmlGenericError;
	q->generic_context = xmlGenericErrorContext;
	q->structured = xmlStructuredError;
	q->structured_context = xmlStructuredErrorContext;
	xmlSetGenericErrorFunc(NULL, ignore_generic);
	xmlSetStructuredErrorFunc(NULL, ignore_structured);
}

static void
quiet_end(const struct xml_quiet *q)
{
	xmlSetGenericErrorFunc(q->generic_context, q->generic);
	xmlSetStructuredErrorFunc(q->structured_context, q->structured);
}

/*
 * The DOCTYPE callback runs before the internal subset is read: stop
 * there, so that no entity (and no "billion laughs") is ever declared.
 */
static void
on_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id,
	   const xmlChar *system_id)
{
	xmlParserCtxt *ctxt = ctx;
	struct parse_state *st = ctxt->_private;

	(void)name;
	(void)external_id;
	(void)system_id;
	st->doctype = true;
	st->doctype_line = ctxt->input ? ctxt->input->line : 0;
	xmlStopParser(ctxt);
}

/*
 * Keep the first error, or the first fatal one when there is one: later
 * errors are often consequences of it.  Being set on the context, this
 * handler also keeps libxml2 from printing.
 */
static void
on_error(void *ctx, xmlError *e)
{
	xmlParserCtxt *ctxt = ctx;
	struct parse_state *st = ctxt->_private;
	size_t n;

	if (e->level < XML_ERR_ERROR ||
	    (st->have_error &&
	     (st->error_level == XML_ERR_FATAL || e->level != XML_ERR_FATAL)))
		return;
	st->have_error = true;
	st->error_level = e->level;
	st->error_line = e->line;
	st->error_code = e->code;
	snprintf(st->error_message, sizeof(st->error_message), "%s",
		 e->message ? e->message : "malformed document");
	n = strlen(st->error_message);
	while (n > 0 && (st->error_message[n - 1] == '\n' ||
			 st->error_message[n - 1] == ' '))
		st->error_message[--n] = '\0';
}

static void
set_error(struct xml_in *in, int status, int line, const char *fmt,
	  va_list ap) __attribute__((format(printf, 4, 0)));

static void
set_error(struct xml_in *in, int status, int line, const char *fmt,
	  va_list ap)
{
	int n = 0;

	if (in->status)
		return;
	in->status = status;
	in->err.line = line;
	if (line > 0)
		n = snprintf(in->err.message, sizeof(in->err.message),
			     "line %d: ", line);
	vsnprintf(in->err.message + n, sizeof(in->err.message) - (size_t)n,
		  fmt, ap);
}

static void
fail_at(struct xml_in *in, int status, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
fail_at(struct xml_in *in, int status, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_error(in, status, line, fmt, ap);
	va_end(ap);
}

static int
node_line(const xmlNode *n)
{
	long line = xmlGetLineNo((xmlNode *)n);

	return line > 0 && line <= INT32_MAX ? (int)line : 0;
}

void
xml_in_nomem(struct xml_in *in)
{
	fail_at(in, -ENOMEM, 0, "out of memory");
}

void
xml_in_fail(struct xml_in *in, xmlNode *n, const char *fmt, ...)
{
	char what[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	fail_at(in, VSS_E_INVALID_XML_DOCUMENT, node_line(n), "%s: %s",
		(const char *)n->name, what);
}

/*
 * libxml2 2.9 writes a namespace declaration without escaping it: one
 * holding these would not read back as it was.
 */
static void
check_namespaces(struct xml_in *in, xmlNode *n)
{
	char attr[128];
	xmlNs *ns;

	for (ns = n->nsDef; ns; ns = ns->next) {
		if (!ns->href || !strpbrk((const char *)ns->href, "<&\t\n\r"))
			continue;
		snprintf(attr, sizeof(attr), "xmlns%s%.100s",
			 ns->prefix ? ":" : "",
			 ns->prefix ? (const char *)ns->prefix : "");
		xml_in_bad_value(in, n, attr, "namespace",
				 (const char *)ns->href);
		return;
	}
}

/*
 * No element nested deeper than XML_MAX_DEPTH, no namespace we could not
 * write back; walks without recursion.
 */
static void
check_tree(struct xml_in *in, xmlNode *root)
{
	xmlNode *n = root;
	int depth = 1;

	while (n && !in->status) {
		if (n->type == XML_ELEMENT_NODE && depth > XML_MAX_DEPTH) {
			xml_in_fail(in, n, "elements nested deeper than %d",
				    XML_MAX_DEPTH);
			return;
		}
		if (n->type == XML_ELEMENT_NODE)
			check_namespaces(in, n);
		if (n->type == XML_ELEMENT_NODE && n->children) {
			n = n->children;
			depth++;
			continue;
		}
		while (n != root && !n->next) {
			n = n->parent;
			depth--;
		}
		if (n == root)
			return;
		n = n->next;
	}
}

/*
 * libxml2 takes a NUL character for the end of the input and ignores what
 * follows it.  The line of the first NUL, or 0 if there is none: 16-bit
 * units after a UTF-16 byte-order mark, bytes otherwise (UTF-16 without a
 * mark is not accepted anyway).
 */
static int
nul_line(const char *xml, size_t len)
{
	const unsigned char *p = (const unsigned char *)xml;
	bool le = len >= 2 && p[0] == 0xff && p[1] == 0xfe;
	bool be = len >= 2 && p[0] == 0xfe && p[1] == 0xff;
	size_t i, step = le || be ? 2 : 1;
	unsigned unit;
	int line = 1;

	for (i = 0; i + step <= len; i += step) {
		if (step == 1)
			unit = p[i];
		else if (le)
			unit = p[i] | (unsigned)p[i + 1] << 8;
		else
			unit = (unsigned)p[i] << 8 | p[i + 1];
		if (!unit)
			return line;
		if (unit == '\n' && line < INT32_MAX)
			line++;
	}
	return 0;
}

int
xml_in_parse(struct xml_in *in, const char *xml, size_t len,
	     const char *root_name)
{
	struct parse_state st = { 0 };
	xmlParserCtxt *ctxt;
	xmlNode *root;
	int line;

	*in = (struct xml_in){ 0 };
	quiet_begin(&in->quiet);
	if (len > XML_MAX_DOCUMENT_SIZE) {
		fail_at(in, VSS_E_INVALID_XML_DOCUMENT, 0,
			"document is larger than %zu MiB",
			XML_MAX_DOCUMENT_SIZE >> 20);
		return in->status;
	}
	line = nul_line(xml, len);
	if (line) {
		fail_at(in, VSS_E_INVALID_XML_DOCUMENT, line,
			"document contains a NUL character");
		return in->status;
	}
	ctxt = xmlNewParserCtxt();
	if (!ctxt) {
		xml_in_nomem(in);
		return in->status;
	}
	ctxt->_private = &st;
	ctxt->sax->internalSubset = on_doctype;
	ctxt->sax->serror = on_error;
	in->doc = xmlCtxtReadMemory(ctxt, xml, (int)len, NULL, NULL,
				    XML_PARSE_NONET | XML_PARSE_NOCDATA |
					    XML_PARSE_BIG_LINES |
					    XML_PARSE_NOERROR |
					    XML_PARSE_NOWARNING);
	xmlFreeParserCtxt(ctxt);
	if (st.doctype) {
		fail_at(in, VSS_E_INVALID_XML_DOCUMENT, st.doctype_line,
			"DOCTYPE: document type declarations are not allowed");
		return in->status;
	}
	/*
	 * libxml2 2.9 may hand back part of a document after a fatal error
	 * (a failed allocation inside the tree builder): refuse it.
	 */
	if (!in->doc || (st.have_error && st.error_level == XML_ERR_FATAL)) {
		if (st.error_code == XML_ERR_NO_MEMORY)
			xml_in_nomem(in);
		else
			fail_at(in, VSS_E_INVALID_XML_DOCUMENT, st.error_line,
				"malformed xml: %s",
				st.have_error ? st.error_message :
						"cannot parse the document");
		return in->status;
	}
	root = xmlDocGetRootElement(in->doc);
	if (!root) {
		fail_at(in, VSS_E_INVALID_XML_DOCUMENT, 0,
			"malformed xml: no root element");
		return in->status;
	}
	if (!xml_is(root, root_name)) {
		xml_in_fail(in, root, "root element is not %s", root_name);
		return in->status;
	}
	check_tree(in, root);
	return in->status;
}

int
xml_in_result(const struct xml_in *in, struct vss_error *err)
{
	if (in->status < 0 && err)
		*err = in->err;
	return in->status;
}

void
xml_in_release(struct xml_in *in)
{
	size_t i;

	for (i = 0; i < in->value_count; i++)
		xmlFree(in->values[i]);
	free(in->values);
	in->values = NULL;
	in->value_count = in->value_cap = 0;
	xmlFreeDoc(in->doc);
	in->doc = NULL;
	quiet_end(&in->quiet);
}

void
xml_in_model(struct xml_in *in, xmlNode *n, const char *what, int r)
{
	if (r >= 0)
		return;
	if (r == -ENOMEM)
		xml_in_nomem(in);
	else
		xml_in_fail(in, n, "%s: %s", what, vss_strerror(r));
}

/*
 * Quote at most 60 bytes of a bad value, cut between characters, control
 * characters as '?', so that the message stays one readable line.
 */
void
xml_in_bad_value(struct xml_in *in, xmlNode *n, const char *attr,
		 const char *what, const char *value)
{
	char shown[64];
	size_t i;

	for (i = 0; value[i] && i < 60; i++)
		shown[i] = (unsigned char)value[i] < 0x20 ? '?' : value[i];
	while (i > 0 && ((unsigned char)value[i] & 0xc0) == 0x80)
		i--;
	shown[i] = '\0';
	xml_in_fail(in, n, "attribute '%s': bad %s '%s%s'", attr, what, shown,
		    value[i] ? "..." : "");
}

bool
xml_is(const xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE &&
	       xmlStrEqual(n->name, (const xmlChar *)name);
}

static xmlNode *
element_from(xmlNode *n)
{
	while (n && n->type != XML_ELEMENT_NODE)
		n = n->next;
	return n;
}

xmlNode *
xml_first_element(const xmlNode *n)
{
	return element_from(n->children);
}

xmlNode *
xml_next_element(const xmlNode *n)
{
	return element_from(n->next);
}

xmlNode *
xml_in_single(struct xml_in *in, xmlNode *parent, const char *name,
	      enum xml_need need)
{
	xmlNode *child, *found = NULL;

	if (in->status)
		return NULL;
	xml_for_each_element(child, parent) {
		if (!xml_is(child, name))
			continue;
		if (found) {
			xml_in_fail(in, child, "duplicate element");
			return NULL;
		}
		found = child;
	}
	if (!found && need == XML_REQUIRED)
		xml_in_fail(in, parent, "missing element %s", name);
	return found;
}

/* The attribute attr of n without a namespace, or NULL. */
static xmlAttr *
find_attr(xmlNode *n, const char *attr)
{
	xmlAttr *a;

	for (a = n->properties; a; a = a->next)
		if (!a->ns && xmlStrEqual(a->name, (const xmlChar *)attr))
			return a;
	return NULL;
}

bool
xml_has_attr(xmlNode *n, const char *attr)
{
	return find_attr(n, attr) != NULL;
}

/* Keep v until xml_in_release(); frees it on failure.  v NULL: -ENOMEM. */
static const char *
keep_value(struct xml_in *in, xmlChar *v)
{
	if (!v || ARRAY_RESERVE(in->values, in->value_count,
				in->value_cap) < 0) {
		xmlFree(v);
		xml_in_nomem(in);
		return NULL;
	}
	in->values[in->value_count++] = v;
	return (const char *)v;
}

const char *
xml_in_str(struct xml_in *in, xmlNode *n, const char *attr,
	   enum xml_need need)
{
	xmlAttr *a;

	if (in->status)
		return NULL;
	a = find_attr(n, attr);
	if (!a) {
		if (need == XML_REQUIRED)
			xml_in_fail(in, n, "missing attribute '%s'", attr);
		return NULL;
	}
	return keep_value(in, xmlNodeGetContent((xmlNode *)a));
}

bool
xml_in_bool(struct xml_in *in, xmlNode *n, const char *attr,
	    enum xml_need need, bool def)
{
	const char *s = xml_in_str(in, n, attr, need);

	if (!s)
		return def;
	if (ascii_case_equal(s, "yes"))
		return true;
	if (ascii_case_equal(s, "no"))
		return false;
	xml_in_bad_value(in, n, attr, "boolean", s);
	return def;
}

static int
digit_value(char c, unsigned base)
{
	int v;

	if (c >= '0' && c <= '9')
		v = c - '0';
	else if (c >= 'a' && c <= 'f')
		v = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		v = c - 'A' + 10;
	else
		return -1;
	return (unsigned)v < base ? v : -1;
}

/*
 * Digits of s in base, nothing else (no sign, no space), at least one, at
 * most max.  strtoul() would take a sign and leading space.
 */
static bool
parse_unsigned(const char *s, unsigned base, uint64_t max, uint64_t *ret)
{
	uint64_t v = 0;
	int d;

	if (!*s)
		return false;
	for (; *s; s++) {
		d = digit_value(*s, base);
		if (d < 0 || v > (max - (uint64_t)d) / base)
			return false;
		v = v * base + (uint64_t)d;
	}
	*ret = v;
	return true;
}

uint32_t
xml_in_u32(struct xml_in *in, xmlNode *n, const char *attr,
	   enum xml_need need, uint32_t def)
{
	const char *s = xml_in_str(in, n, attr, need);
	uint64_t v;

	if (!s)
		return def;
	if (!parse_unsigned(s, 10, UINT32_MAX, &v)) {
		xml_in_bad_value(in, n, attr, "number", s);
		return def;
	}
	return (uint32_t)v;
}

int64_t
xml_in_i64(struct xml_in *in, xmlNode *n, const char *attr,
	   enum xml_need need, int64_t def)
{
	const char *s = xml_in_str(in, n, attr, need);
	bool negative;
	uint64_t v;

	if (!s)
		return def;
	negative = *s == '-';
	if (!parse_unsigned(s + negative, 10,
			    negative ? (uint64_t)INT64_MAX + 1 : INT64_MAX,
			    &v)) {
		xml_in_bad_value(in, n, attr, "number", s);
		return def;
	}
	/* Two's complement: -(2^63) has no positive counterpart. */
	return negative ? (int64_t)(0 - v) : (int64_t)v;
}

uint32_t
xml_in_hex32(struct xml_in *in, xmlNode *n, const char *attr,
	     enum xml_need need, uint32_t def)
{
	const char *s = xml_in_str(in, n, attr, need);
	uint64_t v;
	bool ok;

	if (!s)
		return def;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		ok = parse_unsigned(s + 2, 16, UINT32_MAX, &v);
	else
		ok = parse_unsigned(s, 10, UINT32_MAX, &v);
	if (!ok) {
		xml_in_bad_value(in, n, attr, "number", s);
		return def;
	}
	return (uint32_t)v;
}

void
xml_in_id(struct xml_in *in, xmlNode *n, const char *attr,
	  enum xml_need need, vss_id *ret)
{
	const char *s = xml_in_str(in, n, attr, need);

	if (s && vss_id_parse(ret, s) < 0)
		xml_in_bad_value(in, n, attr, "guid", s);
}

static const char base64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int
base64_value(char c)
{
	const char *p;

	if (!c)
		return -1;
	p = strchr(base64_alphabet, c);
	return p ? (int)(p - base64_alphabet) : -1;
}

/*
 * Decode s into out (room for 3/4 of strlen(s)), skipping XML white space.
 * Padding is required and only at the end.  Returns the size or -1.
 */
static ssize_t
base64_decode(const char *s, uint8_t *out)
{
	uint32_t group = 0;
	size_t n = 0, digits = 0, pad = 0;
	int v;

	for (; *s; s++) {
		if (strchr(" \t\r\n", *s))
			continue;
		if (*s == '=') {
			pad++;
			v = 0;
		} else {
			v = base64_value(*s);
			if (v < 0 || pad)
				return -1;
		}
		group = group << 6 | (uint32_t)v;
		if (++digits % 4)
			continue;
		if (pad > 2)
			return -1;
		out[n++] = (uint8_t)(group >> 16);
		if (pad < 2)
			out[n++] = (uint8_t)(group >> 8);
		if (pad < 1)
			out[n++] = (uint8_t)group;
		group = 0;
		/* Nothing may follow a padded group. */
		if (pad)
			pad = 3;
	}
	return digits % 4 ? -1 : (ssize_t)n;
}

const uint8_t *
xml_in_base64(struct xml_in *in, xmlNode *n, const char *attr,
	      enum xml_need need, size_t *ret_size)
{
	const char *s = xml_in_str(in, n, attr, need);
	uint8_t *out;
	ssize_t size;

	*ret_size = 0;
	if (!s || !*s)
		return NULL;
	out = xmlMalloc(strlen(s) / 4 * 3 + 3);
	if (!keep_value(in, out))
		return NULL;
	size = base64_decode(s, out);
	if (size < 0) {
		xml_in_bad_value(in, n, attr, "base64", s);
		return NULL;
	}
	*ret_size = (size_t)size;
	return size ? out : NULL;
}

struct vss_xml_extra *
xml_in_extra(struct xml_in *in, xmlNode *n, const char *const *known_attrs,
	     const char *const *known_children)
{
	struct vss_xml_extra *extra;

	if (in->status)
		return NULL;
	if (xml_extra_collect(&extra, n, known_attrs, known_children) < 0) {
		xml_in_nomem(in);
		return NULL;
	}
	return extra;
}

const char *const xml_mapping_attrs[] = {
	"path", "filespec", "recursive", "destination", NULL,
};

void
xml_in_mapping(struct xml_in *in, xmlNode *n,
	       struct vss_location_mapping *ret)
{
	ret->path = xml_in_str(in, n, "path", XML_REQUIRED);
	ret->filespec = xml_in_str(in, n, "filespec", XML_REQUIRED);
	ret->recursive = xml_in_bool(in, n, "recursive", XML_OPTIONAL, false);
	ret->destination = xml_in_str(in, n, "destination", XML_REQUIRED);
	ret->extra = NULL;
}

/* ---- Saving ------------------------------------------------------------- */

int
xml_new_prop(xmlNode *n, xmlNs *ns, const char *name, const char *value)
{
	xmlAttr *a;

	a = xmlNewNsProp(n, ns, (const xmlChar *)name, (const xmlChar *)value);
	/* Linked into n even when incomplete: freed with the document. */
	if (!a || !a->name || !a->children || !a->children->content)
		return -ENOMEM;
	return 0;
}

xmlNs *
xml_new_ns(xmlNode *n, const char *href, const char *prefix)
{
	xmlNs *ns;

	ns = xmlNewNs(n, (const xmlChar *)href, (const xmlChar *)prefix);
	if (!ns || !ns->href || (prefix && !ns->prefix))
		return NULL;
	return ns;
}

static void
out_fail(struct xml_out *out, int status)
{
	if (!out->status)
		out->status = status;
}

xmlNode *
xml_out_init(struct xml_out *out, const char *root, const char *ns_href)
{
	xmlNode *n;

	*out = (struct xml_out){ 0 };
	quiet_begin(&out->quiet);
	out->doc = xmlNewDoc((const xmlChar *)"1.0");
	if (!out->doc)
		goto fail;
	/* Without an encoding libxml2 writes non-ASCII as &#x..; refs. */
	out->doc->encoding = xmlStrdup((const xmlChar *)"UTF-8");
	if (!out->doc->encoding)
		goto fail;
	n = xmlNewDocNode(out->doc, NULL, (const xmlChar *)root, NULL);
	if (!n)
		goto fail;
	xmlDocSetRootElement(out->doc, n);
	out->ns = xml_new_ns(n, ns_href, NULL);
	if (!n->name || !out->ns)
		goto fail;
	xmlSetNs(n, out->ns);
	return n;
fail:
	out_fail(out, -ENOMEM);
	return NULL;
}

xmlNode *
xml_out_child(struct xml_out *out, xmlNode *parent, const char *name)
{
	xmlNode *n;

	if (out->status || !parent)
		return NULL;
	n = xmlNewChild(parent, out->ns, (const xmlChar *)name, NULL);
	if (!n || !n->name) {
		out_fail(out, -ENOMEM);
		return NULL;
	}
	return n;
}

void
xml_out_no_namespace(struct xml_out *out, xmlNode *n)
{
	if (out->status || !n)
		return;
	if (!xml_new_ns(n, "", NULL)) {
		out_fail(out, -ENOMEM);
		return;
	}
	xmlSetNs(n, NULL);
}

/*
 * True when s is UTF-8 made of characters XML 1.0 can carry: no C0 control
 * but tab, line feed and carriage return (written as character
 * references), no surrogate, no U+FFFE/U+FFFF, no overlong form.
 */
static bool
xml_text_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t c;
	int more, i;

	while (*p) {
		if (*p < 0x80) {
			if (*p < 0x20 && *p != '\t' && *p != '\n' &&
			    *p != '\r')
				return false;
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0) {
			c = *p & 0x1f;
			more = 1;
		} else if ((*p & 0xf0) == 0xe0) {
			c = *p & 0x0f;
			more = 2;
		} else if ((*p & 0xf8) == 0xf0) {
			c = *p & 0x07;
			more = 3;
		} else {
			return false;
		}
		for (i = 1; i <= more; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			c = c << 6 | (p[i] & 0x3f);
		}
		if ((more == 1 && c < 0x80) || (more == 2 && c < 0x800) ||
		    (more == 3 && c < 0x10000) || c > 0x10ffff ||
		    (c >= 0xd800 && c <= 0xdfff) || c == 0xfffe ||
		    c == 0xffff)
			return false;
		p += more + 1;
	}
	return true;
}

void
xml_out_str(struct xml_out *out, xmlNode *n, const char *attr,
	    const char *value)
{
	if (out->status || !n || !value)
		return;
	if (!xml_text_valid(value)) {
		out_fail(out, -EINVAL);
		return;
	}
	if (xml_new_prop(n, NULL, attr, value) < 0)
		out_fail(out, -ENOMEM);
}

void
xml_out_required(struct xml_out *out, xmlNode *n, const char *attr,
		 const char *value)
{
	if (!value)
		out_fail(out, -EINVAL);
	xml_out_str(out, n, attr, value);
}

void
xml_out_bool(struct xml_out *out, xmlNode *n, const char *attr, bool v)
{
	xml_out_str(out, n, attr, v ? "yes" : "no");
}

void
xml_out_u32(struct xml_out *out, xmlNode *n, const char *attr, uint32_t v)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%" PRIu32, v);
	xml_out_str(out, n, attr, buf);
}

void
xml_out_i64(struct xml_out *out, xmlNode *n, const char *attr, int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	xml_out_str(out, n, attr, buf);
}

void
xml_out_hex32(struct xml_out *out, xmlNode *n, const char *attr, uint32_t v)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "0x%08" PRIX32, v);
	xml_out_str(out, n, attr, buf);
}

void
xml_out_id(struct xml_out *out, xmlNode *n, const char *attr,
	   const vss_id *id)
{
	char buf[VSS_ID_STRLEN];

	vss_id_format(id, buf);
	xml_out_str(out, n, attr, buf);
}

void
xml_out_base64(struct xml_out *out, xmlNode *n, const char *attr,
	       const uint8_t *data, size_t size)
{
	char *buf, *p;
	uint32_t group;
	size_t i;

	if (out->status || !n)
		return;
	if (size > (SIZE_MAX - 1) / 4 * 3 - 2) {
		out_fail(out, -ENOMEM);
		return;
	}
	buf = malloc((size + 2) / 3 * 4 + 1);
	if (!buf) {
		out_fail(out, -ENOMEM);
		return;
	}
	p = buf;
	for (i = 0; i < size; i += 3) {
		group = (uint32_t)data[i] << 16;
		if (i + 1 < size)
			group |= (uint32_t)data[i + 1] << 8;
		if (i + 2 < size)
			group |= data[i + 2];
		*p++ = base64_alphabet[group >> 18 & 0x3f];
		*p++ = base64_alphabet[group >> 12 & 0x3f];
		*p++ = i + 1 < size ? base64_alphabet[group >> 6 & 0x3f] : '=';
		*p++ = i + 2 < size ? base64_alphabet[group & 0x3f] : '=';
	}
	*p = '\0';
	xml_out_str(out, n, attr, buf);
	free(buf);
}

void
xml_out_extra(struct xml_out *out, xmlNode *n,
	      const struct vss_xml_extra *extra)
{
	if (out->status || !n)
		return;
	if (xml_extra_write(extra, n) < 0)
		out_fail(out, -ENOMEM);
}

void
xml_out_mapping(struct xml_out *out, xmlNode *parent, const char *element,
		const struct vss_location_mapping *m)
{
	xmlNode *n = xml_out_child(out, parent, element);

	xml_out_required(out, n, "path", m->path);
	xml_out_required(out, n, "filespec", m->filespec);
	xml_out_bool(out, n, "recursive", m->recursive);
	xml_out_required(out, n, "destination", m->destination);
	xml_out_extra(out, n, m->extra);
}

int
xml_out_finish(struct xml_out *out, char **ret_xml, size_t *ret_len)
{
	xmlBuffer *buf = NULL;
	xmlSaveCtxt *save;
	char *text;
	size_t len;
	int r = out->status;

	if (r < 0)
		goto fail;
	r = -ENOMEM;
	buf = xmlBufferCreate();
	if (!buf)
		goto fail;
	/* Windows writes no declaration and no indentation. */
	save = xmlSaveToBuffer(buf, "UTF-8", XML_SAVE_NO_DECL);
	if (!save)
		goto fail;
	xmlSaveTree(save, xmlDocGetRootElement(out->doc));
	/* Closing flushes, and reports any failure of the writes before. */
	if (xmlSaveClose(save) < 0)
		goto fail;
	len = (size_t)xmlBufferLength(buf);
	text = malloc(len + 1);
	if (!text)
		goto fail;
	memcpy(text, xmlBufferContent(buf), len);
	text[len] = '\0';
	*ret_xml = text;
	*ret_len = len;
	r = 0;
fail:
	xmlBufferFree(buf);
	xmlFreeDoc(out->doc);
	out->doc = NULL;
	quiet_end(&out->quiet);
	return r;
}
