/* plan.c - fresh / cached / generate, and the reason why */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "artifact.h"
#include "buf.h"
#include "fit.h"
#include "os.h"
#include "plan.h"
#include "refs.h"
#include "provider/provider.h"
#include "typography.h"
#include "util.h"

const char *
plan_action_name(enum plan_action a)
{
	switch (a) {
	case PLAN_FRESH: return "fresh";
	case PLAN_RESTORE: return "restore";
	case PLAN_UPSCALE: return "upscale";
	case PLAN_GENERATE: return "generate";
	case PLAN_UNROUTABLE: return "unroutable";
	case PLAN_MISSING: return "missing";
	case PLAN_OVERLAY: return "overlay";
	case PLAN_REJECTED: return "rejected";
	}
	return "?";
}

/* Append one reason, "; "-separated. */
static void
why_add(struct buf *why, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	if (why->len)
		buf_puts(why, "; ");
	buf_puts(why, s);
	free(s);
}

/* The value of key (klen bytes) in a sep-separated "k=v" list, or NULL. */
static const char *
kv_find(const char *s, const char *key, size_t klen, int sep, size_t *vlen)
{
	const char *e;

	for (; *s; s = *e ? e + 1 : e) {
		e = strchr(s, sep);
		if (!e)
			e = s + strlen(s);
		if ((size_t)(e - s) > klen && memcmp(s, key, klen) == 0 && s[klen] == '=') {
			*vlen = (size_t)(e - s) - klen - 1;
			return s + klen + 1;
		}
	}
	return NULL;
}

/* Report what changed between two sep-separated "k=v" lists. */
static void
diff_kv(struct buf *why, const char *what, const char *old, const char *new, int sep)
{
	const char *p, *e, *eq, *ov;
	size_t klen, olen, nlen;

	for (p = new; *p; p = *e ? e + 1 : e) {
		e = strchr(p, sep);
		if (!e)
			e = p + strlen(p);
		if (!(eq = memchr(p, '=', (size_t)(e - p))))
			continue;
		klen = (size_t)(eq - p);
		nlen = (size_t)(e - eq - 1);
		ov = kv_find(old, p, klen, sep, &olen);
		if (!ov)
			why_add(why, "%s %.*s added", what, (int)klen, p);
		else if (olen != nlen || memcmp(ov, eq + 1, nlen) != 0)
			why_add(why, "%s %.*s %.*s\u2192%.*s", what, (int)klen, p, (int)olen, ov,
				(int)nlen, eq + 1);
	}
	for (p = old; *p; p = *e ? e + 1 : e) {
		e = strchr(p, sep);
		if (!e)
			e = p + strlen(p);
		if (!(eq = memchr(p, '=', (size_t)(e - p))))
			continue;
		klen = (size_t)(eq - p);
		if (!kv_find(new, p, klen, sep, &olen))
			why_add(why, "%s %.*s removed", what, (int)klen, p);
	}
}

/* For refs_explain: why input i's upstream asset is rebuilt, if it is. */
struct up_ctx {
	const struct plan *pl;
	const struct asset *a;
};

static const char *
upstream_why(const void *ctx, size_t i)
{
	const struct up_ctx *u = ctx;
	size_t k = u->pl->byasset[u->a->inputs[i].upstream];
	const struct plan_item *up = k ? &u->pl->items[k - 1] : NULL;

	return up && up->action != PLAN_FRESH ? up->why : NULL;
}

