/*
 * cli/restore_write_internal.h - what the files of the restore writer
 * (restore_target.c, restore_write*.c) share: the target tree, the batch
 * and its objects, the safe directory walk, temporary names and the
 * metadata of an object.  Only those files include it.
 */
#ifndef VSS_CLI_RESTORE_WRITE_INTERNAL_H
#define VSS_CLI_RESTORE_WRITE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "bset_internal.h"
#include "restore_write.h"

/* The prefix of every temporary name the writer makes. */
#define RESTORE_TMP_PREFIX ".vss-restore-"
/* The prefix, six random characters and the NUL. */
#define RESTORE_TMP_SIZE (sizeof(RESTORE_TMP_PREFIX) + 6)

struct rtarget {
	char *root;  /* as given, without trailing slashes ("/" stays) */
	int fd;      /* the root, O_RDONLY | O_DIRECTORY */
};

/* What an object of a batch is. */
enum robj_kind {
	RO_FILE,     /* a regular file, staged whole under tmp */
	RO_SPECIAL,  /* a symbolic link, FIFO or device node, under tmp */
	RO_LINK,     /* a hard link, made at commit */
	RO_DIR,      /* a directory: made at rbatch_add(), metadata at commit */
	RO_RANGES,   /* a directed target (RS-091): a file staged under tmp */
};

struct robj {
	enum robj_kind kind;
	struct rtarget *t;           /* borrowed */
	char *relpath;
	char *component;             /* for the journal; may be NULL */
	/*
	 * Borrowed from the caller's manifest; NULL for a directory the
	 * walk made as a parent (no entry: mkdir -p) and for RO_RANGES.
	 */
	const struct bset_entry *e;
	char tmp[RESTORE_TMP_SIZE];  /* "" when nothing is staged */
	dev_t tmp_dev;               /* what tmp was when we made it */
	ino_t tmp_ino;
	/* RO_LINK: the object of the first link, or SIZE_MAX ... */
	size_t first;
	/* ... and then its path below t, already in the target. */
	char *first_path;
	bool created;                /* RO_DIR: made by this batch */
	bool done;                   /* in place (or journalled) */
	char staged[24];             /* staging: the name in the stage dir */
};

/* One open directory, kept while the next objects go to the same one. */
struct rdir_cache {
	const void *owner;  /* the target (or the batch for the set) */
	char *path;
	int fd;             /* O_PATH, or -1 */
};

struct rbatch {
	int data_fd;                 /* DIR/data of the set, O_PATH */
	struct pending_restore *pending;  /* borrowed; NULL: in place */
	struct robj *objs;
	size_t count, cap;
	size_t entries;              /* objects the caller added */
	uint64_t bytes;              /* their regular file bytes */
	struct bset_table by_dest;   /* (target index, relpath) -> object */
	struct bset_table by_entry;  /* (volume, manifest path) -> object */
	struct rtarget **targets;    /* distinct targets, borrowed */
	size_t target_count;
	struct rdir_cache dest, src;
	bool committed;
};

/* restore_target.c */
/* Whether relpath is clean (rtarget_check() without looking): 0/-EINVAL. */
int rt_check_path(const struct rtarget *t, const char *relpath, char *err,
		  size_t errlen);
/*
 * Called for each missing directory that rt_open_dir() makes (path
 * below t): 0, or -errno to stop the walk.
 */
typedef int (*rt_made_fn)(struct rtarget *t, const char *path, void *u);
/*
 * Open directory dir (relative, "" the root) below t without following
 * a symbolic link or crossing a mount; flags O_PATH or O_RDONLY.  made
 * non-NULL: make missing directories (0755 less the umask, as mkdir -p)
 * and report each; NULL: -ENOENT.  The fd, or -errno with err saying
 * which element is wrong.
 */
int rt_open_dir(struct rtarget *t, const char *dir, int flags,
		rt_made_fn made, void *u, char *err, size_t errlen);
/*
 * The fd of directory dir below t's root from cache c (owner t), opened
 * with rt_open_dir(.., O_PATH, made, u, ..) when it is another one.
 * Borrowed: valid until the next call with c.
 */
int rt_cached_dir(struct rdir_cache *c, struct rtarget *t, const char *dir,
		  rt_made_fn made, void *u, char *err, size_t errlen);
void rt_cache_release(struct rdir_cache *c);
/* Whether stx says the object is immutable or append-only. */
bool rt_stx_locked(const struct statx *stx);

