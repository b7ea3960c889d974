/* test_index.c - the sqlite index: schema, actions, outputs, recovery,
 * and two connections sharing one file */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "buf.h"
#include "cache/index.h"
#include "key.h"
#include "os.h"
#include "test.h"
#include "util.h"

static char *
mktmp(void)
{
	char tmpl[] = "/tmp/test_index.XXXXXX", *dir;

	dir = mkdtemp(tmpl);
	if (!dir) {
		perror("mkdtemp");
		exit(1);
	}
	return xstrdup(dir);
}

/* ---- capturing what a call warns on stderr ---- */

static int saved_stderr = -1;
static char cap_path[64];

static void
capture_begin(void)
{
	int fd;

	snprintf(cap_path, sizeof(cap_path), "/tmp/test_index.err.%ld", (long)getpid());
	fflush(stderr);
	saved_stderr = dup(2);
	fd = open(cap_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || saved_stderr < 0) {
		perror("capture");
		exit(1);
	}
	dup2(fd, 2);
	close(fd);
}

/* What was written to stderr since capture_begin() (malloc'd); also
 * echoed to the real stderr. */
static char *
capture_end(void)
{
	struct buf b = BUF_INIT;
	char *s;

	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	saved_stderr = -1;
	/* by length: os_read_file() of an empty file into an empty buf does
	 * not NUL-terminate (see test_os.c) */
	if (os_read_file(cap_path, 0, &b) < 0)
		b.len = 0;
	unlink(cap_path);
	s = xstrndup(b.data ? b.data : "", b.len);
	buf_release(&b);
	fputs(s, stderr);
	return s;
}

static void
mkkey(struct key *k, const char *s)
{
	key_digest(s, strlen(s), k);
}

static void
mkaction(struct action *a, const char *blob, const char *stage, const char *model)
{
	memset(a, 0, sizeof(*a));
	mkkey(&a->digest, blob);
	a->size = strlen(blob);
	snprintf(a->stage, sizeof(a->stage), "%s", stage);
	snprintf(a->model, sizeof(a->model), "%s", model);
}

/* Run one SQL statement on dir/index.sqlite through a separate connection. */
static int
raw_sql(const char *dir, const char *sql)
{
	char *path = xasprintf("%s/index.sqlite", dir);
	sqlite3 *db = NULL;
	int rc;

	rc = sqlite3_open(path, &db);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	free(path);
	return rc == SQLITE_OK ? 0 : -1;
}

static void
test_open_fresh(void)
{
	char *dir = mktmp();
	char *sub = xasprintf("%s/a/cache", dir);
	char *path = xasprintf("%s/index.sqlite", sub);
	struct index *ix;
	struct stat st;
	int fresh = -1;

	ix = index_open(sub, &fresh);
	CHECK(ix != NULL);
	CHECK(fresh == 1);
	CHECK(stat(path, &st) == 0 && S_ISREG(st.st_mode));
	CHECK(ix && index_action_count(ix) == 0);
	index_close(ix);
	fresh = -1;
	ix = index_open(sub, &fresh);
	CHECK(ix != NULL);
	CHECK(fresh == 0);
	index_close(ix);
	/* the tables exist, seen from another connection */
	CHECK(raw_sql(sub, "SELECT 1 FROM actions, outputs, builds") == 0);
	index_close(NULL);
	free(sub);
	free(path);
	test_rmtree(dir);
	free(dir);
}

struct each_acc {
	struct key keys[8], digests[8];
	size_t n;
};

static void
each_fn(const struct key *key, const struct key *digest, void *arg)
{
	struct each_acc *e = arg;

	if (e->n < 8) {
		e->keys[e->n] = *key;
		e->digests[e->n] = *digest;
	}
	e->n++;
}

