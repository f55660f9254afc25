/*
 * writers/writerd/conf.h - one writer's configuration file
 * (/etc/vss/writers.d/NAME.conf, docs/vss-writerd.8): its type's backend,
 * the writer's declaration ([writer] identity and excludes, [restore],
 * [component NAME]), its log file, and the type's own section, which the
 * backend parses into its state.
 */
#ifndef WD_CONF_H
#define WD_CONF_H

#include <vss/metadata.h>

#include "backend.h"
#include "decl.h"

struct wd_conf {
	char *path;                       /* as given */
	char *text;                       /* the file's bytes: a changed file */
	const struct wd_backend *backend;
	void *state;                      /* the backend's (state_new) */
	struct wdecl decl;                /* instance_name never NULL */
	bool has_decl;                    /* decl initialised */
	char *log_file;                   /* NULL if none */
};

/*
 * Read and check the file at path.  Caller owns *ret; free with
 * wd_conf_free().  On failure err's message starts with the path and, for
 * a problem of a line, "line N: [section] key: ".
 */
int wd_conf_load(const char *path, struct wd_conf **ret,
		 struct vss_error *err);
/* The same for text read elsewhere; path names it and gives the default
 * instance name (the file name without ".conf"). */
int wd_conf_parse(const char *path, const char *text, struct wd_conf **ret,
		  struct vss_error *err);
void wd_conf_free(struct wd_conf *c);

#endif
