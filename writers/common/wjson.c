/* writers/common/wjson.c - see wjson.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "wjson.h"

int
wjson_dump(json_t *o, char **ret)
{
	char *text;

	if (!o)
		return -ENOMEM;
	text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!text)
		return -ENOMEM;
	*ret = text;
	return 0;
}

int
wjson_bad(struct vss_error *err, const char *what, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (what)
		n = snprintf(err->message, sizeof(err->message), "%s: ", what);
	if (n < 0 || (size_t)n >= sizeof(err->message))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(err->message + n, sizeof(err->message) - (size_t)n, fmt, ap);
	va_end(ap);
	err->line = 0;
	return -EBADMSG;
}
