/*
 * fuzz_config.c - libFuzzer target for vssd's configuration file: the INI
 * reader, the [vssd] keys, [provider NAME] sections (exec_conf_key,
 * exec_conf_check) and [files-not-to-snapshot] entries (exclude_parse).
 * The input is the whole file, read through a memfd as config_load()
 * reads /etc/vss/vss.conf.  A file that loads must give a configuration
 * within the documented limits, whose exec providers can be built and
 * released; anything else aborts.  See run.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

_Noreturn static void
die(const char *what)
{
	fprintf(stderr, "fuzz_config: %s\n", what);
	abort();
}

static void
check(const struct config *c)
{
	struct provider **v = NULL;
	size_t i, n = 0;

	if (c->max_shadow_copies < 1 || c->max_shadow_copies > 512)
		die("max_shadow_copies out of range");
	if (!c->expose_dir || c->expose_dir[0] != '/')
		die("expose_dir not absolute");
	if (c->max_document > c->max_frame)
		die("max_document over max_frame");
	for (i = 0; i < c->files_not_to_snapshot.n; i++)
		if (!c->files_not_to_snapshot.v[i].filespec)
			die("exclusion without a file name");
	if (exec_providers_new(c->exec_providers, &v, &n) < 0)
		return;
	for (i = 0; i < n; i++)
		v[i]->ops->release(v[i]);
	free(v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool quiet;
	struct config *c = NULL;
	char path[64];
	int fd;

	if (!quiet) {
		/* The warnings of every refused file would flood the log. */
		log_init(false, false);
		quiet = true;
	}
	fd = memfd_create("vss.conf", MFD_CLOEXEC);
	/* Provider commands are only read from a file others cannot write. */
	if (fd < 0 || fchmod(fd, 0600) < 0)
		die("memfd_create");
	if (size > 0 && write(fd, data, size) != (ssize_t)size)
		die("write");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (config_load(path, &c) == 0) {
		check(c);
		config_free(c);
	}
	close(fd);
	return 0;
}
