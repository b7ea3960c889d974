/* cmd/cache.c - `assetgen cache stats | verify [--repair]` */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>

#include "cache/reindex.h"
#include "cmd.h"
#include "cache/sync.h"
#include "util.h"

static const char usage[] =
	"usage: assetgen cache stats\n"
	"       assetgen cache verify [--repair]\n"
	"       assetgen cache gc [--max-size SIZE] [--older-than DAYS] [--grace SECONDS]\n"
	"       assetgen cache push | pull\n"
	"  stats             blobs, bytes, index entries, hits and money saved by past builds\n"
	"  verify            re-hash every blob and check the index against them\n"
	"  verify --repair   remove corrupt blobs, drop dangling entries, re-index from the blobs\n"
	"  gc                remove blobs older than DAYS, then the oldest until the cache fits\n"
	"                    in SIZE (e.g. 500M, 2G); never what assetgen.lock pins, nor\n"
	"                    blobs younger than --grace (default 300 s: builds running\n"
	"                    beside gc may be about to use them)\n"
	"  push              upload what assetgen.lock pins to the remote cache\n"
	"  pull              download what assetgen.lock pins from the remote cache\n";

struct blob_info {
	struct key digest;
	size_t size;
	long long mtime;
};

struct blob_list {
	struct blob_info *v;
	size_t n, cap;
};

static void
collect_blob(const struct key *digest, size_t size, long long mtime, void *arg)
{
	struct blob_list *l = arg;

	l->v = xgrow(l->v, &l->cap, l->n + 1, sizeof(*l->v));
	l->v[l->n].digest = *digest;
	l->v[l->n].size = size;
	l->v[l->n].mtime = mtime;
	l->n++;
}

static int
older_first(const void *a, const void *b)
{
	const struct blob_info *x = a, *y = b;

	return x->mtime < y->mtime ? -1 : x->mtime > y->mtime;
}

static int
digest_cmp(const void *a, const void *b)
{
	return memcmp(((const struct key *)a)->b, ((const struct key *)b)->b, sizeof(((struct key *)0)->b));
}

/* The digests the lock pins, sorted for pinned(). */
static struct key *
pinned_digests(const struct lockfile *lk)
{
	struct key *d = xcalloc(lk->n + 1, sizeof(*d));
	size_t i;

	for (i = 0; i < lk->n; i++)
		d[i] = lk->entries[i].digest;
	if (lk->n > 1)
		qsort(d, lk->n, sizeof(*d), digest_cmp);
	return d;
}

static int
pinned(const struct key *sorted, size_t n, const struct key *d)
{
	return n && bsearch(d, sorted, n, sizeof(*sorted), digest_cmp) != NULL;
}

/* "500M", "2G", "1024" -> bytes */
static int
parse_size(const char *s, unsigned long long *out)
{
	char *num = xstrdup(s);
	size_t n = strlen(num);
	unsigned long long mult = 1;
	uint64_t v;
	int r;

	if (n && (num[n - 1] == 'K' || num[n - 1] == 'k'))
		mult = 1ull << 10;
	else if (n && (num[n - 1] == 'M' || num[n - 1] == 'm'))
		mult = 1ull << 20;
	else if (n && (num[n - 1] == 'G' || num[n - 1] == 'g'))
		mult = 1ull << 30;
	if (mult > 1)
		num[n - 1] = '\0';
	r = parse_u64(num, &v);
	free(num);
	if (r < 0 || v > ~0ull / mult)
		return -1;
	*out = v * mult;
	return 0;
}

static int
gc(struct ctx *c, struct sync *sy, long long max_size, double older_days, double grace)
{
	struct blob_list l = {0};
	unsigned long long total = 0, freed = 0;
	size_t i, removed = 0, kept_pinned = 0, kept_young = 0;
	struct key *pins;
	time_t now;

	/* Everything under the index's write lock, which a build holds while
	 * it writes assetgen.lock: the lock read here is the latest, and
	 * the blobs' ages are read after any build that used them. */
	if (index_begin(c->ix) < 0) {
		warn("cache gc: the cache index is busy; nothing removed");
		return EXIT_BUILD;
	}
	lock_release(&sy->lock);
	if (lock_load(&sy->lock, sy->lock_path, "assetgen.lock") < 0) {
		index_rollback(c->ix);
		return EXIT_INPUT;
	}
	pins = pinned_digests(&sy->lock);
	now = time(NULL);
	store_each(&c->st, collect_blob, &l);
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), older_first);
	for (i = 0; i < l.n; i++)
		total += l.v[i].size;
	for (i = 0; i < l.n; i++) {
		int old = older_days >= 0 && (double)(now - l.v[i].mtime) > older_days * 86400.0;
		int over = max_size >= 0 && total - freed > (unsigned long long)max_size;

		if (!old && !over)
			continue;
		if (pinned(pins, sy->lock.n, &l.v[i].digest)) {
			kept_pinned++;
			continue;
		}
		if ((double)(now - l.v[i].mtime) < grace) {
			kept_young++;
			continue;
		}
		if (store_remove(&c->st, &l.v[i].digest) == 0) {
			index_action_delete_digest(c->ix, &l.v[i].digest);
			freed += l.v[i].size;
			removed++;
		}
	}
	index_commit(c->ix);
	printf("removed %zu blobs (%.1f MiB); %zu blobs (%.1f MiB) remain", removed,
	       (double)freed / 1048576.0, l.n - removed, (double)(total - freed) / 1048576.0);
	if (kept_pinned)
		printf("; kept %zu pinned by assetgen.lock", kept_pinned);
	if (kept_young)
		printf("; kept %zu younger than %.0f s", kept_young, grace);
	putchar('\n');
	free(l.v);
	free(pins);
	return EXIT_OK;
}

