/* typography.c - the typography check's metadata and messages */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ocr.h"
#include "typography.h"
#include "cache/index.h"
#include "util.h"

/* In the index a verdict is an action of stage "ocr" keyed by
 * key_ocr(image, check, engine): pass in its fallback field, the
 * distance in its cost, the text read in its model. */
int
typo_verdict_get(struct index *ix, const struct key *image, const struct typography *t,
		 struct plan_check *v)
{
	struct action act;
	struct key k;

	key_ocr(image, t, ocr_engine(), &k);
	if (!ix || index_action_get(ix, &k, &act) != 1 || strcmp(act.stage, "ocr") != 0)
		return 0;
	v->image = *image;
	v->pass = act.fallback;
	v->distance = act.cost;
	v->cached = 1;
	snprintf(v->text, sizeof(v->text), "%s", act.model);
	return 1;
}

void
typo_verdict_put(struct index *ix, const struct typography *t, const struct plan_check *v)
{
	struct action act;
	struct key k;

	if (!ix)
		return;
	key_ocr(&v->image, t, ocr_engine(), &k);
	memset(&act, 0, sizeof(act));
	act.digest = v->image;
	snprintf(act.stage, sizeof(act.stage), "ocr");
	snprintf(act.model, sizeof(act.model), "%s", v->text);
	act.fallback = v->pass;
	act.cost = v->distance;
	index_action_put(ix, &k, &act);
}

void
typo_meta_add(struct meta *m, const struct typography *t, const struct plan_check *v)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < t->nexpect; i++)
		buf_printf(&b, "%s%s", i ? "\n" : "", t->expect[i]);
	meta_add(m, "assetgen:expect_text", b.data ? b.data : "");
	b.len = 0;
	buf_printf(&b, "%s distance=%.3f threshold=%.3f lang=%s engine=%s", v->pass ? "pass" : "fail",
		   v->distance, t->threshold, t->lang, ocr_engine());
	meta_add(m, "assetgen:ocr", b.data);
	meta_add(m, "assetgen:ocr_text", v->text);
	buf_release(&b);
}

char *
typo_meta_describe(const struct meta *m)
{
	const char *v = meta_get(m, "assetgen:ocr"), *e, *r;

	if (!v)
		return NULL;
	e = meta_get(m, "assetgen:expect_text");
	r = meta_get(m, "assetgen:ocr_text");
	return xasprintf("%s\nexpected \"%s\", read \"%s\"", v, e ? e : "", r ? r : "");
}

char *
typo_failure(const struct plan_item *it)
{
	const struct typography *t = &it->asset->typo;
	const struct plan_check *best = NULL;
	size_t i;

	for (i = 0; i < it->nchecks; i++)
		if (!best || it->checks[i].distance < best->distance)
			best = &it->checks[i];
	if (!best)
		return xstrdup("typography check failed");
	return xasprintf("typography check failed on %zu candidate%s (seeds %llu to %llu): best "
			 "seed %llu read \"%s\" (distance %.2f, threshold %.2f); pick one with "
			 "`assetgen pick %s SEED`", it->nchecks, it->nchecks == 1 ? "" : "s",
			 (unsigned long long)it->cands[it->checks[0].cand].seed,
			 (unsigned long long)it->cands[it->checks[it->nchecks - 1].cand].seed,
			 (unsigned long long)it->cands[best->cand].seed, best->text, best->distance,
			 t->threshold, it->asset->name);
}

char *
typo_verdict_line(const struct plan_item *it, const struct plan_check *v)
{
	const struct plan_cand *c = &it->cands[v->cand];

	return xasprintf("typography %s: seed %llu (%s) %s: read \"%s\", distance %.2f (threshold "
			 "%.2f)%s", it->asset->name, (unsigned long long)c->seed, c->model->name,
			 v->pass ? "passed" : "failed", v->text, v->distance,
			 it->asset->typo.threshold, v->cached ? ", from the cache" : "");
}
