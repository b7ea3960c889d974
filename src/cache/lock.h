/* cache/lock.h - assetgen.lock: each asset's key pinned to the artifact made for it
 *
 * One sorted line per asset - "name key digest sha256 model seed", and
 * "picked" after a candidate chosen with `assetgen pick` - so
 * that merges rarely conflict and a conflict is trivial to resolve.  With
 * the lock committed, `build --locked` reproduces exactly the pinned
 * renders without calling a model.
 */
#ifndef LOCK_H
#define LOCK_H

#include <stddef.h>
#include <stdint.h>

#include "key.h"
#include "sign.h"

struct lock_entry {
	char *name;
	struct key key;             /* the asset's final key */
	struct key digest;          /* the artifact's XXH3-128 */
	char sha256[SHA256_HEX_LEN + 1];
	char *model;                /* config name of the model that made it */
	uint64_t seed;              /* the seed of the candidate pinned (recipe's + re-roll) */
	int picked;                 /* chosen by a person (`assetgen pick`), not by the check */
};

struct lockfile {
	struct lock_entry *entries; /* sorted by name */
	size_t n, cap;
};

/* Load path (a missing file is an empty lock).  A malformed line is an
 * error: "assetgen.lock:LINE: message" printed, -1 returned. */
int lock_load(struct lockfile *l, const char *path, const char *display);
const struct lock_entry *lock_find(const struct lockfile *l, const char *name);
/* Insert or replace the entry for name (copies the strings). */
void lock_set(struct lockfile *l, const char *name, const struct key *key,
	      const struct key *digest, const char *sha256, const char *model, uint64_t seed);
/* Mark name's entry as picked by a person: the build keeps it even when
 * it fails the typography check (written as a trailing "picked"). */
void lock_mark_picked(struct lockfile *l, const char *name);
/* Keep only the entries whose name keep() accepts. */
void lock_retain(struct lockfile *l, int (*keep)(const char *name, void *arg), void *arg);
/* Write atomically when the file's contents would change; 0 or -1 (warned). */
int lock_write(const struct lockfile *l, const char *path);
void lock_release(struct lockfile *l);

#endif
