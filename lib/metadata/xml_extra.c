/*
 * lib/metadata/xml_extra.c - the XML a document carries that this version
 * does not model (MD-062): unknown attributes of an element, in order,
 * prefixed ones with their namespace, and deep copies of unknown child
 * elements.  The codecs attach one to the structure of the element it
 * appeared on and write it back at the end of that element.
 */
#include "metadata/model.h"
#include "metadata/xml_common.h"
#include "util/array.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct extra_attr {
	xmlChar *name;   /* local name */
	xmlChar *prefix; /* with href: the prefix it was written with */
	xmlChar *href;   /* namespace, or NULL */
	xmlChar *value;
};

/* Unknown XML kept for a known child element without a structure. */
struct extra_child {
	char *element;
	struct vss_xml_extra *extra;
};

struct vss_xml_extra {
	struct extra_attr *attrs;
	size_t attr_count, attr_cap;
	/* Copies without a document; each declares the namespaces it uses. */
	xmlNode **nodes;
	size_t node_count, node_cap;
	struct extra_child *children;
	size_t child_count, child_cap;
};

void
xml_extra_free(struct vss_xml_extra *extra)
{
	size_t i;

	if (!extra)
		return;
	for (i = 0; i < extra->attr_count; i++) {
		xmlFree(extra->attrs[i].name);
		xmlFree(extra->attrs[i].prefix);
		xmlFree(extra->attrs[i].href);
		xmlFree(extra->attrs[i].value);
	}
	free(extra->attrs);
	for (i = 0; i < extra->node_count; i++)
		xmlFreeNode(extra->nodes[i]);
	free(extra->nodes);
	for (i = 0; i < extra->child_count; i++) {
		free(extra->children[i].element);
		xml_extra_free(extra->children[i].extra);
	}
	free(extra->children);
	free(extra);
}

static bool
name_in(const xmlChar *name, const char *const *list)
{
	for (; list && *list; list++)
		if (xmlStrEqual(name, (const xmlChar *)*list))
			return true;
	return false;
}

/* Create *extra on first use; 0 or -ENOMEM. */
static int
extra_get(struct vss_xml_extra **extra)
{
	if (!*extra)
		*extra = calloc(1, sizeof(**extra));
	return *extra ? 0 : -ENOMEM;
}

static int
add_attr(struct vss_xml_extra *x, xmlAttr *attr)
{
	struct extra_attr a = { 0 };

	if (ARRAY_RESERVE(x->attrs, x->attr_count, x->attr_cap) < 0)
		return -ENOMEM;
	a.name = xmlStrdup(attr->name);
	a.value = xmlNodeGetContent((xmlNode *)attr);
	if (attr->ns) {
		a.href = xmlStrdup(attr->ns->href);
		a.prefix = xmlStrdup(attr->ns->prefix);
	}
	if (!a.name || !a.value || (attr->ns && (!a.href || !a.prefix))) {
		xmlFree(a.name);
		xmlFree(a.value);
		xmlFree(a.href);
		xmlFree(a.prefix);
		return -ENOMEM;
	}
	x->attrs[x->attr_count++] = a;
	return 0;
}

static bool node_complete(const xmlNode *orig, const xmlNode *copy);

/* The first declaration from ns on that is not the implicit xml: one. */
static const xmlNs *
next_declared(const xmlNs *ns)
{
	while (ns && ns->prefix && xmlStrEqual(ns->prefix, (const xmlChar *)"xml"))
		ns = ns->next;
	return ns;
}

/* Both lists have the same length and each copy is complete. */
static bool
list_complete(const xmlNode *orig, const xmlNode *copy)
{
	for (; orig; orig = orig->next, copy = copy->next)
		if (!copy || !node_complete(orig, copy))
			return false;
	return !copy;
}

/*
 * libxml2 2.9 returns a partial copy, without saying so, when an
 * allocation inside xmlCopyNode() fails: compare it with its source.
 * Recursion is bounded by XML_MAX_DEPTH.
 */
static bool
node_complete(const xmlNode *orig, const xmlNode *copy)
{
	const xmlAttr *a, *b;
	const xmlNs *m, *n;

	if ((orig->name && !copy->name) || (orig->content && !copy->content) ||
	    (orig->ns && !copy->ns))
		return false;
	if (orig->type == XML_ELEMENT_NODE) {
		for (a = orig->properties, b = copy->properties; a;
		     a = a->next, b = b->next)
			if (!b || !b->name || (a->ns && !b->ns) ||
			    !list_complete(a->children, b->children))
				return false;
		if (b)
			return false;
		/*
		 * The xml: namespace is predeclared: a copy without a target
		 * document declares it on the element, a copy into a document
		 * keeps it on the document, so it is skipped on both sides.
		 * A copy may declare more than its source: the namespaces it
		 * used from its ancestors.
		 */
		for (m = next_declared(orig->nsDef), n = next_declared(copy->nsDef);
		     m; m = next_declared(m->next), n = next_declared(n->next))
			if (!n || !n->href || (m->prefix && !n->prefix))
				return false;
	}
	return list_complete(orig->children, copy->children);
}

static int
add_node(struct vss_xml_extra *x, xmlNode *node)
{
	xmlNode *copy;

	if (ARRAY_RESERVE(x->nodes, x->node_count, x->node_cap) < 0)
		return -ENOMEM;
	/*
	 * Without a target document libxml2 declares on the copy every
	 * namespace it uses from outside, so the copy stands alone.
	 */
	copy = xmlCopyNode(node, 1);
	if (!copy)
		return -ENOMEM;
	if (!node_complete(node, copy)) {
		xmlFreeNode(copy);
		return -ENOMEM;
	}
	x->nodes[x->node_count++] = copy;
	return 0;
}

