/*
 * cli/main.c - the vss command: global options, the command table and
 * dispatch, the diagnostics and file helpers the commands share.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vss/status.h>

#include "cli.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct cli_command commands[] = {
	{"list", "list writers, providers, shadow copies or volumes",
	 cmd_list_synopsis, cmd_list_help, cmd_list},
	{"status", "vssd, its writers, providers and shadow copies at a glance",
	 cmd_status_synopsis, cmd_status_help, cmd_status},
	{"create", "make a shadow copy set of volumes",
	 cmd_create_synopsis, cmd_create_help, cmd_create},
	{"delete", "delete shadow copies",
	 cmd_delete_synopsis, cmd_delete_help, cmd_delete},
	{"expose", "make a shadow copy readable at a path",
	 cmd_expose_synopsis, cmd_expose_help, cmd_expose},
	{"unexpose", "undo an exposure",
	 cmd_unexpose_synopsis, cmd_unexpose_help, cmd_unexpose},
	{"writer-metadata", "every writer's metadata document",
	 cmd_writer_metadata_synopsis, cmd_writer_metadata_help, cmd_writer_metadata},
	{"backup", "back up components and paths from shadow copies into a backup set",
	 cmd_backup_synopsis, cmd_backup_help, cmd_backup},
	{"verify", "check a backup set against its manifest",
	 cmd_verify_synopsis, cmd_verify_help, cmd_verify},
	{"restore", "restore a backup set, whole or in part, with its writers",
	 cmd_restore_synopsis, cmd_restore_help, cmd_restore},
	{"exec", "run a command on exposed shadow copies, then end the backup",
	 cmd_exec_synopsis, cmd_exec_help, cmd_exec},
	{"metadata", "show, check and re-save a metadata document",
	 cmd_metadata_synopsis, cmd_metadata_help, cmd_metadata},
};

static void
print_main_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: vss [--version] [--help] COMMAND [ARGS]\n"
		   "\n"
		   "commands:\n");
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-16s %s\n", commands[i].name,
			commands[i].summary);
	fprintf(f, "\n"
		   "'vss help COMMAND' or 'vss COMMAND --help' describes a "
		   "command.\n"
		   "exit status: 0 ok, 1 failed, 2 usage error.\n");
}

static const struct cli_command *
find_command(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

void
cli_print_help(const struct cli_command *cmd, FILE *f)
{
	fprintf(f, "usage: vss %s %s\n\n%s", cmd->name, cmd->synopsis,
		cmd->help);
}

int
cli_usage_error(const struct cli_command *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vss: %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: vss %s %s\n", cmd->name, cmd->synopsis);
	return CLI_EXIT_USAGE;
}

/*
 * The usage error for what getopt_long() returned as c (':' a missing
 * value, '?' an unknown option or a value given to an option that takes
 * none); before is optind before that call.
 */
static int
option_error(const struct cli_command *cmd, int c, char **argv, int before)
{
	const char *arg = argv[optind - 1];

	/*
	 * An unknown option inside a cluster ("-xh"): getopt stays on the
	 * cluster for the rest of it, so argv[optind - 1] is the argument
	 * before; optopt is the letter.  Optind 0 started at argv[1].
	 */
	if (c == '?' && optind == (before ? before : 1))
		return cli_usage_error(cmd, "unknown option '-%c'", optopt);
	if (c == ':')
		return cli_usage_error(cmd, "option '%s' needs a value", arg);
	/*
	 * A long option: its own text, since getopt_long() puts the
	 * option's value in optopt also when "--json=1" gives a value to an
	 * option that takes none.
	 */
	if (strncmp(arg, "--", 2) == 0 && strchr(arg, '='))
		return cli_usage_error(cmd, "unknown option or unexpected "
					    "value '%s'",
				       arg);
	if (strncmp(arg, "--", 2) == 0)
		return cli_usage_error(cmd, "unknown option '%s'", arg);
	if (optopt)
		return cli_usage_error(cmd, "unknown option '-%c'", optopt);
	return cli_usage_error(cmd, "unknown option '%s'", arg);
}

int
cli_getopt(const struct cli_command *cmd, int argc, char **argv,
	   const char *shortopts, const struct option *longopts,
	   struct cli_common *common, int *ret_exit)
{
	int c, before;

	if (!common->started) {
		/* Our own messages, in our own form. */
		opterr = 0;
		/*
		 * 0, not 1: glibc's full reset, which also forgets the rest
		 * of a cluster and the ordering ('+') of an earlier parse.
		 */
		optind = 0;
		common->started = true;
	}
	*ret_exit = CLI_EXIT_OK;
	for (;;) {
		before = optind;
		c = getopt_long(argc, argv, shortopts, longopts, NULL);
		switch (c) {
		case 'j':
			common->format = OUTPUT_JSON;
			continue;
		case 'h':
			cli_print_help(cmd, stdout);
			common->help = true;
			return -1;
		case ':':
		case '?':
			*ret_exit = option_error(cmd, c, argv, before);
			return -1;
		default:
			return c;
		}
	}
}

int
cli_getopt_common(const struct cli_command *cmd, int argc, char **argv,
		  struct cli_common *common)
{
	static const struct option longopts[] = {
		CLI_LONGOPT_JSON,
		CLI_LONGOPT_HELP,
		{NULL, 0, NULL, 0},
	};
	int r;

	*common = (struct cli_common){0};
	/* No option of the table is left for a caller. */
	while (cli_getopt(cmd, argc, argv, CLI_SHORTOPTS, longopts, common,
			  &r) != -1)
		;
	return r;
}

