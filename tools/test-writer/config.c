/*
 * tools/test-writer/config.c - the test writer's configuration: the INI
 * file and the command-line flags (docs/vss-test-writer.md).  The
 * declaration ([writer], [restore], [component NAME] and the WMD they
 * make) is writers/common/decl.c's; here are the [event] and [run]
 * sections, the component keys that act in events, and the flags.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vss/status.h>

#include "util/array.h"

#include "config.h"
#include "ini.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Words of the longest value: a directed target. */
#define MAX_WORDS 6

static const char *const event_names[TW_EV_COUNT] = {
	[TW_EV_IDENTIFY] = "identify",
	[TW_EV_PREPARE_BACKUP] = "prepare_backup",
	[TW_EV_PREPARE_SNAPSHOT] = "prepare_snapshot",
	[TW_EV_FREEZE] = "freeze",
	[TW_EV_THAW] = "thaw",
	[TW_EV_POST_SNAPSHOT] = "post_snapshot",
	[TW_EV_ABORT] = "abort",
	[TW_EV_BACKUP_COMPLETE] = "backup_complete",
	[TW_EV_BACKUP_SHUTDOWN] = "backup_shutdown",
	[TW_EV_PRE_RESTORE] = "pre_restore",
	[TW_EV_POST_RESTORE] = "post_restore",
};

/* The failures SetWriterFailure accepts (BK-033). */
#define FAILURE_CHOICES                                                        \
	"retryable, nonretryable, outofresources, inconsistentsnapshot, "      \
	"timeout"
static const struct {
	const char *name;
	int status;
} failure_names[] = {
	{"retryable", VSS_E_WRITERERROR_RETRYABLE},
	{"nonretryable", VSS_E_WRITERERROR_NONRETRYABLE},
	{"outofresources", VSS_E_WRITERERROR_OUTOFRESOURCES},
	{"inconsistentsnapshot", VSS_E_WRITERERROR_INCONSISTENTSNAPSHOT},
	{"timeout", VSS_E_WRITERERROR_TIMEOUT},
};

/* ---- small helpers --------------------------------------------------- */

/* As wini_set_str(); an empty value (a key given as "key =") clears it. */
static int
set_opt_str(char **slot, const char *s)
{
	return wini_set_str(slot, *s ? s : NULL);
}

static char
ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive, ignoring '_' and '-': "non-retryable". */
static bool
code_equal(const char *a, const char *b)
{
	for (;;) {
		while (*a == '_' || *a == '-')
			a++;
		while (*b == '_' || *b == '-')
			b++;
		if (ascii_lower(*a) != ascii_lower(*b))
			return false;
		if (!*a)
			return true;
		a++;
		b++;
	}
}

static int
failure_parse(int *ret, const char *s)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(failure_names); i++) {
		if (code_equal(failure_names[i].name, s)) {
			*ret = failure_names[i].status;
			return 0;
		}
	}
	return -EINVAL;
}

/* ---- per-component event keys ---------------------------------------- */

static void
directed_release(struct tw_directed *d)
{
	free(d->source_path);
	free(d->source_file);
	free(d->source_ranges);
	free(d->destination_path);
	free(d->destination_file);
	free(d->destination_ranges);
}

static void
events_release(struct tw_component_events *ev)
{
	size_t i;

	free(ev->backup_metadata);
	free(ev->restore_metadata_text);
	for (i = 0; i < ev->directed_count; i++)
		directed_release(&ev->directed[i]);
	free(ev->directed);
}

/*
 * SRCPATH SRCFILE SRCRANGES DSTPATH DSTFILE DSTRANGES: a directed target
 * (AddDirectedTarget, RS-090), passed on as written; the requester checks
 * the ranges.
 */
static int
parse_directed(struct tw_component_events *ev, const char *value,
	       struct vss_error *err)
{
	struct tw_directed d = {0};
	char *copy = NULL, *word[MAX_WORDS];
	int n, r;

