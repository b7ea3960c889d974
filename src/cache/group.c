/* cache/group.c - group commit: one sync, then one transaction, per group */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "group.h"
#include "plan.h"
#include "util.h"

struct row {
	int is_output;
	struct key key;
	struct action act;
	struct output_rec out;
	struct row *next;
};

struct group {
	struct store *st;
	struct index *ix;
	int outfd;              /* -1 when on the cache's filesystem */
	void (*wake)(void *arg);
	void *arg;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;      /* something handed in, or quit */
	struct row *head, *tail;
	uint64_t issued;        /* the last ticket handed out */
	uint64_t durable;       /* the last ticket made durable */
	int quit;
};

static void
flush(struct group *g, struct row *rows)
{
	struct row *r, *next;

	store_sync(g->st);
	if (g->outfd >= 0 && syncfs(g->outfd) < 0)
		warn("cannot sync the output directory:");
	if (rows && g->ix && index_begin(g->ix) == 0) {
		for (r = rows; r; r = r->next)
			if (r->is_output)
				index_output_put(g->ix, &r->out);
			else
				index_action_put(g->ix, &r->key, &r->act);
		index_commit(g->ix);
	}
	for (r = rows; r; r = next) {
		next = r->next;
		if (r->is_output)
			plan_output_rec_release(&r->out);
		free(r);
	}
}

static void *
flusher(void *arg)
{
	struct group *g = arg;
	struct row *rows;
	uint64_t upto;

	pthread_mutex_lock(&g->mu);
	for (;;) {
		while (g->durable == g->issued && !g->quit)
			pthread_cond_wait(&g->cv, &g->mu);
		if (g->durable == g->issued)
			break;
		rows = g->head;
		g->head = g->tail = NULL;
		upto = g->issued;
		pthread_mutex_unlock(&g->mu);

		flush(g, rows);

		pthread_mutex_lock(&g->mu);
		g->durable = upto;
		if (g->wake)
			g->wake(g->arg);
	}
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

struct group *
group_open(struct store *st, const char *cache_dir, int outfd, void (*wake)(void *arg), void *arg)
{
	struct group *g = xcalloc(1, sizeof(*g));
	struct stat a, b;
	int fresh;

	g->st = st;
	g->outfd = -1;
	if (outfd >= 0 && (fstat(st->objfd, &a) < 0 || fstat(outfd, &b) < 0 || a.st_dev != b.st_dev))
		g->outfd = outfd;
	g->wake = wake;
	g->arg = arg;
	if (cache_dir && (g->ix = index_open(cache_dir, &fresh)))
		index_sync_full(g->ix);
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->cv, NULL);
	if (pthread_create(&g->thread, NULL, flusher, g) != 0)
		fatal("cannot start the cache's sync thread:");
	return g;
}

static uint64_t
hand_in(struct group *g, struct row *r)
{
	uint64_t t;

	pthread_mutex_lock(&g->mu);
	if (r) {
		if (g->tail)
			g->tail->next = r;
		else
			g->head = r;
		g->tail = r;
	}
	t = ++g->issued;
	pthread_cond_signal(&g->cv);
	pthread_mutex_unlock(&g->mu);
	return t;
}

uint64_t
group_file(struct group *g)
{
	return hand_in(g, NULL);
}

uint64_t
group_action(struct group *g, const struct key *key, const struct action *a)
{
	struct row *r = xcalloc(1, sizeof(*r));

	r->key = *key;
	r->act = *a;
	return hand_in(g, r);
}

uint64_t
group_output(struct group *g, struct output_rec *out)
{
	struct row *r = xcalloc(1, sizeof(*r));

	r->is_output = 1;
	r->out = *out;
	memset(out, 0, sizeof(*out));
	return hand_in(g, r);
}

uint64_t
group_durable(struct group *g)
{
	uint64_t d;

	pthread_mutex_lock(&g->mu);
	d = g->durable;
	pthread_mutex_unlock(&g->mu);
	return d;
}

void
group_close(struct group *g)
{
	if (!g)
		return;
	pthread_mutex_lock(&g->mu);
	g->quit = 1;
	pthread_cond_signal(&g->cv);
	pthread_mutex_unlock(&g->mu);
	pthread_join(g->thread, NULL);
	pthread_mutex_destroy(&g->mu);
	pthread_cond_destroy(&g->cv);
	index_close(g->ix);
	free(g);
}
