/* cache/remote.h - the shared cache over plain HTTP (or a shared directory)
 *
 * The Bazel HTTP cache protocol: GET/HEAD/PUT {url}/cas/{sha256} for blobs
 * and {url}/ac/{sha256 of the key's 16 bytes} for action-cache entries,
 * each a REAPI ActionResult (actionresult.h) naming the blob and the
 * entry's record (ac_encode) by SHA-256 and size.  bazel-remote, other
 * Bazel caches, a WebDAV-enabled nginx, and S3 (s3://bucket/prefix, signed
 * with SigV4) serve it; file:///dir works the same way with atomic writes.
 * Every download is checked against the SHA-256 and size its entry records,
 * and the XXH3-128 the local cache names it by; with ASSETGEN_CACHE_SECRET
 * set, records are HMAC-SHA256 signed over key, digest, SHA-256 and size,
 * and readers reject unsigned or forged ones.  Credentials (a bearer token
 * or user:password from a variable the config names, ~/.netrc, or the AWS
 * variables for S3) are never printed; uploads a server refuses (401, 403)
 * are reported once, with what to set.  A remote cache that is down, slow or returns garbage never
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

/* Where the credentials come from (the config's cache.remote). */
struct remote_opts {
	const char *bearer_env;  /* the variable holding a bearer token, or NULL */
	const char *basic_env;   /* the variable holding user:password, or NULL */
	const char *region;      /* s3: the bucket's region, or NULL */
	const char *endpoint;    /* s3: an S3-compatible server's base URL, or NULL */
};

struct remote {
	char *url;              /* http(s) base without a trailing slash, or NULL */
	char *shown;            /* what messages show: the URL as given, password cut */
	char *dir;              /* file:// directory, or NULL */
	const char *secret;     /* HMAC key, or NULL */
	long timeout_ms;        /* a whole transfer */
	long stall_ms;          /* no answer, or a trickle, for this long: a timeout */
	int down;               /* a whole batch timed out: no more requests are sent */
	char *bearer;           /* credentials: a token, or user:password */
	char *userpwd;
	char *cred_hint;        /* what to set when the server refuses */
	char *sigv4;            /* s3: libcurl's "aws:amz:REGION:s3" */
	char *s3_token;         /* s3: AWS_SESSION_TOKEN */
	int s3;
	int refused_said;       /* a 401/403 was reported */
	int old_layout_said;    /* entries of the old layout were looked for */
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

/* 0, or -1 for a URL that is not http(s)://, s3:// or file://, or
 * credentials that cannot be had (warned).  o may be NULL. */
int remote_open(struct remote *r, const char *url, const char *secret,
		const struct remote_opts *o);
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

/* An entry's name on the remote: "ac/" and the SHA-256 of the key's
 * canonical encoding (its 16 big-endian bytes); malloc'd. */
char *remote_ac_path(const struct key *k);

/* The entry's record as JSON (signed with secret when non-NULL); malloc'd. */
char *ac_encode(const struct ac_entry *e, const char *secret);
/* Parse and check an entry fetched for key: 0, or -1 with *why set. */
int ac_decode(const char *data, size_t len, const struct key *key, const char *secret,
	      struct ac_entry *out, const char **why);

#endif
