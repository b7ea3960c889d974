/* cache/sync.h - the team side of a build: the remote cache and assetgen.lock
 *
 * Before a build, what the local cache misses is looked up in the remote
 * cache in parallel (and stored locally on a hit); with --locked, every
 * asset is pinned to the artifact in assetgen.lock instead, and nothing is
 * ever generated.  After a build, what it made is uploaded (when uploads
 * are on) and the lock is brought up to date.
 */
#ifndef SYNC_H
#define SYNC_H

#include "build.h"
#include "cmd/cmd.h"
#include "lock.h"
#include "plan.h"
#include "remote.h"

struct sync {
	struct remote remote;
	int have_remote;
	int upload;
	struct lockfile lock;
	char *lock_path;          /* absolute */
	size_t remote_hits;       /* assets the remote cache spared */
};

/* Remote from ASSETGEN_REMOTE_CACHE or cache.remote.url, the secret from
 * ASSETGEN_CACHE_SECRET; load assetgen.lock.  0 or EXIT_INPUT. */
int sync_open(struct sync *s, const struct ctx *c, int upload);
void sync_close(struct sync *s);

/* Fetch from the remote what the plan would generate or upscale.
 * Returns 1 when something was found (the caller plans again). */
int sync_prefetch(struct sync *s, const struct plan *pl, struct store *st, struct index *ix);
/* Count the assets the second plan no longer generates: remote hits. */
void sync_count_hits(struct sync *s, const struct plan *before, const struct plan *after);

/* --locked: pin every item to its lock entry (fetching blobs from the
 * remote when they are not local); an item that cannot be pinned becomes
 * PLAN_MISSING with why, but for the built-in model's, which are made
 * again (free and deterministic) and checked by sync_check_pins.  Returns
 * how many are missing. */
size_t sync_pin(struct sync *s, struct plan *pl, struct store *st);

/* --locked, after the build: every output placed is the pinned artifact
 * (the built-in model's assets are made again when their artifact is in
 * no cache, and must come out byte for byte).  Says which are not;
 * returns how many. */
size_t sync_check_pins(struct sync *s, const struct plan *pl, const struct item_result *res);

/* Candidates a person picked (`assetgen pick`, "picked" in the lock) stay
 * chosen while the recipe still makes them, whatever their verdict. */
void sync_apply_picks(struct sync *s, struct plan *pl, struct index *ix, struct store *st);

/* Upload what this build made (when uploads are on). */
void sync_upload(struct sync *s, const struct plan *pl, const struct item_result *res,
		 struct store *st, struct index *ix);
/* Record every built item in the lock and write it; with all (no subset
 * was asked for) entries of assets no longer in the project are dropped. */
int sync_update_lock(struct sync *s, const struct project *p, const struct plan *pl,
		     const struct item_result *res, struct store *st, struct index *ix, int all);
/* Assets whose current key the lock does not pin: printed, counted. */
size_t sync_stale_lock(struct sync *s, const struct plan *pl, int print);
/* "remote cache URL: 3 hits, 1 miss, ..." */
void sync_print(const struct sync *s);

#endif
