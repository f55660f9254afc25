/*
 * daemon/providers/exec.c - providers that run commands the administrator
 * configures, one per [provider NAME] section of the configuration: how
 * LVM (`lvcreate -s`), ZFS (`zfs snapshot`), Ceph or a storage array is
 * plugged in (docs/vssd.conf.md, "Exec providers";
 * examples/exec-provider/ is a working one).
 *
 * Each operation runs a command:
 *
 *   /bin/sh -c CMD vss-provider-<op> VOLUME SNAPSHOT_ID [SHADOW [PATH]]
 *
 * with an environment of its own (VSS_* and a fixed PATH, nothing of
 * vssd's), stdin on /dev/null and a deadline (command.c).  Exit status 0
 * is success; anything else a veto, with the last line the command wrote
 * to stderr as the reason.  Two statuses mean more: 1 from is_supported
 * is "no", and EXIT_NOT_FOUND from delete is "no such shadow copy".
 *
 * Commit runs while the volumes are frozen (PV-031): nothing is logged
 * then.  Each commit command's output is kept in its snapshot's priv and
 * logged by post_commit, which vssd calls once the file systems are
 * thawed, or by abort when the set fails.  Every other operation logs
 * what its command printed.
 */
#include <assert.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../command.h"
#include "../daemon.h"
#include "vss/status.h"

/* delete: there is no such shadow copy (VSS_E_OBJECT_NOT_FOUND). */
#define EXIT_NOT_FOUND 3
/* is_supported: the volume is not supported. */
#define EXIT_NO 1

#define EXEC_TIMEOUT_MAX (24u * 3600 * 1000)
#define DEFAULT_TIMEOUT_MS 60000
#define DEFAULT_COMMIT_TIMEOUT_MS 10000
/* list may report many shadow copies; its output is data, not chatter. */
#define LIST_OUTPUT_MAX (4u << 20)
#define NAME_MAX_LEN 64
/* "unexpose of '<volume>'" in messages; longer is cut. */
#define WHAT_MAX 160
#define COMMAND_PATH "/usr/sbin:/usr/bin:/sbin:/bin"

enum exec_op {
	OP_IS_SUPPORTED,
	OP_PREPARE,
	OP_COMMIT,
	OP_DELETE,
	OP_EXPOSE,
	OP_UNEXPOSE,
	OP_LIST,
	OP_ABORT,
	OP_COUNT,
};

/* The key of each command, its VSS_OPERATION and its $0 suffix. */
static const char *const op_names[OP_COUNT] = {
	[OP_IS_SUPPORTED] = "is_supported",
	[OP_PREPARE] = "prepare",
	[OP_COMMIT] = "commit",
	[OP_DELETE] = "delete",
	[OP_EXPOSE] = "expose",
	[OP_UNEXPOSE] = "unexpose",
	[OP_LIST] = "list",
	[OP_ABORT] = "abort",
};

/* The arguments of each command: each kind adds to the one before. */
enum op_args {
	ARGS_NONE,
	ARGS_VOLUME,   /* VOLUME */
	ARGS_SNAPSHOT, /* SNAPSHOT_ID */
	ARGS_SHADOW,   /* SHADOW */
	ARGS_EXPOSE,   /* PATH */
};

static const enum op_args op_args[OP_COUNT] = {
	[OP_IS_SUPPORTED] = ARGS_VOLUME,
	[OP_PREPARE] = ARGS_SNAPSHOT,
	[OP_COMMIT] = ARGS_SNAPSHOT,
	[OP_DELETE] = ARGS_SHADOW,
	[OP_EXPOSE] = ARGS_EXPOSE,
	[OP_UNEXPOSE] = ARGS_EXPOSE,
	[OP_LIST] = ARGS_NONE,
	[OP_ABORT] = ARGS_SHADOW,
};

/* One [provider NAME] section. */
struct exec_conf {
	struct exec_conf *next; /* file order */
	char *name;
	vss_id id;
	vss_id version_id; /* null unless given */
	char *version;
	enum vss_provider_type type;
	bool freeze;
	char **volumes; /* mount point globs, NULL-terminated */
	char *cmd[OP_COUNT];
	uint32_t timeout_ms;
	uint32_t commit_timeout_ms;
	uint32_t seen; /* keys given: a bit per entry of keys[] */
};

/* ---- configuration --------------------------------------------------- */

enum key_kind {
	KEY_ID,
	KEY_VERSION_ID,
	KEY_VERSION,
	KEY_TYPE,
	KEY_FREEZE,
	KEY_VOLUMES,
	KEY_TIMEOUT,
	KEY_COMMIT_TIMEOUT,
	KEY_CMD,
};

struct key {
	const char *name;
	enum key_kind kind;
	enum exec_op op; /* KEY_CMD */
};