	n = wini_words(value, &copy, word, MAX_WORDS, err);
	if (n < 0)
		return n;
	if (n != 6) {
		wini_seterr(err, "expected SRCPATH SRCFILE SRCRANGES DSTPATH "
			    "DSTFILE DSTRANGES");
		r = -EINVAL;
		goto fail;
	}
	if ((r = wini_set_str(&d.source_path, word[0])) < 0 ||
	    (r = wini_set_str(&d.source_file, word[1])) < 0 ||
	    (r = wini_set_str(&d.source_ranges, word[2])) < 0 ||
	    (r = wini_set_str(&d.destination_path, word[3])) < 0 ||
	    (r = wini_set_str(&d.destination_file, word[4])) < 0 ||
	    (r = wini_set_str(&d.destination_ranges, word[5])) < 0 ||
	    (r = ARRAY_RESERVE(ev->directed, ev->directed_count,
				ev->directed_cap)) < 0)
		goto fail;
	ev->directed[ev->directed_count++] = d;
	free(copy);
	return 0;
fail:
	directed_release(&d);
	free(copy);
	return r;
}

/* The event keys of decl's current component, made on first use. */
static int
current_events(struct tw_config *cfg, struct tw_component_events **ret)
{
	size_t i = (size_t)(cfg->decl.current - cfg->decl.components), cap;
	struct tw_component_events *p;

	if (i >= cfg->events_count) {
		cap = cfg->decl.component_cap;
		p = reallocarray(cfg->events, cap, sizeof(*p));
		if (!p)
			return -ENOMEM;
		memset(p + cfg->events_count, 0,
		       (cap - cfg->events_count) * sizeof(*p));
		cfg->events = p;
		cfg->events_count = cap;
	}
	*ret = &cfg->events[i];
	return 0;
}

static int
component_key(struct tw_config *cfg, const char *key, const char *value,
	      struct vss_error *err)
{
	struct tw_component_events *ev;
	enum vss_restore_target target;
	int r;

	r = current_events(cfg, &ev);
	if (r < 0)
		return r;
	if (!strcmp(key, "backup_metadata"))
		return set_opt_str(&ev->backup_metadata, value);
	if (!strcmp(key, "restore_metadata_text"))
		return set_opt_str(&ev->restore_metadata_text, value);
	if (!strcmp(key, "restore_target")) {
		if (vss_restore_target_parse(&target, value) < 0 ||
		    target == VSS_RT_UNDEFINED) {
			return wini_unknown(err, "restore target", value,
					    "original, alternate, directed, "
					    "original_location");
		}
		ev->restore_target = target;
		return 0;
	}
	if (!strcmp(key, "directed_target"))
		return parse_directed(ev, value, err);
	wini_seterr(err, "unknown key");
	return -EINVAL;
}

/* ---- [event NAME] and [run] ------------------------------------------ */

static int
set_write_every(struct tw_config *cfg, const char *s, struct vss_error *err)
{
	int r;

	r = wini_unsigned(&cfg->write_every_ms, s, WINI_MAX_MS, err);
	if (r == 0 && cfg->write_every_ms == 0) {
		wini_seterr(err, "the stream period must be at least 1 ms");
		r = -EINVAL;
	}
	return r;
}

static int
set_failure(struct tw_fault *f, const char *s, struct vss_error *err)
{
	if (failure_parse(&f->status, s) < 0)
		return wini_unknown(err, "failure", s, FAILURE_CHOICES);
	return 0;
}

static int
set_count(struct tw_fault *f, const char *s, struct vss_error *err)
{
	unsigned n;

	if (wini_name_equal(s, "always")) {
		f->count = -1;
		return 0;
	}
	if (wini_unsigned(&n, s, INT_MAX, err) < 0 || n == 0) {
		wini_seterr(err, "'%s' is not a count (1 or more, or always)",
			    s);
		return -EINVAL;
	}
	f->count = (int)n;
	return 0;
}

/* What one file's reading needs: a second --config starts afresh. */
struct load_ctx {
	struct tw_config *cfg;
	bool event_opts[TW_EV_COUNT]; /* count/nonfatal/message seen */
};

static int
run_key(struct tw_config *cfg, const char *key, const char *value,
	struct vss_error *err)
{
	if (!strcmp(key, "log"))
		return set_opt_str(&cfg->log_path, value);
	if (!strcmp(key, "marker_dir"))
		return set_opt_str(&cfg->marker_dir, value);
	if (!strcmp(key, "write_every_ms"))
		return set_write_every(cfg, value, err);
	if (!strcmp(key, "socket"))
		return set_opt_str(&cfg->socket_path, value);
	if (!strcmp(key, "ready_file"))
		return set_opt_str(&cfg->ready_file, value);
	wini_seterr(err, "unknown key");
	return -EINVAL;
}

