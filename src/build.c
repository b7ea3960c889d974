/* build.c - the scheduler: an event loop for transfers and decisions, a
 * pool of workers for CPU work */
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
#include "fit.h"
#include "http.h"
#include "cache/group.h"
#include "cache/index.h"
#include "codec.h"
#include "jobs.h"
#include "ocr.h"
#include "os.h"
#include "overlay.h"
#include "png.h"
#include "resample.h"
#include "crypto.h"
#include "input_images.h"
#include "ready.h"
#include "seal.h"
#include "typography.h"
#include "util.h"

volatile sig_atomic_t build_interrupted;

enum task_state {
	T_QUEUED,       /* not started */
	T_READY,        /* wants its next step dispatched (maybe after ready_at) */
	T_HTTP,         /* a transfer is in flight */
	T_CPU,          /* a worker has it */
	T_DONE,
};

struct task {
	size_t item;
	enum task_state state;
	size_t cand;            /* current candidate */
	int attempt;            /* attempts on the current candidate (or upscaler) */
	int step;               /* provider follow-up step */
	int upscaling;          /* in the HTTP upscale phase */
	int committed;          /* the current candidate's cost is committed */
	int up_committed;       /* and the upscale by a model after it */
	int leased;             /* holds the lease on the current candidate's key */
	struct key lease;
	uint64_t ready_at;      /* not before (backoff), ns */
	uint64_t attempt_t0;
	uint64_t t0;
	struct render_req req;
	struct provider_call call;
	struct http_request next;   /* follow-up request to send */
	struct buf gen_png;         /* HTTP upscale: the generation, as stored */
	struct meta extra;          /* metadata from earlier steps (Ideogram's seed) */
	struct buf errors;          /* what each candidate said, for the final message */
	struct plan_check verdict;  /* the current candidate's typography verdict */
	int has_verdict;            /* verdict holds it */
	int verdict_noted;          /* and it is in the item's checks already */
	int ocr_error;              /* the check itself could not run: the asset fails */
	int resumed;                /* picked up a job an earlier build submitted (jobs.h) */
	int resubmitted;            /* submitted again, its job gone: once at most */
	char *job;                  /* its job's record at a queued API, or NULL */
	struct input_images ins;    /* HTTP: the inputs sent (input_images.h) */
};

enum job_kind { J_RESTORE, J_UPSCALE, J_OVERLAY, J_RENDER, J_REPLY, J_UPREPLY, J_CHECK };
enum job_out {
	R_DONE,                 /* the output is placed */
	R_ABORT,                /* generated, but a later stage failed for good (reply.err):
	                           another model would not help */
	R_GENERATE,             /* cached data unusable: generate */
	R_FOLLOW,               /* send reply.next */
	R_FAIL,                 /* reply.fault, reply.err, reply.retry_after */
	R_UPSCALE_HTTP,         /* generation stored; upscale with a model next */
	R_REJECT,               /* the candidate failed the typography check (t->verdict) */
	R_MISS,                 /* the candidate is not cached: generate it */
};

struct job {
	enum job_kind kind;
	struct task *t;
	struct http_response resp;
	enum job_out out;
	struct provider_reply reply;
	struct job *next;
};

struct sched {
	struct plan *pl;
	struct store *st;
	const struct build_opts *o;
	struct status *status;
	struct item_result *results;
	struct build_stats *stats;
	struct http_loop *loop;
	struct index *ix;       /* the loop's own connection: leases */
	int outfd;
	int rthreads;
	/* writes are made durable in groups: an asset is reported as made
	 * once the group of its last write is (cache/group.h) */
	struct group *group;
	uint64_t *tickets;      /* per item: its last write's ticket */
	size_t *held, nheld;    /* tasks made, waiting for their group */
	/* worker queue */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *todo_head, *todo_tail;
	struct job *done_head, *done_tail;
	int quit;
	/* event loop state */
	struct task *tasks;
	size_t ntasks, next_task, nactive, nfinished;
	size_t *inflight;       /* per stats->models entry */
	double committed;
	int stop;
	unsigned rng;
	struct ready *ready;    /* which task may start: its inputs are made (ready.h) */
};

struct worker {
	struct sched *s;
	struct index *ix;
	pthread_t thread;
	struct key encoded;     /* the blob this job last encoded with the build's settings */
	int has_encoded;
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
	case OUT_OVERLAID: return "overlay";
	}
	return "?";
}

/* ---- worker side ---- */

static void
record_action(struct worker *w, const struct key *key, const struct key *digest,
	      const struct buf *blob, const char *stage, const char *model, int fallback, double cost)
{
	struct action act;

	if (!w->ix)
		return;
	memset(&act, 0, sizeof(act));
	act.digest = *digest;
	act.size = blob->len;
	sha256_hex(blob->data, blob->len, act.sha256);
	snprintf(act.stage, sizeof(act.stage), "%s", stage);
	snprintf(act.model, sizeof(act.model), "%s", model);
	act.fallback = fallback;
	act.cost = cost;
	if (w->s->group)
		group_action(w->s->group, key, &act);
	else
		index_action_put(w->ix, key, &act);
}

/* Write the output (signed first, when the build signs: the signature is
 * the last write to its bytes); the item's result names its blob. */
