/* cmd_cache.c - `assetgen cache stats | verify [--repair]` */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "cache.h"
#include "cmd.h"
#include "util.h"

static const char usage[] =
	"usage: assetgen cache stats\n"
	"       assetgen cache verify [--repair]\n"
	"  stats             blobs, bytes, index entries, hits and money saved by past builds\n"
	"  verify            re-hash every blob and check the index against them\n"
	"  verify --repair   remove corrupt blobs, drop dangling entries, re-index from the blobs\n";

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
	struct ctx c;
	int rc, repair = 0, i;

	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--repair") == 0)
			repair = 1;
		else if (strcmp(argv[i], "--help") == 0) {
			fputs(usage, stdout);
			return EXIT_OK;
		} else {
			warn("unknown argument '%s'", argv[i]);
			fputs(usage, stderr);
			return EXIT_INPUT;
		}
	}
	if (argc < 2 || (strcmp(argv[1], "stats") != 0 && strcmp(argv[1], "verify") != 0) ||
	    (repair && strcmp(argv[1], "verify") != 0)) {
		if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
			fputs(usage, stdout);
			return EXIT_OK;
		}
		fputs(usage, stderr);
		return EXIT_INPUT;
	}
	if ((rc = ctx_load(&c, g)) != 0)
		return rc;
	if ((rc = ctx_open_cache(&c)) == 0)
		rc = strcmp(argv[1], "stats") == 0 ? stats(&c) : verify(&c, repair);
	ctx_release(&c);
	return rc;
}
