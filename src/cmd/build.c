/* cmd/build.c - `assetgen build`; the options and the plan that status and pick share */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build.h"
#include "cmd.h"
#include "derive.h"
#include "cache/buildstate.h"
#include "os.h"
#include "params.h"
#include "plan.h"
#include "report.h"
#include "seal.h"
#include "site/site.h"
#include "status.h"
#include "cache/sync.h"
#include "util.h"

static const char build_usage[] =
	"usage: assetgen build [ASSET...] [-j N] [-k] [-n] [--explain] [-q|-v]\n"
	"                      [--intent preview|final] [--budget AMOUNT] [--report FILE]\n"
	"                      [--locked] [--upload] [--shard I/N] [--from-cache]\n"
	"                      [-d explain|noop]\n"
	"  -j N             run N steps at once (default: number of CPUs)\n"
	"  -k               keep going after a failure\n"
	"  -n               dry run: print the plan, models and estimated cost\n"
	"  --explain        say why each asset is rebuilt\n"
	"  --intent preview route every asset to the preview models, into DIST/preview/\n"
	"  --budget AMOUNT  cap this build's spending (overrides budget.per_build)\n"
	"  --report FILE    write a JSON build report\n"
	"  --locked         generate nothing: place exactly the artifacts assetgen.lock pins\n"
	"                   (from the local or remote cache), or fail naming what is missing\n"
	"  --upload         upload what this build makes to the remote cache\n"
	"  --shard I/N      build only shard I (0 to N-1) of the assets, split by key,\n"
	"                   and upload them (docs/ci.md)\n"
	"  --from-cache     generate nothing: place every asset from the local or remote\n"
	"                   cache, or fail naming each one that no shard produced\n"
	"  -d noop          say whether nothing changed since the last build with nothing\n"
	"                   to do (then no recipe is parsed), or why not\n"
	"  -C DIR           run as if started in DIR\n";

static void
on_signal(int sig)
{
	build_interrupted = sig;
}

/* Parse the options shared by build and status; ASSET names stay in argv
 * from *first on.  0, or EXIT_INPUT; -1 for --help. */
int
build_args_parse(int argc, char **argv, struct global *g, struct build_args *a, const char *usage,
		 int *first)
{
	static const struct option longopts[] = {
		{"explain", no_argument, NULL, 'E'},
		{"report", required_argument, NULL, 'R'},
		{"intent", required_argument, NULL, 'I'},
		{"budget", required_argument, NULL, 'B'},
		{"locked", no_argument, NULL, 'L'},
		{"upload", no_argument, NULL, 'U'},
		{"shard", required_argument, NULL, 'S'},
		{"from-cache", no_argument, NULL, 'F'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	enum intent want;
	int c;

	memset(a, 0, sizeof(*a));
	a->intent = -1;
	a->budget = -1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":j:knqvC:d:", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			if (opt_count("-j", optarg, &a->jobs) < 0)
				return EXIT_INPUT;
			break;
		case 'k': a->keep_going = 1; break;
		case 'n': a->dry_run = 1; break;
		case 'q': g->level = STATUS_QUIET; break;
		case 'v': g->level = STATUS_VERBOSE; break;
		case 'C': g->dir = optarg; break;
		case 'E': a->explain = 1; break;
		case 'd':
			if (strcmp(optarg, "explain") == 0) {
				a->explain = 1;
			} else if (strcmp(optarg, "noop") == 0) {
				a->debug_noop = 1;
			} else {
				warn("unknown debug mode '%s' ('explain' or 'noop')", optarg);
				return EXIT_INPUT;
			}
			break;
		case 'R': a->report = optarg; break;
		case 'L': a->locked = 1; break;
		case 'U': a->upload = 1; break;
		case 'S':
			if (shard_parse(optarg, &a->shard) < 0)
				return EXIT_INPUT;
			break;
		case 'F': a->from_cache = 1; break;
		case 'I':
			if (opt_intent(optarg, &want) != 0)
				return EXIT_INPUT;
			a->intent = (int)want;
			break;
		case 'B':
			if (opt_amount("--budget", optarg, &a->budget) < 0)
				return EXIT_INPUT;
			break;
		case 'h':
			fputs(usage, stdout);
			return -1;
		case ':':
			warn("option '%s' needs a value", argv[optind - 1]);
			fputs(usage, stderr);
			return EXIT_INPUT;
		default:
			warn("unknown option '%s'", argv[optind - 1]);
			fputs(usage, stderr);
			return EXIT_INPUT;
		}
	}
	/* a shard builds its part, the fan-in places what the shards built,
	 * --locked what the lock pins: one of them at a time */
	if ((a->shard.count > 0) + a->from_cache + a->locked > 1 && (a->shard.count || a->from_cache)) {
		warn("options '%s' and '%s' do not go together", a->shard.count ? "--shard" : "--from-cache",
		     a->locked ? "--locked" : "--from-cache");
		return EXIT_INPUT;
	}
	*first = optind;
	return 0;
}

