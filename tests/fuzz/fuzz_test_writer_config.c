/*
 * fuzz_test_writer_config.c - libFuzzer target for vss-test-writer's
 * configuration file (tools/test-writer/config.c on writers/common's INI
 * reader and declaration): the file is loaded, the writer metadata
 * document made from what loaded, and each component's event keys looked
 * up as the event handlers do.  A refused file must say why; a loaded one
 * must give a WMD or a clean error, and event keys only for its
 * components.  See run.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

_Noreturn static void
die(const char *what)
{
	fprintf(stderr, "fuzz_test_writer_config: %s\n", what);
	abort();
}

/* The event keys of one component, read as pre_restore would. */
static void
check_events(const struct tw_config *cfg, const struct wdecl_component *c)
{
	const struct tw_component_events *ev = tw_config_events(cfg, c);
	size_t i;

	if (!ev)
		return;
	if (ev < cfg->events || ev >= cfg->events + cfg->events_count)
		die("event keys outside the array");
	if (ev->directed_count > ev->directed_cap)
		die("directed targets past their capacity");
	for (i = 0; i < ev->directed_count; i++) {
		const struct tw_directed *d = &ev->directed[i];

		if (!d->source_path || !d->source_file || !d->source_ranges ||
		    !d->destination_path || !d->destination_file ||
		    !d->destination_ranges)
			die("directed target without a field");
	}
	if (ev->backup_metadata && !ev->backup_metadata[0])
		die("empty backup metadata kept");
}

static void
check(const struct tw_config *cfg)
{
	struct vss_error err;
	vss_wmd *wmd = NULL;
	size_t i;

	if (!cfg->decl.name || !cfg->decl.name[0])
		die("no name");
	if (wdecl_new_wmd(&cfg->decl, &wmd, &err) < 0) {
		if (!err.message[0])
			die("WMD refused without a message");
		if (wmd)
			die("WMD set on failure");
	} else if (vss_wmd_component_count(wmd) != cfg->decl.component_count) {
		die("WMD and declaration differ in components");
	}
	vss_wmd_free(wmd);
	for (i = 0; i < cfg->decl.component_count; i++)
		check_events(cfg, &cfg->decl.components[i]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tw_config cfg;
	struct vss_error err;
	char *text;

	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (tw_config_init(&cfg) < 0)
		die("init");
	if (tw_config_load_string(&cfg, text, &err) == 0) {
		if (err.message[0])
			die("loaded with a message");
		check(&cfg);
	} else if (!err.message[0]) {
		die("refused without a message");
	}
	tw_config_release(&cfg);
	free(text);
	return 0;
}
