/* test_reindex.c - re-indexing the cache from its blobs; verify and repair */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cache/reindex.h"
#include "image.h"
#include "cache/index.h"
#include "key.h"
#include "png.h"
#include "cache/store.h"
#include "test.h"
#include "util.h"

static char *
mktmp(void)
{
	char tmpl[] = "/tmp/test_cache.XXXXXX", *dir;

	dir = mkdtemp(tmpl);
	if (!dir) {
		perror("mkdtemp");
		exit(1);
	}
	return xstrdup(dir);
}

struct env {
	char *dir;
	struct store st;
	struct index *ix;
};

static int
env_open(struct env *e)
{
	int fresh;

	e->dir = mktmp();
	e->ix = NULL;
	if (store_open(&e->st, e->dir) < 0)
		return -1;
	e->ix = index_open(e->dir, &fresh);
	return e->ix ? 0 : -1;
}

static void
env_close(struct env *e)
{
	index_close(e->ix);
	store_close(&e->st);
	test_rmtree(e->dir);
	free(e->dir);
}

/* Store a small PNG whose metadata holds key_hex (if non-NULL),
 * gen_hex (as assetgen:generation-key, if non-NULL) and model. */
static int
put_png(struct env *e, const char *key_hex_s, const char *gen_hex, const char *model,
	uint8_t shade, struct key *digest, size_t *len)
{
	struct image img;
	struct meta m = {0};
	struct buf png = BUF_INIT;
	char *err = NULL;
	int r = -1;

	if (image_alloc(&img, 4, 3, 3) < 0)
		return -1;
	memset(img.px, shade, (size_t)4 * 3 * 3);
	if (key_hex_s)
		meta_add(&m, "assetgen:key", key_hex_s);
	if (gen_hex)
		meta_add(&m, "assetgen:generation-key", gen_hex);
	if (model)
		meta_add(&m, "model", model);
	meta_add(&m, "prompt", "a test image");
	if (pngio_encode(&img, &m, PNGIO_LEVEL_DEFAULT, &png, &err) == 0) {
		r = store_put(&e->st, png.data, png.len, digest);
		if (len)
			*len = png.len;
	} else {
		fprintf(stderr, "pngio_encode: %s\n", err);
		free(err);
	}
	buf_release(&png);
	meta_release(&m);
	image_release(&img);
	return r;
}

static void
mkkey(struct key *k, const char *s, char hex[KEY_HEX_LEN + 1])
{
	key_digest(s, strlen(s), k);
	key_hex(k, hex);
}

static char *
blob_path(const char *dir, const struct key *d)
{
	char hex[KEY_HEX_LEN + 1];

	key_hex(d, hex);
	return xasprintf("%s/objects/%.2s/%s", dir, hex, hex + 2);
}

static int
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static void
test_reindex_rebuilds(void)
{
	struct env e;
	struct cache_check c;
	struct key kgen, kup, d1, d2, d3;
	char hgen[KEY_HEX_LEN + 1], hup[KEY_HEX_LEN + 1];
	struct action a;
	size_t l1 = 0, l2 = 0, l3 = 0, l4 = 0;

	CHECK(env_open(&e) == 0);
	if (!e.ix)
		goto out;
	mkkey(&kgen, "generation", hgen);
	mkkey(&kup, "upscaled", hup);
	CHECK(put_png(&e, hgen, NULL, "local", 10, &d1, &l1) == 0);
	CHECK(put_png(&e, hup, hgen, "builtin render/1", 20, &d2, &l2) == 0);
	/* a PNG without a key, and bytes that are not a PNG */
	CHECK(put_png(&e, NULL, NULL, "local", 30, &d3, &l3) == 0);
	CHECK(store_put(&e.st, "not a png", 9, &d3) == 0);
	/* and a PNG whose key is not a key */
	CHECK(put_png(&e, "0123456789ABCDEF0123456789ABCDEF", NULL, "local", 40, &d3, &l4) == 0);
	CHECK(index_action_count(e.ix) == 0);

	memset(&c, 0x55, sizeof(c));
	CHECK(cache_reindex(&e.st, e.ix, 0, &c) == 0);
	CHECK(c.blobs == 5);
	CHECK(c.bytes == l1 + l2 + l3 + 9 + l4);
	CHECK(c.indexed == 2);
	CHECK(c.unkeyed == 3);
	CHECK(c.corrupt == 0 && c.removed == 0 && c.dangling == 0);
	CHECK(index_action_count(e.ix) == 2);
	memset(&a, 0, sizeof(a));
	CHECK(index_action_get(e.ix, &kgen, &a) == 1);
	CHECK(key_equal(&a.digest, &d1));
	CHECK(a.size == l1);
	CHECK_STR(a.stage, "gen");
	CHECK_STR(a.model, "local");
	CHECK(index_action_get(e.ix, &kup, &a) == 1);
	CHECK(key_equal(&a.digest, &d2));
	CHECK(a.size == l2);
	CHECK_STR(a.stage, "upscale");
	CHECK_STR(a.model, "builtin render/1");

	/* a second pass finds nothing new to record */
	CHECK(cache_reindex(&e.st, e.ix, 0, &c) == 0);
	CHECK(c.blobs == 5 && c.indexed == 0 && c.unkeyed == 3);
	CHECK(index_action_count(e.ix) == 2);

	/* an index entry pointing elsewhere is corrected from the blob */
	memset(&a, 0, sizeof(a));
	key_digest("elsewhere", 9, &a.digest);
	CHECK(index_action_put(e.ix, &kgen, &a) == 0);
	CHECK(cache_reindex(&e.st, e.ix, 0, &c) == 0);
	CHECK(c.indexed == 1);
	CHECK(index_action_get(e.ix, &kgen, &a) == 1 && key_equal(&a.digest, &d1));
out:
	env_close(&e);
}

