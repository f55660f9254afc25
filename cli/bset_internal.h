/*
 * cli/bset_internal.h - what the files of the backup set share: the
 * in-memory manifest (the same for a set being written and a set read
 * back), the hash table that finds entries, the safe path walk and the
 * data copy.  Only bset_*.c and the restore writer (restore_write_*.c,
 * restore_target.c), which reads sets with the same rules, include it.
 */
#ifndef VSS_CLI_BSET_INTERNAL_H
#define VSS_CLI_BSET_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "backupset.h"
#include "util/beneath.h"
#include "util/fsmeta.h"
#include "util/relpath.h"
#include "util/sha256.h"

#define BSET_FORMAT "vss-backup-set"
#define BSET_VERSION 2
#define BSET_MANIFEST "manifest.json"

/* Limits the parser enforces and the writer never exceeds. */
#define BSET_PATH_MAX 4096         /* PATH_MAX, with the NUL */
#define BSET_NAME_MAX 255          /* NAME_MAX */
#define BSET_XATTR_NAME_MAX 255    /* XATTR_NAME_MAX */
#define BSET_XATTR_SIZE_MAX 65536  /* XATTR_SIZE_MAX */
/*
 * One line of the manifest, its newline included: what one record may
 * take, so that the parser's memory (the line and jansson's tree of it)
 * stays bounded whatever the size of the manifest.
 */
#define BSET_LINE_MAX ((size_t)1 << 20)
/* Documents: bcd.xml and one per writer. */
#define BSET_DOCUMENTS_MAX 4096
/* Failed objects recorded one by one; past that only counted. */
#define BSET_FAILURES_MAX 10000
/* A component's message is for people: cut past this many bytes. */
#define BSET_MESSAGE_MAX 4096
/*
 * What the model of one manifest may take in memory (bset_model_max
 * starts at this; tests lower it): a set the writer could record, the
 * reader can load.  About 350 bytes an object: some 12 million objects.
 */
#define BSET_MODEL_MAX ((size_t)4 << 30)
extern size_t bset_model_max;

/* bset_table.c: an open-addressing table of entry indices by hash. */
struct bset_table {
	struct bset_slot *slots;
	size_t cap;   /* a power of two, or 0 */
	size_t count;
};

void bset_table_release(struct bset_table *t);
/* Room for n more indices, so that adding them cannot fail; 0 or -ENOMEM. */
int bset_table_reserve(struct bset_table *t, size_t n);
/* Add idx under hash (duplicates allowed); 0 or -ENOMEM. */
int bset_table_add(struct bset_table *t, uint64_t hash, size_t idx);
/*
 * The first index under hash for which match(idx, u) is true, or
 * (size_t)-1.
 */
size_t bset_table_find(const struct bset_table *t, uint64_t hash,
		       bool (*match)(size_t idx, const void *u),
		       const void *u);
/*
 * The key of an entry: SipHash-2-4 of the volume index and the path,
 * keyed once per process from getrandom(), so that a crafted manifest
 * cannot choose paths that collide.
 */
uint64_t bset_path_hash(size_t volume, const char *path);
/* SipHash-2-4 of len bytes of data under key. */
uint64_t bset_siphash(const uint8_t key[16], const void *data, size_t len);

/*
 * A component as the manifest records it: the public part, whose strings
 * it owns, and the result of its copy.
 */
enum bset_result {
	BSET_RESULT_NONE,       /* not reported (an implicit component) */
	BSET_RESULT_SUCCEEDED,
	BSET_RESULT_FAILED,
};

struct bset_comp {
	struct bset_component c;
	enum bset_result result;
	char *message;
};

/* A document of the set (BK-019): bcd.xml or writers/<id>.xml. */
struct bset_document {
	char *path;        /* below DIR */
	uint64_t size;
	char sha256[65];
};

/* An object that could not be copied, for verify to report. */
struct bset_failure {
	size_t volume;
	char *path;        /* UTF-8: other bytes replaced by '?' */
	char *reason;      /* "EACCES: Permission denied" */
};

/*
 * The manifest: info, volumes, components, documents, entries, failed
 * objects.  Every string and array that the public structures point at
 * is owned by it.
 */
