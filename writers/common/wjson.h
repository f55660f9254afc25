/*
 * writers/common/wjson.h - the small JSON documents the database writers
 * keep (backup metadata in the backup components document, the layout in
 * vss-writerd's state directory): one way to write them out, one way to
 * refuse one.
 */
#ifndef WJSON_H
#define WJSON_H

#include <jansson.h>

#include <vss/metadata.h>

/*
 * The compact text of o, keys in insertion order, into *ret (caller
 * frees).  Takes o (its reference is dropped); o NULL, as a failed
 * json_pack() gives, is -ENOMEM like a failed dump.
 */
int wjson_dump(json_t *o, char **ret);

/*
 * Refuse a document: err's message is "WHAT: " (left out when what is
 * NULL) and the formatted text, its line 0; returns -EBADMSG.
 */
int wjson_bad(struct vss_error *err, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
