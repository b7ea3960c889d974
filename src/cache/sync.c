/* cache/sync.c - remote cache lookups and uploads around a build; the lock file */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os.h"
#include "redact.h"
#include "sync.h"
#include "util.h"

int
sync_open(struct sync *s, const struct ctx *c, int upload)
{
	const char *url = getenv("ASSETGEN_REMOTE_CACHE");

	memset(s, 0, sizeof(*s));
	if (!url || !*url)
		url = c->p.cfg.remote_url;
	if (url && *url) {
		struct remote_opts o = {c->p.cfg.remote_bearer_env, c->p.cfg.remote_basic_env,
					c->p.cfg.remote_region, c->p.cfg.remote_endpoint};

		if (remote_open(&s->remote, url, getenv("ASSETGEN_CACHE_SECRET"), &o) < 0)
			return EXIT_INPUT;
		s->have_remote = 1;
	}
	s->upload = s->have_remote && (upload || c->p.cfg.upload);
	s->lock_path = path_join(c->p.cfg.root, "assetgen.lock");
	if (lock_load(&s->lock, s->lock_path, "assetgen.lock") < 0) {
		sync_close(s);          /* the callers close only what opened */
		return EXIT_INPUT;
	}
	return 0;
}

void
sync_close(struct sync *s)
{
	if (s->have_remote)
		remote_close(&s->remote);
	lock_release(&s->lock);
	free(s->lock_path);
	memset(s, 0, sizeof(*s));
}

int
sync_prefetch(struct sync *s, const struct plan *pl, struct store *st, struct index *ix)
{
	struct key *keys;
	unsigned char *hit;
	size_t i, j, n = 0, cap = 0, found = 0;

	if (!s->have_remote)
		return 0;
	keys = NULL;
	for (i = 0; i < pl->nitems; i++) {
		const struct plan_item *it = &pl->items[i];

		if (it->action != PLAN_GENERATE && it->action != PLAN_UPSCALE &&
		    it->action != PLAN_OVERLAY)
			continue;
		for (j = 0; j < it->ncands; j++) {
			const struct plan_cand *c = &it->cands[j];

			keys = xgrow(keys, &cap, n + 5, sizeof(*keys));
			keys[n++] = c->final_key;
			/* the unsigned output, signed again here when only it is found */
			if (!key_equal(&c->plain_key, &c->final_key))
				keys[n++] = c->plain_key;
			/* the stages before: the pixels (encoded again here when
			 * only they are found), the overlaid image, the generation */
			keys[n++] = c->pix_key;
			if (!key_equal(&c->ovl_key, &c->pix_key) && it->action != PLAN_UPSCALE)
				keys[n++] = c->ovl_key;
			if (!key_equal(&c->gen_key, &c->ovl_key) && it->action == PLAN_GENERATE)
				keys[n++] = c->gen_key;
		}
	}
	if (!n)
		return 0;
	hit = xcalloc(n, 1);
	remote_fetch(&s->remote, st, ix, keys, n, hit);
	for (i = 0; i < n; i++)
		found += hit[i];
	free(hit);
	free(keys);
	return found > 0;
}

void
sync_count_hits(struct sync *s, const struct plan *before, const struct plan *after)
{
	size_t i;

	for (i = 0; i < before->nitems && i < after->nitems; i++)
		if (before->items[i].action != after->items[i].action &&
		    (before->items[i].action == PLAN_GENERATE || before->items[i].action == PLAN_UPSCALE ||
		     before->items[i].action == PLAN_OVERLAY))
			s->remote_hits++;
}

/* --locked, and the pinned artifact is nowhere: the built-in model's
 * renders cost nothing and are deterministic, so the asset is made again
 * (from whatever stage the cache still has, as the plan before pinning
 * said: orig) and its bytes are checked against the pin after the build
 * (sync_check_pins).  A hosted model is never called.  1 when so. */
