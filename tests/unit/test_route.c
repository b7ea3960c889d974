/* test_route.c - routing: pinned models, first matching rule, fallbacks,
 * the per-request cap.  The project is built by hand (project_model() is a
 * linear scan over cfg.models, so no loader is needed). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recipe.h"
#include "route.h"
#include "test.h"

static struct model models[] = {
	{.name = "builtin", .provider = "builtin", .model = "", .version = "", .retries = -1},
	{.name = "cheap", .provider = "http", .model = "c", .version = "", .cost = 0.01},
	{.name = "mid", .provider = "openai", .model = "m", .version = "", .cost = 0.04},
	{.name = "pricey", .provider = "ideogram", .model = "V_2", .version = "", .cost = 0.08},
	{.name = "sd", .provider = "a1111", .model = "", .version = ""},
};

static char *tags_typo[] = {"typography"};
static char *tags_typo_hero[] = {"typography", "hero"};
static char *use_preview[] = {"cheap", "builtin"};
static char *use_high_typo_hero[] = {"pricey", "mid", "cheap"};
static char *use_typo[] = {"mid", "builtin"};
static char *use_low[] = {"builtin"};
static char *use_all[] = {"cheap"};

static struct route routes[] = {
	/* 0 */ {.intent = INTENT_PREVIEW, .criticality = -1, .use = use_preview, .nuse = 2},
	/* 1 */ {.intent = -1, .criticality = CRIT_HIGH, .tags = tags_typo_hero, .ntags = 2,
		 .use = use_high_typo_hero, .nuse = 3},
	/* 2 */ {.intent = -1, .criticality = -1, .tags = tags_typo, .ntags = 1,
		 .use = use_typo, .nuse = 2},
	/* 3 */ {.intent = INTENT_FINAL, .criticality = CRIT_LOW, .use = use_low, .nuse = 1},
	/* 4 */ {.intent = -1, .criticality = -1, .use = use_all, .nuse = 1},
};

static void
mkproject(struct project *p, size_t nroutes)
{
	memset(p, 0, sizeof(*p));
	p->cfg.models = models;
	p->cfg.nmodels = sizeof(models) / sizeof(models[0]);
	p->cfg.routes = routes;
	p->cfg.nroutes = nroutes;
	p->cfg.per_request = -1;
	p->cfg.per_build = -1;
}

static void
mkasset(struct asset *a, enum intent in, enum criticality c, char **tags, size_t ntags)
{
	memset(a, 0, sizeof(*a));
	a->name = "a";
	a->prompt = "p";
	a->negative_prompt = "";
	a->width = a->height = 64;
	a->intent = in;
	a->criticality = c;
	a->tags = tags;
	a->ntags = ntags;
}

static const char *
cand(const struct route_result *r, size_t i)
{
	return i < r->ncands ? r->cands[i]->name : "(none)";
}

static void
test_pinned(void)
{
	struct project p;
	struct asset a;
	struct route_result r;

	mkproject(&p, 5);
	mkasset(&a, INTENT_PREVIEW, CRIT_HIGH, tags_typo_hero, 2);
	a.model = "pricey";
	CHECK(route_asset(&p, &a, -1, -1, &r) == 0);
	CHECK(r.ncands == 1);
	CHECK_STR(cand(&r, 0), "pricey");
	CHECK(r.rule == NULL && r.rule_index == -1);
	CHECK_STR(r.why, "pinned by the recipe");
	/* pinned beats "no routes" and "no match" alike */
	mkproject(&p, 0);
	CHECK(route_asset(&p, &a, -1, -1, &r) == 0);
	CHECK_STR(cand(&r, 0), "pricey");
	/* and the cap still applies to a pinned model */
	CHECK(route_asset(&p, &a, -1, 0.05, &r) == 0);
	CHECK(r.ncands == 0 && r.nskipped == 1);
	CHECK(r.nskipped == 1 && strcmp(r.skipped[0]->name, "pricey") == 0);
}

static void
test_first_match_wins(void)
{
	struct project p;
	struct asset a;
	struct route_result r;

	mkproject(&p, 5);
	/* a preview asset that would also match rules 1, 2 and 4 */
	mkasset(&a, INTENT_PREVIEW, CRIT_HIGH, tags_typo_hero, 2);
	CHECK(route_asset(&p, &a, -1, -1, &r) == 0);
	CHECK(r.rule_index == 0 && r.rule == &routes[0]);
	CHECK(r.ncands == 2);
	CHECK_STR(cand(&r, 0), "cheap");
	CHECK_STR(cand(&r, 1), "builtin");
	CHECK_STR(r.why, "route");
	/* final + high + both tags: rule 1, fallbacks in order */
	a.intent = INTENT_FINAL;
	CHECK(route_asset(&p, &a, -1, -1, &r) == 0);
	CHECK(r.rule_index == 1);
	CHECK(r.ncands == 3);
	CHECK_STR(cand(&r, 0), "pricey");
	CHECK_STR(cand(&r, 1), "mid");
	CHECK_STR(cand(&r, 2), "cheap");
	CHECK(r.nskipped == 0);
}