void
build_release(struct ctx *c, struct plan *pl, struct build_prep *pp)
{
	free(pp->sel);
	free(pp->rel);
	free(pp->out_dir);
	memset(pp, 0, sizeof(*pp));
	plan_release(pl);
	ctx_release(c);
}

/* Load, select and plan: the part build, status and -n share. */
int
build_prepare(struct ctx *c, struct global *g, const struct build_args *a, char **names, int nnames,
	      int readonly, struct plan *pl, struct build_prep *pp)
{
	int rc;

	memset(pp, 0, sizeof(*pp));
	if ((rc = ctx_load(c, g)) != 0)
		return rc;
	if ((rc = select_assets(&c->p, names, nnames, &pp->sel)) != 0)
		return rc;
	/* a dry run or a status query writes nothing, not even a new cache */
	if ((!readonly || access(c->cache_dir, F_OK) == 0) && (rc = ctx_open_cache(c)) != 0)
		return rc;
	if (a->intent == INTENT_PREVIEW) {
		pp->out_dir = path_join(c->out_dir, "preview");
		pp->rel = xasprintf("%s/preview", c->p.cfg.output_dir);
		/* DIST itself may be a link (to a web root, say); preview/
		 * inside it is assetgen's own: a link planted there goes
		 * before the plan reads through it */
		if (!readonly) {
			int fd = os_own_dir(c->out_dir, "preview", 0);

			if (fd >= 0)
				close(fd);
			else if (errno != ENOENT)
				return EXIT_BUILD;
		}
	} else {
		pp->out_dir = xstrdup(c->out_dir);
		pp->rel = xstrdup(c->p.cfg.output_dir);
	}
	pp->po.intent = a->intent;
	pp->po.per_request = c->p.cfg.per_request;
	pp->po.out_dir = pp->out_dir;
	pp->po.out_rel = pp->rel;
	rc = plan_make(pl, &c->p, pp->sel, c->ix, c->store_open ? &c->st : NULL, &pp->po) < 0 ?
		EXIT_BUILD : 0;
	if (rc == 0)
		rc = plan_check_models(pl);
	if (rc == 0)
		rc = params_check(pl, g->level > 0, a->explain);
	if (rc == 0 && a->shard.count)
		shard_select(pl, &c->p, &a->shard, &pp->sel);
	return rc;
}

void
build_print_plan(const struct plan *pl, int all)
{
	size_t i;

	for (i = 0; i < pl->nitems; i++) {
		const struct plan_item *it = &pl->items[i];
		const char *model = it->ncands ? it->cands[it->chosen].model->name : "-";

		if (it->action == PLAN_FRESH && !all)
			continue;
		printf("%-10s %-32s %-16s", plan_action_name(it->action), it->asset->name, model);
		if (it->action == PLAN_GENERATE || it->cost > 0)
			printf(" %8.3f", it->cost);
		else
			printf(" %8s", "");
		if (it->why && it->action != PLAN_FRESH)
			printf("  %s", it->why);
		putchar('\n');
	}
}

void
build_print_totals(const struct plan *pl)
{
	printf("%zu assets: %zu to generate, %zu to upscale, ", pl->nitems, pl->counts[PLAN_GENERATE],
	       pl->counts[PLAN_UPSCALE]);
	if (pl->counts[PLAN_OVERLAY])
		printf("%zu to overlay, ", pl->counts[PLAN_OVERLAY]);
	printf("%zu to restore from cache, %zu fresh", pl->counts[PLAN_RESTORE], pl->counts[PLAN_FRESH]);
	if (pl->counts[PLAN_UNROUTABLE])
		printf(", %zu unroutable", pl->counts[PLAN_UNROUTABLE]);
	if (pl->counts[PLAN_REJECTED])
		printf(", %zu rejected by the typography check", pl->counts[PLAN_REJECTED]);
	printf("; estimated cost %.3f\n", pl->cost);
}

