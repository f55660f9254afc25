/*
 * cli/backupset.h - a backup set on disk: what "vss backup" writes,
 * "vss verify" checks and "vss restore" will read.  docs/backup-set.md
 * describes the layout and the manifest.
 *
 *   DIR/manifest.json        what the set holds, one record a line
 *                            (written last)
 *   DIR/bcd.xml              the saved backup components document
 *   DIR/writers/<instance id>.xml   each writer's metadata document
 *   DIR/data/<volume index>/<path below the mount point>   the files
 *
 * Files are copied from a shadow copy (never the live volume), one object
 * at a time, keeping type, owner, group, mode, timestamps, extended
 * attributes (POSIX ACLs are the system.posix_acl_* attributes), hard
 * links (found by device and inode), symbolic links and the holes of
 * sparse files; data moves by reflink (FICLONE) when source and target
 * share a file system, else by copy_file_range, else read/write.  Each
 * regular file gets a SHA-256 in the manifest, which also records every
 * object's metadata, so a set can be restored exactly even where the
 * target file system could not keep some of it (no xattrs there), the
 * SHA-256 of the documents, the components' results and the objects that
 * could not be copied; its last line holds the SHA-256 of the rest.
 *
 * A set is built in DIR.partial and renamed to DIR once the manifest is
 * on disk; bset_free() without bset_commit() removes it again.
 */
#ifndef VSS_CLI_BACKUPSET_H
#define VSS_CLI_BACKUPSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <vss/metadata.h>
#include <vss/types.h>

#define BSET_NO_COMPONENT ((size_t)-1)

struct bset;

/* Running totals of a set being written, for progress and the summary. */
struct bset_stats {
	uint64_t files;        /* objects recorded (files, dirs, links...) */
	/*
	 * Regular files copied: their sizes (st_size, holes included: what
	 * the progress display counts) and the data bytes read, holes left
	 * out (the extents of sparse files).
	 */
	uint64_t bytes;
	uint64_t data_bytes;
	uint64_t hardlinks;    /* objects recorded as a link to an earlier one */
	uint64_t reflinked;    /* regular files cloned by FICLONE */
	uint64_t xattrs_kept_in_manifest_only; /* target could not hold them */
	uint64_t failed;       /* objects that could not be copied */
};

/*
 * Start a set at dir, which must not exist (-EEXIST otherwise); its
 * parent must.  -EBUSY when dir.partial exists: a set left by a backup
 * that was interrupted, not ours to remove (BSET_PARTIAL_LEFT says it).
 * Caller owns *ret; free with bset_free().
 */
#define BSET_PARTIAL_LEFT                                                      \
	"DIR.partial is left by an interrupted backup: remove it"
int bset_create(struct bset **ret, const char *dir);
/* Remove the partial set unless committed; free.  NULL is fine. */
void bset_free(struct bset *s);

/* A volume the set copies from; *ret_index names it in bset_copy(). */
struct bset_volume {
	const char *mount_point;  /* the original volume */
	const char *fstype;
	const char *shadow_root;  /* where its shadow copy is read */
	vss_id snapshot_id;
	vss_id provider_id;
	bool application_consistent;
};
int bset_add_volume(struct bset *s, const struct bset_volume *v,
		    size_t *ret_index);

/*
 * A component of a writer, explicit or implicit, for provenance (BK-145).
 * class_id must not be the null id, name not NULL (-EINVAL); the strings
 * are copied.
 */
struct bset_component {
	vss_id class_id;
	vss_id instance_id;
	const char *writer_name;
	const char *logical_path; /* NULL at the top level */
	const char *name;
	enum vss_component_type type;
	bool explicit_;           /* explicitly included (its set's root) */
};
int bset_add_component(struct bset *s, const struct bset_component *c,
		       size_t *ret_index);
/*
 * How the copy of an explicit component ended; message NULL when ok.  A
 * component never given a result is recorded as not reported (null).
 */
int bset_set_component_result(struct bset *s, size_t component, bool ok,
			      const char *message);

/* The documents (BK-019): DIR/bcd.xml and DIR/writers/<instance>.xml. */
int bset_save_bcd(struct bset *s, const char *xml, size_t len);
int bset_save_wmd(struct bset *s, const vss_wmd *wmd);

/*
 * Copy one object of a volume: relpath is below the mount point ("" for
 * the volume's root directory, never with "." or ".." elements or a
 * leading '/'), read from the volume's shadow root without following a
 * symbolic link in any element.  Directories are not descended into (the
 * caller walks, to apply exclusions); missing parent directories are
 * copied first, with their own metadata.  An object already in the set
 * (a file in two components' file sets) is only tagged with the further
 * component.  Returns 0; -ENOENT when the object does not exist in the
 * shadow copy (BK-141: the caller fails the component); -EINVAL for a
 * bad relpath or index; other -errno when it could not be copied
 * (counted in failed, and the set stays usable): -ELOOP for a symbolic
 * link among the parents, -EILSEQ for a name that is not UTF-8.  Nothing
 * of a failed object is left in the set.
 */
int bset_copy(struct bset *s, size_t volume, const char *relpath,
	      size_t component);

