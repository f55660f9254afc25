/*
 * lib/metadata/xml_common.h - helpers shared by the two XML codecs
 * (wmd_xml.c, bcd_xml.c): parsing with the safety limits, typed attribute
 * readers, the unknown XML kept for round trips (xml_extra.c), and a tree
 * builder for saving.  docs/xml-schema.md describes the documents.
 *
 * Loading and saving use a sticky status: the first failure is recorded in
 * struct xml_in / struct xml_out and every later call does nothing, so a
 * codec reads or writes a whole element and checks the status once.
 */
#ifndef VSS_METADATA_XML_COMMON_H
#define VSS_METADATA_XML_COMMON_H

#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vss/metadata.h>

/* Largest document we parse: refused before libxml2 sees it (MD-003). */
#define XML_MAX_DOCUMENT_SIZE ((size_t)64 << 20)
/* Deepest element nesting we accept; ours need 5 levels. */
#define XML_MAX_DEPTH 64

/* ---- xml_extra.c: unknown attributes and elements --------------------- */

/*
 * Collect the attributes of node not named in known_attrs (an attribute
 * with a namespace is never known) and copies of its child elements whose
 * local name is not in known_children.  Both lists end with NULL; either
 * may be NULL.  *ret is NULL when everything was known.  0 or -ENOMEM;
 * caller owns *ret; free with xml_extra_free().
 */
int xml_extra_collect(struct vss_xml_extra **ret, xmlNode *node,
		      const char *const *known_attrs,
		      const char *const *known_children);

/*
 * Keep child, the unknown XML of a child element that has no structure of
 * its own in the model (e.g. COMPONENT_FAILURE), inside *extra under the
 * element's name, creating *extra if needed.  Takes ownership of child
 * (also on failure); NULL is a no-op.  0 or -ENOMEM.
 */
int xml_extra_set_child(struct vss_xml_extra **extra, const char *element,
			struct vss_xml_extra *child);
/* What xml_extra_set_child() kept for element, or NULL.  Borrowed. */
const struct vss_xml_extra *xml_extra_child(const struct vss_xml_extra *extra,
					    const char *element);

/*
 * Write what was kept back on node, which must already have its known
 * attributes and children: the attributes after them, copies of the
 * elements at the end.  NULL is a no-op.  0 or -ENOMEM.
 */
int xml_extra_write(const struct vss_xml_extra *extra, xmlNode *node);

/* ---- xml_common.c: loading -------------------------------------------- */

/*
 * The calling thread's libxml2 error handlers, replaced while a codec runs
 * so that errors raised outside a parser context (failed allocations,
 * saving) are not printed.  libxml2 keeps them per thread.
 */
struct xml_quiet {
	xmlGenericErrorFunc generic;
	void *generic_context;
	xmlStructuredErrorFunc structured;
	void *structured_context;
};

enum xml_need {
	XML_OPTIONAL,
	XML_REQUIRED,
};

struct xml_in {
	xmlDoc *doc;
	int status;            /* 0, or the first failure */
	struct vss_error err;  /* what the first failure was */
	xmlChar **values;      /* attribute values handed out, freed at end */
	size_t value_count, value_cap;
	struct xml_quiet quiet;
};

/*
 * Parse xml (UTF-8 or UTF-16 with BOM) into in->doc, refusing documents
 * over XML_MAX_DOCUMENT_SIZE, with a NUL character or a DOCTYPE, nested
 * deeper than XML_MAX_DEPTH, declaring a namespace libxml2 could not write
 * back, or whose root element is not root_name.  Returns the status;
 * release in with xml_in_release() in every case.
 */
int xml_in_parse(struct xml_in *in, const char *xml, size_t len,
		 const char *root_name);
/*
 * The status of a load; on failure fills err (when not NULL) with the
 * first failure.
 */
int xml_in_result(const struct xml_in *in, struct vss_error *err);
void xml_in_release(struct xml_in *in);

/*
 * Record a failure at node n: VSS_E_INVALID_XML_DOCUMENT with the message
 * "line N: ELEMENT: <fmt>".
 */
