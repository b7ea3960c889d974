/* build.c - scheduler: a pool of workers runs the plan's steps */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "artifact.h"
#include "build.h"
#include "index.h"
#include "os.h"
#include "pngio.h"
#include "provider.h"
#include "resample.h"
#include "util.h"

volatile sig_atomic_t build_interrupted;

struct pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct plan *pl;
	struct store *st;
	const struct build_opts *o;
	struct item_result *results;
	size_t *work;             /* indices of items with something to do */
	size_t nwork;
	size_t next;              /* next entry of work to take */
	size_t *done;             /* finished entries, in finishing order */
	size_t ndone;
	int stop;                 /* no more dispatching */
	double committed;         /* spend dispatched so far */
	int outfd;
	int rthreads;             /* threads per upscale */
};

struct worker {
	struct pool *pool;
	struct index *ix;         /* this thread's own connection */
	pthread_t thread;
};

const char *
outcome_name(enum outcome o)
{
	switch (o) {
	case OUT_FRESH: return "fresh";
	case OUT_RESTORED: return "restore";
	case OUT_UPSCALED: return "upscale";
	case OUT_GENERATED: return "generate";
	case OUT_FAILED: return "failed";
	case OUT_SKIPPED: return "skipped";
	}
	return "?";
}

static void
record_action(struct worker *w, const struct key *key, const struct key *digest, size_t size,
	      const char *stage, const char *model, int fallback, double cost)
{
	struct action act;

	if (!w->ix)
		return;
	memset(&act, 0, sizeof(act));
	act.digest = *digest;
	act.size = size;
	snprintf(act.stage, sizeof(act.stage), "%s", stage);
	snprintf(act.model, sizeof(act.model), "%s", model);
	act.fallback = fallback;
	act.cost = cost;
	index_action_put(w->ix, key, &act);
}

