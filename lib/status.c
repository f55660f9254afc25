/*
 * lib/status.c - names and messages of status codes.
 *
 * The VSS codes come from the one table in vss/status.h; -errno values are
 * named and described by the C library.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "vss/status.h"

/*
 * Linux errno values are below 4096 (the kernel's MAX_ERRNO); the VSS_E_*
 * codes are around INT32_MIN, so the two ranges never meet.
 */
#define ERRNO_MAX 4095

/* Room for the longest strerror() text and for "unknown status 0x...". */
#define MESSAGE_BUF_SIZE 256

struct status_entry {
	int32_t value;
	const char *name;
	const char *message;
};

#define STATUS_ENTRY(name, value, msg) {(int32_t)(value), #name, msg},
static const struct status_entry status_table[] = {
	VSS_STATUS_MAP(STATUS_ENTRY)
};
#undef STATUS_ENTRY

/* Catch a table built from anything but the whole map. */
#define STATUS_COUNT_ONE(name, value, msg) +1
static_assert(sizeof(status_table) / sizeof(status_table[0]) ==
		  0 VSS_STATUS_MAP(STATUS_COUNT_ONE),
	      "status_table must have one entry per VSS_STATUS_MAP code");
#undef STATUS_COUNT_ONE

/* Shared by strerror_r() and the unknown-status text of one thread. */
static _Thread_local char message_buf[MESSAGE_BUF_SIZE];

static const struct status_entry *
status_lookup(int status)
{
	size_t i;

	for (i = 0; i < sizeof(status_table) / sizeof(status_table[0]); i++)
		if (status_table[i].value == status)
			return &status_table[i];
	return NULL;
}

/* The errno name for a -errno status, or NULL when it is not one. */
static const char *
errno_name(int status)
{
	if (status >= 0 || status < -ERRNO_MAX)
		return NULL;
	/* glibc >= 2.32; NULL for numbers that are not errno values. */
	return strerrorname_np(-status);
}

const char *
vss_status_name(int status)
{
	const struct status_entry *e;

	if (status == VSS_OK)
		return "VSS_OK";
	e = status_lookup(status);
	if (e)
		return e->name;
	return errno_name(status);
}

const char *
vss_strerror(int status)
{
	const struct status_entry *e;

	if (status == VSS_OK)
		return "success";
	e = status_lookup(status);
	if (e)
		return e->message;
	if (errno_name(status))
		/* GNU strerror_r: returns either message_buf or a constant. */
		return strerror_r(-status, message_buf, sizeof(message_buf));
	snprintf(message_buf, sizeof(message_buf), "unknown status 0x%08x",
		 (unsigned int)(uint32_t)status);
	return message_buf;
}

int
vss_status_is_known(int status)
{
	return status_lookup(status) != NULL;
}
