/*
 * tests/unit/test_bcd.c - the Backup Components Document model (metadata.md
 * §5, restore.md, backup.md §11-12): defaults, setter/getter round trips,
 * the rules with their exact status codes, the component lists, and that a
 * failed call (bad argument or -ENOMEM) leaves the document unchanged.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vss/metadata.h>
#include <vss/status.h>

#include "alloc_fail.h"

static vss_id
make_id(uint8_t seed)
{
	vss_id id;
	size_t i;

	for (i = 0; i < sizeof(id.bytes); i++)
		id.bytes[i] = (uint8_t)(seed + i);
	return id;
}

static bool
id_eq(const vss_id *a, const vss_id *b)
{
	return memcmp(a->bytes, b->bytes, sizeof(a->bytes)) == 0;
}

/* ---- Digest: everything the public API shows of a document ------------- */

static void
put_str(FILE *f, const char *s)
{
	if (s)
		fprintf(f, "[%s]", s);
	else
		fputs("(null)", f);
}

static void
put_id(FILE *f, const vss_id *id)
{
	size_t i;

	for (i = 0; i < sizeof(id->bytes); i++)
		fprintf(f, "%02x", id->bytes[i]);
	fputc(' ', f);
}

static void
put_mapping(FILE *f, const struct vss_location_mapping *m)
{
	put_str(f, m->path);
	put_str(f, m->filespec);
	put_str(f, m->destination);
	fprintf(f, " %d %p\n", m->recursive, (const void *)m->extra);
}

static void
put_component(FILE *f, const vss_bcd_component *c)
{
	const struct vss_component_failure *fail;
	size_t i;
	int t;

	fprintf(f, "component %d ", vss_bcd_component_type(c));
	put_str(f, vss_bcd_component_logical_path(c));
	put_str(f, vss_bcd_component_name(c));
	for (t = 0; t < VSS_TEXT_COUNT; t++)
		put_str(f,
			vss_bcd_component_text(c, (enum vss_component_text)t));
	fail = vss_bcd_component_failure(c);
	fprintf(f, "\n%d %d %d %d %d %d %d %d %d ",
		vss_bcd_component_backup_succeeded(c),
		vss_bcd_component_selected_for_restore(c),
		vss_bcd_component_additional_restores(c),
		vss_bcd_component_authoritative_restore(c),
		vss_bcd_component_rollforward_type(c),
		vss_bcd_component_restore_target(c),
		vss_bcd_component_file_restore_status(c), fail->status,
		fail->application_status);
	put_str(f, fail->message);
	fputc('\n', f);
	for (i = 0; i < vss_bcd_component_restore_subcomponent_count(c); i++) {
		const struct vss_restore_subcomponent *s =
			vss_bcd_component_restore_subcomponent(c, i);

		fputs("sub ", f);
		put_str(f, s->logical_path);
		put_str(f, s->name);
		fprintf(f, " %d\n", s->repair);
	}
	for (i = 0; i < vss_bcd_component_alternate_location_mapping_count(c);
	     i++) {
		fputs("alt ", f);
		put_mapping(f,
			    vss_bcd_component_alternate_location_mapping(c, i));
	}
	for (i = 0; i < vss_bcd_component_new_target_count(c); i++) {
		fputs("new ", f);
		put_mapping(f, vss_bcd_component_new_target(c, i));
	}
	for (i = 0; i < vss_bcd_component_directed_target_count(c); i++) {
		const struct vss_directed_target *d =
			vss_bcd_component_directed_target(c, i);

		fputs("directed ", f);
		put_str(f, d->source_path);
		put_str(f, d->source_file);
		put_str(f, d->source_ranges);
		put_str(f, d->destination_path);
		put_str(f, d->destination_file);
		put_str(f, d->destination_ranges);
		fputc('\n', f);
	}
	for (i = 0; i < vss_bcd_component_partial_file_count(c); i++) {
		const struct vss_partial_file *p =
			vss_bcd_component_partial_file(c, i);

		fputs("partial ", f);
		put_str(f, p->path);
		put_str(f, p->filename);
		put_str(f, p->ranges);
		put_str(f, p->metadata);
		fputc('\n', f);
	}
	for (i = 0; i < vss_bcd_component_differenced_file_count(c); i++) {
		const struct vss_differenced_file *d =
			vss_bcd_component_differenced_file(c, i);

		fputs("differenced ", f);
		put_str(f, d->path);
		put_str(f, d->filespec);
		put_str(f, d->lsn);
		fprintf(f, " %d %lld\n", d->recursive,
			(long long)d->last_modify_time);
	}
}

/* Caller owns the text; free with free(). */
static char *
digest(const vss_bcd *bcd)
{
	const struct vss_backup_state *s = vss_bcd_backup_state(bcd);
	char *buf = NULL;
	size_t len = 0, i, j;
	FILE *f;

	f = open_memstream(&buf, &len);
	assert_non_null(f);
	fprintf(f, "state %d %d %d %d restore %d context %d set ",
		s->select_components, s->bootable_system_state,
		s->backup_type, s->partial_file_support,
		vss_bcd_restore_type(bcd), vss_bcd_context(bcd));
	put_id(f, vss_bcd_snapshot_set_id(bcd));
	fputc('\n', f);
	for (i = 0; i < vss_bcd_snapshot_desc_count(bcd); i++) {
		const struct vss_snapshot_desc *d =
			vss_bcd_snapshot_desc(bcd, i);

		fputs("snapshot ", f);
		put_id(f, &d->snapshot_id);
		put_id(f, &d->provider_id);
		put_str(f, d->original_volume);
		put_str(f, d->snapshot_device);
		put_str(f, d->originating_machine);
		fprintf(f, " %u %lld %p\n", d->attributes,
			(long long)d->created, (const void *)d->extra);
	}
	for (i = 0; i < vss_bcd_writer_count(bcd); i++) {
		const vss_bcd_writer *w = vss_bcd_writer_at(bcd, i);

		fputs("writer ", f);
		put_id(f, vss_bcd_writer_class_id(w));
		put_id(f, vss_bcd_writer_instance_id(w));
		put_str(f, vss_bcd_writer_instance_name(w));
		fprintf(f, " %u\n", vss_bcd_writer_backup_schema(w));
		for (j = 0; j < vss_bcd_writer_component_count(w); j++)
			put_component(f, vss_bcd_writer_component(w, j));
	}
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* Assert the document still has the digest taken before; frees it. */
static void
assert_unchanged(const vss_bcd *bcd, char *before)
{
	char *after = digest(bcd);

	assert_string_equal(after, before);
	free(after);
	free(before);
}

/* ---- Fixture: a document with one writer entry and one component ------- */

struct fixture {
	vss_bcd *bcd;
	vss_bcd_writer *w;
	vss_bcd_component *c;
};

static void
fixture_build(struct fixture *fx)
{
	vss_id class_id = make_id(0x10), instance_id = make_id(0x20);

	assert_int_equal(vss_bcd_new(&fx->bcd), 0);
	assert_int_equal(vss_bcd_add_writer(fx->bcd, &class_id, &instance_id,
					    "inst", 0x371, &fx->w),
			 0);
	assert_int_equal(vss_bcd_writer_add_component(fx->w, VSS_CT_FILEGROUP,
						      "Root", "Data", &fx->c),
			 0);
}

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	fixture_build(fx);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	vss_bcd_free(fx->bcd);
	free(fx);
	return 0;
}

/* ---- Document ----------------------------------------------------------- */

static void
test_free_null(void **state)
{
	vss_bcd_free(NULL);
}

static void
test_new_defaults(void **state)
{
	const struct vss_backup_state *s;
	vss_id null_id = { { 0 } };
	vss_bcd *bcd;

	assert_int_equal(vss_bcd_new(NULL), -EINVAL);
	assert_int_equal(vss_bcd_new(&bcd), 0);
	s = vss_bcd_backup_state(bcd);
	assert_non_null(s);
	assert_false(s->select_components);
	assert_false(s->bootable_system_state);
	assert_int_equal(s->backup_type, VSS_BT_FULL);
	assert_false(s->partial_file_support);
	/* RS-034: restore type UNDEFINED until SetRestoreState. */
	assert_int_equal(vss_bcd_restore_type(bcd), VSS_RTYPE_UNDEFINED);
	assert_int_equal(vss_bcd_context(bcd), 0);
	assert_true(id_eq(vss_bcd_snapshot_set_id(bcd), &null_id));
	assert_int_equal(vss_bcd_writer_count(bcd), 0);
	assert_null(vss_bcd_writer_at(bcd, 0));
	assert_int_equal(vss_bcd_snapshot_desc_count(bcd), 0);
	assert_null(vss_bcd_snapshot_desc(bcd, 0));
	vss_bcd_free(bcd);
}

