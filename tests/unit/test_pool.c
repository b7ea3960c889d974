/* test_pool.c - the parallel for: every job once, on the threads asked
 * for, one job at a time per worker, and threads that cannot be started
 * (pthread_create is interposed here to fail on demand) */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pool.h"
#include "test.h"

/* ---- pthread_create, failing on demand ---- */

static _Atomic int create_calls;        /* calls since reset_create() */
static int create_fail_all;             /* fail every call */
static int create_fail_nth;             /* fail call number n (1-based), 0: none */

int
pthread_create(pthread_t *restrict tid, const pthread_attr_t *restrict attr,
	       void *(*start)(void *), void *restrict arg)
{
	static int (*real)(pthread_t *restrict, const pthread_attr_t *restrict,
			   void *(*)(void *), void *restrict);
	int call = atomic_fetch_add(&create_calls, 1) + 1;

	if (create_fail_all || call == create_fail_nth)
		return EAGAIN;
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "pthread_create");
	return real ? real(tid, attr, start, arg) : EAGAIN;
}

static void
reset_create(int fail_all, int fail_nth)
{
	atomic_store(&create_calls, 0);
	create_fail_all = fail_all;
	create_fail_nth = fail_nth;
}

/* ---- a job that records what ran it ---- */

#define NJOBS_MAX 20000

struct record {
	size_t njobs;
	_Atomic int runs[NJOBS_MAX];            /* times each job ran */
	int worker[NJOBS_MAX];                  /* which worker ran it */
	pthread_t thread[NJOBS_MAX];            /* on which thread */
	_Atomic int busy[POOL_MAX_THREADS];     /* a job of this worker is running */
	_Atomic int overlaps;                   /* two jobs of one worker at once */
	_Atomic int bad_worker;                 /* a worker id out of range */
	int max_worker;                         /* ids must stay below this */
	_Atomic size_t order_next;              /* for checking the order, one thread */
	_Atomic int out_of_order;
};

static struct record rec;

static void
record_reset(size_t njobs, int max_worker)
{
	memset(&rec, 0, sizeof(rec));
	rec.njobs = njobs;
	rec.max_worker = max_worker;
}

static void
record_job(void *arg, size_t job, int worker)
{
	struct record *r = arg;

	if (worker < 0 || worker >= r->max_worker || job >= r->njobs) {
		atomic_store(&r->bad_worker, 1);
		return;
	}
	if (atomic_exchange(&r->busy[worker], 1))
		atomic_store(&r->overlaps, 1);
	if (atomic_fetch_add(&r->order_next, 1) != job)
		atomic_store(&r->out_of_order, 1);
	atomic_fetch_add(&r->runs[job], 1);
	r->worker[job] = worker;
	r->thread[job] = pthread_self();
	atomic_store(&r->busy[worker], 0);
}

static int
each_ran_once(size_t njobs)
{
	size_t i;

	for (i = 0; i < njobs; i++)
		if (atomic_load(&rec.runs[i]) != 1)
			return 0;
	return 1;
}

/* ---- tests ---- */

static void
test_every_job_once(void)
{
	int n;

	reset_create(0, 0);
	record_reset(NJOBS_MAX, 4);
	n = pool_run(4, NJOBS_MAX, record_job, &rec);
	CHECK(n == 4);
	CHECK(each_ran_once(NJOBS_MAX));
	CHECK(!atomic_load(&rec.bad_worker));
	CHECK(!atomic_load(&rec.overlaps));
	CHECK(atomic_load(&create_calls) == 3);
}

static void
test_one_thread_is_the_caller(void)
{
	size_t i;
	int ok = 1;

	reset_create(0, 0);
	record_reset(1000, 1);
	CHECK(pool_run(1, 1000, record_job, &rec) == 1);
	CHECK(each_ran_once(1000));
	CHECK(!atomic_load(&rec.bad_worker));
	/* in order, on this thread, without starting one */
	CHECK(!atomic_load(&rec.out_of_order));
	for (i = 0; i < 1000; i++)
		ok &= rec.worker[i] == 0 && pthread_equal(rec.thread[i], pthread_self());
	CHECK(ok);
	CHECK(atomic_load(&create_calls) == 0);

	/* below 1 means 1 */
	record_reset(10, 1);
	CHECK(pool_run(0, 10, record_job, &rec) == 1);
	CHECK(each_ran_once(10));
	record_reset(10, 1);
	CHECK(pool_run(-3, 10, record_job, &rec) == 1);
	CHECK(each_ran_once(10));
	CHECK(!atomic_load(&rec.bad_worker));
	CHECK(atomic_load(&create_calls) == 0);
}

