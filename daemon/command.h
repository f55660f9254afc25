/*
 * daemon/command.h - run a program with a deadline and capture what it
 * prints.  Used by the exec provider (providers/exec.c); nothing here
 * logs or touches daemon state, so any part of vss can use it.
 *
 * The program runs in a process group of its own, with stdin on
 * /dev/null, stdout and stderr on pipes, cwd "/", exactly the given
 * environment, no other open file, every signal at its default and none
 * blocked, and SIGKILL as its parent-death signal, so that it dies with
 * the thread that runs it (and so with the daemon).  When the program
 * exits, whatever it left running in its process group is killed; at the
 * deadline the whole group is killed.  Processes that leave the group
 * (setsid) are out of reach and are not waited for beyond the deadline.
 *
 * command_run() blocks the calling thread until the program and its
 * output have ended or the deadline has passed, and then until the
 * program is reaped: a program killed while in uninterruptible sleep (a
 * write to a frozen file system) is reaped when it wakes.  Thread-safe;
 * it waits for its own child only, by pid.
 */
#ifndef VSSD_COMMAND_H
#define VSSD_COMMAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes of stdout and of stderr kept by default; the rest is dropped. */
#define COMMAND_OUTPUT_MAX (64u * 1024)

struct command_opts {
	const char *path;  /* program to execute (no PATH search) */
	char *const *argv; /* its argv, NULL-terminated; argv[0] its name */
	char *const *envp; /* its whole environment, NULL-terminated */
	uint32_t timeout_ms; /* deadline from the start, > 0 */
	size_t max_output;   /* per stream; 0: COMMAND_OUTPUT_MAX */
};

/* What one stream carried: the first max_output bytes. */
struct command_output {
	char *data; /* NUL-terminated (may hold NULs before len); never NULL */
	size_t len;
	bool truncated; /* more was written and dropped */
};

struct command_result {
	/* Killed at the deadline, or its output had not ended by then. */
	bool timed_out;
	int exit_status; /* 0..255 when the program exited, else -1 */
	int signal;      /* the signal that ended it, else 0 */
	struct command_output out, err;
};

/*
 * Run opts->path and wait for it.  0 with *ret filled in (whatever the
 * program's fate; an exec failure is exit status 127, as the shell
 * reports it), or a negative errno when it could not be started (*ret
 * untouched).  Caller owns *ret; release with command_result_release().
 */
int command_run(const struct command_opts *opts, struct command_result *ret);
/* Free the outputs of r (r itself is the caller's); NULL is fine. */
void command_result_release(struct command_result *r);
/*
 * The last non-empty line of o, without its line end, into buf (cut to
 * size - 1 bytes; "" if none).  Returns its whole length, so that a
 * result >= size tells it was cut.
 */
size_t command_output_last_line(const struct command_output *o, char *buf,
				size_t size);

#endif
