/*
 * lib/requester/writer_states.c - vss_list_writer_states(): each writer's
 * state in its last session, as vssadmin list writers shows it.  It is
 * not part of a backup job: one admin connection, one list_writers
 * request (docs/protocol.md "Admin"), which sends no event to a writer.
 */
#include <errno.h>

#include <vss/requester.h>

#include "client/conn.h"
#include "requester/requester_internal.h"

/* As long as a requester waits for its hello; vssd answers at once. */
#define ADMIN_TIMEOUT_MS 30000

int
vss_list_writer_states(const char *socket_path,
		       struct vss_writer_status **ret, size_t *ret_n)
{
	struct vss_writer_status *states = NULL;
	struct conn conn = { .fd = -1 };
	json_t *msg, *reply = NULL;
	size_t n = 0;
	int rc;

	if (ret == NULL || ret_n == NULL)
		return -EINVAL;
	rc = conn_open(&conn, socket_path, "admin", ADMIN_TIMEOUT_MS);
	if (rc < 0)
		return rc;
	msg = wire_request_new(WIRE_LIST_WRITERS, conn.next_id++);
	rc = msg != NULL ? conn_call(&conn, msg, ADMIN_TIMEOUT_MS, &reply,
				     NULL, NULL)
			 : -ENOMEM;
	json_decref(msg);
	conn_close(&conn);
	if (rc == 0)
		rc = writer_statuses_parse(reply, &states, &n);
	json_decref(reply);
	if (rc < 0) {
		vss_writer_states_free(states, n);
		return rc;
	}
	*ret = states;
	*ret_n = n;
	return 0;
}