static void
test_many_threads_capped(void)
{
	reset_create(0, 0);
	record_reset(NJOBS_MAX, POOL_MAX_THREADS);
	CHECK(pool_run(1000, NJOBS_MAX, record_job, &rec) == POOL_MAX_THREADS);
	CHECK(each_ran_once(NJOBS_MAX));
	CHECK(!atomic_load(&rec.bad_worker));
	CHECK(!atomic_load(&rec.overlaps));
	CHECK(atomic_load(&create_calls) == POOL_MAX_THREADS - 1);
}

static void
test_more_threads_than_jobs(void)
{
	reset_create(0, 0);
	record_reset(3, 3);
	CHECK(pool_run(16, 3, record_job, &rec) == 3);
	CHECK(each_ran_once(3));
	CHECK(!atomic_load(&rec.bad_worker));   /* ids 0..2 only */
	CHECK(atomic_load(&create_calls) == 2);
}

static void
test_zero_jobs(void)
{
	reset_create(0, 0);
	record_reset(1, 1);
	CHECK(pool_run(4, 0, record_job, &rec) == 0);
	CHECK(atomic_load(&rec.order_next) == 0);       /* fn never called */
	CHECK(atomic_load(&create_calls) == 0);         /* no thread started */
}

/* Two jobs that each wait for the other to start: they can only both
 * finish if two threads really run at once. */
static _Atomic int met;

static void
meet_job(void *arg, size_t job, int worker)
{
	struct timespec t = { 0, 1000000 };
	int i;

	(void)job;
	(void)worker;
	atomic_fetch_add(&met, 1);
	for (i = 0; i < 10000 && atomic_load(&met) < 2; i++)
		nanosleep(&t, NULL);
	if (atomic_load(&met) >= 2)
		atomic_fetch_add((_Atomic int *)arg, 1);
}

static void
test_threads_run_together(void)
{
	_Atomic int both = 0;

	reset_create(0, 0);
	atomic_store(&met, 0);
	CHECK(pool_run(2, 2, meet_job, &both) == 2);
	CHECK(atomic_load(&both) == 2);
}

static void
test_no_thread_starts(void)
{
	size_t i;
	int ok = 1;

	reset_create(1, 0);
	record_reset(5000, 8);
	CHECK(pool_run(8, 5000, record_job, &rec) == 1);
	CHECK(atomic_load(&create_calls) == 7);         /* each was tried */
	CHECK(each_ran_once(5000));
	CHECK(!atomic_load(&rec.bad_worker));
	CHECK(!atomic_load(&rec.out_of_order));         /* all inline, in order */
	for (i = 0; i < 5000; i++)
		ok &= rec.worker[i] == 0 && pthread_equal(rec.thread[i], pthread_self());
	CHECK(ok);
	reset_create(0, 0);
}

static void
test_one_thread_fails(void)
{
	size_t i;
	int ok = 1;

	/* of the three threads for workers 1..3, the second cannot start */
	reset_create(0, 2);
	record_reset(NJOBS_MAX, 4);
	CHECK(pool_run(4, NJOBS_MAX, record_job, &rec) == 3);
	CHECK(atomic_load(&create_calls) == 3);
	CHECK(each_ran_once(NJOBS_MAX));
	CHECK(!atomic_load(&rec.bad_worker));
	CHECK(!atomic_load(&rec.overlaps));
	for (i = 0; i < NJOBS_MAX; i++)
		ok &= rec.worker[i] != 2;               /* its id is never used */
	CHECK(ok);
	reset_create(0, 0);
}

int
main(void)
{
	RUN(test_every_job_once);
	RUN(test_one_thread_is_the_caller);
	RUN(test_many_threads_capped);
	RUN(test_more_threads_than_jobs);
	RUN(test_zero_jobs);
	RUN(test_threads_run_together);
	RUN(test_no_thread_starts);
	RUN(test_one_thread_fails);
	return TEST_DONE();
}
