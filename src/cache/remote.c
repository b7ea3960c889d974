/* cache/remote.c - the shared cache client: batches of transfers through one
 * libcurl multi loop, or file operations on a shared directory */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "actionresult.h"
#include "http.h"
#include "os.h"
#include "redact.h"
#include "remote.h"
#include "util.h"

#define REMOTE_PARALLEL 32
#define AC_MAX 16384              /* bytes in an action-cache entry */
#define REMOTE_TIMEOUT_MS 60000   /* a whole transfer */
#define REMOTE_STALL_MS 5000      /* connecting, or no progress, for this long: a timeout */
#define REMOTE_REPLY_MAX ((size_t)64 << 10)   /* the body of an answer to a PUT */

/* The S3 bucket and prefix of s3://bucket/prefix as a base URL: path
 * style under an endpoint (MinIO, R2, GCS interop, a local server), else
 * AWS's virtual-hosted style; the SigV4 scope from the region. */
static int
open_s3(struct remote *r, const char *url, const struct remote_opts *o)
{
	const char *bucket = url + 5, *slash = strchr(bucket, '/'), *region, *endpoint, *id, *key, *tok;
	size_t nb = slash ? (size_t)(slash - bucket) : strlen(bucket), i;
	const char *prefix = slash ? slash : "";

	for (i = 0; i < nb; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789.-", bucket[i]))
			break;
	if (nb < 3 || nb > 63 || i < nb) {
		warn("remote cache '%s': an S3 bucket name is 3 to 63 lowercase letters, digits,"
		     " dots and hyphens", r->shown);
		return -1;
	}
	/* the prefix and region go into the URL and the signature as they are */
	if (strspn(prefix, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/")
	    != strlen(prefix)) {
		warn("remote cache '%s': an S3 prefix here is letters, digits, '.', '_', '-' and '/'",
		     r->shown);
		return -1;
	}
	region = o && o->region ? o->region : getenv("AWS_REGION");
	if (!region || !*region)
		region = getenv("AWS_DEFAULT_REGION");
	if (!region || !*region)
		region = "us-east-1";
	if (strspn(region, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(region)) {
		warn("remote cache '%s': the S3 region must be lowercase letters, digits and '-',"
		     " like eu-west-1", r->shown);
		return -1;
	}
	endpoint = o && o->endpoint ? o->endpoint : getenv("AWS_ENDPOINT_URL_S3");
	if (!endpoint || !*endpoint)
		endpoint = getenv("AWS_ENDPOINT_URL");
	if (endpoint && *endpoint) {
		if (!str_has_prefix(endpoint, "http://") && !str_has_prefix(endpoint, "https://")) {
			warn("remote cache '%s': the S3 endpoint must be an http:// or https:// URL",
			     r->shown);
			return -1;
		}
		r->url = xasprintf("%s%s%.*s%s", endpoint,
				   endpoint[strlen(endpoint) - 1] == '/' ? "" : "/", (int)nb, bucket,
				   prefix);
	} else {
		r->url = xasprintf("https://%.*s.s3.%s.amazonaws.com%s", (int)nb, bucket, region, prefix);
	}
	r->s3 = 1;
	r->sigv4 = xasprintf("aws:amz:%s:s3", region);
	r->cred_hint = xstrdup("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN"
			       " for temporary credentials)");
	id = getenv("AWS_ACCESS_KEY_ID");
	key = getenv("AWS_SECRET_ACCESS_KEY");
	tok = getenv("AWS_SESSION_TOKEN");
	if (id && *id && key && *key) {
		r->userpwd = xasprintf("%s:%s", id, key);
		if (tok && *tok)
			r->s3_token = xstrdup(tok);
	} else {
		/* unsigned: a bucket that allows public reads still serves them */
		free(r->sigv4);
		r->sigv4 = NULL;
	}
	return 0;
}

/* A bearer token or user:password from the variable the config names. */
static int
open_auth(struct remote *r, const struct remote_opts *o)
{
	const char *name = o ? o->bearer_env ? o->bearer_env : o->basic_env : NULL, *v;

	if (!name) {
		r->cred_hint = xstrdup("a variable named by cache.remote.bearer_env (a token) or"
				       " cache.remote.basic_env (user:password), or add the host"
				       " to ~/.netrc");
		return 0;
	}
	r->cred_hint = xstrdup(name);
	v = getenv(name);
	if (!v || !*v)
		return 0;       /* reads may need none; a refused upload names it */
	if (o->bearer_env) {
		r->bearer = xasprintf("Bearer %s", v);
	} else {
		if (!strchr(v, ':')) {
			warn("remote cache '%s': %s must hold user:password", r->shown, name);
			return -1;
		}
		r->userpwd = xstrdup(v);
	}
	return 0;
}

int
remote_open(struct remote *r, const char *url, const char *secret, const struct remote_opts *o)
{
	size_t n;

	memset(r, 0, sizeof(*r));
	r->secret = secret && *secret ? secret : NULL;
	r->timeout_ms = REMOTE_TIMEOUT_MS;
	r->stall_ms = REMOTE_STALL_MS;
	r->shown = redact_url(url);
	if (str_has_prefix(url, "file://")) {
		r->dir = xstrdup(url + 7);
		if (!*r->dir || r->dir[0] != '/') {
			warn("remote cache '%s': a file:// URL needs an absolute path", r->shown);
			remote_close(r);
			return -1;
		}
		free(r->shown);
		r->shown = redact_url(r->dir);
		return 0;
	}
	if (str_has_prefix(url, "s3://")) {
		if (open_s3(r, url, o) < 0) {
			remote_close(r);
			return -1;
		}
	} else if (str_has_prefix(url, "http://") || str_has_prefix(url, "https://")) {
		r->url = xstrdup(url);
		if (open_auth(r, o) < 0) {
			remote_close(r);
			return -1;
		}
	} else {
		warn("remote cache '%s': only http://, https://, s3:// and file:// are supported",
		     r->shown);
		remote_close(r);
		return -1;
	}
	n = strlen(r->url);
	while (n > 0 && r->url[n - 1] == '/')
		r->url[--n] = '\0';
	if (!r->s3) {
		free(r->shown);
		r->shown = redact_url(r->url);
	}
	return 0;
}

void
remote_close(struct remote *r)
{
	free(r->url);
	free(r->dir);
	free(r->shown);
	free(r->bearer);
	free(r->userpwd);
	free(r->cred_hint);
	free(r->sigv4);
	free(r->s3_token);
	r->url = r->dir = r->shown = r->bearer = r->userpwd = r->cred_hint = NULL;
	r->sigv4 = r->s3_token = NULL;
}

char *
remote_ac_path(const struct key *k)
{
	char hex[SHA256_HEX_LEN + 1];

	sha256_hex(k->b, sizeof(k->b), hex);
	return xasprintf("ac/%s", hex);
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

#define REMOTE_WORKERS_MAX 4
/* Bodies in memory at once: downloading, or waiting for a worker.  The
 * slack beyond REMOTE_PARALLEL lets downloads go on while the workers
 * catch up with a wave of transfers that finished together. */
#define REMOTE_BODIES_MAX (REMOTE_PARALLEL + 16)

enum op_result {
	OP_PENDING = 0,
	OP_STORED,              /* verified and stored */
	OP_FAILED,              /* op->status says why: 404 a miss, else an error */
	OP_REJECTED,            /* downloaded, but not what its entry says */
	OP_STORE_ERROR,
	OP_PRESENT,             /* an upload's check: the remote holds exactly the blob */
};

struct op {
	const char *method;
	char *path;             /* "cas/<hex>" or "ac/<hex>" */
	const char *body;       /* PUT */
	size_t len;
	const char *body_sha256;        /* the body's SHA-256 when known (S3 signs it) */
	size_t max_body;        /* GET: the most the answer may hold; 0: HTTP_MAX_BODY */
	long status;            /* 200, 404, ...; 0 transport failure; -1 not sent (down) */
	enum http_transport transport;
	struct buf data;        /* GET body */
	enum op_result result;  /* set by the work function */
};

static void
op_file(struct remote *r, struct op *op)
{
	char *path = path_join(r->dir, op->path), *dir;
	struct stat sb;

	if (strcmp(op->method, "GET") == 0) {
		if (os_read_file(path, op->max_body ? op->max_body : STORE_MAX_BLOB, &op->data) == 0)
			op->status = 200;
		else if (errno == EFBIG)
			op->transport = HTTP_TOOBIG;
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

/* Called for each op as it completes, on a worker thread, while the loop
 * thread goes on downloading the next ones: it verifies and stores the body
 * and sets op->result.  It may touch only the op, read-only shared data
 * and the store (whose batch writes are thread-safe); the caller tallies
 * the results and writes the index once run_each() has returned. */
typedef void op_work_fn(struct op *op, size_t i, void *arg);

/* The workers, and the bodies waiting for them.  Bodies are recycled
 * (spare) so that the loop receives into memory already faulted in. */
struct pool {
	pthread_mutex_t mu;
	pthread_cond_t work;        /* something queued, or closing */
	pthread_cond_t room;        /* a worker finished one */
	struct op **q;              /* ring of REMOTE_BODIES_MAX */
	size_t head, nq;
	size_t busy;                /* queued + being worked on */
	int closing;
	struct buf spare[REMOTE_BODIES_MAX];
	size_t nspare;
	struct op *ops;
	op_work_fn *fn;
	void *arg;
	pthread_t tids[REMOTE_WORKERS_MAX];
	size_t nthreads;
};

static void *
pool_main(void *arg)
{
	struct pool *p = arg;
	struct op *op;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->nq && !p->closing)
			pthread_cond_wait(&p->work, &p->mu);
		if (!p->nq)
			break;
		op = p->q[p->head];
		p->head = (p->head + 1) % REMOTE_BODIES_MAX;
		p->nq--;
		pthread_mutex_unlock(&p->mu);

		p->fn(op, (size_t)(op - p->ops), p->arg);

		pthread_mutex_lock(&p->mu);
		if (p->nspare < sizeof(p->spare) / sizeof(p->spare[0])) {
			buf_reset(&op->data);
			p->spare[p->nspare++] = op->data;
			memset(&op->data, 0, sizeof(op->data));
		}
		p->busy--;
		pthread_cond_signal(&p->room);
		if (op->data.data) {
			/* no room among the spares (the lock is not needed to free) */
			pthread_mutex_unlock(&p->mu);
			buf_release(&op->data);
			pthread_mutex_lock(&p->mu);
		}
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static size_t
pool_workers(void)
{
	int n = os_cpus();

	/* at least two: one can hash while the other waits on the disk */
	return n < 2 ? 2 : n > REMOTE_WORKERS_MAX ? REMOTE_WORKERS_MAX : (size_t)n;
}

/* Start the workers; 0, or -1 when no thread could be started (the
 * caller then does the work on its own thread). */
static int
pool_start(struct pool *p, struct op *ops, op_work_fn *fn, void *arg)
{
	size_t i, want = pool_workers();

	memset(p, 0, sizeof(*p));
	p->q = xcalloc(REMOTE_BODIES_MAX, sizeof(*p->q));
	p->ops = ops;
	p->fn = fn;
	p->arg = arg;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->room, NULL);
	for (i = 0; i < want; i++)
		if (pthread_create(&p->tids[p->nthreads], NULL, pool_main, p) == 0)
			p->nthreads++;
	return p->nthreads ? 0 : -1;
}

/* Queue a body.  There is always room: a download starts only while the
 * bodies in memory number fewer than REMOTE_BODIES_MAX. */
static void
pool_push(struct pool *p, struct op *op)
{
	pthread_mutex_lock(&p->mu);
	while (p->nq == REMOTE_BODIES_MAX)
		pthread_cond_wait(&p->room, &p->mu);
	p->q[(p->head + p->nq) % REMOTE_BODIES_MAX] = op;
	p->nq++;
	p->busy++;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->mu);
}

/* May the loop start another download?  Only while the bodies in memory
 * (downloading, or downloaded and waiting for a worker) number fewer than
 * REMOTE_BODIES_MAX: when the workers fall behind, downloads wait for them.
 * *spare gets a recycled body buffer, if there is one. */
static int
pool_admit(struct pool *p, size_t running, struct buf *spare)
{
	int ok;

	pthread_mutex_lock(&p->mu);
	ok = running + p->busy < REMOTE_BODIES_MAX;
	if (ok && p->nspare)
		*spare = p->spare[--p->nspare];
	pthread_mutex_unlock(&p->mu);
	return ok;
}

/* Nothing is downloading: wait for a worker to make room. */
static void
pool_wait_room(struct pool *p)
{
	pthread_mutex_lock(&p->mu);
	while (p->busy >= REMOTE_BODIES_MAX)
		pthread_cond_wait(&p->room, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

/* Finish what is queued, stop the workers, free the spare bodies. */
static void
pool_finish(struct pool *p)
{
	size_t i;

	pthread_mutex_lock(&p->mu);
	p->closing = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->tids[i], NULL);
	for (i = 0; i < p->nspare; i++)
		buf_release(&p->spare[i]);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->room);
	free(p->q);
}

/* ops[from..n) are not sent: the remote stopped answering. */
static void
skip_rest(struct op *ops, size_t from, size_t n, op_work_fn *work_fn, void *arg)
{
	size_t i;

	for (i = from; i < n; i++) {
		ops[i].status = -1;
		if (work_fn)
			work_fn(&ops[i], i, arg);
	}
}

static void
mark_down(struct remote *r, size_t ntimeouts)
{
	r->down = 1;
	warn("remote cache: no answer to %zu request%s in a row within %ld s; not using it"
	     " for the rest of this run", ntimeouts, ntimeouts == 1 ? "" : "s", r->stall_ms / 1000);
}

/* What a request to the remote carries: a bearer token, or user:password
 * (Basic), or ~/.netrc's; on S3 the SigV4 signature over the body's
 * SHA-256, and the session token. */
static void
op_credentials(const struct remote *r, const struct op *op, struct http_request *req)
{
	char sha[SHA256_HEX_LEN + 1];

	if (r->bearer)
		http_request_secret_header(req, "Authorization", r->bearer);
	if (r->userpwd || r->sigv4)
		http_request_auth(req, r->userpwd, r->sigv4);
	else if (!r->bearer && !r->s3)
		req->netrc = 1;
	if (!r->sigv4)
		return;
	if (op->body_sha256)
		snprintf(sha, sizeof(sha), "%s", op->body_sha256);
	else
		sha256_hex(op->body ? op->body : "", op->body ? op->len : 0, sha);
	http_request_header(req, "x-amz-content-sha256", sha);
	if (r->s3_token)
		http_request_secret_header(req, "x-amz-security-token", r->s3_token);
}

/* Run ops, REMOTE_PARALLEL at a time through one multi loop; with work_fn,
 * each body is handed to the workers as its transfer completes (and
 * released after), so a blob is verified and stored while the next ones
 * are still downloading, and at most REMOTE_BODIES_MAX bodies are in
 * memory at once.  A transfer that stalls times out in r->stall_ms; when
 * every transfer in flight has timed out, the remote is down, and the ops
 * left (and those of every later call) are not sent: status -1. */
static void
run_each(struct remote *r, struct op *ops, size_t n, op_work_fn *work_fn, void *arg)
{
	struct http_loop *l;
	struct http_response resp;
	struct http_request req;
	struct pool pool;
	size_t next = 0, done = 0, i, wave = 0, streak = 0;
	int pooled = 0;
	void *ud;

	if (r->dir) {
		for (i = 0; i < n; i++) {
			op_file(r, &ops[i]);
			if (work_fn) {
				work_fn(&ops[i], i, arg);
				buf_release(&ops[i].data);
			}
		}
		return;
	}
	if (!n)
		return;
	if (r->down) {
		skip_rest(ops, 0, n, work_fn, arg);
		return;
	}
	if (work_fn)
		pooled = pool_start(&pool, ops, work_fn, arg) == 0;
	l = http_loop_new();
	while (done < n) {
		/* after a timeout, nothing new starts until the transfers in
		 * flight with it have finished: if every one of them times out
		 * too, the remote is down, and the rest are never sent */
		while (next < n && !streak && http_loop_running(l) < REMOTE_PARALLEL) {
			struct buf spare = BUF_INIT;
			char *url;

			if (pooled && !pool_admit(&pool, http_loop_running(l), &spare))
				break;
			url = xasprintf("%s/%s", r->url, ops[next].path);
			http_request_init(&req, ops[next].method, url);
			op_credentials(r, &ops[next], &req);
			req.stall_ms = r->stall_ms;
			req.max_body = strcmp(ops[next].method, "GET") == 0 ? ops[next].max_body :
				REMOTE_REPLY_MAX;
			if (ops[next].body) {
				buf_put(&req.body, ops[next].body, ops[next].len);
				http_request_header(&req, "Content-Type", "application/octet-stream");
			}
			http_loop_add_into(l, &req, r->timeout_ms, &ops[next], &spare);
			http_request_release(&req);
			free(url);
			next++;
		}
		if (pooled && !http_loop_running(l)) {
			/* everything started has finished: the workers are behind */
			pool_wait_room(&pool);
			continue;
		}
		http_loop_poll(l, 100);
		while (http_loop_next(l, &ud, &resp)) {
			struct op *op = ud;

			op->status = resp.transport == HTTP_OK ? resp.status : 0;
			op->transport = resp.transport;
			if (resp.transport != HTTP_TIMEOUT)
				streak = 0;
			else if (!streak++)
				wave = next - done;     /* this one and those in flight with it */
			op->data = resp.body;
			memset(&resp.body, 0, sizeof(resp.body));
			http_response_release(&resp);
			done++;
			if (pooled) {
				pool_push(&pool, op);
			} else if (work_fn) {
				work_fn(op, (size_t)(op - ops), arg);
				buf_release(&op->data);
			}
			if (streak && streak == wave && !r->down) {
				mark_down(r, streak);
				/* none is in flight: each of the wave has finished */
				skip_rest(ops, next, n, work_fn, arg);
				done += n - next;
				next = n;
			}
		}
	}
	http_loop_free(l);
	if (pooled)
		pool_finish(&pool);
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

/* A blob's name on the remote: its SHA-256. */
static char *
cas_path(const char *sha256)
{
	return xasprintf("cas/%s", sha256);
}

/* Check a downloaded blob against what its entry (or the lock) says: size,
 * XXH3-128 (its name) and SHA-256 (which cannot be collided on purpose). */
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

/* On a worker: verify op's body against digest and sha256 (and size unless
 * UINT64_MAX) and store it, its digest already checked, without an fsync. */
static void
verify_and_store(struct op *op, struct store *st, const struct key *digest, const char *sha256,
		 uint64_t size, const char *against)
{
	if (op->transport == HTTP_TOOBIG && size != UINT64_MAX) {
		/* larger than its entry says: refused before it all came */
		warn("remote cache: rejected blob %s: its bytes do not match %s", op->path + 4, against);
		op->result = OP_REJECTED;
		return;
	}
	if (op->status != 200) {
		op->result = OP_FAILED;
		return;
	}
	if (!blob_ok(&op->data, digest, sha256, size)) {
		warn("remote cache: rejected blob %s: its bytes do not match %s", op->path + 4, against);
		op->result = OP_REJECTED;
		return;
	}
	op->result = store_put_batch(st, op->data.data, op->data.len, digest) < 0 ?
		OP_STORE_ERROR : OP_STORED;
}

static void
count_status(struct remote *r, long status)
{
	if (status < 0)
		r->stats.skipped++;
	else if (status == 404)
		r->stats.misses++;
	else
		r->stats.errors++;
}

/* An upload's outcome. */
static void
count_upload(struct remote *r, long status)
{
	if (status < 0)
		r->stats.skipped++;
	else if (status >= 200 && status < 300)
		r->stats.uploaded++;
	else
		r->stats.upload_errors++;
}

/* Count a blob's download: a hit only when it was verified and stored. */
static void
count_result(struct remote *r, const struct op *op)
{
	switch (op->result) {
	case OP_STORED:
		r->stats.hits++;
		break;
	case OP_REJECTED:
		r->stats.rejected++;
		break;
	case OP_FAILED:
		count_status(r, op->status);
		break;
	default:
		r->stats.errors++;
		break;
	}
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

struct fetch_ctx {
	struct store *st;
	const struct ac_entry *entries;
	const size_t *which;
};

static void
fetched_blob(struct op *op, size_t i, void *arg)
{
	struct fetch_ctx *fc = arg;
	const struct ac_entry *e = &fc->entries[fc->which[i]];

	/* an entry whose blob cannot be had is a miss, not a hit */
	verify_and_store(op, fc->st, &e->digest, e->sha256, e->size, "its entry");
}

/* A server that refused a request (401, 403): said once per run, with
 * what to set; the credentials themselves never. */
static void
report_refused(struct remote *r, const struct op *ops, size_t n, const char *what)
{
	size_t i;

	for (i = 0; i < n && !r->refused_said; i++) {
		long st = ops[i].status;

		if (st != 401 && st != 403)
			continue;
		r->refused_said = 1;
		if (r->bearer || r->userpwd)
			warn("remote cache %s: %s refused (HTTP %ld %s): the server does not accept"
			     " the credentials in %s", r->shown, what, st,
			     st == 401 ? "Unauthorized" : "Forbidden", r->cred_hint);
		else
			warn("remote cache %s: %s refused (HTTP %ld %s): set %s", r->shown, what, st,
			     st == 401 ? "Unauthorized" : "Forbidden", r->cred_hint);
	}
}

static void
reject_entry(struct remote *r, const struct key *key, const char *why)
{
	char hex[KEY_HEX_LEN + 1];

	key_hex(key, hex);
	warn("remote cache: rejected entry for %s: %s", hex, why);
	r->stats.rejected++;
}

/* An entry's ActionResult and its record (rec), checked against each
 * other and against the key asked for: 0 and *e filled, or -1 and *why. */
static int
entry_check(const struct remote *r, const struct action_result *ar, const char *rec, size_t len,
	    const struct key *key, struct ac_entry *e, const char **why)
{
	char sha[SHA256_HEX_LEN + 1];

	*why = "its entry record does not match the digest its ActionResult gives";
	sha256_hex(rec, len, sha);
	if (len != ar->entry.size || !hex_equal(sha, ar->entry.sha256))
		return -1;
	if (ac_decode(rec, len, key, r->secret, e, why) < 0)
		return -1;
	*why = "its ActionResult names another artifact than its entry record";
	if (!hex_equal(e->sha256, ar->artifact.sha256) || e->size != ar->artifact.size)
		return -1;
	return 0;
}

/* Every lookup missed: does the remote hold entries in the layout of
 * earlier versions (ac/ and cas/ named by 32 hex digits, a JSON entry)?
 * Then say so, once: they are not read, and how to fill the new one. */
static void
look_for_old_layout(struct remote *r, const struct key *keys, size_t n)
{
	struct op ops[4];
	char hex[KEY_HEX_LEN + 1];
	size_t i, m = n < 4 ? n : 4;
	int found = 0;

	if (r->old_layout_said || r->down)
		return;
	r->old_layout_said = 1;
	memset(ops, 0, sizeof(ops));
	for (i = 0; i < m; i++) {
		key_hex(&keys[i], hex);
		ops[i].method = "HEAD";
		ops[i].path = xasprintf("ac/%s", hex);
	}
	run(r, ops, m);
	for (i = 0; i < m; i++) {
		found |= ops[i].status == 200;
		free(ops[i].path);
		buf_release(&ops[i].data);
	}
	if (found)
		warn("remote cache %s holds entries in the layout of earlier versions (ac/ and cas/"
		     " named by 32 hex digits), which are not read: upload them again in the Bazel"
		     " layout with `assetgen cache push` (or a build with --upload) from a machine"
		     " that has them", r->shown);
}

void
remote_fetch(struct remote *r, struct store *st, struct index *ix, const struct key *keys,
	     size_t n, unsigned char *hit)
{
	struct op *ops = xcalloc(n + 1, sizeof(*ops)), *blobs = xcalloc(n + 1, sizeof(*blobs));
	struct op *recs = xcalloc(n + 1, sizeof(*recs));
	struct action_result *ars = xcalloc(n + 1, sizeof(*ars));
	struct ac_entry *entries = xcalloc(n + 1, sizeof(*entries));
	size_t *which = xcalloc(n + 1, sizeof(*which)), *rmap = xcalloc(n + 1, sizeof(*rmap));
	unsigned char *ok = xcalloc(n + 1, 1);
	const char *why;
	size_t i, j, nb = 0, nr = 0, misses = 0;
	int tx;

	for (i = 0; i < n; i++) {
		hit[i] = 0;
		ops[i].method = "GET";
		ops[i].path = remote_ac_path(&keys[i]);
		ops[i].max_body = AC_MAX;
	}
	run(r, ops, n);
	report_refused(r, ops, n, "lookups");
	for (i = 0; i < n; i++) {
		if (ops[i].status != 200) {
			misses += ops[i].status == 404;
			count_status(r, ops[i].status);
			continue;
		}
		if (ar_decode(ops[i].data.data, ops[i].data.len, &ars[i], &why) < 0) {
			reject_entry(r, &keys[i], why);
		} else if (ars[i].entry.contents) {
			if (entry_check(r, &ars[i], ars[i].entry.contents, ars[i].entry.len, &keys[i],
					&entries[i], &why) < 0)
				reject_entry(r, &keys[i], why);
			else
				ok[i] = 1;
		} else {
			/* a server that keeps no inline contents: the record from the CAS */
			recs[nr].method = "GET";
			recs[nr].path = cas_path(ars[i].entry.sha256);
			recs[nr].max_body = AC_MAX;
			rmap[nr++] = i;
		}
	}
	if (n && misses == n)
		look_for_old_layout(r, keys, n);
	run(r, recs, nr);
	for (j = 0; j < nr; j++) {
		i = rmap[j];
		if (recs[j].status != 200)
			count_status(r, recs[j].status);
		else if (entry_check(r, &ars[i], recs[j].data.data, recs[j].data.len, &keys[i],
				     &entries[i], &why) < 0)
			reject_entry(r, &keys[i], why);
		else
			ok[i] = 1;
	}
	for (i = 0; i < n; i++) {
		if (!ok[i])
			continue;
		if (store_has(st, &entries[i].digest, NULL)) {
			hit[i] = 1;
			r->stats.hits++;
			continue;
		}
		blobs[nb].method = "GET";
		blobs[nb].path = cas_path(entries[i].sha256);
		/* no more than the entry says: a larger Content-Length is refused at once */
		blobs[nb].max_body = entries[i].size > STORE_MAX_BLOB ? STORE_MAX_BLOB :
			entries[i].size ? (size_t)entries[i].size : 1;
		which[nb++] = i;
	}
	{
		struct fetch_ctx fc = {st, entries, which};

		run_each(r, blobs, nb, fetched_blob, &fc);
	}
	for (i = 0; i < nb; i++) {
		count_result(r, &blobs[i]);
		hit[which[i]] = blobs[i].result == OP_STORED;
	}
	/* the blobs durable (one sync for the batch, not two per blob), then
	 * the entries that point at them, in one transaction */
	if (nb)
		store_sync(st);
	tx = index_begin(ix) == 0;
	for (i = 0; i < n; i++)
		if (hit[i])
			record(ix, &entries[i]);
	if (tx)
		index_commit(ix);      /* on failure, marked for recovery */
	ops_free(ops, n);
	ops_free(recs, nr);
	ops_free(blobs, nb);
	free(ars);
	free(entries);
	free(which);
	free(rmap);
	free(ok);
}

struct blobs_ctx {
	struct store *st;
	const struct key *digests;
	const char (*sha256)[SHA256_HEX_LEN + 1];
};

static void
fetched_pinned(struct op *op, size_t i, void *arg)
{
	struct blobs_ctx *bc = arg;

	verify_and_store(op, bc->st, &bc->digests[i], bc->sha256[i], UINT64_MAX, "the lock");
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
		ops[i].path = cas_path(sha256[i]);
	}
	{
		struct blobs_ctx bc = {st, digests, sha256};

		run_each(r, ops, n, fetched_pinned, &bc);
	}
	for (i = 0; i < n; i++) {
		count_result(r, &ops[i]);
		ok[i] = ops[i].result == OP_STORED;
	}
	if (n)
		store_sync(st);
	ops_free(ops, n);
}

struct check_ctx {
	const struct ac_entry *entries;
	const size_t *map;
};

/* On a worker: does the remote's copy of a blob hold exactly its bytes? */
static void
checked_blob(struct op *op, size_t i, void *arg)
{
	struct check_ctx *cc = arg;
	const struct ac_entry *e = &cc->entries[cc->map[i]];

	if (op->status == 200 && blob_ok(&op->data, &e->digest, e->sha256, e->size))
		op->result = OP_PRESENT;
	else if (op->status == 200 || op->transport == HTTP_TOOBIG)
		op->result = OP_REJECTED;       /* there, but not these bytes: replaced */
	else
		op->result = OP_FAILED;
}

void
remote_push(struct remote *r, struct store *st, struct index *ix, const struct key *keys, size_t n)
{
	struct op *gets = xcalloc(n + 1, sizeof(*gets)), *puts = xcalloc(2 * n + 1, sizeof(*puts));
	struct ac_entry *entries = xcalloc(n + 1, sizeof(*entries));
	struct buf *blobs = xcalloc(n + 1, sizeof(*blobs)), *results = xcalloc(n + 1, sizeof(*results));
	unsigned char *have = xcalloc(n + 1, 1);
	char **texts = xcalloc(n + 1, sizeof(*texts));
	char (*tsha)[SHA256_HEX_LEN + 1] = xcalloc(n + 1, sizeof(*tsha));
	size_t *map = xcalloc(n + 1, sizeof(*map)), *putk = xcalloc(2 * n + 1, sizeof(*putk));
	size_t *same = xcalloc(n + 1, sizeof(*same));
	struct action act;
	size_t i, k, ng = 0, np = 0, ne = 0;

	for (i = 0; i < n; i++) {
		same[i] = i;
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
		/* the key before names the same blob (an output and the
		 * pixels under it): one check and one upload for both */
		if (i > 0 && have[i - 1] && key_equal(&entries[i - 1].digest, &act.digest)) {
			same[i] = same[i - 1];
			continue;
		}
		/* what the remote holds under the blob's name, checked as a
		 * download is: a bad copy there would never be shared again */
		gets[ng].method = "GET";
		gets[ng].path = cas_path(act.sha256);
		gets[ng].max_body = act.size > STORE_MAX_BLOB ? STORE_MAX_BLOB : act.size ? (size_t)act.size : 1;
		map[ng++] = i;
	}
	{
		struct check_ctx cc = {entries, map};

		run_each(r, gets, ng, checked_blob, &cc);
	}
	/* blobs first (those the remote lacks, or holds wrong), and the
	 * entry records (so that the CAS holds everything an ActionResult
	 * names), then the ActionResults that point at them: a reader never
	 * sees an entry before its blob */
	for (i = 0; i < ng; i++) {
		k = map[i];
		if (gets[i].status < 0 || r->down) {
			r->stats.skipped++;
			have[k] = 0;
			continue;
		}
		texts[k] = ac_encode(&entries[k], r->secret);
		sha256_hex(texts[k], strlen(texts[k]), tsha[k]);
		puts[np].method = "PUT";
		puts[np].path = cas_path(tsha[k]);
		puts[np].body = texts[k];
		puts[np].len = strlen(texts[k]);
		puts[np].body_sha256 = tsha[k];
		putk[np++] = k;
		if (gets[i].result == OP_PRESENT)
			continue;
		if (gets[i].result == OP_REJECTED)
			warn("remote cache: blob %s there does not match its name; replacing it",
			     gets[i].path + 4);
		if (store_get(st, &entries[k].digest, &blobs[k]) != STORE_OK) {
			have[k] = 0;
			continue;
		}
		puts[np].method = "PUT";
		puts[np].path = cas_path(entries[k].sha256);
		puts[np].body = blobs[k].data;
		puts[np].len = blobs[k].len;
		puts[np].body_sha256 = entries[k].sha256;
		putk[np++] = k;
	}
	/* a key that shares the blob before it still has its own record */
	for (i = 0; i < n; i++) {
		if (same[i] == i || !have[i] || !have[same[i]])
			continue;
		texts[i] = ac_encode(&entries[i], r->secret);
		sha256_hex(texts[i], strlen(texts[i]), tsha[i]);
		puts[np].method = "PUT";
		puts[np].path = cas_path(tsha[i]);
		puts[np].body = texts[i];
		puts[np].len = strlen(texts[i]);
		puts[np].body_sha256 = tsha[i];
		putk[np++] = i;
	}
	run(r, puts, np);
	for (i = 0; i < np; i++) {
		count_upload(r, puts[i].status);
		if (puts[i].status < 200 || puts[i].status >= 300)
			have[putk[i]] = 0;     /* no entry for a blob that is not there */
	}
	report_refused(r, puts, np, "uploads");
	ops_free(puts, np);
	puts = xcalloc(n + 1, sizeof(*puts));
	for (i = 0; i < n; i++) {
		if (!have[i] || !have[same[i]])
			continue;
		ar_encode(entries[i].sha256, entries[i].size, texts[i], strlen(texts[i]), &results[i]);
		puts[ne].method = "PUT";
		puts[ne].path = remote_ac_path(&keys[i]);
		puts[ne].body = results[i].data;
		puts[ne].len = results[i].len;
		ne++;
	}
	run(r, puts, ne);
	for (i = 0; i < ne; i++)
		count_upload(r, puts[i].status);
	report_refused(r, puts, ne, "uploads");
	ops_free(puts, ne);
	ops_free(gets, ng);
	for (i = 0; i < n; i++) {
		buf_release(&blobs[i]);
		buf_release(&results[i]);
		free(texts[i]);
	}
	free(entries);
	free(blobs);
	free(results);
	free(have);
	free(texts);
	free(tsha);
	free(map);
	free(putk);
	free(same);
}
