/*
 * cli/cmd_metadata.c - "vss metadata FILE [--json] [--save OUT]": load a
 * Writer Metadata Document or a Backup Components Document, print every
 * field of it, and optionally save it again in our spelling.
 */
#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <vss/metadata.h>
#include <vss/status.h>

#include "cli.h"
#include "output.h"
#include "show_metadata.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

const char cmd_metadata_synopsis[] = "FILE [--json] [--save OUT]";

const char cmd_metadata_help[] =
	"Load FILE, a Writer Metadata Document (root WRITER_METADATA) or a\n"
	"Backup Components Document (root BACKUP_COMPONENTS), in UTF-8 or\n"
	"UTF-16 with a byte-order mark, check it, and print every field as an\n"
	"indented tree.  An invalid document is reported with the line and\n"
	"the element at fault, and the exit status is 1.\n"
	"\n"
	"options:\n"
	"  --json      print one JSON object instead (see docs/cli-json.md)\n"
	"  --save OUT  also write the document to OUT as vss saves it\n"
	"              (written to OUT.tmp, then renamed)\n"
	"  -h, --help  show this help\n";

/* ---- which document ------------------------------------------------- */

/* Enough to pass a declaration, comments and a DOCTYPE to the root. */
#define SNIFF_MAX 4096

/*
 * Copy the start of the document into out as ASCII, one character per
 * code unit, so that one scanner reads UTF-8 and UTF-16 alike; anything
 * else becomes '?', which no name we look for contains.
 */
static void
sniff_ascii(const char *xml, size_t len, char *out, size_t out_size)
{
	const unsigned char *p = (const unsigned char *)xml;
	size_t i = 0, n = 0, step = 1;
	bool big_endian = false;
	unsigned unit;

	if (len >= 2 && p[0] == 0xff && p[1] == 0xfe) {
		i = 2;
		step = 2;
	} else if (len >= 2 && p[0] == 0xfe && p[1] == 0xff) {
		i = 2;
		step = 2;
		big_endian = true;
	} else if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
		i = 3;
	}
	for (; i + step <= len && n + 1 < out_size; i += step) {
		if (step == 1)
			unit = p[i];
		else if (big_endian)
			unit = (unsigned)p[i] << 8 | p[i + 1];
		else
			unit = p[i] | (unsigned)p[i + 1] << 8;
		out[n++] = unit > 0 && unit < 0x80 ? (char)unit : '?';
	}
	out[n] = '\0';
}

/*
 * True when the root element is BACKUP_COMPONENTS.  The loaders check the
 * document in full; this only picks which loader, so anything that is not
 * plainly a BCD goes to the WMD loader and gets its error.
 */
static bool
is_bcd(const char *xml, size_t len)
{
	static const char bcd_root[] = "BACKUP_COMPONENTS";
	char text[SNIFF_MAX + 1];
	const char *s = text, *end, *colon;
	size_t n;

	sniff_ascii(xml, len, text, sizeof(text));
	for (;;) {
		s += strspn(s, " \t\r\n");
		if (strncmp(s, "<?", 2) == 0) {
			end = strstr(s, "?>");
		} else if (strncmp(s, "<!--", 4) == 0) {
			end = strstr(s, "-->");
		} else if (strncmp(s, "<!", 2) == 0) {
			/* A DOCTYPE; its internal subset may hold '>'. */
			end = strpbrk(s, "[>");
			if (end && *end == '[')
				end = strchr(end, ']');
			if (end)
				end = strchr(end, '>');
		} else {
			break;
		}
		if (!end)
			return false;
		s = strchr(end, '>') + 1;
	}
	if (*s != '<')
		return false;
	s++;
	n = strcspn(s, " \t\r\n/>");
	/* A namespace prefix does not change the element. */
	colon = memchr(s, ':', n);
	if (colon) {
		n -= (size_t)(colon + 1 - s);
		s = colon + 1;
	}
	return n == strlen(bcd_root) && memcmp(s, bcd_root, n) == 0;
}

/* ---- the command ------------------------------------------------------ */

struct metadata_opts {
	struct cli_common common;
	const char *file;
	const char *save;
};

/* Returns an exit code; opts->common.help set when the help was printed. */
static int
parse_args(const struct cli_command *cmd, int argc, char **argv,
	   struct metadata_opts *opts)
{
	static const struct option longopts[] = {
		{"save", required_argument, NULL, 's'},
		CLI_LONGOPT_JSON,
		CLI_LONGOPT_HELP,
		{NULL, 0, NULL, 0},
	};
	int c, r;

	*opts = (struct metadata_opts){0};
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
	if (optind >= argc)
		return cli_usage_error(cmd, "no FILE given");
	if (optind + 1 < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'",
				       argv[optind + 1]);
	opts->file = argv[optind];
	return CLI_EXIT_OK;
}

/* Load xml as the document its root names; print it and save it if asked. */
static int
run(const struct cli_command *cmd, const struct metadata_opts *opts,
    const char *xml, size_t len)
{
	struct vss_error err = {0};
	struct output *o = NULL;
	vss_wmd *wmd = NULL;
	vss_bcd *bcd = NULL;
	char *saved = NULL;
	size_t saved_len;
	int r, exit_code = CLI_EXIT_FAILED;

	if (is_bcd(xml, len))
		r = vss_bcd_load_xml(&bcd, xml, len, &err);
	else
		r = vss_wmd_load_xml(&wmd, xml, len, &err);
	if (r < 0) {
		cli_status_error(cmd, opts->file, r, err.message);
		goto fail;
	}
	/* Save before printing: a reader that stops early cannot stop it. */
	if (opts->save) {
		r = bcd ? vss_bcd_save_xml(bcd, &saved, &saved_len) :
			  vss_wmd_save_xml(wmd, &saved, &saved_len);
		if (r < 0) {
			cli_status_error(cmd, opts->file, r, NULL);
			goto fail;
		}
		r = cli_write_file_atomic(opts->save, saved, saved_len);
		if (r < 0) {
			cli_status_error(cmd, opts->save, r, NULL);
			goto fail;
		}
	}
	r = output_new(&o, opts->common.format, stdout);
	if (r < 0) {
		cli_status_error(cmd, NULL, r, NULL);
		goto fail;
	}
	if (bcd)
		show_bcd(o, bcd);
	else
		show_wmd(o, wmd);
	r = output_finish(o);
	if (r < 0) {
		cli_status_error(cmd, "standard output", r, NULL);
		goto fail;
	}
	exit_code = CLI_EXIT_OK;
fail:
	output_free(o);
	free(saved);
	vss_bcd_free(bcd);
	vss_wmd_free(wmd);
	return exit_code;
}

int
cmd_metadata(const struct cli_command *cmd, int argc, char **argv)
{
	struct metadata_opts opts;
	char *xml = NULL, limit[64];
	size_t len;
	int r;

	r = parse_args(cmd, argc, argv, &opts);
	if (r != CLI_EXIT_OK || opts.common.help)
		return r;
	r = cli_read_file(opts.file, &xml, &len);
	if (r == -EFBIG) {
		snprintf(limit, sizeof(limit),
			 "larger than the %zu MiB limit for documents",
			 CLI_FILE_MAX >> 20);
		return cli_status_error(cmd, opts.file, r, limit);
	}
	if (r < 0)
		return cli_status_error(cmd, opts.file, r, NULL);
	r = run(cmd, &opts, xml, len);
	free(xml);
	return r;
}
