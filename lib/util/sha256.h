/*
 * lib/util/sha256.h - SHA-256 digests in hex, as manifest.json and the
 * pending restore journal write them (compiled into vssd and the vss
 * command; not part of libvss; needs libcrypto).
 */
#ifndef VSS_UTIL_SHA256_H
#define VSS_UTIL_SHA256_H

#include <stddef.h>
#include <stdint.h>

/* A digest's 32 bytes as 64 lower-case hex digits and a NUL. */
void sha256_hex(const uint8_t md[32], char ret[65]);
/* The SHA-256 of len bytes of data, as sha256_hex(); 0 or -EIO. */
int sha256_buf_hex(const void *data, size_t len, char ret[65]);

#endif
