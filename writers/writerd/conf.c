/*
 * writers/writerd/conf.c - one writer's configuration file (conf.h).
 *
 * The file is read twice: first for [writer] type alone, which picks the
 * backend and so what the rest may say (its declaration parts, its own
 * section, its defaults); then every key, in file order.  What nobody
 * takes is refused, with the file, line, section and key.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "ini.h"

/* Pass one: the type. */
struct type_ctx {
	const struct wd_backend *backend;
	int seen; /* type keys so far */
};

static int
on_type_key(void *user, const char *section, const char *key,
	    const char *value, struct vss_error *err)
{
	struct type_ctx *t = user;

	if (strcmp(section, "writer") != 0 || strcmp(key, "type") != 0)
		return 0;
	if (t->seen++ > 0) {
		wini_seterr(err, "given twice");
		return -EINVAL;
	}
	t->backend = wd_backend_find(value);
	if (!t->backend)
		return wini_unknown(err, "type", value, wd_backend_names());
	return 0;
}

static int
set_log_file(struct wd_conf *c, const char *value, struct vss_error *err)
{
	if (value[0] != '/') {
		wini_seterr(err, "'%s' is not an absolute path", value);
		return -EINVAL;
	}
	return wini_set_str(&c->log_file, value);
}

/* Why a section (or [writer] key) nobody took is refused. */
static int
refuse(const struct wd_conf *c, const char *section, struct vss_error *err)
{
	const struct wd_backend *other;

	if (strcmp(section, "writer") == 0) {
		wini_seterr(err, "unknown key");
	} else if ((other = wd_backend_find(section)) != NULL) {
		wini_seterr(err, "a section of type %s in a file of type %s",
			    other->type, c->backend->type);
	} else if (strcmp(section, "restore") == 0 ||
		   wini_section_arg(section, "component")) {
		wini_seterr(err, "type %s takes no such section",
			    c->backend->type);
	} else {
		wini_seterr(err, "unknown section");
	}
	return -EINVAL;
}

/* Pass two: everything. */
static int
on_key(void *user, const char *section, const char *key, const char *value,
       struct vss_error *err)
{
	struct wd_conf *c = user;
	const struct wd_backend *b = c->backend;
	int r;

	if (strcmp(section, "writer") == 0) {
		if (strcmp(key, "type") == 0)
			return 0;
		if (strcmp(key, "log_file") == 0)
			return set_log_file(c, value, err);
	}
	if (strcmp(section, b->type) == 0) {
		if (!b->config_key) {
			wini_seterr(err, "unknown key");
			return -EINVAL;
		}
		return b->config_key(c->state, key, value, err);
	}
	r = wdecl_key(&c->decl, b->decl_parts, section, key, value, err);
	if (r <= 0)
		return r;
	return refuse(c, section, err);
}

/* The file name without its directory and ".conf". */
static char *
file_stem(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t len;

	base = base ? base + 1 : path;
	len = strlen(base);
	if (len > 5 && strcmp(base + len - 5, ".conf") == 0)
		len -= 5;
	return strndup(base, len);
}

/* The declaration of the type's defaults, before the file's keys. */
static int
init_decl(struct wd_conf *c, struct vss_error *err)
{
	const struct wd_backend *b = c->backend;
	vss_id class_id;
	int r;

	if (!b->class_id || vss_id_parse(&class_id, b->class_id) < 0 ||
	    !b->default_name) {
		wini_seterr(err, "type %s is not usable in this build",
			    b->type);
		return -EINVAL;
	}
	r = wdecl_init(&c->decl, &class_id, b->default_name);
	if (r < 0)
		return r;
	c->has_decl = true;
	c->decl.usage = b->usage;
	c->decl.source = b->source;
	return 0;
}

