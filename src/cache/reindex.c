/* cache/reindex.c - re-index the cache from its blobs; verify every blob */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "reindex.h"
#include "png.h"
#include "crypto.h"
#include "seal.h"
#include "util.h"

struct blob_list {
	struct key *keys;
	size_t n, cap;
};

static void
collect(const struct key *digest, size_t size, long long mtime, void *arg)
{
	struct blob_list *l = arg;

	(void)size;
	(void)mtime;
	l->keys = xgrow(l->keys, &l->cap, l->n + 1, sizeof(*l->keys));
	l->keys[l->n++] = *digest;
}

static int
cmp_key(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct key));
}

struct dangling {
	struct store *st;
	struct key *keys;         /* index keys whose blob is missing */
	size_t n, cap;
};

static void
find_dangling(const struct key *key, const struct key *digest, void *arg)
{
	struct dangling *d = arg;

	if (!store_has(d->st, digest, NULL)) {
		d->keys = xgrow(d->keys, &d->cap, d->n + 1, sizeof(*d->keys));
		d->keys[d->n++] = *key;
	}
}

int
cache_reindex(struct store *st, struct index *ix, int repair, struct cache_check *out)
{
	struct blob_list l = {0};
	struct dangling dg = {0};
	struct buf data = BUF_INIT;
	struct meta m = {0};
	struct action act;
	struct key k, got;
	const char *hex, *model, *up;
	char *err = NULL;
	size_t i;
	int failed = 0;

	memset(out, 0, sizeof(*out));
	store_each(st, collect, &l);
	if (l.n)
		qsort(l.keys, l.n, sizeof(*l.keys), cmp_key);
	if (index_begin(ix) < 0) {
		free(l.keys);
		return -1;
	}
	for (i = 0; i < l.n; i++) {
		out->blobs++;
		/* read without store_get: verify must not remove unless repairing */
		if (store_has(st, &l.keys[i], NULL) == 0)
			continue;
		if (store_get_raw(st, &l.keys[i], &data) < 0)
			continue;
		out->bytes += data.len;
		key_digest(data.data, data.len, &got);
		if (!key_equal(&got, &l.keys[i])) {
			out->corrupt++;
			if (repair) {
				store_remove(st, &l.keys[i]);
				index_action_delete_digest(ix, &l.keys[i]);
				out->removed++;
			}
			continue;
		}
		meta_release(&m);
		if (pngio_read_meta(data.data, data.len, &m, &err) < 0 ||
		    !(hex = meta_get(&m, "assetgen:key")) || key_parse(hex, &k) < 0) {
			free(err);
			err = NULL;
			out->unkeyed++;
			continue;
		}
		/* a signed output names its unsigned one's key: not its own (it
		 * is signed again when needed, to the same bytes) */
		if (seal_is_signed((const unsigned char *)data.data, data.len))
			continue;
		if (index_action_get(ix, &k, &act) == 1 && key_equal(&act.digest, &l.keys[i]))
			continue;
		memset(&act, 0, sizeof(act));
		act.digest = l.keys[i];
		act.size = data.len;
		sha256_hex(data.data, data.len, act.sha256);
		up = meta_get(&m, "upscale");
		snprintf(act.stage, sizeof(act.stage), "%s",
			 !meta_get(&m, "assetgen:generation-key") ? "gen" :
			 meta_get(&m, "overlay") && (!up || !strcmp(up, "none")) ? "overlay" : "upscale");
		model = meta_get(&m, "model");
		snprintf(act.model, sizeof(act.model), "%s", model ? model : "");
		if (index_action_put(ix, &k, &act) == 0)
			out->indexed++;
		else
			failed = 1;
	}
	dg.st = st;
	index_action_each(ix, find_dangling, &dg);
	out->dangling = dg.n;
	for (i = 0; repair && i < dg.n; i++)
		index_action_delete(ix, &dg.keys[i]);
	if (failed || index_commit(ix) < 0) {
		index_rollback(ix);
		failed = 1;
	}
	meta_release(&m);
	buf_release(&data);
	free(dg.keys);
	free(l.keys);
	return failed ? -1 : 0;
}
