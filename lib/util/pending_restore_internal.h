/*
 * lib/util/pending_restore_internal.h - what the files of the pending
 * restore journal share (pending_restore.h is the interface): the parsed
 * journal, its checks, and reaching objects beneath a root.
 *
 *   pending_restore_parse.c    the journal's text: checks and model
 *   pending_restore_write.c    staging and writing a journal
 *   pending_restore_apply.c    applying the journals of a state directory
 *   pending_restore_beneath.c  directories beneath a root (util/beneath.h),
 *                              made on the way; removing a staging tree
 */
#ifndef VSS_UTIL_PENDING_RESTORE_INTERNAL_H
#define VSS_UTIL_PENDING_RESTORE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/pending_restore.h"

#define PR_FORMAT "vss-pending-restore"
#define PR_VERSION 2
/* A journal id: 32 lower-case hex digits (128 random bits). */
#define PR_ID_LEN 32
#define PR_JOURNAL_SUFFIX ".journal"
#define PR_TMP_SUFFIX ".journal.tmp"
#define PR_BAD_SUFFIX ".journal.bad"
/* What a staging directory with refused entries is renamed to: <id>.refused. */
#define PR_REFUSED_SUFFIX ".refused"
/* The longest boot id a journal records (the kernel's is 36 characters). */
#define PR_BOOT_ID_MAX 64
/* The longest line and the largest journal the parser takes. */
#define PR_LINE_MAX 65536
#define PR_JOURNAL_MAX ((size_t)256 << 20)

/* ---- pending_restore_parse.c -------------------------------------------- */

struct pr_entry {
	uint64_t n;        /* 1, 2, ...: the staged object's name */
	mode_t type;       /* S_IFREG, S_IFDIR... */
	char *target;      /* relative to the journal's root */
	char *component;   /* or NULL */
	uint64_t ino;      /* the staged object's inode, its low 63 bits */
	uint64_t size;     /* and its size (not checked for a directory) */
	int64_t atime_ns;  /* a directory's times, set after every apply */
	int64_t mtime_ns;
};

struct pr_journal {
	char id[PR_ID_LEN + 1];
	char boot_id[PR_BOOT_ID_MAX + 1];  /* "" when it could not be read */
	uint64_t created_ns;
	char *backup_set;
	char *root;
	struct pr_entry *entries;
	size_t count;
};

/*
 * Parse and check a journal's whole text (pending_restore_parse()).
 * *ret is written only on success; release it with pr_journal_release().
 */
int pr_journal_parse(const char *text, size_t len, struct pr_journal *ret,
		     char *err, size_t errlen);
/* Free what a parsed journal holds; accepts a zeroed one. */
void pr_journal_release(struct pr_journal *j);

/* "file", "dir"... for an S_IFMT type, or NULL for another. */
const char *pr_type_name(mode_t type);
/*
 * A non-empty relative path (relpath_valid()) whose first element is not
 * PENDING_STAGE_DIR.
 */
bool pr_target_valid(const char *path);
/* PR_ID_LEN lower-case hex digits. */
bool pr_id_valid(const char *id);
/* The low 63 bits of an inode number, as a journal records it. */
uint64_t pr_ino(ino_t ino);

/* ---- pending_restore_write.c -------------------------------------------- */

/*
 * The id of the running boot (/proc/sys/kernel/random/boot_id, without
 * its newline) into ret; "" when it cannot be read.
 */
void pr_boot_id(char ret[PR_BOOT_ID_MAX + 1]);

/* ---- pending_restore_beneath.c ------------------------------------------ */

/*
 * The directory name (one element) below dirfd, opened O_PATH by
 * beneath_open_subdir(): without following a symbolic link and without
 * leaving dirfd's mount.  With create, a missing directory is made (0755)
 * first.  Returns the fd, or -ELOOP (a symbolic link), -EXDEV (another
 * mount), -ENOTDIR, -ENOENT...
 */
int pr_open_step(int dirfd, const char *name, bool create);
/*
 * The parent directory of relpath (non-empty, checked with
 * relpath_valid()) below root, element by element as pr_open_step();
 * *ret_base points to the last element inside relpath.  Returns the fd
 * or a negative errno.
 */
int pr_open_parent(int root, const char *relpath, bool create,
		   const char **ret_base);
/*
 * Remove name below dirfd and everything under it, never following a
 * symbolic link nor entering another mount: 0, or the first negative
 * errno (what could be removed is).
 */
int pr_remove_tree(int dirfd, const char *name);

#endif