static void
test_backup_state_round_trip(void **state)
{
	struct fixture *fx = *state;
	struct vss_backup_state s = {
		.select_components = true,
		.bootable_system_state = true,
		.backup_type = VSS_BT_LOG,
		.partial_file_support = true,
	};
	const struct vss_backup_state *got;
	int t;

	assert_int_equal(vss_bcd_set_backup_state(fx->bcd, &s), 0);
	got = vss_bcd_backup_state(fx->bcd);
	assert_true(got->select_components);
	assert_true(got->bootable_system_state);
	assert_int_equal(got->backup_type, VSS_BT_LOG);
	assert_true(got->partial_file_support);
	for (t = VSS_BT_FULL; t <= VSS_BT_OTHER; t++) {
		s.backup_type = (enum vss_backup_type)t;
		assert_int_equal(vss_bcd_set_backup_state(fx->bcd, &s), 0);
		assert_int_equal(vss_bcd_backup_state(fx->bcd)->backup_type, t);
	}
}

static void
test_backup_state_rejects_bad_type(void **state)
{
	struct fixture *fx = *state;
	struct vss_backup_state s = { .select_components = true };
	const int bad[] = { VSS_BT_UNDEFINED, VSS_BT_OTHER + 1, -1 };
	char *before = digest(fx->bcd);
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s.backup_type = (enum vss_backup_type)bad[i];
		assert_int_equal(vss_bcd_set_backup_state(fx->bcd, &s),
				 -EINVAL);
	}
	assert_int_equal(vss_bcd_set_backup_state(fx->bcd, NULL), -EINVAL);
	assert_int_equal(vss_bcd_set_backup_state(NULL, &s), -EINVAL);
	assert_unchanged(fx->bcd, before);
	assert_null(vss_bcd_backup_state(NULL));
}

static void
test_restore_type(void **state)
{
	struct fixture *fx = *state;
	char *before;
	int t;

	for (t = VSS_RTYPE_UNDEFINED; t <= VSS_RTYPE_OTHER; t++) {
		assert_int_equal(vss_bcd_set_restore_type(
					 fx->bcd, (enum vss_restore_type)t),
				 0);
		assert_int_equal(vss_bcd_restore_type(fx->bcd), t);
	}
	before = digest(fx->bcd);
	assert_int_equal(vss_bcd_set_restore_type(fx->bcd,
						  (enum vss_restore_type)4),
			 -EINVAL);
	assert_int_equal(vss_bcd_set_restore_type(fx->bcd,
						  (enum vss_restore_type)-1),
			 -EINVAL);
	assert_int_equal(vss_bcd_set_restore_type(NULL, VSS_RTYPE_IMPORT),
			 -EINVAL);
	assert_unchanged(fx->bcd, before);
	assert_int_equal(vss_bcd_restore_type(NULL), VSS_RTYPE_UNDEFINED);
}

static void
test_context_and_snapshot_set_id(void **state)
{
	struct fixture *fx = *state;
	vss_id id = make_id(0x77), expect = make_id(0x77);

	assert_int_equal(vss_bcd_set_context(fx->bcd, 0x19), 0);
	assert_int_equal(vss_bcd_context(fx->bcd), 0x19);
	assert_int_equal(vss_bcd_set_context(fx->bcd, -1), 0);
	assert_int_equal(vss_bcd_context(fx->bcd), -1);
	assert_int_equal(vss_bcd_set_context(NULL, 1), -EINVAL);
	assert_int_equal(vss_bcd_context(NULL), 0);

	assert_int_equal(vss_bcd_set_snapshot_set_id(fx->bcd, &id), 0);
	/* Copied: changing the caller's id does not reach the document. */
	id = make_id(0x01);
	assert_true(id_eq(vss_bcd_snapshot_set_id(fx->bcd), &expect));
	assert_int_equal(vss_bcd_set_snapshot_set_id(fx->bcd, NULL), -EINVAL);
	assert_int_equal(vss_bcd_set_snapshot_set_id(NULL, &id), -EINVAL);
	assert_null(vss_bcd_snapshot_set_id(NULL));
}

static void
test_snapshot_desc(void **state)
{
	struct fixture *fx = *state;
	char volume[] = "/mnt/data";
	int fake_extra;
	struct vss_snapshot_desc d = {
		.snapshot_id = make_id(1),
		.provider_id = make_id(2),
		.original_volume = volume,
		.snapshot_device = "/dev/mapper/snap0",
		.originating_machine = "host1",
		.attributes = 0x1234,
		.created = 132000000000000000LL,
		.extra = (const struct vss_xml_extra *)&fake_extra,
	};
	const struct vss_snapshot_desc *got;
	vss_id id1 = make_id(1), id2 = make_id(2);
	char *before;

	assert_int_equal(vss_bcd_add_snapshot_desc(fx->bcd, &d), 0);
	volume[0] = 'X';
	d.snapshot_device = NULL;
	d.originating_machine = NULL;
	d.original_volume = "/srv";
	assert_int_equal(vss_bcd_add_snapshot_desc(fx->bcd, &d), 0);
	assert_int_equal(vss_bcd_snapshot_desc_count(fx->bcd), 2);

	got = vss_bcd_snapshot_desc(fx->bcd, 0);
	assert_non_null(got);
	assert_true(id_eq(&got->snapshot_id, &id1));
	assert_true(id_eq(&got->provider_id, &id2));
	assert_string_equal(got->original_volume, "/mnt/data");
	assert_string_equal(got->snapshot_device, "/dev/mapper/snap0");
	assert_string_equal(got->originating_machine, "host1");
	assert_int_equal(got->attributes, 0x1234);
	assert_int_equal(got->created, 132000000000000000LL);
	/* The extra is private: a caller's pointer is never kept. */
	assert_null(got->extra);
	got = vss_bcd_snapshot_desc(fx->bcd, 1);
	assert_string_equal(got->original_volume, "/srv");
	assert_null(got->snapshot_device);
	assert_null(got->originating_machine);
	assert_null(vss_bcd_snapshot_desc(fx->bcd, 2));

	before = digest(fx->bcd);
	d.original_volume = NULL;
	assert_int_equal(vss_bcd_add_snapshot_desc(fx->bcd, &d), -EINVAL);
	assert_int_equal(vss_bcd_add_snapshot_desc(fx->bcd, NULL), -EINVAL);
	d.original_volume = "/srv";
	assert_int_equal(vss_bcd_add_snapshot_desc(NULL, &d), -EINVAL);
	assert_unchanged(fx->bcd, before);
	assert_int_equal(vss_bcd_snapshot_desc_count(NULL), 0);
	assert_null(vss_bcd_snapshot_desc(NULL, 0));
}

/* ---- Writer entries ----------------------------------------------------- */

static void
test_add_writer(void **state)
{
	vss_id class_id = make_id(0x10), instance_id = make_id(0x20);
	char name[] = "instance one";
	vss_bcd_writer *w;
	vss_bcd *bcd;

	assert_int_equal(vss_bcd_new(&bcd), 0);
	assert_int_equal(vss_bcd_add_writer(bcd, &class_id, &instance_id, name,
					    0x881, &w),
			 0);
	name[0] = 'X';
	class_id = make_id(0x99);
	assert_int_equal(vss_bcd_writer_count(bcd), 1);
	assert_ptr_equal(vss_bcd_writer_at(bcd, 0), w);
	class_id = make_id(0x10);
	assert_true(id_eq(vss_bcd_writer_class_id(w), &class_id));
	assert_true(id_eq(vss_bcd_writer_instance_id(w), &instance_id));
	assert_string_equal(vss_bcd_writer_instance_name(w), "instance one");
	assert_int_equal(vss_bcd_writer_backup_schema(w), 0x881);
	assert_int_equal(vss_bcd_writer_component_count(w), 0);
	assert_null(vss_bcd_writer_component(w, 0));
	assert_null(vss_bcd_writer_at(bcd, 1));
	vss_bcd_free(bcd);
}