static int
event_key(struct load_ctx *ctx, enum tw_event e, const char *key,
	  const char *value, struct vss_error *err)
{
	struct tw_fault *f = &ctx->cfg->faults[e];

	if (!strcmp(key, "fail"))
		return set_failure(f, value, err);
	if (!strcmp(key, "stall"))
		return wini_seconds(&f->stall_ms, value, err);
	ctx->event_opts[e] = true;
	if (!strcmp(key, "count"))
		return set_count(f, value, err);
	if (!strcmp(key, "nonfatal")) {
		if (e == TW_EV_IDENTIFY) {
			wini_seterr(err, "identify cannot fail non-fatally");
			return -EINVAL;
		}
		return wini_bool(&f->nonfatal, value, err);
	}
	if (!strcmp(key, "message"))
		return set_opt_str(&f->message, value);
	wini_seterr(err, "unknown key");
	return -EINVAL;
}

/* ---- the INI file ---------------------------------------------------- */

static int
on_key(void *user, const char *section, const char *key, const char *value,
       struct vss_error *err)
{
	struct load_ctx *ctx = user;
	struct tw_config *cfg = ctx->cfg;
	const char *arg;
	enum tw_event e;
	int r;

	r = wdecl_key(&cfg->decl, WDECL_ALL, section, key, value, err);
	if (r <= 0)
		return r;
	/* Not a declaration key: ours, or unknown. */
	if (cfg->decl.current)
		return component_key(cfg, key, value, err);
	if (!strcmp(section, "run"))
		return run_key(cfg, key, value, err);
	if ((arg = wini_section_arg(section, "event"))) {
		if (tw_event_parse(&e, arg) < 0)
			return wini_unknown(err, "event", arg, NULL);
		return event_key(ctx, e, key, value, err);
	}
	if (!strcmp(section, "writer") || !strcmp(section, "restore")) {
		wini_seterr(err, "unknown key");
		return -EINVAL;
	}
	wini_seterr(err, "unknown section");
	return -EINVAL;
}

/* What can only be checked once the whole file is read. */
static int
check_loaded(const struct load_ctx *ctx, struct vss_error *err)
{
	int e;

	for (e = 0; e < TW_EV_COUNT; e++) {
		if (ctx->event_opts[e] && !ctx->cfg->faults[e].status) {
			wini_seterr(err, "[event %s]: count, nonfatal and "
				    "message need a fail key", event_names[e]);
			return -EINVAL;
		}
	}
	return wdecl_check(&ctx->cfg->decl, err);
}

int
tw_config_load_string(struct tw_config *cfg, const char *text,
		      struct vss_error *err)
{
	struct load_ctx ctx = {.cfg = cfg};
	int r;

	wdecl_begin_file(&cfg->decl);
	r = wini_parse_string(text, on_key, &ctx, err);
	if (r < 0)
		return r;
	return check_loaded(&ctx, err);
}

int
tw_config_load(struct tw_config *cfg, const char *path,
	       struct vss_error *err)
{
	struct load_ctx ctx = {.cfg = cfg};
	int r;

	wdecl_begin_file(&cfg->decl);
	r = wini_parse_file(path, on_key, &ctx, NULL, err);
	if (r < 0)
		return r;
	r = check_loaded(&ctx, err);
	if (r < 0)
		wini_prefix(err, "%s", path);
	return r;
}

/* ---- the command line ------------------------------------------------ */

enum {
	OPT_HELP = 'h',
	OPT_CONFIG = 'c',
	OPT_NAME = 256,
	OPT_INSTANCE_NAME,
	OPT_CLASS_ID,
	OPT_LEVEL,
	OPT_USAGE,
	OPT_SOURCE,
	OPT_FREEZE_TIMEOUT,
	OPT_COMPONENT,
	OPT_EXCLUDE_FROM_SNAPSHOT,
	OPT_FAIL,
	OPT_STALL,
	OPT_LOG,
	OPT_MARKER_DIR,
	OPT_WRITE_EVERY,
	OPT_SOCKET,
	OPT_READY_FILE,
	OPT_PRINT_WMD,
};

