/* http.h - requests, responses, and one libcurl multi loop for all transfers
 *
 * http.c is the only file that calls libcurl (curl_lazy.c includes
 * <curl/curl.h> too, to load the library on first use).  The loop runs on
 * the scheduler's thread: transfers are added, http_loop_poll() drives them
 * all (connection reuse, timeouts, a hard cap on each body), and finished
 * ones are collected with http_loop_next().  Other threads may call
 * http_loop_wakeup() to interrupt a poll.
 */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>

#include "buf.h"

#define HTTP_MAX_BODY ((size_t)64 << 20)     /* 64 MiB: no image response is larger */
#define HTTP_STALL_BYTES 1024L               /* per second: slower than this is a stall */

struct http_header {
	char *name;
	char *value;
};

/* A multipart/form-data field (Stability): data of len bytes; filename and
 * type only for file parts. */
struct http_part {
	char *name;
	char *data;
	size_t len;
	char *filename;
	char *type;
};

struct http_request {
	char *method;               /* "GET" or "POST" */
	char *url;
	struct http_header *headers;
	size_t nheaders;
	size_t hcap;
	int secret;                 /* index of the header carrying a credential, -1: none */
	struct buf body;            /* raw body (JSON); empty for GET or multipart */
	struct http_part *parts;    /* multipart form when nparts > 0 */
	size_t nparts;
	size_t pcap;
	size_t max_body;            /* the response body's cap, 0: HTTP_MAX_BODY; a larger
	                               Content-Length fails the transfer at once (HTTP_TOOBIG) */
	long stall_ms;              /* 0, or: connecting, or moving fewer than HTTP_STALL_BYTES
	                               a second, for this long fails it (HTTP_TIMEOUT) */
	char *userpwd;              /* a credential, never printed: "user:password" for
	                               Basic, or with aws_sigv4 "key id:secret key" */
	char *aws_sigv4;            /* libcurl's SigV4 signing, "aws:amz:REGION:SERVICE" */
	int netrc;                  /* credentials from ~/.netrc when the URL has none */
};

/* Transport outcome, for fault classification. */
enum http_transport {
	HTTP_OK = 0,                /* a status line was received (any status) */
	HTTP_TIMEOUT,
	HTTP_CONNECT,               /* refused, unreachable, DNS */
	HTTP_RESET,                 /* connection reset / closed early / partial body */
	HTTP_TOOBIG,                /* body over the cap */
	HTTP_OTHER,
};

struct http_response {
	long status;                /* 0 when no status line arrived */
	enum http_transport transport;
	char *error;                /* transport error text, or NULL */
	struct http_header *headers;    /* names lowercased; last response only */
	size_t nheaders;
	size_t hcap;
	struct buf body;
	double seconds;
};

void http_request_init(struct http_request *r, const char *method, const char *url);
void http_request_header(struct http_request *r, const char *name, const char *value);
/* The credential header: redacted whenever a request is printed. */
void http_request_secret_header(struct http_request *r, const char *name, const char *value);
/* Credentials for libcurl to send (Basic, or SigV4 with sigv4 non-NULL). */
void http_request_auth(struct http_request *r, const char *userpwd, const char *sigv4);
void http_request_part(struct http_request *r, const char *name, const void *data, size_t len,
		       const char *filename, const char *type);
void http_request_release(struct http_request *r);
/* "POST http://… (headers: Api-Key: <redacted>, content-type: …)" for -v;
 * a password in the URL shows as "***" */
char *http_request_describe(const struct http_request *r);

/* Case-insensitive; NULL if absent. */
const char *http_response_header(const struct http_response *r, const char *name);
void http_response_release(struct http_response *r);

struct http_loop;

struct http_loop *http_loop_new(void);
void http_loop_free(struct http_loop *l);
/* Start a transfer (req is copied).  timeout_ms is the whole transfer's. */
void http_loop_add(struct http_loop *l, const struct http_request *req, long timeout_ms,
		   void *userdata);
/* The same, receiving the body into into's memory (taken over, *into left
 * empty): a caller that recycles the bodies it is given spares the kernel
 * fresh pages for every download.  A Content-Length sizes the body once. */
void http_loop_add_into(struct http_loop *l, const struct http_request *req, long timeout_ms,
			void *userdata, struct buf *into);
/* Drive transfers, waiting at most timeout_ms for activity. */
void http_loop_poll(struct http_loop *l, int timeout_ms);
/* Pop a finished transfer: 1 and *out filled (caller releases), or 0. */
int http_loop_next(struct http_loop *l, void **userdata, struct http_response *out);
size_t http_loop_running(const struct http_loop *l);
void http_loop_wakeup(struct http_loop *l);
/* Abort every transfer (interrupt); they are not reported. */
void http_loop_cancel_all(struct http_loop *l);

/* Blocking single transfer through a private loop (tests, `bench`). */
void http_fetch(const struct http_request *req, long timeout_ms, struct http_response *out);

#endif