static void
test_actions(void)
{
	char *dir = mktmp();
	struct index *ix;
	struct action a, b, got;
	struct key k1, k2, k3, missing;
	struct each_acc acc;
	int fresh, found1 = 0, found2 = 0;
	size_t i;

	ix = index_open(dir, &fresh);
	CHECK(ix != NULL);
	if (!ix)
		goto out;
	mkkey(&k1, "key one");
	mkkey(&k2, "key two");
	mkkey(&k3, "key three");
	mkkey(&missing, "never");
	mkaction(&a, "blob A", "gen", "local");
	a.fallback = 1;
	a.cost = 0.08;
	a.size = UINT64_C(5000000000);    /* over 32 bits */
	mkaction(&b, "blob B", "upscale", "esrgan");

	CHECK(index_begin(ix) == 0);
	CHECK(index_action_put(ix, &k1, &a) == 0);
	CHECK(index_action_put(ix, &k2, &b) == 0);
	CHECK(index_action_put(ix, &k3, &a) == 0);     /* same blob, another key */
	CHECK(index_commit(ix) == 0);
	CHECK(index_action_count(ix) == 3);

	memset(&got, 0x55, sizeof(got));
	CHECK(index_action_get(ix, &k1, &got) == 1);
	CHECK(key_equal(&got.digest, &a.digest));
	CHECK(got.size == UINT64_C(5000000000));
	CHECK_STR(got.stage, "gen");
	CHECK_STR(got.model, "local");
	CHECK(got.fallback == 1);
	CHECK(got.cost == 0.08);
	CHECK(index_action_get(ix, &k2, &got) == 1);
	CHECK(key_equal(&got.digest, &b.digest));
	CHECK_STR(got.stage, "upscale");
	CHECK_STR(got.model, "esrgan");
	CHECK(got.fallback == 0 && got.cost == 0);
	CHECK(index_action_get(ix, &missing, &got) == 0);

	/* put replaces */
	CHECK(index_action_put(ix, &k2, &a) == 0);
	CHECK(index_action_get(ix, &k2, &got) == 1 && key_equal(&got.digest, &a.digest));
	CHECK(index_action_count(ix) == 3);
	CHECK(index_action_put(ix, &k2, &b) == 0);

	/* each visits every pair exactly once */
	memset(&acc, 0, sizeof(acc));
	CHECK(index_action_each(ix, each_fn, &acc) == 0);
	CHECK(acc.n == 3);
	for (i = 0; i < acc.n && i < 8; i++) {
		if (key_equal(&acc.keys[i], &k2))
			found2 += key_equal(&acc.digests[i], &b.digest);
		else
			found1 += key_equal(&acc.digests[i], &a.digest);
	}
	CHECK(found1 == 2 && found2 == 1);

	/* delete by key */
	CHECK(index_action_delete(ix, &k2) == 0);
	CHECK(index_action_get(ix, &k2, &got) == 0);
	CHECK(index_action_count(ix) == 2);
	CHECK(index_action_delete(ix, &missing) == 0);
	CHECK(index_action_count(ix) == 2);
	/* delete by digest: both keys pointing at blob A go */
	CHECK(index_action_put(ix, &k2, &b) == 0);
	CHECK(index_action_delete_digest(ix, &a.digest) == 0);
	CHECK(index_action_get(ix, &k1, &got) == 0);
	CHECK(index_action_get(ix, &k3, &got) == 0);
	CHECK(index_action_get(ix, &k2, &got) == 1);
	CHECK(index_action_count(ix) == 1);

	/* a rolled-back write is gone */
	CHECK(index_begin(ix) == 0);
	CHECK(index_action_put(ix, &k1, &a) == 0);
	index_rollback(ix);
	CHECK(index_action_get(ix, &k1, &got) == 0);

	/* survives a reopen */
	index_close(ix);
	ix = index_open(dir, &fresh);
	CHECK(ix != NULL && fresh == 0);
	CHECK(ix && index_action_get(ix, &k2, &got) == 1 && key_equal(&got.digest, &b.digest));
	index_close(ix);
out:
	test_rmtree(dir);
	free(dir);
}

static void
fill_rec(struct output_rec *r, const char *path, const char *asset)
{
	memset(r, 0, sizeof(*r));
	r->path = (char *)path;
	r->asset = (char *)asset;
	mkkey(&r->key, path);
	mkkey(&r->digest, asset);
	r->size = 1234;
	r->mtime_ns = INT64_C(1700000000123456789);
	r->ino = 987654321;
	r->model = "local";
	r->prompt = "a prompt, with 'quotes' and \"doubles\"\nand a newline";
	r->negative_prompt = "";
	r->seed = 42;
	r->width = 1536;
	r->height = 512;
	r->params = "guidance=7.5\nsteps=30\n";
	r->upscale = "factor=2 with=lanczos3";
}

