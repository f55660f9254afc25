/*
 * writers/common/holders.c - who has a file open (a /proc/PID/fd scan)
 * and whether the process of a pid file is still alive.
 *
 * A file is recognised by its device and inode: fstatat() on a
 * /proc/PID/fd/N link stats the open file itself, so no link text is read
 * and compared (a renamed or deleted file, or a path reached through a
 * symlink or bind mount, is still found).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "holders.h"

/* A /proc entry name that is a pid: decimal digits only. */
static bool
is_pid_name(const char *name, pid_t *ret)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)name[0]))
		return false;
	errno = 0;
	v = strtol(name, &end, 10);
	if (errno != 0 || *end != '\0' || v <= 0 || (pid_t)v != v)
		return false;
	*ret = (pid_t)v;
	return true;
}

/*
 * Up to size - 1 bytes of a small file at dirfd/name, NUL-terminated; the
 * length, or a negative errno.
 */
static ssize_t
read_small(int dirfd, const char *name, char *buf, size_t size)
{
	ssize_t n;
	size_t len = 0;
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	while (len < size - 1) {
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			return n;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return (ssize_t)len;
}

/* The command name of a process into comm, "" when unreadable. */
static void
read_comm(int procfd, pid_t pid, char *comm, size_t size)
{
	char name[32];
	size_t len;

	snprintf(name, sizeof(name), "%d/comm", (int)pid);
	if (read_small(procfd, name, comm, size) < 0) {
		comm[0] = '\0';
		return;
	}
	len = strcspn(comm, "\n");
	comm[len] = '\0';
}

/*
 * Whether process pid has the file (dev, ino) open: 1 yes, 0 no (or gone
 * while we look), -1 when its descriptors cannot be looked at (EACCES,
 * EPERM: not ours, and we lack the privilege).
 *
 * Only /proc/PID/fd, the table the process's threads share; a thread that
 * unshared its descriptor table (unshare(CLONE_FILES)) is not seen.  That
 * is rare, and reading every /proc/PID/task/TID/fd too would multiply the
 * cost of a scan that already opens every process's directory.
 */
static int
process_holds(int procfd, pid_t pid, dev_t dev, ino_t ino)
{
	char name[32];
	struct dirent *de;
	struct stat st;
	DIR *fds;
	int fd, found = 0;

	snprintf(name, sizeof(name), "%d/fd", (int)pid);
	fd = openat(procfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == EACCES || errno == EPERM ? -1 : 0;
	fds = fdopendir(fd);
	if (!fds) {
		close(fd);
		return 0;
	}
	while ((de = readdir(fds))) {
		if (de->d_name[0] == '.')
			continue;
		/* A descriptor closed meanwhile, or an fd without a file. */
		if (fstatat(dirfd(fds), de->d_name, &st, 0) < 0)
			continue;
		if (st.st_dev == dev && st.st_ino == ino) {
			found = 1;
			break;
		}
	}
	closedir(fds);
	return found;
}

int
wholders_of_file(const char *path, struct wholder *ret, size_t max,
		 size_t *ret_uninspected)
{
	struct dirent *de;
	struct stat target;
	pid_t self = getpid(), pid;
	size_t uninspected = 0;
	DIR *proc;
	int count = 0, h;

	if (!path || (max > 0 && !ret))
		return -EINVAL;
	if (stat(path, &target) < 0)
		return -errno;
	proc = opendir("/proc");
	if (!proc)
		return -errno;
	while ((de = readdir(proc))) {
		if (!is_pid_name(de->d_name, &pid) || pid == self)
			continue;
		h = process_holds(dirfd(proc), pid, target.st_dev,
				  target.st_ino);
		if (h < 0)
			uninspected++;
		if (h <= 0)
			continue;
		if ((size_t)count < max) {
			ret[count].pid = pid;
			read_comm(dirfd(proc), pid, ret[count].comm,
				  sizeof(ret[count].comm));
		}
		count++;
	}
	closedir(proc);
	if (ret_uninspected)
		*ret_uninspected = uninspected;
	return count;
}

/* Whether pid is a zombie (exited, not yet reaped): then it is gone. */
static bool
is_zombie(pid_t pid)
{
	char name[48], buf[512];
	const char *p;

	snprintf(name, sizeof(name), "/proc/%d/stat", (int)pid);
	if (read_small(AT_FDCWD, name, buf, sizeof(buf)) < 0)
		return false;
	/* "PID (COMM) S ...": comm may hold ')' itself, so the last one. */
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'Z';
}

int
wholders_pidfile_alive(const char *path, pid_t *ret)
{
	char buf[64], *p;
	long v = 0;
	ssize_t n;

	if (!path)
		return -EINVAL;
	n = read_small(AT_FDCWD, path, buf, sizeof(buf));
	if (n == -ENOENT)
		return 0;
	if (n < 0)
		return (int)n;
	/* The first line: a decimal pid, then the end of the line. */
	p = buf;
	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		v = v * 10 + (*p - '0');
		if (v > 0x7fffffff)
			return -EINVAL;
	}
	while (*p == ' ' || *p == '\t' || *p == '\r')
		p++;
	if ((*p != '\n' && *p != '\0') || v <= 0)
		return -EINVAL;
	/* EPERM: it exists but is someone else's; alive all the same. */
	if (kill((pid_t)v, 0) < 0 && errno != EPERM)
		return errno == ESRCH ? 0 : -errno;
	if (is_zombie((pid_t)v))
		return 0;
	if (ret)
		*ret = (pid_t)v;
	return (int)v;
}

int
wholders_uninspected(const char *path, size_t n, struct vss_error *err)
{
	if (n == 0)
		return 0;
	snprintf(err->message, sizeof(err->message),
		 "could not inspect %zu process%s to tell whether %s holds "
		 "%s open (their /proc/PID/fd is not readable: run as root, "
		 "or mount /proc without hidepid)",
		 n, n == 1 ? "" : "es", n == 1 ? "it" : "one of them", path);
	err->line = 0;
	return -EACCES;
}