static char *
explain(const struct plan *pl, const struct output_rec *r, const struct plan_item *it,
	const struct plan_cand *c)
{
	const struct asset *a = it->asset;
	struct buf why = BUF_INIT;
	char *params, *up, *ov, *oldparams;
	size_t before;

	params = artifact_params_text(c->params, c->nparams);
	up = artifact_upscale_text(&a->upscale);
	ov = artifact_overlay_text(a->overlay);
	oldparams = refs_strip(r->params);
	if (strcmp(r->prompt, a->prompt) != 0)
		why_add(&why, "prompt changed");
	if (strcmp(r->negative_prompt, a->negative_prompt) != 0)
		why_add(&why, "negative prompt changed");
	if (r->seed != a->seed)
		why_add(&why, "seed %llu\u2192%llu", (unsigned long long)r->seed,
			(unsigned long long)a->seed);
	if (r->width != a->width || r->height != a->height)
		why_add(&why, "size %ux%u\u2192%ux%u", r->width, r->height, a->width, a->height);
	if (strcmp(r->model, c->model->name) != 0)
		why_add(&why, "model %s\u2192%s", r->model, c->model->name);
	diff_kv(&why, "param", oldparams, params, '\n');
	refs_explain(&why, r->params, a, it->ups, upstream_why, &(struct up_ctx){ pl, a });
	if (strcmp(r->upscale, up) != 0) {
		before = why.len;
		/* same kind (factor or size): say which setting changed */
		if (strncmp(r->upscale, up, strcspn(up, "=") + 1) == 0)
			diff_kv(&why, "upscale", r->upscale, up, ' ');
		if (why.len == before)
			why_add(&why, "upscale %s\u2192%s", r->upscale, up);
	}
	if (strcmp(r->overlay, ov) != 0) {
		if (!strcmp(r->overlay, "none"))
			why_add(&why, "overlay added");
		else if (!strcmp(ov, "none"))
			why_add(&why, "overlay removed");
		else
			diff_kv(&why, "overlay", r->overlay, ov, '\n');
	}
	if (!why.len && key_equal(&r->key, &c->plain_key) && !key_equal(&c->plain_key, &c->final_key))
		buf_puts(&why, "signing turned on");
	else if (!why.len && !key_equal(&c->plain_key, &c->final_key))
		buf_puts(&why, "signer (certificate), model identity, fit or PNG encoding changed "
			 "(png: level or filter, libpng or zlib)");
	else if (!why.len && a->typo.nexpect)
		buf_puts(&why, "typography check changed (expected text, language, threshold, "
			 "the image read or Tesseract's version) or model identity changed");
	else if (!why.len)
		buf_puts(&why, "model identity, PNG encoding or fit changed (provider, model or "
			 "version; png: level or filter, libpng or zlib; fit)");
	free(params);
	free(up);
	free(ov);
	free(oldparams);
	return buf_detach(&why, NULL);
}

/* One candidate per model in route order; an asset with a typography
 * check has max_attempts of them per model, the seed going up by one. */
static void
plan_cands(struct plan_item *it, const struct project *p)
{
	const struct asset *a = it->asset;
	struct asset ra = *a;
	struct model_id id, upid;
	const struct model *upm;
	const struct provider *upp;
	size_t i, n = 0, rolls = 1;
	int k;

	it->checked = a->typo.nexpect > 0;
	if (it->checked)
		rolls = (size_t)a->typo.max_attempts;
	it->cands = xcalloc(it->route.ncands * rolls + 1, sizeof(*it->cands));
	for (i = 0; i < it->route.ncands; i++) {
		for (k = 0; k < (int)rolls; k++) {
			struct plan_cand *c = &it->cands[n++];

			c->model = it->route.cands[i];
			c->provider = provider_find(c->model->provider);
			c->roll = k;
			c->seed = a->seed + (uint64_t)k;
			c->native_w = it->route.native[i][0];
			c->native_h = it->route.native[i][1];
			ra.seed = c->seed;
			params_merge(c->model, a, &c->params, &c->nparams);
			model_id_of(c->model, c->provider ? c->provider->impl : "", &id);
			key_generation(&ra, &id, c->params, c->nparams, &c->gen_key);
			if (a->ninputs)
				key_inputs(&c->gen_key, a, it->ups, &c->gen_key);
			if (a->overlay)
				key_overlay(&c->gen_key, a->overlay, &c->ovl_key);
			else
				c->ovl_key = c->gen_key;
			c->base_key = c->ovl_key;
			if (a->upscale.kind != UPSCALE_NONE) {
				upm = project_model(p, a->upscale.with);
				if (upm) {
					upp = provider_find(upm->provider);
					model_id_of(upm, upp ? upp->impl : "", &upid);
					it->upscaler = upm;
					it->upprovider = upp;
				}
				key_upscale(&c->ovl_key, &a->upscale, upm ? &upid : NULL, &c->base_key);
			}
			c->pix_key = c->base_key;
			if (it->checked)
				key_checked(&c->base_key, &a->typo, ocr_engine(), &c->pix_key);
			key_encode(&c->pix_key, &p->cfg.png, &c->plain_key);
			c->final_key = c->plain_key;
			if (p->cfg.signing)
				key_signed(&c->plain_key, p->cfg.signer, &c->final_key);
		}
	}
	it->ncands = n;
}