static void
test_add_writer_existing_entry_is_returned(void **state)
{
	struct fixture *fx = *state;
	vss_id class_id = make_id(0x10), instance_id = make_id(0x20);
	vss_bcd_writer *w = NULL;
	char *before = digest(fx->bcd);

	/* Same (class, instance): the entry found, nothing added or changed. */
	assert_int_equal(vss_bcd_add_writer(fx->bcd, &class_id, &instance_id,
					    NULL, 0, &w),
			 0);
	assert_ptr_equal(w, fx->w);
	assert_unchanged(fx->bcd, before);
	assert_string_equal(vss_bcd_writer_instance_name(w), "inst");
	assert_int_equal(vss_bcd_writer_backup_schema(w), 0x371);
}

static void
test_add_writer_other_instance_is_new_entry(void **state)
{
	struct fixture *fx = *state;
	vss_id class_id = make_id(0x10), instance_id = make_id(0x21);
	vss_bcd_writer *w;

	assert_int_equal(vss_bcd_add_writer(fx->bcd, &class_id, &instance_id,
					    NULL, 0, &w),
			 0);
	assert_ptr_not_equal(w, fx->w);
	assert_int_equal(vss_bcd_writer_count(fx->bcd), 2);
	assert_null(vss_bcd_writer_instance_name(w));
	assert_int_equal(vss_bcd_writer_backup_schema(w), 0);
	/* The other instance has its own component namespace. */
	assert_int_equal(vss_bcd_writer_component_count(w), 0);
}

static void
test_writer_pointers_survive_growth(void **state)
{
	struct fixture *fx = *state;
	vss_id class_id = make_id(0x10), instance_id;
	vss_bcd_writer *w;
	int i;

	for (i = 0; i < 40; i++) {
		instance_id = make_id((uint8_t)(0x40 + i));
		assert_int_equal(vss_bcd_add_writer(fx->bcd, &class_id,
						    &instance_id, NULL, 0, &w),
				 0);
	}
	assert_int_equal(vss_bcd_writer_count(fx->bcd), 41);
	assert_ptr_equal(vss_bcd_writer_at(fx->bcd, 0), fx->w);
	assert_string_equal(vss_bcd_writer_instance_name(fx->w), "inst");
	assert_ptr_equal(vss_bcd_writer_component(fx->w, 0), fx->c);
}

static void
test_add_writer_null_args(void **state)
{
	struct fixture *fx = *state;
	vss_id id = make_id(0x10);
	vss_bcd_writer *w = (vss_bcd_writer *)&id;
	char *before = digest(fx->bcd);

	assert_int_equal(vss_bcd_add_writer(NULL, &id, &id, NULL, 0, &w),
			 -EINVAL);
	assert_int_equal(vss_bcd_add_writer(fx->bcd, NULL, &id, NULL, 0, &w),
			 -EINVAL);
	assert_int_equal(vss_bcd_add_writer(fx->bcd, &id, NULL, NULL, 0, &w),
			 -EINVAL);
	assert_int_equal(vss_bcd_add_writer(fx->bcd, &id, &id, NULL, 0, NULL),
			 -EINVAL);
	/* Output parameters are written only on success. */
	assert_ptr_equal(w, (vss_bcd_writer *)&id);
	assert_unchanged(fx->bcd, before);
	assert_int_equal(vss_bcd_writer_count(NULL), 0);
	assert_null(vss_bcd_writer_at(NULL, 0));
	assert_null(vss_bcd_writer_class_id(NULL));
	assert_null(vss_bcd_writer_instance_id(NULL));
	assert_null(vss_bcd_writer_instance_name(NULL));
	assert_int_equal(vss_bcd_writer_backup_schema(NULL), 0);
	assert_int_equal(vss_bcd_writer_component_count(NULL), 0);
	assert_null(vss_bcd_writer_component(NULL, 0));
}

static void
test_find_writer(void **state)
{
	struct fixture *fx = *state;
	vss_id class_a = make_id(0x10), class_b = make_id(0x50);
	vss_id inst1 = make_id(0x20), inst2 = make_id(0x21);
	vss_bcd_writer *w2, *wb;

	assert_int_equal(vss_bcd_add_writer(fx->bcd, &class_b, &inst1, NULL, 0,
					    &wb),
			 0);
	assert_int_equal(vss_bcd_add_writer(fx->bcd, &class_a, &inst2, NULL, 0,
					    &w2),
			 0);
	/* Without an instance: the first entry of the class. */
	assert_ptr_equal(vss_bcd_find_writer(fx->bcd, &class_a, NULL), fx->w);
	assert_ptr_equal(vss_bcd_find_writer(fx->bcd, &class_a, &inst2), w2);
	assert_ptr_equal(vss_bcd_find_writer(fx->bcd, &class_a, &inst1), fx->w);
	assert_ptr_equal(vss_bcd_find_writer(fx->bcd, &class_b, NULL), wb);
	assert_null(vss_bcd_find_writer(fx->bcd, &class_b, &inst2));
	class_b = make_id(0x60);
	assert_null(vss_bcd_find_writer(fx->bcd, &class_b, NULL));
	assert_null(vss_bcd_find_writer(fx->bcd, NULL, NULL));
	assert_null(vss_bcd_find_writer(NULL, &class_a, NULL));
}

/* ---- Components --------------------------------------------------------- */

static void
test_add_component(void **state)
{
	struct fixture *fx = *state;
	char path[] = "Sql\\Instance", name[] = "master";
	vss_bcd_component *c;

	assert_int_equal(vss_bcd_writer_add_component(fx->w, VSS_CT_DATABASE,
						      path, name, &c),
			 0);
	path[0] = 'X';
	name[0] = 'X';
	assert_int_equal(vss_bcd_writer_component_count(fx->w), 2);
	assert_ptr_equal(vss_bcd_writer_component(fx->w, 1), c);
	assert_int_equal(vss_bcd_component_type(c), VSS_CT_DATABASE);
	assert_string_equal(vss_bcd_component_logical_path(c), "Sql\\Instance");
	assert_string_equal(vss_bcd_component_name(c), "master");
	assert_null(vss_bcd_writer_component(fx->w, 2));
}

static void
test_add_component_top_level_path_is_null(void **state)
{
	struct fixture *fx = *state;
	vss_bcd_component *c1, *c2;

	assert_int_equal(vss_bcd_writer_add_component(fx->w, VSS_CT_FILEGROUP,
						      "", "Top1", &c1),
			 0);
	assert_int_equal(vss_bcd_writer_add_component(fx->w, VSS_CT_FILEGROUP,
						      NULL, "Top2", &c2),
			 0);
	assert_null(vss_bcd_component_logical_path(c1));
	assert_null(vss_bcd_component_logical_path(c2));
}

static void
test_add_component_bad_type_einval(void **state)
{
	struct fixture *fx = *state;
	vss_bcd_component *c = fx->c;
	char *before = digest(fx->bcd);

	assert_int_equal(vss_bcd_writer_add_component(fx->w, VSS_CT_UNDEFINED,
						      NULL, "X", &c),
			 -EINVAL);
	assert_int_equal(vss_bcd_writer_add_component(
				 fx->w, (enum vss_component_type)3, NULL, "X",
				 &c),
			 -EINVAL);
	assert_int_equal(vss_bcd_writer_add_component(
				 fx->w, (enum vss_component_type)-1, NULL, "X",
				 &c),
			 -EINVAL);
	assert_ptr_equal(c, fx->c);
	assert_unchanged(fx->bcd, before);
}

static void
test_add_component_bad_name_einval(void **state)
{
	struct fixture *fx = *state;
	vss_bcd_component *c = fx->c;
	char *before = digest(fx->bcd);

	/* MD 2.3: the name is required and must not contain '\'. */
	assert_int_equal(vss_bcd_writer_add_component(fx->w, VSS_CT_FILEGROUP,
						      NULL, NULL, &c),
			 -EINVAL);
	assert_int_equal(vss_bcd_writer_add_component(fx->w, VSS_CT_FILEGROUP,
						      NULL, "", &c),
			 -EINVAL);
	assert_int_equal(vss_bcd_writer_add_component(fx->w, VSS_CT_FILEGROUP,
						      "Root", "a\\b", &c),
			 -EINVAL);
	assert_int_equal(vss_bcd_writer_add_component(fx->w, VSS_CT_FILEGROUP,
						      NULL, "\\", &c),
			 -EINVAL);
	assert_int_equal(vss_bcd_writer_add_component(NULL, VSS_CT_FILEGROUP,
						      NULL, "X", &c),
			 -EINVAL);
	assert_int_equal(vss_bcd_writer_add_component(fx->w, VSS_CT_FILEGROUP,
						      NULL, "X", NULL),
			 -EINVAL);
	assert_ptr_equal(c, fx->c);
	assert_unchanged(fx->bcd, before);
}