/* What only the whole file tells: the defaults, the checks. */
static int
finish(struct wd_conf *c, struct vss_error *err)
{
	const struct wd_backend *b = c->backend;
	vss_wmd *wmd = NULL;
	int r;

	if (!c->decl.instance_name || !c->decl.instance_name[0]) {
		free(c->decl.instance_name);
		c->decl.instance_name = file_stem(c->path);
		if (!c->decl.instance_name)
			return -ENOMEM;
	}
	if (b->config_done) {
		r = b->config_done(c->state, &c->decl, err);
		if (r < 0)
			return r;
	}
	if (!(b->decl_parts & WDECL_COMPONENTS))
		return wdecl_check(&c->decl, err);
	/* The WMD's rules (duplicate components, files of the wrong kind)
	 * at load, not at the first identify; wdecl_new_wmd checks too. */
	r = wdecl_new_wmd(&c->decl, &wmd, err);
	vss_wmd_free(wmd);
	return r;
}

/* Pass two and the checks on c, whose path, text and backend are set. */
static int
conf_fill(struct wd_conf *c, struct vss_error *err)
{
	int r;

	r = init_decl(c, err);
	if (r == 0 && c->backend->state_new)
		r = c->backend->state_new(&c->state);
	if (r == 0)
		r = wini_parse_string(c->text, on_key, c, err);
	if (r == 0) {
		err->message[0] = '\0';
		r = finish(c, err);
	}
	if (r == -ENOMEM && !err->message[0])
		wini_seterr(err, "out of memory");
	return r;
}

static int
conf_new(const char *path, char *text, const struct wd_backend *b,
	 struct wd_conf **ret, struct vss_error *err)
{
	struct wd_conf *c;
	int r;

	c = calloc(1, sizeof(*c));
	if (!c) {
		free(text);
		wini_seterr(err, "%s: out of memory", path);
		return -ENOMEM;
	}
	c->text = text;
	c->backend = b;
	c->path = strdup(path);
	if (!c->path) {
		wini_seterr(err, "out of memory");
		r = -ENOMEM;
	} else {
		r = conf_fill(c, err);
	}
	if (r < 0) {
		wini_prefix(err, "%s", path);
		wd_conf_free(c);
		return r;
	}
	*ret = c;
	return 0;
}

static int
no_type(const char *path, struct vss_error *err)
{
	wini_seterr(err, "%s: [writer] type is required (%s)", path,
		    wd_backend_names());
	return -EINVAL;
}

/*
 * The commands of a file run as vss-writerd's user (root): refuse a file
 * that anybody else may have written.
 */
static int
check_owner(const char *path, struct vss_error *err)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		int e = errno;

		wini_seterr(err, "%s: %s", path, strerror(e));
		return -e;
	}
	if ((st.st_uid != 0 && st.st_uid != geteuid()) ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		wini_seterr(err, "%s: refused: owned by uid %u with mode %04o; "
			    "it must belong to root (or vss-writerd's user) "
			    "and be writable by its owner only",
			    path, (unsigned)st.st_uid,
			    (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

int
wd_conf_load(const char *path, struct wd_conf **ret, struct vss_error *err)
{
	struct type_ctx t = {0};
	char *text = NULL;
	int r;

	r = check_owner(path, err);
	if (r == 0)
		r = wini_parse_file(path, on_type_key, &t, &text, err);
	if (r < 0)
		return r;
	if (!t.backend) {
		free(text);
		return no_type(path, err);
	}
	return conf_new(path, text, t.backend, ret, err);
}

int
wd_conf_parse(const char *path, const char *text, struct wd_conf **ret,
	      struct vss_error *err)
{
	struct type_ctx t = {0};
	char *copy;
	int r;

	r = wini_parse_string(text, on_type_key, &t, err);
	if (r < 0) {
		wini_prefix(err, "%s", path);
		return r;
	}
	if (!t.backend)
		return no_type(path, err);
	copy = strdup(text);
	if (!copy) {
		wini_seterr(err, "%s: out of memory", path);
		return -ENOMEM;
	}
	return conf_new(path, copy, t.backend, ret, err);
}

void
wd_conf_free(struct wd_conf *c)
{
	if (!c)
		return;
	if (c->state && c->backend->state_free)
		c->backend->state_free(c->state);
	if (c->has_decl)
		wdecl_release(&c->decl);
	free(c->log_file);
	free(c->text);
	free(c->path);
	free(c);
}