static void
test_corrupt(void)
{
	struct env e;
	struct cache_check c;
	struct key k, d, good;
	char hex[KEY_HEX_LEN + 1];
	struct action a;
	char *path;
	FILE *f;

	CHECK(env_open(&e) == 0);
	if (!e.ix)
		goto out;
	mkkey(&k, "will rot", hex);
	CHECK(put_png(&e, hex, NULL, "local", 1, &d, NULL) == 0);
	CHECK(store_put(&e.st, "fine", 4, &good) == 0);
	/* the index knows it, as after a build */
	memset(&a, 0, sizeof(a));
	a.digest = d;
	snprintf(a.stage, sizeof(a.stage), "gen");
	CHECK(index_action_put(e.ix, &k, &a) == 0);
	path = blob_path(e.dir, &d);
	f = fopen(path, "ab");
	CHECK(f != NULL);
	if (f) {
		fputc(0, f);
		fclose(f);
	}

	/* verify: counted, not removed */
	CHECK(cache_reindex(&e.st, e.ix, 0, &c) == 0);
	CHECK(c.blobs == 2);
	CHECK(c.corrupt == 1);
	CHECK(c.removed == 0);
	CHECK(c.indexed == 0);
	CHECK(c.unkeyed == 1);       /* "fine" */
	CHECK(exists(path));
	CHECK(index_action_get(e.ix, &k, &a) == 1);
	/* repair: removed, and the action pointing at it dropped */
	CHECK(cache_reindex(&e.st, e.ix, 1, &c) == 0);
	CHECK(c.corrupt == 1);
	CHECK(c.removed == 1);
	CHECK(!exists(path));
	CHECK(index_action_get(e.ix, &k, &a) == 0);
	CHECK(c.dangling == 0);
	CHECK(store_has(&e.st, &good, NULL) == 1);
	/* and then it is clean */
	CHECK(cache_reindex(&e.st, e.ix, 1, &c) == 0);
	CHECK(c.blobs == 1 && c.corrupt == 0 && c.removed == 0);
	free(path);
out:
	env_close(&e);
}

static void
test_dangling(void)
{
	struct env e;
	struct cache_check c;
	struct key k, kk, d;
	char hex[KEY_HEX_LEN + 1];
	struct action a;

	CHECK(env_open(&e) == 0);
	if (!e.ix)
		goto out;
	/* one good keyed blob, one index entry for a blob that is gone */
	mkkey(&kk, "kept", hex);
	CHECK(put_png(&e, hex, NULL, "local", 5, &d, NULL) == 0);
	mkkey(&k, "dangles", hex);
	memset(&a, 0, sizeof(a));
	key_digest("gone", 4, &a.digest);
	snprintf(a.stage, sizeof(a.stage), "gen");
	CHECK(index_action_put(e.ix, &k, &a) == 0);

	CHECK(cache_reindex(&e.st, e.ix, 0, &c) == 0);
	CHECK(c.blobs == 1 && c.indexed == 1);
	CHECK(c.dangling == 1);
	CHECK(index_action_get(e.ix, &k, &a) == 1);     /* only counted */
	CHECK(cache_reindex(&e.st, e.ix, 1, &c) == 0);
	CHECK(c.dangling == 1);
	CHECK(index_action_get(e.ix, &k, &a) == 0);     /* dropped */
	CHECK(index_action_get(e.ix, &kk, &a) == 1);    /* the good one stays */
	CHECK(cache_reindex(&e.st, e.ix, 1, &c) == 0);
	CHECK(c.dangling == 0);
	CHECK(index_action_count(e.ix) == 1);
out:
	env_close(&e);
}

static void
test_empty_cache(void)
{
	struct env e;
	struct cache_check c;

	CHECK(env_open(&e) == 0);
	if (!e.ix)
		goto out;
	memset(&c, 0x55, sizeof(c));
	CHECK(cache_reindex(&e.st, e.ix, 1, &c) == 0);
	CHECK(c.blobs == 0 && c.bytes == 0 && c.corrupt == 0 && c.removed == 0);
	CHECK(c.indexed == 0 && c.unkeyed == 0 && c.dangling == 0);
out:
	env_close(&e);
}

int
main(void)
{
	RUN(test_reindex_rebuilds);
	RUN(test_corrupt);
	RUN(test_dangling);
	RUN(test_empty_cache);
	return TEST_DONE();
}