static int
place_bytes(struct worker *w, const struct plan_item *it, const struct plan_cand *c,
	    const struct buf *png, const struct key *digest, struct provider_reply *r)
{
	struct output_rec rec;
	struct stat sb;
	struct buf sealed = BUF_INIT;
	struct key sdigest;
	char *err = NULL;
	int rc;

	if (w->s->o->creds) {
		rc = seal_output(w->s->st, w->ix, w->s->o->creds, it, c, png, &sealed, &sdigest, &err);
		if (rc < 0) {
			buf_release(&sealed);
			r->fault = FAULT_PERMANENT;
			free(r->err);
			r->err = err;
			return -1;
		}
		if (rc == 0) {
			png = &sealed;
			digest = &sdigest;
		}
	}
	w->s->results[it - w->s->pl->items].digest = *digest;
	rc = (w->s->group ? os_write_atomic_nosync : os_write_atomic)(w->s->outfd, it->out_name,
								      png->data, png->len);
	buf_release(&sealed);
	if (rc < 0) {
		r->fault = FAULT_PERMANENT;
		r->err = xasprintf("cannot write '%s': %s", it->out_rel, strerror(errno));
		return -1;
	}
	if (!w->ix || fstatat(w->s->outfd, it->out_name, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
		if (w->s->group)
			w->s->tickets[it - w->s->pl->items] = group_file(w->s->group);
		return 0;
	}
	plan_output_rec(it, c, digest, &rec);
	rec.size = (int64_t)sb.st_size;
	rec.mtime_ns = os_mtime_ns(&sb);
	rec.ino = (int64_t)sb.st_ino;
	if (w->s->group)
		w->s->tickets[it - w->s->pl->items] = group_output(w->s->group, &rec);
	else
		index_output_put(w->ix, &rec);
	plan_output_rec_release(&rec);
	return 0;
}

/* Made by a model after the route's first (a re-roll of the first model
 * is not a fallback). */
static int
fallback_of(const struct plan_item *it, const struct plan_cand *c)
{
	return c->model != it->cands[0].model;
}

static int
fail(struct provider_reply *r, enum fault f, char *err)
{
	r->fault = f;
	free(r->err);
	r->err = err;
	return -1;
}

static void
upscale_target(const struct upscale *up, const struct image *gen, uint32_t *w, uint32_t *h)
{
	if (up->kind == UPSCALE_FACTOR) {
		*w = gen->width * up->factor;
		*h = gen->height * up->factor;
	} else {
		*w = up->width;
		*h = up->height;
	}
}

/* Encode img with meta, store it, record key -> blob. */
static int
store_image(struct worker *w, const struct image *img, const struct meta *m, const struct key *key,
	    const char *stage, const char *model, int fallback, double cost, struct buf *png,
	    struct key *digest, struct provider_reply *r)
{
	struct pngio_opts po = { PNGIO_LEVEL_DEFAULT, PNGIO_FILTER_DEFAULT, 1 };
	char *err = NULL;

	if (w->s->o->png)
		po = *w->s->o->png;
	po.threads = w->s->rthreads;
	buf_reset(png);
	if (pngio_encode_opts(img, m, &po, png, &err) < 0) {
		fail(r, FAULT_PERMANENT, xasprintf("cannot encode PNG: %s", err));
		free(err);
		return -1;
	}
	if (w->s->group)
		key_digest(png->data, png->len, digest);
	if ((w->s->group ? store_put_batch(w->s->st, png->data, png->len, digest) :
			   store_put(w->s->st, png->data, png->len, digest)) < 0)
		return fail(r, FAULT_PERMANENT, xstrdup("cannot store the image in the cache"));
	record_action(w, key, digest, png, stage, model, fallback, cost);
	w->encoded = *digest;
	w->has_encoded = 1;
	return 0;
}

/* The encode stage, then the output written (and signed, when the build
 * signs: place_bytes).  png (digest) holds the last stage's pixels, or
 * the output's own bytes when those were restored.  The bytes for the
 * encode key (c->plain_key: those pixels, the build's PNG settings and
 * the encoder) are the cached ones when the index has them; else png
 * itself when this job has just encoded it with these settings (the
 * encoder is deterministic, so they are the very bytes); else, when the
 * pixels came from a cache in another encoding, they are decoded and
 * encoded again.  So what a key names never depends on the history of
 * the cache that held it. */
static int
place(struct worker *w, const struct plan_item *it, const struct plan_cand *c,
      const struct buf *png, const struct key *digest, struct provider_reply *r)
{
	struct pngio_opts po = { PNGIO_LEVEL_DEFAULT, PNGIO_FILTER_DEFAULT, 1 };
	struct action act;
	struct image img = {0};
	struct meta m = {0};
	struct buf out = BUF_INIT;
	struct key od;
	char *err = NULL;
	int rc;

	if (w->s->o->png)
		po = *w->s->o->png;
	po.threads = w->s->rthreads;
	/* the signed output itself, restored: nothing to encode or sign */
	if (!key_equal(&c->plain_key, &c->final_key) && w->ix &&
	    index_action_get(w->ix, &c->final_key, &act) == 1 && key_equal(&act.digest, digest))
		return place_bytes(w, it, c, png, digest, r);
	if ((w->ix && index_action_get(w->ix, &c->plain_key, &act) == 1 &&
	     key_equal(&act.digest, digest)) ||
	    (w->has_encoded && key_equal(&w->encoded, digest))) {
		record_action(w, &c->plain_key, digest, png, "encode", "png",
			      fallback_of(it, c), 0);
		return place_bytes(w, it, c, png, digest, r);
	}
	if (pngio_decode(png->data, png->len, &img, &m, &err) < 0) {
		fail(r, FAULT_PERMANENT, xasprintf("cannot decode the cached image: %s", err));
		free(err);
		return -1;
	}
	rc = pngio_encode_opts(&img, &m, &po, &out, &err);
	image_release(&img);
	meta_release(&m);
	if (rc < 0) {
		fail(r, FAULT_PERMANENT, xasprintf("cannot encode PNG: %s", err));
		free(err);
		buf_release(&out);
		return -1;
	}
	if (w->s->group)
		key_digest(out.data, out.len, &od);
	if ((w->s->group ? store_put_batch(w->s->st, out.data, out.len, &od) :
			   store_put(w->s->st, out.data, out.len, &od)) < 0) {
		buf_release(&out);
		return fail(r, FAULT_PERMANENT, xstrdup("cannot store the image in the cache"));
	}
	record_action(w, &c->plain_key, &od, &out, "encode", "png",
		      fallback_of(it, c), 0);
	rc = place_bytes(w, it, c, &out, &od, r);
	buf_release(&out);
	return rc;
}

/* The upscale stage with the built-in kernels, then place. */
static int
kernel_upscale(struct worker *w, struct task *t, const struct plan_cand *c,
	       const struct image *gen, const struct meta *gen_meta, struct provider_reply *r)
{
	const struct plan_item *it = &w->s->pl->items[t->item];
	const struct upscale *up = &it->asset->upscale;
	enum resample_filter f;
	struct image img;
	struct meta m = {0};
	struct buf png = BUF_INIT;
	struct key digest;
	uint32_t width, height;
	int rc;

	if (resample_filter_parse(up->with, &f) < 0)
		return fail(r, FAULT_PERMANENT, xasprintf("unknown upscaler '%s'", up->with));
	upscale_target(up, gen, &width, &height);
	if (resample(gen, width, height, f, w->s->rthreads, &img) < 0)
		return fail(r, FAULT_PERMANENT, xasprintf("cannot upscale to %ux%u", width, height));
	artifact_meta_upscale(&m, gen_meta, up, &c->gen_key, &c->pix_key);
	if (it->checked)
		typo_meta_add(&m, &it->asset->typo, &t->verdict);
	rc = store_image(w, &img, &m, &c->pix_key, "upscale", up->with, fallback_of(it, c), 0, &png,
			 &digest, r);
	image_release(&img);
	meta_release(&m);
	if (rc == 0)
		rc = place(w, it, c, &png, &digest, r);
	buf_release(&png);
	return rc;
}

/* The overlay stage: draw on a copy of the generation, store it under the
 * overlay key.  -1 with r->err naming the recipe's overlay. */
static int
draw_overlay(struct worker *w, struct task *t, const struct plan_cand *c, const struct image *gen,
	     const struct meta *gm, struct image *img, struct meta *m, struct buf *png,
	     struct key *digest, struct provider_reply *r)
{
	const struct overlay *ov = w->s->pl->items[t->item].asset->overlay;
	struct overlay_fit fit;
	char *err = NULL;

	if (image_alloc(img, gen->width, gen->height, gen->channels) < 0)
		return fail(r, FAULT_PERMANENT, xstrdup("cannot allocate the overlay image"));
	memcpy(img->px, gen->px, (size_t)gen->width * gen->height * gen->channels);
	if (overlay_draw(ov, img, &fit, &err) < 0) {
		fail(r, FAULT_PERMANENT, xasprintf("%s:%d:%d: overlay: %s", ov->loc.file, ov->loc.line,
						   ov->loc.col, err));
		free(err);
		return -1;
	}
	artifact_meta_overlay(m, gm, ov, fit.size, fit.lines, &c->gen_key, &c->ovl_key);
	return store_image(w, img, m, &c->ovl_key, "overlay", "overlay", t->cand > 0, 0, png, digest, r);
}

/* The typography check of candidate c's generation (img, with metadata
 * gm and digest gen), or of the output it makes when the check reads the
 * overlay drawn on it (typography.check; the overlay stage is stored as
 * it would be after the check): the cached verdict, else Tesseract's,
 * cached.  1 passed, 0 failed, -1 the check could not run (r set). */
static int
judge(struct worker *w, struct task *t, const struct plan_cand *c, const struct image *img,
      const struct meta *gm, const struct key *gen, struct provider_reply *r)
{
	const struct plan_item *it = &w->s->pl->items[t->item];
	const struct typography *ty = &it->asset->typo;
	struct ocr_verdict v;
	struct key odigest;
	struct image oimg = {0};
	struct meta om = {0};
	struct buf opng = BUF_INIT;
	char *err = NULL;
	int rc = -1;

	memset(&t->verdict, 0, sizeof(t->verdict));
	t->verdict.cand = t->cand;
	if (ty->on_output) {
		if (draw_overlay(w, t, c, img, gm, &oimg, &om, &opng, &odigest, r) < 0)
			goto out;
		img = &oimg;
		gen = &odigest;
	}
	t->verdict.image = *gen;
	if (!typo_verdict_get(w->ix, gen, ty, &t->verdict)) {
		if (ocr_check(img, ty->expect, ty->nexpect, ty->lang, ty->threshold, &v, &err) < 0) {
			t->ocr_error = 1;
			fail(r, FAULT_PERMANENT, xasprintf("typography check: %s", err));
			free(err);
			goto out;
		}
		t->verdict.pass = v.pass;
		t->verdict.distance = v.distance;
		memcpy(t->verdict.text, v.text, sizeof(t->verdict.text));
		typo_verdict_put(w->ix, ty, &t->verdict);
	}
	t->has_verdict = 1;
	t->verdict_noted = 0;
	rc = t->verdict.pass || (it->picked && t->cand == it->chosen);
out:
	image_release(&oimg);
	meta_release(&om);
	buf_release(&opng);
	return rc;
}

/* From a generation (stored, and judged when checked) to the placed
 * output: draw the overlay, then place it as it is, stamp the verdict in,
 * or upscale (here, or over HTTP).  R_ABORT when the overlay cannot be
 * drawn. */
static enum job_out
make_final(struct worker *w, struct task *t, const struct plan_cand *c, const struct image *gen,
	   const struct meta *gm, const struct buf *gpng, const struct key *gdigest,
	   struct provider_reply *r)
{
	const struct plan_item *it = &w->s->pl->items[t->item];
	struct meta m = {0}, om = {0};
	struct buf png = BUF_INIT, opng = BUF_INIT;
	struct image oimg = {0};
	struct key digest, odigest;
	const struct image *img = gen;
	const struct meta *gen_meta = gm;
	const struct buf *gen_png = gpng;
	const struct key *gen_digest = gdigest;
	enum job_out out = R_FAIL;

	if (it->asset->overlay) {
		if (draw_overlay(w, t, c, gen, gm, &oimg, &om, &opng, &odigest, r) < 0) {
			out = R_ABORT;
			goto out;
		}
		img = &oimg;
		gen_meta = &om;
		gen_png = &opng;
		gen_digest = &odigest;
	}
	if (it->asset->upscale.kind == UPSCALE_NONE && !it->checked) {
		if (place(w, it, c, gen_png, gen_digest, r) == 0)
			out = R_DONE;
	} else if (it->asset->upscale.kind == UPSCALE_NONE) {
		/* the same pixels, with the verdict in the metadata */
		artifact_meta_upscale(&m, gen_meta, &it->asset->upscale, &c->gen_key, &c->pix_key);
		typo_meta_add(&m, &it->asset->typo, &t->verdict);
		if (store_image(w, img, &m, &c->pix_key, "check", "ocr", fallback_of(it, c), 0, &png,
				&digest, r) == 0 && place(w, it, c, &png, &digest, r) == 0)
			out = R_DONE;
	} else if (it->upscaler) {
		buf_reset(&t->gen_png);
		buf_put(&t->gen_png, gen_png->data, gen_png->len);
		out = R_UPSCALE_HTTP;
	} else if (kernel_upscale(w, t, c, img, gen_meta, r) == 0) {
		out = R_DONE;
	}
out:
	image_release(&oimg);
	meta_release(&om);
	buf_release(&opng);
	meta_release(&m);
	buf_release(&png);
	return out;
}

/* A freshly generated image: store it, then upscale (here, or over HTTP)
 * and place.  Returns the job outcome. */
static enum job_out
finish_generation(struct worker *w, struct task *t, const struct image *img,
		  const struct meta *extra, struct provider_reply *r)
{
	const struct plan_item *it = &w->s->pl->items[t->item];
	const struct plan_cand *c = &it->cands[t->cand];
	struct item_result *res = &w->s->results[t->item];
	struct model_id id;
	struct meta m = {0};
	struct buf png = BUF_INIT;
	struct key digest;
	enum job_out out = R_FAIL;

	struct asset ra = *it->asset;

	ra.seed = c->seed;      /* a re-roll's own seed */
	model_id_of(c->model, c->provider->impl, &id);
	artifact_meta_generation(&m, &ra, &id, c->params, c->nparams, &c->gen_key, extra);
	if (store_image(w, img, &m, &c->gen_key, "gen", c->model->name, fallback_of(it, c), c->model->cost,
			&png, &digest, r) < 0)
		goto out;
	res->outcome = OUT_GENERATED;
	res->model = c->model->name;
	res->fallback = fallback_of(it, c);
	res->cost += c->model->cost;
	if (it->checked) {
		int v = judge(w, t, c, img, &m, &digest, r);

		if (v <= 0) {
			out = v == 0 ? R_REJECT : R_FAIL;
			goto out;
		}
	}
	out = make_final(w, t, c, img, &m, &png, &digest, r);
out:
	meta_release(&m);
	buf_release(&png);
	return out;
}

/* Decode and check an image an upscaler returned; resample to the size
 * asked for when the provider's size grid differs. */
/* A reply's image: PNG mostly; Gemini answers JPEG or WebP too, whatever
 * it labels them. */
static int
decode_bytes(const struct provider_reply *rep, struct image *raw, char **err)
{
	if (rep->image.len >= 8 && memcmp(rep->image.data, "\x89PNG\r\n\x1a\n", 8) == 0)
		return pngio_decode(rep->image.data, rep->image.len, raw, NULL, err);
	return codec_decode(rep->image.data, rep->image.len, NULL, raw, NULL, err);
}

static int
decode_reply(const struct provider_reply *rep, uint32_t width, uint32_t height, struct image *img,
	     struct provider_reply *r)
{
	struct image raw;
	char *err = NULL;

	if (decode_bytes(rep, &raw, &err) < 0) {
		fail(r, FAULT_RETRY, xasprintf("invalid image from the provider: %s", err));
		free(err);
		return -1;
	}
	if (raw.width == width && raw.height == height) {
		*img = raw;
		return 0;
	}
	if (resample(&raw, width, height, FILTER_LANCZOS3, 1, img) < 0) {
		image_release(&raw);
		return fail(r, FAULT_PERMANENT, xasprintf("cannot resize %ux%u to %ux%u", raw.width,
							  raw.height, width, height));
	}
	image_release(&raw);
	return 0;
}

/* Decode a generation and fit it to the asset's size (fit.h), noting in
 * extra what was asked for, what came back and how it was fitted when
 * either is not the asset's size. */
static int
decode_generation(const struct plan_item *it, const struct plan_cand *c,
		  const struct provider_reply *rep, struct image *img, struct meta *extra,
		  struct provider_reply *r)
{
	const struct asset *a = it->asset;
	struct image raw;
	char *err = NULL;

	if (decode_bytes(rep, &raw, &err) < 0) {
		fail(r, FAULT_RETRY, xasprintf("invalid image from the provider: %s", err));
		free(err);
		return -1;
	}
	if (raw.width == a->width && raw.height == a->height &&
	    c->native_w == a->width && c->native_h == a->height) {
		*img = raw;
		return 0;
	}
	if (fit_apply(&a->fit, &raw, a->width, a->height, img) < 0) {
		image_release(&raw);
		return fail(r, FAULT_PERMANENT, xasprintf("cannot fit %ux%u to %ux%u", raw.width,
							  raw.height, a->width, a->height));
	}
	artifact_meta_fit(extra, c->native_w, c->native_h, raw.width, raw.height, &a->fit);
	image_release(&raw);
	return 0;
}

static enum job_out
job_reply(struct worker *w, struct job *j)
{
	struct task *t = j->t;
	const struct plan_item *it = &w->s->pl->items[t->item];
	const struct plan_cand *c = &it->cands[t->cand];
	struct provider_reply *r = &j->reply;
	struct image img = {0};
	enum job_out out;

	c->provider->reply(&t->call, &j->resp, r);
	provider_reply_scrub(&t->call, r);
	/* a queued job: recorded before the build waits on it */
	jobs_note(w->ix, &c->gen_key, it->asset->name, c->model, c->provider, t->attempt, r);
	if (r->fault != FAULT_NONE) {
		if (!r->err)
			r->err = xstrdup("request failed");
		return R_FAIL;
	}
	if (r->follow)
		return R_FOLLOW;
	seal_keep_upstream(w->s->st, w->ix, &c->gen_key, (const unsigned char *)r->image.data,
			   r->image.len);
	for (size_t i = 0; i < r->extra.n; i++)
		meta_add(&t->extra, r->extra.entries[i].key, r->extra.entries[i].value);
	if (decode_generation(it, c, r, &img, &t->extra, r) < 0) {
		if (c->provider->resume)
			jobs_set(w->ix, &c->gen_key, "failed");
		return R_FAIL;
	}
	out = finish_generation(w, t, &img, &t->extra, r);
	image_release(&img);
	if (c->provider->resume && out != R_FAIL)
		jobs_set(w->ix, &c->gen_key, "cached");
	return out;
}

static enum job_out
job_upreply(struct worker *w, struct job *j)
{
	struct task *t = j->t;
	const struct plan_item *it = &w->s->pl->items[t->item];
	const struct plan_cand *c = &it->cands[t->cand];
	struct item_result *res = &w->s->results[t->item];
	struct provider_reply *r = &j->reply;
	struct image gen = {0}, img = {0};
	struct meta gm = {0}, m = {0};
	struct buf png = BUF_INIT;
	struct key digest;
	uint32_t width, height;
	char *err = NULL;
	enum job_out out = R_FAIL;

	it->upprovider->reply(&t->call, &j->resp, r);
	provider_reply_scrub(&t->call, r);
	if (r->fault != FAULT_NONE)
		return R_FAIL;
	if (r->follow)
		return R_FOLLOW;
	if (pngio_decode(t->gen_png.data, t->gen_png.len, &gen, &gm, &err) < 0) {
		fail(r, FAULT_PERMANENT, xasprintf("cannot decode the generation: %s", err));
		free(err);
		goto out;
	}
	upscale_target(&it->asset->upscale, &gen, &width, &height);
	if (decode_reply(r, width, height, &img, r) < 0)
		goto out;
	artifact_meta_upscale(&m, &gm, &it->asset->upscale, &c->gen_key, &c->pix_key);
	if (it->checked)
		typo_meta_add(&m, &it->asset->typo, &t->verdict);
	if (store_image(w, &img, &m, &c->pix_key, "upscale", it->upscaler->name, fallback_of(it, c),
			it->upscaler->cost, &png, &digest, r) == 0 &&
	    place(w, it, c, &png, &digest, r) == 0) {
		res->cost += it->upscaler->cost;
		res->model = c->model->name;
		if (res->outcome != OUT_GENERATED && res->outcome != OUT_OVERLAID)
			res->outcome = OUT_UPSCALED;
		out = R_DONE;
	}
out:
	image_release(&gen);
	image_release(&img);
	meta_release(&gm);
	meta_release(&m);
	buf_release(&png);
	return out;
}

/* A cached image and the stages after it: from the generation (overlay,
 * then upscale), or from the image before upscaling (upscale only); here,
 * or the upscale handed to the loop. */
static enum job_out
job_stages(struct worker *w, struct task *t, const struct key *from, int from_gen)
{
	const struct plan_item *it = &w->s->pl->items[t->item];
	const struct plan_cand *c = &it->cands[it->chosen];
	struct item_result *res = &w->s->results[t->item];
	struct provider_reply r;
	struct image img = {0};
	struct meta m = {0};
	struct buf png = BUF_INIT;
	char *err = NULL;
	enum job_out out = R_GENERATE;

	provider_reply_init(&r);
	if (store_get(w->s->st, from, &png) != STORE_OK)
		goto out;
	if (pngio_decode(png.data, png.len, &img, &m, &err) < 0) {
		warn("cached image for '%s' does not decode (%s); generating again", it->asset->name, err);
		free(err);
		goto out;
	}
	t->cand = it->chosen;
	res->model = c->model->name;
	res->saved = it->saved;
	if (it->checked) {
		int v = t->has_verdict ? 1 : judge(w, t, c, &img, &m, from, &r);

		/* the generation: judged, then the overlay (and the upscale) */
		res->outcome = from_gen ? OUT_OVERLAID : OUT_UPSCALED;
		if (v > 0)
			out = make_final(w, t, c, &img, &m, &png, from, &r);
		else
			out = v == 0 ? R_REJECT : R_FAIL;
		if (out == R_ABORT)
			out = R_FAIL;
		if (out == R_FAIL) {
			res->err = r.err;
			r.err = NULL;
		}
	} else if (from_gen) {
		res->outcome = OUT_OVERLAID;
		out = make_final(w, t, c, &img, &m, &png, from, &r);
		if (out == R_ABORT)
			out = R_FAIL;
		if (out == R_FAIL) {
			res->err = r.err;
			r.err = NULL;
		}
	} else if (it->upscaler) {
		buf_reset(&t->gen_png);
		buf_put(&t->gen_png, png.data, png.len);
		res->outcome = OUT_UPSCALED;
		out = R_UPSCALE_HTTP;
	} else if (kernel_upscale(w, t, c, &img, &m, &r) == 0) {
		res->outcome = OUT_UPSCALED;
		out = R_DONE;
	} else {
		res->err = r.err;
		r.err = NULL;
		out = R_FAIL;
	}
out:
	if (out == R_GENERATE && w->ix)
		index_action_delete(w->ix, from_gen || it->checked ? &c->gen_key : &c->ovl_key);
	provider_reply_release(&r);
	image_release(&img);
	meta_release(&m);
	buf_release(&png);
	return out;
}

static enum job_out
job_restore(struct worker *w, struct task *t)
{
	const struct plan_item *it = &w->s->pl->items[t->item];
	const struct plan_cand *c = &it->cands[it->chosen];
	struct item_result *res = &w->s->results[t->item];
	struct provider_reply r;
	struct buf png = BUF_INIT;
	struct action act;
	enum job_out out;

	if (store_get(w->s->st, &it->digest, &png) == STORE_OK) {
		provider_reply_init(&r);
		if (place(w, it, c, &png, &it->digest, &r) == 0) {
			res->outcome = OUT_RESTORED;
			res->model = c->model->name;
			res->saved = it->saved;
			out = R_DONE;
		} else {
			res->err = r.err;
			r.err = NULL;
			out = R_FAIL;
		}
		provider_reply_release(&r);
		buf_release(&png);
		return out;
	}
	buf_release(&png);
	/* the blob is gone or corrupt: a miss (of every key that names it:
	 * the unsigned output's, when that is what the plan restored to sign) */
	if (w->ix) {
		index_action_delete(w->ix, &c->final_key);
		index_action_delete(w->ix, &c->pix_key);
	}
	if (w->ix && !key_equal(&c->plain_key, &c->final_key)) {
		index_action_delete(w->ix, &c->plain_key);
		index_action_delete_digest(w->ix, &it->digest);
	}
	if (it->checked)        /* judged again from the generation, then the rest */
		return w->ix && index_action_get(w->ix, &c->gen_key, &act) == 1 ?
			job_stages(w, t, &act.digest, 0) : R_GENERATE;
	if (it->asset->upscale.kind != UPSCALE_NONE && w->ix &&
	    index_action_get(w->ix, &c->ovl_key, &act) == 1)
		return job_stages(w, t, &act.digest, 0);
	if (it->asset->overlay && w->ix && index_action_get(w->ix, &c->gen_key, &act) == 1)
		return job_stages(w, t, &act.digest, 1);
	return R_GENERATE;
}

/* A checked asset's current candidate: judge it if it is cached, and
 * make the output if it passes; R_MISS when it has to be generated. */
static enum job_out
job_check(struct worker *w, struct task *t, struct provider_reply *r)
{
	const struct plan_item *it = &w->s->pl->items[t->item];
	const struct plan_cand *c = &it->cands[t->cand];
	struct item_result *res = &w->s->results[t->item];
	struct image img = {0};
	struct meta m = {0};
	struct buf png = BUF_INIT;
	struct action act;
	char *err = NULL;
	enum job_out out = R_MISS;
	int v;

	if (!w->ix || index_action_get(w->ix, &c->gen_key, &act) != 1 ||
	    store_get(w->s->st, &act.digest, &png) != STORE_OK)
		goto out;
	if (pngio_decode(png.data, png.len, &img, &m, &err) < 0) {
		free(err);
		index_action_delete(w->ix, &c->gen_key);
		goto out;
	}
	v = judge(w, t, c, &img, &m, &act.digest, r);
	if (v <= 0) {
		out = v == 0 ? R_REJECT : R_FAIL;
		goto out;
	}
	if (res->outcome != OUT_GENERATED)
		res->outcome = OUT_UPSCALED;
	res->model = c->model->name;
	res->saved += act.cost;
	out = make_final(w, t, c, &img, &m, &png, &act.digest, r);
out:
	image_release(&img);
	meta_release(&m);
	buf_release(&png);
	return out;
}

static enum job_out
job_render(struct worker *w, struct task *t, struct provider_reply *r)
{
	const struct plan_item *it = &w->s->pl->items[t->item];
	const struct plan_cand *c = &it->cands[t->cand];
	struct image img = {0};
	struct meta extra = {0};
	struct input_images ins;
	enum job_out out = R_FAIL;

	if (input_images_load(w->s->pl, it, &ins, &r->err) < 0) {
		r->fault = FAULT_PERMANENT;
	} else {
		t->req.inputs = ins.in;
		t->req.ninputs = ins.n;
		if (c->provider->render(c->model, &t->req, &img, &extra, &r->err) < 0)
			r->fault = FAULT_PERMANENT;
		else
			out = finish_generation(w, t, &img, &extra, r);
	}
	t->req.inputs = NULL;
	t->req.ninputs = 0;
	input_images_release(&ins);
	image_release(&img);
	meta_release(&extra);
	return out;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct sched *s = w->s;
	struct job *j;
	int fresh;

	w->ix = index_open(s->o->cache_dir, &fresh);
	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->todo_head && !s->quit)
			pthread_cond_wait(&s->cv, &s->mu);
		if (!s->todo_head)
			break;
		j = s->todo_head;
		s->todo_head = j->next;
		if (!s->todo_head)
			s->todo_tail = NULL;
		pthread_mutex_unlock(&s->mu);

		provider_reply_init(&j->reply);
		w->has_encoded = 0;
		switch (j->kind) {
		case J_RESTORE: j->out = job_restore(w, j->t); break;
		case J_UPSCALE: j->out = job_stages(w, j->t, &s->pl->items[j->t->item].gen_digest, 0); break;
		case J_OVERLAY: j->out = job_stages(w, j->t, &s->pl->items[j->t->item].gen_digest, 1); break;
		case J_RENDER: j->out = job_render(w, j->t, &j->reply); break;
		case J_REPLY: j->out = job_reply(w, j); break;
		case J_UPREPLY: j->out = job_upreply(w, j); break;
		case J_CHECK: j->out = job_check(w, j->t, &j->reply); break;
		}
		http_response_release(&j->resp);

		pthread_mutex_lock(&s->mu);
		j->next = NULL;
		if (s->done_tail)
			s->done_tail->next = j;
		else
			s->done_head = j;
		s->done_tail = j;
		http_loop_wakeup(s->loop);
	}
	pthread_mutex_unlock(&s->mu);
	index_close(w->ix);
	return NULL;
}

