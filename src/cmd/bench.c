/* cmd/bench.c - `assetgen bench`: N prompts against a model or route, the
 * measurement a team makes before choosing a model */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "cmd.h"
#include "os.h"
#include "params.h"
#include "plan.h"
#include "report.h"
#include "util.h"

static const char usage[] =
	"usage: assetgen bench [--model NAME] [-n COUNT] [-j N] [--size WxH] [--prompt TEXT]\n"
	"                      [--expect-text TEXT] [--json]\n"
	"Send COUNT prompts (default 20; TEXT with {i} replaced by 1..COUNT, or generated)\n"
	"to one model (or through the routes) and report latency p50/p95/p99,\n"
	"throughput, failures by class, attempts and cost.  Nothing is reused from or\n"
	"written to the project's cache or outputs.\n"
	"  --model NAME   the model to measure (default: route each prompt)\n"
	"  -n COUNT       prompts to send (default 20)\n"
	"  -j N           requests at once (default: as for build)\n"
	"  --size WxH     image size (default 512x512)\n"
	"  --expect-text TEXT  read each render back and check it shows TEXT ({i} as in\n"
	"                 --prompt; typography settings from assetgen.yaml, one attempt):\n"
	"                 the typography failure rate per model\n"
	"  --json         print the results as JSON\n";

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
pct(const double *v, size_t n, double q)
{
	size_t k;

	if (!n)
		return 0;
	k = (size_t)(q * (double)n + 0.999999);
	return v[(k < 1 ? 1 : k > n ? n : k) - 1];
}

static char *
expand(const char *tmpl, size_t i)
{
	const char *p = strstr(tmpl, "{i}");

	if (!p)
		return xasprintf("%s (%zu)", tmpl, i);
	return xasprintf("%.*s%zu%s", (int)(p - tmpl), tmpl, i, p + 3);
}

/* {i} replaced, and nothing appended: the text to look for. */
static char *
expand_text(const char *tmpl, size_t i)
{
	const char *p = strstr(tmpl, "{i}");

	if (!p)
		return xstrdup(tmpl);
	return xasprintf("%.*s%zu%s", (int)(p - tmpl), tmpl, i, p + 3);
}

/* "typography: 12 of 100 renders failed the check (12.0%)" for model. */
static void
print_typography(const struct plan *pl, const char *model)
{
	size_t i, j, n = 0, failed = 0;

	for (i = 0; i < pl->nitems; i++)
		for (j = 0; j < pl->items[i].nchecks; j++)
			if (strcmp(pl->items[i].cands[pl->items[i].checks[j].cand].model->name, model) == 0) {
				n++;
				failed += !pl->items[i].checks[j].pass;
			}
	printf("  typography: %zu of %zu renders failed the check (%.1f%%)\n", failed, n,
	       n ? 100.0 * (double)failed / (double)n : 0.0);
}

