/*
 * writers/writerd/children.c - the process groups of vss-writerd's child
 * processes (children.h), found in /proc.
 */
#include <ctype.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "children.h"

/* The parent and process group of pid from /proc/PID/stat; 0 or -1. */
static int
stat_of(const char *pid, pid_t *ret_ppid, pid_t *ret_pgrp)
{
	char path[64], buf[512], *p;
	int ppid, pgrp;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* "PID (COMM) STATE PPID PGRP ...": COMM may hold anything. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %d %d", &ppid, &pgrp) != 2)
		return -1;
	*ret_ppid = ppid;
	*ret_pgrp = pgrp;
	return 0;
}

unsigned
wd_children_signal(int sig)
{
	pid_t self = getpid(), own_group = getpgrp(), ppid, pgrp;
	unsigned n = 0;
	struct dirent *de;
	DIR *d;

	d = opendir("/proc");
	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]) ||
		    stat_of(de->d_name, &ppid, &pgrp) < 0 || ppid != self ||
		    pgrp <= 1 || pgrp == own_group)
			continue;
		if (kill(-pgrp, sig) == 0)
			n++;
	}
	closedir(d);
	return n;
}