/* ---- event loop side ---- */

static void
submit(struct sched *s, struct task *t, enum job_kind kind, struct http_response *resp)
{
	struct job *j = xcalloc(1, sizeof(*j));

	j->kind = kind;
	j->t = t;
	if (resp) {
		j->resp = *resp;
		memset(resp, 0, sizeof(*resp));
	}
	t->state = T_CPU;
	pthread_mutex_lock(&s->mu);
	if (s->todo_tail)
		s->todo_tail->next = j;
	else
		s->todo_head = j;
	s->todo_tail = j;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

static struct model_stats *
stats_for(struct sched *s, const struct model *m, size_t *index)
{
	size_t i;

	for (i = 0; i < s->stats->nmodels; i++)
		if (strcmp(s->stats->models[i].name, m->name) == 0) {
			if (index)
				*index = i;
			return &s->stats->models[i];
		}
	fatal("internal error: no stats for model '%s'", m->name);
}

static int
model_limit(const struct model *m, const struct provider *p)
{
	if (m->concurrency > 0)
		return m->concurrency;
	return p && p->concurrency > 0 ? p->concurrency : 0;
}

static int
max_attempts(const struct model *m)
{
	return (m->retries >= 0 ? m->retries : 3) + 1;
}

static unsigned
rng_next(struct sched *s)
{
	s->rng = s->rng * 1103515245u + 12345u;
	return s->rng >> 8;
}

/* Exponential backoff with full jitter, capped; a server's Retry-After
 * is a floor. */
static double
backoff(struct sched *s, int attempt, double retry_after)
{
	double base = s->o->backoff_base > 0 ? s->o->backoff_base : 0.5;
	double cap = s->o->backoff_cap > 0 ? s->o->backoff_cap : 20;
	double ceiling = base, d;
	int i;

	for (i = 1; i < attempt && ceiling < cap; i++)
		ceiling *= 2;
	if (ceiling > cap)
		ceiling = cap;
	d = ceiling * (double)(rng_next(s) % 10000) / 10000.0;
	if (retry_after >= 0 && d < retry_after)
		d = retry_after + retry_after * 0.05 * (double)(rng_next(s) % 100) / 100.0;
	return d;
}

static void
unlease(struct sched *s, struct task *t)
{
	if (t->leased && s->ix)
		index_lease_release(s->ix, &t->lease);
	t->leased = 0;
}

static void
report_made(struct sched *s, struct task *t)
{
	const struct plan_item *it = &s->pl->items[t->item];
	const struct item_result *res = &s->results[t->item];

	status_step(s->status, outcome_name(res->outcome), it->asset->name, res->model,
		    res->seconds, it->why);
}

/* Report the held assets whose writes are durable now (all, when every
 * group is). */
static void
report_durable(struct sched *s)
{
	uint64_t d;
	size_t i, n = 0;

	if (!s->nheld)
		return;
	d = s->group ? group_durable(s->group) : UINT64_MAX;
	for (i = 0; i < s->nheld; i++) {
		struct task *t = &s->tasks[s->held[i]];

		if (s->tickets[t->item] > d) {
			s->held[n++] = s->held[i];
			continue;
		}
		unlease(s, t);
		report_made(s, t);
	}
	s->nheld = n;
}

static void
finish(struct sched *s, struct task *t, enum outcome o, char *err)
{
	const struct plan_item *it = &s->pl->items[t->item];
	struct item_result *res = &s->results[t->item];
	const struct plan_cand *c;
	int held;

	if (t->committed) {
		c = &it->cands[t->cand];
		s->committed -= c->model->cost;
		t->committed = 0;
	}
	if (t->up_committed) {
		s->committed -= it->upscaler->cost;
		t->up_committed = 0;
	}
	held = o != OUT_FAILED && o != OUT_SKIPPED && res->outcome != OUT_FAILED &&
	       res->outcome != OUT_SKIPPED && s->group && s->tickets[t->item] > group_durable(s->group);
	if (!held)
		unlease(s, t);
	/* its dependants may start: its output is in place (a held one is
	 * only waiting for its index rows to be durable before it is reported) */
	ready_done(s->ready, (size_t)(t - s->tasks), o != OUT_FAILED && o != OUT_SKIPPED);
	if (o == OUT_FAILED || o == OUT_SKIPPED) {
		res->outcome = o;
		free(res->err);
		res->err = err;
		if (o == OUT_FAILED && !s->o->keep_going)
			s->stop = 1;
	} else {
		free(err);
	}
	res->seconds = (double)(now_ns() - t->t0) / 1e9;
	res->cand = t->cand;
	t->state = T_DONE;
	s->nactive--;
	s->nfinished++;
	switch (res->outcome) {
	case OUT_FAILED:
		if (s->o->checks_quiet && it->nchecks)
			s->status->done++;
		else
			status_failed(s->status, it->asset->name, res->err);
		break;
	case OUT_SKIPPED:
		s->status->done++;
		if (s->status->level >= STATUS_VERBOSE || !str_has_prefix(res->err, "not started: an earlier"))
			status_printf(s->status, "skipped %s: %s\n", it->asset->name, res->err);
		break;
	default:
		if (held)
			s->held[s->nheld++] = (size_t)(t - s->tasks);
		else
			report_made(s, t);
	}
	http_request_release(&t->next);
	free(t->job);
	t->job = NULL;
	t->call.job = NULL;
	input_images_release(&t->ins);
	t->req.inputs = NULL;
	t->req.ninputs = 0;
	buf_release(&t->gen_png);
	buf_release(&t->errors);
	meta_release(&t->extra);
}

static void
note_error(struct task *t, const char *model, const char *err)
{
	if (t->errors.len)
		buf_puts(&t->errors, "; ");
	buf_printf(&t->errors, "%s", err);
	(void)model;
}

/* Start (or continue) generating with the current candidate or the next. */
static void try_candidate(struct sched *s, struct task *t);
static void uncommit(struct sched *s, struct task *t);

static void
send_request(struct sched *s, struct task *t, const struct model *m, const struct provider *p,
	     struct http_request *req)
{
	/* the model's, else its provider's (the official SDK's), else 120 s */
	long timeout = m->timeout > 0 ? (long)(m->timeout * 1000) :
		       p->timeout > 0 ? (long)(p->timeout * 1000) : 120000;

	if (s->status->level >= STATUS_VERBOSE) {
		char *d = http_request_describe(req);

		/* a follow-up's URL is the server's, and may quote the key */
		provider_redact(&t->call, &d);
		status_printf(s->status, "request %s: %s\n", s->pl->items[t->item].asset->name, d);
		free(d);
	}
	http_loop_add(s->loop, req, timeout, t);
	t->state = T_HTTP;
}

/* Dispatch the task's next step if its model has a free slot; 0 if it has
 * to wait. */
/* The task's final artifact is in the cache (made by another build on
 * it): restore it instead.  1 when so. */
static int
restore_if_made(struct sched *s, struct task *t, const struct plan_cand *c)
{
	struct plan_item *it = &s->pl->items[t->item];
	struct action act;

	if ((index_action_get(s->ix, &c->final_key, &act) != 1 || !store_has(s->st, &act.digest, NULL)) &&
	    (index_action_get(s->ix, &c->pix_key, &act) != 1 || !store_has(s->st, &act.digest, NULL)))
		return 0;
	uncommit(s, t);
	it->chosen = t->cand;
	it->digest = act.digest;
	it->saved = plan_output_cost(it, t->cand, s->ix, act.cost);
	submit(s, t, J_RESTORE, NULL);
	return 1;
}

static int
dispatch(struct sched *s, struct task *t)
{
	struct plan_item *it = &s->pl->items[t->item];
	struct plan_cand *c = NULL;
	const struct model *m;
	const struct provider *p;
	struct http_request req;
	struct model_stats *ms;
	size_t mi;
	char *err = NULL;
	int limit, r;

	if (t->upscaling) {
		m = it->upscaler;
		p = it->upprovider;
	} else {
		c = &it->cands[t->cand];
		m = c->model;
		p = c->provider;
	}
	ms = stats_for(s, m, &mi);
	if (!p->render && (limit = model_limit(m, p)) > 0 && s->inflight[mi] >= (size_t)limit)
		return 0;
	if (t->step > 0) {
		/* a follow-up (download) */
		req = t->next;
		memset(&t->next, 0, sizeof(t->next));
		send_request(s, t, m, p, &req);
		http_request_release(&req);
		s->inflight[mi]++;
		return 1;
	}
	if (c && t->attempt == 0 && !t->leased && s->ix) {
		/* another build on this cache may have made it meanwhile */
		if (restore_if_made(s, t, c))
			return 1;
		/* and no two builds generate one key at once */
		r = index_lease_acquire(s->ix, &c->gen_key);
		if (r == 0) {
			t->ready_at = now_ns() + 100 * 1000000ull;
			return 1;
		}
		if (r == 1) {
			t->leased = 1;
			t->lease = c->gen_key;
			/* made by a build that let the lease go between the look
			 * above and this lease: look again, holding it */
			if (restore_if_made(s, t, c)) {
				unlease(s, t);
				return 1;
			}
		}
	}
	t->attempt++;
	t->attempt_t0 = now_ns();
	s->results[t->item].attempts++;
	ms->attempts++;
	if (p->render) {
		submit(s, t, J_RENDER, NULL);
		return 1;
	}
	t->call.api_key = m->api_key_env ? getenv(m->api_key_env) : NULL;
	t->call.endpoint = m->endpoint ? m->endpoint : p->default_endpoint;
	t->call.model = m;
	t->call.req = &t->req;
	t->call.step = 0;
	if (t->upscaling) {
		const struct upscale *up = &it->asset->upscale;

		t->call.image = &t->gen_png;
		t->call.up_factor = up->kind == UPSCALE_FACTOR ? up->factor : 0;
		t->call.up_width = up->kind == UPSCALE_SIZE ? up->width : it->asset->width * up->factor;
		t->call.up_height = up->kind == UPSCALE_SIZE ? up->height : it->asset->height * up->factor;
		r = p->upscale_request(&t->call, &req, &err);
	} else {
		double age;
		int step;

		t->call.image = NULL;
		t->call.polls = 0;
		free(t->job);
		t->job = NULL;
		t->call.job = NULL;
		if (jobs_resume(s->ix, &c->gen_key, p, &t->call, &req, &step, &t->job, &age)) {
			/* an earlier build paid for it: pick it up, never pay twice */
			t->call.job = t->job;
			t->resumed = 1;
			t->step = t->call.step = step;
			if (s->status->level >= STATUS_VERBOSE || s->status->explain)
				status_printf(s->status, "resume %s: the job %s submitted %.0f s ago\n",
					      it->asset->name, m->name, age);
			s->inflight[mi]++;
			send_request(s, t, m, p, &req);
			http_request_release(&req);
			return 1;
		}
		/* the inputs, read once per task, go with every request */
		r = 0;
		if (it->asset->ninputs && !t->ins.n)
			r = input_images_load(s->pl, it, &t->ins, &err);
		t->req.inputs = t->ins.in;
		t->req.ninputs = t->ins.n;
		if (r == 0)
			r = p->request(&t->call, &req, &err);
	}
	if (r < 0) {
		ms->faults[FAULT_PERMANENT]++;
		note_error(t, m->name, err ? err : "cannot build the request");
		free(err);
		if (t->upscaling) {
			finish(s, t, OUT_FAILED, buf_detach(&t->errors, NULL));
		} else {
			t->cand = plan_next_model(it, t->cand);
			t->attempt = 0;
			try_candidate(s, t);
		}
		return 1;
	}
	s->inflight[mi]++;
	send_request(s, t, m, p, &req);
	http_request_release(&req);
	return 1;
}

/* Would paying for m (the current candidate, or with upscaling set the
 * upscaler) break a budget?  A candidate's price includes the upscale by
 * a model that follows it, so that no generation is paid for whose
 * upscale the budget cannot pay.  When it would, the task is finished as
 * skipped, and 1. */
static int
over_budget(struct sched *s, struct task *t, const struct model *m, int upscaling)
{
	const struct plan_item *it = &s->pl->items[t->item];
	const struct model *up = it->upscaler;
	double price = m->cost, asset = s->results[t->item].cost;
	char with[128] = "";
	char *e;

	if (!upscaling && up) {
		asset += up->cost;                      /* spent last: never in cost yet */
		if (!t->up_committed)
			price += up->cost;
		snprintf(with, sizeof(with), " and its upscaler %s %.3f", up->name, up->cost);
	}
	if (s->o->per_build >= 0 && s->stats->spent + s->committed + price > s->o->per_build + 1e-9) {
		e = xasprintf("not started: %s would exceed budget.per_build (%.3f spent, %.3f in flight,"
			      " %s%s costs %.3f%s, cap %.3f)", it->asset->name, s->stats->spent,
			      s->committed, upscaling ? "upscaler " : "", m->name, m->cost, with,
			      s->o->per_build);
		finish(s, t, OUT_SKIPPED, e);
		return 1;
	}
	if (s->o->per_asset >= 0 && asset + m->cost > s->o->per_asset + 1e-9) {
		e = xasprintf("not started: %s would exceed budget.per_asset (%.3f spent on it, %s%s"
			      " costs %.3f%s, cap %.3f)", it->asset->name, s->results[t->item].cost,
			      upscaling ? "upscaler " : "", m->name, m->cost, with, s->o->per_asset);
		finish(s, t, OUT_SKIPPED, e);
		return 1;
	}
	return 0;
}

static void
try_candidate(struct sched *s, struct task *t)
{
	struct plan_item *it = &s->pl->items[t->item];
	const struct plan_cand *c;
	struct model_stats *ms;

	for (; t->cand < it->ncands; t->cand = plan_next_model(it, t->cand), t->attempt = 0) {
		c = &it->cands[t->cand];
		ms = stats_for(s, c->model, NULL);
		if (!c->provider || (!c->provider->render && !c->provider->request)) {
			note_error(t, c->model->name, "provider not available");
			continue;
		}
		if (ms->cooled) {
			char *e = xasprintf("%s: cooled down after %d assets in a row failed", c->model->name,
					    BUILD_BREAKER);

			note_error(t, c->model->name, e);
			free(e);
			continue;
		}
		/* a job an earlier build submitted is paid for: resuming it
		 * spends nothing more, whatever the budget */
		if (!t->committed && !jobs_pending(s->ix, &c->gen_key, c->provider) &&
		    over_budget(s, t, c->model, 0))
			return;
		if (!t->committed) {
			s->committed += c->model->cost;
			t->committed = 1;
		}
		if (!t->up_committed && it->upscaler) {
			s->committed += it->upscaler->cost;
			t->up_committed = 1;
		}
		t->step = 0;
		t->state = T_READY;
		t->ready_at = 0;
		return;
	}
	finish(s, t, OUT_FAILED, t->errors.len ? buf_detach(&t->errors, NULL) :
	       xstrdup("no candidate model could run"));
}

static void
uncommit(struct sched *s, struct task *t)
{
	unlease(s, t);
	if (t->committed) {
		s->committed -= s->pl->items[t->item].cands[t->cand].model->cost;
		t->committed = 0;
	}
}

/* An input asset made by another candidate than planned (a fallback, a
 * re-roll) has other pixels than the ones this item was keyed on. */
static void
rekey_inputs(struct sched *s, struct plan_item *it)
{
	const struct asset *a = it->asset;
	const struct plan_item *up;
	struct key *ups = xcalloc(a->ninputs, sizeof(*ups));
	size_t i, k;
	int moved = 0;

	for (i = 0; i < a->ninputs; i++) {
		k = a->inputs[i].asset ? s->pl->byasset[a->inputs[i].upstream] : 0;
		up = k ? &s->pl->items[k - 1] : NULL;
		if (!up || s->results[k - 1].cand >= up->ncands)
			continue;
		ups[i] = up->cands[s->results[k - 1].cand].pix_key;
		if (!key_equal(&ups[i], &it->ups[i]))
			moved = 1;
	}
	if (moved)
		plan_rekey(s->pl, it, ups);
	free(ups);
}

static void
start(struct sched *s, struct task *t)
{
	struct plan_item *it = &s->pl->items[t->item];
	const struct asset *a = it->asset;

	if (it->ups)
		rekey_inputs(s, it);
	t->t0 = now_ns();
	s->nactive++;
	t->req.prompt = a->prompt;
	t->req.negative_prompt = a->negative_prompt;
	t->req.seed = a->seed;
	t->req.width = a->width;
	t->req.height = a->height;
	switch (it->action) {
	case PLAN_RESTORE:
		t->cand = it->chosen;
		submit(s, t, J_RESTORE, NULL);
		break;
	case PLAN_UPSCALE:
	case PLAN_OVERLAY:
		t->cand = it->chosen;
		if (it->checked && plan_check_find(it, it->chosen)) {
			t->verdict = *plan_check_find(it, it->chosen);
			t->has_verdict = 1;
			t->verdict_noted = 1;
		}
		submit(s, t, it->action == PLAN_OVERLAY ? J_OVERLAY : J_UPSCALE, NULL);
		break;
	default:
		if (it->checked) {
			/* the candidate may be made already, and only need judging */
			t->cand = it->chosen;
			submit(s, t, J_CHECK, NULL);
			break;
		}
		try_candidate(s, t);
		break;
	}
}

static void
set_candidate_params(struct sched *s, struct task *t)
{
	const struct plan_cand *c = &s->pl->items[t->item].cands[t->cand];

	t->req.params = c->params;
	t->req.nparams = c->nparams;
	t->req.seed = c->seed;
	t->req.width = c->native_w;     /* what the model renders; fitted after */
	t->req.height = c->native_h;
}

/* A model answered with an image: count it for the model's statistics. */
static void
model_ok(struct model_stats *ms, int generating, double lat)
{
	if (!generating || !ms)
		return;
	ms->ok++;
	ms->latency = xgrow(ms->latency, &ms->latcap, ms->nlatency + 1, sizeof(double));
	ms->latency[ms->nlatency++] = lat;
	ms->consecutive = 0;
}

/* The money committed for this step (the generation, or the upscale by a
 * model) is spent. */
static void
settle(struct sched *s, struct task *t)
{
	const struct plan_item *it = &s->pl->items[t->item];

	if (t->upscaling && t->up_committed) {
		s->stats->spent += it->upscaler->cost;
		s->committed -= it->upscaler->cost;
		t->up_committed = 0;
	}
	if (t->upscaling || !t->committed)
		return;
	s->stats->spent += it->cands[t->cand].model->cost;
	s->committed -= it->cands[t->cand].model->cost;
	t->committed = 0;
}

/* The current candidate failed the typography check: the next roll of
 * the same model (judged first if it is cached), or the asset fails with
 * every candidate listed. */
static void
reject(struct sched *s, struct task *t, int generating, struct model_stats *ms, double lat)
{
	struct plan_item *it = &s->pl->items[t->item];
	size_t next = t->cand + 1;

	model_ok(ms, generating, lat);
	settle(s, t);
	unlease(s, t);
	meta_release(&t->extra);
	if (s->stop) {
		finish(s, t, OUT_SKIPPED, xstrdup(build_interrupted ? "interrupted" :
						  "not started: an earlier step failed"));
		return;
	}
	if (next >= plan_next_model(it, t->cand)) {
		finish(s, t, OUT_FAILED, typo_failure(it));
		return;
	}
	t->cand = next;
	t->attempt = 0;
	t->step = 0;
	t->has_verdict = 0;
	submit(s, t, J_CHECK, NULL);
}

/* A worker finished a job. */
static void
handle(struct sched *s, struct job *j)
{
	struct task *t = j->t;
	struct plan_item *it = &s->pl->items[t->item];
	const struct model *m = t->upscaling ? it->upscaler :
		(t->cand < it->ncands ? it->cands[t->cand].model : NULL);
	struct model_stats *ms = m ? stats_for(s, m, NULL) : NULL;
	struct provider_reply *r = &j->reply;
	double lat = (double)(now_ns() - t->attempt_t0) / 1e9;
	int generating = j->kind == J_RENDER || j->kind == J_REPLY || j->kind == J_UPREPLY;

	if (t->has_verdict && !t->verdict_noted && (j->out == R_DONE || j->out == R_UPSCALE_HTTP ||
						     j->out == R_REJECT)) {
		*plan_check_add(it, t->cand) = t->verdict;
		t->verdict_noted = 1;
		if (s->status->level >= STATUS_VERBOSE || (!t->verdict.pass && s->status->level >= 0)) {
			char *line = typo_verdict_line(it, &t->verdict);

			status_printf(s->status, "%s\n", line);
			free(line);
		}
	}
	if (j->out == R_FAIL && t->ocr_error) {
		/* the check could not run: another candidate would not help */
		settle(s, t);
		finish(s, t, OUT_FAILED, r->err ? r->err : xstrdup("typography check failed to run"));
		r->err = NULL;
		provider_reply_release(r);
		free(j);
		return;
	}
	switch (j->out) {
	case R_DONE:
	case R_ABORT:
		model_ok(ms, generating, lat);
		settle(s, t);
		if (j->out == R_ABORT) {
			finish(s, t, OUT_FAILED, r->err ? r->err : xstrdup("failed"));
			r->err = NULL;
		} else {
			finish(s, t, s->results[t->item].outcome, NULL);
		}
		break;
	case R_GENERATE:
		if (s->o->locked && (s->o->from_cache ||
				     strcmp(it->cands[it->chosen].model->provider, "builtin") != 0)) {
			finish(s, t, OUT_FAILED, xstrdup(s->o->from_cache
				? "no shard uploaded it, and --from-cache never generates"
				: "the pinned artifact is not usable, and --locked never generates"));
			break;
		}
		t->attempt = 0;
		if (it->checked) {
			t->cand = it->chosen;
			t->has_verdict = 0;
			submit(s, t, J_CHECK, NULL);
			break;
		}
		t->cand = 0;
		try_candidate(s, t);
		break;
	case R_UPSCALE_HTTP:
		settle(s, t);
		/* from a cached generation: the upscale is not committed yet */
		if (!t->up_committed) {
			if (over_budget(s, t, it->upscaler, 1))
				break;
			s->committed += it->upscaler->cost;
			t->up_committed = 1;
		}
		t->upscaling = 1;
		t->attempt = 0;
		t->step = 0;
		t->state = T_READY;
		t->ready_at = 0;
		break;
	case R_FOLLOW:
		for (size_t i = 0; i < r->extra.n; i++)
			meta_add(&t->extra, r->extra.entries[i].key, r->extra.entries[i].value);
		http_request_release(&t->next);
		t->next = r->next;
		memset(&r->next, 0, sizeof(r->next));
		if (r->job) {
			free(t->job);
			t->job = r->job;
			r->job = NULL;
			t->call.job = t->job;
		}
		t->step = r->goto_step > 0 ? r->goto_step : t->step + 1;
		t->call.step = t->step;
		t->state = T_READY;
		t->ready_at = 0;
		if (r->poll) {
			/* a queued job's status, at the pace its API allows */
			t->call.polls++;
			t->ready_at = now_ns() + (uint64_t)(jobs_poll_wait(t->upscaling ? it->upprovider :
						it->cands[t->cand].provider, r) * 1e9);
		}
		break;
	case R_FAIL:
		if (!generating || !m) {
			/* restore/upscale from the cache failed for good */
			finish(s, t, OUT_FAILED, r->err ? r->err : s->results[t->item].err ?
			       xstrdup(s->results[t->item].err) : xstrdup("failed"));
			r->err = NULL;
			break;
		}
		if (r->lost && !t->resubmitted && !t->upscaling) {
			/* the service lost the job, or its result expired: once
			 * more, and the build says what it costs */
			struct item_result *res = &s->results[t->item];

			t->resubmitted = 1;
			snprintf(res->note, sizeof(res->note), "submitted again: %.100s; it costs %.3f more",
				 r->err ? r->err : "the job is gone", m->cost);
			status_printf(s->status, "assetgen: %s: %s\n", it->asset->name, res->note);
			if (!t->resumed) {
				/* this build paid for the lost one */
				s->stats->spent += m->cost;
				res->cost += m->cost;
			}
			t->resumed = 0;
			t->step = t->call.step = 0;
			meta_release(&t->extra);
			t->state = T_READY;
			t->ready_at = 0;
			break;
		}
		ms->faults[r->fault]++;
		ms->latency = xgrow(ms->latency, &ms->latcap, ms->nlatency + 1, sizeof(double));
		ms->latency[ms->nlatency++] = lat;
		{
			char *e = xasprintf("%s (attempt %d, %s)", r->err ? r->err : "failed", t->attempt,
					    fault_name(r->fault));

			if (s->status->level >= STATUS_VERBOSE)
				status_printf(s->status, "attempt failed %s: %s\n", it->asset->name, e);
			note_error(t, m->name, e);
			free(e);
		}
		t->step = 0;
		meta_release(&t->extra);
		/* a server that asks for a longer wait than a build should sit
		 * through (or for an absurd one) is treated as unavailable for
		 * this asset: the next candidate gets it now */
		if (fault_retryable(r->fault) && !(r->retry_after <= BUILD_RETRY_AFTER_MAX)) {
			char *e = xasprintf("%s asks to retry after %g s, more than the %d s a build"
					    " waits", m->name, r->retry_after, BUILD_RETRY_AFTER_MAX);

			if (s->status->level >= STATUS_VERBOSE)
				status_printf(s->status, "attempt failed %s: %s\n", it->asset->name, e);
			note_error(t, m->name, e);
			free(e);
		} else if (fault_retryable(r->fault) && !ms->cooled && t->attempt < max_attempts(m)) {
			t->state = T_READY;
			t->ready_at = now_ns() + (uint64_t)(backoff(s, t->attempt, r->retry_after) * 1e9);
			break;
		}
		/* this model is done with this asset: a breaker counts such
		 * assets in a row (a burst of 429s across parallel requests
		 * does not trip it; a model that keeps failing does) */
		if (fault_retryable(r->fault) && ++ms->consecutive >= BUILD_BREAKER && !ms->cooled) {
			ms->cooled = 1;
			status_printf(s->status, "assetgen: model '%s' cooled down for the rest of this"
				      " build: %d assets in a row failed every attempt\n", m->name,
				      BUILD_BREAKER);
		}
		if (t->upscaling) {
			finish(s, t, OUT_FAILED, buf_detach(&t->errors, NULL));
			break;
		}
		uncommit(s, t);
		t->cand = plan_next_model(it, t->cand);
		t->attempt = 0;
		try_candidate(s, t);
		break;
	case R_MISS:
		t->attempt = 0;
		try_candidate(s, t);
		break;
	case R_REJECT:
		reject(s, t, generating, ms, lat);
		break;
	}
	if (t->state == T_READY && !t->upscaling && t->cand < it->ncands)
		set_candidate_params(s, t);
	provider_reply_release(r);
	free(j);
}

static void
collect_stats_models(struct sched *s)
{
	struct build_stats *st = s->stats;
	size_t i, j, k;

	for (i = 0; i < s->pl->nitems; i++) {
		const struct plan_item *it = &s->pl->items[i];

		for (j = 0; j <= it->ncands; j++) {
			const struct model *m = j < it->ncands ? it->cands[j].model : it->upscaler;

			if (!m)
				continue;
			for (k = 0; k < st->nmodels; k++)
				if (strcmp(st->models[k].name, m->name) == 0)
					break;
			if (k < st->nmodels)
				continue;
			st->models = xreallocarray(st->models, st->nmodels + 1, sizeof(*st->models));
			memset(&st->models[st->nmodels], 0, sizeof(*st->models));
			st->models[st->nmodels++].name = m->name;
		}
	}
	s->inflight = xcalloc(st->nmodels + 1, sizeof(*s->inflight));
}

static int
default_jobs(const struct plan *pl)
{
	size_t i;

	for (i = 0; i < pl->nitems; i++)
		if (pl->items[i].action == PLAN_GENERATE && pl->items[i].ncands &&
		    pl->items[i].cands[0].provider && !pl->items[i].cands[0].provider->render)
			return 8;
	return os_cpus();
}

static void
loop(struct sched *s, int jobs)
{
	struct http_response resp;
	struct job *done;
	struct task *t;
	void *ud;
	uint64_t now, wake;
	size_t i, mi, k, blocker;
	int timeout, cancelled = 0;

	while (s->nfinished < s->ntasks) {
		if (build_interrupted)
			s->stop = 1;
		if (build_interrupted && !cancelled) {
			http_loop_cancel_all(s->loop);
			cancelled = 1;
			for (i = 0; i < s->ntasks; i++) {
				t = &s->tasks[i];
				if (t->state == T_HTTP || t->state == T_READY) {
					const struct plan_item *it = &s->pl->items[t->item];

					/* a queued job: cancelled where the API can,
					 * else left recorded for the next build */
					if (t->step > 0 && !t->upscaling && t->cand < it->ncands &&
					    jobs_cancel(s->ix, &it->cands[t->cand].gen_key,
							it->cands[t->cand].provider, &t->call, 2000))
						status_printf(s->status, "cancelled %s: its job at %s\n",
							      it->asset->name, it->cands[t->cand].model->name);
					if (t->state == T_HTTP && !t->upscaling && t->cand < s->pl->items[t->item].ncands) {
						stats_for(s, s->pl->items[t->item].cands[t->cand].model, &mi);
						s->inflight[mi]--;
					}
					finish(s, t, OUT_SKIPPED, xstrdup("interrupted"));
				}
			}
		}
		/* start new tasks, each once its inputs are made */
		while (s->next_task < s->ntasks && (s->stop || s->nactive < (size_t)jobs) &&
		       (k = ready_next(s->ready, s->stop, &blocker)) != READY_NONE) {
			t = &s->tasks[k];
			s->next_task++;
			if (blocker) {
				s->nactive++;
				finish(s, t, OUT_SKIPPED, xasprintf("not started: input asset %s failed",
								    s->pl->items[blocker - 1].asset->name));
				continue;
			}
			if (s->stop) {
				s->nactive++;
				finish(s, t, OUT_SKIPPED, xstrdup(build_interrupted ? "interrupted" :
								  "not started: an earlier step failed"));
				continue;
			}
			start(s, t);
			if (t->state == T_READY && t->cand < s->pl->items[t->item].ncands)
				set_candidate_params(s, t);
		}
		/* dispatch what is ready */
		now = now_ns();
		wake = now + 100 * 1000000ull;
		for (i = 0; i < s->ntasks; i++) {
			t = &s->tasks[i];
			if (t->state != T_READY)
				continue;
			if (t->ready_at > now) {
				if (t->ready_at < wake)
					wake = t->ready_at;
				continue;
			}
			dispatch(s, t);
		}
		pthread_mutex_lock(&s->mu);
		done = s->done_head;
		s->done_head = s->done_tail = NULL;
		pthread_mutex_unlock(&s->mu);
		timeout = done ? 0 : (int)((wake - now) / 1000000ull) + 1;
		http_loop_poll(s->loop, cancelled ? (done ? 0 : 20) : timeout);
		while (http_loop_next(s->loop, &ud, &resp)) {
			t = ud;
			{
				const struct plan_item *it = &s->pl->items[t->item];
				const struct model *m = t->upscaling ? it->upscaler : it->cands[t->cand].model;

				stats_for(s, m, &mi);
				s->inflight[mi]--;
			}
			submit(s, t, t->upscaling ? J_UPREPLY : J_REPLY, &resp);
		}
		while (done) {
			struct job *next = done->next;

			handle(s, done);
			done = next;
		}
		report_durable(s);
	}
}

static void
wake_loop(void *arg)
{
	http_loop_wakeup(arg);
}

int
build_run(struct plan *pl, struct store *st, const struct build_opts *o,
	  struct status *status, struct item_result *results, struct build_stats *stats)
{
	struct sched s;
	struct worker *ws;
	size_t i, *task_items;
	unsigned char *failed_items;
	int nworkers, jobs, failed = 0;
	uint64_t t0 = now_ns();

	memset(&s, 0, sizeof(s));
	memset(stats, 0, sizeof(*stats));
	s.pl = pl;
	s.st = st;
	s.o = o;
	s.status = status;
	s.results = results;
	s.stats = stats;
	s.outfd = -1;
	s.rng = (unsigned)(now_ns() ^ (uint64_t)getpid());
	collect_stats_models(&s);
	s.tasks = xcalloc(pl->nitems + 1, sizeof(*s.tasks));
	failed_items = xcalloc(pl->nitems + 1, 1);
	for (i = 0; i < pl->nitems; i++) {
		struct plan_item *it = &pl->items[i];

		memset(&results[i], 0, sizeof(results[i]));
		if (it->action == PLAN_FRESH) {
			results[i].outcome = OUT_FRESH;
			results[i].model = it->cands[it->chosen].model->name;
			results[i].cand = it->chosen;
			results[i].digest = it->digest;
		} else if (it->action == PLAN_UNROUTABLE || it->action == PLAN_MISSING ||
			   it->action == PLAN_REJECTED) {
			results[i].outcome = OUT_FAILED;
			results[i].err = xstrdup(it->why);
			failed_items[i] = 1;
			status_failed(status, it->asset->name, it->why);
			if (!o->keep_going)
				s.stop = 1;
		} else {
			s.tasks[s.ntasks].item = i;
			s.tasks[s.ntasks].next.secret = -1;
			s.ntasks++;
		}
	}
	task_items = xcalloc(s.ntasks + 1, sizeof(*task_items));
	for (i = 0; i < s.ntasks; i++)
		task_items[i] = s.tasks[i].item;
	s.ready = ready_new(pl, task_items, s.ntasks, failed_items);
	free(task_items);
	free(failed_items);
	if (s.ntasks) {
		if ((s.outfd = os_own_dir(o->out_dir, o->out_sub, 1)) < 0) {
			warn("cannot create output directory '%s%s%s':", o->out_dir,
			     o->out_sub ? "/" : "", o->out_sub ? o->out_sub : "");
			s.stop = 1;
		} else {
			os_clean_stale_tmp(s.outfd);
		}
	}
	jobs = o->jobs > 0 ? o->jobs : default_jobs(pl);
	nworkers = os_cpus() < jobs ? os_cpus() : jobs;
	if ((size_t)nworkers > s.ntasks)
		nworkers = (int)s.ntasks;
	s.rthreads = os_cpus() / (nworkers ? nworkers : 1);
	if (s.rthreads < 1)
		s.rthreads = 1;
	/* with nothing to run (a no-op), neither libcurl nor a second index
	 * connection is needed */
	s.loop = s.ntasks ? http_loop_new() : NULL;
	if (s.ntasks) {
		int fresh;

		s.ix = index_open(o->cache_dir, &fresh);
		if (s.outfd >= 0) {
			s.group = group_open(st, s.ix ? o->cache_dir : NULL, s.outfd, wake_loop, s.loop);
			s.tickets = xcalloc(pl->nitems, sizeof(*s.tickets));
			s.held = xcalloc(s.ntasks, sizeof(*s.held));
		}
	}
	pthread_mutex_init(&s.mu, NULL);
	pthread_cond_init(&s.cv, NULL);
	ws = xcalloc((size_t)nworkers + 1, sizeof(*ws));
	for (i = 0; i < (size_t)nworkers; i++) {
		ws[i].s = &s;
		if (pthread_create(&ws[i].thread, NULL, worker_main, &ws[i]) != 0)
			fatal("cannot start worker thread:");
	}

	loop(&s, jobs);

	pthread_mutex_lock(&s.mu);
	s.quit = 1;
	pthread_cond_broadcast(&s.cv);
	pthread_mutex_unlock(&s.mu);
	for (i = 0; i < (size_t)nworkers; i++)
		pthread_join(ws[i].thread, NULL);
	group_close(s.group);      /* every write durable: report the rest */
	s.group = NULL;
	report_durable(&s);
	free(ws);
	pthread_mutex_destroy(&s.mu);
	pthread_cond_destroy(&s.cv);
	http_loop_free(s.loop);
	index_close(s.ix);
	if (s.outfd >= 0)
		close(s.outfd);

	for (i = 0; i < pl->nitems; i++) {
		stats->counts[results[i].outcome]++;
		stats->saved += results[i].saved;
		if (results[i].outcome == OUT_FAILED || results[i].outcome == OUT_SKIPPED)
			failed = 1;
	}
	stats->seconds = (double)(now_ns() - t0) / 1e9;
	stats->interrupted = build_interrupted;
	free(s.tasks);
	free(s.inflight);
	ready_free(s.ready);
	free(s.tickets);
	free(s.held);
	return failed ? -1 : 0;
}

void
build_stats_release(struct build_stats *stats)
{
	size_t i;

	for (i = 0; i < stats->nmodels; i++)
		free(stats->models[i].latency);
	free(stats->models);
	stats->models = NULL;
	stats->nmodels = 0;
}
