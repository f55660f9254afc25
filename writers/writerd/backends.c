/*
 * writers/writerd/backends.c - the writer types vss-writerd knows, by the
 * name a file gives in [writer] type.
 */
#include <string.h>

#include "backend.h"

static const struct wd_backend *const backends[] = {
	&wd_backend_exec,
	&wd_backend_postgresql,
	&wd_backend_mariadb,
	&wd_backend_sqlite,
};

const struct wd_backend *
wd_backend_find(const char *type)
{
	size_t i;

	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (strcmp(backends[i]->type, type) == 0)
			return backends[i];
	return NULL;
}

const char *
wd_backend_names(void)
{
	return "exec, postgresql, mariadb, sqlite";
}
