/* cache/lock.h - assetgen.lock: each asset's key pinned to the artifact made for it
 *
 * One sorted line per asset - "name key digest sha256 model seed", and
 * "picked" after a candidate chosen with `assetgen pick` - so
 * that merges rarely conflict and a conflict is trivial to resolve.  With
 * the lock committed, `build --locked` reproduces exactly the pinned
 * renders without calling a model.
 *
 * Loading, finding and setting cost O(1) an entry (a table by name), and
 * writing sorts once: a lock of 100,000 assets in any order loads in
 * linear time.  The file is capped at LOCK_MAX_FILE.
 */
#ifndef LOCK_H
#define LOCK_H

#include <stddef.h>
#include <stdint.h>

#include "key.h"
#include "crypto.h"

struct lock_entry {
	char *name;
	struct key key;             /* the asset's final key */
	struct key digest;          /* the artifact's XXH3-128 */
	char sha256[SHA256_HEX_LEN + 1];
	char *model;                /* config name of the model that made it */
	uint64_t seed;              /* the seed of the candidate pinned (recipe's + re-roll) */
	int picked;                 /* chosen by a person (`assetgen pick`), not by the check */
};

#define LOCK_MAX_FILE ((size_t)64 << 20)   /* 64 MiB: some 400,000 assets */

struct lockfile {
	struct lock_entry *entries; /* in the order loaded or set; lock_write() sorts */
	size_t n, cap;
	size_t *slots;              /* by name: index + 1 into entries, 0 empty */
	size_t nslots;              /* a power of two, at least 2n */
};

/* Load path (a missing file is an empty lock).  A malformed line, a name
 * pinned twice or a file over LOCK_MAX_FILE is an error:
 * "assetgen.lock:LINE: message" printed, -1 returned. */
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
/* Write the entries sorted by name, atomically, when the file's contents
 * would change; 0 or -1 (warned; also when it would exceed LOCK_MAX_FILE). */
int lock_write(const struct lockfile *l, const char *path);
void lock_release(struct lockfile *l);

#endif
