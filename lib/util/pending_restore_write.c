/*
 * lib/util/pending_restore_write.c - staging a restore for the next start
 * of vssd (RS-043): the staging directory below the root, the entries the
 * caller records as it stages objects there, and the journal written
 * atomically at commit.  Until then nothing is pending, and freeing an
 * uncommitted journal removes what was staged.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/pending_restore_internal.h"
#include "util/relpath.h"
#include "util/sha256.h"

struct pending_restore {
	char *journal_dir;   /* <state_dir>/pending-restores */
	char *root;
	char *backup_set;
	char id[PR_ID_LEN + 1];
	char boot_id[PR_BOOT_ID_MAX + 1];
	uint64_t created_ns;
	int root_fd;
	int stage_parent_fd; /* <root>/.vss-pending-restore */
	int stage_fd;        /* <root>/.vss-pending-restore/<id> */
	struct pr_entry *entries;
	size_t count;
	size_t cap;
	bool committed;
};

/* Whether s can go into a JSON string (UTF-8, jansson's check). */
static bool
json_text(const char *s)
{
	json_t *j = json_string(s);

	json_decref(j);
	return j != NULL;
}

static int
new_id(char ret[PR_ID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char bytes[PR_ID_LEN / 2];
	size_t i;

	if (getrandom(bytes, sizeof(bytes), 0) != (ssize_t)sizeof(bytes))
		return -EIO;
	for (i = 0; i < sizeof(bytes); i++) {
		ret[2 * i] = hex[bytes[i] >> 4];
		ret[2 * i + 1] = hex[bytes[i] & 15];
	}
	ret[PR_ID_LEN] = '\0';
	return 0;
}

void
pr_boot_id(char ret[PR_BOOT_ID_MAX + 1])
{
	ssize_t n = -1;
	int fd;

	fd = open("/proc/sys/kernel/random/boot_id",
		  O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, ret, PR_BOOT_ID_MAX);
		close(fd);
	}
	if (n < 0)
		n = 0;
	ret[n] = '\0';
	ret[strcspn(ret, "\n")] = '\0';
}

static int
make_dir(const char *path)
{
	return mkdir(path, 0700) < 0 && errno != EEXIST ? -errno : 0;
}

/*
 * <root>/.vss-pending-restore/<id>, made here (0700).  An existing
 * .vss-pending-restore that another user owns, or that others may write
 * in, could have objects swapped under the journal: refused (-EPERM).
 */
