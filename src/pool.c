/* pool.c - the parallel for: independent jobs across a few threads
 *
 * pool_run() starts its threads, works alongside them on the calling
 * thread, and joins them; the jobs are handed out one at a time from a
 * shared atomic counter, so a slow job or a thread that started late
 * leaves the rest to the others.  The state lives on the caller's stack:
 * nothing is allocated, per call or per job.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "pool.h"

struct pool {
	pool_fn *fn;
	void *arg;
	size_t njobs;
	_Atomic size_t next;    /* the next job to hand out */
};

struct pool_worker {
	struct pool *pool;
	int id;
	pthread_t tid;
};

static void
pool_work(struct pool *p, int id)
{
	size_t job;

	while ((job = atomic_fetch_add_explicit(&p->next, 1, memory_order_relaxed)) < p->njobs)
		p->fn(p->arg, job, id);
}

static void *
pool_main(void *arg)
{
	struct pool_worker *w = arg;

	pool_work(w->pool, w->id);
	return NULL;
}

int
pool_run(int nthreads, size_t njobs, pool_fn *fn, void *arg)
{
	struct pool p;
	struct pool_worker ws[POOL_MAX_THREADS];
	int n, i, nstarted = 0;

	if (njobs == 0)
		return 0;
	n = nthreads < 1 ? 1 : nthreads > POOL_MAX_THREADS ? POOL_MAX_THREADS : nthreads;
	if ((size_t)n > njobs)
		n = (int)njobs;
	p.fn = fn;
	p.arg = arg;
	p.njobs = njobs;
	atomic_init(&p.next, 0);
	/* the started threads keep their ids: ws[1..nstarted] are the ones
	 * to join, and a failed start only leaves its id unused */
	for (i = 1; i < n; i++) {
		struct pool_worker *w = &ws[nstarted + 1];

		w->pool = &p;
		w->id = i;
		if (pthread_create(&w->tid, NULL, pool_main, w) == 0)
			nstarted++;
	}
	pool_work(&p, 0);
	for (i = 1; i <= nstarted; i++)
		pthread_join(ws[i].tid, NULL);
	return 1 + nstarted;
}
