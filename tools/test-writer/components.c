/*
 * tools/test-writer/components.c - the test writer's part of the backup
 * components document: what it saves there at backup (backup metadata),
 * what it sets there in pre_restore (restore target, directed targets,
 * restore metadata, failure messages), and the lists of the event log
 * that show what the requester put there (docs/vss-test-writer.md, "The
 * event log").
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "components.h"

/*
 * One list of the detail field (a longer one ends in "..."), and one item
 * of it (a longer one is cut and ends in "...").
 */
#define LIST_MAX 1536
#define ITEM_MAX 1024

struct item {
	char buf[ITEM_MAX];
	size_t len;
	bool cut;
};

struct list {
	char buf[LIST_MAX];
	size_t len;
	size_t count;
	bool full;
};

void
tw_detail_add(char *buf, size_t size, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	if (len && len + 1 < size)
		buf[len++] = ',';
	if (len + 1 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
}

/* Room is kept for the "..." of a cut item. */
static void
item_put(struct item *it, const char *s, size_t n)
{
	if (it->cut)
		return;
	if (it->len + n + 4 > sizeof(it->buf)) {
		it->cut = true;
		return;
	}
	memcpy(it->buf + it->len, s, n);
	it->len += n;
	it->buf[it->len] = '\0';
}

static void
item_raw(struct item *it, const char *s)
{
	item_put(it, s, strlen(s));
}

/*
 * Text with the characters that separate fields, pairs, items and their
 * parts written as %XX, so that no name or value can break the line.
 */
static void
item_text(struct item *it, const char *s)
{
	char esc[4];

	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch <= ' ' || ch == 0x7f || strchr(",;:=%>|", ch)) {
			snprintf(esc, sizeof(esc), "%%%02X", ch);
			item_put(it, esc, 3);
		} else {
			item_put(it, s, 1);
		}
	}
}

/* LOGICAL/PATH/NAME: logical path elements joined with '/'. */
static void
item_label(struct item *it, const char *logical_path, const char *name)
{
	char elem[2] = "";

	for (const char *p = logical_path; p && *p; p++) {
		if (*p == '\\') {
			item_raw(it, "/");
		} else {
			elem[0] = *p;
			item_text(it, elem);
		}
	}
	if (logical_path && *logical_path)
		item_raw(it, "/");
	item_text(it, name);
}

static void
item_component(struct item *it, const vss_bcd_component *c)
{
	item_label(it, vss_bcd_component_logical_path(c),
		   vss_bcd_component_name(c));
}

static void
list_push(struct list *l, struct item *it)
{
	size_t need;

	if (it->cut) {
		memcpy(it->buf + it->len, "...", 4);
		it->len += 3;
	}
	need = it->len + (l->count ? 1 : 0);
	if (l->full)
		return;
	/* Room for "..." when the list must stop here. */
	if (l->len + need + 4 > sizeof(l->buf)) {
		memcpy(l->buf + l->len, "...", 4);
		l->len += 3;
		l->full = true;
		return;
	}
	l->len += (size_t)snprintf(l->buf + l->len, sizeof(l->buf) - l->len,
				   "%s%s", l->count ? ";" : "", it->buf);
	l->count++;
}

/* "key=list", only for a list with items. */
static void
list_emit(const struct list *l, const char *key, char *detail, size_t size)
{
	if (l->count || l->full)
		tw_detail_add(detail, size, "%s=%s", key, l->buf);
}

/* LABEL:TEXT pushed onto l, TEXT escaped. */
static void
push_text(struct list *l, const vss_bcd_component *c, const char *text)
{
	struct item it = {0};

	item_component(&it, c);
	item_raw(&it, ":");
	item_text(&it, text);
	list_push(l, &it);
}

/* A component that takes part in the restore (RS-004, RS-021). */
static bool
takes_part(const vss_bcd_component *c)
{
	return vss_bcd_component_selected_for_restore(c) ||
	       vss_bcd_component_restore_subcomponent_count(c) > 0;
}

/* The event keys configured for c, or NULL. */
static const struct tw_component_events *
configured(const struct tw_config *cfg, const vss_bcd_component *c)
{
	const struct wdecl_component *dc;

	dc = wdecl_find_component(&cfg->decl,
				  vss_bcd_component_logical_path(c),
				  vss_bcd_component_name(c));
	return dc ? tw_config_events(cfg, dc) : NULL;
}

