/* report.c - the JSON build report (--report FILE) */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "os.h"
#include "report.h"
#include "util.h"

static json_t *
model_stats(const struct build_stats *stats)
{
	json_t *models = json_object(), *faults;
	double *lat;
	size_t i, f;

	for (i = 0; i < stats->nmodels; i++) {
		const struct model_stats *ms = &stats->models[i];

		if (!ms->attempts)
			continue;
		lat = xcalloc(ms->nlatency + 1, sizeof(*lat));
		if (ms->nlatency)
			memcpy(lat, ms->latency, ms->nlatency * sizeof(*lat));
		doubles_sort(lat, ms->nlatency);
		faults = json_object();
		for (f = FAULT_RETRY; f <= FAULT_SAFETY; f++)
			json_object_set_new(faults, fault_name((enum fault)f), json_integer((json_int_t)ms->faults[f]));
		json_object_set_new(models, ms->name, json_pack("{s:I, s:I, s:o, s:f, s:f, s:b}",
			"attempts", (json_int_t)ms->attempts, "succeeded", (json_int_t)ms->ok,
			"failures", faults,
			"p50_seconds", doubles_percentile(lat, ms->nlatency, 0.50),
			"p95_seconds", doubles_percentile(lat, ms->nlatency, 0.95),
			"cooled_down", ms->cooled));
		free(lat);
	}
	return models;
}

/* An asset's typography check: the verdict of the output, and every
 * candidate judged, in order. */
static json_t *
typo_json(const struct plan_item *it, const struct item_result *res)
{
	const struct typography *t = &it->asset->typo;
	const struct plan_check *chosen = NULL;
	json_t *o, *expect = json_array(), *cands = json_array();
	char hex[KEY_HEX_LEN + 1];
	size_t i;

	for (i = 0; i < t->nexpect; i++)
		json_array_append_new(expect, json_string(t->expect[i]));
	for (i = 0; i < it->nchecks; i++) {
		const struct plan_check *v = &it->checks[i];
		const struct plan_cand *c = &it->cands[v->cand];

		key_hex(&v->image, hex);
		json_array_append_new(cands, json_pack("{s:I, s:s, s:s, s:f, s:s, s:s, s:b}",
			"seed", (json_int_t)c->seed, "model", c->model->name,
			"verdict", v->pass ? "pass" : "fail", "distance", v->distance, "text", v->text,
			"image", hex, "cached", v->cached));
	}
	if (res->outcome != OUT_FAILED && res->outcome != OUT_SKIPPED)
		chosen = plan_check_find(it, res->cand);
	o = json_pack("{s:o, s:s, s:f, s:i, s:s}", "expect", expect, "lang", t->lang,
		      "threshold", t->threshold, "max_attempts", t->max_attempts, "verdict",
		      chosen ? (chosen->pass ? "pass" : it->picked ? "picked" : "fail") :
		      res->outcome == OUT_FAILED && it->nchecks ? "fail" : "unknown");
	if (chosen) {
		json_object_set_new(o, "seed", json_integer((json_int_t)it->cands[res->cand].seed));
		json_object_set_new(o, "distance", json_real(chosen->distance));
		json_object_set_new(o, "text", json_string(chosen->text));
	}
	json_object_set_new(o, "candidates", cands);
	return o;
}

/* Per model: candidates judged and how many failed, over every checked
 * asset of the build (verdicts from the cache included). */
static json_t *
typo_stats(const struct plan *pl)
{
	json_t *models = json_object(), *m;
	size_t i, j;

	for (i = 0; i < pl->nitems; i++) {
		const struct plan_item *it = &pl->items[i];

		for (j = 0; j < it->nchecks; j++) {
			const char *name = it->cands[it->checks[j].cand].model->name;
			json_int_t n, f;

			m = json_object_get(models, name);
			if (!m) {
				m = json_pack("{s:I, s:I, s:f}", "checked", (json_int_t)0, "failed",
					      (json_int_t)0, "failure_rate", 0.0);
				json_object_set_new(models, name, m);
			}
			n = json_integer_value(json_object_get(m, "checked")) + 1;
			f = json_integer_value(json_object_get(m, "failed")) + !it->checks[j].pass;
			json_object_set_new(m, "checked", json_integer(n));
			json_object_set_new(m, "failed", json_integer(f));
			json_object_set_new(m, "failure_rate", json_real((double)f / (double)n));
		}
	}
	return models;
}