/* Did an asset fail its typography check (its candidates go on the site)? */
static int
typo_failed(const struct plan *pl, const struct item_result *res)
{
	size_t i;

	for (i = 0; i < pl->nitems; i++)
		if (pl->items[i].checked && pl->items[i].nchecks && res[i].outcome == OUT_FAILED)
			return 1;
	return 0;
}

/* `assetgen pick NAME SEED`: the plan holds NAME alone; choose its
 * candidate of that seed that was made (in route order). */
static int
force_pick(struct plan *pl, uint64_t seed, struct index *ix, struct store *st)
{
	struct plan_item *it = &pl->items[0];
	struct action act;
	size_t j, first = SIZE_MAX;

	if (pl->nitems != 1) {
		warn("pick: name one asset, not a group of %zu", pl->nitems);
		return EXIT_INPUT;
	}
	if (!it->checked) {
		warn("pick: '%s' has no expect_text: there are no candidates to pick from",
		     it->asset->name);
		return EXIT_INPUT;
	}
	for (j = 0; j < it->ncands; j++) {
		if (it->cands[j].seed != seed)
			continue;
		if (first == SIZE_MAX)
			first = j;
		if (ix && index_action_get(ix, &it->cands[j].gen_key, &act) == 1 &&
		    store_has(st, &act.digest, NULL))
			break;
	}
	if (first == SIZE_MAX) {
		warn("pick: seed %llu is not a candidate of '%s' (seeds %llu to %llu)",
		     (unsigned long long)seed, it->asset->name,
		     (unsigned long long)it->cands[0].seed,
		     (unsigned long long)it->cands[plan_next_model(it, 0) - 1].seed);
		return EXIT_INPUT;
	}
	if (j == it->ncands) {
		warn("pick: candidate seed %llu of '%s' was never made: build it first",
		     (unsigned long long)seed, it->asset->name);
		return EXIT_BUILD;
	}
	plan_pick(pl, it, j, ix, st);
	return 0;
}

/* credentials: the signing key and the chain, checked together; a bad
 * one is the config's error, at its value in assetgen.yaml */
static int
load_creds(const struct config *cfg, struct crypto_creds *cr)
{
	struct crypto_source key = { cfg->cred_key.file, cfg->cred_key.env };
	struct crypto_source cert = { cfg->cred_cert.file, cfg->cred_cert.env };
	char *err = NULL;

	if (crypto_creds_load(cr, &key, &cert, &err) == 0)
		return 0;
	fprintf(stderr, "%s:%d:%d: credentials: %s\n", cfg->cred_key.loc.file, cfg->cred_key.loc.line,
		cfg->cred_key.loc.col, err);
	free(err);
	return EXIT_INPUT;
}

/* The build itself: argv[0..argc) are ASSET names; sum (may be NULL)
 * gets what it did. */
int
build_with(struct global *g, const struct build_args *args, int argc, char **argv,
	   struct build_summary *sum)
{
	struct build_args a = *args;
	struct build_opts bo;
	struct build_stats stats;
	struct status status;
	struct item_result *res = NULL;
	struct plan pl = {0}, again;
	struct build_prep pp = {0};
	struct sync sy = {0};
	struct ctx c;
	struct sigaction sa;
	struct noop_build nb;
	struct derive_stats ds = {0};
	struct crypto_creds creds;
	int have_creds = 0;
	size_t i, nwork = 1, missing = 0, nassets;
	int first = 0, rc, sync_open_ok = 0, whole = argc == 0 && !a.dry_run && !a.shard.count;
	uint64_t t0 = now_ns();

