/* shard.h - a build split across machines, and the fan-in that joins it
 *
 * `assetgen build --shard I/N` plans the whole project, keeps the assets
 * of shard I alone (shard_of: a stable function of each asset's key, the
 * same on every machine that has the same recipes and config), builds
 * them and uploads them to the remote cache.  `assetgen build
 * --from-cache` then places every asset from the cache, calling no
 * model, and names each asset that no shard produced.
 */
#ifndef SHARD_H
#define SHARD_H

#include <stddef.h>

#include "build.h"
#include "plan.h"
#include "cache/index.h"
#include "cache/remote.h"
#include "cache/store.h"

#define SHARD_MAX 65536           /* shards in one build, at most */

struct shard {
	unsigned index;           /* I: 0 .. count-1 */
	unsigned count;           /* N; 0: the build is not sharded */
};

/* "I/N" (decimal, 0 <= I < N <= SHARD_MAX).  0, or -1 with the reason
 * warned. */
int shard_parse(const char *arg, struct shard *sh);

/* The shard of pl->items[i] among count: the low 64 bits of the final
 * key of its first candidate (the key the lock pins when the first model
 * makes it), modulo count; an asset with no candidate by its name's
 * hash. */
unsigned shard_of(const struct plan *pl, size_t i, unsigned count);

/* Keep the items of shard sh alone: the others leave the plan (their
 * items are released), and *sel (over p's assets; NULL: all) is
 * replaced by the selection of the kept ones, for a plan made again.
 * Assets joined by inputs stay together: the shard of the first of them
 * in the project (shard_of) is the shard of all, so a dependant finds
 * its inputs made on its own machine and none is made twice. */
void shard_select(struct plan *pl, const struct project *p, const struct shard *sh,
		  unsigned char **sel);

/* Upload every artifact the shard placed, those it found in its own
 * cache too: the fan-in reads them from the remote alone. */
void shard_upload(struct remote *r, const struct plan *pl, const struct item_result *res,
		  struct store *st, struct index *ix);

/* --from-cache: every item whose final artifact neither cache holds
 * becomes PLAN_MISSING, "no shard produced it"; the names are warned on
 * one line.  Returns how many. */
size_t shard_fan_in(struct plan *pl);

#endif
