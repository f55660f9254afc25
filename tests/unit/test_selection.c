/*
 * tests/unit/test_selection.c - component selection and component sets
 * (SEL-001 .. SEL-008) and the restore subcomponent check (SEL-006,
 * RS-020, RS-021), on the example writer "MyWriter" of metadata.md
 * section 3.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vss/metadata.h>
#include <vss/status.h>

/* The example hierarchy: name, logical path, selectable, for restore. */
static const struct {
	const char *logical_path;
	const char *name;
	bool selectable;
	bool selectable_for_restore;
} my_writer[] = {
	{ "", "Executables", false, false },
	{ "Executables", "ConfigFiles", false, false },
	{ "", "LicenseInfo", true, false },
	{ "", "Security", true, false },
	{ "Security", "UserInfo", false, false },
	{ "Security", "Certificates", false, false },
	{ "", "writerData", true, true },
	{ "writerData", "Set1", false, true },
	{ "writerData", "Set2", false, true },
	{ "writerData\\Set1", "Jan", false, false },
	{ "writerData\\Set1", "Dec", false, false },
	{ "writerData\\Set2", "Jan", false, false },
	{ "writerData\\Set2", "Dec", false, false },
	{ "writerData\\Usage", "Jan", false, false },
	{ "writerData\\Usage", "Dec", false, false },
	{ "writerData\\QueryLogs", "Query", false, false },
	{ "writerData", "Usage", true, true },
};
#define MY_WRITER_COUNT (sizeof(my_writer) / sizeof(my_writer[0]))

#define REF(lp, n) { .logical_path = (lp), .name = (n) }
#define MANDATORY REF(NULL, "Executables"), REF("Executables", "ConfigFiles")

static vss_wmd *
new_wmd(void)
{
	struct vss_writer_identity id = {
		.friendly_name = "MyWriter",
		.usage = VSS_UT_USERDATA,
		.source = VSS_ST_OTHER,
	};
	vss_wmd *wmd = NULL;

	vss_id_generate(&id.class_id);
	vss_id_generate(&id.instance_id);
	assert_int_equal(vss_wmd_new(&wmd, &id), 0);
	return wmd;
}

static void
add(vss_wmd *wmd, const char *lp, const char *name, bool selectable,
    bool selectable_for_restore)
{
	struct vss_component_def def = {
		.type = VSS_CT_FILEGROUP,
		.logical_path = lp,
		.name = name,
		.selectable = selectable,
		.selectable_for_restore = selectable_for_restore,
	};

	assert_int_equal(vss_wmd_add_component(wmd, &def), 0);
}

static vss_wmd *
new_my_writer(void)
{
	vss_wmd *wmd = new_wmd();

	for (size_t i = 0; i < MY_WRITER_COUNT; i++)
		add(wmd, my_writer[i].logical_path, my_writer[i].name,
		    my_writer[i].selectable,
		    my_writer[i].selectable_for_restore);
	return wmd;
}

static int
setup(void **state)
{
	*state = new_my_writer();
	return 0;
}

static int
teardown(void **state)
{
	vss_wmd_free(*state);
	return 0;
}

static const struct vss_wm_component *
find(const vss_wmd *wmd, const char *lp, const char *name)
{
	const struct vss_wm_component *c = vss_wmd_find_component(wmd, lp,
								  name);

	assert_non_null(c);
	return c;
}

/* Select refs, which must succeed. */
static vss_selection *
select_ok(const vss_wmd *wmd, const struct vss_component_ref *refs, size_t n)
{
	struct vss_error err = { 0 };
	vss_selection *sel = NULL;
	int r = vss_selection_new(&sel, wmd, refs, n, &err);

	if (r != 0)
		fail_msg("selection failed: %d: %s", r, err.message);
	return sel;
}

/* Select refs, which must fail with status; err.message is checked after. */
static void
select_fails(const vss_wmd *wmd, const struct vss_component_ref *refs,
	     size_t n, int status, struct vss_error *err)
{
	static char sentinel;
	vss_selection *sel = (vss_selection *)&sentinel;

	memset(err, 0, sizeof(*err));
	err->line = -1;
	assert_int_equal(vss_selection_new(&sel, wmd, refs, n, err), status);
	assert_ptr_equal(sel, (vss_selection *)&sentinel); /* untouched */
	assert_int_equal(err->line, 0);
}

