/*
 * cli/bset_internal.h - what the files of the backup set share: the
 * in-memory manifest (the same for a set being written and a set read
 * back), the hash table that finds entries, the safe path walk and the
 * data copy.  Only bset_*.c include it.
 */
#ifndef VSS_CLI_BSET_INTERNAL_H
#define VSS_CLI_BSET_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "backupset.h"

#define BSET_FORMAT "vss-backup-set"
#define BSET_VERSION 1
#define BSET_MANIFEST "manifest.json"

/* Limits the parser enforces and the writer never exceeds. */
#define BSET_PATH_MAX 4096         /* PATH_MAX, with the NUL */
#define BSET_NAME_MAX 255          /* NAME_MAX */
#define BSET_XATTR_NAME_MAX 255    /* XATTR_NAME_MAX */
#define BSET_XATTR_SIZE_MAX 65536  /* XATTR_SIZE_MAX */
#define BSET_MANIFEST_MAX ((size_t)1 << 30)

/* bset_table.c: an open-addressing table of entry indices by hash. */
struct bset_table {
	struct bset_slot *slots;
	size_t cap;   /* a power of two, or 0 */
	size_t count;
};

void bset_table_release(struct bset_table *t);
/* Add idx under hash (duplicates allowed); 0 or -ENOMEM. */
int bset_table_add(struct bset_table *t, uint64_t hash, size_t idx);
/*
 * The first index under hash for which match(idx, u) is true, or
 * (size_t)-1.
 */
size_t bset_table_find(const struct bset_table *t, uint64_t hash,
		       bool (*match)(size_t idx, const void *u),
		       const void *u);
/* FNV-1a of the volume index and a path: the key of an entry. */
uint64_t bset_path_hash(size_t volume, const char *path);

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

/*
 * The manifest: info, volumes, components, entries.  Every string and
 * array that the public structures point at is owned by it.
 */
struct bset_manifest {
	struct bset_info info;
	struct bset_volume *volumes;
	size_t volume_count, volume_cap;
	struct bset_comp *components;
	size_t component_count, component_cap;
	struct bset_entry *entries;
	size_t entry_count, entry_cap;
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
	dev_t partial_dev;
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
 * Record where regular file e (entry idx) came from when it has more
 * links; 0 or -ENOMEM.
 */
int bset_remember_inode(struct bset *s, size_t volume, const struct stat *st,
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
/* The entry of volume and path, or (size_t)-1. */
size_t bset_manifest_find(const struct bset_manifest *m, size_t volume,
			  const char *path);
/* Append e (takes ownership of what it points at); 0 or -ENOMEM. */
int bset_manifest_append(struct bset_manifest *m, const struct bset_entry *e);
/*
 * Whether path is a relative path as the set keeps them: "" or elements
 * joined by single '/', none empty, "." or "..", none longer than
 * NAME_MAX, the whole shorter than PATH_MAX.
 */
bool bset_path_valid(const char *path);
/* The file type's manifest name ("file", "dir"...), or NULL. */
const char *bset_type_name(mode_t mode);
/* The file type (S_IFREG...) of a manifest name; 0 or -EINVAL. */
int bset_type_parse(const char *name, mode_t *ret);

/* bset_manifest_write.c */
/* The manifest as JSON text; caller owns *ret; free with free(). */
int bset_manifest_dump(const struct bset_manifest *m, char **ret,
		       size_t *ret_len);
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

/* bset_copy.c */
/*
 * Open the directory dir below root (relative, checked with
 * bset_path_valid(), "" for root itself) without following a symbolic
 * link or leaving root: openat2() with RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS, or, where the kernel lacks
 * it, one openat(O_NOFOLLOW) per element.  flags: O_PATH or O_RDONLY.
 * Returns the fd (O_CLOEXEC | O_DIRECTORY) or -errno: -ELOOP for a
 * symbolic link on the way, -ENOTDIR for something else not a directory.
 */
int bset_open_dir_beneath(int root, const char *dir, int flags);
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