int
cli_output_new(const struct cli_command *cmd, enum output_format format,
	       struct output **ret)
{
	int r;

	r = output_new(ret, format, stdout);
	if (r < 0) {
		*ret = NULL;
		return cli_status_error(cmd, NULL, r, NULL);
	}
	return CLI_EXIT_OK;
}

int
cli_output_finish(const struct cli_command *cmd, struct output *o)
{
	int r;

	r = output_finish(o);
	output_free(o);
	if (r < 0)
		return cli_status_error(cmd, "standard output", r, NULL);
	return CLI_EXIT_OK;
}

int
cli_status_error(const struct cli_command *cmd, const char *subject,
		 int status, const char *detail)
{
	const char *name = vss_status_name(status);

	fprintf(stderr, "vss: %s: ", cmd->name);
	if (subject)
		fprintf(stderr, "%s: ", subject);
	if (name)
		fprintf(stderr, "%s: ", name);
	else
		fprintf(stderr, "0x%08x: ", (unsigned)status);
	fprintf(stderr, "%s\n",
		detail && *detail ? detail : vss_strerror(status));
	return CLI_EXIT_FAILED;
}

int
cli_read_file(const char *path, char **ret, size_t *ret_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	r = cli_read_fd(fd, ret, ret_len);
	close(fd);
	return r;
}

int
cli_read_fd(int fd, char **ret, size_t *ret_len)
{
	struct stat st;
	char *buf = NULL, *grown;
	size_t len = 0, cap;
	ssize_t n;
	int r;

	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto fail;
	}
	/* Refuse early what is known to be too big; pipes report size 0. */
	if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size > CLI_FILE_MAX) {
		r = -EFBIG;
		goto fail;
	}
	/*
	 * A regular file gets room for its size, the NUL and one byte more,
	 * so that reading it to the end needs no second allocation.
	 */
	cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 2 : 65536;
	buf = malloc(cap);
	if (!buf) {
		r = -ENOMEM;
		goto fail;
	}
	for (;;) {
		if (len + 1 >= cap) {
			/* Room for a byte past the limit, to see it passed. */
			if (cap > CLI_FILE_MAX / 2)
				cap = CLI_FILE_MAX + 2;
			else
				cap *= 2;
			grown = realloc(buf, cap);
			if (!grown) {
				r = -ENOMEM;
				goto fail;
			}
			buf = grown;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > CLI_FILE_MAX) {
			r = -EFBIG;
			goto fail;
		}
	}
	buf[len] = '\0';
	*ret = buf;
	*ret_len = len;
	return 0;
fail:
	free(buf);
	return r;
}

static int
write_all(int fd, const char *data, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, data, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* fsync the directory holding path, so that a rename in it is durable. */
static int
sync_parent_dir(const char *path)
{
	char *copy;
	int fd, r = 0;

	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		r = -errno;
	else if (fsync(fd) < 0)
		r = -errno;
	if (fd >= 0)
		close(fd);
	free(copy);
	return r;
}

int
cli_write_file_atomic(const char *path, const char *data, size_t len)
{
	char *tmp = NULL;
	int fd = -1, r;

	if (asprintf(&tmp, "%s.tmp", path) < 0)
		return -ENOMEM;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		r = -errno;
		free(tmp);
		return r;
	}
	r = write_all(fd, data, len);
	if (r < 0)
		goto fail;
	if (fsync(fd) < 0) {
		r = -errno;
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		r = -errno;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		r = -errno;
		goto fail;
	}
	free(tmp);
	return sync_parent_dir(path);
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	return r;
}

/* "vss help [COMMAND]" */
static int
run_help(int argc, char **argv)
{
	const struct cli_command *cmd;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		print_main_usage(stdout);
		return CLI_EXIT_OK;
	}
	if (argc > 2) {
		fprintf(stderr, "vss: help: too many arguments\n"
				"usage: vss help [COMMAND]\n");
		return CLI_EXIT_USAGE;
	}
	cmd = find_command(argv[1]);
	if (!cmd) {
		fprintf(stderr, "vss: help: '%s' is not a vss command; "
				"see 'vss --help'\n",
			argv[1]);
		return CLI_EXIT_USAGE;
	}
	cli_print_help(cmd, stdout);
	return CLI_EXIT_OK;
}

static int
dispatch(int argc, char **argv)
{
	const struct cli_command *cmd;

	if (argc < 2) {
		print_main_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		print_main_usage(stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("vss %s\n", VSS_VERSION);
		return CLI_EXIT_OK;
	}
	if (strcmp(argv[1], "help") == 0)
		return run_help(argc - 1, argv + 1);
	if (argv[1][0] == '-') {
		fprintf(stderr, "vss: unknown option '%s'\n", argv[1]);
		print_main_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	cmd = find_command(argv[1]);
	if (!cmd) {
		fprintf(stderr, "vss: '%s' is not a vss command; "
				"see 'vss --help'\n",
			argv[1]);
		return CLI_EXIT_USAGE;
	}
	return cmd->run(cmd, argc - 1, argv + 1);
}

int
main(int argc, char **argv)
{
	int r;

	r = dispatch(argc, argv);
	/*
	 * Data that could not be written is a failure even when the command
	 * itself succeeded (a full disk, a closed pipe).
	 */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "vss: error writing standard output\n");
		if (r == CLI_EXIT_OK)
			r = CLI_EXIT_FAILED;
	}
	return r;
}