/* The defining component of (lp, name): NULL when not included. */
static const struct vss_wm_component *
defining(const vss_selection *sel, const vss_wmd *wmd, const char *lp,
	 const char *name)
{
	return vss_selection_defining(sel, find(wmd, lp, name));
}

/*
 * SEL-001: a set holds the components whose logical path starts with the
 * defining component's full path, element by element; sets nest.
 */
static void
test_sel001_set_membership(void **state)
{
	const vss_wmd *wmd = *state;
	const struct vss_wm_component *wd = find(wmd, NULL, "writerData");
	const struct vss_wm_component *usage = find(wmd, "writerData",
						     "Usage");
	struct vss_component_ref whole[] = { MANDATORY,
					     REF(NULL, "writerData") };
	struct vss_component_ref nested[] = { MANDATORY,
					      REF("writerData", "Usage") };
	vss_selection *sel;

	/* writerData defines the set of everything below it. */
	sel = select_ok(wmd, whole, 3);
	assert_ptr_equal(defining(sel, wmd, "writerData", "Set1"), wd);
	assert_ptr_equal(defining(sel, wmd, "writerData\\Set2", "Dec"), wd);
	assert_ptr_equal(defining(sel, wmd, "writerData\\QueryLogs", "Query"),
			 wd);
	assert_ptr_equal(defining(sel, wmd, "writerData", "Usage"), wd);
	assert_ptr_equal(defining(sel, wmd, "writerData\\Usage", "Jan"), wd);
	assert_null(defining(sel, wmd, "Security", "UserInfo"));
	vss_selection_free(sel);

	/* The nested set of Usage alone: its members only. */
	sel = select_ok(wmd, nested, 3);
	assert_ptr_equal(defining(sel, wmd, "writerData\\Usage", "Jan"),
			 usage);
	assert_ptr_equal(defining(sel, wmd, "writerData\\Usage", "Dec"),
			 usage);
	assert_null(defining(sel, wmd, "writerData\\Set1", "Jan"));
	assert_null(defining(sel, wmd, "writerData", "Set1"));
	assert_null(defining(sel, wmd, NULL, "writerData"));
	assert_int_equal(vss_selection_included_count(sel), 5);
	vss_selection_free(sel);
}

/*
 * SEL-001: prefixes are compared element by element: "data" is not an
 * ancestor of a component at "database", nor "a\b" of one at "a\bc".
 */
static void
test_sel001_element_prefix(void **state)
{
	vss_wmd *wmd = new_wmd();
	struct vss_component_ref refs[] = {
		REF(NULL, "data"), REF("database", "x"), REF("a\\bc", "y"),
	};
	vss_selection *sel;

	(void)state;
	add(wmd, NULL, "data", true, false);
	add(wmd, "database", "x", false, false);
	add(wmd, "a", "b", true, false);
	add(wmd, "a\\bc", "y", false, false);
	add(wmd, "a\\b", "z", false, false);
	/* x and y have no selectable ancestor: mandatory, not members. */
	sel = select_ok(wmd, refs, 3);
	assert_int_equal(vss_selection_explicit_count(sel), 3);
	assert_ptr_equal(defining(sel, wmd, "database", "x"),
			 find(wmd, "database", "x"));
	assert_ptr_equal(defining(sel, wmd, "a\\bc", "y"),
			 find(wmd, "a\\bc", "y"));
	/* z is a member of b's set, and b is not selected. */
	assert_null(defining(sel, wmd, "a\\b", "z"));
	assert_int_equal(vss_selection_included_count(sel), 3);
	vss_selection_free(sel);
	vss_wmd_free(wmd);
}

/*
 * SEL-002 (a): non-selectable without a selectable ancestor is
 * mandatory; vss_wmd_mandatory_components() lists exactly those.
 */