/*
 * bset_copy() of an object read at one place and recorded at another: a
 * file set with an alternate path (BK-140, MD-023) is read from the
 * alternate path, src_relpath on volume src_volume (possibly another
 * volume of the set), and recorded at its normal path, relpath on
 * volume, where restore puts it (RS-074).  The parents of relpath are
 * copied from volume's shadow copy; one that is not there is made from
 * the source's directory at the same distance above the object (the
 * volume's root at most), so the alternate directory stands in for a
 * normal directory that does not exist.  A hard link is kept only
 * between objects recorded on the same volume.  The manifest records
 * the normal path only: the saved writer metadata names the alternate
 * path.  Returns as bset_copy() does; bset_copy(s, v, p, c) is
 * bset_copy_from(s, v, p, v, p, c).
 */
int bset_copy_from(struct bset *s, size_t src_volume, const char *src_relpath,
		   size_t volume, const char *relpath, size_t component);

void bset_get_stats(const struct bset *s, struct bset_stats *ret);

/*
 * How bset_copy() moves the data of regular files.  Every method hashes
 * the logical content; bench/bset_copy.c measures them (bench/README.md).
 */
enum bset_copy_method {
	/* FICLONE (then a read to hash), else as BSET_COPY_RANGE. */
	BSET_COPY_AUTO,
	/* copy_file_range() per data extent, then a read to hash. */
	BSET_COPY_RANGE,
	/* read/write per data extent, hashing as it goes; never FICLONE. */
	BSET_COPY_READ_WRITE,
};
/* The method for the objects copied from now on (default AUTO). */
int bset_set_copy_method(struct bset *s, enum bset_copy_method method);

/* What the manifest says of the set as a whole. */
struct bset_info {
	vss_id snapshot_set_id;
	int32_t context;
	enum vss_backup_type backup_type;
	vss_timestamp created;     /* when the shadow copies were made */
	double freeze_window_ms;
	bool application_consistent;
};

/*
 * Finish: set the directories' times (after their contents), write
 * manifest.json, fsync everything, rename DIR.partial to DIR and fsync
 * the parent.  After a failure the set stays partial (bset_free()
 * removes it).
 */
int bset_commit(struct bset *s, const struct bset_info *info);

/* ---- reading a set (verify, restore) ---------------------------------- */

struct bset_manifest;

/* One object of a set, as the manifest records it. */
struct bset_entry {
	size_t volume;
	const char *path;          /* below the mount point; "" the root */
	mode_t mode;               /* file type and permission bits */
	uid_t uid;
	gid_t gid;
	int64_t mtime_ns;          /* ns since the Unix epoch */
	int64_t atime_ns;
	uint64_t size;             /* regular files */
	const char *link_target;   /* symbolic links, else NULL */
	const char *hardlink_of;   /* path of the first link, else NULL */
	dev_t rdev;                /* device nodes */
	const char *sha256;        /* regular files: 64 hex digits, else NULL */
	size_t xattr_count;
	const char *const *xattr_names;
	const uint8_t *const *xattr_values;
	const size_t *xattr_sizes;
	size_t component_count;    /* components whose file sets hold it */
	const size_t *components;
};

/*
 * Load DIR/manifest.json, line by line, checking it in full
 * (docs/backup-set.md lists the rules): every path relative and free of
 * "." and ".." elements, every index in range, every hard link naming an
 * earlier regular file of its volume, every parent an earlier directory,
 * the digest of the last line.  Memory: one line (at most 1 MiB) and the
 * model, at most 4 GiB (-EFBIG past that).  A manifest that is not a
 * regular file is refused (-ELOOP for a symbolic link, -EINVAL), never
 * opened for reading.  A bad manifest is -EBADMSG with err (may be NULL)
 * saying what is wrong and where; other errors (-ENOENT...) also fill
 * err.  Caller owns *ret; free with bset_manifest_free().  The pointers
 * of the structures returned by the accessors below are borrowed: valid
 * until bset_manifest_free().
 */
int bset_manifest_load(struct bset_manifest **ret, const char *dir,
		       char *err, size_t errlen);
/* The same from the whole text in memory (the fuzz target's entry). */
int bset_manifest_parse(struct bset_manifest **ret, const char *json,
			size_t len, char *err, size_t errlen);
void bset_manifest_free(struct bset_manifest *m);

const struct bset_info *bset_manifest_info(const struct bset_manifest *m);
size_t bset_manifest_volume_count(const struct bset_manifest *m);
const struct bset_volume *bset_manifest_volume(const struct bset_manifest *m,
					       size_t i);
size_t bset_manifest_component_count(const struct bset_manifest *m);
const struct bset_component *
bset_manifest_component(const struct bset_manifest *m, size_t i,
			bool *ret_ok, const char **ret_message);
size_t bset_manifest_entry_count(const struct bset_manifest *m);
const struct bset_entry *bset_manifest_entry(const struct bset_manifest *m,
					     size_t i);

/*
 * Check every regular file and document of the set in DIR against its
 * size and SHA-256 in the manifest, and that every object the manifest
 * names is there; a component the manifest records as failed and an
 * object it records as not copied are problems too.  report(entry,
 * problem, u) is called for each problem (a missing file, a size or
 * checksum mismatch...; entry NULL for a problem of the set itself, a
 * document or a component; for an object not copied, entry holds only
 * its volume and path) and may be NULL.  *ret_checked: regular files read;
 * *ret_bad: problems.  Returns 0 when the set could be checked (even with
 * problems: see *ret_bad), or the error that stopped the check.
 */
int bset_verify(const char *dir,
		void (*report)(const struct bset_entry *entry,
			       const char *problem, void *u),
		void *u, uint64_t *ret_checked, uint64_t *ret_bad);

#endif