static int
push(struct ctx *c, struct sync *sy)
{
	struct key *keys = xcalloc(sy->lock.n + 1, sizeof(*keys));
	struct action act;
	size_t i, n = 0;
	int rc = EXIT_OK;

	for (i = 0; i < sy->lock.n; i++) {
		const struct lock_entry *e = &sy->lock.entries[i];

		if (!store_has(&c->st, &e->digest, NULL)) {
			warn("'%s': its pinned artifact is not in the local cache", e->name);
			rc = EXIT_BUILD;
			continue;
		}
		if (index_action_get(c->ix, &e->key, &act) != 1 || !key_equal(&act.digest, &e->digest)) {
			memset(&act, 0, sizeof(act));
			act.digest = e->digest;
			snprintf(act.stage, sizeof(act.stage), "gen");
			snprintf(act.model, sizeof(act.model), "%s", e->model);
			memcpy(act.sha256, e->sha256, sizeof(act.sha256));
			{
				size_t size = 0;

				store_has(&c->st, &e->digest, &size);
				act.size = size;
			}
			index_action_put(c->ix, &e->key, &act);
		}
		keys[n++] = e->key;
	}
	remote_push(&sy->remote, &c->st, c->ix, keys, n);
	free(keys);
	sync_print(sy);
	if (sy->remote.stats.upload_errors || sy->remote.stats.skipped)
		rc = EXIT_BUILD;        /* (skipped: the remote stopped answering) */
	return rc;
}

static int
pull(struct ctx *c, struct sync *sy)
{
	size_t n = sy->lock.n, i, k = 0, failed = 0;
	struct key *digests = xcalloc(n + 1, sizeof(*digests));
	char (*shas)[SHA256_HEX_LEN + 1] = xcalloc(n + 1, sizeof(*shas));
	size_t *which = xcalloc(n + 1, sizeof(*which));
	unsigned char *ok = xcalloc(n + 1, 1);
	struct action act;
	int tx;

	for (i = 0; i < n; i++) {
		const struct lock_entry *e = &sy->lock.entries[i];

		if (store_has(&c->st, &e->digest, NULL))
			continue;
		digests[k] = e->digest;
		memcpy(shas[k], e->sha256, sizeof(shas[k]));
		which[k++] = i;
	}
	remote_fetch_blobs(&sy->remote, &c->st, digests, (const char (*)[SHA256_HEX_LEN + 1])shas, k, ok);
	tx = index_begin(c->ix) == 0;       /* one transaction, not one per row */
	for (i = 0; i < k; i++) {
		const struct lock_entry *e = &sy->lock.entries[which[i]];
		size_t size = 0;

		if (!ok[i]) {
			warn("'%s': its pinned artifact is not in the remote cache", e->name);
			failed++;
			continue;
		}
		memset(&act, 0, sizeof(act));
		act.digest = e->digest;
		store_has(&c->st, &e->digest, &size);
		act.size = size;
		snprintf(act.stage, sizeof(act.stage), "gen");
		snprintf(act.model, sizeof(act.model), "%s", e->model);
		memcpy(act.sha256, e->sha256, sizeof(act.sha256));
		index_action_put(c->ix, &e->key, &act);
	}
	if (tx)
		index_commit(c->ix);      /* on failure, marked for recovery */
	printf("pulled %zu of %zu pinned artifacts (%zu already local)\n", k - failed, n, n - k);
	free(digests);
	free(shas);
	free(which);
	free(ok);
	return failed ? EXIT_BUILD : EXIT_OK;
}

static void
count_blob(const struct key *digest, size_t size, long long mtime, void *arg)
{
	unsigned long long *bytes = arg;

	(void)digest;
	(void)mtime;
	*bytes += size;
}

