/*
 * fuzz_writerd_conf.c - libFuzzer target for vss-writerd's configuration
 * file (writers/writerd/conf.c): the INI reader, [writer] type and
 * log_file, the declaration ([writer] identity and excludes, [restore],
 * [component NAME]) and each type's own section, parsed by the real
 * backends.  A file that parses must name its backend, have an instance
 * name, and give a writer metadata document or a clean error; a refused
 * one must say why.  See run.sh.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

#define FUZZ_PATH "/etc/vss/writers.d/fuzz.conf"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

_Noreturn static void
die(const char *what)
{
	fprintf(stderr, "fuzz_writerd_conf: %s\n", what);
	abort();
}

static void
check(const struct wd_conf *c)
{
	struct vss_error err;
	vss_wmd *wmd = NULL;

	if (!c->backend || c->backend != wd_backend_find(c->backend->type))
		die("no backend");
	if (!c->decl.instance_name || !c->decl.instance_name[0])
		die("no instance name");
	if (!c->decl.name || !c->decl.name[0])
		die("no name");
	if (c->log_file && c->log_file[0] != '/')
		die("relative log_file");
	if (wdecl_new_wmd(&c->decl, &wmd, &err) < 0 && !err.message[0])
		die("WMD refused without a message");
	vss_wmd_free(wmd);
}

/* A refusal's message is "PATH: why": the path alone says nothing. */
static bool
refusal_says_why(const char *message)
{
	size_t n = strlen(FUZZ_PATH ": ");

	return strncmp(message, FUZZ_PATH ": ", n) == 0 && message[n] != '\0';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wd_conf *c = NULL;
	struct vss_error err;
	char *text;

	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (wd_conf_parse(FUZZ_PATH, text, &c, &err) ==
	    0) {
		check(c);
		wd_conf_free(c);
	} else if (!refusal_says_why(err.message)) {
		die("refused without a message");
	}
	free(text);
	return 0;
}
