/* test_group.c - group commit: one sync per group, the sync before the
 * transaction that names the group's blobs */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache/group.h"
#include "cache/index.h"
#include "cache/store.h"
#include "test.h"
#include "util.h"

#define NROWS 100

/* syncfs() stands in for the kernel's: it counts the calls, notes
 * whether a row handed in before the call was already in the index, and
 * holds the first call until the test lets it go. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int nsyncs, held = 1, in_first, rows_seen_at_sync;
static const char *probe_dir;
static struct key probe_key;

int
syncfs(int fd)
{
	struct index *ix;
	struct action a;
	int fresh, first;

	(void)fd;
	pthread_mutex_lock(&mu);
	first = nsyncs++ == 0;
	pthread_mutex_unlock(&mu);
	if (probe_dir && (ix = index_open(probe_dir, &fresh))) {
		if (index_action_get(ix, &probe_key, &a) == 1)
			rows_seen_at_sync++;
		index_close(ix);
	}
	if (first) {
		pthread_mutex_lock(&mu);
		in_first = 1;
		pthread_cond_broadcast(&cv);
		while (held)
			pthread_cond_wait(&cv, &mu);
		pthread_mutex_unlock(&mu);
	}
	return 0;
}

static void
wake(void *arg)
{
	(void)arg;
}

static struct key
key_of(int i)
{
	struct key k;
	char s[32];

	snprintf(s, sizeof(s), "row %d", i);
	key_digest(s, strlen(s), &k);
	return k;
}

static void
test_one_sync_per_group(void)
{
	char tmpl[] = "/tmp/test_group.XXXXXX", *dir = mkdtemp(tmpl);
	struct store st;
	struct group *g;
	struct index *ix;
	struct action a;
	uint64_t t, last = 0;
	int i, fresh, found = 0;

	CHECK(dir != NULL);
	CHECK(store_open(&st, dir) == 0);
	ix = index_open(dir, &fresh);
	CHECK(ix != NULL);
	index_close(ix);
	g = group_open(&st, dir, -1, wake, NULL);

	/* the first row: its group's sync is held, the rest gather meanwhile */
	memset(&a, 0, sizeof(a));
	snprintf(a.stage, sizeof(a.stage), "gen");
	probe_key = key_of(0);
	probe_dir = dir;
	t = group_action(g, &probe_key, &a);
	CHECK(t == 1);
	pthread_mutex_lock(&mu);
	while (!in_first)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	probe_dir = NULL;
	for (i = 1; i < NROWS; i++) {
		struct key k = key_of(i);

		last = group_action(g, &k, &a);
	}
	CHECK(last == NROWS);
	CHECK(group_durable(g) == 0);
	pthread_mutex_lock(&mu);
	held = 0;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	group_close(g);

	/* the held sync ran before its row was committed; 99 rows, one more sync */
	CHECK(rows_seen_at_sync == 0);
	CHECK(nsyncs == 2);
	ix = index_open(dir, &fresh);
	CHECK(ix != NULL);
	for (i = 0; ix && i < NROWS; i++) {
		struct key k = key_of(i);

		found += index_action_get(ix, &k, &a) == 1;
	}
	CHECK(found == NROWS);
	index_close(ix);
	store_close(&st);
	test_rmtree(dir);
}

int
main(void)
{
	RUN(test_one_sync_per_group);
	return TEST_DONE();
}