static int
stats(struct ctx *c)
{
	struct index_totals t;
	unsigned long long bytes = 0;
	size_t nblobs = store_each(&c->st, count_blob, &bytes);
	long long looked;

	index_build_totals(c->ix, &t);
	printf("cache:      %s\n", c->cache_dir);
	printf("blobs:      %zu (%.1f MiB)\n", nblobs, (double)bytes / (1024.0 * 1024.0));
	printf("entries:    %lld\n", index_action_count(c->ix));
	printf("builds:     %lld\n", t.builds);
	looked = t.generated + t.hits;
	printf("hit rate:   %.1f%% (%lld cache hits, %lld generated)\n",
	       looked ? 100.0 * (double)t.hits / (double)looked : 0.0, t.hits, t.generated);
	printf("spent:      %.3f\n", t.spent);
	printf("saved:      %.3f\n", t.saved);
	return EXIT_OK;
}

static int
verify(struct ctx *c, int repair)
{
	struct cache_check chk;

	if (cache_reindex(&c->st, c->ix, repair, &chk) < 0)
		return EXIT_BUILD;
	printf("%zu blobs (%.1f MiB): %zu corrupt%s, %zu without a key, %zu index entries %s,"
	       " %zu entries re-indexed\n", chk.blobs, (double)chk.bytes / (1024.0 * 1024.0),
	       chk.corrupt, repair && chk.removed ? " (removed)" : "", chk.unkeyed, chk.dangling,
	       repair ? "dangling (dropped)" : "dangling", chk.indexed);
	if (!repair && (chk.corrupt || chk.dangling)) {
		printf("run 'assetgen cache verify --repair' to fix\n");
		return EXIT_BUILD;
	}
	return EXIT_OK;
}

int
cmd_cache(int argc, char **argv, struct global *g)
{
	static const char *const subs[] = {"stats", "verify", "gc", "push", "pull"};
	unsigned long long max_size = 0;
	long long maxs = -1;
	double older = -1, grace = 300;
	struct sync sy;
	struct ctx c;
	const char *sub;
	size_t k;
	int rc, repair = 0, i;

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(usage, stdout);
		return EXIT_OK;
	}
	for (k = 0; argc >= 2 && k < sizeof(subs) / sizeof(subs[0]); k++)
		if (strcmp(argv[1], subs[k]) == 0)
			break;
	if (argc < 2 || k == sizeof(subs) / sizeof(subs[0])) {
		fputs(usage, stderr);
		return EXIT_INPUT;
	}
	sub = argv[1];
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0) {
			fputs(usage, stdout);
			return EXIT_OK;
		} else if (strcmp(sub, "verify") == 0 && strcmp(argv[i], "--repair") == 0) {
			repair = 1;
		} else if (strcmp(sub, "gc") == 0 && strcmp(argv[i], "--max-size") == 0 && i + 1 < argc) {
			if (parse_size(argv[++i], &max_size) < 0) {
				warn("--max-size wants a size like 500M or 2G, not '%s'", argv[i]);
				return EXIT_INPUT;
			}
			maxs = (long long)max_size;
		} else if (strcmp(sub, "gc") == 0 && strcmp(argv[i], "--older-than") == 0 && i + 1 < argc) {
			if (parse_nonneg(argv[++i], &older) < 0) {
				warn("--older-than wants a number of days, not '%s'", argv[i]);
				return EXIT_INPUT;
			}
		} else if (strcmp(sub, "gc") == 0 && strcmp(argv[i], "--grace") == 0 && i + 1 < argc) {
			if (parse_nonneg(argv[++i], &grace) < 0) {
				warn("--grace wants a number of seconds, not '%s'", argv[i]);
				return EXIT_INPUT;
			}
		} else if (strcmp(argv[i], "-C") == 0 && i + 1 < argc) {
			g->dir = argv[++i];
		} else {
			warn("unknown argument '%s'", argv[i]);
			fputs(usage, stderr);
			return EXIT_INPUT;
		}
	}
	if (strcmp(sub, "gc") == 0 && maxs < 0 && older < 0) {
		warn("cache gc: say --max-size SIZE, --older-than DAYS, or both");
		return EXIT_INPUT;
	}
	if ((rc = ctx_load(&c, g)) != 0)
		return rc;
	if ((rc = ctx_open_cache(&c)) != 0) {
		ctx_release(&c);
		return rc;
	}
	if ((rc = sync_open(&sy, &c, 1)) != 0) {
		ctx_release(&c);
		return rc;
	}
	if (strcmp(sub, "stats") == 0)
		rc = stats(&c);
	else if (strcmp(sub, "verify") == 0)
		rc = verify(&c, repair);
	else if (strcmp(sub, "gc") == 0)
		rc = gc(&c, &sy, maxs, older, grace);
	else if (!sy.have_remote) {
		warn("cache %s: no remote cache (set cache.remote.url or ASSETGEN_REMOTE_CACHE)", sub);
		rc = EXIT_INPUT;
	} else
		rc = strcmp(sub, "push") == 0 ? push(&c, &sy) : pull(&c, &sy);
	sync_close(&sy);
	ctx_release(&c);
	return rc;
}
