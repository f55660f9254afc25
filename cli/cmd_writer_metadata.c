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

#include <vss/metadata.h>
#include <vss/requester.h>
#include <vss/status.h>

#include "cli.h"
#include "connect.h"
#include "manage.h"
#include "output.h"
#include "show_metadata.h"
#include "util/mkdir_p.h"

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
	"              written to FILE.tmp, then renamed) and list the files.\n"
	"              vssd gives every writer instance an id of its own;\n"
	"              should two documents still share one, nothing is\n"
	"              saved and the command fails rather than let one file\n"
	"              overwrite the other\n"
	"  --json      print {\"writers\": [...], \"count\": N}, the documents\n"
	"              in the schema of 'vss metadata --json'; with --save,\n"
	"              the files written (see docs/cli-json.md)\n"
	"  -h, --help  show this help\n"
	"\n"
	"exit status: 0 every document printed or saved, 1 vssd\n"
	"unreachable, gathering failed, two writers share an instance id\n"
	"(--save) or a file or standard output could not be written (then\n"
	"nothing is printed: the documents are made before the first is),\n"
	"2 usage error.\n";

struct wmd_opts {
	struct cli_common common;
	const char *save;
};

static int
parse_args(const struct cli_command *cmd, int argc, char **argv,
	   struct wmd_opts *opts)
{
	static const struct option longopts[] = {
		{"save", required_argument, NULL, 's'},
		CLI_LONGOPT_JSON,
		CLI_LONGOPT_HELP,
		{NULL, 0, NULL, 0},
	};
	int c, r;

	*opts = (struct wmd_opts){0};
	while ((c = cli_getopt(cmd, argc, argv, CLI_SHORTOPTS, longopts,
			       &opts->common, &r)) != -1) {
		switch (c) {
		case 's':
			opts->save = optarg;
			break;
		}
	}
	if (r != CLI_EXIT_OK || opts->common.help)
		return r;
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'",
				       argv[optind]);
	if (opts->save && !*opts->save)
		return cli_usage_error(cmd, "--save needs a directory");
	return CLI_EXIT_OK;
}

/* A writer's document as XML, made before anything is printed. */
struct xml_doc {
	char *xml;
	size_t len;
};

static void
xml_docs_free(struct xml_doc *docs, size_t n)
{
	size_t i;

	for (i = 0; docs && i < n; i++)
		free(docs[i].xml);
	free(docs);
}

/* Every document as XML; caller owns *ret, free with xml_docs_free(). */
static int
make_xml(const struct cli_command *cmd, vss_requester *r,
	 struct xml_doc **ret)
{
	size_t i, n = vss_requester_writer_metadata_count(r);
	struct xml_doc *docs;
	const vss_wmd *wmd;
	int rc;

	docs = calloc(n ? n : 1, sizeof(*docs));
	if (!docs)
		return cli_status_error(cmd, NULL, -ENOMEM, NULL);
	for (i = 0; i < n; i++) {
		wmd = vss_requester_writer_metadata(r, i);
		rc = vss_wmd_save_xml(wmd, &docs[i].xml, &docs[i].len);
		if (rc < 0) {
			xml_docs_free(docs, n);
			return cli_status_error(
				cmd, vss_wmd_identity(wmd)->friendly_name, rc,
				NULL);
		}
	}
	*ret = docs;
	return CLI_EXIT_OK;
}

/*
 * Every document as XML, each after a header line naming its writer.
 * Standard output that cannot be written is a failure (a full disk).
 */
static int
print_xml(const struct cli_command *cmd, vss_requester *r)
{
	size_t i, n = vss_requester_writer_metadata_count(r);
	const struct vss_writer_identity *ident;
	char id[VSS_ID_STRLEN];
	struct xml_doc *docs;
	int rc;

	rc = make_xml(cmd, r, &docs);
	if (rc != CLI_EXIT_OK)
		return rc;
	for (i = 0; i < n; i++) {
		ident = vss_wmd_identity(vss_requester_writer_metadata(r, i));
		vss_id_format(&ident->instance_id, id);
		printf("%s# writer %s, instance %s\n", i ? "\n" : "",
		       ident->friendly_name, id);
		fwrite(docs[i].xml, 1, docs[i].len, stdout);
		if (docs[i].len > 0 && docs[i].xml[docs[i].len - 1] != '\n')
			putchar('\n');
	}
	xml_docs_free(docs, n);
	if (fflush(stdout) != 0 || ferror(stdout))
		return cli_status_error(cmd, "standard output", -EIO, NULL);
	return CLI_EXIT_OK;
}