static const struct key keys[] = {
	{"id", KEY_ID, 0},
	{"version_id", KEY_VERSION_ID, 0},
	{"version", KEY_VERSION, 0},
	{"type", KEY_TYPE, 0},
	{"freeze", KEY_FREEZE, 0},
	{"volumes", KEY_VOLUMES, 0},
	{"timeout_ms", KEY_TIMEOUT, 0},
	{"commit_timeout_ms", KEY_COMMIT_TIMEOUT, 0},
	{"is_supported", KEY_CMD, OP_IS_SUPPORTED},
	{"prepare", KEY_CMD, OP_PREPARE},
	{"commit", KEY_CMD, OP_COMMIT},
	{"delete", KEY_CMD, OP_DELETE},
	{"expose", KEY_CMD, OP_EXPOSE},
	{"unexpose", KEY_CMD, OP_UNEXPOSE},
	{"list", KEY_CMD, OP_LIST},
	{"abort", KEY_CMD, OP_ABORT},
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))
_Static_assert(NKEYS <= 32, "exec_conf.seen has a bit per key");

static void
strv_free(char **v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}

static void
conf_free_one(struct exec_conf *c)
{
	size_t i;

	free(c->name);
	free(c->version);
	strv_free(c->volumes);
	for (i = 0; i < OP_COUNT; i++)
		free(c->cmd[i]);
	free(c);
}

void
exec_conf_free(struct exec_conf *list)
{
	struct exec_conf *next;

	for (; list; list = next) {
		next = list->next;
		conf_free_one(list);
	}
}

/* A provider name: what may appear in logs and VSS_PROVIDER as is. */
static bool
name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > NAME_MAX_LEN || strcmp(name, "btrfs") == 0)
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

/* The entry named name, made at the end of *list if there is none. */
static int
conf_entry(struct exec_conf **list, const char *name, struct exec_conf **ret)
{
	struct exec_conf **pp, *c;

	for (pp = list; *pp; pp = &(*pp)->next) {
		if (strcmp((*pp)->name, name) == 0) {
			*ret = *pp;
			return 0;
		}
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->name = strdup(name);
	c->version = strdup("1");
	if (!c->name || !c->version) {
		conf_free_one(c);
		return -ENOMEM;
	}
	c->type = VSS_PROV_SOFTWARE;
	c->freeze = true;
	c->timeout_ms = DEFAULT_TIMEOUT_MS;
	c->commit_timeout_ms = DEFAULT_COMMIT_TIMEOUT_MS;
	*pp = c;
	*ret = c;
	return 0;
}

/* Whitespace-separated absolute globs; a trailing '/' is dropped. */
static int
parse_volumes(const char *value, char ***ret)
{
	const char *sep = " \t";
	char *copy, *tok, *save = NULL, **v;
	size_t n = 0, len;

	copy = strdup(value);
	v = calloc(strlen(value) / 2 + 2, sizeof(*v));
	if (!copy || !v) {
		free(copy);
		free(v);
		return -ENOMEM;
	}
	for (tok = strtok_r(copy, sep, &save); tok;
	     tok = strtok_r(NULL, sep, &save)) {
		if (tok[0] != '/') {
			free(copy);
			strv_free(v);
			return -EINVAL;
		}
		len = strlen(tok);
		while (len > 1 && tok[len - 1] == '/')
			tok[--len] = '\0';
		v[n] = strdup(tok);
		if (!v[n++]) {
			free(copy);
			strv_free(v);
			return -ENOMEM;
		}
	}
	free(copy);
	if (n == 0) {
		free(v);
		return -EINVAL;
	}
	*ret = v;
	return 0;
}

static int
parse_ms(const char *value, uint32_t *ret)
{
	unsigned long long n;
	char *end;

	if (value[0] < '0' || value[0] > '9')
		return -EINVAL;
	errno = 0;
	n = strtoull(value, &end, 10);
	if (errno || *end || n < 1 || n > EXEC_TIMEOUT_MAX)
		return -EINVAL;
	*ret = (uint32_t)n;
	return 0;
}

static int
parse_bool(const char *value, bool *ret)
{
	if (!strcmp(value, "yes") || !strcmp(value, "true") ||
	    !strcmp(value, "1"))
		*ret = true;
	else if (!strcmp(value, "no") || !strcmp(value, "false") ||
		 !strcmp(value, "0"))
		*ret = false;
	else
		return -EINVAL;
	return 0;
}

static int
parse_type(const char *value, enum vss_provider_type *ret)
{
	if (!strcmp(value, "software"))
		*ret = VSS_PROV_SOFTWARE;
	else if (!strcmp(value, "hardware"))
		*ret = VSS_PROV_HARDWARE;
	else
		return -EINVAL;
	return 0;
}

static int
set_string(char **field, const char *value)
{
	char *copy = strdup(value);

	if (!copy)
		return -ENOMEM;
	free(*field);
	*field = copy;
	return 0;
}

/* Set key k of c; -EINVAL for a bad value (the caller logs it). */
static int
conf_set(struct exec_conf *c, const struct key *k, const char *value)
{
	char **volumes;
	int r;

	switch (k->kind) {
	case KEY_ID:
		r = vss_id_parse(&c->id, value);
		return r < 0 || vss_id_is_null(&c->id) ? -EINVAL : 0;
	case KEY_VERSION_ID:
		return vss_id_parse(&c->version_id, value);
	case KEY_VERSION:
		return value[0] ? set_string(&c->version, value) : -EINVAL;
	case KEY_TYPE:
		return parse_type(value, &c->type);
	case KEY_FREEZE:
		return parse_bool(value, &c->freeze);
	case KEY_VOLUMES:
		r = parse_volumes(value, &volumes);
		if (r == 0) {
			strv_free(c->volumes);
			c->volumes = volumes;
		}
		return r;
	case KEY_TIMEOUT:
		return parse_ms(value, &c->timeout_ms);
	case KEY_COMMIT_TIMEOUT:
		return parse_ms(value, &c->commit_timeout_ms);
	case KEY_CMD:
		return value[0] ? set_string(&c->cmd[k->op], value) : -EINVAL;
	}
	return -EINVAL;
}

int
exec_conf_key(struct exec_conf **list, const char *name, const char *key,
	      const char *value, const char *path)
{
	struct exec_conf *c;
	size_t i;
	int r;

	if (!list || !name || !key || !value || !path)
		return -EINVAL;
	if (!name_valid(name)) {
		log_warnx("%s: [provider %s]: bad provider name: letters, "
			  "digits, '.', '_' and '-' only, not 'btrfs'",
			  path, name);
		return -EINVAL;
	}
	r = conf_entry(list, name, &c);
	if (r < 0)
		return r;
	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, key) == 0)
			break;
	if (i == NKEYS)
		return 0;
	if (c->seen & (1u << i)) {
		log_warnx("%s: [provider %s]: %s: given twice", path, name,
			  key);
		return -EINVAL;
	}
	c->seen |= 1u << i;
	r = conf_set(c, &keys[i], value);
	if (r == -EINVAL)
		log_warnx("%s: [provider %s]: %s: bad value '%s'", path, name,
			  key, value);
	return r < 0 ? r : 1;
}