int
tw_components_post_snapshot(const struct tw_config *cfg, vss_bcd_writer *w)
{
	size_t n = w ? vss_bcd_writer_component_count(w) : 0;
	const struct tw_component_events *tc;
	vss_bcd_component *c;
	int r;

	for (size_t i = 0; i < n; i++) {
		c = vss_bcd_writer_component(w, i);
		tc = configured(cfg, c);
		if (!tc || !tc->backup_metadata)
			continue;
		r = vss_bcd_component_set_text(c, VSS_TEXT_BACKUP_METADATA,
					       tc->backup_metadata);
		if (r < 0)
			return r;
	}
	return 0;
}

static int
add_directed(vss_bcd_component *c, const struct tw_directed *d)
{
	const struct vss_directed_target t = {
		.source_path = d->source_path,
		.source_file = d->source_file,
		.source_ranges = d->source_ranges,
		.destination_path = d->destination_path,
		.destination_file = d->destination_file,
		.destination_ranges = d->destination_ranges,
	};

	return vss_bcd_component_add_directed_target(c, &t);
}

int
tw_components_pre_restore(const struct tw_config *cfg, vss_bcd_writer *w)
{
	size_t n = w ? vss_bcd_writer_component_count(w) : 0;
	const struct tw_component_events *tc;
	vss_bcd_component *c;
	int r;

	for (size_t i = 0; i < n; i++) {
		c = vss_bcd_writer_component(w, i);
		tc = configured(cfg, c);
		if (!tc || !takes_part(c))
			continue;
		if (tc->restore_target != VSS_RT_UNDEFINED &&
		    (r = vss_bcd_component_set_restore_target(
			     c, tc->restore_target)) < 0)
			return r;
		for (size_t k = 0; k < tc->directed_count; k++)
			if ((r = add_directed(c, &tc->directed[k])) < 0)
				return r;
		if (tc->restore_metadata_text &&
		    (r = vss_bcd_component_set_text(
			     c, VSS_TEXT_RESTORE_METADATA,
			     tc->restore_metadata_text)) < 0)
			return r;
	}
	return 0;
}

void
tw_components_restore_failure(vss_bcd_writer *w, bool post,
			      const char *message)
{
	size_t n = w ? vss_bcd_writer_component_count(w) : 0;
	vss_bcd_component *c;

	for (size_t i = 0; i < n; i++) {
		c = vss_bcd_writer_component(w, i);
		if (takes_part(c))
			vss_bcd_component_set_text(
				c, post ? VSS_TEXT_POST_RESTORE_FAILURE_MSG
					: VSS_TEXT_PRE_RESTORE_FAILURE_MSG,
				message);
	}
}

void
tw_components_backup_complete_detail(vss_bcd_writer *w, char *detail,
				     size_t size)
{
	size_t n = w ? vss_bcd_writer_component_count(w) : 0;
	struct list l = {0};
	struct item it;
	vss_bcd_component *c;

	for (size_t i = 0; i < n; i++) {
		c = vss_bcd_writer_component(w, i);
		it = (struct item){0};
		item_component(&it, c);
		item_raw(&it, vss_bcd_component_backup_succeeded(c) ? ":1"
								    : ":0");
		list_push(&l, &it);
	}
	list_emit(&l, "succeeded", detail, size);
}

/* The lists of a restore event, in the order they are logged. */
enum restore_list {
	RL_SELECTED,
	RL_SUBCOMPONENTS,
	RL_AUTHORITATIVE,
	RL_ADDITIONAL,
	RL_OPTIONS,
	RL_BACKUP_METADATA,
	RL_RESTORE_METADATA,
	RL_TARGET,
	RL_DIRECTED,
	RL_FILE_STATUS,
	RL_NEW_TARGETS,
	RL_MAPPINGS,
	RL_COUNT
};

static const char *const restore_list_keys[RL_COUNT] = {
	[RL_SELECTED] = "selected",
	[RL_SUBCOMPONENTS] = "subcomponents",
	[RL_AUTHORITATIVE] = "authoritative",
	[RL_ADDITIONAL] = "additional",
	[RL_OPTIONS] = "options",
	[RL_BACKUP_METADATA] = "backup_metadata",
	[RL_RESTORE_METADATA] = "restore_metadata",
	[RL_TARGET] = "target",
	[RL_DIRECTED] = "directed",
	[RL_FILE_STATUS] = "file_status",
	[RL_NEW_TARGETS] = "new_targets",
	[RL_MAPPINGS] = "mappings",
};

/* LABEL:PATH>DESTINATION, for new targets. */
static void
push_mapping(struct list *l, const vss_bcd_component *c,
	     const struct vss_location_mapping *m)
{
	struct item it = {0};

	item_component(&it, c);
	item_raw(&it, ":");
	item_text(&it, m->path);
	item_raw(&it, ">");
	item_text(&it, m->destination);
	list_push(l, &it);
}

