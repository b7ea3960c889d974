/* test_plan.c - fresh / restore / upscale / generate, and the reason why,
 * with a real project, store and index in a temp directory */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/index.h"
#include "key.h"
#include "os.h"
#include "plan.h"
#include "recipe.h"
#include "cache/store.h"
#include "test.h"
#include "util.h"

struct env {
	char *dir;            /* the project root (realpath) */
	char *out_dir;        /* root/dist */
	struct project p;
	int loaded;
	struct store st;
	struct index *ix;
	struct plan pl;
};

static void
put_file(const char *dir, const char *rel, const char *text)
{
	char *path = xasprintf("%s/%s", dir, rel);

	if (os_write_atomic_path(path, text, strlen(text)) < 0) {
		perror(path);
		exit(1);
	}
	free(path);
}

static void
write_recipe(struct env *e, const char *asset_yaml)
{
	char *text = xasprintf("assets:\n  - %s\n", asset_yaml);

	put_file(e->dir, "recipes/a.yaml", text);
	free(text);
}

static int
load(struct env *e)
{
	struct diags d = {0};
	int r;

	if (e->loaded)
		project_release(&e->p);
	e->loaded = 0;
	r = project_load(&e->p, e->dir, &d);
	if (r < 0)
		diags_print(&d);
	diags_release(&d);
	e->loaded = r == 0;
	return r;
}

static int
env_open(struct env *e)
{
	char tmpl[] = "/tmp/test_plan.XXXXXX", *dir, *sub, *cache;
	int fresh;

	memset(e, 0, sizeof(*e));
	dir = mkdtemp(tmpl);
	if (!dir) {
		perror("mkdtemp");
		exit(1);
	}
	e->dir = realpath(dir, NULL);
	e->out_dir = path_join(e->dir, "dist");
	sub = path_join(e->dir, "recipes");
	os_mkdirs(sub, 0755);
	free(sub);
	os_mkdirs(e->out_dir, 0755);
	put_file(e->dir, "assetgen.yaml", "cache:\n  dir: cache\noutput: dist\n");
	cache = path_join(e->dir, "cache");
	if (store_open(&e->st, cache) < 0) {
		free(cache);
		return -1;
	}
	e->ix = index_open(cache, &fresh);
	free(cache);
	return e->ix ? 0 : -1;
}

static void
env_close(struct env *e)
{
	plan_release(&e->pl);
	if (e->loaded)
		project_release(&e->p);
	index_close(e->ix);
	store_close(&e->st);
	test_rmtree(e->dir);
	free(e->out_dir);
	free(e->dir);
}

/* Plan every asset; the item of the only asset. */
static const struct plan_item *
plan(struct env *e)
{
	struct plan_opts o = {-1, -1, e->out_dir, "dist"};

	plan_release(&e->pl);
	if (plan_make(&e->pl, &e->p, NULL, e->ix, &e->st, &o) < 0 || e->pl.nitems != 1)
		return NULL;
	return &e->pl.items[0];
}

static void
record(struct env *e, const struct key *key, const struct key *digest, const char *stage,
       double cost)
{
	struct action a;

	memset(&a, 0, sizeof(a));
	a.digest = *digest;
	a.size = 1;
	a.cost = cost;
	snprintf(a.stage, sizeof(a.stage), "%s", stage);
	snprintf(a.model, sizeof(a.model), "builtin");
	index_action_put(e->ix, key, &a);
}

/* What a build of it does: store the artifacts, record the actions, write
 * the output file and its record.  0 or -1. */
static int
build(struct env *e, const struct plan_item *it, const char *bytes)
{
	const struct plan_cand *c = &it->cands[it->chosen];
	struct output_rec rec;
	struct key d, gd;
	struct stat sb;
	char *gen_bytes;
	int r;

	if (store_put(&e->st, bytes, strlen(bytes), &d) < 0)
		return -1;
	if (it->asset->upscale.kind != UPSCALE_NONE) {
		gen_bytes = xasprintf("gen of %s", bytes);
		r = store_put(&e->st, gen_bytes, strlen(gen_bytes), &gd);
		free(gen_bytes);
		if (r < 0)
			return -1;
		record(e, &c->gen_key, &gd, "gen", 0.5);
		record(e, &c->final_key, &d, "upscale", 0.75);
	} else {
		record(e, &c->final_key, &d, "gen", 0.5);
	}
	if (os_write_atomic_path(it->out_path, bytes, strlen(bytes)) < 0 ||
	    lstat(it->out_path, &sb) < 0)
		return -1;
	plan_output_rec(it, c, &d, &rec);
	rec.size = (int64_t)sb.st_size;
	rec.mtime_ns = os_mtime_ns(&sb);
	rec.ino = (int64_t)sb.st_ino;
	r = index_output_put(e->ix, &rec);
	plan_output_rec_release(&rec);
	return r;
}

