/* remote.c - the shared cache client: batches of transfers through one
 * libcurl multi loop, or file operations on a shared directory */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "http.h"
#include "os.h"
#include "remote.h"
#include "util.h"

#define REMOTE_PARALLEL 32
#define AC_MAX 16384              /* bytes in an action-cache entry */

int
remote_open(struct remote *r, const char *url, const char *secret)
{
	size_t n;

	memset(r, 0, sizeof(*r));
	r->secret = secret && *secret ? secret : NULL;
	r->timeout_ms = 60000;
	if (str_has_prefix(url, "file://")) {
		r->dir = xstrdup(url + 7);
		if (!*r->dir || r->dir[0] != '/') {
			warn("remote cache '%s': a file:// URL needs an absolute path", url);
			remote_close(r);
			return -1;
		}
		return 0;
	}
	if (!str_has_prefix(url, "http://") && !str_has_prefix(url, "https://")) {
		warn("remote cache '%s': only http://, https:// and file:// are supported", url);
		return -1;
	}
	r->url = xstrdup(url);
	n = strlen(r->url);
	while (n > 0 && r->url[n - 1] == '/')
		r->url[--n] = '\0';
	return 0;
}

void
remote_close(struct remote *r)
{
	free(r->url);
	free(r->dir);
	r->url = r->dir = NULL;
}

/* ---- entries ---- */

static char *
ac_message(const struct ac_entry *e)
{
	char key[KEY_HEX_LEN + 1], dig[KEY_HEX_LEN + 1];

	key_hex(&e->key, key);
	key_hex(&e->digest, dig);
	return xasprintf("assetgen-ac-v1\n%s\n%s\n%s\n%llu", key, dig, e->sha256,
			 (unsigned long long)e->size);
}

char *
ac_encode(const struct ac_entry *e, const char *secret)
{
	char key[KEY_HEX_LEN + 1], dig[KEY_HEX_LEN + 1], mac[SHA256_HEX_LEN + 1];
	json_t *o;
	char *text, *msg;

	key_hex(&e->key, key);
	key_hex(&e->digest, dig);
	o = json_pack("{s:i, s:s, s:s, s:s, s:I, s:s, s:s, s:b, s:f}",
		      "version", 1, "key", key, "digest", dig, "sha256", e->sha256,
		      "size", (json_int_t)e->size, "stage", e->stage, "model", e->model,
		      "fallback", e->fallback, "cost", e->cost);
	if (secret) {
		msg = ac_message(e);
		hmac_sha256_hex(secret, msg, strlen(msg), mac);
		free(msg);
		json_object_set_new(o, "hmac", json_string(mac));
	}
	text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return text;
}

int
ac_decode(const char *data, size_t len, const struct key *key, const char *secret,
	  struct ac_entry *out, const char **why)
{
	json_t *o, *v;
	const char *k, *d, *sha, *mac = NULL, *stage = "", *model = "";
	json_int_t size, version;
	char want[SHA256_HEX_LEN + 1], *msg;
	int fallback = 0, r = -1;
	double cost = 0;

	memset(out, 0, sizeof(*out));
	*why = "not an action-cache entry";
	if (len > AC_MAX)
		return -1;
	o = json_loadb(data, len, JSON_REJECT_DUPLICATES, NULL);
	if (!o)
		return -1;
	if (json_unpack(o, "{s:I, s:s, s:s, s:s, s:I}", "version", &version, "key", &k, "digest", &d,
			"sha256", &sha, "size", &size) < 0 || version != 1 || size < 0)
		goto out;
	if ((v = json_object_get(o, "stage")) && json_is_string(v))
		stage = json_string_value(v);
	if ((v = json_object_get(o, "model")) && json_is_string(v))
		model = json_string_value(v);
	if ((v = json_object_get(o, "fallback")) && json_is_boolean(v))
		fallback = json_is_true(v);
	if ((v = json_object_get(o, "cost")) && json_is_number(v))
		cost = json_number_value(v);
	if ((v = json_object_get(o, "hmac")) && json_is_string(v))
		mac = json_string_value(v);
	if (key_parse(k, &out->key) < 0 || key_parse(d, &out->digest) < 0 || !sha256_hex_valid(sha))
		goto out;
	*why = "entry is for another key";
	if (!key_equal(&out->key, key))
		goto out;
	snprintf(out->sha256, sizeof(out->sha256), "%s", sha);
	out->size = (uint64_t)size;
	snprintf(out->stage, sizeof(out->stage), "%s", stage);
	snprintf(out->model, sizeof(out->model), "%s", model);
	out->fallback = fallback;
	out->cost = cost >= 0 ? cost : 0;
	if (secret) {
		*why = "entry is not signed";
		if (!mac)
			goto out;
		msg = ac_message(out);
		hmac_sha256_hex(secret, msg, strlen(msg), want);
		free(msg);
		*why = "entry signature does not match";
		if (!hex_equal(mac, want))
			goto out;
	}
	r = 0;
out:
	json_decref(o);
	return r;
}