/* The output's bytes are cached (act), or only the pixels under them, in
 * another encoding or none recorded yet: then the build encodes them
 * again (build.c, place), which costs no model call. */
static int
cached_output(const struct plan_cand *c, struct index *ix, struct store *st, struct action *act)
{
	if (!ix || !st)
		return 0;
	if (index_action_get(ix, &c->final_key, act) == 1 && store_has(st, &act->digest, NULL))
		return 1;
	/* a signed build: the unsigned output, signed as it is placed */
	if (!key_equal(&c->plain_key, &c->final_key) &&
	    index_action_get(ix, &c->plain_key, act) == 1 && store_has(st, &act->digest, NULL))
		return 1;
	return index_action_get(ix, &c->pix_key, act) == 1 && store_has(st, &act->digest, NULL);
}

size_t
plan_next_model(const struct plan_item *it, size_t j)
{
	const struct model *m = j < it->ncands ? it->cands[j].model : NULL;

	while (j < it->ncands && it->cands[j].model == m)
		j++;
	return j;
}

struct plan_check *
plan_check_add(struct plan_item *it, size_t j)
{
	struct plan_check *c;

	it->checks = xgrow(it->checks, &it->capchecks, it->nchecks + 1, sizeof(*it->checks));
	c = &it->checks[it->nchecks++];
	memset(c, 0, sizeof(*c));
	c->cand = j;
	return c;
}

const struct plan_check *
plan_check_find(const struct plan_item *it, size_t j)
{
	size_t i;

	for (i = it->nchecks; i > 0; i--)
		if (it->checks[i - 1].cand == j)
			return &it->checks[i - 1];
	return NULL;
}

/* A cached verdict for candidate j's generation, or for the output with
 * the overlay drawn on it when the check reads that (recorded in it); 0
 * when the generation is not in the cache, -1 when it is but the image
 * the check reads was never judged. */
static int
cached_verdict(struct plan_item *it, size_t j, struct index *ix, struct store *st)
{
	const struct plan_cand *c = &it->cands[j];
	struct plan_check *pc;
	struct action act;
	struct key ok;

	if (!ix || !st || index_action_get(ix, &c->gen_key, &act) != 1 ||
	    !store_has(st, &act.digest, NULL))
		return 0;
	/* the overlay is stored before its check: none, never judged */
	if (it->asset->typo.on_output &&
	    (index_action_get(ix, &c->ovl_key, &act) != 1 || !store_has(st, &act.digest, NULL)))
		return -1;
	key_ocr(&act.digest, &it->asset->typo, ocr_engine(), &ok);
	pc = plan_check_add(it, j);
	pc->image = act.digest;
	if (index_action_get(ix, &ok, &act) != 1 || strcmp(act.stage, "ocr") != 0) {
		it->nchecks--;
		return -1;      /* generated, never judged */
	}
	pc->cached = 1;
	pc->pass = act.fallback;
	pc->distance = act.cost;
	snprintf(pc->text, sizeof(pc->text), "%s", act.model);
	return 1;
}

