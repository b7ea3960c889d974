/* site/serve.h - a tiny HTTP/1.0 file server for `assetgen watch --serve`
 *
 * Single-threaded and non-blocking, driven by the caller's poll() loop:
 * the caller adds serve_pollfds() to its own descriptors, and hands the
 * results back to serve_handle().  It listens on 127.0.0.1 only, answers
 * GET and HEAD for regular files under one directory (never following a
 * symbolic link, never a "." or ".." segment or a hidden file), and
 * closes each connection after one response.  A request head must arrive
 * within 5 s of the connection; a client holds at most
 * SERVE_MAX_PER_CLIENT connections, and a newcomer past that (or past a
 * full table) replaces the oldest connection still sending its head, so
 * slow or silent clients cannot starve the others.
 *
 * Live reload: every index.html it serves gets a small script before
 * </body> that polls /_changed?v=VERSION (an image request, which the
 * gallery's Content-Security-Policy allows where it forbids fetch) and
 * reloads the page once the version moves on.  /_version answers the
 * counter itself as text.
 */
#ifndef SERVE_H
#define SERVE_H

#include <poll.h>
#include <stddef.h>

#define SERVE_MAX_CONNS 32
#define SERVE_MAX_PER_CLIENT 8     /* connections from one address (browsers open 6) */
#define SERVE_MAX_FDS (SERVE_MAX_CONNS + 1)

struct serve;

/* Listen on 127.0.0.1:port (0: a free port, see serve_port).  verbose:
 * one line per request on stderr.  NULL after a warning on failure. */
struct serve *serve_open(int port, int verbose);
int serve_port(const struct serve *s);
/* The directory to serve (copied; looked up again on every request, so it
 * may be replaced or appear later). */
void serve_set_root(struct serve *s, const char *dir);
/* The counter behind /_version; bump it after each rebuild. */
void serve_set_version(struct serve *s, unsigned long version);

/* Fill fds (room for SERVE_MAX_FDS) with what to poll; returns how many. */
size_t serve_pollfds(struct serve *s, struct pollfd *fds);
/* Act on the poll results for the n descriptors serve_pollfds gave. */
void serve_handle(struct serve *s, const struct pollfd *fds, size_t n);
/* Milliseconds until the next connection times out, or -1. */
int serve_timeout(const struct serve *s);
void serve_close(struct serve *s);

#endif