/* ---- transfers ---- */

struct op {
	const char *method;
	char *path;             /* "cas/<hex>" or "ac/<hex>" */
	const char *body;       /* PUT */
	size_t len;
	long status;            /* 200, 404, ...; 0 transport failure */
	struct buf data;        /* GET body */
};

static void
op_file(struct remote *r, struct op *op)
{
	char *path = path_join(r->dir, op->path), *dir;
	struct stat sb;

	if (strcmp(op->method, "GET") == 0) {
		if (os_read_file(path, STORE_MAX_BLOB, &op->data) == 0)
			op->status = 200;
		else
			op->status = errno == ENOENT ? 404 : 0;
	} else if (strcmp(op->method, "HEAD") == 0) {
		op->status = stat(path, &sb) == 0 ? 200 : errno == ENOENT ? 404 : 0;
	} else {
		dir = xstrdup(path);
		*strrchr(dir, '/') = '\0';
		op->status = os_mkdirs(dir, 0755) == 0 &&
			os_write_atomic_path(path, op->body, op->len) == 0 ? 201 : 0;
		free(dir);
	}
	free(path);
}

/* Called as each op completes (op->data is released after it returns), so
 * a blob is verified and stored while the next ones are still downloading,
 * and at most REMOTE_PARALLEL bodies are in memory at once. */
typedef void op_done_fn(struct op *op, size_t i, void *arg);

/* Run ops, REMOTE_PARALLEL at a time through one multi loop. */
static void
run_each(struct remote *r, struct op *ops, size_t n, op_done_fn *done_fn, void *arg)
{
	struct http_loop *l;
	struct http_response resp;
	struct http_request req;
	size_t next = 0, done = 0, i;
	void *ud;

	if (r->dir) {
		for (i = 0; i < n; i++) {
			op_file(r, &ops[i]);
			if (done_fn) {
				done_fn(&ops[i], i, arg);
				buf_release(&ops[i].data);
			}
		}
		return;
	}
	if (!n)
		return;
	l = http_loop_new();
	while (done < n) {
		while (next < n && http_loop_running(l) < REMOTE_PARALLEL) {
			char *url = xasprintf("%s/%s", r->url, ops[next].path);

			http_request_init(&req, ops[next].method, url);
			if (ops[next].body) {
				buf_put(&req.body, ops[next].body, ops[next].len);
				http_request_header(&req, "Content-Type", "application/octet-stream");
			}
			http_loop_add(l, &req, r->timeout_ms, &ops[next]);
			http_request_release(&req);
			free(url);
			next++;
		}
		http_loop_poll(l, 100);
		while (http_loop_next(l, &ud, &resp)) {
			struct op *op = ud;

			op->status = resp.transport == HTTP_OK ? resp.status : 0;
			op->data = resp.body;
			memset(&resp.body, 0, sizeof(resp.body));
			http_response_release(&resp);
			done++;
			if (done_fn) {
				done_fn(op, (size_t)(op - ops), arg);
				buf_release(&op->data);
			}
		}
	}
	http_loop_free(l);
}

static void
run(struct remote *r, struct op *ops, size_t n)
{
	run_each(r, ops, n, NULL, NULL);
}

static void
ops_free(struct op *ops, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(ops[i].path);
		buf_release(&ops[i].data);
	}
	free(ops);
}

static char *
op_path(const char *kind, const struct key *k)
{
	char hex[KEY_HEX_LEN + 1];

	key_hex(k, hex);
	return xasprintf("%s/%s", kind, hex);
}

/* Check a downloaded blob against what its entry (or the lock) says. */
static int
blob_ok(const struct buf *b, const struct key *digest, const char *sha256, uint64_t size)
{
	char got[SHA256_HEX_LEN + 1];
	struct key d;

	if (size != UINT64_MAX && b->len != size)
		return 0;
	key_digest(b->data, b->len, &d);
	if (!key_equal(&d, digest))
		return 0;
	sha256_hex(b->data, b->len, got);
	return hex_equal(got, sha256);
}