/* A checked asset: the first candidate whose rolls before it all failed
 * and which passed; else the first model's next roll to make or judge;
 * else rejected. */
static void
plan_checked(struct plan_item *it, const struct output_rec *r, int fresh_ok, struct index *ix,
	     struct store *st)
{
	size_t g, j, work = it->ncands;
	int v, exhausted = 0;

	for (g = 0; g < it->ncands; g = plan_next_model(it, g)) {
		for (j = g; j < plan_next_model(it, g); j++) {
			v = cached_verdict(it, j, ix, st);
			if (v == 1 && it->checks[it->nchecks - 1].pass) {
				plan_choose(it, j, r, fresh_ok, ix, st);
				return;
			}
			if (v != 1) {
				if (work == it->ncands)
					work = j;
				break;
			}
		}
		if (g == 0 && j == plan_next_model(it, g))
			exhausted = 1;
	}
	/* a final artifact exists only for a candidate that passed (or was
	 * picked) under these very settings, which its key covers: made by a
	 * teammate (the remote cache) or before the index lost its verdicts */
	for (j = 0; j < it->ncands; j++) {
		const struct plan_cand *c = &it->cands[j];
		struct action act;

		if ((fresh_ok && key_equal(&r->key, &c->final_key)) || cached_output(c, ix, st, &act)) {
			if (!plan_check_find(it, j))
				cached_verdict(it, j, ix, st);
			plan_choose(it, j, r, fresh_ok, ix, st);
			return;
		}
	}
	/* the verdicts of models not tried are not the story */
	for (j = 0; j < it->nchecks; j++)
		if (it->cands[it->checks[j].cand].model != it->cands[0].model)
			break;
	it->nchecks = j;
	if (exhausted) {
		it->action = PLAN_REJECTED;
		free(it->why);
		it->why = typo_failure(it);
		return;
	}
	it->action = PLAN_GENERATE;
	it->chosen = work;
	/* a roll already made is only judged: nothing to pay */
	it->cost = ix && st && index_action_get(ix, &it->cands[work].gen_key, &(struct action){0}) == 1 ?
		0 : it->cands[work].model->cost;
}

double
plan_output_cost(const struct plan_item *it, size_t j, struct index *ix, double unknown)
{
	const struct plan_cand *c = &it->cands[j];
	struct action act;
	double cost;
	size_t i;

	if (!ix || index_action_get(ix, &c->gen_key, &act) != 1)
		return unknown;
	cost = act.cost;
	for (i = 0; it->checked && i < it->ncands; i++)
		if (i != j && index_action_get(ix, &it->cands[i].gen_key, &act) == 1)
			cost += act.cost;
	if (!key_equal(&c->gen_key, &c->pix_key) && index_action_get(ix, &c->pix_key, &act) == 1)
		cost += act.cost;
	return cost;
}

/* A signed output not made yet from an unsigned one that is: restored,
 * and signed as it is placed (no stage runs again). */
static int
plain_cached(struct plan_item *it, size_t j, struct index *ix, struct store *st)
{
	const struct plan_cand *c = &it->cands[j];
	struct action act;

	if (key_equal(&c->plain_key, &c->final_key) || !ix || !st ||
	    index_action_get(ix, &c->plain_key, &act) != 1 || !store_has(st, &act.digest, NULL))
		return 0;
	it->action = PLAN_RESTORE;
	it->chosen = j;
	it->digest = act.digest;
	it->saved = plan_output_cost(it, j, ix, act.cost);
	return 1;
}

void
plan_choose(struct plan_item *it, size_t j, const struct output_rec *r, int fresh_ok,
	    struct index *ix, struct store *st)
{
	const struct plan_cand *c = &it->cands[j];
	struct action act;