#define BASE "{name: a, prompt: a red fox, seed: 42, size: 64x32, params: {steps: 20}"

static void
test_plan_lifecycle(void)
{
	struct env e;
	const struct plan_item *it;
	struct key built;
	char *path;

	CHECK(env_open(&e) == 0);
	if (!e.ix)
		goto out;
	write_recipe(&e, BASE "}");
	CHECK(load(&e) == 0);
	if (!e.loaded)
		goto out;

	/* new */
	it = plan(&e);
	CHECK(it != NULL);
	if (!it)
		goto out;
	CHECK(it->action == PLAN_GENERATE);
	CHECK_STR(it->why, "new asset");
	CHECK_STR(it->out_name, "a.png");
	CHECK_STR(it->out_rel, "dist/a.png");
	CHECK(it->ncands == 1 && strcmp(it->cands[0].model->name, "builtin") == 0);
	CHECK(key_equal(&it->cands[0].gen_key, &it->cands[0].pix_key));
	CHECK(!key_equal(&it->cands[0].pix_key, &it->cands[0].final_key));
	CHECK(e.pl.counts[PLAN_GENERATE] == 1 && e.pl.cost == 0);
	path = path_join(e.out_dir, "a.png");
	CHECK_STR(it->out_path, path);
	free(path);

	/* built: fresh */
	CHECK(build(&e, it, "image v1") == 0);
	key_digest("image v1", 8, &built);
	it = plan(&e);
	CHECK(it && it->action == PLAN_FRESH);
	CHECK(it && it->why == NULL);
	CHECK(it && key_equal(&it->digest, &built));
	CHECK(e.pl.counts[PLAN_FRESH] == 1);

	/* what changed, field by field */
	write_recipe(&e, "{name: a, prompt: a blue fox, seed: 42, size: 64x32, params: {steps: 20}}");
	CHECK(load(&e) == 0);
	it = plan(&e);
	CHECK(it && it->action == PLAN_GENERATE);
	CHECK_STR(it ? it->why : NULL, "prompt changed");

	write_recipe(&e, "{name: a, prompt: a red fox, seed: 43, size: 64x32, params: {steps: 20}}");
	CHECK(load(&e) == 0);
	it = plan(&e);
	CHECK(it && it->action == PLAN_GENERATE);
	CHECK_STR(it ? it->why : NULL, "seed 42\u219243");

	write_recipe(&e, "{name: a, prompt: a red fox, seed: 42, size: 64x32, params: {steps: 21}}");
	CHECK(load(&e) == 0);
	it = plan(&e);
	CHECK(it && it->action == PLAN_GENERATE);
	CHECK_STR(it ? it->why : NULL, "param steps 20\u219221");

	/* several at once, "; "-separated */
	write_recipe(&e, "{name: a, prompt: a red fox, seed: 7, size: 64x64,"
		     " params: {sampler: euler}}");
	CHECK(load(&e) == 0);
	it = plan(&e);
	CHECK_STR(it ? it->why : NULL,
		  "seed 42\u21927; size 64x32\u219264x64; param sampler added; param steps removed");

	/* back as built, the output deleted: restored from the cache */
	write_recipe(&e, BASE "}");
	CHECK(load(&e) == 0);
	it = plan(&e);
	CHECK(it && it->action == PLAN_FRESH);
	if (it)
		unlink(it->out_path);
	it = plan(&e);
	CHECK(it && it->action == PLAN_RESTORE);
	CHECK_STR(it ? it->why : NULL, "output missing");
	CHECK(it && key_equal(&it->digest, &built));
	CHECK(it && it->saved == 0.5);

	/* the blob gone from the store as well: generate */
	CHECK(store_remove(&e.st, &built) == 0);
	it = plan(&e);
	CHECK(it && it->action == PLAN_GENERATE);
out:
	env_close(&e);
}