static void
test_matching(void)
{
	struct project p;
	struct asset a;
	struct route_result r;
	static char *hero_only[] = {"hero"};
	static char *extra[] = {"social", "hero", "x", "typography"};

	mkproject(&p, 5);
	/* all of a rule's tags are required: one of two is not enough */
	mkasset(&a, INTENT_FINAL, CRIT_HIGH, hero_only, 1);
	CHECK(route_asset(&p, &a, -1, -1, &r) == 0);
	CHECK(r.rule_index == 4);
	/* more tags than the rule asks for, in another order: matches */
	mkasset(&a, INTENT_FINAL, CRIT_HIGH, extra, 4);
	CHECK(route_asset(&p, &a, -1, -1, &r) == 0);
	CHECK(r.rule_index == 1);
	/* criticality must match: normal skips rule 1, lands on rule 2 */
	a.criticality = CRIT_NORMAL;
	CHECK(route_asset(&p, &a, -1, -1, &r) == 0);
	CHECK(r.rule_index == 2);
	CHECK_STR(cand(&r, 0), "mid");
	/* intent and criticality together: final + low, no tags -> rule 3 */
	mkasset(&a, INTENT_FINAL, CRIT_LOW, NULL, 0);
	CHECK(route_asset(&p, &a, -1, -1, &r) == 0);
	CHECK(r.rule_index == 3);
	CHECK_STR(cand(&r, 0), "builtin");
	/* final + normal, no tags: only the catch-all */
	a.criticality = CRIT_NORMAL;
	CHECK(route_asset(&p, &a, -1, -1, &r) == 0);
	CHECK(r.rule_index == 4 && r.ncands == 1);
	CHECK_STR(cand(&r, 0), "cheap");
}

static void
test_intent_override(void)
{
	struct project p;
	struct asset a;
	struct route_result r;

	mkproject(&p, 5);
	mkasset(&a, INTENT_FINAL, CRIT_LOW, NULL, 0);
	CHECK(route_asset(&p, &a, INTENT_PREVIEW, -1, &r) == 0);
	CHECK(r.rule_index == 0);
	/* and the other way round */
	a.intent = INTENT_PREVIEW;
	CHECK(route_asset(&p, &a, INTENT_FINAL, -1, &r) == 0);
	CHECK(r.rule_index == 3);
	CHECK(route_asset(&p, &a, -1, -1, &r) == 0);
	CHECK(r.rule_index == 0);
}

static void
test_per_request(void)
{
	struct project p;
	struct asset a;
	struct route_result r;

	mkproject(&p, 5);
	mkasset(&a, INTENT_FINAL, CRIT_HIGH, tags_typo_hero, 2);
	/* pricey (0.08) and mid (0.04) over a 0.03 cap: skipped, in order */
	CHECK(route_asset(&p, &a, -1, 0.03, &r) == 0);
	CHECK(r.rule_index == 1);
	CHECK(r.ncands == 1);
	CHECK_STR(cand(&r, 0), "cheap");
	CHECK(r.nskipped == 2);
	if (r.nskipped == 2) {
		CHECK_STR(r.skipped[0]->name, "pricey");
		CHECK_STR(r.skipped[1]->name, "mid");
	}
	/* the cap is inclusive: cost == cap is allowed */
	CHECK(route_asset(&p, &a, -1, 0.04, &r) == 0);
	CHECK(r.ncands == 2 && r.nskipped == 1);
	CHECK_STR(cand(&r, 0), "mid");
	/* a zero cap leaves only free models; here none: routed, no candidates */
	CHECK(route_asset(&p, &a, -1, 0, &r) == 0);
	CHECK(r.ncands == 0 && r.nskipped == 3);
	/* no cap */
	CHECK(route_asset(&p, &a, -1, -1, &r) == 0);
	CHECK(r.ncands == 3 && r.nskipped == 0);
}