static void
test_outputs(void)
{
	char *dir = mktmp();
	struct index *ix;
	struct output_rec r, *recs = NULL;
	const struct output_rec *f;
	char path[64], asset[32];
	size_t n, i;
	int fresh, sorted = 1, all_found = 1;

	ix = index_open(dir, &fresh);
	CHECK(ix != NULL);
	if (!ix)
		goto out;
	/* empty */
	CHECK(index_outputs_load(ix, &recs, &n) == 0 && n == 0);
	CHECK(index_outputs_find(recs, n, "/x") == NULL);
	index_outputs_free(recs, n);

	fill_rec(&r, "/p/dist/launch.png", "launch");
	r.seed = UINT64_MAX;       /* all 64 bits survive */
	r.negative_prompt = "blurry";
	CHECK(index_output_put(ix, &r) == 0);
	CHECK(index_outputs_load(ix, &recs, &n) == 0);
	CHECK(n == 1);
	if (n == 1) {
		CHECK_STR(recs[0].path, "/p/dist/launch.png");
		CHECK_STR(recs[0].asset, "launch");
		CHECK(key_equal(&recs[0].key, &r.key));
		CHECK(key_equal(&recs[0].digest, &r.digest));
		CHECK(recs[0].size == 1234);
		CHECK(recs[0].mtime_ns == INT64_C(1700000000123456789));
		CHECK(recs[0].ino == 987654321);
		CHECK_STR(recs[0].model, "local");
		CHECK_STR(recs[0].prompt, r.prompt);
		CHECK_STR(recs[0].negative_prompt, "blurry");
		CHECK(recs[0].seed == UINT64_MAX);
		CHECK(recs[0].width == 1536 && recs[0].height == 512);
		CHECK_STR(recs[0].params, "guidance=7.5\nsteps=30\n");
		CHECK_STR(recs[0].upscale, "factor=2 with=lanczos3");
	}
	index_outputs_free(recs, n);

	/* put replaces the record for a path */
	r.seed = 7;
	r.size = 99;
	CHECK(index_output_put(ix, &r) == 0);
	CHECK(index_outputs_load(ix, &recs, &n) == 0 && n == 1);
	CHECK(n == 1 && recs[0].seed == 7 && recs[0].size == 99);
	index_outputs_free(recs, n);

	/* many paths, inserted out of order, some with bytes >= 0x80 */
	CHECK(index_begin(ix) == 0);
	for (i = 0; i < 200; i++) {
		size_t j = (i * 37) % 200;     /* a permutation of 0..199 */

		snprintf(path, sizeof(path), "/p/dist/%s%03zu.png", j % 3 == 0 ? "\xc3\xa9" : "a", j);
		snprintf(asset, sizeof(asset), "a%03zu", j);
		fill_rec(&r, path, asset);
		CHECK(index_output_put(ix, &r) == 0);
	}
	CHECK(index_commit(ix) == 0);
	CHECK(index_outputs_load(ix, &recs, &n) == 0);
	CHECK(n == 201);
	for (i = 1; i < n; i++)
		if (strcmp(recs[i - 1].path, recs[i].path) >= 0)
			sorted = 0;
	CHECK(sorted);
	for (i = 0; i < 200; i++) {
		snprintf(path, sizeof(path), "/p/dist/%s%03zu.png", i % 3 == 0 ? "\xc3\xa9" : "a", i);
		snprintf(asset, sizeof(asset), "a%03zu", i);
		f = index_outputs_find(recs, n, path);
		if (!f || strcmp(f->path, path) != 0 || strcmp(f->asset, asset) != 0)
			all_found = 0;
	}
	CHECK(all_found);
	CHECK(index_outputs_find(recs, n, "/p/dist/launch.png") != NULL);
	/* not present: before the first, after the last, between two, a prefix */
	CHECK(index_outputs_find(recs, n, "") == NULL);
	CHECK(index_outputs_find(recs, n, "/") == NULL);
	CHECK(index_outputs_find(recs, n, "/p/dist/a001.pn") == NULL);
	CHECK(index_outputs_find(recs, n, "/p/dist/a001.pngx") == NULL);
	CHECK(index_outputs_find(recs, n, "/p/dist/a000.png") == NULL);   /* 0 is é000 */
	CHECK(index_outputs_find(recs, n, "/p/dist/\xc3\xa9" "001.png") == NULL);
	CHECK(index_outputs_find(recs, n, "/p/dist/zzz.png") == NULL);
	CHECK(index_outputs_find(recs, n, "\xff") == NULL);
	index_outputs_free(recs, n);

	/* delete */
	CHECK(index_output_delete(ix, "/p/dist/a001.png") == 0);
	CHECK(index_output_delete(ix, "/p/dist/not-there.png") == 0);
	CHECK(index_outputs_load(ix, &recs, &n) == 0 && n == 200);
	CHECK(index_outputs_find(recs, n, "/p/dist/a001.png") == NULL);
	CHECK(index_outputs_find(recs, n, "/p/dist/a002.png") != NULL);
	index_outputs_free(recs, n);
	index_close(ix);
out:
	test_rmtree(dir);
	free(dir);
}

