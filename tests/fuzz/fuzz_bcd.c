/*
 * fuzz_bcd.c - libFuzzer target for the BCD loader: the round trip of
 * roundtrip.h on every input.  See run.sh.
 */
#include "roundtrip.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return roundtrip(&doc_codec_bcd, data, size);
}