static int
sync_pin_remake(struct plan_item *it, const struct plan_item *orig)
{
	const struct plan_cand *c = &it->cands[it->chosen];

	if (strcmp(c->model->provider, "builtin") != 0 || it->upscaler)
		return 0;
	if (orig->action != PLAN_FRESH && orig->action != PLAN_MISSING &&
	    orig->action != PLAN_UNROUTABLE && orig->action != PLAN_REJECTED &&
	    orig->chosen == it->chosen) {
		it->action = orig->action;
		it->digest = orig->digest;
		it->gen_digest = orig->gen_digest;
	} else {
		it->action = PLAN_GENERATE;
	}
	it->cost = 0;
	return 1;
}

size_t
sync_check_pins(struct sync *s, const struct plan *pl, const struct item_result *res)
{
	size_t i, bad = 0;

	for (i = 0; i < pl->nitems; i++) {
		const struct lock_entry *e = lock_find(&s->lock, pl->items[i].asset->name);
		char got[KEY_HEX_LEN + 1], want[KEY_HEX_LEN + 1];

		if (!e || res[i].outcome == OUT_FAILED || res[i].outcome == OUT_SKIPPED ||
		    key_equal(&res[i].digest, &e->digest))
			continue;
		key_hex(&res[i].digest, got);
		key_hex(&e->digest, want);
		warn("--locked: %s was made again as %s, not the pinned artifact %s", e->name, got, want);
		bad++;
	}
	return bad;
}

size_t
sync_pin(struct sync *s, struct plan *pl, struct store *st)
{
	struct key *digests = xcalloc(pl->nitems + 1, sizeof(*digests));
	char (*shas)[SHA256_HEX_LEN + 1] = xcalloc(pl->nitems + 1, sizeof(*shas));
	size_t *which = xcalloc(pl->nitems + 1, sizeof(*which));
	unsigned char *ok = xcalloc(pl->nitems + 1, 1);
	struct plan_item *orig = xcalloc(pl->nitems + 1, sizeof(*orig));
	size_t i, j, n = 0, missing = 0;

	for (i = 0; i < pl->nitems; i++) {
		struct plan_item *it = &pl->items[i];
		const struct lock_entry *e = lock_find(&s->lock, it->asset->name);

		if (it->action == PLAN_UNROUTABLE || it->action == PLAN_MISSING)
			continue;
		if (!e) {
			free(it->why);
			it->why = xstrdup("not pinned in assetgen.lock");
			it->action = PLAN_MISSING;
			continue;
		}
		for (j = 0; j < it->ncands; j++)
			if (key_equal(&it->cands[j].final_key, &e->key))
				break;
		if (j == it->ncands) {
			free(it->why);
			it->why = xstrdup("its key is not the one assetgen.lock pins (the recipe or"
					  " config changed since): build without --locked and commit the lock");
			it->action = PLAN_MISSING;
			continue;
		}
		if (it->action == PLAN_FRESH && it->chosen == j && key_equal(&it->digest, &e->digest))
			continue;
		orig[i] = *it;
		it->action = PLAN_RESTORE;
		it->chosen = j;
		it->digest = e->digest;
		it->cost = 0;
		if (!store_has(st, &e->digest, NULL)) {
			digests[n] = e->digest;
			memcpy(shas[n], e->sha256, sizeof(shas[n]));
			which[n++] = i;
		}
	}
	if (n && s->have_remote)
		remote_fetch_blobs(&s->remote, st, digests, (const char (*)[SHA256_HEX_LEN + 1])shas, n, ok);
	for (i = 0; i < n; i++) {
		struct plan_item *it = &pl->items[which[i]];
		char hex[KEY_HEX_LEN + 1];

		if (ok[i])
			continue;
		if (sync_pin_remake(it, &orig[which[i]]))
			continue;
		key_hex(&digests[i], hex);
		free(it->why);
		it->why = xasprintf("the pinned artifact %s is in neither the local nor the remote cache", hex);
		it->action = PLAN_MISSING;
	}
	memset(pl->counts, 0, sizeof(pl->counts));
	pl->cost = 0;
	for (i = 0; i < pl->nitems; i++) {
		pl->counts[pl->items[i].action]++;
		missing += pl->items[i].action == PLAN_MISSING;
	}
	free(digests);
	free(shas);
	free(which);
	free(ok);
	free(orig);
	return missing;
}

