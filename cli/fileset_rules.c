/*
 * cli/fileset_rules.c - the FilesNotToBackup entries of "vss backup"
 * (BK-142): read from the [files-not-to-backup] section of an INI file,
 * in the entry syntax vssd reads for FilesNotToSnapshot
 * (lib/util/filerule.h), and turned into exclusions of a file set
 * (fileset.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "fileset.h"
#include "util/filerule.h"

#define RULES_SECTION "files-not-to-backup"

struct rules_parse {
	struct fileset_rule *rules;
	size_t n;
	char *err;
	size_t errlen;
	int error; /* the first error, its message in err */
};

static void
rule_release(struct fileset_rule *r)
{
	free(r->owner);
	free(r->path);
	free(r->filespec);
}

/*
 * One line of the section: its entries, in the syntax vssd reads for
 * FilesNotToSnapshot (util/filerule.h), $UserProfile$ expanded.
 */
static int
rules_line(void *user, const char *section, const char *name,
	   const char *value)
{
	struct rules_parse *p = user;
	struct filerule_list list = {0};
	struct fileset_rule *grown;
	struct filerule *f;
	char *owner;
	size_t i;
	int r;

	if (strcmp(section, RULES_SECTION) != 0 || p->error)
		return 1;
	r = filerule_parse_list(&list, value, true, p->err, p->errlen);
	for (i = 0; r == 0 && i < list.n; i++) {
		f = &list.v[i];
		grown = realloc(p->rules, (p->n + 1) * sizeof(*grown));
		if (grown)
			p->rules = grown;
		owner = strdup(name);
		if (!grown || !owner) {
			free(owner);
			r = -ENOMEM;
			break;
		}
		/* The strings move to the rule. */
		p->rules[p->n++] = (struct fileset_rule){
			.owner = owner,
			.path = f->dir,
			.filespec = f->filespec,
			.recursive = f->recursive,
			.all_volumes = f->kind == FILERULE_ALL_VOLUMES,
		};
		f->dir = NULL;
		f->filespec = NULL;
	}
	filerule_list_release(&list);
	if (r < 0) {
		if (r == -ENOMEM)
			snprintf(p->err, p->errlen, "%s", strerror(ENOMEM));
		p->error = r;
		return 0;
	}
	return 1;
}

int
fileset_rules_load(const char *config, bool missing_ok,
		   struct fileset_rule **ret, size_t *ret_n, char *err,
		   size_t errlen)
{
	struct rules_parse p = {.err = err, .errlen = errlen};
	char msg[256] = "";
	FILE *f;
	int line, r;

	*ret = NULL;
	*ret_n = 0;
	err[0] = '\0';
	f = fopen(config, "re");
	if (!f) {
		r = -errno;
		if (r == -ENOENT && missing_ok)
			return 0;
		snprintf(err, errlen, "%s", strerror(-r));
		return r;
	}
	p.err = msg;
	p.errlen = sizeof(msg);
	line = ini_parse_file(f, rules_line, &p);
	fclose(f);
	if (line != 0 || p.error) {
		fileset_rules_free(p.rules, p.n);
		if (line < 0) {
			snprintf(err, errlen, "%s", strerror(ENOMEM));
			return -ENOMEM;
		}
		if (p.error == -ENOMEM) {
			snprintf(err, errlen, "%s", msg);
			return -ENOMEM;
		}
		snprintf(err, errlen, "line %d: %s", line,
			 p.error ? msg : "not INI syntax");
		return -EINVAL;
	}
	*ret = p.rules;
	*ret_n = p.n;
	return 0;
}

void
fileset_rules_free(struct fileset_rule *rules, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		rule_release(&rules[i]);
	free(rules);
}

int
fileset_exclude_rule(struct fileset *fs, const struct fileset_rule *rule)
{
	if (rule->all_volumes)
		return fileset_exclude_each_volume(fs, rule->path,
						   rule->filespec,
						   rule->recursive);
	return fileset_exclude(fs, rule->path, rule->filespec,
			       rule->recursive);
}
