/* ready.h - the order a build starts its tasks in: each after its inputs
 *
 * A task is ready when every task making an asset it takes as an input
 * (`inputs: [{asset: NAME}]`, refs.h) has finished; ready tasks start in
 * plan order, so independent branches run side by side under -j.  A task
 * whose input failed, or was skipped, comes out blocked: the scheduler
 * skips it (and so, in turn, its own dependants).
 */
#ifndef READY_H
#define READY_H

#include <stddef.h>

#include "plan.h"

#define READY_NONE ((size_t)-1)

struct ready;

/* Tasks 0..n-1 build plan items items[0..n-1]; every other item of the
 * plan is settled already (fresh, or failed when failed[item] is set). */
struct ready *ready_new(const struct plan *pl, const size_t *items, size_t n,
			const unsigned char *failed);
void ready_free(struct ready *q);

/* The next task to start, or READY_NONE when none is ready yet; with
 * all set, any task not yet started (a stopped build skips them).
 * *blocker gets the plan item whose failure blocks it, + 1 (0: none). */
size_t ready_next(struct ready *q, int all, size_t *blocker);

/* Task t finished, made (ok) or not. */
void ready_done(struct ready *q, size_t t, int ok);

#endif
