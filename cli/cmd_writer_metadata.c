/*
 * cli/cmd_writer_metadata.c - "vss writer-metadata": every writer's
 * Writer Metadata Document, as XML (vshadow -wm3), as JSON, or saved to
 * one file per writer instance.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <vss/metadata.h>
#include <vss/requester.h>
#include <vss/status.h>

#include "cli.h"
#include "connect.h"
#include "manage.h"
#include "output.h"
#include "show_metadata.h"

const char cmd_writer_metadata_synopsis[] = "[--save DIR] [--json]";

const char cmd_writer_metadata_help[] =
	"Ask every subscribed writer for its Writer Metadata Document\n"
	"(Identify) and print each as XML, in the spelling vss saves, after\n"
	"a line \"# writer NAME, instance ID\".  'vss metadata FILE' reads a\n"
	"saved document back.\n"
	"\n"
	"options:\n"
	"  --save DIR  instead, write each document to DIR/INSTANCE_ID.xml\n"
	"              (DIR and its parents are made when missing; each file\n"
	"              written to FILE.tmp, then renamed) and list the files\n"
	"  --json      print the documents as one JSON list of objects in\n"
	"              the schema of 'vss metadata --json'; with --save, the\n"
	"              list of files written (see docs/cli-json.md)\n"
	"  -h, --help  show this help\n"
	"\n"
	"exit status: 0 every document printed or saved, 1 vssd\n"
	"unreachable, gathering failed or a file could not be written,\n"
	"2 usage error.\n";

struct wmd_opts {
	bool help;
	const char *save;
	enum output_format format;
};

static int
parse_args(const struct cli_command *cmd, int argc, char **argv,
	   struct wmd_opts *opts)
{
	static const struct option longopts[] = {
		{"save", required_argument, NULL, 's'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	*opts = (struct wmd_opts){.format = OUTPUT_TEXT};
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			opts->save = optarg;
			break;
		case 'j':
			opts->format = OUTPUT_JSON;
			break;
		case 'h':
			cli_print_help(cmd, stdout);
			opts->help = true;
			return CLI_EXIT_OK;
		default:
			return cli_option_error(cmd, c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'",
				       argv[optind]);
	if (opts->save && !*opts->save)
		return cli_usage_error(cmd, "--save needs a directory");
	return CLI_EXIT_OK;
}

/* mkdir -p: make dir and the directories above it that are missing. */
static int
make_dirs(const char *dir)
{
	char *copy, *p, saved;
	int r = 0;

	copy = strdup(dir);
	if (!copy)
		return -ENOMEM;
	/* Each leading run of path elements in turn, dir itself last. */
	for (p = copy + 1; r == 0; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		saved = *p;
		*p = '\0';
		if (mkdir(copy, 0777) < 0 && errno != EEXIST)
			r = -errno;
		*p = saved;
		if (saved == '\0')
			break;
	}
	free(copy);
	return r;
}

/*
 * The file name of a writer's document: its instance id, or its class
 * id for a writer without one.
 */
static void
document_id(const vss_wmd *wmd, char out[VSS_ID_STRLEN])
{
	const struct vss_writer_identity *ident = vss_wmd_identity(wmd);

	vss_id_format(vss_id_is_null(&ident->instance_id) ?
			      &ident->class_id :
			      &ident->instance_id,
		      out);
}

/* Every document as XML, each after a header line naming its writer. */
static int
print_xml(const struct cli_command *cmd, vss_requester *r)
{
	size_t i, len, n = vss_requester_writer_metadata_count(r);
	const vss_wmd *wmd;
	char id[VSS_ID_STRLEN], *xml;
	int rc;

	for (i = 0; i < n; i++) {
		wmd = vss_requester_writer_metadata(r, i);
		rc = vss_wmd_save_xml(wmd, &xml, &len);
		if (rc < 0)
			return cli_status_error(cmd,
						vss_wmd_identity(wmd)
							->friendly_name,
						rc, NULL);
		document_id(wmd, id);
		printf("%s# writer %s, instance %s\n", i ? "\n" : "",
		       vss_wmd_identity(wmd)->friendly_name, id);
		fwrite(xml, 1, len, stdout);
		if (len > 0 && xml[len - 1] != '\n')
			putchar('\n');
		free(xml);
	}
	return CLI_EXIT_OK;
}

/* Save every document; list what was written through o. */
static int
save_all(const struct cli_command *cmd, const char *dir, vss_requester *r,
	 struct output *o)
{
	size_t i, len, n = vss_requester_writer_metadata_count(r);
	const struct vss_writer_identity *ident;
	const vss_wmd *wmd;
	char id[VSS_ID_STRLEN], *xml, *path;
	int rc;

	rc = make_dirs(dir);
	if (rc < 0)
		return cli_status_error(cmd, dir, rc, NULL);
	output_begin_object(o, NULL);
	output_begin_list(o, "saved");
	for (i = 0; i < n; i++) {
		wmd = vss_requester_writer_metadata(r, i);
		document_id(wmd, id);
		rc = vss_wmd_save_xml(wmd, &xml, &len);
		if (rc < 0)
			return cli_status_error(cmd, id, rc, NULL);
		if (asprintf(&path, "%s/%s.xml", dir, id) < 0) {
			free(xml);
			return cli_status_error(cmd, NULL, -ENOMEM, NULL);
		}
		rc = cli_write_file_atomic(path, xml, len);
		free(xml);
		if (rc < 0) {
			cli_status_error(cmd, path, rc, NULL);
			free(path);
			return CLI_EXIT_FAILED;
		}
		ident = vss_wmd_identity(wmd);
		output_begin_object(o, NULL);
		output_string(o, "name", ident->friendly_name);
		output_id(o, "instance_id", &ident->instance_id);
		output_string(o, "file", path);
		output_end_object(o);
		free(path);
	}
	output_end_list(o);
	output_int(o, "count", (int64_t)n);
	output_end_object(o);
	return CLI_EXIT_OK;
}

int
cmd_writer_metadata(const struct cli_command *cmd, int argc, char **argv)
{
	struct output *o = NULL;
	struct wmd_opts opts;
	vss_requester *r = NULL;
	size_t i, n;
	int rc;

	rc = parse_args(cmd, argc, argv, &opts);
	if (rc != CLI_EXIT_OK || opts.help)
		return rc;
	cli_catch_signals();
	rc = cli_connect(cmd, VSS_CTX_BACKUP, &r);
	if (rc != CLI_EXIT_OK)
		return rc;
	rc = manage_gather_writers(cmd, r, false);
	if (rc != CLI_EXIT_OK)
		goto out;
	if (!opts.save && opts.format == OUTPUT_TEXT) {
		rc = print_xml(cmd, r);
		goto out;
	}
	rc = cli_output_new(cmd, opts.format, &o);
	if (rc != CLI_EXIT_OK)
		goto out;
	if (opts.save) {
		rc = save_all(cmd, opts.save, r, o);
	} else {
		n = vss_requester_writer_metadata_count(r);
		output_begin_list(o, NULL);
		for (i = 0; i < n; i++)
			show_wmd(o, vss_requester_writer_metadata(r, i));
		output_end_list(o);
	}
	if (rc == CLI_EXIT_OK)
		rc = cli_output_finish(cmd, o);
	else
		output_free(o);
out:
	vss_requester_free(r);
	return rc;
}
