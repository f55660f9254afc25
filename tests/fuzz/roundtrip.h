/*
 * tests/fuzz/roundtrip.h - the check both libFuzzer targets make
 * (roundtrip.c), one per document codec.
 */
#ifndef VSS_TESTS_FUZZ_ROUNDTRIP_H
#define VSS_TESTS_FUZZ_ROUNDTRIP_H

#include <stddef.h>
#include <stdint.h>

#include "../doc_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Any input either fails to load, or loads, saves, loads again from the
 * saved text, and saves to the very same text (MD-062).  Anything else
 * aborts, for libFuzzer to keep the input.  Returns 0.
 */
int roundtrip(const struct doc_codec *codec, const uint8_t *data, size_t size);

#endif