static const struct option long_options[] = {
	{"help", no_argument, NULL, OPT_HELP},
	{"config", required_argument, NULL, OPT_CONFIG},
	{"name", required_argument, NULL, OPT_NAME},
	{"instance-name", required_argument, NULL, OPT_INSTANCE_NAME},
	{"class-id", required_argument, NULL, OPT_CLASS_ID},
	{"level", required_argument, NULL, OPT_LEVEL},
	{"usage", required_argument, NULL, OPT_USAGE},
	{"source", required_argument, NULL, OPT_SOURCE},
	{"freeze-timeout-ms", required_argument, NULL, OPT_FREEZE_TIMEOUT},
	{"component", required_argument, NULL, OPT_COMPONENT},
	{"exclude-from-snapshot", required_argument, NULL,
	 OPT_EXCLUDE_FROM_SNAPSHOT},
	{"fail", required_argument, NULL, OPT_FAIL},
	{"stall", required_argument, NULL, OPT_STALL},
	{"log", required_argument, NULL, OPT_LOG},
	{"marker-dir", required_argument, NULL, OPT_MARKER_DIR},
	{"write-every-ms", required_argument, NULL, OPT_WRITE_EVERY},
	{"socket", required_argument, NULL, OPT_SOCKET},
	{"ready-file", required_argument, NULL, OPT_READY_FILE},
	{"print-wmd", no_argument, NULL, OPT_PRINT_WMD},
	{NULL, 0, NULL, 0},
};

/* ':' first: a missing argument is ':', not '?'. */
static const char short_options[] = ":hc:";

/*
 * --component LOGICAL/PATH/NAME=DIR: a selectable file group of every
 * file below DIR; '\' may stand for '/'.
 */
static int
parse_component_flag(struct tw_config *cfg, const char *spec,
		     struct vss_error *err)
{
	struct wdecl_file_set fs = {.filespec = "*", .recursive = true};
	struct wdecl_component *c;
	char *copy, *eq, *name, *p;
	int r;

	copy = strdup(spec);
	if (!copy)
		return -ENOMEM;
	eq = strchr(copy, '=');
	if (eq) {
		*eq = '\0';
		for (p = copy; *p; p++)
			if (*p == '\\')
				*p = '/';
	}
	if (!eq || !*copy || !eq[1] || copy[0] == '/' || eq[-1] == '/' ||
	    strstr(copy, "//")) {
		wini_seterr(err, "expected LOGICAL/PATH/NAME=DIR");
		r = -EINVAL;
		goto fail;
	}
	fs.path = eq + 1;
	name = strrchr(copy, '/');
	if (name)
		*name++ = '\0';
	else
		name = copy;
	if ((r = wdecl_add_component(&cfg->decl, name, &c)) < 0)
		goto fail;
	if (name != copy) {
		/* The logical path in the '\' form of documents. */
		for (p = copy; *p; p++)
			if (*p == '/')
				*p = '\\';
		if ((r = wini_set_str(&c->logical_path, copy)) < 0)
			goto fail;
	}
	r = wdecl_file_sets_add(&c->files, &fs);
fail:
	free(copy);
	return r;
}

/*
 * --exclude-from-snapshot /PATH/FILESPEC[:r]: files the writer declares
 * with AddExcludeFilesFromSnapshot (SN-060); ":r" for the directories
 * below PATH too.  PATH is everything before the last '/'.
 */
static int
parse_exclude_flag(struct tw_config *cfg, const char *spec,
		   struct vss_error *err)
{
	struct wdecl_file_set fs = {0};
	char *copy, *slash;
	size_t len;
	int r;

	copy = strdup(spec);
	if (!copy)
		return -ENOMEM;
	len = strlen(copy);
	if (len > 2 && strcmp(copy + len - 2, ":r") == 0) {
		fs.recursive = true;
		copy[len - 2] = '\0';
	}
	slash = strrchr(copy, '/');
	if (copy[0] != '/' || !slash || !slash[1]) {
		wini_seterr(err, "expected /PATH/FILESPEC[:r]");
		r = -EINVAL;
		goto fail;
	}
	*slash = '\0';
	fs.path = slash == copy ? "/" : copy;
	fs.filespec = slash + 1;
	r = wdecl_file_sets_add(&cfg->decl.excludes_from_snapshot, &fs);
fail:
	free(copy);
	return r;
}

