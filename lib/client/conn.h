/*
 * lib/client/conn.h - a client connection to vssd, shared by the writer
 * and requester APIs: connect, hello, send and receive frames.
 */
#ifndef VSS_CLIENT_CONN_H
#define VSS_CLIENT_CONN_H

#include <stdint.h>

#include "wire/wire.h"

#define VSS_DEFAULT_SOCKET "/run/vss/vssd.sock"

struct conn {
	int fd;                  /* non-blocking, -1 when closed */
	uint64_t next_id;        /* next request id */
	struct wire_reader reader;
	uint8_t *out;            /* queued output */
	size_t out_len, out_cap;
	vss_id session_id;
};

/* The socket path: path if not NULL, else $VSS_SOCKET, else the default. */
const char *conn_socket_path(const char *path);
/*
 * Connect and say hello with role ("requester", "writer", "admin"); blocks
 * up to timeout_ms for the reply.  Returns 0, -errno of connect, or the
 * status of the hello reply (e.g. -EACCES).
 */
int conn_open(struct conn *c, const char *socket_path, const char *role,
	      int timeout_ms);
void conn_close(struct conn *c);
/* Queue a message (takes no reference); flush as much as possible. */
int conn_send(struct conn *c, json_t *msg);
/* Write queued output without blocking: 0 when all written, 1 if some
 * remains (poll POLLOUT), negative on error. */
int conn_flush(struct conn *c);
/*
 * Read what is available without blocking.  Returns 0, -ECONNRESET on
 * EOF, or a negative error.  Then take frames with conn_next().
 */
int conn_read(struct conn *c);
/* Next complete frame: 1 and *ret (caller owns), 0 if none, negative. */
int conn_next(struct conn *c, json_t **ret);
/*
 * Send a request and wait (blocking, timeout_ms, -1 no limit) for its
 * reply, handing any other frame that arrives meanwhile to other (may be
 * NULL: then they are dropped).  Returns the reply's status; *ret_reply
 * (caller owns) when not NULL.
 */
int conn_call(struct conn *c, json_t *request, int timeout_ms,
	      json_t **ret_reply,
	      void (*other)(json_t *msg, void *userdata), void *userdata);

#endif
