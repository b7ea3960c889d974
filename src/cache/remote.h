/* cache/remote.h - the shared cache over plain HTTP (or a shared directory)
 *
 * GET/HEAD/PUT {url}/cas/{digest} for blobs and {url}/ac/{key} for
 * action-cache entries, which any WebDAV-enabled nginx, bazel-remote, or
 * object store with PUT-able URLs serves; file:///dir works the same way
 * with atomic writes.  xxHash can be collided on purpose, so every entry
 * records its blob's SHA-256 and size and every download is checked against
 * them; with ASSETGEN_CACHE_SECRET set, entries are HMAC-SHA256 signed
 * over key, digest, SHA-256 and size, and readers reject unsigned or
 * forged ones.  A remote cache that is down, slow or returns garbage never
 * fails a build: everything is counted in struct remote_stats instead.
 * Every transfer has a connect timeout, a low-speed limit and a cap on its
 * body from the size expected; once a whole batch of transfers has timed
 * out the remote is taken as down (said once) and no more requests go to
 * it.  An upload replaces a blob already on the remote whose bytes do not
 * match its name.
 */
#ifndef REMOTE_H
#define REMOTE_H

#include <stddef.h>
#include <stdint.h>

#include "index.h"
#include "key.h"
#include "crypto.h"
#include "store.h"

struct remote_stats {
	size_t hits;            /* entries whose blob was had and verified */
	size_t misses;
	size_t errors;          /* transport failures, 5xx, I/O errors */
	size_t rejected;        /* forged, unsigned (with a secret), or not matching their blob */
	size_t uploaded;        /* blobs and entries written */
	size_t upload_errors;
	size_t skipped;         /* requests not sent: the remote had stopped answering */
};

struct remote {
	char *url;              /* http(s) base without a trailing slash, or NULL */
	char *dir;              /* file:// directory, or NULL */
	const char *secret;     /* HMAC key, or NULL */
	long timeout_ms;        /* a whole transfer */
	long stall_ms;          /* no answer, or a trickle, for this long: a timeout */
	int down;               /* a whole batch timed out: no more requests are sent */
	struct remote_stats stats;
};

/* An action-cache entry. */
struct ac_entry {
	struct key key;
	struct key digest;
	char sha256[SHA256_HEX_LEN + 1];
	uint64_t size;
	char stage[16];
	char model[128];
	int fallback;
	double cost;
};

/* 0, or -1 for a URL that is neither http(s):// nor file:// (warned). */
int remote_open(struct remote *r, const char *url, const char *secret);
void remote_close(struct remote *r);

/* Look up keys[]; for every entry whose blob can be had and verifies, the
 * blob goes into the local store and the entry into ix; hit[i] is set. */
void remote_fetch(struct remote *r, struct store *st, struct index *ix, const struct key *keys,
		  size_t n, unsigned char *hit);
/* Fetch blobs by digest, each checked against its expected SHA-256. */
void remote_fetch_blobs(struct remote *r, struct store *st, const struct key *digests,
			const char (*sha256)[SHA256_HEX_LEN + 1], size_t n, unsigned char *ok);
/* Upload the blob and entry of every key that ix knows: each blob unless
 * the remote already has exactly its bytes (a bad copy there is replaced),
 * then each entry. */
void remote_push(struct remote *r, struct store *st, struct index *ix, const struct key *keys,
		 size_t n);

/* The entry as JSON (signed with secret when non-NULL); malloc'd. */
char *ac_encode(const struct ac_entry *e, const char *secret);
/* Parse and check an entry fetched for key: 0, or -1 with *why set. */
int ac_decode(const char *data, size_t len, const struct key *key, const char *secret,
	      struct ac_entry *out, const char **why);

#endif
