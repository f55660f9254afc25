/*
 * tests/unit/fake_vssd.h - a fake vssd for the requester API's tests
 * (test_requester.c, test_requester_restore.c): a thread of the test that
 * listens on a Unix socket in a temporary directory, takes one client at a
 * time (as many one after the other as the test likes), reads the wire
 * protocol (lib/wire), records every request and hands it to the test's
 * handler, which answers as that test needs (fake_vssd.c).
 *
 * The helpers that set things up fail the calling cmocka test.
 */
#ifndef VSS_TESTS_FAKE_VSSD_H
#define VSS_TESTS_FAKE_VSSD_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vss/requester.h>

#include "wire/wire.h"

struct fake_vssd;

/*
 * Answers req (borrowed: valid only during the callback), on the fake's
 * thread with lock held, after req has been recorded.  It may send any
 * number of messages, keep a reference to req, or hang up.
 */
typedef void fake_vssd_handler(struct fake_vssd *f, json_t *req, void *data);
/* Runs on the fake's thread with lock held after each fake_vssd_poke(). */
typedef void fake_vssd_waker(struct fake_vssd *f, void *data);

struct fake_vssd {
	char dir[64];   /* the temporary directory */
	char path[128]; /* the socket in it, for vss_requester_new() */
	int listen_fd;
	int client_fd;  /* -1 while no client is connected */
	int wake_fd;
	pthread_t thread;
	struct wire_reader reader;
	fake_vssd_handler *handle;
	fake_vssd_waker *wake;
	void *data;

	/*
	 * Guards the fields below and whatever the test's handler and waker
	 * use; cond is signalled whenever a request is recorded.
	 */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
	json_t *received; /* every request, in order */
};

/*
 * Listen in a new directory /tmp/vss-<name>-XXXXXX and start the thread;
 * handle answers each request, wake (may be NULL) runs on each poke, both
 * with data.
 */
void fake_vssd_start(struct fake_vssd *f, const char *name,
		     fake_vssd_handler *handle, fake_vssd_waker *wake,
		     void *data);
/* Stop the thread, hang up, and remove the socket and its directory. */
void fake_vssd_stop(struct fake_vssd *f);
/* Wake the thread, which runs the waker. */
void fake_vssd_poke(struct fake_vssd *f);

/*
 * On the fake's thread: send msg (takes ownership) to the client, if one
 * is connected.
 */
void fake_vssd_send(struct fake_vssd *f, json_t *msg);
/* On the fake's thread: reply to request id with status and no fields. */
void fake_vssd_send_status(struct fake_vssd *f, int64_t id, int status);
/* On the fake's thread: close the client's connection. */
void fake_vssd_hang_up(struct fake_vssd *f);

/* A message's id, or 0 without one. */
int64_t fake_vssd_msg_id(json_t *msg);
/* A message's type, or WIRE_UNKNOWN. */
enum wire_type fake_vssd_msg_type(json_t *msg);

/* The nth (0-based) request of type received (caller owns), or NULL. */
json_t *fake_vssd_find_request(struct fake_vssd *f, enum wire_type type,
			       size_t nth);
/* Wait up to 5 s for the nth request of type; caller owns, or NULL. */
json_t *fake_vssd_wait_request(struct fake_vssd *f, enum wire_type type,
			       size_t nth);
/*
 * Wait up to 5 s for a request of type, then the last one received
 * (caller owns), or NULL.
 */
json_t *fake_vssd_last_request(struct fake_vssd *f, enum wire_type type);
/* How many requests of type have been received. */
size_t fake_vssd_count(struct fake_vssd *f, enum wire_type type);
/* The types of the requests received, as "a,b,c" (caller frees). */
char *fake_vssd_received_types(struct fake_vssd *f);

/* Wait up to 5 s for a to end, free it, and return its status. */
int fake_vssd_await(vss_async *a);

#endif