static void
test_plan_upscale(void)
{
	struct env e;
	const struct plan_item *it;
	struct key gd;

	CHECK(env_open(&e) == 0);
	if (!e.ix)
		goto out;
	write_recipe(&e, BASE ", upscale: {factor: 2}}");
	CHECK(load(&e) == 0);
	if (!e.loaded)
		goto out;
	it = plan(&e);
	CHECK(it && it->action == PLAN_GENERATE);
	if (!it)
		goto out;
	CHECK(!key_equal(&it->cands[0].gen_key, &it->cands[0].final_key));
	CHECK(build(&e, it, "upscaled v1") == 0);
	key_digest("gen of upscaled v1", 18, &gd);
	it = plan(&e);
	CHECK(it && it->action == PLAN_FRESH);

	/* a new factor: the generation is cached, only the upscale runs */
	write_recipe(&e, BASE ", upscale: {factor: 3}}");
	CHECK(load(&e) == 0);
	it = plan(&e);
	CHECK(it && it->action == PLAN_UPSCALE);
	CHECK_STR(it ? it->why : NULL, "upscale factor 2\u21923");
	CHECK(it && key_equal(&it->gen_digest, &gd));
	CHECK(it && it->saved == 0.5);
	CHECK(e.pl.counts[PLAN_UPSCALE] == 1);

	/* upscale dropped: the cached generation is the final artifact */
	write_recipe(&e, BASE "}");
	CHECK(load(&e) == 0);
	it = plan(&e);
	CHECK(it && it->action == PLAN_RESTORE);
	CHECK_STR(it ? it->why : NULL, "upscale factor=2 with=lanczos3\u2192none");
	CHECK(it && key_equal(&it->digest, &gd));
out:
	env_close(&e);
}

/* No cache yet (a dry run on a new project): ix and st NULL */
static void
test_plan_no_cache(void)
{
	struct env e;
	struct plan_opts o;

	CHECK(env_open(&e) == 0);
	if (!e.ix)
		goto out;
	write_recipe(&e, BASE "}");
	CHECK(load(&e) == 0);
	if (!e.loaded)
		goto out;
	o.intent = -1;
	o.per_request = -1;
	o.out_dir = e.out_dir;
	o.out_rel = "dist";
	CHECK(plan_make(&e.pl, &e.p, NULL, NULL, NULL, &o) == 0);
	CHECK(e.pl.nitems == 1);
	CHECK(e.pl.nitems == 1 && e.pl.items[0].action == PLAN_GENERATE);
	CHECK_STR(e.pl.nitems == 1 ? e.pl.items[0].why : NULL, "new asset");
	plan_release(&e.pl);
	/* a file already there that no record explains */
	put_file(e.out_dir, "a.png", "someone else's");
	CHECK(plan_make(&e.pl, &e.p, NULL, NULL, NULL, &o) == 0);
	CHECK_STR(e.pl.nitems == 1 ? e.pl.items[0].why : NULL, "output not made by this cache");
	plan_release(&e.pl);
	/* an index but no store: still nothing to restore from */
	CHECK(plan_make(&e.pl, &e.p, NULL, e.ix, NULL, &o) == 0);
	CHECK(e.pl.nitems == 1 && e.pl.items[0].action == PLAN_GENERATE);
out:
	env_close(&e);
}

static void
test_plan_unroutable(void)
{
	struct env e;
	const struct plan_item *it;

	CHECK(env_open(&e) == 0);
	if (!e.ix)
		goto out;
	put_file(e.dir, "assetgen.yaml", "routes:\n  - {match: {intent: preview}, use: [builtin]}\n");
	write_recipe(&e, BASE "}");
	CHECK(load(&e) == 0);
	if (!e.loaded)
		goto out;
	it = plan(&e);
	CHECK(it && it->action == PLAN_UNROUTABLE);
	CHECK(it && it->why && strstr(it->why, "no route matches") != NULL);
	CHECK(e.pl.counts[PLAN_UNROUTABLE] == 1);
out:
	env_close(&e);
}

