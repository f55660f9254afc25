/*
 * cli/cmd_verify.c - "vss verify BACKUPSET [--json]": check a backup set
 * against its manifest (bset_verify()) and list what is wrong.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "backupset.h"
#include "cli.h"
#include "output.h"

const char cmd_verify_synopsis[] = "BACKUPSET [--json]";

const char cmd_verify_help[] =
	"Check the backup set in the directory BACKUPSET against its\n"
	"manifest (docs/backup-set.md): the manifest must be valid and whole\n"
	"(its last line holds the SHA-256 of the rest), the BCD and every\n"
	"writer's metadata document must have their size and SHA-256, every\n"
	"object it names must be there with its type, every regular file\n"
	"must have its size and SHA-256, every hard link must be a link of\n"
	"its first copy; an object in data/ that the manifest does not name\n"
	"(symbolic links not followed), a component the backup marked failed\n"
	"and an object it could not copy are problems too.  Only regular\n"
	"files are opened:\n"
	"a FIFO or a device in the set is reported, never read.  Prints the\n"
	"number of files checked and each problem with its volume, path and\n"
	"reason.  Exit status 0 when all is well, 1 on any problem or when\n"
	"the set cannot be read.\n"
	"\n"
	"options:\n"
	"  --json      print one JSON object instead (see docs/backup-set.md)\n"
	"  -h, --help  show this help\n";

struct problem {
	bool has_entry;
	size_t volume;
	char *path;
	char *reason;
};

struct problems {
	struct problem *v;
	size_t n, cap;
	bool nomem;
	char last[512]; /* the reason of the last problem of the set itself */
};

static void
collect(const struct bset_entry *entry, const char *reason, void *u)
{
	struct problems *ps = u;
	struct problem *grown, *p;

	if (!entry)
		snprintf(ps->last, sizeof(ps->last), "%s", reason);
	if (ps->n == ps->cap) {
		ps->cap = ps->cap ? ps->cap * 2 : 16;
		grown = realloc(ps->v, ps->cap * sizeof(*grown));
		if (!grown) {
			ps->nomem = true;
			return;
		}
		ps->v = grown;
	}
	p = &ps->v[ps->n];
	p->has_entry = entry != NULL;
	p->volume = entry ? entry->volume : 0;
	p->path = entry ? strdup(entry->path) : NULL;
	p->reason = strdup(reason);
	if (!p->reason || (entry && !p->path)) {
		free(p->path);
		free(p->reason);
		ps->nomem = true;
		return;
	}
	ps->n++;
}

static int
parse_args(const struct cli_command *cmd, int argc, char **argv,
	   struct cli_common *common, const char **dir)
{
	int r;

	*dir = NULL;
	r = cli_getopt_common(cmd, argc, argv, common);
	if (r != CLI_EXIT_OK || common->help)
		return r;
	if (optind >= argc)
		return cli_usage_error(cmd, "no BACKUPSET given");
	if (optind + 1 < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'",
				       argv[optind + 1]);
	*dir = argv[optind];
	return CLI_EXIT_OK;
}

static int
show(const struct cli_command *cmd, enum output_format format,
     const char *dir, uint64_t checked, const struct problems *ps)
{
	struct output *o;
	size_t i;
	int r;

	r = output_new(&o, format, stdout);
	if (r < 0)
		return cli_status_error(cmd, NULL, r, NULL);
	output_begin_object(o, NULL);
	output_string(o, "set", dir);
	output_bool(o, "ok", ps->n == 0);
	output_int(o, "files_checked", (int64_t)checked);
	output_begin_list(o, "problems");
	for (i = 0; i < ps->n; i++) {
		output_begin_object(o, NULL);
		if (ps->v[i].has_entry)
			output_int(o, "volume", (int64_t)ps->v[i].volume);
		else
			output_null(o, "volume");
		output_string(o, "path", ps->v[i].path);
		output_string(o, "reason", ps->v[i].reason);
		output_end_object(o);
	}
	output_end_list(o);
	output_end_object(o);
	r = output_finish(o);
	output_free(o);
	if (r < 0)
		return cli_status_error(cmd, "standard output", r, NULL);
	return ps->n ? CLI_EXIT_FAILED : CLI_EXIT_OK;
}

int
cmd_verify(const struct cli_command *cmd, int argc, char **argv)
{
	struct problems ps = {0};
	struct cli_common common;
	uint64_t checked = 0, bad = 0;
	const char *dir;
	size_t i;
	int r;

	r = parse_args(cmd, argc, argv, &common, &dir);
	if (r != CLI_EXIT_OK || common.help)
		return r;
	r = bset_verify(dir, collect, &ps, &checked, &bad);
	if (r == 0 && ps.nomem)
		r = -ENOMEM;
	if (r < 0)
		r = cli_status_error(cmd, dir, r, ps.last);
	else
		r = show(cmd, common.format, dir, checked, &ps);
	for (i = 0; i < ps.n; i++) {
		free(ps.v[i].path);
		free(ps.v[i].reason);
	}
	free(ps.v);
	return r;
}
