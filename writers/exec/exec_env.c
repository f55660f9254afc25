/*
 * writers/exec/exec_env.c - the environment of a command (exec_env.h).
 */
#include "exec_env.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

/* What we set; never inherited, so a variable is there only when meant. */
static const char *const our_names[] = {
	"VSS_EVENT",           "VSS_WRITER_NAME",   "VSS_INSTANCE_NAME",
	"VSS_SNAPSHOT_SET_ID", "VSS_BACKUP_TYPE",   "VSS_VOLUMES",
	"VSS_COMPONENTS",      "VSS_RESTORE_TYPE",  "VSS_SNAPSHOT_DEVICES",
};

static bool
var_is(const char *var, const char *name)
{
	size_t n = strlen(name);

	return strncmp(var, name, n) == 0 && var[n] == '=';
}

static bool
ours(const char *var)
{
	size_t i;

	for (i = 0; i < sizeof(our_names) / sizeof(our_names[0]); i++)
		if (var_is(var, our_names[i]))
			return true;
	return false;
}

/* Room for one more variable and the terminating NULL. */
static int
grow(struct exec_env *e)
{
	size_t cap;
	char **p;

	if (e->count + 2 <= e->cap)
		return 0;
	cap = e->cap ? e->cap * 2 : 32;
	p = realloc(e->vars, cap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	e->vars = p;
	e->cap = cap;
	return 0;
}

static int
append(struct exec_env *e, char *var)
{
	if (grow(e) < 0) {
		free(var);
		return -ENOMEM;
	}
	e->vars[e->count++] = var;
	e->vars[e->count] = NULL;
	return 0;
}

int
exec_env_init(struct exec_env *e)
{
	char **v;
	char *copy;

	e->vars = NULL;
	e->count = e->cap = 0;
	if (grow(e) < 0)
		return -ENOMEM;
	e->vars[0] = NULL;
	for (v = environ; v && *v; v++) {
		if (ours(*v) || !strchr(*v, '='))
			continue;
		copy = strdup(*v);
		if (!copy || append(e, copy) < 0) {
			exec_env_release(e);
			return -ENOMEM;
		}
	}
	return 0;
}

void
exec_env_release(struct exec_env *e)
{
	size_t i;

	for (i = 0; i < e->count; i++)
		free(e->vars[i]);
	free(e->vars);
	e->vars = NULL;
	e->count = e->cap = 0;
}

static void
unset(struct exec_env *e, const char *name)
{
	size_t i;

	for (i = 0; i < e->count; i++) {
		if (!var_is(e->vars[i], name))
			continue;
		free(e->vars[i]);
		e->vars[i] = e->vars[--e->count];
		e->vars[e->count] = NULL;
		return;
	}
}

int
exec_env_set(struct exec_env *e, const char *name, const char *value)
{
	char *var;

	if (asprintf(&var, "%s=%s", name, value) < 0)
		return -ENOMEM;
	unset(e, name);
	return append(e, var);
}

char *const *
exec_env_vars(const struct exec_env *e)
{
	return e->vars;
}

static bool
has_control(const char *s)
{
	for (; *s; s++)
		if (iscntrl((unsigned char)*s))
			return true;
	return false;
}

/* s for a message: control characters escaped, cut at about 80 bytes. */
static void
escape(const char *s, char *buf, size_t size)
{
	size_t len = 0;
	int n;

	buf[0] = '\0';
	for (; *s && len + 8 < size && len < 80; s++) {
		if (*s == '\n')
			n = snprintf(buf + len, size - len, "\\n");
		else if (iscntrl((unsigned char)*s))
			n = snprintf(buf + len, size - len, "\\x%02x",
				     (unsigned char)*s);
		else
			n = snprintf(buf + len, size - len, "%c", *s);
		len += (size_t)n;
	}
	if (*s && len + 4 < size)
		snprintf(buf + len, size - len, "...");
}

static int
refuse(const char *name, const char *item, const char *why, char *msg,
       size_t size)
{
	char shown[128];

	escape(item, shown, sizeof(shown));
	snprintf(msg, size, "cannot pass \"%s\" in %s: %s", shown, name, why);
	return -EINVAL;
}

int
exec_env_set_list(struct exec_env *e, const char *name,
		  const char *const *keys, const char *const *values,
		  size_t n, char *msg, size_t size)
{
	char *text = NULL, *p;
	size_t i, len = 0, need;
	int r;

	for (i = 0; i < n; i++) {
		if (has_control(keys[i]) || (values && has_control(values[i])))
			return refuse(name, has_control(keys[i]) ? keys[i]
								 : values[i],
				      "it holds a control character, and the "
				      "variable has one item a line", msg,
				      size);
		if (values && strchr(keys[i], '='))
			return refuse(name, keys[i],
				      "it holds a '=', and each line is split "
				      "at its first '='", msg, size);
	}
	for (i = 0; i < n; i++) {
		need = strlen(keys[i]) + (values ? strlen(values[i]) + 1 : 0) +
		       2;
		p = realloc(text, len + need);
		if (!p) {
			free(text);
			return -ENOMEM;
		}
		text = p;
		len += (size_t)sprintf(text + len, "%s%s%s%s", i ? "\n" : "",
				       keys[i], values ? "=" : "",
				       values ? values[i] : "");
	}
	r = exec_env_set(e, name, text ? text : "");
	free(text);
	return r;
}

/* A list of strings, each owned (NULL: none, when out of memory). */
struct strs {
	char **v;
	size_t n;
	bool failed;
};

static void
strs_add(struct strs *l, char *s)
{
	char **p;

	if (!s || l->failed) {
		free(s);
		l->failed = true;
		return;
	}
	p = realloc(l->v, (l->n + 1) * sizeof(*p));
	if (!p) {
		free(s);
		l->failed = true;
		return;
	}
	l->v = p;
	l->v[l->n++] = s;
}

static void
strs_free(struct strs *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static int
set_volumes(struct exec_env *e, vss_writer_event *ev, char *msg, size_t size)
{
	size_t i, n = vss_writer_event_volume_count(ev);
	const char **v = calloc(n + 1, sizeof(*v));
	int r;

	if (!v)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		v[i] = vss_writer_event_volume(ev, i);
	r = exec_env_set_list(e, "VSS_VOLUMES", v, NULL, n, msg, size);
	free(v);
	return r;
}

/* VOLUME=SHADOW_PATH lines: only post_snapshot has them. */
static int
set_snapshot_devices(struct exec_env *e, vss_writer_event *ev, char *msg,
		     size_t size)
{
	size_t i, k = 0, n = vss_writer_event_volume_count(ev);
	const char **vol = calloc(n + 1, sizeof(*vol));
	const char **dev = calloc(n + 1, sizeof(*dev));
	int r = -ENOMEM;

	if (!vol || !dev)
		goto out;
	for (i = 0; i < n; i++) {
		vol[k] = vss_writer_event_volume(ev, i);
		if (vss_writer_event_snapshot_device(ev, vol[k], &dev[k]) == 0)
			k++;
	}
	r = exec_env_set_list(e, "VSS_SNAPSHOT_DEVICES", vol, dev, k, msg,
			      size);
out:
	free(vol);
	free(dev);
	return r;
}

/*
 * The writer's components in the document, as the vss command names
 * them: logical path and name joined with '/'.  In a restore, those to
 * be restored.
 */
static int
set_components(struct exec_env *e, vss_writer_event *ev, bool restore,
	       char *msg, size_t size)
{
	vss_bcd_writer *bw = vss_writer_event_components(ev);
	struct strs l = {0};
	const vss_bcd_component *c;
	const char *path;
	char *s, *q, *end;
	size_t i, n = bw ? vss_bcd_writer_component_count(bw) : 0;
	int r;

	for (i = 0; i < n; i++) {
		c = vss_bcd_writer_component(bw, i);
		if (restore && !vss_bcd_component_selected_for_restore(c) &&
		    vss_bcd_component_restore_subcomponent_count(c) == 0)
			continue;
		path = vss_bcd_component_logical_path(c);
		if (!path || !*path) {
			strs_add(&l, strdup(vss_bcd_component_name(c)));
			continue;
		}
		if (asprintf(&s, "%s/%s", path, vss_bcd_component_name(c)) < 0)
			s = NULL;
		/* The logical path's separators, not the name's. */
		for (q = s, end = s ? s + strlen(path) : NULL; q && q < end; q++)
			if (*q == '\\')
				*q = '/';
		strs_add(&l, s);
	}
	r = l.failed ? -ENOMEM
		     : exec_env_set_list(e, "VSS_COMPONENTS",
					 (const char *const *)l.v, NULL, l.n,
					 msg, size);
	strs_free(&l);
	return r;
}

/* "by_copy", "import", "other": undefined is by copy (RS-034). */
static int
set_restore_type(struct exec_env *e, vss_writer_event *ev)
{
	enum vss_restore_type t = vss_writer_event_restore_type(ev);
	const char *s;
	char name[32];
	size_t i;

	if (t == VSS_RTYPE_UNDEFINED)
		t = VSS_RTYPE_BY_COPY;
	s = vss_restore_type_str(t);
	snprintf(name, sizeof(name), "%s", s ? s : "other");
	for (i = 0; name[i]; i++)
		name[i] = (char)tolower((unsigned char)name[i]);
	return exec_env_set(e, "VSS_RESTORE_TYPE", name);
}

int
exec_env_set_event(struct exec_env *e, const char *event,
		   const char *writer_name, const char *instance_name,
		   vss_writer_event *ev, char *msg, size_t size)
{
	char id[VSS_ID_STRLEN];
	const char *backup_type;
	bool restore;
	size_t i;
	int r;

	for (i = 0; i < sizeof(our_names) / sizeof(our_names[0]); i++)
		unset(e, our_names[i]);
	if ((r = exec_env_set(e, "VSS_EVENT", event)) < 0 ||
	    (r = exec_env_set(e, "VSS_WRITER_NAME", writer_name)) < 0 ||
	    (r = exec_env_set(e, "VSS_INSTANCE_NAME", instance_name)) < 0)
		return r;
	if (!ev)
		return 0;
	restore = strcmp(event, "pre_restore") == 0 ||
		  strcmp(event, "post_restore") == 0;
	vss_id_format(vss_writer_event_snapshot_set_id(ev), id);
	if ((r = exec_env_set(e, "VSS_SNAPSHOT_SET_ID", id)) < 0 ||
	    (r = set_volumes(e, ev, msg, size)) < 0 ||
	    (r = set_components(e, ev, restore, msg, size)) < 0)
		return r;
	backup_type = vss_backup_type_str(vss_writer_event_backup_type(ev));
	if (!restore &&
	    (r = exec_env_set(e, "VSS_BACKUP_TYPE",
			      backup_type ? backup_type : "undefined")) < 0)
		return r;
	if (restore && (r = set_restore_type(e, ev)) < 0)
		return r;
	if (strcmp(event, "post_snapshot") == 0)
		return set_snapshot_devices(e, ev, msg, size);
	return 0;
}