static void
test_sel002a_mandatory(void **state)
{
	const vss_wmd *wmd = *state;
	struct vss_component_ref out[3] = { 0 };
	struct vss_component_ref small[1] = { REF("untouched", "untouched") };

	assert_int_equal(vss_wmd_mandatory_components(wmd, out, 3), 2);
	assert_null(out[0].logical_path);
	assert_string_equal(out[0].name, "Executables");
	assert_string_equal(out[1].logical_path, "Executables");
	assert_string_equal(out[1].name, "ConfigFiles");
	assert_null(out[2].name);
	/* Too small: nothing written. */
	assert_int_equal(vss_wmd_mandatory_components(wmd, small, 1),
			 -ENOSPC);
	assert_string_equal(small[0].name, "untouched");
	assert_int_equal(vss_wmd_mandatory_components(wmd, NULL, 0), -ENOSPC);
	assert_int_equal(vss_wmd_mandatory_components(NULL, out, 3), -EINVAL);
	assert_int_equal(vss_wmd_mandatory_components(wmd, NULL, 3), -EINVAL);
}

/* SEL-002 (b): selectable without selectable ancestor: optional, alone. */
static void
test_sel002b_optional(void **state)
{
	const vss_wmd *wmd = *state;
	struct vss_component_ref with[] = { MANDATORY,
					    REF(NULL, "LicenseInfo") };
	const struct vss_wm_component *lic = find(wmd, NULL, "LicenseInfo");
	vss_selection *sel;

	sel = select_ok(wmd, with, 3);
	assert_ptr_equal(vss_selection_defining(sel, lic), lic);
	assert_int_equal(vss_selection_explicit_count(sel), 3);
	assert_int_equal(vss_selection_included_count(sel), 3);
	vss_selection_free(sel);

	sel = select_ok(wmd, with, 2);
	assert_null(vss_selection_defining(sel, lic));
	assert_int_equal(vss_selection_included_count(sel), 2);
	vss_selection_free(sel);
}

/*
 * SEL-002 (c), BK-014: non-selectable with a selectable ancestor is never
 * explicit, only included with its ancestor.
 */
static void
test_sel002c_never_explicit(void **state)
{
	const vss_wmd *wmd = *state;
	struct vss_component_ref bad[] = { MANDATORY,
					   REF("Security", "UserInfo") };
	struct vss_component_ref good[] = { MANDATORY, REF(NULL, "Security") };
	const struct vss_wm_component *sec = find(wmd, NULL, "Security");
	struct vss_error err;
	vss_selection *sel;

	select_fails(wmd, bad, 3, -EINVAL, &err);
	assert_string_equal(err.message,
			    "component 'Security\\UserInfo': not selectable "
			    "and has selectable ancestor 'Security' "
			    "(SEL-002)");

	sel = select_ok(wmd, good, 3);
	assert_ptr_equal(defining(sel, wmd, "Security", "UserInfo"), sec);
	assert_ptr_equal(defining(sel, wmd, "Security", "Certificates"), sec);
	vss_selection_free(sel);
}

/*
 * SEL-002 (d): selectable with a selectable ancestor: implicit with the
 * ancestor, or explicit alone, then defining its own set.
 */
static void
test_sel002d_implicit_or_alone(void **state)
{
	const vss_wmd *wmd = *state;
	struct vss_component_ref alone[] = { MANDATORY,
					     REF("writerData", "Usage") };
	struct vss_component_ref with[] = { MANDATORY,
					    REF("", "writerData") };
	const struct vss_wm_component *usage = find(wmd, "writerData",
						    "Usage");
	vss_selection *sel;

	sel = select_ok(wmd, alone, 3);
	assert_ptr_equal(vss_selection_defining(sel, usage), usage);
	assert_ptr_equal(vss_selection_explicit(sel, 2), usage);
	vss_selection_free(sel);

	sel = select_ok(wmd, with, 3);
	assert_ptr_equal(vss_selection_defining(sel, usage),
			 find(wmd, NULL, "writerData"));
	assert_int_equal(vss_selection_explicit_count(sel), 3);
	vss_selection_free(sel);
}

/*
 * SEL-003: a writer may be skipped entirely, but a selection that names
 * any component includes every mandatory one.
 */