	memset(&c, 0, sizeof(c));
	/* nothing changed since a build that had nothing to do: say so, as
	 * the full path below would, without loading recipes or the index.
	 * Not for --locked: a no-op proves the outputs current, not that the
	 * lock pins each of them, which --locked must check */
	if (whole && !a.report && !a.locked && noop_check(g, a.intent, a.debug_noop, &nassets)) {
		if (g->level >= 0)
			printf("assetgen: no work to do (%zu assets up to date)\n", nassets);
		if (sum) {
			memset(sum, 0, sizeof(*sum));
			sum->assets = sum->fresh = nassets;
		}
		return EXIT_OK;
	}
	if ((rc = build_prepare(&c, g, &a, argv + first, argc - first, a.dry_run, &pl, &pp)) != 0)
		goto out;
	if (a.dry_run) {
		build_print_plan(&pl, g->level > 0);
		build_print_totals(&pl);
		goto out;
	}
	if (c.p.cfg.signing && (rc = load_creds(&c.p.cfg, &creds)) != 0)
		goto out;
	have_creds = c.p.cfg.signing;
	/* a writer that keeps the index locked (a long gc, a stuck process):
	 * wait for it once, then fail naming it, rather than wait at each
	 * record and end as if nothing had happened */
	if (index_writable(c.ix) < 0) {
		rc = EXIT_BUILD;
		goto out;
	}
	/* this build may write: its record of a no-op no longer holds */
	noop_forget(c.cache_dir);
	if ((rc = sync_open(&sy, &c, a.upload || a.shard.count)) != 0)
		goto out;
	sync_open_ok = 1;
	if (a.locked) {
		/* reproduce the pinned renders: never generate, never pay */
		missing = sync_pin(&sy, &pl, &c.st);
	} else if (sync_prefetch(&sy, &pl, &c.st, c.ix)) {
		if (plan_make(&again, &c.p, pp.sel, c.ix, &c.st, &pp.po) == 0) {
			sync_count_hits(&sy, &pl, &again);
			plan_release(&pl);
			pl = again;
		}
	}
	if (a.from_cache)
		shard_fan_in(&pl);
	if (!a.locked)
		sync_apply_picks(&sy, &pl, c.ix, &c.st);
	if (a.pick && (rc = force_pick(&pl, a.pick_seed, c.ix, &c.st)) != 0)
		goto out;
	if ((rc = plan_check_keys(&pl)) != 0)
		goto out;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	nwork = pl.nitems - pl.counts[PLAN_FRESH];
	status_init(&status, nwork, g->level, a.explain);
	memset(&bo, 0, sizeof(bo));
	bo.jobs = a.jobs;
	bo.keep_going = a.keep_going;
	bo.per_build = a.budget >= 0 ? a.budget : c.p.cfg.per_build;
	bo.per_asset = c.p.cfg.per_asset;
	bo.cache_dir = c.cache_dir;
	bo.out_dir = c.out_dir;
	bo.out_sub = a.intent == INTENT_PREVIEW ? "preview" : NULL;
	bo.locked = a.locked || a.from_cache;
	bo.from_cache = a.from_cache;
	bo.png = &c.p.cfg.png;
	bo.creds = have_creds ? &creds : NULL;
	res = xcalloc(pl.nitems + 1, sizeof(*res));
	rc = build_run(&pl, &c.st, &bo, &status, res, &stats) < 0 ? EXIT_BUILD : EXIT_OK;
	status_finish(&status);
	if (a.locked && !stats.interrupted && sync_check_pins(&sy, &pl, res))
		rc = EXIT_BUILD;
	/* the web derivatives of the finals (outputs:), from the cache when made before */
	if (!stats.interrupted && a.intent != INTENT_PREVIEW &&
	    derive_run(&c.p, &pl, res, &c.st, c.ix, c.out_dir, a.jobs, &ds) < 0)
		rc = EXIT_BUILD;
	if (!stats.interrupted && a.shard.count && sy.upload)
		shard_upload(&sy.remote, &pl, res, &c.st, c.ix);
	else if (!stats.interrupted)
		sync_upload(&sy, &pl, res, &c.st, c.ix);
	/* the lock pins finals: a preview build or a failed one leaves it alone */
	if (rc == EXIT_OK && !a.locked && a.intent != INTENT_PREVIEW)
		sync_update_lock(&sy, &c.p, &pl, res, &c.st, c.ix, argc - first == 0);
	/* dist/manifest.json, dist/_thumbs/, dist/index.html: rewritten only when they change;
	 * after a failed build too when candidates wait for a person to pick one */
	if ((rc == EXIT_OK || typo_failed(&pl, res)) && !stats.interrupted &&
	    site_update(&c.p, c.ix, c.out_dir) < 0)
		rc = EXIT_BUILD;
	seal_release();         /* the signing's verdicts, carried to the gallery */
	if (missing)
		warn("--locked: %zu asset%s cannot be reproduced from assetgen.lock", missing,
		     missing == 1 ? "" : "s");
	/* cache stats' history: builds that did something (a no-op has no
	 * hits, misses nor spending to count, and its row cost an fsync) */
	if (nwork)
		index_build_record(c.ix, (long long)pl.nitems, (long long)stats.counts[OUT_GENERATED],
				   (long long)(stats.counts[OUT_RESTORED] + stats.counts[OUT_UPSCALED] +
					       stats.counts[OUT_OVERLAID]),
				   stats.spent, stats.saved);
	/* the time the whole build took, waits for the index and the remote
	 * cache included */
	stats.seconds = (double)(now_ns() - t0) / 1e9;