static void
test_bk014_md011_duplicate_component_exists(void **state)
{
	struct fixture *fx = *state;
	vss_bcd_component *c = fx->c;
	char *before = digest(fx->bcd);

	assert_int_equal(vss_bcd_writer_add_component(fx->w, VSS_CT_FILEGROUP,
						      "Root", "Data", &c),
			 VSS_E_OBJECT_ALREADY_EXISTS);
	/* The pair is the key, whatever the type. */
	assert_int_equal(vss_bcd_writer_add_component(fx->w, VSS_CT_DATABASE,
						      "Root", "Data", &c),
			 VSS_E_OBJECT_ALREADY_EXISTS);
	assert_ptr_equal(c, fx->c);
	assert_unchanged(fx->bcd, before);
}

static void
test_bk014_duplicate_top_level_null_equals_empty(void **state)
{
	struct fixture *fx = *state;
	vss_bcd_component *c;

	assert_int_equal(vss_bcd_writer_add_component(fx->w, VSS_CT_FILEGROUP,
						      NULL, "Top", &c),
			 0);
	assert_int_equal(vss_bcd_writer_add_component(fx->w, VSS_CT_FILEGROUP,
						      "", "Top", &c),
			 VSS_E_OBJECT_ALREADY_EXISTS);
	assert_int_equal(vss_bcd_writer_add_component(fx->w, VSS_CT_FILEGROUP,
						      "", "Top2", &c),
			 0);
	assert_int_equal(vss_bcd_writer_add_component(fx->w, VSS_CT_FILEGROUP,
						      NULL, "Top2", &c),
			 VSS_E_OBJECT_ALREADY_EXISTS);
	assert_int_equal(vss_bcd_writer_component_count(fx->w), 3);
}

static void
test_bk014_same_name_elsewhere_allowed(void **state)
{
	struct fixture *fx = *state;
	vss_id class_id = make_id(0x10), instance_id = make_id(0x21);
	vss_bcd_component *c;
	vss_bcd_writer *w2;

	/* Same name under another path, or top level: a different pair. */
	assert_int_equal(vss_bcd_writer_add_component(fx->w, VSS_CT_FILEGROUP,
						      "Root\\Sub", "Data", &c),
			 0);
	assert_int_equal(vss_bcd_writer_add_component(fx->w, VSS_CT_FILEGROUP,
						      NULL, "Data", &c),
			 0);
	/* Names compare exactly: the document keeps strings as given. */
	assert_int_equal(vss_bcd_writer_add_component(fx->w, VSS_CT_FILEGROUP,
						      "Root", "data", &c),
			 0);
	/* Duplicates are per writer entry (BK-014: same writer instance). */
	assert_int_equal(vss_bcd_add_writer(fx->bcd, &class_id, &instance_id,
					    NULL, 0, &w2),
			 0);
	assert_int_equal(vss_bcd_writer_add_component(w2, VSS_CT_FILEGROUP,
						      "Root", "Data", &c),
			 0);
	assert_int_equal(vss_bcd_writer_component_count(fx->w), 4);
	assert_int_equal(vss_bcd_writer_component_count(w2), 1);
}

static void
test_md050_find_component(void **state)
{
	struct fixture *fx = *state;
	vss_bcd_component *top, *db;

	assert_int_equal(vss_bcd_writer_add_component(fx->w, VSS_CT_FILEGROUP,
						      NULL, "Top", &top),
			 0);
	assert_int_equal(vss_bcd_writer_add_component(fx->w, VSS_CT_DATABASE,
						      "Root", "Db", &db),
			 0);
	/* MD-050: (type, logical path, name) exactly as added. */
	assert_ptr_equal(vss_bcd_writer_find_component(fx->w, VSS_CT_FILEGROUP,
						       "Root", "Data"),
			 fx->c);
	assert_ptr_equal(vss_bcd_writer_find_component(fx->w, VSS_CT_DATABASE,
						       "Root", "Db"),
			 db);
	assert_ptr_equal(vss_bcd_writer_find_component(fx->w, VSS_CT_FILEGROUP,
						       NULL, "Top"),
			 top);
	assert_ptr_equal(vss_bcd_writer_find_component(fx->w, VSS_CT_FILEGROUP,
						       "", "Top"),
			 top);
	assert_null(vss_bcd_writer_find_component(fx->w, VSS_CT_DATABASE,
						  "Root", "Data"));
	assert_null(vss_bcd_writer_find_component(fx->w, VSS_CT_FILEGROUP,
						  NULL, "Data"));
	assert_null(vss_bcd_writer_find_component(fx->w, VSS_CT_FILEGROUP,
						  "Root", "Nope"));
	assert_null(vss_bcd_writer_find_component(fx->w, VSS_CT_FILEGROUP,
						  "Root", NULL));
	assert_null(vss_bcd_writer_find_component(NULL, VSS_CT_FILEGROUP,
						  "Root", "Data"));
}

static void
test_component_pointers_survive_growth(void **state)
{
	struct fixture *fx = *state;
	vss_bcd_component *c;
	char name[16];
	int i;

	for (i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		assert_int_equal(vss_bcd_writer_add_component(
					 fx->w, VSS_CT_FILEGROUP, NULL, name,
					 &c),
				 0);
	}
	assert_int_equal(vss_bcd_writer_component_count(fx->w), 41);
	assert_ptr_equal(vss_bcd_writer_component(fx->w, 0), fx->c);
	assert_string_equal(vss_bcd_component_name(fx->c), "Data");
	assert_string_equal(vss_bcd_component_name(c), "c39");
}

static void
test_component_defaults(void **state)
{
	struct fixture *fx = *state;
	const struct vss_component_failure *f;
	int t;

	for (t = 0; t < VSS_TEXT_COUNT; t++)
		assert_null(vss_bcd_component_text(fx->c,
						   (enum vss_component_text)t));
	assert_false(vss_bcd_component_backup_succeeded(fx->c));
	assert_false(vss_bcd_component_selected_for_restore(fx->c));
	assert_false(vss_bcd_component_additional_restores(fx->c));
	assert_false(vss_bcd_component_authoritative_restore(fx->c));
	assert_int_equal(vss_bcd_component_rollforward_type(fx->c),
			 VSS_RF_UNDEFINED);
	/* RS-060: ORIGINAL by default. */
	assert_int_equal(vss_bcd_component_restore_target(fx->c),
			 VSS_RT_ORIGINAL);
	assert_int_equal(vss_bcd_component_file_restore_status(fx->c),
			 VSS_RS_UNDEFINED);
	f = vss_bcd_component_failure(fx->c);
	assert_non_null(f);
	assert_int_equal(f->status, 0);
	assert_int_equal(f->application_status, 0);
	assert_null(f->message);
	assert_int_equal(vss_bcd_component_restore_subcomponent_count(fx->c),
			 0);
	assert_int_equal(
		vss_bcd_component_alternate_location_mapping_count(fx->c), 0);
	assert_int_equal(vss_bcd_component_new_target_count(fx->c), 0);
	assert_int_equal(vss_bcd_component_directed_target_count(fx->c), 0);
	assert_int_equal(vss_bcd_component_partial_file_count(fx->c), 0);
	assert_int_equal(vss_bcd_component_differenced_file_count(fx->c), 0);
}

/* ---- Text fields -------------------------------------------------------- */