static void
record(struct index *ix, const struct ac_entry *e)
{
	struct action act;

	memset(&act, 0, sizeof(act));
	act.digest = e->digest;
	act.size = e->size;
	snprintf(act.stage, sizeof(act.stage), "%s", e->stage[0] ? e->stage : "gen");
	snprintf(act.model, sizeof(act.model), "%s", e->model);
	act.fallback = e->fallback;
	act.cost = e->cost;
	snprintf(act.sha256, sizeof(act.sha256), "%s", e->sha256);
	index_action_put(ix, &e->key, &act);
}

static void
count_status(struct remote *r, long status)
{
	if (status == 404)
		r->stats.misses++;
	else
		r->stats.errors++;
}

struct fetch_ctx {
	struct remote *r;
	struct store *st;
	struct index *ix;
	const struct ac_entry *entries;
	const size_t *which;
	unsigned char *hit;
};

static void
fetched_blob(struct op *op, size_t i, void *arg)
{
	struct fetch_ctx *fc = arg;
	const struct ac_entry *e = &fc->entries[fc->which[i]];
	struct key got;

	if (op->status != 200) {
		/* an entry whose blob cannot be had is a miss, not a hit */
		count_status(fc->r, op->status);
		return;
	}
	if (!blob_ok(&op->data, &e->digest, e->sha256, e->size)) {
		warn("remote cache: rejected blob %s: its bytes do not match its entry", op->path + 4);
		fc->r->stats.rejected++;
		return;
	}
	if (store_put_batch(fc->st, op->data.data, op->data.len, &got) < 0) {
		fc->r->stats.errors++;
		return;
	}
	record(fc->ix, e);
	fc->hit[fc->which[i]] = 1;
	fc->r->stats.hits++;
}

void
remote_fetch(struct remote *r, struct store *st, struct index *ix, const struct key *keys,
	     size_t n, unsigned char *hit)
{
	struct op *ops = xcalloc(n + 1, sizeof(*ops)), *blobs = xcalloc(n + 1, sizeof(*blobs));
	struct ac_entry *entries = xcalloc(n + 1, sizeof(*entries));
	size_t *which = xcalloc(n + 1, sizeof(*which));
	const char *why;
	size_t i, nb = 0;

	for (i = 0; i < n; i++) {
		hit[i] = 0;
		ops[i].method = "GET";
		ops[i].path = op_path("ac", &keys[i]);
	}
	run(r, ops, n);
	for (i = 0; i < n; i++) {
		if (ops[i].status != 200) {
			count_status(r, ops[i].status);
			continue;
		}
		if (ac_decode(ops[i].data.data, ops[i].data.len, &keys[i], r->secret, &entries[i], &why) < 0) {
			char hex[KEY_HEX_LEN + 1];

			key_hex(&keys[i], hex);
			warn("remote cache: rejected entry for %s: %s", hex, why);
			r->stats.rejected++;
			continue;
		}
		if (store_has(st, &entries[i].digest, NULL)) {
			record(ix, &entries[i]);
			hit[i] = 1;
			r->stats.hits++;
			continue;
		}
		blobs[nb].method = "GET";
		blobs[nb].path = op_path("cas", &entries[i].digest);
		which[nb++] = i;
	}
	{
		struct fetch_ctx fc = {r, st, ix, entries, which, hit};

		run_each(r, blobs, nb, fetched_blob, &fc);
		if (nb)
			store_sync(st);     /* one sync for the batch, not two per blob */
	}
	ops_free(ops, n);
	ops_free(blobs, nb);
	free(entries);
	free(which);
}

struct blobs_ctx {
	struct remote *r;
	struct store *st;
	const struct key *digests;
	const char (*sha256)[SHA256_HEX_LEN + 1];
	unsigned char *ok;
};

static void
fetched_pinned(struct op *op, size_t i, void *arg)
{
	struct blobs_ctx *bc = arg;
	struct key got;

	if (op->status != 200) {
		count_status(bc->r, op->status);
		return;
	}
	if (!blob_ok(&op->data, &bc->digests[i], bc->sha256[i], UINT64_MAX)) {
		warn("remote cache: rejected blob %s: its bytes do not match the lock", op->path + 4);
		bc->r->stats.rejected++;
		return;
	}
	if (store_put_batch(bc->st, op->data.data, op->data.len, &got) < 0) {
		bc->r->stats.errors++;
		return;
	}
	bc->ok[i] = 1;
	bc->r->stats.hits++;
}