	it->chosen = j;
	it->cost = 0;
	if (fresh_ok && key_equal(&r->key, &c->final_key)) {
		it->action = PLAN_FRESH;
		it->digest = r->digest;
		return;
	}
	if (cached_output(c, ix, st, &act)) {
		it->action = PLAN_RESTORE;
		it->digest = act.digest;
		it->saved = plan_output_cost(it, j, ix, act.cost);
		return;
	}
	if (plain_cached(it, j, ix, st))
		return;
	/* checked: the generation is judged, then the overlay and the upscale */
	if (it->checked && ix && st &&
	    index_action_get(ix, &c->gen_key, &act) == 1 && store_has(st, &act.digest, NULL)) {
		it->action = it->asset->overlay && it->asset->upscale.kind == UPSCALE_NONE ?
			PLAN_OVERLAY : PLAN_UPSCALE;
		it->gen_digest = act.digest;
		it->saved = act.cost;
		return;
	}
	if (!it->checked && it->asset->upscale.kind != UPSCALE_NONE && ix && st &&
	    index_action_get(ix, &c->ovl_key, &act) == 1 && store_has(st, &act.digest, NULL)) {
		it->action = PLAN_UPSCALE;
		it->gen_digest = act.digest;
		it->saved = act.cost;
		return;
	}
	if (!it->checked && it->asset->overlay && ix && st &&
	    index_action_get(ix, &c->gen_key, &act) == 1 && store_has(st, &act.digest, NULL)) {
		it->action = PLAN_OVERLAY;
		it->gen_digest = act.digest;
		it->saved = act.cost;
		return;
	}
	it->action = PLAN_GENERATE;
	it->cost = c->model->cost;
}

static void
plan_one(struct plan *pl, struct plan_item *it, const struct project *p, struct index *ix,
	 struct store *st, const struct plan_opts *o)
{
	const struct asset *a = it->asset;
	const struct output_rec *r;
	struct action act;
	struct stat sb;
	size_t i;
	int have, fresh_ok;

	if (a->ninputs) {
		it->ups = xcalloc(a->ninputs, sizeof(*it->ups));
		for (i = 0; i < a->ninputs; i++) {
			size_t k = a->inputs[i].asset ? pl->byasset[a->inputs[i].upstream] : 0;
			const struct plan_item *up = k ? &pl->items[k - 1] : NULL;

			if (up && up->ncands)
				it->ups[i] = up->cands[up->chosen].pix_key;
		}
	}
	it->out_name = xasprintf("%s.png", a->name);
	it->out_path = path_join(o->out_dir, it->out_name);
	it->out_rel = xasprintf("%s/%s", o->out_rel, it->out_name);
	if (route_asset(p, a, o->intent, o->per_request, &it->route) < 0 || it->route.ncands == 0) {
		it->action = PLAN_UNROUTABLE;
		if (it->route.nskipped && it->route.nbudget == it->route.nskipped)
			it->why = xasprintf("every candidate costs more than budget.per_request (%.4g)",
					    o->per_request);
		else if (it->route.nskipped)
			it->why = xstrdup("no candidate can serve this asset");
		else
			it->why = xstrdup("no route matches this asset (add a catch-all route: `- use: [builtin]`)");
		return;
	}
	plan_cands(it, p);

	r = index_outputs_find(pl->recs, pl->nrecs, it->out_path);
	have = lstat(it->out_path, &sb) == 0 && S_ISREG(sb.st_mode);
	fresh_ok = r && have && r->size == (int64_t)sb.st_size && r->mtime_ns == os_mtime_ns(&sb) &&
		r->ino == (int64_t)sb.st_ino;
	if (fresh_ok && !it->checked) {
		for (i = 0; i < it->ncands; i++) {
			if (key_equal(&r->key, &it->cands[i].final_key)) {
				it->action = PLAN_FRESH;
				it->chosen = i;
				it->digest = r->digest;
				return;
			}
		}
	}
	if (!r) {
		it->why = xstrdup(have ? "output not made by this cache" : "new asset");
	} else {
		for (i = 0; i < it->ncands; i++)
			if (key_equal(&r->key, &it->cands[i].final_key))
				break;
		if (i < it->ncands)
			it->why = xstrdup(have ? "output modified" : "output missing");
		else
			it->why = explain(pl, r, it, &it->cands[0]);
	}
	if (it->checked) {
		plan_checked(it, r, fresh_ok, ix, st);
		return;
	}

