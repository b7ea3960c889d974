/* plan.c - fresh / cached / generate, and the reason why */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "artifact.h"
#include "buf.h"
#include "os.h"
#include "plan.h"
#include "provider.h"
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

static char *
explain(const struct output_rec *r, const struct plan_item *it, const struct plan_cand *c)
{
	const struct asset *a = it->asset;
	struct buf why = BUF_INIT;
	char *params, *up;
	size_t before;

	params = artifact_params_text(c->params, c->nparams);
	up = artifact_upscale_text(&a->upscale);
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
	diff_kv(&why, "param", r->params, params, '\n');
	if (strcmp(r->upscale, up) != 0) {
		before = why.len;
		/* same kind (factor or size): say which setting changed */
		if (strncmp(r->upscale, up, strcspn(up, "=") + 1) == 0)
			diff_kv(&why, "upscale", r->upscale, up, ' ');
		if (why.len == before)
			why_add(&why, "upscale %s\u2192%s", r->upscale, up);
	}
	if (!why.len)
		buf_puts(&why, "model identity changed (provider, model or version)");
	free(params);
	free(up);
	return buf_detach(&why, NULL);
}

static void
plan_cands(struct plan_item *it, const struct project *p)
{
	const struct asset *a = it->asset;
	struct model_id id, upid;
	const struct model *upm;
	const struct provider *upp;
	size_t i;

	for (i = 0; i < it->route.ncands; i++) {
		struct plan_cand *c = &it->cands[i];

		c->model = it->route.cands[i];
		c->provider = provider_find(c->model->provider);
		params_merge(c->model, a, &c->params, &c->nparams);
		model_id_of(c->model, c->provider ? c->provider->impl : "", &id);
		key_generation(a, &id, c->params, c->nparams, &c->gen_key);
		if (a->upscale.kind == UPSCALE_NONE) {
			c->final_key = c->gen_key;
			continue;
		}
		upm = project_model(p, a->upscale.with);
		if (upm) {
			upp = provider_find(upm->provider);
			model_id_of(upm, upp ? upp->impl : "", &upid);
			it->upscaler = upm;
			it->upprovider = upp;
		}
		key_upscale(&c->gen_key, &a->upscale, upm ? &upid : NULL, &c->final_key);
	}
	it->ncands = it->route.ncands;
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
	int have;

	it->out_name = xasprintf("%s.png", a->name);
	it->out_path = path_join(o->out_dir, it->out_name);
	it->out_rel = xasprintf("%s/%s", o->out_rel, it->out_name);
	if (route_asset(p, a, o->intent, o->per_request, &it->route) < 0 || it->route.ncands == 0) {
		it->action = PLAN_UNROUTABLE;
		if (it->route.nskipped)
			it->why = xasprintf("every candidate costs more than budget.per_request (%.4g)",
					    o->per_request);
		else
			it->why = xstrdup("no route matches this asset (add a catch-all route: `- use: [builtin]`)");
		return;
	}
	plan_cands(it, p);

	r = index_outputs_find(pl->recs, pl->nrecs, it->out_path);
	have = lstat(it->out_path, &sb) == 0 && S_ISREG(sb.st_mode);
	if (r && have && r->size == (int64_t)sb.st_size && r->mtime_ns == os_mtime_ns(&sb) &&
	    r->ino == (int64_t)sb.st_ino) {
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
			it->why = explain(r, it, &it->cands[0]);
	}

	for (i = 0; ix && st && i < it->ncands; i++) {
		const struct plan_cand *c = &it->cands[i];

		if (index_action_get(ix, &c->final_key, &act) == 1 && store_has(st, &act.digest, NULL)) {
			it->action = PLAN_RESTORE;
			it->chosen = i;
			it->digest = act.digest;
			it->saved = act.cost;
			return;
		}
		if (a->upscale.kind != UPSCALE_NONE &&
		    index_action_get(ix, &c->gen_key, &act) == 1 && store_has(st, &act.digest, NULL)) {
			it->action = PLAN_UPSCALE;
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

int
plan_make(struct plan *pl, const struct project *p, const unsigned char *sel,
	  struct index *ix, struct store *st, const struct plan_opts *o)
{
	size_t i, n = 0;

	memset(pl, 0, sizeof(*pl));
	if (ix && index_outputs_load(ix, &pl->recs, &pl->nrecs) < 0)
		return -1;
	pl->items = xcalloc(p->nassets, sizeof(*pl->items));
	for (i = 0; i < p->nassets; i++) {
		struct plan_item *it;

		if (sel && !sel[i])
			continue;
		it = &pl->items[n++];
		it->asset = &p->assets[i];
		plan_one(pl, it, p, ix, st, o);
		pl->counts[it->action]++;
		pl->cost += it->cost;
	}
	pl->nitems = n;
	return 0;
}

void
plan_release(struct plan *pl)
{
	size_t i, j;

	for (i = 0; i < pl->nitems; i++) {
		struct plan_item *it = &pl->items[i];

		for (j = 0; j < it->ncands; j++)
			free(it->cands[j].params);
		free(it->out_name);
		free(it->out_path);
		free(it->out_rel);
		free(it->why);
	}
	free(pl->items);
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
	r->seed = a->seed;
	r->width = a->width;
	r->height = a->height;
	r->params = artifact_params_text(c->params, c->nparams);
	r->upscale = artifact_upscale_text(&a->upscale);
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
}