static void
test_schema_mismatch(void)
{
	char *dir = mktmp();
	struct index *ix;
	struct action a, got;
	struct key k;
	char *err;
	int fresh;

	ix = index_open(dir, &fresh);
	CHECK(ix != NULL);
	if (!ix)
		goto out;
	mkkey(&k, "k");
	mkaction(&a, "blob", "gen", "local");
	CHECK(index_action_put(ix, &k, &a) == 0);
	index_close(ix);
	CHECK(raw_sql(dir, "PRAGMA user_version=99") == 0);

	capture_begin();
	ix = index_open(dir, &fresh);
	err = capture_end();
	CHECK(ix != NULL);
	CHECK(strstr(err, "schema 99") != NULL);
	CHECK(strstr(err, "starting over") != NULL);
	free(err);
	CHECK(fresh == 1);
	CHECK(ix && index_action_count(ix) == 0);
	CHECK(ix && index_action_get(ix, &k, &got) == 0);
	/* and it works again */
	CHECK(ix && index_action_put(ix, &k, &a) == 0);
	CHECK(ix && index_action_get(ix, &k, &got) == 1);
	index_close(ix);
	capture_begin();
	ix = index_open(dir, &fresh);
	err = capture_end();
	CHECK(ix != NULL && fresh == 0);
	CHECK_STR(err, "");
	free(err);
	index_close(ix);
out:
	test_rmtree(dir);
	free(dir);
}

static void
test_garbage_file(void)
{
	char *dir = mktmp();
	char *path = xasprintf("%s/index.sqlite", dir);
	char junk[8192];
	struct index *ix;
	struct key k;
	struct action a;
	char *err;
	size_t i;
	int fresh, fd;

	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (char)("garbage!"[i % 8] ^ (i & 0x3f));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0 && write(fd, junk, sizeof(junk)) == (ssize_t)sizeof(junk));
	close(fd);
	capture_begin();
	ix = index_open(dir, &fresh);
	err = capture_end();
	CHECK(ix != NULL);
	CHECK(fresh == 1);
	CHECK(strstr(err, "starting over") != NULL);
	free(err);
	mkkey(&k, "k");
	mkaction(&a, "blob", "gen", "local");
	CHECK(ix && index_action_put(ix, &k, &a) == 0);
	CHECK(ix && index_action_count(ix) == 1);
	index_close(ix);

	/* a database of someone else's at the index path (schema 0, other
	 * tables) gets our tables added */
	unlink(path);
	CHECK(raw_sql(dir, "CREATE TABLE other (x); INSERT INTO other VALUES (1)") == 0);
	ix = index_open(dir, &fresh);
	CHECK(ix != NULL && fresh == 1);
	CHECK(ix && index_action_put(ix, &k, &a) == 0);
	index_close(ix);
	free(path);
	test_rmtree(dir);
	free(dir);
}

static void
test_two_connections(void)
{
	char *dir = mktmp();
	struct index *ix1, *ix2;
	struct action a, b, got;
	struct key k1, k2;
	struct output_rec r, *recs;
	size_t n;
	int f1, f2, round;

	ix1 = index_open(dir, &f1);
	ix2 = index_open(dir, &f2);
	CHECK(ix1 && ix2);
	CHECK(f1 == 1 && f2 == 0);
	if (!ix1 || !ix2)
		goto out;
	mkaction(&a, "blob a", "gen", "one");
	mkaction(&b, "blob b", "gen", "two");
	for (round = 0; round < 5; round++) {
		char name[32];

		snprintf(name, sizeof(name), "k1-%d", round);
		mkkey(&k1, name);
		snprintf(name, sizeof(name), "k2-%d", round);
		mkkey(&k2, name);
		/* 1 writes; 2 reads outside a transaction: not yet visible */
		CHECK(index_begin(ix1) == 0);
		CHECK(index_action_put(ix1, &k1, &a) == 0);
		CHECK(index_action_get(ix2, &k1, &got) == 0);
		CHECK(index_commit(ix1) == 0);
		CHECK(index_action_get(ix2, &k1, &got) == 1 && key_equal(&got.digest, &a.digest));
		/* 2 writes; 1 sees it */
		CHECK(index_begin(ix2) == 0);
		CHECK(index_action_put(ix2, &k2, &b) == 0);
		fill_rec(&r, name, "asset");
		CHECK(index_output_put(ix2, &r) == 0);
		CHECK(index_commit(ix2) == 0);
		CHECK(index_action_get(ix1, &k2, &got) == 1 && key_equal(&got.digest, &b.digest));
		/* autocommit writes from both */
		CHECK(index_action_delete(ix1, &k2) == 0);
		CHECK(index_action_put(ix2, &k1, &b) == 0);
		CHECK(index_build_record(ix1, 1, 1, 0, 0.5, 0) == 0);
		CHECK(index_build_record(ix2, 2, 0, 2, 0, 0.25) == 0);
	}
	CHECK(index_action_count(ix1) == 5 && index_action_count(ix2) == 5);
	CHECK(index_outputs_load(ix1, &recs, &n) == 0 && n == 5);
	index_outputs_free(recs, n);
out:
	index_close(ix1);
	index_close(ix2);
	test_rmtree(dir);
	free(dir);
}