int
cmd_bench(int argc, char **argv, struct global *g)
{
	static const struct option longopts[] = {
		{"model", required_argument, NULL, 'm'},
		{"size", required_argument, NULL, 's'},
		{"prompt", required_argument, NULL, 'p'},
		{"json", no_argument, NULL, 'J'},
		{"expect-text", required_argument, NULL, 'T'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *model = NULL, *prompt = "benchmark image {i}, 'Launch Sale', clean layout";
	const char *expect = NULL;
	uint64_t count = 20, w = 512, h = 512;
	struct build_opts bo;
	struct build_stats stats;
	struct item_result *res = NULL;
	struct plan_opts po;
	struct plan pl = {0};
	struct project synth;
	struct status status;
	struct store st = {0};
	struct index *ix = NULL;
	struct ctx c;
	char tmpl[] = "/tmp/assetgen-bench.XXXXXX", *dir = NULL, *cache = NULL, *out = NULL, *x;
	double *lat = NULL;
	size_t i, nlat = 0, nok = 0;
	int opt, rc, jobs = 0, json = 0, fresh;

	while ((opt = getopt_long(argc, argv, "n:j:C:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'm': model = optarg; break;
		case 'p': prompt = optarg; break;
		case 'J': json = 1; break;
		case 'T':
			expect = optarg;
			if (!*expect) {
				warn("--expect-text wants the text each render should show");
				return EXIT_INPUT;
			}
			break;
		case 'C': g->dir = optarg; break;
		case 'n':
			if (parse_u64(optarg, &count) < 0 || count < 1 || count > 100000) {
				warn("-n wants a count from 1 to 100000, not '%s'", optarg);
				return EXIT_INPUT;
			}
			break;
		case 'j':
			if (opt_count("-j", optarg, &jobs) < 0)
				return EXIT_INPUT;
			break;
		case 's':
			x = strchr(optarg, 'x');
			if (!x || (*x = '\0', parse_u64(optarg, &w) < 0) || parse_u64(x + 1, &h) < 0 ||
			    w < 1 || h < 1 || w > IMAGE_MAX_SIDE || h > IMAGE_MAX_SIDE) {
				warn("--size wants WIDTHxHEIGHT, each 1..%d", IMAGE_MAX_SIDE);
				return EXIT_INPUT;
			}
			break;
		case 'h':
			fputs(usage, stdout);
			return EXIT_OK;
		default:
			fputs(usage, stderr);
			return EXIT_INPUT;
		}
	}
	if ((rc = ctx_load(&c, g)) != 0)
		return rc;
	if (model && !project_model(&c.p, model)) {
		warn("unknown model '%s'", model);
		ctx_release(&c);
		return EXIT_INPUT;
	}
	/* a project of COUNT synthetic assets sharing the real configuration */
	memset(&synth, 0, sizeof(synth));
	synth.cfg = c.p.cfg;
	synth.nassets = (size_t)count;
	synth.assets = xcalloc(synth.nassets, sizeof(*synth.assets));
	for (i = 0; i < synth.nassets; i++) {
		struct asset *a = &synth.assets[i];

		a->name = xasprintf("bench-%zu", i + 1);
		a->prompt = expand(prompt, i + 1);
		a->negative_prompt = (char *)"";
		a->seed = i + 1;
		a->width = (uint32_t)w;
		a->height = (uint32_t)h;
		a->model = (char *)model;
		a->loc.file = "bench";
		if (expect) {
			a->typo.expect = xcalloc(1, sizeof(*a->typo.expect));
			a->typo.expect[0] = expand_text(expect, i + 1);
			a->typo.nexpect = 1;
			a->typo.lang = c.p.cfg.typo_lang;
			a->typo.threshold = c.p.cfg.typo_threshold;
			a->typo.max_attempts = 1;   /* the first render's verdict is the measure */
		}
	}
	dir = mkdtemp(tmpl);
	if (!dir) {
		warn("cannot make a temporary directory:");
		rc = EXIT_BUILD;
		goto out;
	}
	cache = path_join(dir, "cache");
	out = path_join(dir, "out");
	if (store_open(&st, cache) < 0 || !(ix = index_open(cache, &fresh))) {
		rc = EXIT_BUILD;
		goto out;
	}
	po.intent = -1;
	po.per_request = c.p.cfg.per_request;
	po.out_dir = out;
	po.out_rel = "bench";
	if (plan_make(&pl, &synth, NULL, ix, &st, &po) < 0) {
		rc = EXIT_BUILD;
		goto out;
	}
	if ((rc = plan_check_models(&pl)) != 0 || (rc = params_check(&pl, 0, 0)) != 0 ||
	    (rc = plan_check_keys(&pl)) != 0)
		goto out;
	if (!json && g->level >= 0)
		printf("bench: %zu prompts, %llux%llu, %s, estimated cost %.3f\n", pl.nitems,
		       (unsigned long long)w, (unsigned long long)h, model ? model : "routed", pl.cost);
	status_init(&status, pl.nitems, STATUS_QUIET, 0);
	memset(&bo, 0, sizeof(bo));
	bo.jobs = jobs;
	bo.keep_going = 1;
	bo.per_build = c.p.cfg.per_build;
	bo.per_asset = c.p.cfg.per_asset;
	bo.checks_quiet = 1;
	bo.cache_dir = cache;
	bo.png = &c.p.cfg.png;
	bo.out_dir = out;
	res = xcalloc(pl.nitems + 1, sizeof(*res));
	rc = build_run(&pl, &st, &bo, &status, res, &stats) < 0 ? EXIT_BUILD : EXIT_OK;
	lat = xcalloc(pl.nitems + 1, sizeof(*lat));
	for (i = 0; i < pl.nitems; i++) {
		/* a render that failed the typography check was still made */
		if (res[i].outcome == OUT_GENERATED || (pl.items[i].nchecks && res[i].attempts))
			lat[nlat++] = res[i].seconds;
		nok += res[i].outcome == OUT_GENERATED;
	}
	if (expect && rc == EXIT_BUILD)
		rc = EXIT_OK;   /* renders failing the check are the measurement, not an error */
	qsort(lat, nlat, sizeof(*lat), cmp_double);
	if (json) {
		report_bench_json(stdout, &pl, res, &stats, lat, nlat);
	} else {
		size_t m, f;

		printf("done:        %zu of %zu in %.2fs, %.2f images/s\n", nok, pl.nitems, stats.seconds,
		       stats.seconds > 0 ? (double)nok / stats.seconds : 0.0);
		printf("latency:     p50 %.3fs  p95 %.3fs  p99 %.3fs  (per asset, retries included)\n",
		       pct(lat, nlat, 0.50), pct(lat, nlat, 0.95), pct(lat, nlat, 0.99));
		printf("spent:       %.3f\n", stats.spent);
		for (m = 0; m < stats.nmodels; m++) {
			const struct model_stats *ms = &stats.models[m];

			if (!ms->attempts)
				continue;
			printf("model %s: %zu attempts, %zu succeeded", ms->name, ms->attempts, ms->ok);
			for (f = FAULT_RETRY; f <= FAULT_SAFETY; f++)
				if (ms->faults[f])
					printf(", %zu %s", ms->faults[f], fault_name((enum fault)f));
			printf("%s\n", ms->cooled ? " (cooled down)" : "");
			if (expect)
				print_typography(&pl, ms->name);
		}
	}
	for (i = 0; i < pl.nitems; i++)
		free(res[i].err);
	build_stats_release(&stats);
out:
	free(lat);
	free(res);
	plan_release(&pl);
	index_close(ix);
	if (st.dir)
		store_close(&st);
	if (dir)
		os_rmtree(dir);
	free(cache);
	free(out);
	for (i = 0; i < synth.nassets; i++) {
		free(synth.assets[i].name);
		free(synth.assets[i].prompt);
		if (synth.assets[i].typo.expect)
			free(synth.assets[i].typo.expect[0]);
		free(synth.assets[i].typo.expect);
	}
	free(synth.assets);
	ctx_release(&c);
	return rc;
}