int
xml_extra_collect(struct vss_xml_extra **ret, xmlNode *node,
		  const char *const *known_attrs,
		  const char *const *known_children)
{
	struct vss_xml_extra *x = NULL;
	xmlAttr *attr;
	xmlNode *child;

	for (attr = node->properties; attr; attr = attr->next) {
		if (!attr->ns && name_in(attr->name, known_attrs))
			continue;
		if (extra_get(&x) < 0 || add_attr(x, attr) < 0)
			goto fail;
	}
	for (child = node->children; child; child = child->next) {
		/* Text, comments and processing instructions are not data. */
		if (child->type != XML_ELEMENT_NODE ||
		    name_in(child->name, known_children))
			continue;
		if (extra_get(&x) < 0 || add_node(x, child) < 0)
			goto fail;
	}
	*ret = x;
	return 0;
fail:
	xml_extra_free(x);
	return -ENOMEM;
}

int
xml_extra_set_child(struct vss_xml_extra **extra, const char *element,
		    struct vss_xml_extra *child)
{
	struct vss_xml_extra *x;
	char *name;

	if (!child)
		return 0;
	if (extra_get(extra) < 0)
		goto fail;
	x = *extra;
	if (ARRAY_RESERVE(x->children, x->child_count, x->child_cap) < 0)
		goto fail;
	name = strdup(element);
	if (!name)
		goto fail;
	x->children[x->child_count++] = (struct extra_child){
		.element = name,
		.extra = child,
	};
	return 0;
fail:
	xml_extra_free(child);
	return -ENOMEM;
}

const struct vss_xml_extra *
xml_extra_child(const struct vss_xml_extra *extra, const char *element)
{
	size_t i;

	for (i = 0; extra && i < extra->child_count; i++)
		if (strcmp(extra->children[i].element, element) == 0)
			return extra->children[i].extra;
	return NULL;
}

/* An in-scope namespace with a prefix for href, declared on node if none. */
static xmlNs *
attr_namespace(xmlNode *node, const struct extra_attr *a)
{
	xmlNs *ns;

	ns = xmlSearchNsByHref(node->doc, node, a->href);
	if (ns && ns->prefix)
		return ns;
	/*
	 * Attributes of one element agree on what a prefix means and our
	 * elements declare only the default namespace, so the prefix is
	 * free on node.
	 */
	return xml_new_ns(node, (const char *)a->href, (const char *)a->prefix);
}

/* Point every reference to from in the subtree of n at to. */
static void
namespace_replace(xmlNode *n, const xmlNs *from, xmlNs *to)
{
	xmlNode *child;
	xmlAttr *a;

	if (n->ns == from)
		n->ns = to;
	for (a = n->properties; a; a = a->next)
		if (a->ns == from)
			a->ns = to;
	/* Kept elements are at most XML_MAX_DEPTH deep: recursion is fine. */
	for (child = n->children; child; child = child->next)
		if (child->type == XML_ELEMENT_NODE)
			namespace_replace(child, from, to);
}

/*
 * A copy declares every namespace it uses; drop the declarations its new
 * parent already makes, so that the document reads as the source did.
 */
static void
drop_redundant_declarations(xmlNode *copy)
{
	xmlNs **link = &copy->nsDef, *decl, *outer;

	while ((decl = *link)) {
		outer = xmlSearchNs(copy->doc, copy->parent, decl->prefix);
		if (!outer || !xmlStrEqual(outer->href, decl->href)) {
			link = &decl->next;
			continue;
		}
		namespace_replace(copy, decl, outer);
		*link = decl->next;
		decl->next = NULL;
		xmlFreeNs(decl);
	}
}

static bool
has_default_declaration(const xmlNode *node)
{
	const xmlNs *ns;

	for (ns = node->nsDef; ns; ns = ns->next)
		if (!ns->prefix)
			return true;
	return false;
}

/*
 * A copy in no namespace placed under an element with a default namespace
 * would move into it: undeclare the default, as the source did.
 */
static int
keep_no_namespace(xmlNode *copy)
{
	xmlNs *outer;

	if (copy->ns || has_default_declaration(copy))
		return 0;
	outer = xmlSearchNs(copy->doc, copy->parent, NULL);
	if (!outer || !outer->href || !outer->href[0])
		return 0;
	return xml_new_ns(copy, "", NULL) ? 0 : -ENOMEM;
}

int
xml_extra_write(const struct vss_xml_extra *extra, xmlNode *node)
{
	const struct extra_attr *a;
	xmlNode *copy;
	xmlNs *ns;
	size_t i;

	if (!extra)
		return 0;
	for (i = 0; i < extra->attr_count; i++) {
		a = &extra->attrs[i];
		ns = NULL;
		if (a->href) {
			ns = attr_namespace(node, a);
			if (!ns)
				return -ENOMEM;
		}
		if (xml_new_prop(node, ns, (const char *)a->name,
				 (const char *)a->value) < 0)
			return -ENOMEM;
	}
	for (i = 0; i < extra->node_count; i++) {
		copy = xmlDocCopyNode(extra->nodes[i], node->doc, 1);
		if (!copy)
			return -ENOMEM;
		if (!node_complete(extra->nodes[i], copy) ||
		    !xmlAddChild(node, copy)) {
			xmlFreeNode(copy);
			return -ENOMEM;
		}
		drop_redundant_declarations(copy);
		if (keep_no_namespace(copy) < 0)
			return -ENOMEM;
	}
	return 0;
}
