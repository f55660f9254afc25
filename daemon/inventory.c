/*
 * daemon/inventory.c - the shadow copies vssd knows of, from the moment
 * their set is created until they are deleted (SN-020, SN-021), and their
 * exposures (SN-030..SN-033).
 *
 * Every shadow copy has a record: the record of its set in
 * <state dir>/sets (setlog.c), rewritten whenever one of the set's shadow
 * copies is deleted, exposed or unexposed, and removed with the last of
 * them.  Auto-release shadow copies belong to the session that made them
 * and go when it ends; at the next start after a crash their records say
 * to delete them.  Persistent ones are read back at start and reconciled
 * with what the providers hold: one deleted behind vssd's back is dropped
 * with a log line, one a provider holds that no record names is reported,
 * never deleted.
 *
 * Changes that touch volumes (delete, expose, unexpose) run one at a time,
 * in the order asked, on a job: a caller that deletes while another
 * exposes sees one and then the other, and a stuck provider never stops
 * the loop.  The inventory itself is changed on the loop only, when the
 * job's results come back.
 */
#include "daemon.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vss/status.h>

#include "expose.h"
#include "util/array.h"

static TAILQ_HEAD(, shadow) shadows = TAILQ_HEAD_INITIALIZER(shadows);

/* ---- the list --------------------------------------------------------- */

static void
shadow_free(struct shadow *sh)
{
	if (!sh)
		return;
	free(sh->volume);
	free(sh->device);
	free(sh->machine);
	free(sh->exposed);
	free(sh);
}

void
inventory_forget(struct shadow *sh)
{
	TAILQ_REMOVE(&shadows, sh, entry);
	shadow_free(sh);
}

/* SN-001: the bits a requester may add to a context. */
#define CONTEXT_BASE(c)                                                        \
	((uint32_t)(c) &                                                       \
	 (VSS_VOLSNAP_ATTR_PERSISTENT | VSS_VOLSNAP_ATTR_CLIENT_ACCESSIBLE |   \
	  VSS_VOLSNAP_ATTR_NO_AUTO_RELEASE | VSS_VOLSNAP_ATTR_NO_WRITERS))

bool
inventory_context_matches(const struct shadow *sh, int32_t context)
{
	return context == VSS_CTX_ALL ||
	       CONTEXT_BASE(sh->context) == CONTEXT_BASE(context);
}

bool
inventory_owner_alive(const struct shadow *sh)
{
	return !vss_id_is_null(&sh->owner) && session_find(&sh->owner);
}

struct shadow *
inventory_next(const struct shadow *sh)
{
	return sh ? TAILQ_NEXT(sh, entry) : TAILQ_FIRST(&shadows);
}

struct shadow *
inventory_find(const vss_id *id)
{
	struct shadow *sh;

	TAILQ_FOREACH(sh, &shadows, entry)
	if (vss_id_equal(&sh->id, id))
		return sh;
	return NULL;
}

size_t
inventory_count_volume(const char *volume)
{
	const struct shadow *sh;
	size_t n = 0;

	TAILQ_FOREACH(sh, &shadows, entry)
	if (strcmp(sh->volume, volume) == 0)
		n++;
	return n;
}

bool
shadow_persistent(const struct shadow *sh)
{
	return (uint32_t)sh->context & VSS_VOLSNAP_ATTR_NO_AUTO_RELEASE;
}

static uint32_t
shadow_attributes(const struct shadow *sh)
{
	uint32_t a = sh->attributes;

	if (sh->exposed)
		a |= VSS_VOLSNAP_ATTR_EXPOSED_LOCALLY;
	return a;
}

int
shadow_properties_json(const struct shadow *sh, json_t *o)
{
	if (wire_set_id(o, WF_SNAPSHOT_ID, &sh->id) < 0 ||
	    wire_set_id(o, WF_SNAPSHOT_SET_ID, &sh->set_id) < 0 ||
	    wire_set_int(o, WF_SNAPSHOT_COUNT, (int64_t)sh->set_count) < 0 ||
	    wire_set_str(o, WF_VOLUME, sh->volume) < 0 ||
	    wire_set_str(o, WF_DEVICE, sh->device) < 0 ||
	    wire_set_str(o, WF_ORIGINATING_MACHINE, sh->machine) < 0 ||
	    wire_set_str(o, WF_SERVICE_MACHINE, sh->machine) < 0 ||
	    (sh->exposed &&
	     wire_set_str(o, WF_EXPOSED_NAME, sh->exposed) < 0) ||
	    wire_set_id(o, WF_PROVIDER_ID, &sh->provider->id) < 0 ||
	    wire_set_int(o, WF_ATTRIBUTES, shadow_attributes(sh)) < 0 ||
	    wire_set_int(o, WF_CREATED, sh->created) < 0 ||
	    wire_set_int(o, WF_CONTEXT, sh->context) < 0 ||
	    wire_set_int(o, WF_SNAPSHOT_STATE, VSS_SS_CREATED) < 0)
		return -ENOMEM;
	return 0;
}

