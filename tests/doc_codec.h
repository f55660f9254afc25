/*
 * tests/doc_codec.h - the XML codec of either document behind one
 * signature, for the tests that treat a WMD and a BCD alike: the unit
 * tests of the codecs, hostile input and the Windows documents, and the
 * fuzz targets.
 */
#ifndef VSS_TESTS_DOC_CODEC_H
#define VSS_TESTS_DOC_CODEC_H

#include <stddef.h>

#include <vss/metadata.h>

struct doc_codec {
	const char *name; /* "wmd" or "bcd", for messages */
	/*
	 * vss_*_load_xml(), reading *doc first and writing it back, so that
	 * a caller sees whether the loader wrote it on failure.
	 */
	int (*load)(void **doc, const char *xml, size_t len,
		    struct vss_error *err);
	int (*save)(const void *doc, char **ret_xml, size_t *ret_len);
	void (*free)(void *doc);
};

static inline int
doc_codec_wmd_load(void **doc, const char *xml, size_t len,
		   struct vss_error *err)
{
	vss_wmd *wmd = *doc;
	int r = vss_wmd_load_xml(&wmd, xml, len, err);

	*doc = wmd;
	return r;
}

static inline int
doc_codec_wmd_save(const void *doc, char **ret_xml, size_t *ret_len)
{
	return vss_wmd_save_xml(doc, ret_xml, ret_len);
}

static inline void
doc_codec_wmd_free(void *doc)
{
	vss_wmd_free(doc);
}

static inline int
doc_codec_bcd_load(void **doc, const char *xml, size_t len,
		   struct vss_error *err)
{
	vss_bcd *bcd = *doc;
	int r = vss_bcd_load_xml(&bcd, xml, len, err);

	*doc = bcd;
	return r;
}

static inline int
doc_codec_bcd_save(const void *doc, char **ret_xml, size_t *ret_len)
{
	return vss_bcd_save_xml(doc, ret_xml, ret_len);
}

static inline void
doc_codec_bcd_free(void *doc)
{
	vss_bcd_free(doc);
}

static const struct doc_codec doc_codec_wmd = {
	.name = "wmd",
	.load = doc_codec_wmd_load,
	.save = doc_codec_wmd_save,
	.free = doc_codec_wmd_free,
};
static const struct doc_codec doc_codec_bcd = {
	.name = "bcd",
	.load = doc_codec_bcd_load,
	.save = doc_codec_bcd_save,
	.free = doc_codec_bcd_free,
};

#endif