static int
make_stage(struct pending_restore *p)
{
	struct stat st;
	int r;

	p->root_fd = open(p->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (p->root_fd < 0)
		return -errno;
	if (mkdirat(p->root_fd, PENDING_STAGE_DIR, 0700) < 0 &&
	    errno != EEXIST)
		return -errno;
	r = pr_open_step(p->root_fd, PENDING_STAGE_DIR, false);
	if (r < 0)
		return r;
	/* Not kept when refused: pending_restore_free() leaves it alone. */
	if (fstat(r, &st) < 0 || st.st_uid != geteuid() ||
	    (st.st_mode & 022)) {
		close(r);
		return -EPERM;
	}
	p->stage_parent_fd = r;
	if (mkdirat(p->stage_parent_fd, p->id, 0700) < 0)
		return -errno;
	p->stage_fd = openat(p->stage_parent_fd, p->id,
			     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return p->stage_fd < 0 ? -errno : 0;
}

int
pending_restore_begin(struct pending_restore **ret, const char *state_dir,
		      const char *root, const char *backup_set)
{
	struct pending_restore *p;
	struct timespec ts;
	int r;

	if (!ret || !state_dir || !*state_dir || !abspath_clean(root) ||
	    !backup_set)
		return -EINVAL;
	if (!json_text(root) || !json_text(backup_set))
		return -EILSEQ;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->root_fd = p->stage_parent_fd = p->stage_fd = -1;
	clock_gettime(CLOCK_REALTIME, &ts);
	pr_boot_id(p->boot_id);
	p->created_ns = (uint64_t)ts.tv_sec * 1000000000u +
			(uint64_t)ts.tv_nsec;
	if (asprintf(&p->journal_dir, "%s/%s", state_dir,
		     PENDING_RESTORE_DIR) < 0) {
		p->journal_dir = NULL;
		r = -ENOMEM;
		goto fail;
	}
	p->root = strdup(root);
	p->backup_set = strdup(backup_set);
	if (!p->root || !p->backup_set) {
		r = -ENOMEM;
		goto fail;
	}
	if ((r = new_id(p->id)) < 0 || (r = make_dir(state_dir)) < 0 ||
	    (r = make_dir(p->journal_dir)) < 0 || (r = make_stage(p)) < 0)
		goto fail;
	*ret = p;
	return 0;
fail:
	pending_restore_free(p);
	return r;
}

int
pending_restore_stage_fd(const struct pending_restore *p)
{
	return p ? p->stage_fd : -EINVAL;
}

const char *
pending_restore_next_name(struct pending_restore *p, char *buf, size_t len)
{
	int n;

	if (!p || !buf)
		return NULL;
	n = snprintf(buf, len, "%zu", p->count + 1);
	return n >= 0 && (size_t)n < len ? buf : NULL;
}

int
pending_restore_add(struct pending_restore *p, mode_t type,
		    const char *target, const char *component)
{
	struct pr_entry e = { .type = type }, *grown;
	char name[32];
	struct stat st;

	if (!p || p->committed || !pr_type_name(type) ||
	    !pr_target_valid(target))
		return -EINVAL;
	if (!json_text(target) || (component && !json_text(component)))
		return -EILSEQ;
	snprintf(name, sizeof(name), "%zu", p->count + 1);
	if (fstatat(p->stage_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if ((st.st_mode & S_IFMT) != type)
		return -EINVAL;
	if (p->count == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 16;
		grown = reallocarray(p->entries, p->cap, sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		p->entries = grown;
	}
	e.n = p->count + 1;
	e.ino = pr_ino(st.st_ino);
	e.size = (uint64_t)st.st_size;
	e.atime_ns = (int64_t)st.st_atim.tv_sec * 1000000000 +
		     st.st_atim.tv_nsec;
	e.mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 +
		     st.st_mtim.tv_nsec;
	e.target = strdup(target);
	e.component = component ? strdup(component) : NULL;
	if (!e.target || (component && !e.component)) {
		free(e.target);
		free(e.component);
		return -ENOMEM;
	}
	p->entries[p->count++] = e;
	return 0;
}

/* One compact JSON line of o into f; takes ownership of o. */
static int
put_line(FILE *f, json_t *o)
{
	char *s;
	int r = 0;

	if (!o)
		return -ENOMEM;
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!s)
		return -ENOMEM;
	if (fputs(s, f) == EOF || fputc('\n', f) == EOF)
		r = -ENOMEM;
	free(s);
	return r;
}

/* One entry's line; a directory's with its times. */
static json_t *
entry_json(const struct pr_entry *e)
{
	json_t *o;

	o = json_pack("{s:I, s:s, s:s, s:s?, s:I, s:I}", "n", (json_int_t)e->n,
		      "type", pr_type_name(e->type), "target", e->target,
		      "component", e->component, "ino", (json_int_t)e->ino,
		      "size", (json_int_t)e->size);
	if (o && e->type == S_IFDIR &&
	    (json_object_set_new(o, "atime_ns",
				 json_integer((json_int_t)e->atime_ns)) < 0 ||
	     json_object_set_new(o, "mtime_ns",
				 json_integer((json_int_t)e->mtime_ns)) < 0)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The journal's text: caller owns *ret; free with free(). */
static int
journal_text(const struct pending_restore *p, char **ret, size_t *ret_len)
{
	char *text = NULL, hex[65];
	size_t len = 0, i;
	FILE *f;
	int r;

	f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	r = put_line(f, json_pack("{s:s, s:i, s:s, s:s, s:I, s:s, s:s}",
				  "format", PR_FORMAT, "version", PR_VERSION,
				  "id", p->id, "boot_id", p->boot_id,
				  "created_ns", (json_int_t)p->created_ns,
				  "backup_set", p->backup_set, "root",
				  p->root));
	for (i = 0; r == 0 && i < p->count; i++)
		r = put_line(f, entry_json(&p->entries[i]));
	if (r == 0 && fflush(f) != 0)
		r = -ENOMEM;
	if (r == 0)
		r = sha256_buf_hex(text, len, hex);
	if (r == 0)
		r = put_line(f, json_pack("{s:I, s:s}", "end",
					  (json_int_t)p->count, "sha256", hex));
	if (fclose(f) != 0 && r == 0)
		r = -ENOMEM;
	if (r < 0) {
		free(text);
		return r;
	}
	*ret = text;
	*ret_len = len;
	return 0;
}

static int
write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* <id>.journal.tmp written and synced, renamed, the directory synced. */
static int
write_journal(const struct pending_restore *p, const char *text, size_t len)
{
	char tmp[PR_ID_LEN + sizeof(PR_TMP_SUFFIX)];
	char name[PR_ID_LEN + sizeof(PR_JOURNAL_SUFFIX)];
	int dfd, fd = -1, r;

	snprintf(tmp, sizeof(tmp), "%s%s", p->id, PR_TMP_SUFFIX);
	snprintf(name, sizeof(name), "%s%s", p->id, PR_JOURNAL_SUFFIX);
	dfd = open(p->journal_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	/* vssd removes stale .tmp files under the same lock. */
	if (flock(dfd, LOCK_EX) < 0) {
		r = -errno;
		goto out;
	}
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	r = write_all(fd, text, len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && renameat(dfd, tmp, dfd, name) < 0)
		r = -errno;
	if (r < 0)
		unlinkat(dfd, tmp, 0);
	/*
	 * Renamed, the journal is there and will be applied: a failing
	 * fsync of the directory cannot take it back, so it counts as
	 * committed (its staged objects must stay).
	 */
	else
		fsync(dfd);
out:
	close(dfd);
	return r;
}

int
pending_restore_commit(struct pending_restore *p)
{
	char *text;
	size_t len;
	int r;

	if (!p || p->committed)
		return -EINVAL;
	/* The staged objects must be on disk before the journal is. */
	if (syncfs(p->stage_fd) < 0)
		return -errno;
	r = journal_text(p, &text, &len);
	if (r < 0)
		return r;
	r = write_journal(p, text, len);
	free(text);
	if (r == 0)
		p->committed = true;
	return r;
}

const char *
pending_restore_id(const struct pending_restore *p)
{
	return p ? p->id : NULL;
}

void
pending_restore_free(struct pending_restore *p)
{
	size_t i;

	if (!p)
		return;
	if (!p->committed && p->stage_parent_fd >= 0) {
		pr_remove_tree(p->stage_parent_fd, p->id);
		/* Other journals may be staged there: then it stays. */
		unlinkat(p->root_fd, PENDING_STAGE_DIR, AT_REMOVEDIR);
	}
	if (p->stage_fd >= 0)
		close(p->stage_fd);
	if (p->stage_parent_fd >= 0)
		close(p->stage_parent_fd);
	if (p->root_fd >= 0)
		close(p->root_fd);
	for (i = 0; i < p->count; i++) {
		free(p->entries[i].target);
		free(p->entries[i].component);
	}
	free(p->entries);
	free(p->journal_dir);
	free(p->root);
	free(p->backup_set);
	free(p);
}
