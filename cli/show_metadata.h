/*
 * cli/show_metadata.h - documents through the output layer (output.h), in
 * the schema of docs/cli-json.md.
 */
#ifndef VSS_CLI_SHOW_METADATA_H
#define VSS_CLI_SHOW_METADATA_H

#include <vss/metadata.h>

#include "output.h"

/* The document as one object: the root, or the next item of a list. */
void show_wmd(struct output *o, const vss_wmd *wmd);
void show_bcd(struct output *o, const vss_bcd *bcd);

#endif