void
sync_apply_picks(struct sync *s, struct plan *pl, struct index *ix, struct store *st)
{
	size_t i, j;

	for (i = 0; i < pl->nitems; i++) {
		struct plan_item *it = &pl->items[i];
		const struct lock_entry *e = lock_find(&s->lock, it->asset->name);

		if (!it->checked || !e || !e->picked || it->action == PLAN_UNROUTABLE)
			continue;
		for (j = 0; j < it->ncands; j++)
			if (key_equal(&it->cands[j].final_key, &e->key))
				break;
		if (j < it->ncands && !(it->chosen == j && it->action == PLAN_FRESH))
			plan_pick(pl, it, j, ix, st);
		else if (j < it->ncands)
			it->picked = 1;
	}
}

void
sync_upload(struct sync *s, const struct plan *pl, const struct item_result *res,
	    struct store *st, struct index *ix)
{
	struct key *keys = NULL;
	size_t i, n = 0, cap = 0;

	if (!s->upload)
		return;
	for (i = 0; i < pl->nitems; i++) {
		const struct plan_item *it = &pl->items[i];
		const struct plan_cand *c;

		if (res[i].outcome != OUT_GENERATED && res[i].outcome != OUT_UPSCALED &&
		    res[i].outcome != OUT_OVERLAID)
			continue;
		c = &it->cands[res[i].cand];
		keys = xgrow(keys, &cap, n + 5, sizeof(*keys));
		keys[n++] = c->final_key;
		if (!key_equal(&c->plain_key, &c->final_key))
			keys[n++] = c->plain_key;
		keys[n++] = c->pix_key;
		if (!key_equal(&c->ovl_key, &c->pix_key))
			keys[n++] = c->ovl_key;
		if (!key_equal(&c->gen_key, &c->ovl_key))
			keys[n++] = c->gen_key;
	}
	if (n)
		remote_push(&s->remote, st, ix, keys, n);
	free(keys);
}

/* The artifact of an output that this build placed or found fresh, when
 * neither the index nor the store has it any longer: a gc removed it (the
 * lock that pinned it deleted, or the gc ran while this build restored
 * it).  The output holds the very bytes, so they go back into the cache
 * and their entry into the index, and the lock pins them again: a pin is
 * never lost for want of a blob that is still on disk.  0 and sha set, or
 * -1 when the output is not that artifact. */
static int
recover_artifact(const struct plan_item *it, const struct plan_cand *c, const struct key *digest,
		 struct store *st, struct index *ix, char sha[SHA256_HEX_LEN + 1])
{
	struct buf b = BUF_INIT;
	struct action act;
	struct key got;
	int r = -1;

	if (os_read_file_at(AT_FDCWD, it->out_path, STORE_MAX_BLOB, 1, &b) < 0)
		goto out;
	key_digest(b.data, b.len, &got);
	if (!key_equal(&got, digest) || store_put(st, b.data, b.len, &got) < 0)
		goto out;
	memset(&act, 0, sizeof(act));
	act.digest = got;
	act.size = b.len;
	sha256_hex(b.data, b.len, act.sha256);
	/* the final key's stage, as the build records it: the signing,
	 * or the encoding */
	if (!key_equal(&c->plain_key, &c->final_key)) {
		snprintf(act.stage, sizeof(act.stage), "sign");
		snprintf(act.model, sizeof(act.model), "%s", c->model->name);
	} else {
		snprintf(act.stage, sizeof(act.stage), "encode");
		snprintf(act.model, sizeof(act.model), "png");
	}
	act.fallback = c->model != it->cands[0].model;
	index_action_put(ix, &c->final_key, &act);
	memcpy(sha, act.sha256, SHA256_HEX_LEN + 1);
	r = 0;
out:
	buf_release(&b);
	return r;
}

