/* ready.c - a ready queue fed by dependency counts */
#include <stdlib.h>

#include "ready.h"
#include "util.h"

struct ready {
	size_t n;
	size_t *waiting;        /* per task: inputs not yet finished */
	size_t *blocker;        /* per task: failed input's item + 1, or 0 */
	unsigned char *started;
	size_t *deps;           /* dependants of task t: deps[first[t] .. first[t + 1]) */
	size_t *first;
	size_t *queue;          /* ready tasks, in the order they became ready */
	size_t head, tail;
	size_t *bytask_item;
};

struct ready *
ready_new(const struct plan *pl, const size_t *items, size_t n, const unsigned char *failed)
{
	struct ready *q = xcalloc(1, sizeof(*q));
	size_t *task_of = xcalloc(pl->nitems + 1, sizeof(*task_of));   /* item -> task + 1 */
	size_t t, i, up, nedges = 0, *fill;
	const struct asset *a;

	q->n = n;
	q->waiting = xcalloc(n + 1, sizeof(*q->waiting));
	q->blocker = xcalloc(n + 1, sizeof(*q->blocker));
	q->started = xcalloc(n + 1, 1);
	q->first = xcalloc(n + 2, sizeof(*q->first));
	q->queue = xcalloc(n + 1, sizeof(*q->queue));
	q->bytask_item = xcalloc(n + 1, sizeof(*q->bytask_item));
	for (t = 0; t < n; t++) {
		task_of[items[t]] = t + 1;
		q->bytask_item[t] = items[t];
	}
	/* count the edges into each upstream task, then fill them */
	for (t = 0; t < n; t++) {
		a = pl->items[items[t]].asset;
		for (i = 0; i < a->ninputs; i++) {
			if (!a->inputs[i].asset || !(up = pl->byasset[a->inputs[i].upstream]))
				continue;
			up--;
			if (task_of[up]) {
				q->first[task_of[up] - 1 + 1]++;
				q->waiting[t]++;
				nedges++;
			} else if (failed && failed[up] && !q->blocker[t]) {
				q->blocker[t] = up + 1;
			}
		}
	}
	for (t = 0; t < n; t++)
		q->first[t + 1] += q->first[t];
	q->deps = xcalloc(nedges + 1, sizeof(*q->deps));
	fill = xcalloc(n + 1, sizeof(*fill));
	for (t = 0; t < n; t++) {
		a = pl->items[items[t]].asset;
		for (i = 0; i < a->ninputs; i++) {
			if (!a->inputs[i].asset || !(up = pl->byasset[a->inputs[i].upstream]))
				continue;
			if (task_of[up - 1]) {
				size_t u = task_of[up - 1] - 1;

				q->deps[q->first[u] + fill[u]++] = t;
			}
		}
	}
	free(fill);
	free(task_of);
	for (t = 0; t < n; t++)
		if (!q->waiting[t])
			q->queue[q->tail++] = t;
	return q;
}

void
ready_free(struct ready *q)
{
	if (!q)
		return;
	free(q->waiting);
	free(q->blocker);
	free(q->started);
	free(q->deps);
	free(q->first);
	free(q->queue);
	free(q->bytask_item);
	free(q);
}

size_t
ready_next(struct ready *q, int all, size_t *blocker)
{
	size_t t;

	while (q->head < q->tail) {
		t = q->queue[q->head++];
		if (q->started[t])
			continue;
		q->started[t] = 1;
		*blocker = q->blocker[t];
		return t;
	}
	for (t = 0; all && t < q->n; t++) {
		if (!q->started[t]) {
			q->started[t] = 1;
			*blocker = q->blocker[t];
			return t;
		}
	}
	*blocker = 0;
	return READY_NONE;
}

void
ready_done(struct ready *q, size_t t, int ok)
{
	size_t k, d;

	for (k = q->first[t]; k < q->first[t + 1]; k++) {
		d = q->deps[k];
		if (!ok && !q->blocker[d])
			q->blocker[d] = q->bytask_item[t] + 1;
		if (q->waiting[d] && --q->waiting[d] == 0 && !q->started[d])
			q->queue[q->tail++] = d;
	}
}