int
report_write(const char *path, const struct plan *pl, const struct item_result *res,
	     const struct build_stats *stats, const struct remote_stats *remote, size_t remote_hits)
{
	json_t *root, *assets, *a;
	char hex[KEY_HEX_LEN + 1];
	char *text;
	size_t i, len;
	int r;

	assets = json_array();
	for (i = 0; i < pl->nitems; i++) {
		const struct plan_item *it = &pl->items[i];

		a = json_pack("{s:s, s:s, s:s, s:f, s:f, s:f, s:i, s:b}",
			      "name", it->asset->name,
			      "action", outcome_name(res[i].outcome),
			      "output", it->out_rel,
			      "seconds", res[i].seconds,
			      "cost", res[i].cost,
			      "saved", res[i].saved,
			      "attempts", res[i].attempts,
			      "fallback", res[i].fallback);
		json_object_set_new(a, "model", res[i].model ? json_string(res[i].model) : json_null());
		if (res[i].outcome != OUT_FAILED && res[i].outcome != OUT_SKIPPED) {
			key_hex(&res[i].digest, hex);
			json_object_set_new(a, "digest", json_string(hex));
		}
		if (it->asset->overlay)
			json_object_set_new(a, "overlay", json_string(it->asset->overlay->text));
		if (it->why && res[i].outcome != OUT_FRESH)
			json_object_set_new(a, "why", json_string(it->why));
		if (res[i].err)
			json_object_set_new(a, "error", json_string(res[i].err));
		if (res[i].note[0])
			json_object_set_new(a, "note", json_string(res[i].note));
		if (it->checked)
			json_object_set_new(a, "typography", typo_json(it, &res[i]));
		json_array_append_new(assets, a);
	}
	root = json_pack("{s:i, s:s, s:o, s:o, s:{s:I, s:I}, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:f, s:b}}",
		"version", 1,
		"tool", "assetgen " ASSETGEN_VERSION,
		"assets", assets,
		"models", model_stats(stats),
		"cache",
		"local_hits", (json_int_t)(stats->counts[OUT_RESTORED] + stats->counts[OUT_UPSCALED] +
					   stats->counts[OUT_OVERLAID] - remote_hits),
		"misses", (json_int_t)stats->counts[OUT_GENERATED],
		"totals",
		"assets", (json_int_t)pl->nitems,
		"generated", (json_int_t)stats->counts[OUT_GENERATED],
		"upscaled", (json_int_t)stats->counts[OUT_UPSCALED],
		"restored", (json_int_t)stats->counts[OUT_RESTORED],
		"fresh", (json_int_t)stats->counts[OUT_FRESH],
		"failed", (json_int_t)stats->counts[OUT_FAILED],
		"skipped", (json_int_t)stats->counts[OUT_SKIPPED],
		"spent", stats->spent,
		"saved", stats->saved,
		"seconds", stats->seconds,
		"interrupted", stats->interrupted != 0);
	if (!root) {
		warn("cannot build the report");
		return -1;
	}
	{
		json_t *cache = json_object_get(root, "cache");

		json_object_set_new(root, "typography", typo_stats(pl));
		json_object_set_new(cache, "remote_hits", json_integer((json_int_t)remote_hits));
		json_object_set_new(json_object_get(root, "totals"), "overlaid",
				    json_integer((json_int_t)stats->counts[OUT_OVERLAID]));
		if (remote)
			json_object_set_new(cache, "remote", json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
				"hits", (json_int_t)remote->hits, "misses", (json_int_t)remote->misses,
				"errors", (json_int_t)remote->errors, "rejected", (json_int_t)remote->rejected,
				"uploaded", (json_int_t)remote->uploaded,
				"upload_errors", (json_int_t)remote->upload_errors,
				"skipped", (json_int_t)remote->skipped));
	}
	text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	len = strlen(text);
	text[len] = '\n';      /* json_dumps leaves room for the NUL: reuse it */
	os_clean_stale_tmp_path(path);    /* left by a build killed while writing it */
	r = os_write_atomic_path(path, text, len + 1);
	if (r < 0)
		warn("cannot write report '%s':", path);
	free(text);
	return r;
}

void
report_bench_json(FILE *f, const struct plan *pl, const struct item_result *res,
		  const struct build_stats *stats, const double *lat, size_t nlat)
{
	json_t *root;
	size_t i, ok = 0;

	for (i = 0; i < pl->nitems; i++)
		ok += res[i].outcome == OUT_GENERATED;
	root = json_pack("{s:I, s:I, s:f, s:f, s:{s:f, s:f, s:f}, s:f, s:o}",
		"prompts", (json_int_t)pl->nitems,
		"succeeded", (json_int_t)ok,
		"seconds", stats->seconds,
		"images_per_second", stats->seconds > 0 ? (double)ok / stats->seconds : 0.0,
		"latency_seconds",
		"p50", doubles_percentile(lat, nlat, 0.50),
		"p95", doubles_percentile(lat, nlat, 0.95),
		"p99", doubles_percentile(lat, nlat, 0.99),
		"spent", stats->spent,
		"models", model_stats(stats));
	json_object_set_new(root, "typography", typo_stats(pl));
	json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', f);
	json_decref(root);
}