static void
test_sel003_all_or_nothing(void **state)
{
	const vss_wmd *wmd = *state;
	struct vss_component_ref partial[] = { REF(NULL, "writerData"),
					       REF(NULL, "Executables") };
	struct vss_error err;
	vss_selection *sel;

	select_fails(wmd, partial, 2, -EINVAL, &err);
	assert_string_equal(err.message,
			    "component 'Executables\\ConfigFiles': mandatory "
			    "but not included (SEL-003)");

	sel = select_ok(wmd, NULL, 0);
	assert_int_equal(vss_selection_explicit_count(sel), 0);
	assert_int_equal(vss_selection_included_count(sel), 0);
	assert_null(vss_selection_explicit(sel, 0));
	assert_null(vss_selection_included(sel, 0, NULL));
	assert_null(defining(sel, wmd, NULL, "Executables"));
	vss_selection_free(sel);
}

/*
 * SEL-004: a selectable component is not explicit together with its
 * selectable ancestor, whichever comes first.
 */
static void
test_sel004_not_with_ancestor(void **state)
{
	const vss_wmd *wmd = *state;
	struct vss_component_ref after[] = { MANDATORY,
					     REF(NULL, "writerData"),
					     REF("writerData", "Usage") };
	struct vss_component_ref before[] = { REF("writerData", "Usage"),
					      MANDATORY,
					      REF(NULL, "writerData") };
	struct vss_error err;

	select_fails(wmd, after, 4, VSS_E_OBJECT_ALREADY_EXISTS, &err);
	assert_string_equal(err.message,
			    "component 'writerData\\Usage': also included "
			    "through its selectable ancestor 'writerData' "
			    "(SEL-004)");
	select_fails(wmd, before, 4, VSS_E_OBJECT_ALREADY_EXISTS, &err);
	assert_non_null(strstr(err.message, "(SEL-004)"));
}

/*
 * SEL-005: non-selectable parent and child without a selectable ancestor
 * are no set: both mandatory, each explicit and its own defining one.
 */
static void
test_sel005_no_set_without_selectable(void **state)
{
	const vss_wmd *wmd = *state;
	struct vss_component_ref refs[] = { MANDATORY };
	const struct vss_wm_component *exe = find(wmd, NULL, "Executables");
	const struct vss_wm_component *cfg = find(wmd, "Executables",
						  "ConfigFiles");
	const struct vss_wm_component *def = NULL;
	vss_selection *sel;

	sel = select_ok(wmd, refs, 2);
	assert_int_equal(vss_selection_explicit_count(sel), 2);
	assert_ptr_equal(vss_selection_defining(sel, exe), exe);
	assert_ptr_equal(vss_selection_defining(sel, cfg), cfg);
	assert_ptr_equal(vss_selection_included(sel, 1, &def), cfg);
	assert_ptr_equal(def, cfg);
	vss_selection_free(sel);
}