	for (i = 0; ix && st && i < it->ncands; i++) {
		const struct plan_cand *c = &it->cands[i];

		if (cached_output(c, ix, st, &act)) {
			it->action = PLAN_RESTORE;
			it->chosen = i;
			it->digest = act.digest;
			it->saved = plan_output_cost(it, i, ix, act.cost);
			return;
		}
		if (plain_cached(it, i, ix, st))
			return;
		if (a->upscale.kind != UPSCALE_NONE &&
		    index_action_get(ix, &c->ovl_key, &act) == 1 && store_has(st, &act.digest, NULL)) {
			it->action = PLAN_UPSCALE;
			it->chosen = i;
			it->gen_digest = act.digest;
			it->saved = act.cost;
			if (a->overlay && index_action_get(ix, &c->gen_key, &act) == 1)
				it->saved = act.cost;   /* what the generation under it cost */
			return;
		}
		if (a->overlay &&
		    index_action_get(ix, &c->gen_key, &act) == 1 && store_has(st, &act.digest, NULL)) {
			it->action = PLAN_OVERLAY;
			it->chosen = i;
			it->gen_digest = act.digest;
			it->saved = act.cost;
			return;
		}
	}
	it->action = PLAN_GENERATE;
	it->chosen = 0;
	it->cost = it->cands[0].model->cost;
}

/* Add to why what routing skipped and why, and the size the chosen
 * candidate is asked for when it is not the asset's: what -n and
 * --explain show. */
static void
note_route(struct plan_item *it)
{
	const struct asset *a = it->asset;
	const struct plan_cand *c;
	struct buf why = BUF_INIT;
	char *fit;
	size_t i;

	if (it->why)
		buf_puts(&why, it->why);
	for (i = 0; i < it->route.nskipped; i++)
		why_add(&why, "skipped %s: %s", it->route.skipped[i]->name, it->route.skip_why[i]);
	if (it->action == PLAN_GENERATE && it->chosen < it->ncands) {
		c = &it->cands[it->chosen];
		if (c->native_w != a->width || c->native_h != a->height) {
			fit = fit_text(&a->fit);
			why_add(&why, "%s renders %ux%u, fitted to %ux%u (%s)", c->model->name,
				c->native_w, c->native_h, a->width, a->height, fit);
			free(fit);
		}
	}
	free(it->why);
	it->why = why.len ? buf_detach(&why, NULL) : NULL;
	buf_release(&why);
}

/* A model that upscales is paid once more after the generation (or after
 * the cached generation, or overlay, it starts from). */
static void
price_upscale(struct plan_item *it)
{
	if (it->upscaler && (it->action == PLAN_GENERATE || it->action == PLAN_UPSCALE ||
			     it->action == PLAN_OVERLAY))
		it->cost += it->upscaler->cost;
}

void
plan_pick(struct plan *pl, struct plan_item *it, size_t j, struct index *ix, struct store *st)
{
	const struct output_rec *r = index_outputs_find(pl->recs, pl->nrecs, it->out_path);
	struct stat sb;
	size_t i;
	int fresh_ok;

	fresh_ok = r && lstat(it->out_path, &sb) == 0 && S_ISREG(sb.st_mode) &&
		r->size == (int64_t)sb.st_size && r->mtime_ns == os_mtime_ns(&sb) &&
		r->ino == (int64_t)sb.st_ino;
	it->picked = 1;
	plan_choose(it, j, r, fresh_ok, ix, st);
	price_upscale(it);
	if (!plan_check_find(it, j))
		cached_verdict(it, j, ix, st);
	if (it->action != PLAN_FRESH && !it->why)
		it->why = xasprintf("picked: seed %llu", (unsigned long long)it->cands[j].seed);
	memset(pl->counts, 0, sizeof(pl->counts));
	pl->cost = 0;
	for (i = 0; i < pl->nitems; i++) {
		pl->counts[pl->items[i].action]++;
		pl->cost += pl->items[i].cost;
	}
}