static int
place(struct worker *w, const struct plan_item *it, const struct plan_cand *c,
      const struct buf *png, const struct key *digest, char **err)
{
	struct output_rec rec;
	struct stat sb;

	if (os_write_atomic(w->pool->outfd, it->out_name, png->data, png->len) < 0) {
		*err = xasprintf("cannot write '%s': %s", it->out_rel, strerror(errno));
		return -1;
	}
	if (!w->ix || fstatat(w->pool->outfd, it->out_name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	plan_output_rec(it, c, digest, &rec);
	rec.size = (int64_t)sb.st_size;
	rec.mtime_ns = os_mtime_ns(&sb);
	rec.ino = (int64_t)sb.st_ino;
	index_output_put(w->ix, &rec);
	plan_output_rec_release(&rec);
	return 0;
}

static int
stage_upscale(struct worker *w, const struct plan_item *it, const struct plan_cand *c,
	      int fallback, const struct image *gen, const struct meta *gen_meta,
	      struct buf *png, struct key *digest, char **err)
{
	const struct upscale *up = &it->asset->upscale;
	enum resample_filter f;
	struct image img;
	struct meta m = {0};
	uint32_t width, height;
	int r;

	if (resample_filter_parse(up->with, &f) < 0) {
		*err = xasprintf("upscaling with model '%s' is not available in this build", up->with);
		return -1;
	}
	if (up->kind == UPSCALE_FACTOR) {
		width = gen->width * up->factor;
		height = gen->height * up->factor;
	} else {
		width = up->width;
		height = up->height;
	}
	if (resample(gen, width, height, f, w->pool->rthreads, &img) < 0) {
		*err = xasprintf("cannot upscale to %ux%u", width, height);
		return -1;
	}
	artifact_meta_upscale(&m, gen_meta, up, &c->gen_key, &c->final_key);
	buf_reset(png);
	r = pngio_encode(&img, &m, PNGIO_LEVEL_DEFAULT, png, err);
	image_release(&img);
	meta_release(&m);
	if (r < 0)
		return -1;
	if (store_put(w->pool->st, png->data, png->len, digest) < 0) {
		*err = xstrdup("cannot store the upscaled image in the cache");
		return -1;
	}
	record_action(w, &c->final_key, digest, png->len, "upscale", up->with, fallback, 0);
	return 0;
}

static int
stage_generate(struct worker *w, const struct plan_item *it, size_t ci, struct image *img,
	       struct meta *m, struct buf *png, struct key *digest, char **err)
{
	const struct asset *a = it->asset;
	const struct plan_cand *c = &it->cands[ci];
	struct render_req req;
	struct model_id id;
	struct meta extra = {0};

	if (!c->provider || !c->provider->render) {
		*err = xasprintf("model '%s': provider '%s' is not available in this build",
				 c->model->name, c->model->provider);
		return -1;
	}
	req.prompt = a->prompt;
	req.negative_prompt = a->negative_prompt;
	req.seed = a->seed;
	req.width = a->width;
	req.height = a->height;
	req.params = c->params;
	req.nparams = c->nparams;
	if (c->provider->render(c->model, &req, img, &extra, err) < 0) {
		meta_release(&extra);
		return -1;
	}
	model_id_of(c->model, c->provider->impl, &id);
	artifact_meta_generation(m, a, &id, c->params, c->nparams, &c->gen_key, &extra);
	meta_release(&extra);
	buf_reset(png);
	if (pngio_encode(img, m, PNGIO_LEVEL_DEFAULT, png, err) < 0)
		return -1;
	if (store_put(w->pool->st, png->data, png->len, digest) < 0) {
		*err = xstrdup("cannot store the generated image in the cache");
		return -1;
	}
	record_action(w, &c->gen_key, digest, png->len, "gen", c->model->name, ci > 0, c->model->cost);
	return 0;
}

/* Generate with the candidates in order, then upscale and place. */
static int
run_generate(struct worker *w, const struct plan_item *it, struct item_result *res)
{
	struct image img = {0};
	struct meta m = {0};
	struct buf png = BUF_INIT;
	struct key digest;
	char *err = NULL;
	size_t ci;
	int r = -1;

	for (ci = 0; ci < it->ncands; ci++) {
		res->attempts++;
		free(err);
		err = NULL;
		if (stage_generate(w, it, ci, &img, &m, &png, &digest, &err) == 0)
			break;
		image_release(&img);
		meta_release(&m);
	}
	if (ci == it->ncands)
		goto out;
	res->model = it->cands[ci].model->name;
	res->fallback = ci > 0;
	res->cost = it->cands[ci].model->cost;
	if (it->asset->upscale.kind != UPSCALE_NONE &&
	    stage_upscale(w, it, &it->cands[ci], ci > 0, &img, &m, &png, &digest, &err) < 0)
		goto out;
	if (place(w, it, &it->cands[ci], &png, &digest, &err) < 0)
		goto out;
	res->digest = digest;
	res->outcome = OUT_GENERATED;
	r = 0;
out:
	if (r < 0) {
		res->outcome = OUT_FAILED;
		res->err = err ? err : xstrdup("no candidate model");
	} else {
		free(err);
	}
	image_release(&img);
	meta_release(&m);
	buf_release(&png);
	return r;
}

/* The generation is cached: decode it and upscale. */
static int
run_upscale(struct worker *w, const struct plan_item *it, struct item_result *res)
{
	const struct plan_cand *c = &it->cands[it->chosen];
	struct image img = {0};
	struct meta m = {0};
	struct buf png = BUF_INIT;
	struct key digest;
	char *err = NULL;
	int r = -1;

	if (store_get(w->pool->st, &it->gen_digest, &png) != STORE_OK)
		goto out;
	if (pngio_decode(png.data, png.len, &img, &m, &err) < 0) {
		warn("cached image for '%s' does not decode (%s); generating again",
		     it->asset->name, err);
		free(err);
		err = NULL;
		goto out;
	}
	r = -2;
	if (stage_upscale(w, it, c, it->chosen > 0, &img, &m, &png, &digest, &err) < 0 ||
	    place(w, it, c, &png, &digest, &err) < 0)
		goto out;
	res->model = c->model->name;
	res->digest = digest;
	res->saved = it->saved;
	res->outcome = OUT_UPSCALED;
	r = 0;
out:
	if (r == -2) {
		res->outcome = OUT_FAILED;
		res->err = err;
	}
	image_release(&img);
	meta_release(&m);
	buf_release(&png);
	return r;     /* -1: the cached generation is unusable, generate */
}

static void
run_item(struct worker *w, const struct plan_item *it, struct item_result *res)
{
	const struct plan_cand *c;
	struct buf png = BUF_INIT;
	char *err = NULL;

	switch (it->action) {
	case PLAN_RESTORE:
		c = &it->cands[it->chosen];
		if (store_get(w->pool->st, &it->digest, &png) == STORE_OK) {
			if (place(w, it, c, &png, &it->digest, &err) < 0) {
				res->outcome = OUT_FAILED;
				res->err = err;
			} else {
				res->outcome = OUT_RESTORED;
				res->model = c->model->name;
				res->digest = it->digest;
				res->saved = it->saved;
			}
			buf_release(&png);
			return;
		}
		buf_release(&png);
		/* the blob is gone or corrupt: a miss */
		if (w->ix)
			index_action_delete(w->ix, &c->final_key);
		if (it->asset->upscale.kind != UPSCALE_NONE) {
			struct action act;

			if (w->ix && index_action_get(w->ix, &c->gen_key, &act) == 1) {
				struct plan_item copy = *it;

				copy.gen_digest = act.digest;
				if (run_upscale(w, &copy, res) == 0 || res->outcome == OUT_FAILED)
					return;
			}
		}
		run_generate(w, it, res);
		return;
	case PLAN_UPSCALE:
		if (run_upscale(w, it, res) == 0 || res->outcome == OUT_FAILED)
			return;
		if (w->ix)
			index_action_delete(w->ix, &it->cands[it->chosen].gen_key);
		run_generate(w, it, res);
		return;
	case PLAN_GENERATE:
		run_generate(w, it, res);
		return;
	case PLAN_FRESH:
	case PLAN_UNROUTABLE:
		break;
	}
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct pool *p = w->pool;
	int fresh;

	w->ix = index_open(p->o->cache_dir, &fresh);
	pthread_mutex_lock(&p->mu);
	while (p->next < p->nwork) {
		size_t e = p->next++;
		size_t i = p->work[e];
		struct plan_item *it = &p->pl->items[i];
		struct item_result *res = &p->results[i];
		uint64_t t0;

		if (p->stop || build_interrupted) {
			res->outcome = OUT_SKIPPED;
			res->err = xstrdup(build_interrupted ? "interrupted" : "not started: an earlier step failed");
		} else if (it->action == PLAN_GENERATE && p->o->per_build >= 0 &&
			   p->committed + it->cost > p->o->per_build + 1e-9) {
			res->outcome = OUT_SKIPPED;
			res->err = xasprintf("not started: would exceed budget.per_build (%.2f spent or committed,"
					     " this asset costs %.2f, cap %.2f)", p->committed, it->cost,
					     p->o->per_build);
		} else {
			p->committed += it->action == PLAN_GENERATE ? it->cost : 0;
			pthread_mutex_unlock(&p->mu);
			t0 = now_ns();
			run_item(w, it, res);
			res->seconds = (double)(now_ns() - t0) / 1e9;
			pthread_mutex_lock(&p->mu);
			if (res->outcome == OUT_FAILED && !p->o->keep_going)
				p->stop = 1;
		}
		p->done[p->ndone++] = i;
		pthread_cond_broadcast(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	index_close(w->ix);
	return NULL;
}

static int
ncpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (int)n : 1;
}

static void
report(struct status *status, const struct plan_item *it, const struct item_result *res)
{
	switch (res->outcome) {
	case OUT_FAILED:
		status_failed(status, it->asset->name, res->err);
		break;
	case OUT_SKIPPED:
		status->done++;
		if (status->level >= STATUS_VERBOSE || !str_has_prefix(res->err, "not started: an earlier"))
			status_printf(status, "skipped %s: %s\n", it->asset->name, res->err);
		break;
	default:
		status_step(status, outcome_name(res->outcome), it->asset->name, res->model,
			    res->seconds, it->why);
	}
}

int
build_run(struct plan *pl, struct store *st, const struct build_opts *o,
	  struct status *status, struct item_result *results, struct build_stats *stats)
{
	struct pool p;
	struct worker *ws;
	struct timespec ts;
	size_t i, reported = 0;
	int nthreads, failed = 0;
	uint64_t t0 = now_ns();

	memset(&p, 0, sizeof(p));
	memset(stats, 0, sizeof(*stats));
	p.pl = pl;
	p.st = st;
	p.o = o;
	p.results = results;
	p.outfd = -1;
	p.work = xcalloc(pl->nitems, sizeof(*p.work));
	p.done = xcalloc(pl->nitems, sizeof(*p.done));
	for (i = 0; i < pl->nitems; i++) {
		struct plan_item *it = &pl->items[i];

		memset(&results[i], 0, sizeof(results[i]));
		if (it->action == PLAN_FRESH) {
			results[i].outcome = OUT_FRESH;
			results[i].model = it->cands[it->chosen].model->name;
			results[i].digest = it->digest;
		} else if (it->action == PLAN_UNROUTABLE) {
			results[i].outcome = OUT_FAILED;
			results[i].err = xstrdup(it->why);
		} else {
			p.work[p.nwork++] = i;
		}
	}
	for (i = 0; i < pl->nitems; i++)
		if (results[i].outcome == OUT_FAILED) {
			status_failed(status, pl->items[i].asset->name, results[i].err);
			if (!o->keep_going)
				p.stop = 1;
		}

	if (p.nwork) {
		if (os_mkdirs(o->out_dir, 0755) < 0 ||
		    (p.outfd = open(o->out_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
			warn("cannot create output directory '%s':", o->out_dir);
			p.stop = 1;
		} else {
			os_clean_stale_tmp(p.outfd);
		}
	}
	nthreads = o->jobs > 0 ? o->jobs : ncpus();
	if ((size_t)nthreads > p.nwork)
		nthreads = (int)p.nwork;
	p.rthreads = ncpus() / (nthreads ? nthreads : 1);
	if (p.rthreads < 1)
		p.rthreads = 1;
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.cv, NULL);
	ws = xcalloc((size_t)nthreads + 1, sizeof(*ws));
	for (i = 0; i < (size_t)nthreads; i++) {
		ws[i].pool = &p;
		if (pthread_create(&ws[i].thread, NULL, worker_main, &ws[i]) != 0)
			fatal("cannot start worker thread:");
	}

	pthread_mutex_lock(&p.mu);
	while (reported < p.nwork) {
		while (reported < p.ndone) {
			size_t k = p.done[reported++];

			report(status, &pl->items[k], &results[k]);
		}
		if (reported == p.nwork)
			break;
		if (build_interrupted)
			p.stop = 1;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&p.cv, &p.mu, &ts);
	}
	pthread_mutex_unlock(&p.mu);
	for (i = 0; i < (size_t)nthreads; i++)
		pthread_join(ws[i].thread, NULL);
	free(ws);
	pthread_mutex_destroy(&p.mu);
	pthread_cond_destroy(&p.cv);
	if (p.outfd >= 0)
		close(p.outfd);

	for (i = 0; i < pl->nitems; i++) {
		stats->counts[results[i].outcome]++;
		stats->spent += results[i].cost;
		stats->saved += results[i].saved;
		if (results[i].outcome == OUT_FAILED || results[i].outcome == OUT_SKIPPED)
			failed = 1;
	}
	stats->seconds = (double)(now_ns() - t0) / 1e9;
	stats->interrupted = build_interrupted;
	free(p.work);
	free(p.done);
	return failed ? -1 : 0;
}