	if (g->level >= 0 && ds.encoded + ds.restored)
		printf("assetgen: %zu derivatives: %zu encoded, %zu restored from cache, %zu fresh\n",
		       ds.encoded + ds.restored + ds.fresh, ds.encoded, ds.restored, ds.fresh);
	if (nwork == 0 && rc == EXIT_OK && ds.encoded + ds.restored + ds.snippets == 0) {
		if (g->level >= 0)
			printf("assetgen: no work to do (%zu assets up to date)\n", pl.nitems);
	} else if (g->level >= 0 || rc != EXIT_OK) {
		status_printf(&status, "assetgen: %zu assets: %zu generated, %zu upscaled, ", pl.nitems,
			      stats.counts[OUT_GENERATED], stats.counts[OUT_UPSCALED]);
		if (stats.counts[OUT_OVERLAID])
			printf("%zu overlaid, ", stats.counts[OUT_OVERLAID]);
		printf("%zu restored from cache, %zu fresh", stats.counts[OUT_RESTORED], stats.counts[OUT_FRESH]);
		if (stats.counts[OUT_FAILED])
			printf(", %zu failed", stats.counts[OUT_FAILED]);
		if (stats.counts[OUT_SKIPPED])
			printf(", %zu not built", stats.counts[OUT_SKIPPED]);
		printf("; spent %.3f, saved %.3f (%.2fs)\n", stats.spent, stats.saved, stats.seconds);
	}
	if (g->level >= 0 && !have_creds && nwork > 0 && stats.counts[OUT_FAILED] < nwork)
		printf("assetgen: outputs carry the unsigned IPTC marker only; to sign them with C2PA "
		       "content credentials, run `assetgen credentials init` (docs/credentials.md)\n");
	if (g->level >= 0 || sy.remote.stats.errors || sy.remote.stats.rejected)
		sync_print(&sy);
	if (a.report && report_write(a.report, &pl, res, &stats, sy.have_remote ? &sy.remote.stats : NULL,
				     sy.remote_hits) < 0 && rc == EXIT_OK)
		rc = EXIT_BUILD;
	if (stats.interrupted) {
		warn("interrupted by signal %d", stats.interrupted);
		rc = EXIT_SIGNAL + stats.interrupted;
	}
	if (sum) {
		sum->assets = pl.nitems;
		sum->generated = stats.counts[OUT_GENERATED];
		sum->upscaled = stats.counts[OUT_UPSCALED];
		sum->overlaid = stats.counts[OUT_OVERLAID];
		sum->restored = stats.counts[OUT_RESTORED];
		sum->fresh = stats.counts[OUT_FRESH];
		sum->failed = stats.counts[OUT_FAILED];
		sum->skipped = stats.counts[OUT_SKIPPED];
		sum->seconds = stats.seconds;
		sum->interrupted = stats.interrupted;
	}
	for (i = 0; i < pl.nitems; i++)
		free(res[i].err);
	build_stats_release(&stats);
	/* a whole build that found everything fresh and wrote nothing of
	 * note: record what that rested on, for the next build to check */
	if (whole && !a.locked && nwork == 0 && rc == EXIT_OK && !sy.have_remote &&
	    ds.encoded + ds.restored + ds.snippets == 0) {
		nb.root = c.p.cfg.root;
		nb.cache_dir = c.cache_dir;
		nb.out_dir = c.out_dir;
		nb.intent = a.intent;
		nb.nassets = pl.nitems;
		index_close(c.ix);      /* sqlite's files as the next build will find them */
		c.ix = NULL;
		noop_save(&nb, a.debug_noop);
	}
out:
	if (have_creds)
		crypto_creds_release(&creds);
	free(res);
	if (sync_open_ok)
		sync_close(&sy);
	build_release(&c, &pl, &pp);
	return rc;
}

int
cmd_build(int argc, char **argv, struct global *g)
{
	struct build_args a;
	int first, rc;

	if ((rc = build_args_parse(argc, argv, g, &a, build_usage, &first)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	return build_with(g, &a, argc - first, argv + first, NULL);
}

/* `assetgen build [--intent preview]` of the whole project, in process:
 * what `assetgen watch` runs on every change. */
int
build_once(struct global *g, int intent, int quiet, struct build_summary *sum)
{
	struct build_args a;
	struct global lg = *g;

	memset(&a, 0, sizeof(a));
	a.intent = intent;
	a.budget = -1;
	if (quiet)
		lg.level = STATUS_QUIET;
	if (sum)
		memset(sum, 0, sizeof(*sum));
	return build_with(&lg, &a, 0, NULL, sum);
}
