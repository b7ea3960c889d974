/* cache/store.h - the local content-addressed blob store: cache/objects/ab/cdef...
 *
 * Blobs are immutable and named by the XXH3-128 of their bytes.  Writes are
 * atomic (temp file, fsync, rename); reads are verified, and a blob whose
 * bytes do not match its name is removed and reported as a miss.
 */
#ifndef STORE_H
#define STORE_H

#include <stddef.h>

#include "buf.h"
#include "key.h"

#define STORE_MAX_BLOB ((size_t)1 << 30)   /* 1 GiB: no image we make is larger */

struct store {
	char *dir;          /* the cache directory */
	int objfd;          /* cache/objects */
	unsigned char swept[256];   /* objects/xx/ already cleared of stale temp files */
};

enum store_status {
	STORE_OK = 0,
	STORE_MISSING = -1,
	STORE_CORRUPT = -2,   /* removed; treat as a miss */
	STORE_ERROR = -3,     /* I/O error (errno set) */
};

int store_open(struct store *s, const char *dir);   /* creates dirs; 0 or -1 */
void store_close(struct store *s);

/* Store data; *digest receives its address.  Idempotent. 0 or -1. */
int store_put(struct store *s, const void *data, size_t len, struct key *digest);
/* store_put without fsyncs, for many blobs at once (a remote pull); call
 * store_sync() after the batch.  digest is the XXH3-128 of these very
 * bytes, computed by the caller (who checked it against what it expected):
 * it is not hashed twice.  Safe to call from several threads at once. */
int store_put_batch(struct store *s, const void *data, size_t len, const struct key *digest);
void store_sync(struct store *s);
/* Read and verify. */
enum store_status store_get(struct store *s, const struct key *digest, struct buf *out);
/* Present (by stat, no reading)?  *size gets its size when non-NULL. */
int store_has(struct store *s, const struct key *digest, size_t *size);
/* Read without verifying (for `cache verify`, which reports rather than
 * removes).  0 or -1. */
int store_get_raw(struct store *s, const struct key *digest, struct buf *out);
int store_remove(struct store *s, const struct key *digest);

/* Visit every blob: fn(digest, size, mtime seconds, arg); a name that is
 * not a digest is skipped.  Returns the number of blobs visited. */
size_t store_each(struct store *s,
		  void (*fn)(const struct key *digest, size_t size, long long mtime, void *arg),
		  void *arg);

/* Remove the store in dir: every blob, the temp files of blobs, objects/ab/
 * and objects/ itself; nothing else (a file the store did not make stays,
 * and a warning says how many).  0, or -1 when something was kept. */
int store_destroy(const char *dir);

#endif