/* Record candidate j's generation and, when verdict >= 0, its verdict. */
static void
judged(struct env *e, const struct plan_item *it, size_t j, int verdict)
{
	const struct plan_cand *c = &it->cands[j];
	struct action a;
	struct key d, ok;
	char *bytes = xasprintf("render of seed %llu", (unsigned long long)c->seed);

	CHECK(store_put(&e->st, bytes, strlen(bytes), &d) == 0);
	record(e, &c->gen_key, &d, "gen", 0.25);
	if (verdict >= 0) {
		key_ocr(&d, &it->asset->typo, ocr_engine(), &ok);
		memset(&a, 0, sizeof(a));
		a.digest = d;
		a.fallback = verdict;
		a.cost = verdict ? 0.0 : 0.5;
		snprintf(a.stage, sizeof(a.stage), "ocr");
		snprintf(a.model, sizeof(a.model), "%s", verdict ? "launch sale" : "lnuach");
		index_action_put(e->ix, &ok, &a);
	}
	free(bytes);
}

/* A checked asset: one candidate per roll (seed, seed+1, ...), each keyed
 * apart; the walk takes the first roll that passed after rolls that
 * failed, or the first roll to make or judge, or rejects. */
static void
test_plan_rolls(void)
{
	struct env e;
	const struct plan_item *it;
	size_t j;

	CHECK(env_open(&e) == 0);
	if (!e.ix)
		goto out;
	put_file(e.dir, "assetgen.yaml", "typography: {max_attempts: 3}\n");
	write_recipe(&e, BASE ", expect_text: Launch Sale}");
	CHECK(load(&e) == 0);
	if (!e.loaded)
		goto out;
	it = plan(&e);
	CHECK(it && it->checked && it->ncands == 3);
	if (!it || it->ncands != 3)
		goto out;
	for (j = 0; j < 3; j++) {
		CHECK(it->cands[j].seed == 42 + j && it->cands[j].roll == (int)j);
		CHECK(!key_equal(&it->cands[j].gen_key, &it->cands[j].final_key));
	}
	CHECK(!key_equal(&it->cands[0].gen_key, &it->cands[1].gen_key));
	CHECK(plan_next_model(it, 0) == 3 && plan_next_model(it, 2) == 3);
	CHECK(it->action == PLAN_GENERATE && it->chosen == 0 && it->cost == 0);

	/* roll 0 made and failed: roll 1 is next, and paid for */
	judged(&e, it, 0, 0);
	it = plan(&e);
	CHECK(it && it->action == PLAN_GENERATE && it->chosen == 1 && it->nchecks == 1);
	/* roll 1 made, not judged yet: judging it costs nothing */
	judged(&e, it, 1, -1);
	it = plan(&e);
	CHECK(it && it->action == PLAN_GENERATE && it->chosen == 1 && it->cost == 0);
	/* roll 1 passed: its generation is there, the output is not */
	judged(&e, it, 1, 1);
	it = plan(&e);
	CHECK(it && it->action == PLAN_UPSCALE && it->chosen == 1 && it->nchecks == 2);
	CHECK(it && it->nchecks == 2 && !it->checks[0].pass && it->checks[1].pass &&
	      it->checks[1].cached && !strcmp(it->checks[1].text, "launch sale"));

	/* every roll failed: rejected, with the candidates */
	write_recipe(&e, "{name: a, prompt: a red fox, seed: 7, size: 64x32, expect_text: Launch Sale}");
	CHECK(load(&e) == 0);
	if (!e.loaded)
		goto out;
	it = plan(&e);
	for (j = 0; it && j < 3; j++)
		judged(&e, it, j, 0);
	it = plan(&e);
	CHECK(it && it->action == PLAN_REJECTED && it->nchecks == 3);
	CHECK(it && it->why && strstr(it->why, "failed on 3 candidates (seeds 7 to 9)") != NULL);
	CHECK(e.pl.counts[PLAN_REJECTED] == 1);
out:
	env_close(&e);
}

static void
test_action_names(void)
{
	CHECK_STR(plan_action_name(PLAN_FRESH), "fresh");
	CHECK_STR(plan_action_name(PLAN_RESTORE), "restore");
	CHECK_STR(plan_action_name(PLAN_UPSCALE), "upscale");
	CHECK_STR(plan_action_name(PLAN_GENERATE), "generate");
	CHECK_STR(plan_action_name(PLAN_UNROUTABLE), "unroutable");
	CHECK_STR(plan_action_name(PLAN_REJECTED), "rejected");
}

int
main(void)
{
	RUN(test_plan_lifecycle);
	RUN(test_plan_upscale);
	RUN(test_plan_no_cache);
	RUN(test_plan_unroutable);
	RUN(test_plan_rolls);
	RUN(test_action_names);
	return TEST_DONE();
}