/* EVENT[:retryable|nonretryable|...][:COUNT|always][:nonfatal] */
static int
parse_fail_flag(struct tw_config *cfg, const char *spec,
		struct vss_error *err)
{
	struct tw_fault f;
	char *copy, *tok, *save = NULL;
	enum tw_event e;
	unsigned n;
	int r = 0;

	copy = strdup(spec);
	if (!copy)
		return -ENOMEM;
	tok = strtok_r(copy, ":", &save);
	if (!tok || tw_event_parse(&e, tok) < 0) {
		r = wini_unknown(err, "event", tok ? tok : "", NULL);
		goto fail;
	}
	f = cfg->faults[e];
	f.status = VSS_E_WRITERERROR_NONRETRYABLE;
	f.count = 1;
	f.nonfatal = false;
	while ((tok = strtok_r(NULL, ":", &save))) {
		if (failure_parse(&f.status, tok) == 0)
			continue;
		if (wini_name_equal(tok, "always"))
			f.count = -1;
		else if (wini_name_equal(tok, "nonfatal"))
			f.nonfatal = true;
		else if (wini_unsigned(&n, tok, INT_MAX, err) == 0 && n > 0)
			f.count = (int)n;
		else {
			wini_seterr(err, "unknown '%s' (" FAILURE_CHOICES
				    ", a count, always, nonfatal)", tok);
			r = -EINVAL;
			goto fail;
		}
	}
	if (e == TW_EV_IDENTIFY && f.nonfatal) {
		wini_seterr(err, "identify cannot fail non-fatally");
		r = -EINVAL;
		goto fail;
	}
	cfg->faults[e] = f;
fail:
	free(copy);
	return r;
}

/* EVENT:SECONDS */
static int
parse_stall_flag(struct tw_config *cfg, const char *spec,
		 struct vss_error *err)
{
	char *copy, *colon;
	enum tw_event e;
	int r = -EINVAL;

	copy = strdup(spec);
	if (!copy)
		return -ENOMEM;
	colon = strchr(copy, ':');
	if (!colon) {
		wini_seterr(err, "expected EVENT:SECONDS");
		goto fail;
	}
	*colon = '\0';
	if (tw_event_parse(&e, copy) < 0) {
		r = wini_unknown(err, "event", copy, NULL);
		goto fail;
	}
	r = wini_seconds(&cfg->faults[e].stall_ms, colon + 1, err);
fail:
	free(copy);
	return r;
}

/* The [writer] keys the identity flags stand for. */
static const char *
identity_key(int opt)
{
	switch (opt) {
	case OPT_NAME:
		return "name";
	case OPT_INSTANCE_NAME:
		return "instance_name";
	case OPT_CLASS_ID:
		return "class_id";
	case OPT_LEVEL:
		return "level";
	case OPT_USAGE:
		return "usage";
	case OPT_SOURCE:
		return "source";
	case OPT_FREEZE_TIMEOUT:
		return "freeze_timeout_ms";
	default:
		return NULL;
	}
}

static int
apply_flag(struct tw_config *cfg, int opt, const char *arg,
	   struct vss_error *err)
{
	const char *key = identity_key(opt);

	/* An identity flag means what its key in the file means. */
	if (key)
		return wdecl_key(&cfg->decl, WDECL_IDENTITY, "writer", key,
				 arg, err);
	switch (opt) {
	case OPT_COMPONENT:
		return parse_component_flag(cfg, arg, err);
	case OPT_EXCLUDE_FROM_SNAPSHOT:
		return parse_exclude_flag(cfg, arg, err);
	case OPT_FAIL:
		return parse_fail_flag(cfg, arg, err);
	case OPT_STALL:
		return parse_stall_flag(cfg, arg, err);
	case OPT_LOG:
		return wini_set_str(&cfg->log_path, arg);
	case OPT_MARKER_DIR:
		return wini_set_str(&cfg->marker_dir, arg);
	case OPT_WRITE_EVERY:
		return set_write_every(cfg, arg, err);
	case OPT_SOCKET:
		return wini_set_str(&cfg->socket_path, arg);
	case OPT_READY_FILE:
		return wini_set_str(&cfg->ready_file, arg);
	case OPT_PRINT_WMD:
		cfg->print_wmd = true;
		return 0;
	default:
		/* getopt returned an option of long_options not handled. */
		wini_seterr(err, "unhandled option %d", opt);
		return -EINVAL;
	}
}