/* restore_write_meta.c */
/*
 * A fresh temporary name ".vss-restore-XXXXXX" in buf: random, so that
 * another process cannot guess it; callers create with O_EXCL (or the
 * like) and try again on EEXIST.
 */
int rmeta_tmp_name(char buf[RESTORE_TMP_SIZE]);
/*
 * A new regular file in dir open O_RDWR: O_TMPFILE when the file system
 * has it (*ret_named false: link it with rmeta_link_tmpfile() once
 * complete), else created under a temporary name now (*ret_named true).
 * The name is written to name either way.  The fd or -errno.
 */
int rmeta_tmpfile(int dir, char name[RESTORE_TMP_SIZE], bool *ret_named);
/* Give the O_TMPFILE fd the name name in dir; 0 or -errno. */
int rmeta_link_tmpfile(int fd, int dir, const char *name);
/*
 * The manifest's owner, extended attributes (those it does not list
 * removed: inherited default ACLs, stale user.* on a directory kept),
 * mode and times of e on the object open as fd (a regular file or a
 * directory), in that order: chown clears setuid bits and file
 * capabilities.  0 or -errno with err.
 */
int rmeta_apply_fd(int fd, const struct bset_entry *e, char *err,
		   size_t errlen);
/* The same for name in dir (a symbolic link, FIFO or device node). */
int rmeta_apply_at(int dir, const char *name, const struct bset_entry *e,
		   char *err, size_t errlen);
/*
 * Owner, extended attributes and mode of the regular file src on dst (a
 * directed target's temporary copy of an existing file); 0 or -errno.
 */
int rmeta_copy_fd(int src, int dst, const struct stat *st, char *err,
		  size_t errlen);

/* restore_write.c */
/* Add an object to b (takes ownership of its strings); 0 or -ENOMEM. */
int rbatch_push(struct rbatch *b, const struct robj *o);
/* The index of t in b->targets, added when new; -ENOMEM. */
int rbatch_target_index(struct rbatch *b, struct rtarget *t, size_t *ret);
/* The object at relpath below t, or SIZE_MAX. */
size_t rbatch_find_dest(const struct rbatch *b, struct rtarget *t,
			const char *relpath);
/*
 * The parent directory of relpath below t open O_PATH (from b->dest: borrowed
 * until the next call), *ret_name its last element.  create: make the
 * missing ones, recorded in b as directories without an entry.  -errno.
 */
int rbatch_parent(struct rbatch *b, struct rtarget *t, const char *relpath,
		  bool create, const char **ret_name, char *err,
		  size_t errlen);
/*
 * Remove what o has staged (its temporary, if it is still the one made);
 * in staging mode from the stage directory.
 */
void rbatch_unstage(struct rbatch *b, struct robj *o);
/* Free o's strings. */
void robj_release(struct robj *o);
/*
 * Open the set's data of regular file e (DIR/data/<volume>/<path>)
 * without following a symbolic link; *ret_st its status.  fd or -errno.
 */
int rbatch_open_source(struct rbatch *b, const struct bset_entry *e,
		       struct stat *ret_st, char *err, size_t errlen);
/*
 * Check that the SHA-256 of e's data in the set (size bytes of src) is
 * the manifest's: 0, -EBADMSG with err, or -errno.
 */
int rbatch_check_source(int src, const struct bset_entry *e, char *err,
			size_t errlen);
/*
 * Whether something is at name in dir that o may replace: 0 nothing, 1
 * an object of its kind; a directory where a non-directory goes (or the
 * reverse) is refused, never removed (-EISDIR / -ENOTDIR), and so is an
 * immutable or append-only object (-EPERM); err says so.
 */
int rbatch_check_place(const struct robj *o, int dir, const char *name,
		       char *err, size_t errlen);
/*
 * Copy size bytes of src into the empty file dst, holes kept: FICLONE
 * where it works, else the data extents.  hex: the SHA-256 of what dst
 * holds now.  0 or -errno.
 */
int rbatch_copy_data(int src, int dst, uint64_t size, char hex[65]);
/* Whether tmp of o in dir is still the object we made there. */
bool rbatch_tmp_ours(int dir, const struct robj *o);
/* Record what o->tmp in dir is now, for rbatch_tmp_ours(); -errno. */
int rbatch_tmp_remember(int dir, struct robj *o);
/* Format "root/relpath" for messages into buf. */
const char *rbatch_where(const struct rtarget *t, const char *relpath,
			 char *buf, size_t len);

#endif
