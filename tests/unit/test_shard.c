/* test_shard.c - the shard of an asset: its key's low 64 bits modulo N, the same everywhere */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shard.h"
#include "util.h"
#include "test.h"

static void
test_parse(void)
{
	static const char *const bad[] = {
		"", "4", "/4", "4/", "4/4", "1/0", "-1/4", "1/-4", "+1/4", " 1/4", "1/4 ", "1/4/",
		"0x1/4", "1.0/4", "1/70000", "1/100000", "123456/200000", "a/b",
	};
	struct shard sh;
	size_t i;

	CHECK(shard_parse("0/1", &sh) == 0 && sh.index == 0 && sh.count == 1);
	CHECK(shard_parse("3/4", &sh) == 0 && sh.index == 3 && sh.count == 4);
	CHECK(shard_parse("007/08", &sh) == 0 && sh.index == 7 && sh.count == 8);
	CHECK(shard_parse("65535/65536", &sh) == 0 && sh.index == 65535 && sh.count == 65536);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&sh, 0, sizeof(sh));
		if (shard_parse(bad[i], &sh) != -1 || sh.count != 0) {
			printf("#   '%s' was accepted\n", bad[i]);
			CHECK(0);
		}
	}
}

/* a plan of n items, item i of asset i with one candidate keyed by
 * key_digest("asset i") (candidates: 0 leaves every item without) */
static void
make_plan(struct plan *pl, struct project *p, size_t n, int candidates)
{
	size_t i;

	memset(pl, 0, sizeof(*pl));
	memset(p, 0, sizeof(*p));
	p->assets = xcalloc(n, sizeof(*p->assets));
	p->nassets = n;
	pl->items = xcalloc(n, sizeof(*pl->items));
	pl->nitems = n;
	pl->byasset = xcalloc(n + 1, sizeof(*pl->byasset));
	for (i = 0; i < n; i++) {
		char *name = xasprintf("asset %zu", i);

		pl->byasset[i] = i + 1;
		p->assets[i].name = name;
		pl->items[i].asset = &p->assets[i];
		pl->items[i].action = PLAN_GENERATE;
		pl->items[i].cost = 1;
		if (candidates) {
			pl->items[i].cands = xcalloc(1, sizeof(*pl->items[i].cands));
			pl->items[i].ncands = 1;
			key_digest(name, strlen(name), &pl->items[i].cands[0].final_key);
		}
	}
}

static void
free_project(struct project *p)
{
	size_t i;

	for (i = 0; i < p->nassets; i++) {
		free(p->assets[i].name);
		free(p->assets[i].inputs);
	}
	free(p->assets);
}

/* what the documentation promises: the key's last 8 bytes, big-endian, mod N */
static void
test_of_key(void)
{
	struct plan pl;
	struct project p;
	struct plan_cand *c;

	make_plan(&pl, &p, 1, 1);
	c = &pl.items[0].cands[0];
	memset(&c->final_key, 0xee, 8);         /* the high half counts for nothing */
	memset(c->final_key.b + 8, 0, 8);
	c->final_key.b[15] = 10;
	CHECK(shard_of(&pl, 0, 4) == 2 && shard_of(&pl, 0, 3) == 1 && shard_of(&pl, 0, 1) == 0);
	c->final_key.b[8] = 0x80;               /* 2^63 + 10 */
	CHECK(shard_of(&pl, 0, 3) == (unsigned)((0x8000000000000000ull + 10) % 3));
	CHECK(shard_of(&pl, 0, 65536) == 10);
	plan_release(&pl);
	free_project(&p);
}

/* keys are XXH3: four shards of 10000 assets come out near 2500 each; and
 * an asset with no candidate goes by its name, as one with its name as key */
static void
test_spread(void)
{
	struct plan pl, named;
	struct project p, q;
	size_t i, n[4] = {0};

	make_plan(&pl, &p, 10000, 1);
	make_plan(&named, &q, 10000, 0);
	for (i = 0; i < pl.nitems; i++) {
		n[shard_of(&pl, i, 4)]++;
		CHECK(shard_of(&named, i, 4) == shard_of(&pl, i, 4));
	}
	for (i = 0; i < 4; i++)
		CHECK(n[i] > 2300 && n[i] < 2700);
	plan_release(&pl);
	plan_release(&named);
	free_project(&p);
	free_project(&q);
}

/* the shards of a plan partition it; each keeps the project's order, and
 * its selection marks its own assets alone */
static void
test_select(void)
{
	struct plan pl;
	struct project p;
	struct shard sh = {0, 3};
	unsigned char *sel;
	size_t i, total = 0, seen[50] = {0};

	for (sh.index = 0; sh.index < 3; sh.index++) {
		make_plan(&pl, &p, 50, 1);
		sel = NULL;
		shard_select(&pl, &p, &sh, &sel);
		CHECK(sel != NULL);
		CHECK(pl.counts[PLAN_GENERATE] == pl.nitems && pl.cost == (double)pl.nitems);
		for (i = 0; i < pl.nitems; i++) {
			size_t a = (size_t)(pl.items[i].asset - p.assets);

			CHECK(shard_of(&pl, i, 3) == sh.index);
			CHECK(i == 0 || pl.items[i - 1].asset < pl.items[i].asset);
			seen[a]++;
		}
		for (i = 0; i < 50; i++) {
			size_t k;
			int mine = 0;

			for (k = 0; k < pl.nitems; k++)
				mine |= pl.items[k].asset == &p.assets[i];
			CHECK(sel[i] == mine);
		}
		total += pl.nitems;
		free(sel);
		plan_release(&pl);
		free_project(&p);
	}
	CHECK(total == 50);
	for (i = 0; i < 50; i++)
		CHECK(seen[i] == 1);
}

/* assets joined by inputs land on one shard together, and the plan's
 * asset-to-item map follows the items that stay */
static void
test_select_joined(void)
{
	struct plan pl;
	struct project p;
	struct shard sh = {0, 4};
	unsigned char *sel;
	size_t i, total = 0;

	for (sh.index = 0; sh.index < 4; sh.index++) {
		make_plan(&pl, &p, 60, 1);
		/* asset 3k+1 takes 3k, and 3k+2 takes 3k+1: families of three */
		for (i = 0; i < 60; i++) {
			if (i % 3 == 0)
				continue;
			p.assets[i].inputs = xcalloc(1, sizeof(*p.assets[i].inputs));
			p.assets[i].ninputs = 1;
			p.assets[i].inputs[0].asset = p.assets[i - 1].name;
			p.assets[i].inputs[0].upstream = i - 1;
		}
		sel = NULL;
		shard_select(&pl, &p, &sh, &sel);
		for (i = 0; i < 60; i++) {
			size_t first = i - i % 3;

			CHECK(sel[i] == sel[first]);
			CHECK(sel[i] ? pl.byasset[i] && pl.items[pl.byasset[i] - 1].asset == &p.assets[i]
				     : pl.byasset[i] == 0);
		}
		total += pl.nitems;
		free(sel);
		plan_release(&pl);
		free_project(&p);
	}
	CHECK(total == 60);
}

int
main(void)
{
	RUN(test_parse);
	RUN(test_of_key);
	RUN(test_spread);
	RUN(test_select);
	RUN(test_select_joined);
	return TEST_DONE();
}
