/*
 * writers/writerd/state.c - the state directory and the writers' state
 * files (state.h, backend.h "the writer's state file").
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "durable.h"
#include "log.h"
#include "state.h"

/* Set once before the writer threads start, read-only after. */
static const char *state_dir;

/* mkdir -p: missing parents 0755, dir itself 0700. */
static int
make_dir(const char *dir)
{
	char *p;
	int r = 0;

	if (mkdir(dir, 0700) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return -errno;
	p = strdup(dir);
	if (!p)
		return -ENOMEM;
	for (char *s = strchr(p + 1, '/'); s && r == 0;
	     s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			r = -errno;
		*s = '/';
	}
	free(p);
	if (r == 0 && mkdir(dir, 0700) < 0 && errno != EEXIST)
		r = -errno;
	return r;
}

void
wd_state_setup(const char *dir)
{
	int r;

	state_dir = dir;
	r = make_dir(dir);
	if (r < 0)
		wd_log_main(WD_LOG_WARNING,
			    "cannot create state directory "
			    "'%s': %s; writers remember nothing across "
			    "restarts",
			    dir, strerror(-r));
}

int
wd_state_file_name(const char *instance_name, char *buf, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	if (!instance_name[0])
		return -EINVAL;
	for (const unsigned char *c = (const unsigned char *)instance_name; *c;
	     c++) {
		bool keep = (*c >= 'a' && *c <= 'z') ||
			    (*c >= 'A' && *c <= 'Z') ||
			    (*c >= '0' && *c <= '9') || *c == '-' ||
			    *c == '_' || (*c == '.' && n > 0);

		if (n + 3 > WD_STATE_MAX_NAME || n + 3 >= len)
			return -ENAMETOOLONG;
		if (keep) {
			buf[n++] = (char)*c;
		} else {
			buf[n++] = '%';
			buf[n++] = hex[*c >> 4];
			buf[n++] = hex[*c & 15];
		}
	}
	if (n + sizeof(".state") > len)
		return -ENAMETOOLONG;
	memcpy(buf + n, ".state", sizeof(".state"));
	return 0;
}

/*
 * The state directory, open, when it is ours alone: owned by the
 * daemon's user and writable by nobody else (a file another user could
 * plant or swap there would be read as the writer's own).
 */
static int
open_dir(void)
{
	struct stat st;
	int dfd;

	if (!state_dir)
		return -ENOENT;
	dfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	if (fstat(dfd, &st) < 0) {
		int r = -errno;

		close(dfd);
		return r;
	}
	if (st.st_uid != geteuid() || (st.st_mode & 022)) {
		close(dfd);
		return -EPERM;
	}
	return dfd;
}

int
wd_state_save(struct wd_writer *w, const char *text)
{
	char name[NAME_MAX + 1];
	size_t len = strlen(text);
	int dfd, r;

	r = wd_state_file_name(wd_writer_instance_name(w), name, sizeof(name));
	if (r == 0 && len > WD_STATE_MAX_SIZE)
		r = -EFBIG;
	if (r == 0) {
		dfd = open_dir();
		r = dfd < 0 ? dfd
			    : wdurable_write(dfd, name, text, len, geteuid(),
					     getegid(), 0600);
		if (dfd >= 0)
			close(dfd);
	}
	if (r < 0)
		wd_log(w, WD_LOG_WARNING, "cannot save state in '%s': %s",
		       state_dir ? state_dir : "",
		       r == -EPERM ? "the directory is not owned by "
				     "vss-writerd's user, or others may "
				     "write it"
				   : strerror(-r));
	return r;
}

void
wd_state_save_changed(struct wd_writer *w, char **last, char *text)
{
	if (*last && strcmp(*last, text) == 0) {
		free(text);
		return;
	}
	free(*last);
	*last = NULL;
	if (wd_state_save(w, text) == 0)
		*last = text;
	else
		free(text);
}

/* The whole regular file fd (checked as wd_state_load says) as text. */
static int
read_file(int fd, char **ret)
{
	struct stat st;
	size_t have = 0;
	ssize_t n = 0;
	char *text;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022))
		return -EPERM;
	if (st.st_size > WD_STATE_MAX_SIZE)
		return -EFBIG;
	text = malloc(WD_STATE_MAX_SIZE + 2);
	if (!text)
		return -ENOMEM;
	/* One byte more than allowed: a file grown since fstat is seen. */
	while (have <= WD_STATE_MAX_SIZE) {
		n = read(fd, text + have, WD_STATE_MAX_SIZE + 1 - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	if (n < 0 || have > WD_STATE_MAX_SIZE || memchr(text, '\0', have)) {
		int r = n < 0			   ? -errno
			: have > WD_STATE_MAX_SIZE ? -EFBIG
						   : -EBADMSG;

		free(text);
		return r;
	}
	text[have] = '\0';
	*ret = text;
	return 0;
}

/* Why a file was refused, for the log. */
static const char *
refusal(int r)
{
	switch (r) {
	case -EPERM:
		return "not a regular file owned by vss-writerd's user and "
		       "writable by it alone (nor is its directory)";
	case -EFBIG:
		return "larger than 64 KiB";
	case -EBADMSG:
		return "it holds a NUL byte";
	default:
		return strerror(-r);
	}
}

int
wd_state_load(struct wd_writer *w, char **ret)
{
	char name[NAME_MAX + 1];
	int dfd, fd = -1, r;

	r = wd_state_file_name(wd_writer_instance_name(w), name, sizeof(name));
	if (r < 0) {
		wd_log(w, WD_LOG_WARNING,
		       "no state file for this instance "
		       "name: %s",
		       strerror(-r));
		return r;
	}
	dfd = open_dir();
	if (dfd == -ENOENT)
		return -ENOENT;
	r = dfd < 0 ? dfd : 0;
	if (r == 0) {
		/* O_NONBLOCK: a FIFO planted there must not block the open. */
		fd = openat(dfd, name,
			    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		r = fd < 0 ? -errno : 0;
		close(dfd);
		if (r == -ENOENT)
			return r;
		if (r == -ELOOP) /* a symbolic link */
			r = -EPERM;
	}
	if (r == 0) {
		r = read_file(fd, ret);
		close(fd);
	}
	if (r < 0)
		wd_log(w, WD_LOG_WARNING, "state file '%s/%s' refused: %s",
		       state_dir, name, refusal(r));
	return r;
}