/* ---- records ---------------------------------------------------------- */

static json_t *
shadow_record_json(const struct shadow *sh)
{
	json_t *o = json_object();

	if (!o || wire_set_id(o, "snapshot_id", &sh->id) < 0 ||
	    wire_set_str(o, "volume", sh->volume) < 0 ||
	    wire_set_str(o, "provider", sh->provider->name) < 0 ||
	    wire_set_id(o, "provider_id", &sh->provider->id) < 0 ||
	    wire_set_str(o, "device", sh->device) < 0 ||
	    wire_set_int(o, "created", sh->created) < 0 ||
	    wire_set_int(o, "attributes", sh->attributes) < 0 ||
	    (sh->exposed &&
	     (wire_set_str(o, "exposed", sh->exposed) < 0 ||
	      wire_set_bool(o, "exposed_default", sh->exposed_default) < 0))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/*
 * Write the record of set_id as the inventory has it now, or remove it
 * when none of its shadow copies is left.  Failures are logged: the old
 * record still describes shadow copies to delete or keep.
 */
void
inventory_store_set(const vss_id *set_id)
{
	const struct shadow *sh, *any = NULL;
	json_t *rec, *list;
	char sid[VSS_ID_STRLEN];
	int r = -ENOMEM;

	vss_id_format(set_id, sid);
	rec = json_object();
	list = json_array();
	if (!rec || !list)
		goto out;
	TAILQ_FOREACH(sh, &shadows, entry)
	{
		if (!vss_id_equal(&sh->set_id, set_id))
			continue;
		any = sh;
		if (json_array_append_new(list, shadow_record_json(sh)) < 0)
			goto out;
	}
	if (!any) {
		r = setlog_remove(set_id);
		goto out;
	}
	if (wire_set_id(rec, "set_id", set_id) < 0 ||
	    wire_set_str(rec, "state", "created") < 0 ||
	    wire_set_bool(rec, "persistent", shadow_persistent(any)) < 0 ||
	    wire_set_int(rec, "context", any->context) < 0 ||
	    wire_set_int(rec, "snapshot_count", any->set_count) < 0 ||
	    wire_set_str(rec, "machine", any->machine) < 0 ||
	    json_object_set(rec, "snapshots", list) < 0)
		goto out;
	r = setlog_store(set_id, rec);
out:
	if (r < 0) {
		errno = -r;
		log_warn("set %s: record not updated", sid);
	}
	json_decref(list);
	json_decref(rec);
}

static int
hostname_dup(char **ret)
{
	char host[256];

	if (gethostname(host, sizeof(host)) < 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	*ret = strdup(host);
	return *ret ? 0 : -ENOMEM;
}

int
inventory_add_set(const struct snapset *set, const vss_id *owner)
{
	const struct set_snapshot *ss;
	struct shadow *sh;
	size_t i;

	for (i = 0; i < set->count; i++) {
		ss = &set->snapshots[i];
		sh = calloc(1, sizeof(*sh));
		if (!sh || !(sh->volume = strdup(ss->volume)) ||
		    !(sh->device = strdup(ss->snap->device)) ||
		    hostname_dup(&sh->machine) < 0) {
			shadow_free(sh);
			goto fail;
		}
		sh->id = ss->snapshot_id;
		vss_id_format(&sh->id, sh->sid);
		sh->set_id = set->id;
		sh->set_count = (long)set->count;
		sh->provider = ss->provider;
		sh->context = set->context;
		sh->attributes = set_attributes(set, ss->provider);
		sh->created = ss->snap->created;
		if (!((uint32_t)set->context &
		      VSS_VOLSNAP_ATTR_NO_AUTO_RELEASE))
			sh->owner = *owner;
		TAILQ_INSERT_TAIL(&shadows, sh, entry);
	}
	inventory_store_set(&set->id);
	return 0;
fail:
	/* Nothing half-listed: the set's record still names them all. */
	for (i = 0; i < set->count; i++) {
		sh = inventory_find(&set->snapshots[i].snapshot_id);
		if (sh)
			inventory_forget(sh);
	}
	return -ENOMEM;
}

/* ---- restoring at start ------------------------------------------------ */

static const char *
json_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* One shadow copy of a persistent record; NULL and a log line if bad. */
static struct shadow *
shadow_from_record(const json_t *rec, const json_t *o, const char *sid)
{
	const char *volume = json_str(o, "volume"),
		   *device = json_str(o, "device");
	const char *exposed = json_str(o, "exposed");
	struct shadow *sh;
	vss_id provider_id;
	int64_t n;

	sh = calloc(1, sizeof(*sh));
	if (!sh)
		return NULL;
	if (wire_get_id((json_t *)o, "snapshot_id", &sh->id) < 0 ||
	    wire_get_id((json_t *)rec, "set_id", &sh->set_id) < 0 ||
	    wire_get_id((json_t *)o, "provider_id", &provider_id) < 0 ||
	    !volume || volume[0] != '/' || !device ||
	    (exposed && exposed[0] != '/')) {
		log_warnx("set record %s: a shadow copy is malformed", sid);
		goto fail;
	}
	vss_id_format(&sh->id, sh->sid);
	/* inventory_restore() made sure it is there. */
	sh->provider = provider_find(&provider_id);
	if (!sh->provider)
		goto fail;
	if (!(sh->volume = strdup(volume)) || !(sh->device = strdup(device)) ||
	    (exposed && !(sh->exposed = strdup(exposed))))
		goto fail;
	sh->machine =
	    strdup(json_str(rec, "machine") ? json_str(rec, "machine") : "");
	if (!sh->machine)
		goto fail;
	if (wire_get_int((json_t *)rec, "snapshot_count", &n) == 0)
		sh->set_count = (long)n;
	if (wire_get_int((json_t *)rec, "context", &n) == 0)
		sh->context = (int32_t)n;
	if (wire_get_int((json_t *)o, "attributes", &n) == 0)
		sh->attributes = (uint32_t)n;
	if (wire_get_int((json_t *)o, "created", &n) == 0)
		sh->created = n;
	(void)wire_get_bool((json_t *)o, "exposed_default",
			    &sh->exposed_default);
	return sh;
fail:
	shadow_free(sh);
	return NULL;
}

int
inventory_restore(const json_t *rec, const char *name)
{
	const json_t *list = json_object_get(rec, "snapshots"), *o;
	struct shadow *sh;
	size_t i;

	if (!json_is_array(list))
		return -EINVAL;
	/*
	 * A provider no longer configured: its shadow copies cannot be
	 * listed, and a rewrite of the record would forget them, so the
	 * whole set waits, record untouched, until it is configured again.
	 */
	json_array_foreach(list, i, o)
	{
		vss_id provider_id;

		if (wire_get_id((json_t *)o, "provider_id", &provider_id) == 0 &&
		    !provider_find(&provider_id)) {
			log_warnx("set record %s: provider %s is not "
				  "configured: the set is not listed, its "
				  "record is kept as it is",
				  name, json_str(o, "provider_id"));
			return 0;
		}
	}
	json_array_foreach(list, i, o)
	{
		sh = shadow_from_record(rec, o, name);
		if (sh)
			TAILQ_INSERT_TAIL(&shadows, sh, entry);
	}
	return 0;
}

/* What the providers hold, gathered by their list op. */
struct held {
	vss_id id;
	char *volume, *device;
	const struct provider *provider;
};

struct holdings {
	struct held *v;
	size_t n, cap;
	const struct provider *provider;
	bool failed;
};

static void
holdings_add(void *arg, const vss_id *id, const char *volume,
	     const char *device)
{
	struct holdings *h = arg;
	struct held *e;

	if (ARRAY_RESERVE(h->v, h->n, h->cap) < 0) {
		h->failed = true;
		return;
	}
	e = &h->v[h->n];
	e->id = *id;
	e->volume = strdup(volume ? volume : "");
	e->device = strdup(device ? device : "");
	e->provider = h->provider;
	if (!e->volume || !e->device) {
		free(e->volume);
		free(e->device);
		h->failed = true;
		return;
	}
	h->n++;
}

static const struct held *
holdings_find(const struct holdings *h, const vss_id *id)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (vss_id_equal(&h->v[i].id, id))
			return &h->v[i];
	return NULL;
}

/* Which providers answered list: the others are checked by device. */
static bool
listed_by(const struct provider *const *listed, size_t n,
	  const struct provider *p)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (listed[i] == p)
			return true;
	return false;
}

/*
 * Is sh still there?  By the provider's list; by its device for a
 * provider that cannot list.  One whose list failed cannot tell, and its
 * devices need not be paths (an exec provider's "pool/fs@snap"): kept.
 */
static bool
shadow_present(const struct shadow *sh, const struct holdings *h,
	       const struct provider *const *listed, size_t nlisted)
{
	struct stat st;

	if (listed_by(listed, nlisted, sh->provider))
		return holdings_find(h, &sh->id) != NULL;
	if (sh->provider->ops->list)
		return true;
	return lstat(sh->device, &st) == 0;
}

/* A persistent exposure is shown again after a restart (SN-031). */
static void
reexpose(struct shadow *sh)
{
	struct provider_snapshot snap = {
	    .snapshot_id = sh->id,
	    .volume = sh->volume,
	    .device = sh->device,
	};
	char err[256] = "", *path = NULL;
	int r;

	if (expose_is_mounted(sh->exposed))
		return;
	if (sh->exposed_default)
		r = expose_default_path(conf->expose_dir, &sh->id, &path, err,
					sizeof(err));
	else
		r = expose_check_path(sh->exposed, NULL, 0, &path, err,
				      sizeof(err));
	if (r == 0)
		r = provider_expose(sh->provider, &snap, path, err,
				    sizeof(err));
	if (r == 0) {
		log_info("shadow copy %s exposed again at %s", sh->sid, path);
	} else {
		log_warnx("shadow copy %s: not exposed again at %s: %s (%s)",
			  sh->sid, sh->exposed, vss_strerror(r), err);
		/* A default directory is vssd's: it goes with the exposure. */
		if (path && sh->exposed_default)
			(void)rmdir(path);
		free(sh->exposed);
		sh->exposed = NULL;
		inventory_store_set(&sh->set_id);
	}
	free(path);
}

static size_t
inventory_count_all(void)
{
	const struct shadow *sh;
	size_t n = 0;

	TAILQ_FOREACH(sh, &shadows, entry)
	n++;
	return n;
}

void
inventory_reconcile(void)
{
	const struct provider *const *reg = provider_registry();
	const struct provider *listed[64];
	struct holdings h = {0};
	struct shadow *sh, *next;
	char err[256];
	size_t i, nlisted = 0;
	int r;

	for (i = 0; reg[i]; i++) {
		if (!reg[i]->ops->list || nlisted == 64)
			continue;
		err[0] = '\0';
		h.provider = reg[i];
		h.failed = false;
		r = reg[i]->ops->list(reg[i], holdings_add, &h, err,
				      sizeof(err));
		if (r < 0 || h.failed) {
			log_warnx("provider %s: shadow copies not listed: %s "
				  "(%s)",
				  reg[i]->name, vss_strerror(r), err);
			continue;
		}
		listed[nlisted++] = reg[i];
	}
	for (sh = TAILQ_FIRST(&shadows); sh; sh = next) {
		next = TAILQ_NEXT(sh, entry);
		if (shadow_present(sh, &h, listed, nlisted))
			continue;
		log_warnx("shadow copy %s of %s (%s) was deleted behind "
			  "vssd's back: dropped",
			  sh->sid, sh->volume, sh->device);
		{
			vss_id set_id = sh->set_id;

			inventory_forget(sh);
			inventory_store_set(&set_id);
		}
	}
	for (i = 0; i < h.n; i++) {
		char text[VSS_ID_STRLEN];

		if (inventory_find(&h.v[i].id))
			continue;
		vss_id_format(&h.v[i].id, text);
		log_warnx("orphan: provider %s holds shadow copy %s of %s "
			  "(%s) that no record names: left alone; delete it "
			  "by hand if it is not wanted",
			  h.v[i].provider->name, text, h.v[i].volume,
			  h.v[i].device);
	}
	for (i = 0; i < h.n; i++) {
		free(h.v[i].volume);
		free(h.v[i].device);
	}
	free(h.v);
	TAILQ_FOREACH(sh, &shadows, entry)
	if (sh->exposed)
		reexpose(sh);
	log_info("%zu persistent shadow copies in the inventory",
		 inventory_count_all());
}


void
inventory_release(void)
{
	struct shadow *sh;

	while ((sh = TAILQ_FIRST(&shadows)))
		inventory_forget(sh);
}