int
plan_make(struct plan *pl, const struct project *p, const unsigned char *sel,
	  struct index *ix, struct store *st, const struct plan_opts *o)
{
	unsigned char *all;
	size_t i, k, n = 0, *order;

	memset(pl, 0, sizeof(*pl));
	if (ix && index_outputs_load(ix, &pl->recs, &pl->nrecs) < 0)
		return -1;
	pl->project = p;
	pl->items = xcalloc(p->nassets + 1, sizeof(*pl->items));
	pl->byasset = xcalloc(p->nassets + 1, sizeof(*pl->byasset));
	all = xcalloc(p->nassets + 1, 1);
	for (i = 0; i < p->nassets; i++)
		all[i] = !sel || sel[i];
	refs_close(p, all);
	for (i = 0; i < p->nassets; i++) {
		if (!all[i])
			continue;
		pl->items[n].asset = &p->assets[i];
		pl->byasset[i] = ++n;
	}
	pl->nitems = n;
	/* upstream first: a dependant's key takes its inputs' keys */
	order = refs_order(p);
	for (k = 0; k < p->nassets; k++) {
		struct plan_item *it;

		if (!pl->byasset[order[k]])
			continue;
		it = &pl->items[pl->byasset[order[k]] - 1];
		plan_one(pl, it, p, ix, st, o);
		if (it->action != PLAN_FRESH)
			note_route(it);
		price_upscale(it);
		pl->counts[it->action]++;
		pl->cost += it->cost;
	}
	free(order);
	free(all);
	return 0;
}

void
plan_rekey(struct plan *pl, struct plan_item *it, const struct key *ups)
{
	size_t i;

	for (i = 0; i < it->ncands; i++)
		free(it->cands[i].params);
	free(it->cands);
	memcpy(it->ups, ups, it->asset->ninputs * sizeof(*ups));
	it->nchecks = 0;
	plan_cands(it, pl->project);
	pl->counts[it->action]--;
	pl->counts[PLAN_GENERATE]++;
	it->action = PLAN_GENERATE;
	it->chosen = 0;
	it->picked = 0;
}

void
plan_release(struct plan *pl)
{
	size_t i, j;

	for (i = 0; i < pl->nitems; i++) {
		struct plan_item *it = &pl->items[i];

		for (j = 0; j < it->ncands; j++)
			free(it->cands[j].params);
		free(it->cands);
		free(it->checks);
		free(it->out_name);
		free(it->out_path);
		free(it->out_rel);
		free(it->why);
		free(it->ups);
	}
	free(pl->items);
	free(pl->byasset);
	index_outputs_free(pl->recs, pl->nrecs);
	memset(pl, 0, sizeof(*pl));
}

void
plan_output_rec(const struct plan_item *it, const struct plan_cand *c,
		const struct key *digest, struct output_rec *r)
{
	const struct asset *a = it->asset;

	memset(r, 0, sizeof(*r));
	r->path = xstrdup(it->out_path);
	r->asset = xstrdup(a->name);
	r->key = c->final_key;
	r->digest = *digest;
	r->model = xstrdup(c->model->name);
	r->prompt = xstrdup(a->prompt);
	r->negative_prompt = xstrdup(a->negative_prompt);
	r->seed = a->seed;    /* the recipe's: what --explain compares */
	r->width = a->width;
	r->height = a->height;
	r->params = artifact_params_text(c->params, c->nparams);
	if (a->ninputs) {
		struct buf b = BUF_INIT;

		buf_puts(&b, r->params);
		refs_record(&b, a, it->ups);
		free(r->params);
		r->params = buf_detach(&b, NULL);
	}
	r->upscale = artifact_upscale_text(&a->upscale);
	r->overlay = artifact_overlay_text(a->overlay);
}