struct bset_manifest {
	struct bset_info info;
	struct bset_volume *volumes;
	size_t volume_count, volume_cap;
	struct bset_comp *components;
	size_t component_count, component_cap;
	struct bset_document *documents;
	size_t document_count, document_cap;
	struct bset_entry *entries;
	size_t entry_count, entry_cap;
	struct bset_failure *failures; /* the first BSET_FAILURES_MAX */
	size_t failure_count, failure_cap;
	uint64_t failed;   /* objects not copied, recorded or not */
	size_t cost;       /* bytes charged against bset_model_max */
	struct bset_table by_path;  /* (volume, path) -> entry */
};

/* A regular file with more than one link, by its first copy. */
struct bset_inode {
	size_t volume;
	dev_t dev;
	ino_t ino;
	size_t entry;
};

/* Where a volume is read and written. */
struct bset_volume_fds {
	int source; /* the shadow root, O_PATH */
	int target; /* DIR.partial/data/<index>, O_PATH */
};

/* A set being written (backupset.h). */
struct bset {
	int parent_fd;       /* the directory that holds DIR */
	char *name;          /* DIR's last element */
	char *partial_name;  /* its name while partial */
	int partial_fd;      /* DIR.partial */
	struct bset_manifest m;
	struct bset_volume_fds *fds; /* per volume, as m.volumes */
	struct bset_inode *inodes;
	size_t inode_count, inode_cap;
	struct bset_table by_inode;
	struct bset_stats stats;
	enum bset_copy_method method;
	bool committed;
};

/* bset_write.c */
/*
 * Make room to remember one more inode (a regular file with more links):
 * 0 or -ENOMEM.  Then bset_remember_inode() records regular file entry
 * idx, once it is in the manifest, and cannot fail.
 */
int bset_reserve_inode(struct bset *s);
void bset_remember_inode(struct bset *s, size_t volume, const struct stat *st,
			 size_t idx);
/* The entry of the first copy of the source inode, or (size_t)-1. */
size_t bset_find_inode(const struct bset *s, size_t volume,
		       const struct stat *st);

/* bset_model.c */
/* Free what m holds (not m itself). */
void bset_manifest_release(struct bset_manifest *m);
void bset_entry_release(struct bset_entry *e);
void bset_volume_release(struct bset_volume *v);
void bset_comp_release(struct bset_comp *c);
/*
 * Charge n bytes of m's model against bset_model_max: 0, or -EFBIG
 * (nothing charged) when it would pass it.
 */
int bset_manifest_charge(struct bset_manifest *m, size_t n);
/* What e costs in memory, for bset_manifest_charge(). */
size_t bset_entry_cost(const struct bset_entry *e);
/* The entry of volume and path, or (size_t)-1. */
size_t bset_manifest_find(const struct bset_manifest *m, size_t volume,
			  const char *path);
/*
 * Append e (takes ownership of what it points at on success); 0,
 * -ENOMEM, or -EFBIG past bset_model_max.
 */
int bset_manifest_append(struct bset_manifest *m, const struct bset_entry *e);
/* The same for a volume, a component, a document, a failure. */
int bset_manifest_add_volume(struct bset_manifest *m,
			     const struct bset_volume *v);
int bset_manifest_add_comp(struct bset_manifest *m, const struct bset_comp *c);
int bset_manifest_add_document(struct bset_manifest *m,
			       const struct bset_document *d);
int bset_manifest_add_failure(struct bset_manifest *m,
			      const struct bset_failure *f);
/*
 * Split a path as the set keeps them (shorter than BSET_PATH_MAX): its
 * parent into parent ("" at the top) and its last element returned, a
 * pointer into path ("." for the root "").
 */
const char *bset_split_path(const char *path, char parent[BSET_PATH_MAX]);
/* bset_manifest.c: one record (line) of a manifest at a time. */
struct bset_parser;
/* Caller owns *ret; free with bset_parser_free().  0 or -ENOMEM. */
int bset_parser_new(struct bset_parser **ret, char *err, size_t errlen);
void bset_parser_free(struct bset_parser *p);
/*
 * The next line, without its newline (len < BSET_LINE_MAX).  0, or
 * -EBADMSG with the error saying where, -ENOMEM, -EFBIG past
 * bset_model_max.
 */
