/* pool.h - a parallel for: njobs independent jobs across a few threads */
#ifndef POOL_H
#define POOL_H

#include <stddef.h>

/* The most threads one pool_run uses, the calling thread included. */
#define POOL_MAX_THREADS 64

/* One job: job is in [0, njobs); worker names the thread running it, in
 * [0, nthreads), 0 being the calling thread.  One worker runs its jobs one
 * after the other, so state indexed by worker (scratch buffers made on a
 * worker's first job) needs no lock; jobs of different workers run at the
 * same time and must touch only what is theirs, or what is read-only. */
typedef void pool_fn(void *arg, size_t job, int worker);

/* Run fn(arg, job, worker) once for each job in [0, njobs), on up to
 * nthreads threads (at most POOL_MAX_THREADS and njobs; below 1 means 1):
 * the caller starts nthreads - 1 threads and works too, each thread taking
 * the next job not yet taken until none is left.  A thread that cannot be
 * started is no error: its jobs are run by the others, on the calling
 * thread at the least.  Returns once every job has returned (what the jobs
 * wrote is then visible to the caller), with the number of threads that
 * took part: 1 to nthreads, or 0 when njobs is 0.  Nothing is allocated:
 * the threads are started on each call (a few tens of microseconds each),
 * so a job should be worth more than that.  Which jobs each worker runs
 * varies from run to run: results must not depend on it. */
int pool_run(int nthreads, size_t njobs, pool_fn *fn, void *arg);

#endif