/* One entry complete and consistent; logged. */
static int
conf_check_one(const struct exec_conf *c, const char *path)
{
	static const enum exec_op required[] = {OP_COMMIT, OP_DELETE};
	size_t i;

	if (vss_id_is_null(&c->id)) {
		log_warnx("%s: [provider %s]: id is missing", path, c->name);
		return -EINVAL;
	}
	if (vss_id_equal(&c->id, &provider_btrfs.id)) {
		log_warnx("%s: [provider %s]: id is that of the btrfs provider",
			  path, c->name);
		return -EINVAL;
	}
	if (!c->volumes) {
		log_warnx("%s: [provider %s]: volumes is missing", path,
			  c->name);
		return -EINVAL;
	}
	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		if (!c->cmd[required[i]]) {
			log_warnx("%s: [provider %s]: %s is missing", path,
				  c->name, op_names[required[i]]);
			return -EINVAL;
		}
	}
	if (!c->cmd[OP_EXPOSE] != !c->cmd[OP_UNEXPOSE]) {
		log_warnx("%s: [provider %s]: expose and unexpose go together",
			  path, c->name);
		return -EINVAL;
	}
	return 0;
}

int
exec_conf_check(const struct exec_conf *list, const char *path)
{
	const struct exec_conf *c, *d;
	char text[VSS_ID_STRLEN];
	int r;

	if (!path)
		return -EINVAL;
	for (c = list; c; c = c->next) {
		r = conf_check_one(c, path);
		if (r < 0)
			return r;
		for (d = list; d != c; d = d->next) {
			if (vss_id_equal(&c->id, &d->id)) {
				vss_id_format(&c->id, text);
				log_warnx("%s: [provider %s]: id %s is that "
					  "of [provider %s]",
					  path, c->name, text, d->name);
				return -EINVAL;
			}
		}
	}
	return 0;
}

/* A copy of one entry, next NULL; caller owns (conf_free_one()). */
static int
conf_copy(const struct exec_conf *c, struct exec_conf **ret)
{
	struct exec_conf *n;
	size_t i, count = 0;

	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	*n = *c;
	n->next = NULL;
	n->name = strdup(c->name);
	n->version = strdup(c->version);
	while (c->volumes[count])
		count++;
	n->volumes = calloc(count + 1, sizeof(*n->volumes));
	for (i = 0; i < OP_COUNT; i++)
		n->cmd[i] = c->cmd[i] ? strdup(c->cmd[i]) : NULL;
	if (!n->name || !n->version || !n->volumes)
		goto fail;
	for (i = 0; i < count; i++)
		if (!(n->volumes[i] = strdup(c->volumes[i])))
			goto fail;
	for (i = 0; i < OP_COUNT; i++)
		if (c->cmd[i] && !n->cmd[i])
			goto fail;
	*ret = n;
	return 0;

fail:
	conf_free_one(n);
	return -ENOMEM;
}

