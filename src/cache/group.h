/* cache/group.h - group commit: many artifacts made durable by one sync
 *
 * A build writes its blobs and outputs without an fsync each, and hands
 * the index rows that name them to the group.  A flusher thread takes
 * everything handed in so far as one group: one syncfs() of the cache's
 * filesystem (and of the outputs', when that is another), then the
 * group's rows in one sqlite transaction, committed with
 * synchronous=FULL, then it advances the durable mark and calls wake().
 * While one group syncs, the next gathers, as in git's batched fsync.
 *
 * Why nothing reported as made can be lost to a power cut: every write
 * a group covers (the blob's and the output's temp file, and the rename
 * that names it) is finished before it is handed in, syncfs() returns
 * only once all of a filesystem's dirty data and metadata are on stable
 * storage, and the rows are committed after it, so a row never names a
 * blob the disk may not have; the build reports an asset as made only
 * once its ticket is at or below group_durable().  A crash before that
 * loses the asset's work, never correctness: reads verify every blob
 * and the output records.
 */
#ifndef GROUP_H
#define GROUP_H

#include <stdint.h>

#include "cache/index.h"
#include "cache/store.h"

struct group;

/* Start a flusher for st and the output directory outfd; rows go to a
 * connection of its own on cache_dir (none when cache_dir is NULL or the
 * index cannot be opened).  wake(arg) is called from the flusher's
 * thread after each group. */
struct group *group_open(struct store *st, const char *cache_dir, int outfd,
			 void (*wake)(void *arg), void *arg);
/* Hand in: a file written without a sync, or a row (the output record's
 * strings are taken over, r is cleared).  Each returns a ticket: the
 * write is durable once group_durable() reaches it.  Thread-safe. */
uint64_t group_file(struct group *g);
uint64_t group_action(struct group *g, const struct key *key, const struct action *a);
uint64_t group_output(struct group *g, struct output_rec *r);
/* The highest ticket made durable so far. */
uint64_t group_durable(struct group *g);
/* Make everything handed in durable, stop the flusher, free g. */
void group_close(struct group *g);

#endif