static void
test_md052_text_fields_round_trip(void **state)
{
	struct fixture *fx = *state;
	char value[64];
	int t;

	for (t = 0; t < VSS_TEXT_COUNT; t++) {
		snprintf(value, sizeof(value), "value %d", t);
		assert_int_equal(vss_bcd_component_set_text(
					 fx->c, (enum vss_component_text)t,
					 value),
				 0);
	}
	/* Copied: the caller's buffer is not referenced. */
	memset(value, 'X', sizeof(value) - 1);
	for (t = 0; t < VSS_TEXT_COUNT; t++) {
		snprintf(value, sizeof(value), "value %d", t);
		assert_string_equal(vss_bcd_component_text(
					    fx->c, (enum vss_component_text)t),
				    value);
	}
	/* Replaced, then cleared by NULL; the other fields stay. */
	assert_int_equal(vss_bcd_component_set_text(fx->c,
						    VSS_TEXT_BACKUP_STAMP,
						    "stamp 2"),
			 0);
	assert_string_equal(vss_bcd_component_text(fx->c,
						   VSS_TEXT_BACKUP_STAMP),
			    "stamp 2");
	assert_int_equal(vss_bcd_component_set_text(fx->c,
						    VSS_TEXT_BACKUP_STAMP,
						    NULL),
			 0);
	assert_null(vss_bcd_component_text(fx->c, VSS_TEXT_BACKUP_STAMP));
	assert_string_equal(vss_bcd_component_text(fx->c,
						   VSS_TEXT_BACKUP_OPTIONS),
			    "value 0");
}

static void
test_md052_text_is_opaque(void **state)
{
	struct fixture *fx = *state;
	/* Markup, quotes, white space, UTF-8 and an empty string as given. */
	const char *values[] = {
		"  <a href=\"x\">&amp;'</a>\t\r\n ",
		"\"Authoritative\"=\"All\", \"Roll Forward\"=\"Partial:42\"",
		"\xc3\xa9t\xc3\xa9 \xe2\x82\xac",
		"",
	};
	size_t i;

	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		assert_int_equal(vss_bcd_component_set_text(
					 fx->c, VSS_TEXT_BACKUP_METADATA,
					 values[i]),
				 0);
		assert_string_equal(vss_bcd_component_text(
					    fx->c, VSS_TEXT_BACKUP_METADATA),
				    values[i]);
	}
}

static void
test_text_field_out_of_range_einval(void **state)
{
	struct fixture *fx = *state;
	char *before = digest(fx->bcd);

	assert_int_equal(vss_bcd_component_set_text(fx->c, VSS_TEXT_COUNT, "x"),
			 -EINVAL);
	assert_int_equal(vss_bcd_component_set_text(
				 fx->c, (enum vss_component_text)-1, "x"),
			 -EINVAL);
	assert_int_equal(vss_bcd_component_set_text(NULL,
						    VSS_TEXT_BACKUP_OPTIONS,
						    "x"),
			 -EINVAL);
	assert_unchanged(fx->bcd, before);
	assert_null(vss_bcd_component_text(fx->c, VSS_TEXT_COUNT));
	assert_null(vss_bcd_component_text(fx->c,
					   (enum vss_component_text)-1));
	assert_null(vss_bcd_component_text(NULL, VSS_TEXT_BACKUP_OPTIONS));
}

/* ---- Flags and enumerations --------------------------------------------- */

static void
test_bool_properties(void **state)
{
	struct fixture *fx = *state;
	bool on;
	int i;

	for (i = 0; i < 2; i++) {
		on = i == 0;
		assert_int_equal(vss_bcd_component_set_backup_succeeded(fx->c,
									on),
				 0);
		assert_int_equal(vss_bcd_component_backup_succeeded(fx->c), on);
		assert_int_equal(vss_bcd_component_set_selected_for_restore(
					 fx->c, on),
				 0);
		assert_int_equal(vss_bcd_component_selected_for_restore(fx->c),
				 on);
		assert_int_equal(vss_bcd_component_set_additional_restores(
					 fx->c, on),
				 0);
		assert_int_equal(vss_bcd_component_additional_restores(fx->c),
				 on);
		assert_int_equal(vss_bcd_component_set_authoritative_restore(
					 fx->c, on),
				 0);
		assert_int_equal(vss_bcd_component_authoritative_restore(fx->c),
				 on);
	}
	assert_int_equal(vss_bcd_component_set_backup_succeeded(NULL, true),
			 -EINVAL);
	assert_int_equal(vss_bcd_component_set_selected_for_restore(NULL, true),
			 -EINVAL);
	assert_int_equal(vss_bcd_component_set_additional_restores(NULL, true),
			 -EINVAL);
	assert_int_equal(vss_bcd_component_set_authoritative_restore(NULL,
								     true),
			 -EINVAL);
	assert_false(vss_bcd_component_backup_succeeded(NULL));
	assert_false(vss_bcd_component_selected_for_restore(NULL));
	assert_false(vss_bcd_component_additional_restores(NULL));
	assert_false(vss_bcd_component_authoritative_restore(NULL));
}

static void
test_rs032_rollforward(void **state)
{
	struct fixture *fx = *state;
	char point[] = "lsn 42";
	char *before;

	assert_int_equal(vss_bcd_component_set_rollforward(fx->c,
							   VSS_RF_PARTIAL,
							   point),
			 0);
	point[0] = 'X';
	assert_int_equal(vss_bcd_component_rollforward_type(fx->c),
			 VSS_RF_PARTIAL);
	assert_string_equal(vss_bcd_component_text(fx->c,
						   VSS_TEXT_ROLLFORWARD_POINT),
			    "lsn 42");
	assert_int_equal(vss_bcd_component_set_rollforward(fx->c, VSS_RF_ALL,
							   NULL),
			 0);
	assert_int_equal(vss_bcd_component_rollforward_type(fx->c), VSS_RF_ALL);
	assert_null(vss_bcd_component_text(fx->c, VSS_TEXT_ROLLFORWARD_POINT));
	assert_int_equal(vss_bcd_component_set_rollforward(fx->c, VSS_RF_NONE,
							   "p"),
			 0);
	assert_int_equal(vss_bcd_component_rollforward_type(fx->c),
			 VSS_RF_NONE);

	before = digest(fx->bcd);
	assert_int_equal(vss_bcd_component_set_rollforward(fx->c,
							   VSS_RF_UNDEFINED,
							   "q"),
			 -EINVAL);
	assert_int_equal(vss_bcd_component_set_rollforward(
				 fx->c, (enum vss_rollforward_type)4, "q"),
			 -EINVAL);
	assert_int_equal(vss_bcd_component_set_rollforward(
				 fx->c, (enum vss_rollforward_type)-1, "q"),
			 -EINVAL);
	assert_int_equal(vss_bcd_component_set_rollforward(NULL, VSS_RF_ALL,
							   "q"),
			 -EINVAL);
	assert_unchanged(fx->bcd, before);
	assert_int_equal(vss_bcd_component_rollforward_type(NULL),
			 VSS_RF_UNDEFINED);
}

static void
test_rs060_rs062_restore_target(void **state)
{
	struct fixture *fx = *state;
	char *before;
	int t;

	for (t = VSS_RT_ORIGINAL; t <= VSS_RT_ORIGINAL_LOCATION; t++) {
		assert_int_equal(vss_bcd_component_set_restore_target(
					 fx->c, (enum vss_restore_target)t),
				 0);
		assert_int_equal(vss_bcd_component_restore_target(fx->c), t);
	}
	before = digest(fx->bcd);
	assert_int_equal(vss_bcd_component_set_restore_target(
				 fx->c, VSS_RT_UNDEFINED),
			 -EINVAL);
	assert_int_equal(vss_bcd_component_set_restore_target(
				 fx->c, (enum vss_restore_target)5),
			 -EINVAL);
	assert_int_equal(vss_bcd_component_set_restore_target(
				 fx->c, (enum vss_restore_target)-1),
			 -EINVAL);
	assert_int_equal(vss_bcd_component_set_restore_target(NULL,
							      VSS_RT_ORIGINAL),
			 -EINVAL);
	assert_unchanged(fx->bcd, before);
	assert_int_equal(vss_bcd_component_restore_target(NULL),
			 VSS_RT_UNDEFINED);
}

static void
test_file_restore_status(void **state)
{
	struct fixture *fx = *state;
	char *before;
	int s;

	for (s = VSS_RS_FAILED; s >= VSS_RS_UNDEFINED; s--) {
		assert_int_equal(
			vss_bcd_component_set_file_restore_status(
				fx->c, (enum vss_file_restore_status)s),
			0);
		assert_int_equal(vss_bcd_component_file_restore_status(fx->c),
				 s);
	}
	assert_int_equal(vss_bcd_component_set_file_restore_status(fx->c,
								   VSS_RS_ALL),
			 0);
	before = digest(fx->bcd);
	assert_int_equal(vss_bcd_component_set_file_restore_status(
				 fx->c, (enum vss_file_restore_status)4),
			 -EINVAL);
	assert_int_equal(vss_bcd_component_set_file_restore_status(
				 fx->c, (enum vss_file_restore_status)-1),
			 -EINVAL);
	assert_int_equal(vss_bcd_component_set_file_restore_status(NULL,
								   VSS_RS_ALL),
			 -EINVAL);
	assert_unchanged(fx->bcd, before);
	assert_int_equal(vss_bcd_component_file_restore_status(NULL),
			 VSS_RS_UNDEFINED);
}