/* The option as the user wrote it, for messages. */
static const char *
opt_text(char **argv, int opt)
{
	static char buf[3];

	if (opt > 0 && opt < 256 && opt != ':' && opt != '?') {
		snprintf(buf, sizeof(buf), "-%c", opt);
		return buf;
	}
	return argv[optind - 1];
}

int
tw_config_parse_args(struct tw_config *cfg, int argc, char **argv,
		     struct vss_error *err)
{
	int pass, opt, idx, r;

	err->line = 0;
	err->message[0] = '\0';
	opterr = 0;
	for (pass = 0; pass < 2; pass++) {
		/* 0 (not 1) makes glibc forget an earlier parse entirely. */
		optind = 0;
		while ((opt = getopt_long(argc, argv, short_options,
					  long_options, &idx)) != -1) {
			if (opt == '?') {
				wini_seterr(err, "unknown option '%s'",
					    optopt ? opt_text(argv, optopt)
						   : argv[optind - 1]);
				return -EINVAL;
			}
			if (opt == ':') {
				wini_seterr(err,
					    "option '%s' needs an argument",
					    opt_text(argv, optopt));
				return -EINVAL;
			}
			if (opt == OPT_HELP)
				return 1;
			if (pass == 0 && opt == OPT_CONFIG) {
				/* The message names the file. */
				r = tw_config_load(cfg, optarg, err);
				if (r < 0)
					return r;
			}
			/* Only long options are left for this pass. */
			if (pass == 1 && opt != OPT_CONFIG) {
				r = apply_flag(cfg, opt, optarg, err);
				if (r == -ENOMEM)
					wini_seterr(err, "out of memory");
				if (r < 0) {
					wini_prefix(err, "--%s '%s'",
						    long_options[idx].name,
						    optarg ? optarg : "");
					return r;
				}
			}
		}
		if (optind < argc) {
			wini_seterr(err, "unexpected argument '%s'",
				    argv[optind]);
			return -EINVAL;
		}
	}
	if (cfg->write_every_ms && !cfg->marker_dir) {
		wini_seterr(err, "--write-every-ms needs --marker-dir");
		return -EINVAL;
	}
	return 0;
}

/* ---- life cycle and names -------------------------------------------- */

int
tw_config_init(struct tw_config *cfg)
{
	vss_id class_id;
	int e;

	memset(cfg, 0, sizeof(*cfg));
	vss_id_parse(&class_id, TW_DEFAULT_CLASS_ID);
	for (e = 0; e < TW_EV_COUNT; e++)
		cfg->faults[e].count = 1;
	return wdecl_init(&cfg->decl, &class_id, TW_DEFAULT_NAME);
}

void
tw_config_release(struct tw_config *cfg)
{
	size_t i;
	int e;

	if (!cfg)
		return;
	wdecl_release(&cfg->decl);
	for (i = 0; i < cfg->events_count; i++)
		events_release(&cfg->events[i]);
	free(cfg->events);
	for (e = 0; e < TW_EV_COUNT; e++)
		free(cfg->faults[e].message);
	free(cfg->log_path);
	free(cfg->marker_dir);
	free(cfg->socket_path);
	free(cfg->ready_file);
	memset(cfg, 0, sizeof(*cfg));
}

const struct tw_component_events *
tw_config_events(const struct tw_config *cfg,
		 const struct wdecl_component *c)
{
	size_t i = (size_t)(c - cfg->decl.components);

	return i < cfg->events_count ? &cfg->events[i] : NULL;
}

const char *
tw_event_name(enum tw_event e)
{
	return (unsigned)e < TW_EV_COUNT ? event_names[e] : NULL;
}

int
tw_event_parse(enum tw_event *ret, const char *s)
{
	int e;

	for (e = 0; e < TW_EV_COUNT; e++) {
		if (wini_name_equal(event_names[e], s)) {
			*ret = (enum tw_event)e;
			return 0;
		}
	}
	return -EINVAL;
}