/* ---- running a command ----------------------------------------------- */

#define ENV_MAX 16

/* One command: its arguments, environment and result. */
struct run {
	const struct exec_conf *c;
	enum exec_op op;
	const char *volume; /* NULL for list */
	char argv0[32]; /* vss-provider-<op> */
	char *argv[9];
	char *envp[ENV_MAX];
	size_t nenv;
	char id[VSS_ID_STRLEN];
	struct command_result res;
	bool ran;
};

static void
run_release(struct run *r)
{
	size_t i;

	for (i = 0; i < r->nenv; i++)
		free(r->envp[i]);
	r->nenv = 0;
	if (r->ran)
		command_result_release(&r->res);
	r->ran = false;
}

static int __attribute__((format(printf, 3, 4)))
run_env(struct run *r, const char *key, const char *fmt, ...)
{
	char *value, *entry;
	va_list ap;
	int n;

	assert(r->nenv + 1 < ENV_MAX);
	va_start(ap, fmt);
	n = vasprintf(&value, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	n = asprintf(&entry, "%s=%s", key, value);
	free(value);
	if (n < 0)
		return -ENOMEM;
	r->envp[r->nenv++] = entry;
	r->envp[r->nenv] = NULL;
	return 0;
}

/*
 * VSS_VOLUME and what is mounted there: VSS_VOLUME_DEVICE and VSS_FSTYPE,
 * empty when nothing is (delete may run for a volume that is gone).
 */
static int
run_volume_env(struct run *r)
{
	char *source = NULL, *fstype = NULL;
	int e;

	e = volume_mount_source(r->volume, &source, &fstype);
	if (e < 0 && e != VSS_E_OBJECT_NOT_FOUND)
		return e;
	/* Not mounted: source and fstype stay NULL. */
	if ((e = run_env(r, "VSS_VOLUME", "%s", r->volume)) == 0 &&
	    (e = run_env(r, "VSS_VOLUME_DEVICE", "%s",
			 source ? source : "")) == 0)
		e = run_env(r, "VSS_FSTYPE", "%s", fstype ? fstype : "");
	free(source);
	free(fstype);
	return e;
}

/* The arguments and environment of run_init(). */
static int
run_setup(struct run *r, const struct provider *p, enum exec_op op,
	  const char *volume, const struct provider_set *set,
	  const struct provider_snapshot *snap, const char *path)
{
	const struct exec_conf *c = p->priv;
	char text[VSS_ID_STRLEN];
	const char *shadow = snap && snap->device ? snap->device : "";
	size_t n = 0;
	int e;

	memset(r, 0, sizeof(*r));
	r->c = c;
	r->op = op;
	r->volume = volume;
	if (snap)
		vss_id_format(&snap->snapshot_id, r->id);
	if ((e = run_env(r, "PATH", "%s", COMMAND_PATH)) < 0 ||
	    (e = run_env(r, "VSS_PROVIDER", "%s", c->name)) < 0 ||
	    (e = run_env(r, "VSS_OPERATION", "%s", op_names[op])) < 0)
		return e;
	if (volume && (e = run_volume_env(r)) < 0)
		return e;
	if (snap && (e = run_env(r, "VSS_SNAPSHOT_ID", "%s", r->id)) < 0)
		return e;
	if (set) {
		vss_id_format(&set->set_id, text);
		if ((e = run_env(r, "VSS_SNAPSHOT_SET_ID", "%s", text)) < 0 ||
		    (e = run_env(r, "VSS_CONTEXT", "0x%08x",
				 (uint32_t)set->context)) < 0)
			return e;
	}
	if (op_args[op] >= ARGS_SHADOW &&
	    (e = run_env(r, "VSS_SHADOW", "%s", shadow)) < 0)
		return e;
	if (path && (e = run_env(r, "VSS_EXPOSE_PATH", "%s", path)) < 0)
		return e;

	/* sh -c CMD $0 $1...: the arguments are only borrowed. */
	r->argv[n++] = (char *)"/bin/sh";
	r->argv[n++] = (char *)"-c";
	r->argv[n++] = c->cmd[op];
	snprintf(r->argv0, sizeof(r->argv0), "vss-provider-%s", op_names[op]);
	r->argv[n++] = r->argv0;
	if (op_args[op] >= ARGS_VOLUME)
		r->argv[n++] = (char *)volume;
	if (op_args[op] >= ARGS_SNAPSHOT)
		r->argv[n++] = r->id;
	if (op_args[op] >= ARGS_SHADOW)
		r->argv[n++] = (char *)shadow;
	if (op_args[op] >= ARGS_EXPOSE)
		r->argv[n++] = (char *)path;
	r->argv[n] = NULL;
	return 0;
}

/*
 * Make the command of op ready to run: its arguments and environment.
 * volume is NULL for list; set, snap, path may be NULL where the op has
 * none.  On failure why is in err.  The caller releases r with
 * run_release() either way.
 */
static int
run_init(struct run *r, const struct provider *p, enum exec_op op,
	 const char *volume, const struct provider_set *set,
	 const struct provider_snapshot *snap, const char *path, char *err,
	 size_t errlen)
{
	char tmp[128];
	int e;

	e = run_setup(r, p, op, volume, set, snap, path);
	if (e == 0)
		return 0;
	snprintf(err, errlen, "cannot run %s: %s", op_names[op],
		 strerror_r(-e, tmp, sizeof(tmp)));
	return e == -ENOMEM ? e : VSS_E_PROVIDER_VETO;
}

/* What a command is about, for messages: "commit of '/srv'", "list". */
static void
run_what(const struct run *r, char *buf, size_t size)
{
	if (r->volume)
		snprintf(buf, size, "%s of '%s'", op_names[r->op], r->volume);
	else
		snprintf(buf, size, "%s", op_names[r->op]);
}

/*
 * Run the command made ready by run_init().  0 once it has run, whatever
 * its fate; otherwise why it could not run is in err.
 */
static int
run_exec(struct run *r, char *err, size_t errlen)
{
	struct command_opts o = {
		.path = "/bin/sh",
		.argv = r->argv,
		.envp = r->envp,
		.timeout_ms = r->op == OP_COMMIT ? r->c->commit_timeout_ms
						 : r->c->timeout_ms,
		.max_output = r->op == OP_LIST ? LIST_OUTPUT_MAX : 0,
	};
	char what[WHAT_MAX], tmp[128];
	int e;

	e = command_run(&o, &r->res);
	if (e == 0) {
		r->ran = true;
		return 0;
	}
	run_what(r, what, sizeof(what));
	snprintf(err, errlen, "cannot run %s: %s", what,
		 strerror_r(-e, tmp, sizeof(tmp)));
	return e == -ENOMEM ? e : VSS_E_PROVIDER_VETO;
}

/*
 * The status of a command that ran: 0 for exit status 0, else why not in
 * err.  Exit status EXIT_NOT_FOUND of delete is VSS_E_OBJECT_NOT_FOUND;
 * any other failure is a veto.
 */
static int
run_status(const struct run *r, char *err, size_t errlen)
{
	const struct command_result *res = &r->res;
	char what[WHAT_MAX], line[160];
	int n;

	assert(r->ran);
	run_what(r, what, sizeof(what));
	command_output_last_line(&res->err, line, sizeof(line));
	if (res->timed_out) {
		snprintf(err, errlen, "%s timed out after %u ms", what,
			 r->op == OP_COMMIT ? r->c->commit_timeout_ms
					    : r->c->timeout_ms);
		return VSS_E_PROVIDER_VETO;
	}
	if (res->exit_status == 0)
		return 0;
	if (res->signal)
		n = snprintf(err, errlen, "%s killed by signal %d", what,
			     res->signal);
	else if (r->op == OP_DELETE && res->exit_status == EXIT_NOT_FOUND)
		n = snprintf(err, errlen, "%s: no shadow copy %s", what,
			     r->id);
	else
		n = snprintf(err, errlen, "%s failed with exit status %d",
			     what, res->exit_status);
	if (line[0] && n >= 0 && (size_t)n < errlen)
		snprintf(err + n, errlen - (size_t)n, ": %s", line);
	if (r->op == OP_DELETE && res->exit_status == EXIT_NOT_FOUND)
		return VSS_E_OBJECT_NOT_FOUND;
	return VSS_E_PROVIDER_VETO;
}

/*
 * The line of o at offset *pos: where it starts and its length without
 * "\n" or "\r\n"; *pos moves past it.  False after the last line.
 */
static bool
next_line(const struct command_output *o, size_t *pos, size_t *ret_start,
	  size_t *ret_len)
{
	const char *p = o->data + *pos, *nl;
	size_t len;

	if (*pos >= o->len)
		return false;
	nl = memchr(p, '\n', o->len - *pos);
	len = nl ? (size_t)(nl - p) : o->len - *pos;
	*ret_start = *pos;
	*pos += len + 1;
	if (len && p[len - 1] == '\r')
		len--;
	*ret_len = len;
	return true;
}

/* Log each non-empty line of o. */
static void
log_lines(const char *name, enum exec_op op, const struct command_output *o)
{
	size_t pos = 0, start, len;

	while (next_line(o, &pos, &start, &len))
		if (len)
			log_info("provider %s: %s: %.*s", name, op_names[op],
				 (int)len, o->data + start);
	if (o->truncated)
		log_info("provider %s: %s: (more output dropped)", name,
			 op_names[op]);
}

/* What a command printed; list's stdout is data, not for the log. */
static void
log_output(const char *name, enum exec_op op, const struct command_result *res)
{
	if (op != OP_LIST)
		log_lines(name, op, &res->out);
	log_lines(name, op, &res->err);
}

/*
 * Run op to its end outside the freeze: ready, run, log, status.  0, or
 * negative with the reason in err.
 */
static int
run_logged(const struct provider *p, enum exec_op op, const char *volume,
	   const struct provider_set *set, const struct provider_snapshot *snap,
	   const char *path, char *err, size_t errlen)
{
	struct run r;
	int e;

	e = run_init(&r, p, op, volume, set, snap, path, err, errlen);
	if (e == 0)
		e = run_exec(&r, err, errlen);
	if (e == 0) {
		log_output(r.c->name, op, &r.res);
		e = run_status(&r, err, errlen);
	}
	run_release(&r);
	return e;
}

/* ---- operations ------------------------------------------------------ */

static bool
volume_matches(const struct exec_conf *c, const char *mount)
{
	char *const *v;

	for (v = c->volumes; *v; v++)
		if (fnmatch(*v, mount, FNM_PATHNAME) == 0)
			return true;
	return false;
}

/*
 * Supported: a volumes glob matches and is_supported, if given, says
 * yes (exit 0) rather than no (EXIT_NO).  Anything else from it is an
 * error: a provider must never accept what it cannot do.
 */
static int
exec_is_volume_supported(const struct provider *p, const char *mount,
			 bool *ret)
{
	const struct exec_conf *c;
	char err[256];
	struct run r;
	int e;

	if (!p || !mount || !ret)
		return -EINVAL;
	c = p->priv;
	if (!volume_matches(c, mount)) {
		*ret = false;
		return 0;
	}
	if (!c->cmd[OP_IS_SUPPORTED]) {
		*ret = true;
		return 0;
	}
	e = run_init(&r, p, OP_IS_SUPPORTED, mount, NULL, NULL, NULL, err,
		     sizeof(err));
	if (e == 0)
		e = run_exec(&r, err, sizeof(err));
	if (e == 0) {
		log_output(c->name, OP_IS_SUPPORTED, &r.res);
		if (!r.res.timed_out && r.res.exit_status == EXIT_NO)
			*ret = false;
		else if ((e = run_status(&r, err, sizeof(err))) == 0)
			*ret = true;
	}
	if (e < 0)
		log_warnx("provider %s: %s", c->name, err);
	run_release(&r);
	return e;
}

static int
exec_begin_prepare(const struct provider *p, struct provider_set *set,
		   struct provider_snapshot *snap)
{
	const struct exec_conf *c;

	if (!p || !set || !snap || !snap->volume)
		return -EINVAL;
	c = p->priv;
	if (!c->cmd[OP_PREPARE])
		return 0;
	return run_logged(p, OP_PREPARE, snap->volume, set, snap, NULL,
			  set->error, sizeof(set->error));
}

/* Log and free the commit output kept in snap->priv, if any. */
static void
commit_output_release(const struct exec_conf *c, struct provider_snapshot *snap)
{
	struct command_result *res = snap->priv;

	if (!res)
		return;
	log_output(c->name, OP_COMMIT, res);
	command_result_release(res);
	free(res);
	snap->priv = NULL;
}

/* The shadow copy the commit command printed last, into snap. */
static int
commit_device(const struct run *r, struct provider_set *set,
	      struct provider_snapshot *snap)
{
	char line[4096];
	size_t len, i;

	len = command_output_last_line(&r->res.out, line, sizeof(line));
	if (r->res.out.truncated || len >= sizeof(line)) {
		snprintf(set->error, sizeof(set->error),
			 "commit of '%s' printed too much", r->volume);
		return VSS_E_PROVIDER_VETO;
	}
	for (i = 0; i < len; i++)
		if ((unsigned char)line[i] < ' ' || line[i] == 0x7f)
			break;
	if (len == 0 || i < len) {
		snprintf(set->error, sizeof(set->error),
			 "commit of '%s' printed no shadow copy as its last "
			 "line",
			 r->volume);
		return VSS_E_PROVIDER_VETO;
	}
	snap->device = strdup(line);
	if (!snap->device)
		return -ENOMEM;
	snap->created = provider_timestamp_now();
	return 0;
}

/*
 * Run the commit command of one snapshot; its output is kept in
 * snap->priv, to be logged once the file systems are thawed.
 */
static int
commit_one(struct run *r, struct provider_set *set,
	   struct provider_snapshot *snap)
{
	struct command_result *keep;
	int e;

	keep = malloc(sizeof(*keep));
	if (!keep)
		return -ENOMEM;
	e = run_exec(r, set->error, sizeof(set->error));
	if (e < 0) {
		free(keep);
		return e;
	}
	e = run_status(r, set->error, sizeof(set->error));
	if (e == 0)
		e = commit_device(r, set, snap);
	*keep = r->res;
	r->ran = false;
	snap->priv = keep;
	return e;
}

/*
 * Commit each snapshot of the set in turn, with nothing logged (PV-031).
 * On failure those committed keep their device, for abort to delete
 * (PV-020).
 */
static int
exec_commit(const struct provider *p, struct provider_set *set)
{
	struct run *runs;
	size_t i, n;
	int e = 0;

	if (!p || !set || (set->count && !set->snapshots))
		return -EINVAL;
	for (i = 0; i < set->count; i++) {
		const struct provider_snapshot *snap = &set->snapshots[i];

		if (!snap->volume)
			return -EINVAL;
		if (snap->device || snap->priv) {
			snprintf(set->error, sizeof(set->error),
				 "the snapshot of '%s' is already committed",
				 snap->volume);
			return VSS_E_BAD_STATE;
		}
	}
	runs = calloc(set->count + 1, sizeof(*runs));
	if (!runs)
		return -ENOMEM;
	/*
	 * The mount table and the environments first, so that the commands
	 * follow one another as closely as they can.
	 */
	for (n = 0; n < set->count && e == 0; n++)
		e = run_init(&runs[n], p, OP_COMMIT, set->snapshots[n].volume,
			     set, &set->snapshots[n], NULL, set->error,
			     sizeof(set->error));
	for (i = 0; i < set->count && e == 0; i++)
		e = commit_one(&runs[i], set, &set->snapshots[i]);
	for (i = 0; i < n; i++)
		run_release(&runs[i]);
	free(runs);
	return e;
}

/* After the thaw: what the commit commands printed goes to the log. */
static int
exec_post_commit(const struct provider *p, struct provider_set *set)
{
	size_t i;

	if (!p || !set || (set->count && !set->snapshots))
		return -EINVAL;
	for (i = 0; i < set->count; i++)
		commit_output_release(p->priv, &set->snapshots[i]);
	return 0;
}

/*
 * Undo the set: the abort command for every snapshot, or else the delete
 * command for every snapshot whose commit command ran (one that failed
 * may have left something; "nothing there" counts as deleted).  Goes on
 * past failures and reports the first.
 */
static int
exec_abort(const struct provider *p, struct provider_set *set)
{
	const struct exec_conf *c;
	enum exec_op op;
	size_t i;
	int first = 0, e;

	if (!p || !set || (set->count && !set->snapshots))
		return -EINVAL;
	c = p->priv;
	op = c->cmd[OP_ABORT] ? OP_ABORT : OP_DELETE;
	for (i = 0; i < set->count; i++) {
		struct provider_snapshot *snap = &set->snapshots[i];
		char err[sizeof(set->error)] = "";
		bool committed = snap->device || snap->priv;

		commit_output_release(c, snap);
		if (!snap->volume || (op == OP_DELETE && !committed))
			continue;
		e = run_logged(p, op, snap->volume, op == OP_ABORT ? set : NULL,
			       snap, NULL, err, sizeof(err));
		provider_abort_note(set, snap, e, err, &first);
	}
	return first;
}

static int
exec_delete_snapshot(const struct provider *p,
		     const struct provider_snapshot *snap, char *err,
		     size_t errlen)
{
	if (!p || !snap || !snap->volume || !err || errlen == 0)
		return -EINVAL;
	return run_logged(p, OP_DELETE, snap->volume, NULL, snap, NULL, err,
			  errlen);
}

/* The expose or unexpose command for snap at path. */
static int
run_mount_op(const struct provider *p, enum exec_op op,
	     const struct provider_snapshot *snap, const char *path, char *err,
	     size_t errlen)
{
	if (!p || !snap || !snap->volume || !snap->device || !path ||
	    path[0] != '/' || !err || errlen == 0)
		return -EINVAL;
	return run_logged(p, op, snap->volume, NULL, snap, path, err, errlen);
}

static int
exec_expose(const struct provider *p, const struct provider_snapshot *snap,
	    const char *path, char *err, size_t errlen)
{
	return run_mount_op(p, OP_EXPOSE, snap, path, err, errlen);
}

static int
exec_unexpose(const struct provider *p, const struct provider_snapshot *snap,
	      const char *path, char *err, size_t errlen)
{
	return run_mount_op(p, OP_UNEXPOSE, snap, path, err, errlen);
}

/*
 * One line of list: SNAPSHOT_ID<TAB>VOLUME<TAB>DEVICE, reported to fn.
 * False when it is not that.
 */
static bool
list_line(char *line, provider_list_fn fn, void *arg)
{
	char *volume, *device;
	vss_id id;

	volume = strchr(line, '\t');
	if (!volume)
		return false;
	*volume++ = '\0';
	device = strchr(volume, '\t');
	if (!device)
		return false;
	*device++ = '\0';
	if (vss_id_parse(&id, line) < 0 || volume[0] != '/' || !device[0] ||
	    strchr(device, '\t'))
		return false;
	fn(arg, &id, volume, device);
	return true;
}

/* Report each line of o; the number of malformed ones. */
static size_t
list_parse(struct command_output *o, provider_list_fn fn, void *arg)
{
	size_t bad = 0, pos = 0, start, len;
	char *line;

	while (next_line(o, &pos, &start, &len)) {
		if (len == 0)
			continue;
		/* Cut the line out: o is ours, and NUL-terminated at len. */
		line = o->data + start;
		line[len] = '\0';
		/* A NUL inside the line would cut it short. */
		if (strlen(line) != len || !list_line(line, fn, arg))
			bad++;
	}
	return bad;
}

static int
exec_list(const struct provider *p, provider_list_fn fn, void *arg, char *err,
	  size_t errlen)
{
	const struct exec_conf *c;
	struct run r;
	size_t bad;
	int e;

	if (!p || !fn || !err || errlen == 0)
		return -EINVAL;
	c = p->priv;
	err[0] = '\0';
	e = run_init(&r, p, OP_LIST, NULL, NULL, NULL, NULL, err, errlen);
	if (e == 0)
		e = run_exec(&r, err, errlen);
	if (e == 0) {
		log_output(c->name, OP_LIST, &r.res);
		e = run_status(&r, err, errlen);
	}
	/* A list cut short would make shadow copies look gone. */
	if (e == 0 && r.res.out.truncated) {
		snprintf(err, errlen, "list printed more than %u bytes",
			 LIST_OUTPUT_MAX);
		e = VSS_E_PROVIDER_VETO;
	}
	if (e == 0) {
		bad = list_parse(&r.res.out, fn, arg);
		if (bad) {
			snprintf(err, errlen,
				 "list: %zu malformed lines skipped", bad);
			log_warnx("provider %s: %s", c->name, err);
		}
	}
	run_release(&r);
	return e;
}

/* ---- the providers --------------------------------------------------- */

/* One configured provider: priv is its own copy of its configuration. */
struct exec_provider {
	struct provider p; /* first: release gets it back from &p */
	struct provider_ops ops;
};

static void
exec_release(struct provider *p)
{
	if (!p)
		return;
	conf_free_one(p->priv);
	free((struct exec_provider *)(void *)p);
}

static int
provider_new(const struct exec_conf *c, struct provider **ret)
{
	struct exec_provider *ep;
	struct exec_conf *copy;
	int r;

	ep = calloc(1, sizeof(*ep));
	if (!ep)
		return -ENOMEM;
	r = conf_copy(c, &copy);
	if (r < 0) {
		free(ep);
		return r;
	}
	ep->ops = (struct provider_ops){
		.is_volume_supported = exec_is_volume_supported,
		.begin_prepare = exec_begin_prepare,
		.commit = exec_commit,
		.post_commit = exec_post_commit,
		.abort = exec_abort,
		.delete_snapshot = exec_delete_snapshot,
		/* Without them vssd bind-mounts a directory device itself. */
		.expose = copy->cmd[OP_EXPOSE] ? exec_expose : NULL,
		.unexpose = copy->cmd[OP_UNEXPOSE] ? exec_unexpose : NULL,
		/* Without it vssd checks each device still exists. */
		.list = copy->cmd[OP_LIST] ? exec_list : NULL,
		.release = exec_release,
	};
	ep->p = (struct provider){
		.name = copy->name,
		.id = copy->id,
		.version_id = copy->version_id,
		.version = copy->version,
		.type = copy->type,
		.commit_while_frozen = copy->freeze,
		.can_seal = false,
		.ops = &ep->ops,
		.priv = copy,
	};
	*ret = &ep->p;
	return 0;
}

int
exec_providers_new(const struct exec_conf *list, struct provider ***ret,
		   size_t *ret_n)
{
	const struct exec_conf *c;
	struct provider **v;
	size_t n = 0, i;
	int r;

	if (!ret || !ret_n)
		return -EINVAL;
	for (c = list; c; c = c->next)
		n++;
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (c = list, i = 0; c; c = c->next, i++) {
		r = provider_new(c, &v[i]);
		if (r < 0) {
			while (i > 0) {
				i--;
				exec_release(v[i]);
			}
			free(v);
			return r;
		}
	}
	*ret = v;
	*ret_n = n;
	return 0;
}