void
remote_fetch_blobs(struct remote *r, struct store *st, const struct key *digests,
		   const char (*sha256)[SHA256_HEX_LEN + 1], size_t n, unsigned char *ok)
{
	struct op *ops = xcalloc(n + 1, sizeof(*ops));
	size_t i;

	for (i = 0; i < n; i++) {
		ok[i] = 0;
		ops[i].method = "GET";
		ops[i].path = op_path("cas", &digests[i]);
	}
	{
		struct blobs_ctx bc = {r, st, digests, sha256, ok};

		run_each(r, ops, n, fetched_pinned, &bc);
		if (n)
			store_sync(st);
	}
	ops_free(ops, n);
}

void
remote_push(struct remote *r, struct store *st, struct index *ix, const struct key *keys, size_t n)
{
	struct op *heads = xcalloc(n + 1, sizeof(*heads)), *puts = xcalloc(2 * n + 1, sizeof(*puts));
	struct ac_entry *entries = xcalloc(n + 1, sizeof(*entries));
	struct buf *blobs = xcalloc(n + 1, sizeof(*blobs));
	unsigned char *have = xcalloc(n + 1, 1);
	char **texts = xcalloc(n + 1, sizeof(*texts));
	struct action act;
	size_t i, np = 0, ne = 0;

	for (i = 0; i < n; i++) {
		if (index_action_get(ix, &keys[i], &act) != 1 || !act.sha256[0])
			continue;
		have[i] = 1;
		entries[i].key = keys[i];
		entries[i].digest = act.digest;
		snprintf(entries[i].sha256, sizeof(entries[i].sha256), "%s", act.sha256);
		entries[i].size = act.size;
		snprintf(entries[i].stage, sizeof(entries[i].stage), "%s", act.stage);
		snprintf(entries[i].model, sizeof(entries[i].model), "%s", act.model);
		entries[i].fallback = act.fallback;
		entries[i].cost = act.cost;
		heads[i].method = "HEAD";
		heads[i].path = op_path("cas", &act.digest);
	}
	/* blobs first (only those the server lacks), then the entries that
	 * point at them: a reader never sees an entry before its blob */
	{
		struct op *hs = xcalloc(n + 1, sizeof(*hs));
		size_t *map = xcalloc(n + 1, sizeof(*map)), nh = 0;

		for (i = 0; i < n; i++)
			if (have[i]) {
				hs[nh] = heads[i];
				map[nh++] = i;
			}
		run(r, hs, nh);
		for (i = 0; i < nh; i++) {
			size_t k = map[i];

			heads[k].status = hs[i].status;
			buf_release(&hs[i].data);
			if (hs[i].status == 200)
				continue;
			if (store_get(st, &entries[k].digest, &blobs[k]) != STORE_OK) {
				have[k] = 0;
				continue;
			}
			puts[np].method = "PUT";
			puts[np].path = op_path("cas", &entries[k].digest);
			puts[np].body = blobs[k].data;
			puts[np].len = blobs[k].len;
			np++;
		}
		free(hs);
		free(map);
	}
	run(r, puts, np);
	for (i = 0; i < np; i++) {
		if (puts[i].status >= 200 && puts[i].status < 300)
			r->stats.uploaded++;
		else
			r->stats.upload_errors++;
	}
	ops_free(puts, np);
	puts = xcalloc(n + 1, sizeof(*puts));
	for (i = 0; i < n; i++) {
		if (!have[i])
			continue;
		texts[i] = ac_encode(&entries[i], r->secret);
		puts[ne].method = "PUT";
		puts[ne].path = op_path("ac", &keys[i]);
		puts[ne].body = texts[i];
		puts[ne].len = strlen(texts[i]);
		ne++;
	}
	run(r, puts, ne);
	for (i = 0; i < ne; i++) {
		if (puts[i].status >= 200 && puts[i].status < 300)
			r->stats.uploaded++;
		else
			r->stats.upload_errors++;
	}
	ops_free(puts, ne);
	for (i = 0; i < n; i++) {
		free(heads[i].path);
		buf_release(&blobs[i]);
		free(texts[i]);
	}
	free(heads);
	free(entries);
	free(blobs);
	free(have);
	free(texts);
}
