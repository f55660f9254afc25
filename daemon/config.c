/*
 * daemon/config.c - the configuration file of vssd: INI, one [vssd]
 * section (docs/vssd.conf.md).  Read at start and on SIGHUP (CFG-001);
 * missing keys keep their defaults, which are the VSS defaults where the
 * spec gives one (BK-060, BK-062, BK-063) and ours where it does not
 * (BK-068).
 */
#include "daemon.h"

#include <errno.h>
#include <grp.h>
#include <ini.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct config *conf;

enum key_kind { KEY_MS, KEY_SIZE, KEY_COUNT };

struct key {
	const char *name;
	enum key_kind kind;
	size_t offset;
	uint64_t min, max;
};

#define MS(field)                                                              \
	{ #field, KEY_MS, offsetof(struct config, field), 1, 24u * 3600 * 1000 }

static const struct key keys[] = {
	{ "max_connections", KEY_COUNT,
	  offsetof(struct config, max_connections), 1, 1u << 20 },
	{ "max_writers", KEY_COUNT, offsetof(struct config, max_writers), 1,
	  1u << 20 },
	{ "max_frame", KEY_SIZE, offsetof(struct config, max_frame), 4096,
	  WIRE_FRAME_MAX },
	{ "max_queued_output", KEY_SIZE,
	  offsetof(struct config, max_queued_output), 4096, 1ull << 32 },
	{ "max_document", KEY_SIZE, offsetof(struct config, max_document),
	  1024, WIRE_FRAME_MAX },
	MS(identify_timeout_ms),
	MS(prepare_backup_timeout_ms),
	MS(prepare_snapshot_timeout_ms),
	MS(freeze_timeout_ms),
	MS(thaw_timeout_ms),
	MS(post_snapshot_timeout_ms),
	MS(abort_timeout_ms),
	MS(backup_complete_timeout_ms),
	MS(backup_shutdown_timeout_ms),
	MS(pre_restore_timeout_ms),
	MS(post_restore_timeout_ms),
	MS(commit_timeout_ms),
	MS(provider_timeout_ms),
	{ "max_shadow_copies", KEY_COUNT,
	  offsetof(struct config, max_shadow_copies), 1, 512 },
};

#undef MS

static void
config_defaults(struct config *c)
{
	c->group_name = NULL;
	c->group = 0;
	c->max_connections = 1024;
	c->max_writers = 1024;
	c->max_frame = 16u << 20;
	c->max_queued_output = 64u << 20;
	c->max_document = 8u << 20;
	c->identify_timeout_ms = 60000;
	c->prepare_backup_timeout_ms = 60000;
	c->prepare_snapshot_timeout_ms = 60000;
	c->freeze_timeout_ms = 60000;
	c->thaw_timeout_ms = 60000;
	c->post_snapshot_timeout_ms = 60000;
	c->abort_timeout_ms = 60000;
	c->backup_complete_timeout_ms = 600000;
	c->backup_shutdown_timeout_ms = 60000;
	/* A writer may take a service offline or replay logs there. */
	c->pre_restore_timeout_ms = 600000;
	c->post_restore_timeout_ms = 600000;
	c->commit_timeout_ms = 10000;
	c->provider_timeout_ms = 60000;
	c->max_shadow_copies = 64;
	c->delete_oldest = false;
	c->disable_user_profile_expansion = false;
}

/* A [files-not-to-snapshot] line: app = entry;entry;... */
struct raw_exclude {
	char *app;
	char *value;
};

struct parse {
	struct config *c;
	const char *path;
	int error; /* first error, 0 if none */
	/*
	 * The [files-not-to-snapshot] lines, parsed once the whole file is
	 * read: only then is disable_user_profile_expansion known, wherever
	 * it stands in the file.
	 */
	struct raw_exclude *excludes;
	size_t nexcludes;
};

/* Decimal number with an optional K, M or G (sizes only). */
static int
parse_number(const char *value, enum key_kind kind, uint64_t *ret)
{
	unsigned long long n;
	char *end;

	errno = 0;
	if (*value < '0' || *value > '9')
		return -EINVAL;
	n = strtoull(value, &end, 10);
	if (errno != 0)
		return -ERANGE;
	if (kind == KEY_SIZE && *end != '\0' && end[1] == '\0') {
		unsigned shift = 0;

		switch (*end) {
		case 'K': case 'k': shift = 10; break;
		case 'M': case 'm': shift = 20; break;
		case 'G': case 'g': shift = 30; break;
		default: return -EINVAL;
		}
		if (n > (ULLONG_MAX >> shift))
			return -ERANGE;
		n <<= shift;
		end++;
	}
	if (*end != '\0')
		return -EINVAL;
	*ret = n;
	return 0;
}

static int
set_key(struct parse *p, const struct key *k, const char *value)
{
	char *field = (char *)p->c + k->offset;
	uint64_t n;

	if (parse_number(value, k->kind, &n) < 0 || n < k->min ||
	    n > k->max) {
		log_warnx("%s: %s: bad value '%s' (%llu..%llu)", p->path,
			  k->name, value, (unsigned long long)k->min,
			  (unsigned long long)k->max);
		return -EINVAL;
	}
	switch (k->kind) {
	case KEY_MS:
		*(uint32_t *)(void *)field = (uint32_t)n;
		break;
	case KEY_SIZE:
		*(size_t *)(void *)field = (size_t)n;
		break;
	case KEY_COUNT:
		*(unsigned *)(void *)field = (unsigned)n;
		break;
	}
	return 0;
}

static int
set_group(struct parse *p, const char *value)
{
	struct group *gr;

	errno = 0;
	gr = getgrnam(value);
	if (!gr) {
		log_warnx("%s: group: unknown group '%s'", p->path, value);
		return -EINVAL;
	}
	free(p->c->group_name);
	p->c->group_name = strdup(value);
	if (!p->c->group_name)
		return -ENOMEM;
	p->c->group = gr->gr_gid;
	return 0;
}

/* What creating one shadow copy too many does (Windows: the oldest goes). */
static int
set_limit_action(struct parse *p, const char *value)
{
	if (strcmp(value, "fail") == 0)
		p->c->delete_oldest = false;
	else if (strcmp(value, "delete-oldest") == 0)
		p->c->delete_oldest = true;
	else {
		log_warnx("%s: max_shadow_copies_action: '%s' is neither "
			  "'fail' nor 'delete-oldest'", p->path, value);
		return -EINVAL;
	}
	return 0;
}

static int
set_expose_dir(struct parse *p, const char *value)
{
	char *copy;

	if (value[0] != '/' || strstr(value, "/../") ||
	    strcmp(value, "/") == 0) {
		log_warnx("%s: expose_dir: '%s' is not an absolute directory",
			  p->path, value);
		return -EINVAL;
	}
	copy = strdup(value);
	if (!copy)
		return -ENOMEM;
	free(p->c->expose_dir);
	p->c->expose_dir = copy;
	return 0;
}

static int
set_profile_expansion(struct parse *p, const char *value)
{
	if (strcmp(value, "yes") == 0)
		p->c->disable_user_profile_expansion = true;
	else if (strcmp(value, "no") == 0)
		p->c->disable_user_profile_expansion = false;
	else {
		log_warnx("%s: disable_user_profile_expansion: '%s' is neither "
			  "'yes' nor 'no'", p->path, value);
		return -EINVAL;
	}
	return 0;
}

static int
keep_exclude(struct parse *p, const char *app, const char *value)
{
	struct raw_exclude *v, e;

	v = reallocarray(p->excludes, p->nexcludes + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	p->excludes = v;
	e.app = strdup(app);
	e.value = strdup(value);
	if (!e.app || !e.value) {
		free(e.app);
		free(e.value);
		return -ENOMEM;
	}
	v[p->nexcludes++] = e;
	return 0;
}

/*
 * SN-061: every ';'-separated entry of every [files-not-to-snapshot]
 * line into c->files_not_to_snapshot; empty ones are skipped, a bad one
 * refuses the file.
 */
static int
parse_excludes(struct parse *p)
{
	char err[256];
	size_t i;
	int r = 0;

	for (i = 0; i < p->nexcludes && r == 0; i++) {
		r = exclude_parse_list(&p->c->files_not_to_snapshot,
				       p->excludes[i].value,
				       !p->c->disable_user_profile_expansion,
				       err, sizeof(err));
		if (r == -EINVAL)
			log_warnx("%s: [files-not-to-snapshot] %s: %s",
				  p->path, p->excludes[i].app, err);
	}
	return r;
}

static void
parse_release(struct parse *p)
{
	while (p->nexcludes > 0) {
		p->nexcludes--;
		free(p->excludes[p->nexcludes].app);
		free(p->excludes[p->nexcludes].value);
	}
	free(p->excludes);
	p->excludes = NULL;
}

static int
config_line(void *user, const char *section, const char *name,
	    const char *value)
{
	struct parse *p = user;
	size_t i;
	int r;

	if (strncmp(section, "provider ", 9) == 0) {
		r = exec_conf_key(&p->c->exec_providers, section + 9, name,
				  value, p->path);
		if (r == 0) {
			log_warnx("%s: [%s]: unknown key '%s' ignored", p->path,
				  section, name);
			return 1;
		}
		goto out;
	}
	if (strcmp(section, "files-not-to-snapshot") == 0) {
		r = keep_exclude(p, name, value);
		goto out;
	}
	/* Read by requesters (vss backup), not by vssd (BK-142). */
	if (strcmp(section, "files-not-to-backup") == 0)
		return 1;
	if (strcmp(section, "vssd") != 0) {
		log_warnx("%s: unknown section '[%s]' ignored", p->path,
			  section);
		return 1;
	}
	if (strcmp(name, "group") == 0) {
		r = set_group(p, value);
		goto out;
	}
	if (strcmp(name, "max_shadow_copies_action") == 0) {
		r = set_limit_action(p, value);
		goto out;
	}
	if (strcmp(name, "expose_dir") == 0) {
		r = set_expose_dir(p, value);
		goto out;
	}
	if (strcmp(name, "disable_user_profile_expansion") == 0) {
		r = set_profile_expansion(p, value);
		goto out;
	}
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(keys[i].name, name) == 0) {
			r = set_key(p, &keys[i], value);
			goto out;
		}
	}
	log_warnx("%s: unknown key '%s' ignored", p->path, name);
	return 1;
out:
	if (r < 0 && p->error == 0)
		p->error = r;
	return r < 0 ? 0 : 1;
}