void
plan_output_rec_release(struct output_rec *r)
{
	free(r->path);
	free(r->asset);
	free(r->model);
	free(r->prompt);
	free(r->negative_prompt);
	free(r->params);
	free(r->upscale);
	free(r->overlay);
}

/* Can every candidate make its asset (sizes a provider cannot make are
 * config errors, reported before anything runs)?  0 or EXIT_INPUT. */
int
plan_check_models(const struct plan *pl)
{
	size_t i, j;
	char *err;
	int rc = 0;

	for (i = 0; i < pl->nitems; i++) {
		const struct plan_item *it = &pl->items[i];
		const struct asset *a = it->asset;

		for (j = 0; j < it->ncands; j++) {
			const struct plan_cand *c = &it->cands[j];

			err = NULL;
			if (c->roll || !c->provider || !c->provider->check ||
			    c->provider->check(c->model, c->native_w, c->native_h, &err) == 0)
				continue;
			fprintf(stderr, "%s:%d:%d: asset '%s': model '%s' cannot make %ux%u: %s\n",
				a->loc.file, a->loc.line, a->loc.col, a->name, c->model->name,
				c->native_w, c->native_h, err ? err : "unsupported size");
			free(err);
			rc = EXIT_INPUT;
		}
		if (it->upscaler && (!it->upprovider || !it->upprovider->upscale_request)) {
			fprintf(stderr, "%s:%d:%d: asset '%s': model '%s' cannot upscale (provider '%s')\n",
				a->loc.file, a->loc.line, a->loc.col, a->name, it->upscaler->name,
				it->upscaler->provider);
			rc = EXIT_INPUT;
		}
	}
	return rc;
}

/* Does key hold a byte no HTTP header may carry (CR, LF, other C0, DEL)? */
static int
key_has_control(const char *key)
{
	const unsigned char *p;

	for (p = (const unsigned char *)key; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 1;
	return 0;
}

/* Every model a build may call must have its key in the environment, and
 * a key that can be sent: say so before any request.  0 or EXIT_INPUT. */
int
plan_check_keys(const struct plan *pl)
{
	const struct model *seen[64];
	size_t i, j, k, nseen = 0;
	const char *v;
	int rc = 0;

	for (i = 0; i < pl->nitems; i++) {
		const struct plan_item *it = &pl->items[i];

		if (it->action == PLAN_FRESH || it->action == PLAN_UNROUTABLE || it->action == PLAN_MISSING ||
		    it->action == PLAN_REJECTED)
			continue;
		for (j = 0; j <= it->ncands; j++) {
			const struct model *m = j < it->ncands ? it->cands[j].model : it->upscaler;
			const struct provider *p = j < it->ncands ? it->cands[j].provider : it->upprovider;

			/* a key is needed when the provider needs one, or
			 * when the model names one (http, a1111) */
			if (!m || !p || p->render || (!p->needs_key && !m->api_key_env))
				continue;
			if (j < it->ncands && it->action != PLAN_GENERATE)
				continue;
			for (k = 0; k < nseen; k++)
				if (seen[k] == m)
					break;
			if (k < nseen)
				continue;
			if (nseen < 64)
				seen[nseen++] = m;
			v = m->api_key_env ? getenv(m->api_key_env) : NULL;
			if (!v || !*v) {
				warn("model '%s' needs its API key in the environment variable %s",
				     m->name, m->api_key_env ? m->api_key_env : "(api_key_env is not set)");
				rc = EXIT_INPUT;
			} else if (key_has_control(v)) {
				/* sent, a line break would start a header of its own */
				warn("model '%s': the API key in %s holds a control character "
				     "(a line break?); fix the variable (the key is not shown)",
				     m->name, m->api_key_env);
				rc = EXIT_INPUT;
			}
		}
	}
	return rc;
}
