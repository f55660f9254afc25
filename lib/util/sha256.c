/*
 * lib/util/sha256.c - SHA-256 digests in hex (sha256.h).
 */
#include <errno.h>
#include <openssl/evp.h>

#include "util/sha256.h"

void
sha256_hex(const uint8_t md[32], char ret[65])
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 32; i++) {
		ret[2 * i] = digits[md[i] >> 4];
		ret[2 * i + 1] = digits[md[i] & 15];
	}
	ret[64] = '\0';
}

int
sha256_buf_hex(const void *data, size_t len, char ret[65])
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) ||
	    mdlen != 32)
		return -EIO;
	sha256_hex(md, ret);
	return 0;
}