/* ---- Failure (ER-012) --------------------------------------------------- */

static void
test_er012_failure_round_trip(void **state)
{
	struct fixture *fx = *state;
	const int32_t ok[] = {
		0,
		VSS_E_WRITERERROR_PARTIAL_FAILURE,
		VSS_E_WRITERERROR_INCONSISTENTSNAPSHOT,
		VSS_E_WRITERERROR_OUTOFRESOURCES,
		VSS_E_WRITERERROR_TIMEOUT,
		VSS_E_WRITERERROR_RETRYABLE,
		VSS_E_WRITERERROR_NONRETRYABLE,
		VSS_E_WRITERERROR_RECOVERY_FAILED,
	};
	char message[] = "disk full";
	struct vss_component_failure f = { .application_status = -5,
					   .message = message };
	const struct vss_component_failure *got;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		f.status = ok[i];
		assert_int_equal(vss_bcd_component_set_failure(fx->c, &f), 0);
		got = vss_bcd_component_failure(fx->c);
		assert_int_equal(got->status, ok[i]);
	}
	message[0] = 'X';
	got = vss_bcd_component_failure(fx->c);
	assert_int_equal(got->application_status, -5);
	assert_string_equal(got->message, "disk full");
	assert_ptr_not_equal(got->message, message);

	f.message = NULL;
	f.application_status = 7;
	assert_int_equal(vss_bcd_component_set_failure(fx->c, &f), 0);
	assert_int_equal(got->application_status, 7);
	assert_null(got->message);
	assert_null(vss_bcd_component_failure(NULL));
}

static void
test_er012_failure_other_status_einval(void **state)
{
	struct fixture *fx = *state;
	const int32_t bad[] = { 1, -EINVAL, VSS_E_BAD_STATE,
				VSS_E_UNEXPECTED_WRITER_ERROR,
				VSS_E_WRITER_NOT_RESPONDING };
	struct vss_component_failure f = {
		.status = VSS_E_WRITERERROR_RETRYABLE,
		.message = "first",
	};
	char *before;
	size_t i;

	assert_int_equal(vss_bcd_component_set_failure(fx->c, &f), 0);
	before = digest(fx->bcd);
	f.message = "second";
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f.status = bad[i];
		assert_int_equal(vss_bcd_component_set_failure(fx->c, &f),
				 -EINVAL);
	}
	assert_int_equal(vss_bcd_component_set_failure(fx->c, NULL), -EINVAL);
	f.status = 0;
	assert_int_equal(vss_bcd_component_set_failure(NULL, &f), -EINVAL);
	assert_unchanged(fx->bcd, before);
}

/* ---- Lists -------------------------------------------------------------- */

static void
test_rs021_restore_subcomponents(void **state)
{
	struct fixture *fx = *state;
	char path[] = "Root\\Data", name[] = "Logs";
	const struct vss_restore_subcomponent *s;
	char *before;

	assert_int_equal(vss_bcd_component_add_restore_subcomponent(
				 fx->c, path, name, false),
			 0);
	path[0] = name[0] = 'X';
	assert_int_equal(vss_bcd_component_add_restore_subcomponent(
				 fx->c, "Root\\Data\\Logs", "Old", true),
			 0);
	assert_int_equal(vss_bcd_component_restore_subcomponent_count(fx->c),
			 2);
	s = vss_bcd_component_restore_subcomponent(fx->c, 0);
	assert_string_equal(s->logical_path, "Root\\Data");
	assert_string_equal(s->name, "Logs");
	assert_false(s->repair);
	assert_null(s->extra);
	s = vss_bcd_component_restore_subcomponent(fx->c, 1);
	assert_string_equal(s->logical_path, "Root\\Data\\Logs");
	assert_string_equal(s->name, "Old");
	assert_true(s->repair);
	assert_null(vss_bcd_component_restore_subcomponent(fx->c, 2));

	/* RS-022: the subcomponent's logical path is mandatory. */
	before = digest(fx->bcd);
	assert_int_equal(vss_bcd_component_add_restore_subcomponent(
				 fx->c, NULL, "Logs", false),
			 -EINVAL);
	assert_int_equal(vss_bcd_component_add_restore_subcomponent(
				 fx->c, "Root", NULL, false),
			 -EINVAL);
	assert_int_equal(vss_bcd_component_add_restore_subcomponent(
				 NULL, "Root", "Logs", false),
			 -EINVAL);
	assert_unchanged(fx->bcd, before);
	assert_int_equal(vss_bcd_component_restore_subcomponent_count(NULL), 0);
	assert_null(vss_bcd_component_restore_subcomponent(NULL, 0));
}

/* The two mapping lists share their shape; one check serves both. */
struct mapping_list {
	int (*add)(vss_bcd_component *c, const char *path,
		   const char *filespec, bool recursive,
		   const char *destination);
	size_t (*count)(const vss_bcd_component *c);
	const struct vss_location_mapping *(*at)(const vss_bcd_component *c,
						 size_t i);
};

static void
check_mapping_list(struct fixture *fx, const struct mapping_list *l)
{
	char path[] = "/var/db", spec[] = "*.mdf", dest[] = "/restore/db";
	const struct vss_location_mapping *m;
	char *before;

	assert_int_equal(l->add(fx->c, path, spec, true, dest), 0);
	path[0] = spec[0] = dest[0] = 'X';
	assert_int_equal(l->add(fx->c, "/var/log", "*.ldf", false, "/r/log"),
			 0);
	assert_int_equal(l->count(fx->c), 2);
	m = l->at(fx->c, 0);
	assert_string_equal(m->path, "/var/db");
	assert_string_equal(m->filespec, "*.mdf");
	assert_true(m->recursive);
	assert_string_equal(m->destination, "/restore/db");
	assert_null(m->extra);
	m = l->at(fx->c, 1);
	assert_string_equal(m->path, "/var/log");
	assert_false(m->recursive);
	assert_null(l->at(fx->c, 2));

	before = digest(fx->bcd);
	assert_int_equal(l->add(fx->c, NULL, "*", false, "/d"), -EINVAL);
	assert_int_equal(l->add(fx->c, "/p", NULL, false, "/d"), -EINVAL);
	assert_int_equal(l->add(fx->c, "/p", "*", false, NULL), -EINVAL);
	assert_int_equal(l->add(NULL, "/p", "*", false, "/d"), -EINVAL);
	assert_unchanged(fx->bcd, before);
	assert_int_equal(l->count(NULL), 0);
	assert_null(l->at(NULL, 0));
}

static void
test_rs073_alternate_location_mappings(void **state)
{
	const struct mapping_list l = {
		vss_bcd_component_add_alternate_location_mapping,
		vss_bcd_component_alternate_location_mapping_count,
		vss_bcd_component_alternate_location_mapping,
	};
	struct fixture *fx = *state;

	check_mapping_list(fx, &l);
	/* The lists are separate. */
	assert_int_equal(vss_bcd_component_new_target_count(fx->c), 0);
}

static void
test_rs081_new_targets(void **state)
{
	const struct mapping_list l = {
		vss_bcd_component_add_new_target,
		vss_bcd_component_new_target_count,
		vss_bcd_component_new_target,
	};
	struct fixture *fx = *state;

	check_mapping_list(fx, &l);
	assert_int_equal(
		vss_bcd_component_alternate_location_mapping_count(fx->c), 0);
}

