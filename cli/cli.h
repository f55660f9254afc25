/*
 * cli/cli.h - the vss command line: the command table, exit codes, the
 * diagnostics every command prints the same way, and file helpers.
 *
 * A command is one cmd_<name>.c with one handler; main.c finds it in the
 * table and runs it.  Data goes to standard output through the output layer
 * (output.h, text or JSON), diagnostics to standard error through the cli_*()
 * functions, so that every message reads "vss: <command>: ...".
 */
#ifndef VSS_CLI_H
#define VSS_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "output.h"

/* Exit codes of every command. */
enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAILED = 1, /* the command ran and failed */
	CLI_EXIT_USAGE = 2,  /* the command line is wrong */
};

struct cli_command;

/*
 * A command handler: argv[0] is the command name, the options and operands
 * follow.  Returns an enum cli_exit value.
 */
typedef int cli_handler(const struct cli_command *cmd, int argc, char **argv);

struct cli_command {
	const char *name;
	const char *summary;  /* one line for "vss --help" */
	const char *synopsis; /* "FILE [--json] [--save OUT]" */
	const char *help;     /* what it does and its options, for "help CMD" */
	cli_handler *run;
};

/* main.c */

/* Print the full help of a command to f. */
void cli_print_help(const struct cli_command *cmd, FILE *f);
/*
 * Report a usage error ("vss: CMD: <message>" and the synopsis) on
 * standard error.  Returns CLI_EXIT_USAGE so that callers can return it.
 */
int cli_usage_error(const struct cli_command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * --json and --help, which every command takes: entries for its struct
 * option table (getopt.h) that cli_getopt() answers itself.  A command's
 * own options use other values.
 */
#define CLI_LONGOPT_JSON {"json", no_argument, NULL, 'j'}
#define CLI_LONGOPT_HELP {"help", no_argument, NULL, 'h'}
/*
 * The short options of every command: -h, and ':' so that a missing
 * value is told from an unknown option.  "+" CLI_SHORTOPTS stops at the
 * first operand (what follows is another program's command line).
 */
#define CLI_SHORTOPTS ":h"

/* What --json and --help asked for. */
struct cli_common {
	enum output_format format; /* OUTPUT_JSON after --json */
	bool help;                 /* --help printed the help: do nothing */
	bool started;              /* cli_getopt()'s own: the parse began */
};

/*
 * getopt_long() over a command's argv, with our messages (opterr off):
 * returns the next option that is the command's own, its value in
 * optarg, and takes --json and --help itself.  Start each parse with
 * *common zeroed (OUTPUT_TEXT), which makes the first call reset getopt
 * fully (optind 0, glibc's full reset: no rest of a cluster nor the '+'
 * of an earlier parse is left) and start at argv[1].  *ret_exit is
 * CLI_EXIT_OK with an option.  Returns -1 when the options end:
 * *ret_exit is then CLI_EXIT_OK with optind at the first operand,
 * CLI_EXIT_OK with common->help set once --help printed the help, or
 * CLI_EXIT_USAGE once an unknown option, a missing value or a value
 * given to an option that takes none was reported.
 */
int cli_getopt(const struct cli_command *cmd, int argc, char **argv,
	       const char *shortopts, const struct option *longopts,
	       struct cli_common *common, int *ret_exit);
/*
 * The options of a command that takes only --json and --help: reads
 * them into *common (zeroed first), optind then at the first operand.
 * Returns an exit code as *ret_exit of cli_getopt().
 */
int cli_getopt_common(const struct cli_command *cmd, int argc, char **argv,
		      struct cli_common *common);
/* output_new() on standard output; *ret NULL on failure. */
int cli_output_new(const struct cli_command *cmd, enum output_format format,
		   struct output **ret);
/* output_finish() and output_free(); CLI_EXIT_FAILED when writing failed. */
int cli_output_finish(const struct cli_command *cmd, struct output *o);
/*
 * Report a failed operation on subject (a file name, or NULL) as
 * "vss: CMD: SUBJECT: STATUS_NAME: detail", where detail defaults to
 * vss_strerror(status).  Returns CLI_EXIT_FAILED.
 */
int cli_status_error(const struct cli_command *cmd, const char *subject,
		     int status, const char *detail);

/*
 * The largest file a command reads: documents are at most a few MiB, and
 * a limit keeps a wrong argument (a disk image, /dev/zero) from eating
 * memory.
 */
#define CLI_FILE_MAX ((size_t)64 << 20)

/*
 * Read a whole file of at most CLI_FILE_MAX bytes.  *ret is NUL-terminated
 * (not counted in *ret_len); caller owns it; free with free().  Returns 0,
 * -EFBIG past the limit, or -errno.
 */
int cli_read_file(const char *path, char **ret, size_t *ret_len);
/* The same from an open file, read from where it stands; fd stays open. */
int cli_read_fd(int fd, char **ret, size_t *ret_len);
/*
 * Replace path with data so that a crash leaves the old or the new file,
 * never a torn one: write path.tmp, fsync, rename, fsync the directory.
 * Returns 0 or -errno: path is untouched and path.tmp removed, unless
 * only the fsync of the directory failed, after the rename.
 */
int cli_write_file_atomic(const char *path, const char *data, size_t len);

/* cmd_list.c */
extern const char cmd_list_synopsis[];
extern const char cmd_list_help[];
int cmd_list(const struct cli_command *cmd, int argc, char **argv);

/* cmd_create.c */
extern const char cmd_create_synopsis[];
extern const char cmd_create_help[];
int cmd_create(const struct cli_command *cmd, int argc, char **argv);

/* cmd_delete.c */
extern const char cmd_delete_synopsis[];
extern const char cmd_delete_help[];
int cmd_delete(const struct cli_command *cmd, int argc, char **argv);

/* cmd_expose.c */
extern const char cmd_expose_synopsis[];
extern const char cmd_expose_help[];
int cmd_expose(const struct cli_command *cmd, int argc, char **argv);

/* cmd_unexpose.c */
extern const char cmd_unexpose_synopsis[];
extern const char cmd_unexpose_help[];
int cmd_unexpose(const struct cli_command *cmd, int argc, char **argv);

/* cmd_status.c */
extern const char cmd_status_synopsis[];
extern const char cmd_status_help[];
int cmd_status(const struct cli_command *cmd, int argc, char **argv);

/* cmd_writer_metadata.c */
extern const char cmd_writer_metadata_synopsis[];
extern const char cmd_writer_metadata_help[];
int cmd_writer_metadata(const struct cli_command *cmd, int argc, char **argv);

/* cmd_backup.c */
extern const char cmd_backup_synopsis[];
extern const char cmd_backup_help[];
int cmd_backup(const struct cli_command *cmd, int argc, char **argv);

/* cmd_verify.c */
extern const char cmd_verify_synopsis[];
extern const char cmd_verify_help[];
int cmd_verify(const struct cli_command *cmd, int argc, char **argv);

/* cmd_restore.c */
extern const char cmd_restore_synopsis[];
extern const char cmd_restore_help[];
int cmd_restore(const struct cli_command *cmd, int argc, char **argv);

/* cmd_exec.c */
extern const char cmd_exec_synopsis[];
extern const char cmd_exec_help[];
int cmd_exec(const struct cli_command *cmd, int argc, char **argv);

/* cmd_metadata.c */
extern const char cmd_metadata_synopsis[];
extern const char cmd_metadata_help[];
int cmd_metadata(const struct cli_command *cmd, int argc, char **argv);

#endif