/*
 * Each document is saved as DIR/INSTANCE_ID.xml.  vssd refuses a second
 * writer with an instance id already subscribed (and a null one), but
 * should two documents share an id after all, refuse before writing
 * anything rather than let one file replace the other.
 */
static int
check_unique_ids(const struct cli_command *cmd, vss_requester *r)
{
	size_t i, j, n = vss_requester_writer_metadata_count(r);
	const struct vss_writer_identity *a, *b;
	char id[VSS_ID_STRLEN], detail[512];

	for (i = 0; i < n; i++) {
		a = vss_wmd_identity(vss_requester_writer_metadata(r, i));
		for (j = 0; j < i; j++) {
			b = vss_wmd_identity(
				vss_requester_writer_metadata(r, j));
			if (!vss_id_equal(&a->instance_id, &b->instance_id))
				continue;
			vss_id_format(&a->instance_id, id);
			snprintf(detail, sizeof(detail),
				 "writers '%s' and '%s' have the same "
				 "instance id: nothing saved",
				 b->friendly_name, a->friendly_name);
			return cli_status_error(cmd, id,
						VSS_E_OBJECT_ALREADY_EXISTS,
						detail);
		}
	}
	return CLI_EXIT_OK;
}

/* Save every document; list what was written through o. */
static int
save_all(const struct cli_command *cmd, const char *dir, vss_requester *r,
	 struct output *o)
{
	size_t i, n = vss_requester_writer_metadata_count(r);
	const struct vss_writer_identity *ident;
	char id[VSS_ID_STRLEN], *path;
	struct xml_doc *docs;
	int rc;

	rc = check_unique_ids(cmd, r);
	if (rc != CLI_EXIT_OK)
		return rc;
	rc = make_xml(cmd, r, &docs);
	if (rc != CLI_EXIT_OK)
		return rc;
	rc = mkdir_p(dir, 0777, 0, NULL);
	if (rc < 0) {
		xml_docs_free(docs, n);
		return cli_status_error(cmd, dir, rc, NULL);
	}
	output_begin_object(o, NULL);
	output_begin_list(o, "saved");
	for (i = 0; i < n; i++) {
		ident = vss_wmd_identity(vss_requester_writer_metadata(r, i));
		vss_id_format(&ident->instance_id, id);
		if (asprintf(&path, "%s/%s.xml", dir, id) < 0) {
			xml_docs_free(docs, n);
			return cli_status_error(cmd, NULL, -ENOMEM, NULL);
		}
		rc = cli_write_file_atomic(path, docs[i].xml, docs[i].len);
		if (rc < 0) {
			cli_status_error(cmd, path, rc, NULL);
			free(path);
			xml_docs_free(docs, n);
			return CLI_EXIT_FAILED;
		}
		output_begin_object(o, NULL);
		output_string(o, "name", ident->friendly_name);
		output_id(o, "instance_id", &ident->instance_id);
		output_string(o, "file", path);
		output_end_object(o);
		free(path);
	}
	xml_docs_free(docs, n);
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
	if (rc != CLI_EXIT_OK || opts.common.help)
		return rc;
	cli_catch_signals();
	rc = cli_connect(cmd, VSS_CTX_BACKUP, &r);
	if (rc != CLI_EXIT_OK)
		return rc;
	rc = manage_gather_writers(cmd, r, false);
	if (rc != CLI_EXIT_OK)
		goto out;
	if (!opts.save && opts.common.format == OUTPUT_TEXT) {
		rc = print_xml(cmd, r);
		goto out;
	}
	rc = cli_output_new(cmd, opts.common.format, &o);
	if (rc != CLI_EXIT_OK)
		goto out;
	if (opts.save) {
		rc = save_all(cmd, opts.save, r, o);
	} else {
		n = vss_requester_writer_metadata_count(r);
		output_begin_object(o, NULL);
		output_begin_list(o, "writers");
		for (i = 0; i < n; i++)
			show_wmd(o, vss_requester_writer_metadata(r, i));
		output_end_list(o);
		output_int(o, "count", (int64_t)n);
		output_end_object(o);
	}
	if (rc == CLI_EXIT_OK)
		rc = cli_output_finish(cmd, o);
	else
		output_free(o);
out:
	vss_requester_free(r);
	return rc;
}