static void
test_rs090_directed_targets(void **state)
{
	struct fixture *fx = *state;
	struct vss_directed_target t = {
		.source_path = "/var/db",
		.source_file = "a.mdf",
		.source_ranges = "0:4096,0x2000:512",
		.destination_path = "/new/db",
		.destination_file = "b.mdf",
		.destination_ranges = "4096:4096,0:512",
	};
	const struct vss_directed_target *got;
	const char **fields[] = {
		&t.source_path,      &t.source_file,
		&t.source_ranges,    &t.destination_path,
		&t.destination_file, &t.destination_ranges,
	};
	const char *saved;
	char *before;
	size_t i;

	assert_int_equal(vss_bcd_component_add_directed_target(fx->c, &t), 0);
	assert_int_equal(vss_bcd_component_directed_target_count(fx->c), 1);
	got = vss_bcd_component_directed_target(fx->c, 0);
	assert_string_equal(got->source_path, "/var/db");
	assert_string_equal(got->source_file, "a.mdf");
	assert_string_equal(got->source_ranges, "0:4096,0x2000:512");
	assert_string_equal(got->destination_path, "/new/db");
	assert_string_equal(got->destination_file, "b.mdf");
	assert_string_equal(got->destination_ranges, "4096:4096,0:512");
	assert_ptr_not_equal(got->source_path, t.source_path);
	assert_null(got->extra);
	assert_null(vss_bcd_component_directed_target(fx->c, 1));

	/* All six strings are required. */
	before = digest(fx->bcd);
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		saved = *fields[i];
		*fields[i] = NULL;
		assert_int_equal(vss_bcd_component_add_directed_target(fx->c,
								       &t),
				 -EINVAL);
		*fields[i] = saved;
	}
	assert_int_equal(vss_bcd_component_add_directed_target(fx->c, NULL),
			 -EINVAL);
	assert_int_equal(vss_bcd_component_add_directed_target(NULL, &t),
			 -EINVAL);
	assert_unchanged(fx->bcd, before);
	assert_int_equal(vss_bcd_component_directed_target_count(NULL), 0);
	assert_null(vss_bcd_component_directed_target(NULL, 0));
}

static void
test_bk111_partial_files(void **state)
{
	struct fixture *fx = *state;
	char ranges[] = "64:448,0x1239E8577A:65536";
	struct vss_partial_file f = {
		.path = "/var/db",
		.filename = "big.dat",
		.ranges = ranges,
		.metadata = "writer private",
	};
	const struct vss_partial_file *got;
	char *before;

	assert_int_equal(vss_bcd_component_add_partial_file(fx->c, &f), 0);
	ranges[0] = 'X';
	/* The ranges may be a ranges file path; metadata is optional. */
	f.ranges = "/var/db/ranges.bin";
	f.metadata = NULL;
	assert_int_equal(vss_bcd_component_add_partial_file(fx->c, &f), 0);
	assert_int_equal(vss_bcd_component_partial_file_count(fx->c), 2);
	got = vss_bcd_component_partial_file(fx->c, 0);
	assert_string_equal(got->path, "/var/db");
	assert_string_equal(got->filename, "big.dat");
	assert_string_equal(got->ranges, "64:448,0x1239E8577A:65536");
	assert_string_equal(got->metadata, "writer private");
	assert_null(got->extra);
	got = vss_bcd_component_partial_file(fx->c, 1);
	assert_string_equal(got->ranges, "/var/db/ranges.bin");
	assert_null(got->metadata);
	assert_null(vss_bcd_component_partial_file(fx->c, 2));

	before = digest(fx->bcd);
	f.path = NULL;
	assert_int_equal(vss_bcd_component_add_partial_file(fx->c, &f),
			 -EINVAL);
	f.path = "/var/db";
	f.filename = NULL;
	assert_int_equal(vss_bcd_component_add_partial_file(fx->c, &f),
			 -EINVAL);
	f.filename = "big.dat";
	f.ranges = NULL;
	assert_int_equal(vss_bcd_component_add_partial_file(fx->c, &f),
			 -EINVAL);
	f.ranges = "0:1";
	assert_int_equal(vss_bcd_component_add_partial_file(fx->c, NULL),
			 -EINVAL);
	assert_int_equal(vss_bcd_component_add_partial_file(NULL, &f), -EINVAL);
	assert_unchanged(fx->bcd, before);
	assert_int_equal(vss_bcd_component_partial_file_count(NULL), 0);
	assert_null(vss_bcd_component_partial_file(NULL, 0));
}

static void
test_bk120_differenced_files(void **state)
{
	struct fixture *fx = *state;
	char spec[] = "*.log";
	struct vss_differenced_file f = {
		.path = "/var/log/app",
		.filespec = spec,
		.recursive = true,
		.lsn = "lsn-1",
		.last_modify_time = 133000000000000000LL,
	};
	const struct vss_differenced_file *got;
	char *before;

	assert_int_equal(vss_bcd_component_add_differenced_file(fx->c, &f), 0);
	spec[0] = 'X';
	/* BK-125: the LSN is reserved and normally absent; time 0 is valid. */
	f.lsn = NULL;
	f.recursive = false;
	f.last_modify_time = 0;
	assert_int_equal(vss_bcd_component_add_differenced_file(fx->c, &f), 0);
	assert_int_equal(vss_bcd_component_differenced_file_count(fx->c), 2);
	got = vss_bcd_component_differenced_file(fx->c, 0);
	assert_string_equal(got->path, "/var/log/app");
	assert_string_equal(got->filespec, "*.log");
	assert_true(got->recursive);
	assert_string_equal(got->lsn, "lsn-1");
	assert_int_equal(got->last_modify_time, 133000000000000000LL);
	assert_null(got->extra);
	got = vss_bcd_component_differenced_file(fx->c, 1);
	assert_false(got->recursive);
	assert_null(got->lsn);
	assert_int_equal(got->last_modify_time, 0);
	assert_null(vss_bcd_component_differenced_file(fx->c, 2));

	before = digest(fx->bcd);
	f.path = NULL;
	assert_int_equal(vss_bcd_component_add_differenced_file(fx->c, &f),
			 -EINVAL);
	f.path = "/var/log/app";
	f.filespec = NULL;
	assert_int_equal(vss_bcd_component_add_differenced_file(fx->c, &f),
			 -EINVAL);
	f.filespec = "*";
	assert_int_equal(vss_bcd_component_add_differenced_file(fx->c, NULL),
			 -EINVAL);
	assert_int_equal(vss_bcd_component_add_differenced_file(NULL, &f),
			 -EINVAL);
	assert_unchanged(fx->bcd, before);
	assert_int_equal(vss_bcd_component_differenced_file_count(NULL), 0);
	assert_null(vss_bcd_component_differenced_file(NULL, 0));
}

static void
test_lists_grow_and_free(void **state)
{
	struct fixture *fx = *state;
	struct vss_partial_file p = { "/p", "f", "0:1", "m", NULL };
	struct vss_differenced_file d = { "/p", "*", false, NULL, 1, NULL };
	struct vss_directed_target t = { "/a", "b", "0:1", "/c", "d", "0:1",
					 NULL };
	char name[16];
	int i;

	/* Many entries per list: growth keeps every entry; ASan sees frees. */
	for (i = 0; i < 33; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		assert_int_equal(vss_bcd_component_add_restore_subcomponent(
					 fx->c, "Root\\Data", name, false),
				 0);
		assert_int_equal(
			vss_bcd_component_add_alternate_location_mapping(
				fx->c, "/p", name, false, "/d"),
			0);
		assert_int_equal(vss_bcd_component_add_new_target(
					 fx->c, "/p", name, true, "/d"),
				 0);
		p.filename = name;
		assert_int_equal(vss_bcd_component_add_partial_file(fx->c, &p),
				 0);
		d.filespec = name;
		assert_int_equal(vss_bcd_component_add_differenced_file(fx->c,
									&d),
				 0);
		t.source_file = name;
		assert_int_equal(vss_bcd_component_add_directed_target(fx->c,
								       &t),
				 0);
	}
	assert_string_equal(
		vss_bcd_component_restore_subcomponent(fx->c, 0)->name, "s0");
	assert_string_equal(
		vss_bcd_component_restore_subcomponent(fx->c, 32)->name,
		"s32");
	assert_string_equal(
		vss_bcd_component_alternate_location_mapping(fx->c, 17)
			->filespec,
		"s17");
	assert_string_equal(vss_bcd_component_new_target(fx->c, 5)->filespec,
			    "s5");
	assert_string_equal(vss_bcd_component_partial_file(fx->c, 31)->filename,
			    "s31");
	assert_string_equal(
		vss_bcd_component_differenced_file(fx->c, 9)->filespec, "s9");
	assert_string_equal(
		vss_bcd_component_directed_target(fx->c, 20)->source_file,
		"s20");
	assert_int_equal(vss_bcd_component_directed_target_count(fx->c), 33);
}