/* ---- contention: one connection waits for the other's write lock ---- */

struct waiter {
	struct index *ix;
	atomic_int started, began;
	int rc;
};

static void *
waiter_main(void *arg)
{
	struct waiter *w = arg;
	struct action a;
	struct key k;

	mkkey(&k, "from the waiter");
	mkaction(&a, "waiter blob", "gen", "w");
	atomic_store(&w->started, 1);
	w->rc = index_begin(w->ix);
	atomic_store(&w->began, 1);
	if (w->rc == 0) {
		w->rc = index_action_put(w->ix, &k, &a);
		if (index_commit(w->ix) < 0)
			w->rc = -1;
	}
	return NULL;
}

static void
test_busy_timeout(void)
{
	char *dir = mktmp();
	struct index *ix1, *ix2;
	struct waiter w;
	struct action a, got;
	struct key k;
	struct timespec tick = {0, 1000000}, wait = {0, 300 * 1000000};
	pthread_t t;
	int f, i;

	memset(&w, 0, sizeof(w));
	ix1 = index_open(dir, &f);
	ix2 = index_open(dir, &f);
	CHECK(ix1 && ix2);
	if (!ix1 || !ix2)
		goto out;
	mkkey(&k, "from main");
	mkaction(&a, "main blob", "gen", "m");
	CHECK(index_begin(ix1) == 0);
	CHECK(index_action_put(ix1, &k, &a) == 0);
	w.ix = ix2;
	CHECK(pthread_create(&t, NULL, waiter_main, &w) == 0);
	for (i = 0; i < 10000 && !atomic_load(&w.started); i++)
		nanosleep(&tick, NULL);
	nanosleep(&wait, NULL);
	/* still waiting for the lock: neither failed nor got in */
	CHECK(!atomic_load(&w.began));
	CHECK(index_commit(ix1) == 0);
	pthread_join(t, NULL);
	CHECK(w.rc == 0);
	CHECK(index_action_count(ix1) == 2);
	mkkey(&k, "from the waiter");
	CHECK(index_action_get(ix1, &k, &got) == 1);
out:
	index_close(ix1);
	index_close(ix2);
	test_rmtree(dir);
	free(dir);
}

static void
test_build_totals(void)
{
	char *dir = mktmp();
	struct index *ix;
	struct index_totals t;
	int fresh;

	ix = index_open(dir, &fresh);
	CHECK(ix != NULL);
	if (!ix)
		goto out;
	memset(&t, 0x55, sizeof(t));
	CHECK(index_build_totals(ix, &t) == 0);
	CHECK(t.builds == 0 && t.assets == 0 && t.generated == 0 && t.hits == 0);
	CHECK(t.spent == 0 && t.saved == 0);
	CHECK(index_build_record(ix, 10, 4, 6, 0.32, 0.48) == 0);
	CHECK(index_build_record(ix, 10, 0, 10, 0, 0.80) == 0);
	CHECK(index_build_record(ix, 3, 3, 0, 0.25, 0) == 0);
	CHECK(index_build_totals(ix, &t) == 0);
	CHECK(t.builds == 3);
	CHECK(t.assets == 23);
	CHECK(t.generated == 7);
	CHECK(t.hits == 16);
	CHECK(t.spent > 0.569999 && t.spent < 0.570001);
	CHECK(t.saved > 1.279999 && t.saved < 1.280001);
	index_close(ix);
out:
	test_rmtree(dir);
	free(dir);
}

int
main(void)
{
	RUN(test_open_fresh);
	RUN(test_actions);
	RUN(test_outputs);
	RUN(test_schema_mismatch);
	RUN(test_garbage_file);
	RUN(test_two_connections);
	RUN(test_busy_timeout);
	RUN(test_build_totals);
	return TEST_DONE();
}