void xml_in_fail(struct xml_in *in, xmlNode *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * Record the failure r of a model function called for node n: -ENOMEM
 * stays, anything else is VSS_E_INVALID_XML_DOCUMENT ("line N: ELEMENT:
 * <what>: <vss_strerror(r)>").  r >= 0 is no failure.
 */
void xml_in_model(struct xml_in *in, xmlNode *n, const char *what, int r);
/* Record a value of attribute attr that is not a valid <what>. */
void xml_in_bad_value(struct xml_in *in, xmlNode *n, const char *attr,
		      const char *what, const char *value);
/* Record -ENOMEM. */
void xml_in_nomem(struct xml_in *in);

/* True when n has the attribute attr without a namespace. */
bool xml_has_attr(xmlNode *n, const char *attr);
/* True when n is an element with that local name, in any namespace. */
bool xml_is(const xmlNode *n, const char *name);
/* The first element child of n, the next element sibling of n, or NULL. */
xmlNode *xml_first_element(const xmlNode *n);
xmlNode *xml_next_element(const xmlNode *n);
#define xml_for_each_element(child, parent)                                    \
	for ((child) = xml_first_element(parent); (child);                     \
	     (child) = xml_next_element(child))
/*
 * The only child element of parent named name: NULL when absent (a
 * failure when need is XML_REQUIRED) or repeated (a failure).
 */
xmlNode *xml_in_single(struct xml_in *in, xmlNode *parent, const char *name,
		       enum xml_need need);

/*
 * Attribute readers: attributes without a namespace, by name.  An absent
 * attribute gives NULL or def (a failure when need is XML_REQUIRED); a bad
 * value is a failure.  After a failure they return NULL or def.  Strings
 * are borrowed from in: valid until xml_in_release().
 */
const char *xml_in_str(struct xml_in *in, xmlNode *n, const char *attr,
		       enum xml_need need);
/* "yes" or "no", in any case. */
bool xml_in_bool(struct xml_in *in, xmlNode *n, const char *attr,
		 enum xml_need need, bool def);
/* Decimal digits only. */
uint32_t xml_in_u32(struct xml_in *in, xmlNode *n, const char *attr,
		    enum xml_need need, uint32_t def);
/* Decimal, optionally negative. */
int64_t xml_in_i64(struct xml_in *in, xmlNode *n, const char *attr,
		   enum xml_need need, int64_t def);
/* A 32-bit pattern: "0x" and up to 8 hex digits, or decimal. */
uint32_t xml_in_hex32(struct xml_in *in, xmlNode *n, const char *attr,
		      enum xml_need need, uint32_t def);
/* A GUID in any case, braces optional; *ret untouched when absent. */
void xml_in_id(struct xml_in *in, xmlNode *n, const char *attr,
	       enum xml_need need, vss_id *ret);
/*
 * Base64 (RFC 4648, white space ignored).  NULL and *ret_size 0 when
 * absent or empty.  Borrowed from in like the strings.
 */
const uint8_t *xml_in_base64(struct xml_in *in, xmlNode *n, const char *attr,
			     enum xml_need need, size_t *ret_size);
/*
 * xml_extra_collect() for n, recording -ENOMEM.  Caller owns the result;
 * free with xml_extra_free().
 */
struct vss_xml_extra *xml_in_extra(struct xml_in *in, xmlNode *n,
				   const char *const *known_attrs,
				   const char *const *known_children);

/*
 * A mapping element, written alike in both documents
 * (ALTERNATE_LOCATION_MAPPING, and NEW_TARGET in a BCD): its attributes,
 * read into *ret with the strings borrowed like xml_in_str()'s and
 * ret->extra NULL.  The caller stores the mapping, then keeps what else
 * the element carried with xml_in_extra(in, n, xml_mapping_attrs, NULL).
 */
extern const char *const xml_mapping_attrs[];
void xml_in_mapping(struct xml_in *in, xmlNode *n,
		    struct vss_location_mapping *ret);

/* ---- xml_common.c: saving --------------------------------------------- */

/*
 * Tree building that reports failed allocations: libxml2 2.9 returns
 * nodes without a name or value when a copy inside fails.  0 or -ENOMEM.
 */
int xml_new_prop(xmlNode *n, xmlNs *ns, const char *name, const char *value);
/* A namespace declared on n (prefix NULL: the default), or NULL. */
xmlNs *xml_new_ns(xmlNode *n, const char *href, const char *prefix);

struct xml_out {
	xmlDoc *doc;
	xmlNs *ns;   /* the default namespace of the root */
	int status;  /* 0, -ENOMEM, or -EINVAL for a value XML cannot carry */
	struct xml_quiet quiet;
};

/* Start a document whose root element is root in namespace ns_href. */
xmlNode *xml_out_init(struct xml_out *out, const char *root,
		      const char *ns_href);
/* Append an element in the root's namespace; NULL after a failure. */
xmlNode *xml_out_child(struct xml_out *out, xmlNode *parent,
		       const char *name);
/* Declare xmlns="" on n, as Windows does on BACKUP_METADATA. */
void xml_out_no_namespace(struct xml_out *out, xmlNode *n);

/*
 * Attribute writers; all do nothing when n is NULL or after a failure.
 * xml_out_str() skips a NULL value; a value that is not UTF-8 or holds a
 * character XML 1.0 cannot carry fails with -EINVAL.
 */
void xml_out_str(struct xml_out *out, xmlNode *n, const char *attr,
		 const char *value);
/* A value that must be there: NULL (e.g. an enum _str() of a value out of
 * range) fails with -EINVAL. */
void xml_out_required(struct xml_out *out, xmlNode *n, const char *attr,
		      const char *value);
void xml_out_bool(struct xml_out *out, xmlNode *n, const char *attr, bool v);
void xml_out_u32(struct xml_out *out, xmlNode *n, const char *attr,
		 uint32_t v);
void xml_out_i64(struct xml_out *out, xmlNode *n, const char *attr,
		 int64_t v);
/* "0x%08X" */
void xml_out_hex32(struct xml_out *out, xmlNode *n, const char *attr,
		   uint32_t v);
/* Lower case, no braces. */
void xml_out_id(struct xml_out *out, xmlNode *n, const char *attr,
		const vss_id *id);
void xml_out_base64(struct xml_out *out, xmlNode *n, const char *attr,
		    const uint8_t *data, size_t size);
void xml_out_extra(struct xml_out *out, xmlNode *n,
		   const struct vss_xml_extra *extra);
/* A mapping element (see xml_in_mapping()) named element under parent. */
void xml_out_mapping(struct xml_out *out, xmlNode *parent,
		     const char *element, const struct vss_location_mapping *m);

/*
 * Serialize the document (UTF-8, no declaration, one line) into a
 * NUL-terminated malloc()ed string and free the tree.  Returns 0 (then
 * *ret_xml and *ret_len are set; caller owns *ret_xml; free with free())
 * or the first failure.
 */
int xml_out_finish(struct xml_out *out, char **ret_xml, size_t *ret_len);

#endif
