/* shard.c - which machine builds which asset, and the fan-in that places them all */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "shard.h"
#include "util.h"

/* A decimal number of at most 5 digits, the whole of [s, e). */
static int
shard_number(const char *s, const char *e, unsigned *out)
{
	unsigned v = 0;
	const char *p;

	if (s == e || e - s > 5)
		return -1;
	for (p = s; p < e; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (unsigned)(*p - '0');
	}
	*out = v;
	return 0;
}

int
shard_parse(const char *arg, struct shard *sh)
{
	const char *slash = strchr(arg, '/');
	unsigned i, n;

	if (!slash || shard_number(arg, slash, &i) < 0 ||
	    shard_number(slash + 1, slash + strlen(slash), &n) < 0) {
		warn("option '--shard' wants I/N, the shard I (from 0) of N, as in 0/4, not '%s'", arg);
		return -1;
	}
	if (n < 1 || n > SHARD_MAX) {
		warn("option '--shard' wants a count N from 1 to %d, not '%s'", SHARD_MAX, arg);
		return -1;
	}
	if (i >= n) {
		warn("option '--shard': shard %u of %u does not exist (they are 0 to %u)", i, n, n - 1);
		return -1;
	}
	sh->index = i;
	sh->count = n;
	return 0;
}

unsigned
shard_of(const struct plan *pl, size_t i, unsigned count)
{
	const struct plan_item *it = &pl->items[i];
	struct key name;
	const struct key *k;
	uint64_t low = 0;
	int b;

	if (it->ncands) {
		k = &it->cands[0].final_key;
	} else {
		key_digest(it->asset->name, strlen(it->asset->name), &name);
		k = &name;
	}
	for (b = 8; b < 16; b++)
		low = low << 8 | k->b[b];
	return (unsigned)(low % count);
}

/* counts and cost again, after items changed */
static void
shard_recount(struct plan *pl)
{
	size_t i;

	memset(pl->counts, 0, sizeof(pl->counts));
	pl->cost = 0;
	for (i = 0; i < pl->nitems; i++) {
		pl->counts[pl->items[i].action]++;
		pl->cost += pl->items[i].cost;
	}
}

/* union-find over the project's assets */
static size_t
root_of(size_t *up, size_t i)
{
	while (up[i] != i)
		i = up[i] = up[up[i]];
	return i;
}

void
shard_select(struct plan *pl, const struct project *p, const struct shard *sh, unsigned char **sel)
{
	struct plan gone;
	size_t i, j, a, kept = 0;
	unsigned char *mine = xcalloc(p->nassets + 1, 1);
	size_t *up = xcalloc(p->nassets + 1, sizeof(*up));
	unsigned *shard = xcalloc(p->nassets + 1, sizeof(*shard));
	unsigned char *seen = xcalloc(p->nassets + 1, 1);

	/* An asset and its inputs, and theirs, are built on one machine: the
	 * shard of the first of them in the project decides for all (a
	 * dependant needs its inputs made before it, and two shards must not
	 * both pay for one input). */
	for (a = 0; a < p->nassets; a++)
		up[a] = a;
	for (a = 0; a < p->nassets; a++)
		for (j = 0; j < p->assets[a].ninputs; j++)
			if (p->assets[a].inputs[j].asset)
				up[root_of(up, a)] = root_of(up, p->assets[a].inputs[j].upstream);
	for (i = 0; i < pl->nitems; i++) {
		size_t r = root_of(up, (size_t)(pl->items[i].asset - p->assets));

		if (!seen[r]) {
			seen[r] = 1;
			shard[r] = shard_of(pl, i, sh->count);
		}
	}
	memset(&gone, 0, sizeof(gone));
	gone.items = xcalloc(pl->nitems + 1, sizeof(*gone.items));
	for (i = 0; i < pl->nitems; i++) {
		if (shard[root_of(up, (size_t)(pl->items[i].asset - p->assets))] == sh->index)
			pl->items[kept++] = pl->items[i];
		else
			gone.items[gone.nitems++] = pl->items[i];
	}
	pl->nitems = kept;
	memset(pl->byasset, 0, (p->nassets + 1) * sizeof(*pl->byasset));
	for (i = 0; i < kept; i++) {
		a = (size_t)(pl->items[i].asset - p->assets);
		mine[a] = 1;
		pl->byasset[a] = i + 1;
	}
	free(*sel);
	*sel = mine;
	free(up);
	free(shard);
	free(seen);
	plan_release(&gone);
	shard_recount(pl);
}

void
shard_upload(struct remote *r, const struct plan *pl, const struct item_result *res,
	     struct store *st, struct index *ix)
{
	struct key *keys = NULL;
	size_t i, n = 0, cap = 0;

	for (i = 0; i < pl->nitems; i++) {
		const struct plan_cand *c;

		if (res[i].outcome == OUT_FAILED || res[i].outcome == OUT_SKIPPED)
			continue;
		c = &pl->items[i].cands[res[i].cand];
		keys = xgrow(keys, &cap, n + 3, sizeof(*keys));
		keys[n++] = c->final_key;
		if (!key_equal(&c->ovl_key, &c->final_key))
			keys[n++] = c->ovl_key;
		if (!key_equal(&c->gen_key, &c->ovl_key))
			keys[n++] = c->gen_key;
	}
	if (n)
		remote_push(r, st, ix, keys, n);
	free(keys);
}

size_t
shard_fan_in(struct plan *pl)
{
	struct buf names = BUF_INIT;
	size_t i, n = 0;

	for (i = 0; i < pl->nitems; i++) {
		struct plan_item *it = &pl->items[i];

		if (it->action == PLAN_FRESH || it->action == PLAN_RESTORE)
			continue;
		if (it->action != PLAN_UNROUTABLE && it->action != PLAN_MISSING) {
			free(it->why);
			it->why = xstrdup("no shard produced it: its artifact is in neither the local"
					  " nor the remote cache");
			it->action = PLAN_MISSING;
			it->cost = 0;
		}
		buf_printf(&names, "%s%s", n ? ", " : "", it->asset->name);
		n++;
	}
	shard_recount(pl);
	if (n)
		warn("--from-cache: %zu asset%s that no shard produced: %s", n, n == 1 ? "" : "s",
		     names.data);
	buf_release(&names);
	return n;
}
