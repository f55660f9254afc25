/*
 * bench_metadata.c - how fast the XML codec loads and saves large metadata
 * documents, against libxml2 alone on the same bytes.
 *
 * usage: bench-metadata [ITERATIONS]
 *
 * Builds in memory, through the public API, a Writer Metadata Document with
 * 20,000 file sets (200 components x 100 FILE_LIST) and a Backup
 * Components Document with 5,000 components (50 writers x 100 components,
 * each with a backup stamp, a previous stamp and backup metadata), saves
 * each to XML, then times ITERATIONS (default 20) loads and saves of each.
 * The reference figures come from the same run: libxml2 parsing the same
 * bytes into a DOM (xmlReadMemory) and writing that DOM back out
 * (xmlDocDumpMemory).  One line per measurement on stdout; see
 * bench/README.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <vss/metadata.h>
#include <vss/status.h>

#define WMD_COMPONENTS 200
#define WMD_FILES_PER_COMPONENT 100
#define BCD_WRITERS 50
#define BCD_COMPONENTS_PER_WRITER 100
#define DEFAULT_ITERATIONS 20
#define MAX_ITERATIONS 100000

/* One document under test, in both forms. */
struct subject {
	const char *name;
	char *xml;   /* saved text */
	size_t len;
	size_t items; /* FILE_LIST entries or components */
	/* The library calls for this kind of document. */
	int (*load)(void **ret, const char *xml, size_t len,
		    struct vss_error *err);
	int (*save)(const void *doc, char **ret_xml, size_t *ret_len);
	void (*free)(void *doc);
	size_t (*count)(const void *doc);
};

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * Print one measurement: min and median of the samples (sorted in place),
 * and the throughput at the median, so that one slow outlier does not
 * decide the figure.
 */
static void
report(const char *doc, const char *op, size_t bytes, double *ms, size_t n)
{
	double median;

	qsort(ms, n, sizeof(*ms), cmp_double);
	median = n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
	printf("%-4s %-13s %10zu bytes  min %9.3f ms  median %9.3f ms  "
	       "%8.1f MB/s\n",
	       doc, op, bytes, ms[0], median,
	       median > 0 ? (double)bytes / 1e6 / (median / 1e3) : 0.0);
}

static void
fail_status(const char *what, int r)
{
	fprintf(stderr, "bench-metadata: %s: %s\n", what, vss_strerror(r));
	exit(1);
}

/* A fixed id per (kind, a, b): the documents are the same at every run. */
static vss_id
make_id(uint8_t kind, unsigned a, unsigned b)
{
	vss_id id = { { 0 } };

	id.bytes[0] = kind;
	id.bytes[4] = (uint8_t)(a >> 8);
	id.bytes[5] = (uint8_t)a;
	id.bytes[6] = 0x40; /* version 4 */
	id.bytes[8] = 0x80; /* variant */
	id.bytes[14] = (uint8_t)(b >> 8);
	id.bytes[15] = (uint8_t)b;
	return id;
}

static vss_wmd *
build_wmd(void)
{
	struct vss_writer_identity ident = {
		.class_id = make_id(1, 0, 0),
		.instance_id = make_id(2, 0, 0),
		.instance_name = "bench instance",
		.friendly_name = "Bench Writer",
		.usage = VSS_UT_USERDATA,
		.source = VSS_ST_OTHER,
		.major_version = 1,
	};
	struct vss_restore_method_info rm = {
		.method = VSS_RME_RESTORE_IF_CAN_REPLACE,
		.writer_restore = VSS_WRE_ALWAYS,
	};
	char path[64], name[32], caption[64], dir[96];
	vss_wmd *wmd;
	unsigned c, f;
	int r;

	r = vss_wmd_new(&wmd, &ident);
	if (r < 0)
		fail_status("wmd new", r);
	r = vss_wmd_set_backup_schema(wmd, VSS_BS_DIFFERENTIAL |
					       VSS_BS_TIMESTAMPED);
	if (r == 0)
		r = vss_wmd_set_restore_method(wmd, &rm);
	if (r == 0)
		r = vss_wmd_add_exclude_files(wmd, "/srv/bench", "*.tmp", true);
	for (c = 0; r == 0 && c < WMD_COMPONENTS; c++) {
		struct vss_component_def def = {
			.type = VSS_CT_FILEGROUP,
			.logical_path = path,
			.name = name,
			.caption = caption,
			.selectable = true,
			.selectable_for_restore = true,
		};

		snprintf(path, sizeof(path), "bench\\group%02u", c / 20);
		snprintf(name, sizeof(name), "component%03u", c);
		snprintf(caption, sizeof(caption), "Bench component %u", c);
		r = vss_wmd_add_component(wmd, &def);
		for (f = 0; r == 0 && f < WMD_FILES_PER_COMPONENT; f++) {
			snprintf(dir, sizeof(dir),
				 "/srv/bench/data%03u/set%03u", c, f);
			r = vss_wmd_add_files_to_file_group(wmd, path, name,
							    dir, "*.dat",
							    f % 2, NULL, 0);
		}
	}
	if (r < 0)
		fail_status("building the wmd", r);
	return wmd;
}