/* A BCD writer entry that explicitly includes the named components. */
static vss_bcd *
new_bcd(const vss_wmd *wmd, const struct vss_component_ref *refs, size_t n,
	vss_bcd_writer **ret_w)
{
	const struct vss_writer_identity *id = vss_wmd_identity(wmd);
	vss_bcd *bcd = NULL;
	vss_bcd_component *c;

	assert_int_equal(vss_bcd_new(&bcd), 0);
	assert_int_equal(vss_bcd_add_writer(bcd, &id->class_id,
					    &id->instance_id, NULL, 0, ret_w),
			 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(vss_bcd_writer_add_component(
					 *ret_w, VSS_CT_FILEGROUP,
					 refs[i].logical_path, refs[i].name,
					 &c),
				 0);
	return bcd;
}

static int
check_restore(const vss_wmd *wmd, const vss_bcd_writer *w, const char *clp,
	      const char *cname, const char *slp, const char *sname,
	      struct vss_error *err)
{
	struct vss_component_ref comp = REF(clp, cname);
	struct vss_component_ref sub = REF(slp, sname);

	memset(err, 0, sizeof(*err));
	return vss_selection_check_restore_subcomponent(wmd, w, &comp, &sub,
							err);
}

/*
 * SEL-006, RS-021: an implicit component is restored alone only when it,
 * or an ancestor below the explicit component, is selectable for restore.
 */
static void
test_sel006_restore_subcomponents(void **state)
{
	const vss_wmd *wmd = *state;
	struct vss_component_ref refs[] = { MANDATORY,
					    REF(NULL, "writerData"),
					    REF(NULL, "Security") };
	struct vss_component_ref usage_refs[] = { MANDATORY,
						  REF("writerData", "Usage") };
	vss_bcd_writer *w;
	vss_bcd *bcd = new_bcd(wmd, refs, 4, &w);
	struct vss_error err;

	/* Set1 is selectable for restore: restorable alone. */
	assert_int_equal(check_restore(wmd, w, NULL, "writerData",
				       "writerData", "Set1", &err), 0);
	assert_int_equal(check_restore(wmd, w, "", "writerData",
				       "writerData", "Usage", &err), 0);
	/* Jan is not: it comes back with Set1, never alone (SEL-006). */
	assert_int_equal(check_restore(wmd, w, NULL, "writerData",
				       "writerData\\Set1", "Jan", &err),
			 -EINVAL);
	/* Query is not selectable for restore either. */
	assert_int_equal(check_restore(wmd, w, NULL, "writerData",
				       "writerData\\QueryLogs", "Query", &err),
			 -EINVAL);
	assert_string_equal(err.message,
			    "component 'writerData\\QueryLogs\\Query': not "
			    "selectable for restore (SEL-006, RS-021)");
	/* Security's members are not selectable for restore. */
	assert_int_equal(check_restore(wmd, w, NULL, "Security", "Security",
				       "UserInfo", &err),
			 -EINVAL);
	vss_bcd_free(bcd);

	/* Usage explicit: Jan below it is not restorable alone. */
	bcd = new_bcd(wmd, usage_refs, 3, &w);
	assert_int_equal(check_restore(wmd, w, "writerData", "Usage",
				       "writerData\\Usage", "Jan", &err),
			 -EINVAL);
	assert_non_null(strstr(err.message, "(SEL-006, RS-021)"));
	vss_bcd_free(bcd);
}

/*
 * SEL-006, RS-020: the component is explicit in the BCD, and the
 * subcomponent an implicit member of its set.
 */
static void
test_sel006_restore_membership(void **state)
{
	const vss_wmd *wmd = *state;
	struct vss_component_ref refs[] = { MANDATORY,
					    REF(NULL, "writerData") };
	vss_bcd_writer *w;
	vss_bcd *bcd = new_bcd(wmd, refs, 3, &w);
	struct vss_error err;

	/* Not in the BCD, or not in the WMD at all. */
	assert_int_equal(check_restore(wmd, w, NULL, "Security", "Security",
				       "UserInfo", &err),
			 VSS_E_OBJECT_NOT_FOUND);
	assert_string_equal(err.message,
			    "component 'Security': not explicitly included "
			    "in the backup (RS-020)");
	assert_int_equal(check_restore(wmd, w, NULL, "nothing", "writerData",
				       "Set1", &err),
			 VSS_E_OBJECT_NOT_FOUND);
	assert_int_equal(check_restore(wmd, w, NULL, "writerData",
				       "writerData", "Set3", &err),
			 VSS_E_OBJECT_NOT_FOUND);
	assert_string_equal(err.message, "component 'writerData\\Set3': not "
					 "declared by the writer");
	/* Not below it, itself, or a non-set parent/child (SEL-005). */
	assert_int_equal(check_restore(wmd, w, NULL, "writerData", "Security",
				       "UserInfo", &err),
			 -EINVAL);
	assert_string_equal(err.message,
			    "component 'Security\\UserInfo': not implicitly "
			    "included under 'writerData' (SEL-006)");
	assert_int_equal(check_restore(wmd, w, NULL, "writerData", NULL,
				       "writerData", &err),
			 -EINVAL);
	assert_int_equal(check_restore(wmd, w, NULL, "Executables",
				       "Executables", "ConfigFiles", &err),
			 -EINVAL);
	vss_bcd_free(bcd);
}

/*
 * SEL-004 in a BCD: when Usage is itself explicit, its members belong to
 * Usage's set, not writerData's, and Usage is no subcomponent.
 */
static void
test_sel006_nearest_explicit_ancestor(void **state)
{
	const vss_wmd *wmd = *state;
	struct vss_component_ref refs[] = { MANDATORY,
					    REF(NULL, "writerData"),
					    REF("writerData", "Usage") };
	vss_bcd_writer *w;
	vss_bcd *bcd = new_bcd(wmd, refs, 4, &w);
	struct vss_error err;

	assert_int_equal(check_restore(wmd, w, NULL, "writerData",
				       "writerData\\Usage", "Jan", &err),
			 -EINVAL);
	assert_int_equal(check_restore(wmd, w, NULL, "writerData",
				       "writerData", "Usage", &err),
			 -EINVAL);
	assert_int_equal(check_restore(wmd, w, NULL, "writerData",
				       "writerData", "Set2", &err),
			 0);
	vss_bcd_free(bcd);
}

/*
 * SEL-007: explicit components in WMD order whatever the order of refs,
 * and every included component with the explicit one defining its set.
 */
static void
test_sel007_sets(void **state)
{
	const vss_wmd *wmd = *state;
	struct vss_component_ref refs[] = { REF(NULL, "writerData"),
					    REF(NULL, "LicenseInfo"),
					    MANDATORY };
	const struct vss_wm_component *wd = find(wmd, NULL, "writerData");
	const struct vss_wm_component *c, *def;
	vss_selection *sel = select_ok(wmd, refs, 4);
	size_t k = 0;

	assert_int_equal(vss_selection_explicit_count(sel), 4);
	assert_string_equal(vss_selection_explicit(sel, 0)->def.name,
			    "Executables");
	assert_string_equal(vss_selection_explicit(sel, 1)->def.name,
			    "ConfigFiles");
	assert_string_equal(vss_selection_explicit(sel, 2)->def.name,
			    "LicenseInfo");
	assert_ptr_equal(vss_selection_explicit(sel, 3), wd);
	assert_null(vss_selection_explicit(sel, 4));

	/* All but Security and its two members, in WMD order. */
	assert_int_equal(vss_selection_included_count(sel),
			 MY_WRITER_COUNT - 3);
	for (size_t i = 0; i < MY_WRITER_COUNT; i++) {
		const char *lp = my_writer[i].logical_path;
		bool in_wd = strncmp(lp, "writerData", 10) == 0 ||
			     strcmp(my_writer[i].name, "writerData") == 0;

		if (strncmp(lp, "Security", 8) == 0 ||
		    strcmp(my_writer[i].name, "Security") == 0)
			continue;
		def = NULL;
		c = vss_selection_included(sel, k++, &def);
		assert_ptr_equal(c, find(wmd, lp, my_writer[i].name));
		assert_ptr_equal(def, in_wd ? wd : c);
	}
	assert_null(vss_selection_included(sel, k, &def));
	vss_selection_free(sel);
}

/*
 * SEL-008: set-wide properties go through the defining component, also
 * for a component read from another copy of the writer's metadata.
 */
static void
test_sel008_defining(void **state)
{
	const vss_wmd *wmd = *state;
	vss_wmd *copy = new_my_writer();
	struct vss_component_ref refs[] = { MANDATORY,
					    REF(NULL, "writerData") };
	vss_selection *sel = select_ok(wmd, refs, 3);
	const struct vss_wm_component *wd = find(wmd, NULL, "writerData");
	vss_wmd *other = new_wmd();

	assert_ptr_equal(defining(sel, wmd, "writerData\\Set1", "Dec"), wd);
	assert_ptr_equal(vss_selection_defining(
				 sel, find(copy, "writerData\\Set1", "Dec")),
			 wd);
	assert_ptr_equal(vss_selection_defining(sel, wd), wd);
	assert_null(defining(sel, wmd, NULL, "LicenseInfo"));
	/* Unknown to this writer. */
	add(other, NULL, "elsewhere", true, false);
	assert_null(vss_selection_defining(sel, find(other, NULL,
						     "elsewhere")));
	assert_null(vss_selection_defining(sel, NULL));
	assert_null(vss_selection_defining(NULL, wd));
	vss_selection_free(sel);
	vss_wmd_free(other);
	vss_wmd_free(copy);
}

/* Components the WMD does not declare. */
static void
test_unknown_component(void **state)
{
	const vss_wmd *wmd = *state;
	struct vss_component_ref refs[] = { MANDATORY,
					    REF("writerData", "Set3") };
	struct vss_component_ref wrong_path[] = { MANDATORY,
						  REF("Security", "Usage") };
	struct vss_error err;

	select_fails(wmd, refs, 3, VSS_E_OBJECT_NOT_FOUND, &err);
	assert_string_equal(err.message, "component 'writerData\\Set3': not "
					 "declared by the writer");
	select_fails(wmd, wrong_path, 3, VSS_E_OBJECT_NOT_FOUND, &err);
}

/* BK-014: a component named twice; NULL and "" paths are the same. */
static void
test_duplicate_component(void **state)
{
	const vss_wmd *wmd = *state;
	struct vss_component_ref refs[] = { MANDATORY, REF(NULL, "Security"),
					    REF("", "Security") };
	struct vss_error err;

	select_fails(wmd, refs, 4, VSS_E_OBJECT_ALREADY_EXISTS, &err);
	assert_string_equal(err.message,
			    "component 'Security': included twice (BK-014)");
}

static void
test_arguments(void **state)
{
	const vss_wmd *wmd = *state;
	struct vss_component_ref refs[] = { MANDATORY };
	struct vss_component_ref no_name[] = { REF(NULL, NULL) };
	vss_selection *sel = NULL;
	vss_bcd_writer *w;
	vss_bcd *bcd = new_bcd(wmd, refs, 2, &w);

	assert_int_equal(vss_selection_new(NULL, wmd, refs, 2, NULL), -EINVAL);
	assert_int_equal(vss_selection_new(&sel, NULL, refs, 2, NULL),
			 -EINVAL);
	assert_int_equal(vss_selection_new(&sel, wmd, NULL, 2, NULL), -EINVAL);
	assert_int_equal(vss_selection_new(&sel, wmd, no_name, 1, NULL),
			 -EINVAL);
	assert_null(sel);
	/* err is optional. */
	assert_int_equal(vss_selection_new(&sel, wmd, refs, 1, NULL), -EINVAL);
	assert_int_equal(vss_selection_new(&sel, wmd, refs, 2, NULL), 0);
	vss_selection_free(sel);
	vss_selection_free(NULL);
	assert_int_equal(vss_selection_explicit_count(NULL), 0);
	assert_int_equal(vss_selection_included_count(NULL), 0);
	assert_null(vss_selection_explicit(NULL, 0));
	assert_null(vss_selection_included(NULL, 0, NULL));

	assert_int_equal(vss_selection_check_restore_subcomponent(
				 NULL, w, &refs[0], &refs[1], NULL),
			 -EINVAL);
	assert_int_equal(vss_selection_check_restore_subcomponent(
				 wmd, NULL, &refs[0], &refs[1], NULL),
			 -EINVAL);
	assert_int_equal(vss_selection_check_restore_subcomponent(
				 wmd, w, NULL, &refs[1], NULL),
			 -EINVAL);
	assert_int_equal(vss_selection_check_restore_subcomponent(
				 wmd, w, &refs[0], no_name, NULL),
			 -EINVAL);
	/* err is optional here too. */
	assert_int_equal(vss_selection_check_restore_subcomponent(
				 wmd, w, &refs[0], &refs[1], NULL),
			 -EINVAL);
	vss_bcd_free(bcd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sel001_set_membership),
		cmocka_unit_test(test_sel001_element_prefix),
		cmocka_unit_test(test_sel002a_mandatory),
		cmocka_unit_test(test_sel002b_optional),
		cmocka_unit_test(test_sel002c_never_explicit),
		cmocka_unit_test(test_sel002d_implicit_or_alone),
		cmocka_unit_test(test_sel003_all_or_nothing),
		cmocka_unit_test(test_sel004_not_with_ancestor),
		cmocka_unit_test(test_sel005_no_set_without_selectable),
		cmocka_unit_test(test_sel006_restore_subcomponents),
		cmocka_unit_test(test_sel006_restore_membership),
		cmocka_unit_test(test_sel006_nearest_explicit_ancestor),
		cmocka_unit_test(test_sel007_sets),
		cmocka_unit_test(test_sel008_defining),
		cmocka_unit_test(test_unknown_component),
		cmocka_unit_test(test_duplicate_component),
		cmocka_unit_test(test_arguments),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