/* ---- -ENOMEM: every allocation failure leaves the document unchanged ---- */

typedef int (*mutation)(struct fixture *fx);

/*
 * Run op on a fresh fixture (then prepare, when not NULL, without faults)
 * with allocation n failing, for n = 0, 1, ... until op needs fewer than
 * n + 1 allocations: each failure must return -ENOMEM and leave the
 * document as it was.
 */
static void
check_enomem(mutation prepare, mutation op)
{
	struct fixture fx;
	long n, live;
	bool fired;
	char *before;
	int r;

	alloc_fail_require();
	for (n = 0;; n++) {
		live = alloc_fail_live_blocks();
		fixture_build(&fx);
		if (prepare)
			assert_int_equal(prepare(&fx), 0);
		before = digest(fx.bcd);
		alloc_fail_arm(n);
		r = op(&fx);
		fired = alloc_fail_disarm();
		if (fired) {
			assert_int_equal(r, -ENOMEM);
			assert_unchanged(fx.bcd, before);
		} else {
			assert_int_equal(r, 0);
			free(before);
		}
		vss_bcd_free(fx.bcd);
		assert_int_equal(alloc_fail_live_blocks(), live);
		if (!fired)
			break;
	}
	/* The operation did allocate, so some failure was exercised. */
	assert_true(n > 0);
}

static int
op_add_writer(struct fixture *fx)
{
	vss_id class_id = make_id(0x90), instance_id = make_id(0x91);
	vss_bcd_writer *w;

	return vss_bcd_add_writer(fx->bcd, &class_id, &instance_id, "name", 1,
				  &w);
}

static int
op_add_component(struct fixture *fx)
{
	vss_bcd_component *c;

	return vss_bcd_writer_add_component(fx->w, VSS_CT_DATABASE, "P", "N",
					    &c);
}

static int
op_add_snapshot_desc(struct fixture *fx)
{
	const struct vss_snapshot_desc d = {
		.original_volume = "/v",
		.snapshot_device = "/dev/s",
		.originating_machine = "m",
	};

	return vss_bcd_add_snapshot_desc(fx->bcd, &d);
}

/* Old values, so that a failed replacement is seen to keep them. */
static int
prepare_old_values(struct fixture *fx)
{
	const struct vss_component_failure f = {
		.status = VSS_E_WRITERERROR_RETRYABLE,
		.application_status = 1,
		.message = "old",
	};
	int r;

	r = vss_bcd_component_set_text(fx->c, VSS_TEXT_BACKUP_OPTIONS, "old");
	if (r < 0)
		return r;
	r = vss_bcd_component_set_rollforward(fx->c, VSS_RF_ALL, "old");
	if (r < 0)
		return r;
	return vss_bcd_component_set_failure(fx->c, &f);
}

static int
op_set_text(struct fixture *fx)
{
	return vss_bcd_component_set_text(fx->c, VSS_TEXT_BACKUP_OPTIONS,
					  "new");
}

static int
op_set_rollforward(struct fixture *fx)
{
	return vss_bcd_component_set_rollforward(fx->c, VSS_RF_PARTIAL, "pt");
}

static int
op_set_failure(struct fixture *fx)
{
	const struct vss_component_failure f = {
		.status = VSS_E_WRITERERROR_TIMEOUT,
		.application_status = 3,
		.message = "late",
	};

	return vss_bcd_component_set_failure(fx->c, &f);
}

static int
op_add_subcomponent(struct fixture *fx)
{
	return vss_bcd_component_add_restore_subcomponent(fx->c, "Root\\Data",
							  "Sub", false);
}

static int
op_add_mapping(struct fixture *fx)
{
	return vss_bcd_component_add_alternate_location_mapping(fx->c, "/p",
								"*", true,
								"/d");
}

static int
op_add_new_target(struct fixture *fx)
{
	return vss_bcd_component_add_new_target(fx->c, "/p", "*", true, "/d");
}

static int
op_add_directed(struct fixture *fx)
{
	const struct vss_directed_target t = { "/a", "b", "0:1",
					       "/c", "d", "0:1", NULL };

	return vss_bcd_component_add_directed_target(fx->c, &t);
}

static int
op_add_partial(struct fixture *fx)
{
	const struct vss_partial_file f = { "/p", "f", "0:1", "m", NULL };

	return vss_bcd_component_add_partial_file(fx->c, &f);
}

static int
op_add_differenced(struct fixture *fx)
{
	const struct vss_differenced_file f = { "/p", "*", true, "l", 5, NULL };

	return vss_bcd_component_add_differenced_file(fx->c, &f);
}

static void
test_enomem_document(void **state)
{
	check_enomem(NULL, op_add_writer);
	check_enomem(NULL, op_add_component);
	check_enomem(NULL, op_add_snapshot_desc);
}

static void
test_enomem_component_properties(void **state)
{
	check_enomem(NULL, op_set_text);
	check_enomem(prepare_old_values, op_set_text);
	check_enomem(NULL, op_set_rollforward);
	check_enomem(prepare_old_values, op_set_rollforward);
	check_enomem(NULL, op_set_failure);
	check_enomem(prepare_old_values, op_set_failure);
}

static void
test_enomem_component_lists(void **state)
{
	check_enomem(NULL, op_add_subcomponent);
	check_enomem(NULL, op_add_mapping);
	check_enomem(NULL, op_add_new_target);
	check_enomem(NULL, op_add_directed);
	check_enomem(NULL, op_add_partial);
	check_enomem(NULL, op_add_differenced);
}

static void
test_enomem_new(void **state)
{
	int sentinel;
	vss_bcd *bcd = (vss_bcd *)&sentinel;

	alloc_fail_require();
	alloc_fail_arm(0);
	assert_int_equal(vss_bcd_new(&bcd), -ENOMEM);
	assert_true(alloc_fail_disarm());
	assert_ptr_equal(bcd, (vss_bcd *)&sentinel);
}

#define FX_TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_free_null),
		cmocka_unit_test(test_new_defaults),
		FX_TEST(test_backup_state_round_trip),
		FX_TEST(test_backup_state_rejects_bad_type),
		FX_TEST(test_restore_type),
		FX_TEST(test_context_and_snapshot_set_id),
		FX_TEST(test_snapshot_desc),
		cmocka_unit_test(test_add_writer),
		FX_TEST(test_add_writer_existing_entry_is_returned),
		FX_TEST(test_add_writer_other_instance_is_new_entry),
		FX_TEST(test_writer_pointers_survive_growth),
		FX_TEST(test_add_writer_null_args),
		FX_TEST(test_find_writer),
		FX_TEST(test_add_component),
		FX_TEST(test_add_component_top_level_path_is_null),
		FX_TEST(test_add_component_bad_type_einval),
		FX_TEST(test_add_component_bad_name_einval),
		FX_TEST(test_bk014_md011_duplicate_component_exists),
		FX_TEST(test_bk014_duplicate_top_level_null_equals_empty),
		FX_TEST(test_bk014_same_name_elsewhere_allowed),
		FX_TEST(test_md050_find_component),
		FX_TEST(test_component_pointers_survive_growth),
		FX_TEST(test_component_defaults),
		FX_TEST(test_md052_text_fields_round_trip),
		FX_TEST(test_md052_text_is_opaque),
		FX_TEST(test_text_field_out_of_range_einval),
		FX_TEST(test_bool_properties),
		FX_TEST(test_rs032_rollforward),
		FX_TEST(test_rs060_rs062_restore_target),
		FX_TEST(test_file_restore_status),
		FX_TEST(test_er012_failure_round_trip),
		FX_TEST(test_er012_failure_other_status_einval),
		FX_TEST(test_rs021_restore_subcomponents),
		FX_TEST(test_rs073_alternate_location_mappings),
		FX_TEST(test_rs081_new_targets),
		FX_TEST(test_rs090_directed_targets),
		FX_TEST(test_bk111_partial_files),
		FX_TEST(test_bk120_differenced_files),
		FX_TEST(test_lists_grow_and_free),
		cmocka_unit_test(test_enomem_new),
		cmocka_unit_test(test_enomem_document),
		cmocka_unit_test(test_enomem_component_properties),
		cmocka_unit_test(test_enomem_component_lists),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
