/* cache/reindex.h - whole-cache operations: re-index from blobs, verify, stats */
#ifndef CACHE_H
#define CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "index.h"
#include "store.h"

struct cache_check {
	size_t blobs;             /* blobs seen */
	uint64_t bytes;
	size_t corrupt;           /* bytes do not match the name */
	size_t removed;           /* corrupt blobs removed (repair) */
	size_t indexed;           /* actions (re)recorded from blob metadata */
	size_t unkeyed;           /* blobs without an assetgen key inside */
	size_t dangling;          /* index entries whose blob is gone */
};

/* Re-hash every blob and record in ix each good blob's key (from the
 * metadata inside it): this is both `cache verify` and the recovery of a
 * lost index.  With repair, corrupt blobs are removed and index entries
 * pointing at missing blobs dropped; without it they are only counted.
 * -1 when the index could not be written (nothing of this run kept). */
int cache_reindex(struct store *st, struct index *ix, int repair, struct cache_check *out);

#endif