/* LABEL:PATH|FILESPEC|RECURSIVE>DESTINATION: the file set (RS-073). */
static void
push_location_mapping(struct list *l, const vss_bcd_component *c,
		      const struct vss_location_mapping *m)
{
	struct item it = {0};

	item_component(&it, c);
	item_raw(&it, ":");
	item_text(&it, m->path);
	item_raw(&it, "|");
	item_text(&it, m->filespec);
	item_raw(&it, m->recursive ? "|1>" : "|0>");
	item_text(&it, m->destination);
	list_push(l, &it);
}

/* LABEL:SRCPATH|SRCFILE|SRCRANGES>DSTPATH|DSTFILE|DSTRANGES */
static void
push_directed(struct list *l, const vss_bcd_component *c,
	      const struct vss_directed_target *t)
{
	struct item it = {0};

	item_component(&it, c);
	item_raw(&it, ":");
	item_text(&it, t->source_path);
	item_raw(&it, "|");
	item_text(&it, t->source_file);
	item_raw(&it, "|");
	item_text(&it, t->source_ranges);
	item_raw(&it, ">");
	item_text(&it, t->destination_path);
	item_raw(&it, "|");
	item_text(&it, t->destination_file);
	item_raw(&it, "|");
	item_text(&it, t->destination_ranges);
	list_push(l, &it);
}

static void
push_flag(struct list *l, const vss_bcd_component *c, bool on)
{
	push_text(l, c, on ? "1" : "0");
}

/* Every list entry of one component that takes part. */
static void
collect(struct list *lists, const vss_bcd_component *c, bool post)
{
	const struct vss_restore_subcomponent *sub;
	const char *text;
	struct item it;
	size_t k;

	if (vss_bcd_component_selected_for_restore(c)) {
		it = (struct item){0};
		item_component(&it, c);
		list_push(&lists[RL_SELECTED], &it);
	}
	for (k = 0; k < vss_bcd_component_restore_subcomponent_count(c); k++) {
		sub = vss_bcd_component_restore_subcomponent(c, k);
		it = (struct item){0};
		item_component(&it, c);
		item_raw(&it, ">");
		item_label(&it, sub->logical_path, sub->name);
		list_push(&lists[RL_SUBCOMPONENTS], &it);
	}
	push_flag(&lists[RL_AUTHORITATIVE], c,
		  vss_bcd_component_authoritative_restore(c));
	push_flag(&lists[RL_ADDITIONAL], c,
		  vss_bcd_component_additional_restores(c));
	if ((text = vss_bcd_component_text(c, VSS_TEXT_RESTORE_OPTIONS)))
		push_text(&lists[RL_OPTIONS], c, text);
	if ((text = vss_bcd_component_text(c, VSS_TEXT_BACKUP_METADATA)))
		push_text(&lists[RL_BACKUP_METADATA], c, text);
	if ((text = vss_bcd_component_text(c, VSS_TEXT_RESTORE_METADATA)))
		push_text(&lists[RL_RESTORE_METADATA], c, text);
	text = vss_restore_target_str(vss_bcd_component_restore_target(c));
	push_text(&lists[RL_TARGET], c, text ? text : "?");
	for (k = 0; k < vss_bcd_component_directed_target_count(c); k++)
		push_directed(&lists[RL_DIRECTED], c,
			      vss_bcd_component_directed_target(c, k));
	if (post) {
		text = vss_file_restore_status_str(
			vss_bcd_component_file_restore_status(c));
		push_text(&lists[RL_FILE_STATUS], c, text ? text : "?");
	}
	for (k = 0; k < vss_bcd_component_new_target_count(c); k++)
		push_mapping(&lists[RL_NEW_TARGETS], c,
			     vss_bcd_component_new_target(c, k));
	for (k = 0;
	     k < vss_bcd_component_alternate_location_mapping_count(c); k++)
		push_location_mapping(
			&lists[RL_MAPPINGS], c,
			vss_bcd_component_alternate_location_mapping(c, k));
}

void
tw_components_restore_detail(vss_bcd_writer *w, enum vss_restore_type type,
			     bool post, char *detail, size_t size)
{
	size_t n = w ? vss_bcd_writer_component_count(w) : 0;
	struct list lists[RL_COUNT];
	const char *name = vss_restore_type_str(type);
	vss_bcd_component *c;
	int k;

	memset(lists, 0, sizeof(lists));
	tw_detail_add(detail, size, "restore_type=%s",
		      name ? name : "UNDEFINED");
	for (size_t i = 0; i < n; i++) {
		c = vss_bcd_writer_component(w, i);
		if (takes_part(c))
			collect(lists, c, post);
	}
	for (k = 0; k < RL_COUNT; k++)
		list_emit(&lists[k], restore_list_keys[k], detail, size);
}