/* Text of a given length that looks like the base64 a writer stores. */
static void
fill_blob(char *out, size_t len, unsigned seed)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
				  "qrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i < len; i++) {
		seed = seed * 1103515245u + 12345u;
		out[i] = b64[(seed >> 16) % 64];
	}
	out[len] = '\0';
}

static vss_bcd *
build_bcd(void)
{
	struct vss_backup_state state = {
		.select_components = true,
		.backup_type = VSS_BT_FULL,
	};
	char name[32], stamp[48], previous[48], metadata[257];
	vss_id set_id = make_id(3, 0, 0);
	vss_bcd *bcd;
	unsigned w, c;
	int r;

	r = vss_bcd_new(&bcd);
	if (r < 0)
		fail_status("bcd new", r);
	r = vss_bcd_set_backup_state(bcd, &state);
	if (r == 0)
		r = vss_bcd_set_snapshot_set_id(bcd, &set_id);
	for (w = 0; r == 0 && w < BCD_WRITERS; w++) {
		vss_id class_id = make_id(4, w, 0);
		vss_id instance_id = make_id(5, w, 0);
		vss_bcd_writer *writer;

		r = vss_bcd_add_writer(bcd, &class_id, &instance_id, NULL,
				       VSS_BS_DIFFERENTIAL, &writer);
		for (c = 0; r == 0 && c < BCD_COMPONENTS_PER_WRITER; c++) {
			vss_bcd_component *comp;

			snprintf(name, sizeof(name), "component%03u", c);
			snprintf(stamp, sizeof(stamp), "stamp-%u-%u-2024", w,
				 c);
			snprintf(previous, sizeof(previous),
				 "stamp-%u-%u-2023", w, c);
			fill_blob(metadata, sizeof(metadata) - 1, w * 1000 + c);
			r = vss_bcd_writer_add_component(writer,
							 VSS_CT_FILEGROUP,
							 "bench", name, &comp);
			if (r == 0)
				r = vss_bcd_component_set_text(
					comp, VSS_TEXT_BACKUP_STAMP, stamp);
			if (r == 0)
				r = vss_bcd_component_set_text(
					comp, VSS_TEXT_PREVIOUS_BACKUP_STAMP,
					previous);
			if (r == 0)
				r = vss_bcd_component_set_text(
					comp, VSS_TEXT_BACKUP_METADATA,
					metadata);
			if (r == 0)
				r = vss_bcd_component_set_backup_succeeded(
					comp, true);
		}
	}
	if (r < 0)
		fail_status("building the bcd", r);
	return bcd;
}

/* Adapters so that one timing loop serves both document kinds. */
static int
wmd_load(void **ret, const char *xml, size_t len, struct vss_error *err)
{
	vss_wmd *wmd;
	int r;

	r = vss_wmd_load_xml(&wmd, xml, len, err);
	if (r == 0)
		*ret = wmd;
	return r;
}

static int
wmd_save(const void *doc, char **ret_xml, size_t *ret_len)
{
	return vss_wmd_save_xml(doc, ret_xml, ret_len);
}

static void
wmd_free(void *doc)
{
	vss_wmd_free(doc);
}

static size_t
wmd_count(const void *doc)
{
	size_t i, n = 0;

	for (i = 0; i < vss_wmd_component_count(doc); i++)
		n += vss_wmd_component(doc, i)->file_count;
	return n;
}

static int
bcd_load(void **ret, const char *xml, size_t len, struct vss_error *err)
{
	vss_bcd *bcd;
	int r;

	r = vss_bcd_load_xml(&bcd, xml, len, err);
	if (r == 0)
		*ret = bcd;
	return r;
}

static int
bcd_save(const void *doc, char **ret_xml, size_t *ret_len)
{
	return vss_bcd_save_xml(doc, ret_xml, ret_len);
}

static void
bcd_free(void *doc)
{
	vss_bcd_free(doc);
}

static size_t
bcd_count(const void *doc)
{
	size_t i, n = 0;

	for (i = 0; i < vss_bcd_writer_count(doc); i++)
		n += vss_bcd_writer_component_count(vss_bcd_writer_at(doc, i));
	return n;
}

static void *
load_or_die(const struct subject *s)
{
	struct vss_error err = { 0 };
	void *doc = NULL;
	int r;

	r = s->load(&doc, s->xml, s->len, &err);
	if (r < 0) {
		fprintf(stderr, "bench-metadata: %s: load: %s: line %d: %s\n",
			s->name, vss_strerror(r), err.line, err.message);
		exit(1);
	}
	return doc;
}

