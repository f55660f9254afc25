/*
 * writers/exec/exec_command.h - run one shell command of the script
 * writer: /bin/sh -c COMMAND with a deadline, its output handed on line
 * by line.  Nothing here knows vss-writerd: what the command prints goes
 * to a callback, and what became of it comes back in a result.
 *
 * The process is lib/util/runner.h's: the command runs in a process
 * group of its own (its id is the shell's pid), with stdin on /dev/null
 * or on a pipe the caller holds, stdout and stderr on pipes, the working
 * directory given (default "/"), exactly the environment given, no
 * other open file, every signal at its default and none blocked; with a
 * user, as that user with its groups.  When the shell exits, whatever
 * it left running in its group is killed (a command that starts a
 * daemon must put it in a session of its own).
 * Its output is then read for EXEC_COMMAND_GRACE_MS more at most: what
 * holds the pipes open after that is outside the group (setsid, a
 * "set -m" job), and the result says output_cut.
 * At a deadline the group gets SIGTERM and, EXEC_COMMAND_KILL_MS later,
 * SIGKILL.  The shell is reaped last of all, so that its group id cannot
 * be reused while we may still signal it.  Processes that leave the group
 * (setsid) are out of reach.
 *
 * Output lines are cut at max_line bytes, and after max_lines lines the
 * rest is only counted; the last non-empty line of stderr (or, if stderr
 * had none, of stdout) is kept for messages.  We never write to the
 * command, so a command that closes its stdin cannot raise SIGPIPE here.
 *
 * Not thread-safe per command; different commands may run on different
 * threads (each waits for its own child, by pid).
 */
#ifndef EXEC_COMMAND_H
#define EXEC_COMMAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EXEC_COMMAND_MAX_LINE 1024  /* default bytes of a line handed on */
#define EXEC_COMMAND_MAX_LINES 200  /* default lines handed on per run */
#define EXEC_COMMAND_LAST_LINE 256  /* bytes of the kept last line */
#define EXEC_COMMAND_KILL_MS 2000   /* from SIGTERM to SIGKILL */
#define EXEC_COMMAND_GRACE_MS 1000  /* output read after the shell's exit */

enum exec_stream {
	EXEC_STDOUT = 1,
	EXEC_STDERR = 2,
};

/*
 * One output line without its line end (NUL bytes in it end it early);
 * cut: it was longer than max_line.  line valid only during the callback.
 */
typedef void (*exec_line_fn)(void *userdata, enum exec_stream stream,
			     const char *line, bool cut);

struct exec_command_opts {
	const char *command;     /* run as /bin/sh -c COMMAND */
	char *const *envp;       /* the whole environment, NULL-terminated */
	const char *user;        /* run as this user; NULL: as we run */
	const char *working_dir; /* NULL: "/" */
	bool stdin_pipe;         /* stdin a pipe (exec_command_close_stdin) */
	size_t max_line;         /* 0: EXEC_COMMAND_MAX_LINE */
	unsigned max_lines;      /* 0: EXEC_COMMAND_MAX_LINES */
	exec_line_fn on_line;    /* NULL: output is only read */
	void *userdata;
};

enum exec_end {
	EXEC_EXITED,    /* exit_status */
	EXEC_SIGNALED,  /* signal */
	EXEC_TIMED_OUT, /* killed at its deadline; signal what ended it */
};

struct exec_command_result {
	enum exec_end end;
	int exit_status;        /* EXEC_EXITED: 0..255, else -1 */
	int signal;             /* the signal that ended it, else 0 */
	unsigned elapsed_ms;    /* from start to exit */
	unsigned lines;         /* output lines, both streams */
	unsigned lines_dropped; /* of them not handed on (max_lines) */
	/*
	 * The shell exited but its stdout or stderr was still open
	 * EXEC_COMMAND_GRACE_MS later (held by a process outside its
	 * group): the output was not read to its end.
	 */
	bool output_cut;
	char last_line[EXEC_COMMAND_LAST_LINE]; /* "" if none */
};

/* What exec_command_wait() stopped at. */
enum exec_wait {
	EXEC_WAIT_DONE,     /* exited and its output ended */
	EXEC_WAIT_LINE,     /* the line waited for came on stdout */
	EXEC_WAIT_DEADLINE, /* the deadline passed first */
};

struct exec_command; /* a started command */

/* CLOCK_MONOTONIC in milliseconds: the clock of the deadlines. */
uint64_t exec_now_ms(void);

/*
 * Start a command.  0 with *ret (caller owns; end it with
 * exec_command_finish() or exec_command_free()), or a negative errno when
 * it could not be started: -ENOENT for an unknown user, -EINVAL for a
 * missing command or environment.  A working directory or user the child
 * cannot switch to makes the command exit 127 with a line on stderr.
 */
int exec_command_start(const struct exec_command_opts *opts,
		       struct exec_command **ret);
/*
 * Hand output on until the command has exited and its output ended, a
 * stdout line equal to until_line (trailing blanks and CR ignored; NULL:
 * none) has come, or the absolute deadline (exec_now_ms(); UINT64_MAX:
 * none) has passed.  Once the shell has exited, what it left in its group
 * is killed, and the wait ends EXEC_COMMAND_GRACE_MS later at most
 * (deadline or not) with EXEC_WAIT_DONE.  The line waited for is
 * handed on too.  0 or more is the enum exec_wait; a negative errno if
 * poll() or read() failed.
 */
int exec_command_wait(struct exec_command *c, uint64_t deadline_ms,
		      const char *until_line);
/*
 * Has the shell exited (reaped or not)?  Does not wait, and reads
 * nothing.
 */
bool exec_command_exited(const struct exec_command *c);
/* Where its output lines go from now on (userdata may change with it). */
void exec_command_set_output(struct exec_command *c, exec_line_fn on_line,
			     void *userdata);
/* Close our end of its stdin pipe (EOF for the command); idempotent. */
void exec_command_close_stdin(struct exec_command *c);
/* Send sig to its whole group; 0 or a negative errno. */
int exec_command_signal(struct exec_command *c, int sig);
/* Its process group id (the shell's pid). */
int exec_command_pgid(const struct exec_command *c);
/*
 * Stop it for missing its deadline: SIGTERM to the group, its output
 * handed on for up to EXEC_COMMAND_KILL_MS, then SIGKILL to the group.
 * The result will say EXEC_TIMED_OUT.
 */
void exec_command_kill(struct exec_command *c);
/*
 * Reap the shell and fill *ret (after EXEC_WAIT_DONE or
 * exec_command_kill(); a command still running is killed with SIGKILL
 * first); frees c.
 */
void exec_command_finish(struct exec_command *c,
			 struct exec_command_result *ret);
/* Kill what is left of it, reap it, free it; NULL is fine. */
void exec_command_free(struct exec_command *c);

/*
 * Start a command and wait for it, killing it at timeout_ms (> 0).  0
 * with *ret filled whatever the command's fate; a negative errno as
 * exec_command_start() (*ret untouched) or when its output could not be
 * read (it is killed).
 */
int exec_command_run(const struct exec_command_opts *opts,
		     unsigned timeout_ms, struct exec_command_result *ret);

/* "TERM" for SIGTERM ("signal N" for one without a name), static or in
 * buf. */
const char *exec_signal_name(int sig, char buf[16]);
/* A signal by name, with or without "SIG" ("TERM", "SIGUSR1"); 0 if none. */
int exec_signal_parse(const char *name);

#endif