static void
test_no_routes_and_no_match(void)
{
	struct project p;
	struct asset a;
	struct route_result r;

	mkproject(&p, 0);
	mkasset(&a, INTENT_PREVIEW, CRIT_HIGH, tags_typo, 1);
	CHECK(route_asset(&p, &a, -1, -1, &r) == 0);
	CHECK(r.ncands == 1);
	CHECK_STR(cand(&r, 0), "builtin");
	CHECK(r.rule == NULL && r.rule_index == -1);
	CHECK(r.why && strstr(r.why, "default") != NULL);
	/* builtin is free: never over the cap */
	CHECK(route_asset(&p, &a, -1, 0, &r) == 0);
	CHECK(r.ncands == 1 && r.nskipped == 0);

	/* rules 0..3 only: a final, normal, untagged asset matches none */
	mkproject(&p, 4);
	mkasset(&a, INTENT_FINAL, CRIT_NORMAL, NULL, 0);
	memset(&r, 0x55, sizeof(r));
	CHECK(route_asset(&p, &a, -1, -1, &r) == -1);
	CHECK(r.ncands == 0 && r.nskipped == 0);
	CHECK(r.rule == NULL && r.rule_index == -1);
	CHECK_STR(r.why, "no route matches");
}

/* A candidate that cannot serve the asset is skipped, with the reason,
 * before the per-request cap is looked at; the rest keep their order and
 * carry the size they are asked for. */
static void
test_capabilities(void)
{
	static char *use_sd_first[] = {"sd", "pricey", "builtin"};
	static struct route r_sd[] = {
		{.intent = -1, .criticality = -1, .use = use_sd_first, .nuse = 3},
	};
	static char *expect[] = {"SALE"};
	static struct param transparent[] = {{"background", "transparent", VAL_STRING}};
	struct project p;
	struct asset a;
	struct route_result r;

	mkproject(&p, 0);
	p.cfg.routes = r_sd;
	p.cfg.nroutes = 1;
	mkasset(&a, INTENT_FINAL, CRIT_NORMAL, NULL, 0);
	a.width = 180;
	a.height = 320;
	CHECK(route_asset(&p, &a, -1, -1, &r) == 0);
	CHECK(r.ncands == 3 && r.nskipped == 0);
	CHECK(r.native[0][0] == 184 && r.native[0][1] == 320);     /* a1111: multiples of 8 */
	CHECK(r.native[1][0] == 720 && r.native[1][1] == 1280);    /* ideogram's list */
	CHECK(r.native[2][0] == 180 && r.native[2][1] == 320);     /* builtin: exact */
	/* words: a1111 is skipped */
	a.typo.expect = expect;
	a.typo.nexpect = 1;
	CHECK(route_asset(&p, &a, -1, -1, &r) == 0);
	CHECK(r.ncands == 2 && r.cands[0] == &models[3] && r.cands[1] == &models[0]);
	CHECK(r.nskipped == 1 && r.skipped[0] == &models[4] && r.nbudget == 0);
	CHECK_STR(r.skip_why[0], "a1111 checkpoints do not spell words reliably (draw them with overlay:)");
	a.typo.nexpect = 0;
	/* transparency: only http (none here) and gpt-image can */
	a.params = transparent;
	a.nparams = 1;
	CHECK(route_asset(&p, &a, -1, -1, &r) == 0);
	CHECK(r.ncands == 0 && r.nskipped == 3 && r.nbudget == 0);
	CHECK_STR(r.skip_why[2], "the built-in model paints no transparency");
	a.params = NULL;
	a.nparams = 0;
	/* too big for ideogram's native sizes: skipped for that, not for its price */
	a.width = a.height = 4096;
	CHECK(route_asset(&p, &a, -1, 0.05, &r) == 0);
	CHECK(r.ncands == 2 && r.cands[0] == &models[4] && r.cands[1] == &models[0]);
	CHECK(r.nskipped == 1 && r.skipped[0] == &models[3] && r.nbudget == 0);
	CHECK_STR(r.skip_why[0], "its nearest native size is 1024x1024: fitting it to 4096x4096 "
		  "enlarges 4.0x, more than 2x (ask for a smaller size and upscale:)");
	a.width = a.height = 1024;
	CHECK(route_asset(&p, &a, -1, 0.05, &r) == 0);
	CHECK(r.ncands == 2 && r.nskipped == 1 && r.nbudget == 1);
	CHECK_STR(r.skip_why[0], "costs 0.080, over budget.per_request 0.050");
}

int
main(void)
{
	RUN(test_pinned);
	RUN(test_first_match_wins);
	RUN(test_matching);
	RUN(test_intent_override);
	RUN(test_per_request);
	RUN(test_no_routes_and_no_match);
	RUN(test_capabilities);
	return TEST_DONE();
}