static int
in_project(const char *name, void *arg)
{
	return project_asset(arg, name) != NULL;
}

int
sync_update_lock(struct sync *s, const struct project *p, const struct plan *pl,
		 const struct item_result *res, struct store *st, struct index *ix, int all)
{
	const struct lock_entry *e;
	struct action act;
	struct buf blob = BUF_INIT;
	char sha[SHA256_HEX_LEN + 1];
	size_t i;
	int r, tx;

	/* under the index's write lock, which `cache gc` holds while it
	 * removes blobs: a gc either ran before (and what it removed of this
	 * build's artifacts is recovered below) or runs after, and then
	 * finds them pinned by the lock written here */
	tx = index_begin(ix) == 0;
	for (i = 0; i < pl->nitems; i++) {
		const struct plan_item *it = &pl->items[i];
		const struct plan_cand *c;

		if (res[i].outcome == OUT_FAILED || res[i].outcome == OUT_SKIPPED)
			continue;
		c = &it->cands[res[i].cand];
		e = lock_find(&s->lock, it->asset->name);
		if (e && key_equal(&e->key, &c->final_key) && key_equal(&e->digest, &res[i].digest) &&
		    strcmp(e->model, c->model->name) == 0 && e->seed == c->seed && e->picked == it->picked)
			continue;	/* pinned already: no lookup (a no-op build stays cheap) */
		if (index_action_get(ix, &c->final_key, &act) == 1 && act.sha256[0] &&
		    key_equal(&act.digest, &res[i].digest) && store_has(st, &res[i].digest, NULL)) {
			memcpy(sha, act.sha256, sizeof(sha));
		} else if (store_get(st, &res[i].digest, &blob) == STORE_OK) {
			sha256_hex(blob.data, blob.len, sha);
		} else if (recover_artifact(it, c, &res[i].digest, st, ix, sha) < 0) {
			continue;
		}
		lock_set(&s->lock, it->asset->name, &c->final_key, &res[i].digest, sha, c->model->name,
			 c->seed);
		if (it->picked)
			lock_mark_picked(&s->lock, it->asset->name);
	}
	buf_release(&blob);
	if (all)
		lock_retain(&s->lock, in_project, (void *)p);
	r = lock_write(&s->lock, s->lock_path);
	if (tx)
		index_commit(ix);
	return r;
}

size_t
sync_stale_lock(struct sync *s, const struct plan *pl, int print)
{
	size_t i, j, n = 0;

	for (i = 0; i < pl->nitems; i++) {
		const struct plan_item *it = &pl->items[i];
		const struct lock_entry *e = lock_find(&s->lock, it->asset->name);

		if (e)
			for (j = 0; j < it->ncands; j++)
				if (key_equal(&it->cands[j].final_key, &e->key))
					break;
		if (e && j < it->ncands)
			continue;
		n++;
		if (print)
			printf("%-10s %-32s %s\n", "lock", it->asset->name,
			       e ? "assetgen.lock pins an older key" : "not pinned in assetgen.lock");
	}
	return n;
}

void
sync_print(const struct sync *s)
{
	const struct remote_stats *r = &s->remote.stats;

	if (!s->have_remote)
		return;
	printf("assetgen: remote cache %s: %zu hits, %zu misses, %zu errors, %zu rejected",
	       s->remote.shown, r->hits, r->misses, r->errors, r->rejected);
	if (s->upload)
		printf("; %zu uploaded, %zu upload errors", r->uploaded, r->upload_errors);
	if (s->remote.down)
		printf("; not answering: %zu request%s not sent", r->skipped, r->skipped == 1 ? "" : "s");
	putchar('\n');
}