static void
bench(const struct subject *s, size_t iterations, double *ms)
{
	xmlChar *dump;
	xmlDoc *dom;
	size_t i, len;
	char *xml;
	void *doc;
	double t;
	int r, dump_len = 0;

	/* The loaded document must be the one that was built. */
	doc = load_or_die(s);
	if (s->count(doc) != s->items) {
		fprintf(stderr, "bench-metadata: %s: loaded %zu items, "
				"expected %zu\n",
			s->name, s->count(doc), s->items);
		exit(1);
	}
	s->free(doc);

	for (i = 0; i < iterations; i++) {
		t = now_ms();
		doc = load_or_die(s);
		ms[i] = now_ms() - t;
		s->free(doc);
	}
	report(s->name, "load", s->len, ms, iterations);

	doc = load_or_die(s);
	for (i = 0; i < iterations; i++) {
		t = now_ms();
		r = s->save(doc, &xml, &len);
		ms[i] = now_ms() - t;
		if (r < 0)
			fail_status("save", r);
		free(xml);
	}
	s->free(doc);
	report(s->name, "save", s->len, ms, iterations);

	for (i = 0; i < iterations; i++) {
		t = now_ms();
		dom = xmlReadMemory(s->xml, (int)s->len, NULL, NULL,
				    XML_PARSE_NONET);
		ms[i] = now_ms() - t;
		if (dom == NULL) {
			fprintf(stderr, "bench-metadata: %s: libxml2 cannot "
					"parse the saved document\n",
				s->name);
			exit(1);
		}
		xmlFreeDoc(dom);
	}
	report(s->name, "libxml2-parse", s->len, ms, iterations);

	dom = xmlReadMemory(s->xml, (int)s->len, NULL, NULL, XML_PARSE_NONET);
	if (dom == NULL) {
		fprintf(stderr, "bench-metadata: %s: libxml2 cannot parse the "
				"saved document\n",
			s->name);
		exit(1);
	}
	for (i = 0; i < iterations; i++) {
		t = now_ms();
		xmlDocDumpMemory(dom, &dump, &dump_len);
		ms[i] = now_ms() - t;
		if (dump == NULL) {
			fprintf(stderr, "bench-metadata: out of memory\n");
			exit(1);
		}
		xmlFree(dump);
	}
	xmlFreeDoc(dom);
	report(s->name, "libxml2-dump", s->len, ms, iterations);
}

static size_t
parse_iterations(int argc, char **argv)
{
	unsigned long n;
	char *end;

	if (argc == 1)
		return DEFAULT_ITERATIONS;
	errno = 0;
	n = strtoul(argv[1], &end, 10);
	if (argc > 2 || errno != 0 || end == argv[1] || *end != '\0' ||
	    argv[1][0] == '-' || n == 0 || n > MAX_ITERATIONS) {
		fprintf(stderr, "usage: bench-metadata [ITERATIONS]\n"
				"  ITERATIONS: 1 to %d, default %d\n",
			MAX_ITERATIONS, DEFAULT_ITERATIONS);
		exit(2);
	}
	return n;
}

int
main(int argc, char **argv)
{
	struct subject wmd_subject = {
		.name = "wmd",
		.items = WMD_COMPONENTS * WMD_FILES_PER_COMPONENT,
		.load = wmd_load,
		.save = wmd_save,
		.free = wmd_free,
		.count = wmd_count,
	};
	struct subject bcd_subject = {
		.name = "bcd",
		.items = BCD_WRITERS * BCD_COMPONENTS_PER_WRITER,
		.load = bcd_load,
		.save = bcd_save,
		.free = bcd_free,
		.count = bcd_count,
	};
	size_t iterations = parse_iterations(argc, argv);
	double *ms;
	vss_wmd *wmd;
	vss_bcd *bcd;
	int r;

	ms = calloc(iterations, sizeof(*ms));
	if (ms == NULL) {
		fprintf(stderr, "bench-metadata: out of memory\n");
		return 1;
	}

	wmd = build_wmd();
	r = vss_wmd_save_xml(wmd, &wmd_subject.xml, &wmd_subject.len);
	vss_wmd_free(wmd);
	if (r < 0)
		fail_status("wmd save", r);
	bcd = build_bcd();
	r = vss_bcd_save_xml(bcd, &bcd_subject.xml, &bcd_subject.len);
	vss_bcd_free(bcd);
	if (r < 0)
		fail_status("bcd save", r);

	printf("# %zu iterations; wmd: %d components x %d FILE_LIST, "
	       "bcd: %d writers x %d components\n",
	       iterations, WMD_COMPONENTS, WMD_FILES_PER_COMPONENT,
	       BCD_WRITERS, BCD_COMPONENTS_PER_WRITER);
	bench(&wmd_subject, iterations, ms);
	bench(&bcd_subject, iterations, ms);

	free(wmd_subject.xml);
	free(bcd_subject.xml);
	free(ms);
	xmlCleanupParser();
	return 0;
}