/*
 * Exec providers' commands run as root: a file that names them must be
 * ours and writable by nobody else, or anyone who can edit it runs
 * commands as root.
 */
static int
check_commands_trusted(const struct config *c, const char *path, FILE *f)
{
	struct stat st;

	if (!c->exec_providers)
		return 0;
	/* The file read, not whatever the name points at by now. */
	if (fstat(fileno(f), &st) < 0) {
		log_warn("%s", path);
		return -errno;
	}
	if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		log_warnx("%s: names provider commands but is owned by uid %u "
			  "or writable by others (mode %04o): refused",
			  path, (unsigned)st.st_uid,
			  (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

int
config_load(const char *path, struct config **ret)
{
	struct parse p = { .path = path ? path : VSSD_DEFAULT_CONFIG };
	struct config *c;
	FILE *f = NULL;
	int r;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	config_defaults(c);
	p.c = c;
	if (!path && access(p.path, F_OK) < 0 && errno == ENOENT)
		goto done;
	f = fopen(p.path, "re");
	if (!f) {
		r = -errno;
		log_warn("%s", p.path);
		goto fail;
	}
	r = ini_parse_file(f, config_line, &p);
	if (r < 0) {
		log_warnx("%s: out of memory", p.path);
		r = -ENOMEM;
		goto fail;
	}
	if (r > 0) {
		log_warnx("%s: line %d: not understood", p.path, r);
		r = p.error ? p.error : -EINVAL;
		goto fail;
	}
	r = exec_conf_check(c->exec_providers, p.path);
	if (r < 0)
		goto fail;
	r = check_commands_trusted(c, p.path, f);
	if (r < 0)
		goto fail;
	r = parse_excludes(&p);
	parse_release(&p);
	if (r < 0)
		goto fail;
	fclose(f);
	f = NULL;
done:
	if (!c->expose_dir && !(c->expose_dir = strdup(VSSD_DEFAULT_EXPOSE_DIR))) {
		r = -ENOMEM;
		goto fail;
	}
	/* A document travels inside a frame. */
	if (c->max_document > c->max_frame)
		c->max_document = c->max_frame;
	*ret = c;
	return 0;
fail:
	if (f)
		fclose(f);
	parse_release(&p);
	config_free(c);
	return r;
}

void
config_free(struct config *c)
{
	if (!c)
		return;
	free(c->group_name);
	free(c->expose_dir);
	exec_conf_free(c->exec_providers);
	exclude_list_release(&c->files_not_to_snapshot);
	free(c);
}

uint32_t
config_event_timeout(enum wire_event ev)
{
	switch (ev) {
	case WIRE_EV_IDENTIFY:
		return conf->identify_timeout_ms;
	case WIRE_EV_PREPARE_BACKUP:
		return conf->prepare_backup_timeout_ms;
	case WIRE_EV_PREPARE_SNAPSHOT:
		return conf->prepare_snapshot_timeout_ms;
	case WIRE_EV_FREEZE:
		return conf->freeze_timeout_ms;
	case WIRE_EV_THAW:
		return conf->thaw_timeout_ms;
	case WIRE_EV_POST_SNAPSHOT:
		return conf->post_snapshot_timeout_ms;
	case WIRE_EV_ABORT:
		return conf->abort_timeout_ms;
	case WIRE_EV_BACKUP_COMPLETE:
		return conf->backup_complete_timeout_ms;
	case WIRE_EV_BACKUP_SHUTDOWN:
		return conf->backup_shutdown_timeout_ms;
	case WIRE_EV_PRE_RESTORE:
		return conf->pre_restore_timeout_ms;
	case WIRE_EV_POST_RESTORE:
		return conf->post_restore_timeout_ms;
	default:
		fatalx("no reply deadline for event %d", (int)ev);
	}
}
