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

/* One directed target written into an object's temporary, kept to replay. */
struct rrange_op {
	struct bset_entry *src;      /* the backed-up file (a copy) */
	char *src_ranges;
	char *dst_ranges;
};

struct robj {
	enum robj_kind kind;
	struct rtarget *t;           /* borrowed */
	char *relpath;
	char *component;             /* for the journal; may be NULL */
	/*
	 * The batch's own copy of the caller's entry (rmeta_entry_dup());
	 * NULL for a directory the walk made as a parent (no entry: mkdir
	 * -p) and for RO_RANGES.  A hard link turned into a full copy
	 * holds its first link's entry (whose data it copies).
	 */
	struct bset_entry *e;
	char tmp[RESTORE_TMP_SIZE];  /* "" when nothing is staged */
	dev_t tmp_dev;               /* what tmp was when we made it */
	ino_t tmp_ino;
	/* RO_LINK: the object of the first link, or SIZE_MAX ... */
	size_t first;
	/*
	 * ... and then its path below t, already in the target with the
	 * content of the backup: the inode checked then, checked again
	 * when the link is made.
	 */
	char *first_path;
	dev_t first_dev;
	ino_t first_ino;
	/* RO_FILE, RO_RANGES: the directed targets written into tmp. */
	struct rrange_op *ranges;
	size_t range_count;
	bool created;                /* RO_DIR: made by this batch */
	bool done;                   /* in place (or journalled) */
	/*
	 * tmp was written in part by a directed target that failed: never
	 * put in place.
	 */
	bool broken;
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
	/* Borrowed: rbatch_set_manifest(); NULL until then. */
	const struct bset_manifest *m;
	bool no_replace;             /* rbatch_set_no_replace() */
	bool staged;                 /* rbatch_stage() done */
	bool committed;
};

/* restore_target.c */
/* Write a message into err (NULL or errlen 0: nothing). */
void rw_set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
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
/*
 * What a write into a file takes away (security.capability, and setuid
 * bits without CAP_FSETID): its owner, mode and extended attributes,
 * saved before the write and put back after.
 */
struct rmeta_saved {
	uid_t uid;
	gid_t gid;
	mode_t mode;
	size_t count;
	char **names;
	uint8_t **values;
	size_t *sizes;
};
/* Save the metadata of fd into *ret; release with rmeta_saved_release(). */
int rmeta_save(int fd, struct rmeta_saved *ret);
/* Put saved metadata back on fd; 0 or -errno with err. */
int rmeta_restore(int fd, const struct rmeta_saved *s, char *err,
		  size_t errlen);
void rmeta_saved_release(struct rmeta_saved *s);
/*
 * A deep copy of e (strings and extended attributes; not its component
 * list).  Caller owns *ret; free with rmeta_entry_free().  0 or -ENOMEM.
 */
int rmeta_entry_dup(const struct bset_entry *e, struct bset_entry **ret);
void rmeta_entry_free(struct bset_entry *e);

/* restore_write.c */
/*
 * Add an object to b (takes ownership of its strings and entry); 0 or
 * -ENOMEM (then the caller still owns them).
 */
int rbatch_push(struct rbatch *b, const struct robj *o);
/* Index object idx of b by its entry (o->e set since it was pushed). */
int rbatch_index_entry(struct rbatch *b, size_t idx);
/* The index of t in b->targets, added when new; -ENOMEM. */
int rbatch_target_index(struct rbatch *b, struct rtarget *t, size_t *ret);
/* The object of the manifest's volume and path, or SIZE_MAX. */
size_t rbatch_find_entry(const struct rbatch *b, size_t volume,
			 const char *path);
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
/* Free o's strings, entry and range records. */
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
 * where it works (dst cut to size bytes when src had grown meanwhile),
 * else the data extents.  hex: the SHA-256 of what dst holds now.  0 or
 * -errno.
 */
int rbatch_copy_data(int src, int dst, uint64_t size, char hex[65]);
/*
 * Stage the regular file o->e under a new temporary in dir (o->tmp):
 * content checked against its SHA-256, metadata applied.  0 or -errno
 * with err.
 */
int rbatch_stage_file(struct rbatch *b, int dir, struct robj *o, char *err,
		      size_t errlen);
/* Whether tmp of o in dir is still the object we made there. */
bool rbatch_tmp_ours(int dir, const struct robj *o);
/* Record what o->tmp in dir is now, for rbatch_tmp_ours(); -errno. */
int rbatch_tmp_remember(int dir, struct robj *o);
/* Format "root/relpath" for messages into buf. */
const char *rbatch_where(const struct rtarget *t, const char *relpath,
			 char *buf, size_t len);

/* restore_write_link.c */
/*
 * Where hard link o (RO_LINK, its entry in o->e) links to: the object of
 * its first link in b (o->first), else, in place, the first link already
 * in the target when relpath ends in its manifest path and that file
 * has the backup's content (o->first_path, inode recorded).  Otherwise o
 * becomes a full copy (RO_FILE) of its first link's data, with the first
 * link's entry from b->m: the link between them is not restored.  0, or
 * -ENOENT (first link unknown: no manifest given, or not in it), -ENOMEM
 * ... with err.
 */
int rlink_resolve(struct rbatch *b, struct robj *o, char *err, size_t errlen);
/*
 * Link the first link of o (in place, or staged under its journal name)
 * as a fresh temporary name tmp in dir; one in the target must still be
 * the inode checked when o was added (-ESTALE).  0 or -errno with err.
 */
int rlink_make(struct rbatch *b, struct robj *o, int dir,
	       char tmp[RESTORE_TMP_SIZE], char *err, size_t errlen);

/* restore_write_ranges.c */
/*
 * Write directed target op into the file open as fd (a temporary of the
 * batch), reading the source through a private copy of its ranges made
 * while its whole content is hashed (so the set cannot change between
 * the check and the read); the private copy lives unnamed in dir.  0 or
 * -errno with err; *ret_written (may be NULL) says whether fd was
 * written to, in part on a failure.
 */
int rranges_write(struct rbatch *b, int dir, int fd, const struct rrange_op *op,
		  bool *ret_written, char *err, size_t errlen);
/* Free what op holds. */
void rranges_op_release(struct rrange_op *op);

#endif