int bset_parser_line(struct bset_parser *p, const char *line, size_t len);
/* Has p read the end record? */
bool bset_parser_ended(const struct bset_parser *p);
/*
 * After the last line: the manifest (caller owns; free with
 * bset_manifest_free()), or -EBADMSG when it is incomplete.
 */
int bset_parser_finish(struct bset_parser *p, struct bset_manifest **ret);

/* bset_manifest_read.c */
/* bset_manifest_load() of the set whose directory dir is open. */
int bset_manifest_load_at(struct bset_manifest **ret, int dir, char *err,
			  size_t errlen);

/* bset_manifest_write.c */
/*
 * Write m as the manifest, one line per record, through write(u, data,
 * len) (0 or -errno), in pieces of some 64 KiB of whole lines.  0,
 * -errno of write, -ENOMEM, -EILSEQ for a string that is not UTF-8;
 * -E2BIG when a record's line (with its newline) passes BSET_LINE_MAX:
 * bset_copy() checks entries before recording them, but a component, a
 * document, a volume or a failure may hold long strings from writers.
 */
int bset_manifest_write(const struct bset_manifest *m,
			int (*write)(void *u, const void *data, size_t len),
			void *u);
/* An upper bound of the length of e's line in the manifest. */
size_t bset_entry_line_max(const struct bset_entry *e);
/* Base64 of data; caller owns; free with free(); NULL on ENOMEM. */
char *bset_base64_encode(const uint8_t *data, size_t size);
/*
 * Decode base64 text (padding required); caller owns *ret; free with
 * free().  0, -EINVAL for bad text, -ENOMEM.
 */
int bset_base64_decode(const char *text, size_t len, uint8_t **ret,
		       size_t *ret_size);
/*
 * Whether s is UTF-8, which JSON strings must be: a name that is not is
 * refused by bset_copy() (-EILSEQ) rather than written wrongly.
 */
bool bset_utf8_valid(const char *s);
/*
 * A copy of at most max bytes of s for people: UTF-8 kept, other bytes
 * replaced by '?', cut at a character boundary.  Caller owns; free with
 * free(); NULL on ENOMEM.
 */
char *bset_utf8_sanitize(const char *s, size_t max);

/* bset_copy.c */
/*
 * Open name in dir for reading, only if it is a regular file: with
 * O_NOFOLLOW | O_NONBLOCK, so that a FIFO or a device put in its place
 * never blocks the open, then fstat(), then O_NONBLOCK cleared.  *ret_st
 * (may be NULL) gets its status.  The fd, or -errno: -ELOOP for a
 * symbolic link, -EINVAL for anything else that is not a regular file.
 */
int bset_open_regular(int dir, const char *name, struct stat *ret_st);
/*
 * Set e's extended attributes on name in dir (a target directory fd):
 * 0, or -errno; attributes the target refuses are counted in
 * xattrs_kept_in_manifest_only.
 */
int bset_apply_xattrs(struct bset *s, int dir, const char *name,
		      const struct bset_entry *e);

/* bset_data.c: the data of a regular file. */
struct bset_data_result {
	char sha256[65];   /* hex of the logical content */
	uint64_t bytes;    /* data bytes moved (holes not counted) */
	bool reflinked;
};
/*
 * Copy the content of src (open for reading, size bytes) into dst (an
 * empty file open for writing): FICLONE when the method allows it and
 * the file systems agree, else the data extents only (SEEK_DATA /
 * SEEK_HOLE) by copy_file_range() or read()/write(), then ftruncate() to
 * size so that holes stay holes.  The SHA-256 covers the whole logical
 * content, holes as zeros.  0 or -errno.
 */
int bset_data_copy(int src, int dst, uint64_t size,
		   enum bset_copy_method method,
		   struct bset_data_result *ret);
/* The SHA-256 of what fd holds (size bytes), in hex; 0 or -errno. */
int bset_data_sha256(int fd, uint64_t size, char ret[65]);

#endif
