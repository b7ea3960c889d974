/* test_providers.c - the HTTP providers' wire formats: the requests they
 * build, the replies they read from recorded response shapes, and the
 * shared status classification, base64 and Retry-After helpers */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "http.h"
#include "png.h"
#include "provider/provider.h"
#include "redact.h"
#include "test.h"
#include "util.h"

#define KEY "sk-secret-0123456789"

static struct buf png;          /* a small real PNG */
static char *png_b64;

static void
make_png(void)
{
	struct image img;
	char *err = NULL;
	uint32_t i;

	image_alloc(&img, 4, 3, 3);
	for (i = 0; i < 4 * 3 * 3; i++)
		img.px[i] = (uint8_t)(i * 20);
	if (pngio_encode(&img, NULL, PNGIO_LEVEL_DEFAULT, &png, &err) < 0) {
		printf("# pngio_encode: %s\n", err);
		free(err);
	}
	image_release(&img);
	png_b64 = provider_base64_encode(png.data, png.len);
}

/* --- building responses ------------------------------------------------ */

static void
resp_init(struct http_response *r, long status, const char *body)
{
	memset(r, 0, sizeof(*r));
	r->status = status;
	r->transport = HTTP_OK;
	if (body)
		buf_puts(&r->body, body);
}

static void
resp_header(struct http_response *r, const char *name, const char *value)
{
	r->headers = xgrow(r->headers, &r->hcap, r->nheaders + 1, sizeof(*r->headers));
	r->headers[r->nheaders].name = xstrdup(name);
	r->headers[r->nheaders].value = xstrdup(value);
	r->nheaders++;
}

/* A JSON body with "%s" replaced by the PNG's base64. */
static void
resp_json_png(struct http_response *r, long status, const char *fmt)
{
	char *s = xasprintf(fmt, png_b64);

	resp_init(r, status, s);
	resp_header(r, "content-type", "application/json");
	free(s);
}

static void
resp_png(struct http_response *r)
{
	resp_init(r, 200, NULL);
	buf_put(&r->body, png.data, png.len);
	resp_header(r, "content-type", "image/png");
}

/* --- the call ---------------------------------------------------------- */

struct fx {
	struct model m;
	struct render_req rq;
	struct provider_call c;
	const struct provider *p;
};

static void
fx_init(struct fx *f, const char *provider, const char *model, const char *key)
{
	memset(f, 0, sizeof(*f));
	f->p = provider_find(provider);
	f->m.name = "m";
	f->m.provider = (char *)provider;
	f->m.model = (char *)model;
	f->m.version = "";
	f->rq.prompt = "a red potion bottle";
	f->rq.negative_prompt = "";
	f->rq.seed = 42;
	f->rq.width = 1024;
	f->rq.height = 1024;
	f->c.model = &f->m;
	f->c.req = &f->rq;
	f->c.api_key = key;
	f->c.endpoint = f->p ? f->p->default_endpoint : NULL;
}

/* reply() on resp (released here) into out (caller releases). */
static void
fx_reply(struct fx *f, struct http_response *resp, struct provider_reply *out)
{
	provider_reply_init(out);
	f->p->reply(&f->c, resp, out);
	if (out->err)
		CHECK(strstr(out->err, KEY) == NULL);
	http_response_release(resp);
}

static enum fault
fx_fault(struct fx *f, struct http_response *resp)
{
	struct provider_reply out;
	enum fault fault;

	fx_reply(f, resp, &out);
	fault = out.fault;
	if (fault != FAULT_NONE)
		CHECK(out.err != NULL);
	provider_reply_release(&out);
	return fault;
}

static const char *
req_header(const struct http_request *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nheaders; i++)
		if (strcasecmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	return NULL;
}

static const char *
secret_name(const struct http_request *r)
{
	return r->secret >= 0 && (size_t)r->secret < r->nheaders ? r->headers[r->secret].name : NULL;
}

static const struct http_part *
req_part(const struct http_request *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nparts; i++)
		if (strcmp(r->parts[i].name, name) == 0)
			return &r->parts[i];
	return NULL;
}

static const char *
part_text(const struct http_request *r, const char *name)
{
	const struct http_part *p = req_part(r, name);

	return p ? p->data : NULL;
}

static json_t *
body_json(const struct http_request *r)
{
	json_t *j = json_loadb(r->body.data ? r->body.data : "", r->body.len, 0, NULL);

	CHECK(json_is_object(j));
	return j;
}

static const char *
jstr(json_t *root, const char *path)
{
	json_t *v = root;
	char *copy = xstrdup(path), *p = copy, *dot;

	while (v && p) {
		dot = strchr(p, '.');
		if (dot)
			*dot = '\0';
		v = json_object_get(v, p);
		p = dot ? dot + 1 : NULL;
	}
	free(copy);
	return json_string_value(v);
}

static json_t *
jget(json_t *root, const char *path)
{
	json_t *v = root;
	char *copy = xstrdup(path), *p = copy, *dot;

	while (v && p) {
		dot = strchr(p, '.');
		if (dot)
			*dot = '\0';
		v = json_object_get(v, p);
		p = dot ? dot + 1 : NULL;
	}
	free(copy);
	return v;
}

static int
image_is_png(const struct provider_reply *out)
{
	return out->image.len == png.len && memcmp(out->image.data, png.data, png.len) == 0;
}

/* --- provider/common.c ------------------------------------------------- */

static void
test_table(void)
{
	static const char *const names[] = {"http", "openai", "a1111", "ideogram", "stability", "gemini"};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct provider *p = provider_find(names[i]);

		CHECK(p != NULL);
		if (!p)
			continue;
		CHECK_STR(p->name, names[i]);
		CHECK(p->impl != NULL);
		CHECK(p->request != NULL && p->reply != NULL && p->render == NULL);
		CHECK(p->concurrency > 0);
		CHECK(p->needs_key == (strcmp(names[i], "http") && strcmp(names[i], "a1111")));
		CHECK((p->default_endpoint == NULL) == (strcmp(names[i], "http") == 0));
	}
	CHECK(provider_find("a1111")->concurrency == 1);
	CHECK(provider_find("a1111")->upscale_request != NULL);
	CHECK(provider_find("stability")->upscale_request != NULL);
	CHECK(provider_find("openai")->upscale_request == NULL);
	CHECK(provider_find("nope") == NULL);
}

static void
test_base64(void)
{
	struct buf out = BUF_INIT;
	unsigned char data[64];
	char *s, *t;
	size_t n, i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 37 + 1);
	for (n = 0; n <= sizeof(data); n++) {
		s = provider_base64_encode(data, n);
		CHECK(strlen(s) == 4 * ((n + 2) / 3));
		CHECK(provider_base64_decode(s, strlen(s), &out) == 0);
		CHECK(out.len == n && (n == 0 || memcmp(out.data, data, n) == 0));
		free(s);
	}
	/* a data: URL prefix and whitespace (line-wrapped base64) */
	t = xasprintf("data:image/png;base64,%.20s\n%.20s\r\n  %s", png_b64, png_b64 + 20, png_b64 + 40);
	CHECK(provider_base64_decode(t, strlen(t), &out) == 0);
	CHECK(out.len == png.len && memcmp(out.data, png.data, png.len) == 0);
	free(t);
	CHECK(provider_base64_decode("aGk=", 4, &out) == 0);
	CHECK(out.len == 2 && memcmp(out.data, "hi", 2) == 0);
	/* invalid: length, characters */
	CHECK(provider_base64_decode("abc", 3, &out) < 0);
	CHECK(provider_base64_decode("ab!d", 4, &out) < 0);
	CHECK(provider_base64_decode("ab\x01\x02", 4, &out) < 0);
	buf_release(&out);
}

static void
test_retry_after(void)
{
	char date[64];
	struct tm tm;
	time_t t;
	double d;

	CHECK(provider_parse_retry_after("120") == 120);
	CHECK(provider_parse_retry_after(" 5") == 5);
	CHECK(provider_parse_retry_after("1.5") == 1.5);
	CHECK(provider_parse_retry_after("0") == 0);
	CHECK(provider_parse_retry_after("-1") < 0);
	CHECK(provider_parse_retry_after("soon") < 0);
	CHECK(provider_parse_retry_after("") < 0);
	t = time(NULL) + 100;
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	d = provider_parse_retry_after(date);
	CHECK(d >= 95 && d <= 101);
	CHECK(provider_parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0);
}

static void
test_classify(void)
{
	static const struct {
		long status;
		enum fault fault;
	} table[] = {
		{400, FAULT_PERMANENT}, {401, FAULT_PERMANENT}, {403, FAULT_PERMANENT},
		{404, FAULT_PERMANENT}, {422, FAULT_PERMANENT},
		{408, FAULT_RETRY}, {409, FAULT_RETRY}, {429, FAULT_RETRY},
		{500, FAULT_RETRY}, {502, FAULT_RETRY}, {503, FAULT_RETRY},
	};
	static const struct {
		enum http_transport t;
		enum fault fault;
	} transports[] = {
		{HTTP_TIMEOUT, FAULT_RETRY}, {HTTP_CONNECT, FAULT_RETRY}, {HTTP_RESET, FAULT_RETRY},
		{HTTP_OTHER, FAULT_RETRY}, {HTTP_TOOBIG, FAULT_PERMANENT},
	};
	struct http_response r;
	struct provider_reply out;
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		resp_init(&r, table[i].status, "{\"error\": \"x\"}");
		provider_reply_init(&out);
		CHECK(provider_http_failed("t", &r, &out) == 1);
		CHECK(out.fault == table[i].fault);
		CHECK(out.err && str_has_prefix(out.err, "t: HTTP "));
		CHECK(out.retry_after < 0);
		provider_reply_release(&out);
		http_response_release(&r);
	}
	resp_init(&r, 200, "ok");
	provider_reply_init(&out);
	CHECK(provider_http_failed("t", &r, &out) == 0);
	CHECK(out.fault == FAULT_NONE && out.err == NULL);
	provider_reply_release(&out);
	http_response_release(&r);
	/* GPU out of memory on a 5xx */
	resp_init(&r, 500, "RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB");
	provider_reply_init(&out);
	CHECK(provider_http_failed("t", &r, &out) == 1);
	CHECK(out.fault == FAULT_OOM);
	CHECK(fault_retryable(out.fault));
	provider_reply_release(&out);
	http_response_release(&r);
	for (i = 0; i < sizeof(transports) / sizeof(transports[0]); i++) {
		resp_init(&r, 0, NULL);
		r.transport = transports[i].t;
		r.error = xstrdup("boom");
		provider_reply_init(&out);
		CHECK(provider_http_failed("t", &r, &out) == 1);
		CHECK(out.fault == transports[i].fault);
		CHECK_STR(out.err, "t: boom");
		provider_reply_release(&out);
		http_response_release(&r);
	}
	/* retry hints: retry-after-ms first, then Retry-After */
	resp_init(&r, 429, NULL);
	resp_header(&r, "retry-after", "7");
	provider_reply_init(&out);
	provider_http_failed("t", &r, &out);
	CHECK(out.retry_after == 7);
	provider_reply_release(&out);
	resp_header(&r, "retry-after-ms", "1500");
	provider_reply_init(&out);
	provider_http_failed("t", &r, &out);
	CHECK(out.retry_after == 1.5);
	provider_reply_release(&out);
	http_response_release(&r);
	CHECK(!fault_retryable(FAULT_SAFETY) && !fault_retryable(FAULT_PERMANENT));
}

/* What any provider's reply carries out is cleaned in one place: the key
 * and the endpoint's password cut in every form a server may echo them,
 * the message made one printable line, the metadata capped. */
static void
test_scrub(void)
{
	static const char *const forms[] = {
		"Bearer " KEY, "SK-SECRET-0123456789", "sk%2Dsecret%2D0123456789",
		"sk\\u002dsecret-0123456789", "c2stc2VjcmV0LTAxMjM0NTY3ODk=", "ci:hunter22", "pw=hunter22",
	};
	struct fx f;
	struct provider_reply out;
	struct buf big = BUF_INIT;
	char *meta, *b64;
	size_t i;

	fx_init(&f, "http", "", KEY);
	f.c.endpoint = "http://ci:hunter22@gen.internal:8000/generate";
	b64 = provider_base64_encode("ci:hunter22", 11);
	provider_reply_init(&out);
	out.err = xasprintf("http: HTTP 401: bad key %s (%s)\n\x1b[2Jstatus    current\x07", KEY, b64);
	meta = xasprintf("{\"debug\":\"%s|%s|%s|%s|%s|%s|%s|%s\",\"sampler\":\"euler\"}", forms[0], forms[1],
			 forms[2], forms[3], forms[4], forms[5], forms[6], b64);
	meta_add(&out.extra, "render_meta", meta);
	meta_add(&out.extra, "provider:seed", "42");
	provider_reply_scrub(&f.c, &out);
	CHECK_STR(out.err, "http: HTTP 401: bad key [redacted] ([redacted])\\n\\x1b[2Jstatus    current\\x07");
	CHECK_STR(meta_get(&out.extra, "render_meta"),
		  "{\"debug\":\"Bearer [redacted]|[redacted]|[redacted]|[redacted]|[redacted]|[redacted]|"
		  "pw=[redacted]|[redacted]\",\"sampler\":\"euler\"}");
	CHECK_STR(meta_get(&out.extra, "provider:seed"), "42");
	provider_reply_release(&out);
	free(meta);
	/* forms[4] is the key's base64, as HTTP Basic carries a1111's */
	free(b64);
	b64 = provider_base64_encode(KEY, strlen(KEY));
	CHECK_STR(b64, forms[4]);
	free(b64);

	/* a message cut at 300 bytes inside the key it quotes */
	{
		struct http_response r;
		char *body = xasprintf("{\"error\": \"%0*d key %s is wrong\"}", 284, 0, KEY);

		resp_init(&r, 401, body);
		provider_reply_init(&out);
		f.p->reply(&f.c, &r, &out);
		CHECK(str_has_suffix(out.err, " key sk-secret-0"));
		provider_reply_scrub(&f.c, &out);
		CHECK(str_has_suffix(out.err, " key " REDACTED));
		provider_reply_release(&out);
		http_response_release(&r);
		free(body);
	}

	/* metadata past the cap is not kept; what fits is */
	provider_reply_init(&out);
	for (i = 0; i < 5u << 20; i += 16)
		buf_puts(&big, "0123456789abcdef");
	meta_add(&out.extra, "render_meta", big.data);
	meta_add(&out.extra, "provider:seed", "7");
	provider_reply_scrub(&f.c, &out);
	CHECK_STR(meta_get(&out.extra, "render_meta"),
		  "(not kept: 5242880 bytes, past the 64 KiB assetgen keeps of a provider's metadata)");
	CHECK_STR(meta_get(&out.extra, "provider:seed"), "7");
	provider_reply_release(&out);
	provider_reply_init(&out);
	big.data[PROVIDER_META_MAX] = '\0';
	meta_add(&out.extra, "render_meta", big.data);
	meta_add(&out.extra, "provider:seed", "7");
	provider_reply_scrub(&f.c, &out);
	CHECK(strlen(meta_get(&out.extra, "render_meta")) == PROVIDER_META_MAX);
	CHECK(str_has_prefix(meta_get(&out.extra, "provider:seed"), "(not kept: 1 bytes"));
	provider_reply_release(&out);
	buf_release(&big);
}

/* --- http -------------------------------------------------------------- */

static void
test_http_request(void)
{
	static struct param ps[] = {
		{"guidance", "7.5", VAL_NUMBER},
		{"hires", "true", VAL_BOOL},
		{"sampler", "euler", VAL_STRING},
		{"steps", "30", VAL_NUMBER},
	};
	struct fx f;
	struct http_request r;
	json_t *j;
	char *err = NULL;

	fx_init(&f, "http", "", NULL);
	CHECK(f.p->request(&f.c, &r, &err) < 0);
	CHECK(err && strstr(err, "endpoint"));
	free(err);
	err = NULL;
	f.c.endpoint = "http://gen.internal:8000/generate";
	f.rq.negative_prompt = "blurry";
	f.rq.width = 640;
	f.rq.height = 480;
	f.rq.params = ps;
	f.rq.nparams = 4;
	CHECK(f.p->request(&f.c, &r, &err) == 0);
	CHECK_STR(r.method, "POST");
	CHECK_STR(r.url, "http://gen.internal:8000/generate");
	CHECK_STR(req_header(&r, "Content-Type"), "application/json");
	CHECK(req_header(&r, "Authorization") == NULL && r.secret == -1);
	j = body_json(&r);
	CHECK_STR(jstr(j, "prompt"), "a red potion bottle");
	CHECK_STR(jstr(j, "negative_prompt"), "blurry");
	CHECK(json_integer_value(jget(j, "seed")) == 42);
	CHECK(json_integer_value(jget(j, "width")) == 640);
	CHECK(json_integer_value(jget(j, "height")) == 480);
	CHECK(json_is_integer(jget(j, "params.steps")) && json_integer_value(jget(j, "params.steps")) == 30);
	CHECK(json_is_real(jget(j, "params.guidance")) && json_real_value(jget(j, "params.guidance")) == 7.5);
	CHECK(json_is_true(jget(j, "params.hires")));
	CHECK_STR(jstr(j, "params.sampler"), "euler");
	json_decref(j);
	http_request_release(&r);
	/* a configured key: Bearer, the secret header */
	f.c.api_key = KEY;
	f.rq.seed = UINT64_MAX;
	CHECK(f.p->request(&f.c, &r, &err) == 0);
	CHECK_STR(req_header(&r, "Authorization"), "Bearer " KEY);
	CHECK_STR(secret_name(&r), "Authorization");
	j = body_json(&r);
	CHECK(json_integer_value(jget(j, "seed")) == INT64_MAX);
	json_decref(j);
	http_request_release(&r);
}

static void
test_http_reply(void)
{
	struct fx f;
	struct http_response r;
	struct provider_reply out;

	fx_init(&f, "http", "", NULL);
	f.c.endpoint = "http://gen.internal:8000/generate";
	resp_png(&r);
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_NONE && image_is_png(&out) && !out.follow);
	provider_reply_release(&out);
	resp_json_png(&r, 200, "{\"image\": \"%s\", \"render_meta\": {\"sampler\": \"euler\", \"steps\": 30}}");
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_NONE && image_is_png(&out));
	CHECK_STR(meta_get(&out.extra, "render_meta"), "{\"sampler\":\"euler\",\"steps\":30}");
	provider_reply_release(&out);
	resp_json_png(&r, 200, "{\"image\": \"data:image/png;base64,%s\"}");
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_NONE && image_is_png(&out));
	CHECK(meta_get(&out.extra, "render_meta") == NULL);
	provider_reply_release(&out);
	/* broken successes are retryable */
	resp_init(&r, 200, "{\"image\": ");
	resp_header(&r, "content-type", "application/json");
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_RETRY);
	CHECK_STR(out.err, "http: invalid JSON in response");
	provider_reply_release(&out);
	resp_init(&r, 200, "{\"render_meta\": {}}");
	resp_header(&r, "content-type", "application/json");
	CHECK(fx_fault(&f, &r) == FAULT_RETRY);
	resp_init(&r, 200, "{\"image\": \"!!!!\"}");
	resp_header(&r, "content-type", "application/json");
	CHECK(fx_fault(&f, &r) == FAULT_RETRY);
	resp_init(&r, 200, NULL);
	resp_header(&r, "content-type", "image/png");
	CHECK(fx_fault(&f, &r) == FAULT_RETRY);
	resp_init(&r, 200, "\xff\xd8\xff\xe0");
	resp_header(&r, "content-type", "image/jpeg");
	CHECK(fx_fault(&f, &r) == FAULT_PERMANENT);
	/* errors */
	resp_init(&r, 500, "{\"error\": \"torch.OutOfMemoryError: CUDA out of memory\"}");
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_OOM);
	CHECK_STR(out.err, "http: HTTP 500: torch.OutOfMemoryError: CUDA out of memory");
	provider_reply_release(&out);
	resp_init(&r, 503, "busy");
	resp_header(&r, "retry-after", "3");
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_RETRY && out.retry_after == 3);
	provider_reply_release(&out);
	resp_init(&r, 400, "{\"error\": \"Prompt rejected by the safety filter\", \"code\": \"content_policy_violation\"}");
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_SAFETY);
	CHECK_STR(out.err, "http: HTTP 400: Prompt rejected by the safety filter");
	provider_reply_release(&out);
	resp_init(&r, 400, "{\"detail\": \"width must be a multiple of 64\"}");
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_PERMANENT);
	CHECK_STR(out.err, "http: HTTP 400: width must be a multiple of 64");
	provider_reply_release(&out);
}

/* --- openai ------------------------------------------------------------ */

/* How provider p takes param name=value for model id: the use, and *why. */
static enum param_use
use_of(const char *provider, const char *model, const char *name, const char *value,
       enum value_type type, char **why)
{
	const struct provider *p = provider_find(provider);
	struct model m = {0};
	struct param prm = {(char *)name, (char *)value, type, {NULL, 0, 0}};

	m.name = "m";
	m.provider = (char *)provider;
	m.model = (char *)model;
	*why = NULL;
	return p->param(&m, &prm, why);
}

/* use_of, with the reason checked to hold want (NULL: no reason). */
static int
use_is(const char *provider, const char *model, const char *name, const char *value,
       enum value_type type, enum param_use want, const char *reason)
{
	char *why = NULL;
	enum param_use got = use_of(provider, model, name, value, type, &why);
	int ok = got == want && (reason ? why && strstr(why, reason) != NULL : why == NULL);

	if (!ok)
		printf("# %s %s %s=%s: use %d (want %d), why '%s'\n", provider, model, name, value,
		       (int)got, (int)want, why ? why : "(none)");
	free(why);
	return ok;
}

static void
test_openai_request(void)
{
	static struct param ps[] = {
		{"background", "transparent", VAL_STRING, {NULL, 0, 0}},
		{"guidance", "7", VAL_NUMBER, {NULL, 0, 0}},
		{"moderation", "low", VAL_STRING, {NULL, 0, 0}},
		{"quality", "high", VAL_STRING, {NULL, 0, 0}},
		{"sampler", "euler", VAL_STRING, {NULL, 0, 0}},
		{"steps", "30", VAL_NUMBER, {NULL, 0, 0}},
		{"style", "vivid", VAL_STRING, {NULL, 0, 0}},
	};
	static struct param jpeg[] = {{"output_format", "jpeg", VAL_STRING, {NULL, 0, 0}}};
	static struct param raw[] = {{"n", "4", VAL_NUMBER, {NULL, 0, 0}}};
	struct fx f;
	struct http_request r;
	json_t *j;
	char *err = NULL;

	fx_init(&f, "openai", "gpt-image-2", KEY);
	f.rq.negative_prompt = "text, watermark";
	f.rq.width = 1024;
	f.rq.height = 1536;
	f.rq.params = ps;
	f.rq.nparams = sizeof(ps) / sizeof(ps[0]);
	CHECK(f.p->request(&f.c, &r, &err) == 0);
	CHECK_STR(r.method, "POST");
	CHECK_STR(r.url, "https://api.openai.com/v1/images/generations");
	CHECK_STR(req_header(&r, "Authorization"), "Bearer " KEY);
	CHECK_STR(secret_name(&r), "Authorization");
	CHECK_STR(req_header(&r, "Content-Type"), "application/json");
	j = body_json(&r);
	CHECK_STR(jstr(j, "model"), "gpt-image-2");
	CHECK_STR(jstr(j, "prompt"), "a red potion bottle\n\nAvoid: text, watermark");
	CHECK(json_integer_value(jget(j, "n")) == 1);
	CHECK_STR(jstr(j, "size"), "1024x1536");
	CHECK_STR(jstr(j, "quality"), "high");
	CHECK_STR(jstr(j, "background"), "transparent");
	CHECK_STR(jstr(j, "moderation"), "low");
	/* the portable params the API lacks are not sent: it would answer 400 */
	CHECK(jget(j, "steps") == NULL);
	CHECK(jget(j, "guidance") == NULL);
	CHECK(jget(j, "sampler") == NULL);
	CHECK(jget(j, "style") == NULL);
	CHECK(jget(j, "response_format") == NULL);
	CHECK(jget(j, "seed") == NULL);
	CHECK(json_object_size(j) == 7);
	json_decref(j);
	http_request_release(&r);
	f.rq.negative_prompt = "";
	f.c.endpoint = "https://proxy.example/v1/";
	f.rq.nparams = 0;
	CHECK(f.p->request(&f.c, &r, &err) == 0);
	CHECK_STR(r.url, "https://proxy.example/v1/images/generations");
	j = body_json(&r);
	CHECK_STR(jstr(j, "prompt"), "a red potion bottle");
	json_decref(j);
	http_request_release(&r);
	/* assetgen stores PNG */
	f.rq.params = jpeg;
	f.rq.nparams = 1;
	CHECK(f.p->request(&f.c, &r, &err) < 0);
	CHECK(err && strstr(err, "output_format"));
	free(err);
	err = NULL;
	/* a field assetgen sets is not a param */
	f.rq.params = raw;
	CHECK(f.p->request(&f.c, &r, &err) < 0);
	CHECK(err && strstr(err, "'n' is set by assetgen"));
	free(err);
	err = NULL;
	/* a retired model is refused before anything is sent */
	f.m.model = "dall-e-3";
	f.rq.nparams = 0;
	CHECK(f.p->request(&f.c, &r, &err) < 0);
	CHECK(err && strstr(err, "gpt-image-2"));
	free(err);
}

/* Each documented field of the GPT image models is sent, each portable
 * param the API lacks dropped, and every other name refused. */
static void
test_openai_params(void)
{
	const struct provider *p = provider_find("openai");
	struct model m = {0};
	char *err = NULL;
	static const char *const gone[] = {
		"dall-e-2", "dall-e-3", "gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5",
		"gpt-image-1.5-2025-12-16", "chatgpt-image-latest",
	};
	size_t i;

	CHECK(p->timeout == 600);
	CHECK(use_is("openai", "gpt-image-2", "quality", "medium", VAL_STRING, PARAM_SEND, NULL));
	CHECK(use_is("openai", "gpt-image-2", "quality", "auto", VAL_STRING, PARAM_SEND, NULL));
	CHECK(use_is("openai", "gpt-image-2", "quality", "hd", VAL_STRING, PARAM_REJECT,
		     "low, medium, high or auto"));
	CHECK(use_is("openai", "gpt-image-2", "background", "opaque", VAL_STRING, PARAM_SEND, NULL));
	CHECK(use_is("openai", "gpt-image-2", "background", "clear", VAL_STRING, PARAM_REJECT,
		     "transparent, opaque or auto"));
	CHECK(use_is("openai", "gpt-image-2", "output_format", "png", VAL_STRING, PARAM_SEND, NULL));
	CHECK(use_is("openai", "gpt-image-2", "output_format", "webp", VAL_STRING, PARAM_REJECT,
		     "assetgen stores PNG"));
	CHECK(use_is("openai", "gpt-image-2", "user", "team-a", VAL_STRING, PARAM_SEND, NULL));
	CHECK(use_is("openai", "gpt-image-2", "moderation", "auto", VAL_STRING, PARAM_SEND, NULL));
	CHECK(use_is("openai", "gpt-image-2", "steps", "30", VAL_NUMBER, PARAM_DROP, "no 'steps'"));
	CHECK(use_is("openai", "gpt-image-2", "guidance", "7", VAL_NUMBER, PARAM_DROP, "no 'guidance'"));
	CHECK(use_is("openai", "gpt-image-2", "sampler", "euler", VAL_STRING, PARAM_DROP, "no 'sampler'"));
	CHECK(use_is("openai", "gpt-image-2", "style", "vivid", VAL_STRING, PARAM_DROP, "no 'style'"));
	CHECK(use_is("openai", "gpt-image-2", "negative_prompt", "x", VAL_STRING, PARAM_DROP,
		     "no 'negative_prompt'"));
	CHECK(use_is("openai", "gpt-image-2", "output_compression", "80", VAL_NUMBER, PARAM_REJECT,
		     "not an OpenAI Images parameter"));
	CHECK(use_is("openai", "gpt-image-2", "complexity", "high", VAL_STRING, PARAM_REJECT,
		     "not an OpenAI Images parameter"));
	CHECK(use_is("openai", "gpt-image-2", "response_format", "b64_json", VAL_STRING, PARAM_REJECT,
		     "set by assetgen"));
	CHECK(use_is("openai", "gpt-image-2", "stream", "true", VAL_BOOL, PARAM_REJECT, "set by assetgen"));
	for (i = 0; i < sizeof(gone) / sizeof(gone[0]); i++) {
		m.model = (char *)gone[i];
		err = NULL;
		CHECK(p->check_model(&m, &err) < 0);
		CHECK(err && strstr(err, gone[i]) && strstr(err, "gpt-image-2.6-sunburst"));
		free(err);
	}
	m.model = "gpt-image-2";
	CHECK(p->check_model(&m, &err) == 0);
	m.model = "gpt-image-2.6-flare";
	CHECK(p->check_model(&m, &err) == 0);
	m.model = "";
	err = NULL;
	CHECK(p->check_model(&m, &err) < 0);
	free(err);
}

static void
test_openai_reply(void)
{
	struct fx f;
	struct http_response r;
	struct provider_reply out;

	fx_init(&f, "openai", "gpt-image-1", KEY);
	resp_json_png(&r, 200, "{\"created\": 1, \"output_format\": \"png\", \"data\": [{\"b64_json\": \"%s\"}]}");
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_NONE && image_is_png(&out) && !out.follow);
	provider_reply_release(&out);
	resp_json_png(&r, 200, "{\"data\": [{\"b64_json\": \"%s\", \"revised_prompt\": \"a red glass potion\"}]}");
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_NONE && image_is_png(&out));
	CHECK_STR(meta_get(&out.extra, "provider:revised_prompt"), "a red glass potion");
	provider_reply_release(&out);
	/* a url only: fetch it, without the key */
	resp_init(&r, 200, "{\"data\": [{\"url\": \"https://oaidalleapi.example/img.png?sig=1\"}]}");
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_NONE && out.follow == 1 && out.image.len == 0);
	CHECK_STR(out.next.method, "GET");
	CHECK_STR(out.next.url, "https://oaidalleapi.example/img.png?sig=1");
	CHECK(out.next.nheaders == 0 && out.next.secret == -1);
	provider_reply_release(&out);
	f.c.step = 1;
	resp_png(&r);
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_NONE && image_is_png(&out) && !out.follow);
	provider_reply_release(&out);
	resp_init(&r, 404, "expired");
	CHECK(fx_fault(&f, &r) == FAULT_RETRY);
	f.c.step = 0;
	/* errors */
	resp_init(&r, 400, "{\"error\": {\"message\": \"Your request was rejected by the safety system.\","
		  " \"type\": \"image_generation_user_error\", \"param\": null, \"code\": \"moderation_blocked\"}}");
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_SAFETY);
	CHECK_STR(out.err, "openai: HTTP 400 moderation_blocked: Your request was rejected by the safety system.");
	provider_reply_release(&out);
	resp_init(&r, 400, "{\"error\": {\"message\": \"blocked\", \"type\": \"invalid_request_error\","
		  " \"code\": \"content_policy_violation\"}}");
	CHECK(fx_fault(&f, &r) == FAULT_SAFETY);
	resp_init(&r, 401, "{\"error\": {\"message\": \"Incorrect API key provided\", \"type\": \"invalid_request_error\","
		  " \"code\": \"invalid_api_key\"}}");
	CHECK(fx_fault(&f, &r) == FAULT_PERMANENT);
	resp_init(&r, 429, "{\"error\": {\"message\": \"Rate limit reached\", \"type\": \"requests\", \"code\": null}}");
	resp_header(&r, "retry-after-ms", "250");
	resp_header(&r, "retry-after", "1");
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_RETRY && out.retry_after == 0.25);
	provider_reply_release(&out);
	resp_init(&r, 429, "{\"error\": {\"message\": \"You exceeded your current quota\", \"type\": \"insufficient_quota\","
		  " \"code\": \"insufficient_quota\"}}");
	CHECK(fx_fault(&f, &r) == FAULT_PERMANENT);
	resp_init(&r, 500, "{\"error\": {\"message\": \"oops\"}}");
	resp_header(&r, "x-should-retry", "false");
	CHECK(fx_fault(&f, &r) == FAULT_PERMANENT);
	resp_init(&r, 400, "{\"error\": {\"message\": \"try again\"}}");
	resp_header(&r, "x-should-retry", "true");
	CHECK(fx_fault(&f, &r) == FAULT_RETRY);
	/* broken successes */
	resp_init(&r, 200, "<html>");
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_RETRY);
	CHECK_STR(out.err, "openai: invalid JSON in response");
	provider_reply_release(&out);
	resp_init(&r, 200, "{\"data\": []}");
	CHECK(fx_fault(&f, &r) == FAULT_RETRY);
	resp_init(&r, 200, "{\"data\": [{\"b64_json\": \"@@@@\"}]}");
	CHECK(fx_fault(&f, &r) == FAULT_RETRY);
	resp_json_png(&r, 200, "{\"output_format\": \"jpeg\", \"data\": [{\"b64_json\": \"%s\"}]}");
	CHECK(fx_fault(&f, &r) == FAULT_PERMANENT);
}

static void
test_openai_check(void)
{
	const struct provider *p = provider_find("openai");
	struct model m = {0};
	char *err = NULL;

	m.model = "gpt-image-1";
	CHECK(p->check(&m, 1024, 1024, &err) == 0);
	CHECK(p->check(&m, 1536, 1024, &err) == 0);
	CHECK(p->check(&m, 512, 512, &err) < 0);
	CHECK(err && strstr(err, "1024x1024, 1536x1024, 1024x1536"));
	free(err);
	err = NULL;
	m.model = "dall-e-3";
	CHECK(p->check(&m, 1792, 1024, &err) == 0);
	CHECK(p->check(&m, 1536, 1024, &err) < 0);
	free(err);
	err = NULL;
	m.model = "dall-e-2";
	CHECK(p->check(&m, 256, 256, &err) == 0);
	m.model = "gpt-image-2";
	CHECK(p->check(&m, 1920, 1088, &err) == 0);
	CHECK(p->check(&m, 1000, 1000, &err) < 0);
	free(err);
	err = NULL;
	CHECK(p->check(&m, 3200, 1024, &err) < 0);
	free(err);
	err = NULL;
	m.model = "some-future-model";
	CHECK(p->check(&m, 777, 333, &err) == 0);
}

/* --- a1111 ------------------------------------------------------------- */

static void
test_a1111_request(void)
{
	static struct param ps[] = {
		{"enable_hr", "false", VAL_BOOL},
		{"guidance", "6.5", VAL_NUMBER},
		{"sampler", "DPM++ 2M", VAL_STRING},
		{"seed", "7", VAL_NUMBER},
		{"steps", "25", VAL_NUMBER},
	};
	static struct param both[] = {
		{"cfg_scale", "5", VAL_NUMBER},
		{"guidance", "9", VAL_NUMBER},
		{"sampler_name", "Euler a", VAL_STRING},
	};
	struct fx f;
	struct http_request r;
	json_t *j;
	char *err = NULL;

	fx_init(&f, "a1111", "", NULL);
	f.c.endpoint = "http://gpu-box:7860/";
	f.rq.negative_prompt = "text, watermark";
	f.rq.width = 512;
	f.rq.height = 768;
	f.rq.seed = 4294967296ull + 1234;
	f.rq.params = ps;
	f.rq.nparams = 5;
	CHECK(f.p->request(&f.c, &r, &err) == 0);
	CHECK_STR(r.method, "POST");
	CHECK_STR(r.url, "http://gpu-box:7860/sdapi/v1/txt2img");
	CHECK(r.secret == -1 && req_header(&r, "Authorization") == NULL);
	j = body_json(&r);
	CHECK_STR(jstr(j, "prompt"), "a red potion bottle");
	CHECK_STR(jstr(j, "negative_prompt"), "text, watermark");
	CHECK(json_integer_value(jget(j, "seed")) == 1234);
	CHECK(json_integer_value(jget(j, "width")) == 512);
	CHECK(json_integer_value(jget(j, "height")) == 768);
	CHECK(json_integer_value(jget(j, "batch_size")) == 1);
	CHECK(json_integer_value(jget(j, "n_iter")) == 1);
	CHECK(json_is_true(jget(j, "send_images")));
	CHECK(json_is_false(jget(j, "save_images")));
	CHECK(json_integer_value(jget(j, "steps")) == 25);
	CHECK(json_real_value(jget(j, "cfg_scale")) == 6.5);
	CHECK_STR(jstr(j, "sampler_name"), "DPM++ 2M");
	CHECK(json_is_false(jget(j, "enable_hr")));
	CHECK(jget(j, "guidance") == NULL && jget(j, "sampler") == NULL);
	json_decref(j);
	http_request_release(&r);
	/* the webui's own names win; HTTP Basic from "user:pass" */
	f.rq.params = both;
	f.rq.nparams = 3;
	f.c.api_key = "user:pass";
	CHECK(f.p->request(&f.c, &r, &err) == 0);
	CHECK_STR(req_header(&r, "Authorization"), "Basic dXNlcjpwYXNz");
	CHECK_STR(secret_name(&r), "Authorization");
	j = body_json(&r);
	CHECK(json_integer_value(jget(j, "cfg_scale")) == 5);
	CHECK_STR(jstr(j, "sampler_name"), "Euler a");
	json_decref(j);
	http_request_release(&r);
	f.c.api_key = "just-a-token";
	CHECK(f.p->request(&f.c, &r, &err) < 0);
	CHECK(err && strstr(err, "user:pass") && !strstr(err, "just-a-token"));
	free(err);
}

static void
test_a1111_reply(void)
{
	struct fx f;
	struct http_response r;
	struct provider_reply out;
	char *s;

	fx_init(&f, "a1111", "", NULL);
	resp_json_png(&r, 200, "{\"images\": [\"%s\"], \"parameters\": {},"
		      " \"info\": \"{\\\"seed\\\": 1234, \\\"all_seeds\\\": [1234], \\\"sd_model_name\\\":"
		      " \\\"sdxl_base\\\", \\\"sd_model_hash\\\": \\\"31e35c80fc\\\", \\\"version\\\": \\\"v1.10.1\\\"}\"}");
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_NONE && image_is_png(&out));
	CHECK_STR(meta_get(&out.extra, "provider:seed"), "1234");
	CHECK_STR(meta_get(&out.extra, "provider:sd_model_name"), "sdxl_base");
	CHECK_STR(meta_get(&out.extra, "provider:sd_model_hash"), "31e35c80fc");
	CHECK_STR(meta_get(&out.extra, "provider:version"), "v1.10.1");
	provider_reply_release(&out);
	/* a grid first: index_of_first_image */
	s = xasprintf("{\"images\": [\"aGk=\", \"%s\"], \"info\": \"{\\\"seed\\\": 5, \\\"index_of_first_image\\\": 1}\"}",
		      png_b64);
	resp_init(&r, 200, s);
	free(s);
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_NONE && image_is_png(&out));
	CHECK_STR(meta_get(&out.extra, "provider:seed"), "5");
	provider_reply_release(&out);
	/* an unparsable info string does not lose the image */
	resp_json_png(&r, 200, "{\"images\": [\"%s\"], \"info\": \"not json\"}");
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_NONE && image_is_png(&out) && out.extra.n == 0);
	provider_reply_release(&out);
	/* errors */
	resp_init(&r, 500, "{\"error\": \"OutOfMemoryError\", \"detail\": \"\", \"body\": \"\","
		  " \"errors\": \"CUDA out of memory. Tried to allocate 3.00 GiB\"}");
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_OOM);
	CHECK_STR(out.err, "a1111: HTTP 500: OutOfMemoryError: CUDA out of memory. Tried to allocate 3.00 GiB");
	provider_reply_release(&out);
	resp_init(&r, 400, "{\"error\": \"RuntimeError\", \"errors\": \"CUDA out of memory.\"}");
	CHECK(fx_fault(&f, &r) == FAULT_OOM);
	resp_init(&r, 404, "{\"error\": \"HTTPException\", \"detail\": \"Sampler not found\", \"errors\": \"404: Sampler not found\"}");
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_PERMANENT);
	CHECK_STR(out.err, "a1111: HTTP 404: HTTPException: Sampler not found");
	provider_reply_release(&out);
	resp_init(&r, 422, "{\"detail\": [{\"loc\": [\"body\", \"steps\"], \"msg\": \"value is not a valid integer\"}]}");
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_PERMANENT);
	CHECK_STR(out.err, "a1111: HTTP 422: value is not a valid integer");
	provider_reply_release(&out);
	resp_init(&r, 200, "{\"images\": [");
	CHECK(fx_fault(&f, &r) == FAULT_RETRY);
	resp_init(&r, 200, "{\"images\": [], \"info\": \"{}\"}");
	CHECK(fx_fault(&f, &r) == FAULT_RETRY);
	resp_init(&r, 200, "{\"images\": [\"not base64!\"]}");
	CHECK(fx_fault(&f, &r) == FAULT_RETRY);
	/* samples_format jpg */
	resp_init(&r, 200, "{\"images\": [\"/9j/4AAQSkZJRg==\"]}");
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_PERMANENT && strstr(out.err, "JPEG"));
	provider_reply_release(&out);
}

static void
test_a1111_upscale(void)
{
	static struct param ps[] = {{"upscaler_2", "None", VAL_STRING}, {"upscaler_1", "x", VAL_STRING}};
	struct fx f;
	struct http_request r;
	struct http_response resp;
	struct provider_reply out;
	struct buf dec = BUF_INIT;
	json_t *j;
	char *err = NULL;

	fx_init(&f, "a1111", "R-ESRGAN 4x+", NULL);
	f.m.params = ps;
	f.m.nparams = 2;
	f.c.req = NULL;
	f.c.image = &png;
	f.c.up_factor = 4;
	CHECK(f.p->upscale_request(&f.c, &r, &err) == 0);
	CHECK_STR(r.method, "POST");
	CHECK_STR(r.url, "http://127.0.0.1:7860/sdapi/v1/extra-single-image");
	j = body_json(&r);
	CHECK(json_integer_value(jget(j, "resize_mode")) == 0);
	CHECK(json_integer_value(jget(j, "upscaling_resize")) == 4);
	CHECK_STR(jstr(j, "upscaler_1"), "R-ESRGAN 4x+");
	CHECK_STR(jstr(j, "upscaler_2"), "None");
	CHECK(jstr(j, "image") && provider_base64_decode(jstr(j, "image"), strlen(jstr(j, "image")), &dec) == 0);
	CHECK(dec.len == png.len && memcmp(dec.data, png.data, png.len) == 0);
	json_decref(j);
	http_request_release(&r);
	f.c.up_factor = 0;
	f.c.up_width = 2048;
	f.c.up_height = 1024;
	CHECK(f.p->upscale_request(&f.c, &r, &err) == 0);
	j = body_json(&r);
	CHECK(json_integer_value(jget(j, "resize_mode")) == 1);
	CHECK(json_integer_value(jget(j, "upscaling_resize_w")) == 2048);
	CHECK(json_integer_value(jget(j, "upscaling_resize_h")) == 1024);
	CHECK(jget(j, "upscaling_resize") == NULL);
	json_decref(j);
	http_request_release(&r);
	/* the reply: {"html_info", "image"} */
	resp_json_png(&resp, 200, "{\"html_info\": \"<p></p>\", \"image\": \"data:image/png;base64,%s\"}");
	fx_reply(&f, &resp, &out);
	CHECK(out.fault == FAULT_NONE && image_is_png(&out));
	provider_reply_release(&out);
	resp_init(&resp, 500, "{\"error\": \"RuntimeError\", \"errors\": \"Invalid encoded image\"}");
	CHECK(fx_fault(&f, &resp) == FAULT_RETRY);
	f.m.model = "";
	CHECK(f.p->upscale_request(&f.c, &r, &err) < 0);
	CHECK(err != NULL);
	free(err);
	buf_release(&dec);
}

static void
test_a1111_check(void)
{
	const struct provider *p = provider_find("a1111");
	struct model m = {0};
	char *err = NULL;

	CHECK(p->check(&m, 512, 512, &err) == 0);
	CHECK(p->check(&m, 1216, 832, &err) == 0);
	CHECK(p->check(&m, 500, 500, &err) < 0);
	CHECK(err && strstr(err, "nearest: 504x504"));
	free(err);
}

/* --- ideogram ---------------------------------------------------------- */

static void
test_ideogram_request(void)
{
	static struct param ps[] = {
		{"guidance", "7", VAL_NUMBER, {NULL, 0, 0}},
		{"magic_prompt_option", "AUTO", VAL_STRING, {NULL, 0, 0}},
		{"steps", "30", VAL_NUMBER, {NULL, 0, 0}},
		{"style", "RENDER_3D", VAL_STRING, {NULL, 0, 0}},
	};
	static struct param palette[] = {{"color_palette", "EMBER", VAL_STRING, {NULL, 0, 0}}};
	static struct param n[] = {{"num_images", "4", VAL_NUMBER, {NULL, 0, 0}}};
	struct fx f;
	struct http_request r;
	json_t *j;
	char *err = NULL;

	fx_init(&f, "ideogram", "V_2", KEY);
	f.rq.negative_prompt = "blurry";
	f.rq.seed = 2147483648ull + 7;
	f.rq.width = 1280;
	f.rq.height = 720;
	CHECK(f.p->request(&f.c, &r, &err) == 0);
	CHECK_STR(r.method, "POST");
	CHECK_STR(r.url, "https://api.ideogram.ai/generate");
	CHECK_STR(req_header(&r, "Api-Key"), KEY);
	CHECK_STR(secret_name(&r), "Api-Key");
	CHECK(req_header(&r, "Authorization") == NULL);
	CHECK_STR(req_header(&r, "Content-Type"), "application/json");
	j = body_json(&r);
	CHECK_STR(jstr(j, "image_request.prompt"), "a red potion bottle");
	CHECK_STR(jstr(j, "image_request.model"), "V_2");
	CHECK(json_integer_value(jget(j, "image_request.seed")) == 7);
	/* resolution: documented for 2.0 only */
	CHECK_STR(jstr(j, "image_request.resolution"), "RESOLUTION_1280_720");
	CHECK(jget(j, "image_request.aspect_ratio") == NULL);
	CHECK_STR(jstr(j, "image_request.magic_prompt_option"), "OFF");
	CHECK_STR(jstr(j, "image_request.negative_prompt"), "blurry");
	CHECK(json_integer_value(jget(j, "image_request.num_images")) == 1);
	json_decref(j);
	http_request_release(&r);
	f.rq.params = palette;
	f.rq.nparams = 1;
	CHECK(f.p->request(&f.c, &r, &err) == 0);
	j = body_json(&r);
	CHECK_STR(jstr(j, "image_request.color_palette.name"), "EMBER");
	json_decref(j);
	http_request_release(&r);
	/* V_2A: no negative prompt, no palette, an aspect ratio; style is style_type */
	f.m.model = "V_2A_TURBO";
	CHECK(f.p->request(&f.c, &r, &err) < 0);
	CHECK(err && strstr(err, "V_2A_TURBO takes no color_palette"));
	free(err);
	err = NULL;
	f.rq.params = ps;
	f.rq.nparams = 4;
	CHECK(f.p->request(&f.c, &r, &err) == 0);
	j = body_json(&r);
	CHECK(jget(j, "image_request.negative_prompt") == NULL);
	CHECK_STR(jstr(j, "image_request.prompt"), "a red potion bottle\n\nAvoid: blurry");
	CHECK(jget(j, "image_request.resolution") == NULL);
	CHECK_STR(jstr(j, "image_request.aspect_ratio"), "ASPECT_16_9");
	CHECK_STR(jstr(j, "image_request.style_type"), "RENDER_3D");
	CHECK(jget(j, "image_request.style") == NULL);
	CHECK(jget(j, "image_request.steps") == NULL);
	CHECK(jget(j, "image_request.guidance") == NULL);
	CHECK_STR(jstr(j, "image_request.magic_prompt_option"), "AUTO");
	CHECK(json_integer_value(jget(j, "image_request.num_images")) == 1);
	CHECK(json_object_size(json_object_get(j, "image_request")) == 7);
	json_decref(j);
	http_request_release(&r);
	/* any size, as an aspect ratio, for the versions that take one */
	f.rq.width = 1200;
	f.rq.height = 628;
	CHECK(f.p->request(&f.c, &r, &err) == 0);
	j = body_json(&r);
	CHECK_STR(jstr(j, "image_request.aspect_ratio"), "ASPECT_16_9");
	json_decref(j);
	http_request_release(&r);
	f.rq.params = n;
	f.rq.nparams = 1;
	CHECK(f.p->request(&f.c, &r, &err) < 0);
	CHECK(err && strstr(err, "set by assetgen"));
	free(err);
	err = NULL;
	/* 2.0 needs one of its resolutions */
	f.m.model = "V_2";
	f.rq.nparams = 0;
	f.rq.width = 1000;
	CHECK(f.p->request(&f.c, &r, &err) < 0);
	free(err);
}

/* Ideogram 3.0: multipart at /v1/ideogram-v3/generate, its own field names. */
static void
test_ideogram_v3(void)
{
	static struct param ps[] = {
		{"rendering_speed", "TURBO", VAL_STRING, {NULL, 0, 0}},
		{"sampler", "euler", VAL_STRING, {NULL, 0, 0}},
		{"style_preset", "WATERCOLOR", VAL_STRING, {NULL, 0, 0}},
		{"style_type", "DESIGN", VAL_STRING, {NULL, 0, 0}},
	};
	struct fx f;
	struct http_request r;
	char *err = NULL;

	fx_init(&f, "ideogram", "V_3", KEY);
	f.rq.negative_prompt = "blurry";
	f.rq.seed = 42;
	f.rq.width = 1080;
	f.rq.height = 1350;
	f.rq.params = ps;
	f.rq.nparams = 4;
	CHECK(f.p->request(&f.c, &r, &err) == 0);
	CHECK_STR(r.method, "POST");
	CHECK_STR(r.url, "https://api.ideogram.ai/v1/ideogram-v3/generate");
	CHECK_STR(req_header(&r, "Api-Key"), KEY);
	CHECK_STR(secret_name(&r), "Api-Key");
	CHECK(req_header(&r, "content-type") == NULL);
	CHECK(r.body.len == 0);
	CHECK_STR(part_text(&r, "prompt"), "a red potion bottle");
	CHECK_STR(part_text(&r, "seed"), "42");
	CHECK_STR(part_text(&r, "aspect_ratio"), "4x5");
	CHECK(req_part(&r, "resolution") == NULL);
	CHECK_STR(part_text(&r, "num_images"), "1");
	CHECK_STR(part_text(&r, "negative_prompt"), "blurry");
	CHECK_STR(part_text(&r, "magic_prompt"), "OFF");
	CHECK(req_part(&r, "magic_prompt_option") == NULL);
	CHECK_STR(part_text(&r, "rendering_speed"), "TURBO");
	CHECK_STR(part_text(&r, "style_type"), "DESIGN");
	CHECK_STR(part_text(&r, "style_preset"), "WATERCOLOR");
	CHECK(req_part(&r, "sampler") == NULL);
	CHECK(r.nparts == 9);
	http_request_release(&r);
	CHECK(use_is("ideogram", "V_3", "rendering_speed", "FAST", VAL_STRING, PARAM_REJECT,
		     "FLASH, TURBO, BALANCED, DEFAULT or QUALITY"));
	CHECK(use_is("ideogram", "V_3", "style_type", "ANIME", VAL_STRING, PARAM_REJECT, "not 'ANIME'"));
	CHECK(use_is("ideogram", "V_3", "magic_prompt_option", "ON", VAL_STRING, PARAM_REJECT,
		     "not an Ideogram 3.0 field"));
	CHECK(use_is("ideogram", "V_2", "rendering_speed", "TURBO", VAL_STRING, PARAM_REJECT,
		     "not an Ideogram field"));
	CHECK(use_is("ideogram", "V_1", "style_type", "GENERAL", VAL_STRING, PARAM_REJECT,
		     "V_1 takes no style_type"));
	CHECK(use_is("ideogram", "V_2", "style", "neon-punk", VAL_STRING, PARAM_DROP,
		     "not an Ideogram style_type"));
	CHECK(use_is("ideogram", "V_2", "quality", "high", VAL_STRING, PARAM_DROP, "no 'quality'"));
}

static void
test_ideogram_reply(void)
{
	struct fx f;
	struct http_response r;
	struct provider_reply out;

	fx_init(&f, "ideogram", "V_2", KEY);
	resp_init(&r, 200, "{\"created\": \"2025-01-01T12:00:00+00:00\", \"data\": [{\"prompt\": \"a red potion bottle, glowing\","
		  " \"resolution\": \"1024x1024\", \"seed\": 1234, \"is_image_safe\": true,"
		  " \"url\": \"https://ideogram.ai/api/images/ephemeral/abc.png?exp=1&sig=2\"}]}");
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_NONE && out.follow == 1 && out.image.len == 0);
	CHECK_STR(out.next.method, "GET");
	CHECK_STR(out.next.url, "https://ideogram.ai/api/images/ephemeral/abc.png?exp=1&sig=2");
	CHECK(out.next.nheaders == 0 && out.next.secret == -1);
	CHECK_STR(meta_get(&out.extra, "provider:seed"), "1234");
	CHECK_STR(meta_get(&out.extra, "provider:prompt"), "a red potion bottle, glowing");
	provider_reply_release(&out);
	/* step 1: the download */
	f.c.step = 1;
	resp_png(&r);
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_NONE && image_is_png(&out) && !out.follow);
	provider_reply_release(&out);
	resp_init(&r, 403, "AccessDenied");
	CHECK(fx_fault(&f, &r) == FAULT_RETRY);
	resp_init(&r, 429, NULL);
	resp_header(&r, "retry-after", "4");
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_RETRY && out.retry_after == 4);
	CHECK_STR(out.err, "ideogram: image download failed: HTTP 429");
	provider_reply_release(&out);
	resp_init(&r, 200, NULL);
	resp_header(&r, "content-type", "image/png");
	CHECK(fx_fault(&f, &r) == FAULT_RETRY);
	resp_init(&r, 200, "RIFF....WEBP");
	resp_header(&r, "content-type", "image/webp");
	CHECK(fx_fault(&f, &r) == FAULT_PERMANENT);
	resp_init(&r, 0, NULL);
	r.transport = HTTP_RESET;
	r.error = xstrdup("connection reset");
	CHECK(fx_fault(&f, &r) == FAULT_RETRY);
	f.c.step = 0;
	/* safety */
	resp_init(&r, 200, "{\"created\": \"x\", \"data\": [{\"prompt\": \"p\", \"resolution\": \"1024x1024\","
		  " \"seed\": 1, \"is_image_safe\": false, \"url\": null}]}");
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_SAFETY && !out.follow);
	provider_reply_release(&out);
	resp_init(&r, 422, "{\"error\": \"Prompt provided failed safety check due to the inclusion of prohibited content.\"}");
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_SAFETY);
	CHECK_STR(out.err, "ideogram: HTTP 422: Prompt provided failed safety check due to the inclusion of prohibited content.");
	provider_reply_release(&out);
	/* others */
	resp_init(&r, 429, "Too many requests.");
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_RETRY && out.retry_after < 0);
	provider_reply_release(&out);
	resp_init(&r, 401, NULL);
	CHECK(fx_fault(&f, &r) == FAULT_PERMANENT);
	resp_init(&r, 400, "Invalid input provided.");
	CHECK(fx_fault(&f, &r) == FAULT_PERMANENT);
	resp_init(&r, 200, "{\"data\": [");
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_RETRY);
	CHECK_STR(out.err, "ideogram: invalid JSON in response");
	provider_reply_release(&out);
	resp_init(&r, 200, "{\"created\": \"x\", \"data\": []}");
	CHECK(fx_fault(&f, &r) == FAULT_RETRY);
	resp_init(&r, 200, "{\"data\": [{\"is_image_safe\": true, \"seed\": 1}]}");
	CHECK(fx_fault(&f, &r) == FAULT_RETRY);
	resp_init(&r, 200, "{\"data\": [{\"is_image_safe\": true, \"url\": \"file:///etc/passwd\"}]}");
	CHECK(fx_fault(&f, &r) == FAULT_RETRY);
}

static void
test_ideogram_check(void)
{
	const struct provider *p = provider_find("ideogram");
	struct model m = {0};
	char *err = NULL;

	m.model = "V_2";
	CHECK(p->check(&m, 1024, 1024, &err) == 0);
	CHECK(p->check(&m, 1280, 720, &err) == 0);
	CHECK(p->check(&m, 512, 1536, &err) == 0);
	CHECK(p->check(&m, 1536, 640, &err) == 0);
	CHECK(p->check(&m, 960, 1088, &err) == 0);
	CHECK(p->check(&m, 1000, 1000, &err) < 0);
	CHECK(err && strstr(err, "1000x1000") && strstr(err, "nearest: 1024x1024,"));
	free(err);
	err = NULL;
	CHECK(p->check(&m, 1920, 1080, &err) < 0);
	CHECK(err && strstr(err, "nearest: 1312x736, 1280x720,"));
	free(err);
	err = NULL;
	CHECK(p->check(&m, 1536, 1536, &err) < 0);
	free(err);
}

/* --- stability --------------------------------------------------------- */

static void
test_stability_request(void)
{
	static struct param ps[] = {
		{"guidance", "1.5", VAL_NUMBER, {NULL, 0, 0}},
		{"output_format", "png", VAL_STRING, {NULL, 0, 0}},
		{"sampler", "euler", VAL_STRING, {NULL, 0, 0}},
		{"steps", "30", VAL_NUMBER, {NULL, 0, 0}},
		{"style", "pixel-art", VAL_STRING, {NULL, 0, 0}},
	};
	static struct param jpeg[] = {{"output_format", "jpeg", VAL_STRING, {NULL, 0, 0}}};
	struct fx f;
	struct http_request r;
	char *err = NULL;

	fx_init(&f, "stability", "sd3.5-flash", KEY);
	f.rq.negative_prompt = "blurry";
	f.rq.width = 1920;
	f.rq.height = 1080;
	f.rq.params = ps;
	f.rq.nparams = 5;
	CHECK(f.p->request(&f.c, &r, &err) == 0);
	CHECK_STR(r.method, "POST");
	CHECK_STR(r.url, "https://api.stability.ai/v2beta/stable-image/generate/sd3");
	CHECK_STR(req_header(&r, "authorization"), "Bearer " KEY);
	CHECK_STR(secret_name(&r), "authorization");
	CHECK_STR(req_header(&r, "accept"), "image/*");
	CHECK(req_header(&r, "content-type") == NULL);
	CHECK(r.body.len == 0);
	CHECK_STR(part_text(&r, "prompt"), "a red potion bottle");
	CHECK_STR(part_text(&r, "negative_prompt"), "blurry");
	CHECK_STR(part_text(&r, "mode"), "text-to-image");
	CHECK_STR(part_text(&r, "model"), "sd3.5-flash");
	CHECK_STR(part_text(&r, "seed"), "42");
	CHECK_STR(part_text(&r, "aspect_ratio"), "16:9");
	CHECK_STR(part_text(&r, "output_format"), "png");
	CHECK_STR(part_text(&r, "style_preset"), "pixel-art");
	CHECK_STR(part_text(&r, "cfg_scale"), "1.5");
	CHECK(req_part(&r, "guidance") == NULL);
	CHECK(req_part(&r, "style") == NULL);
	/* the API defines no steps nor sampler */
	CHECK(req_part(&r, "steps") == NULL);
	CHECK(req_part(&r, "sampler") == NULL);
	CHECK(r.nparts == 9);
	CHECK(req_part(&r, "prompt")->filename == NULL && req_part(&r, "prompt")->type == NULL);
	http_request_release(&r);
	/* seed 0 would mean random */
	f.rq.seed = 0;
	f.rq.negative_prompt = "";
	f.rq.width = 1344;
	f.rq.height = 768;
	f.rq.nparams = 0;
	CHECK(f.p->request(&f.c, &r, &err) == 0);
	CHECK_STR(part_text(&r, "seed"), "4294967294");
	CHECK(req_part(&r, "negative_prompt") == NULL);
	CHECK_STR(part_text(&r, "aspect_ratio"), "16:9");
	http_request_release(&r);
	f.rq.params = jpeg;
	f.rq.nparams = 1;
	CHECK(f.p->request(&f.c, &r, &err) < 0);
	CHECK(err && strstr(err, "assetgen stores PNG"));
	free(err);
}

/* Stable Image Core and Ultra: their own endpoints, fewer fields. */
static void
test_stability_core_ultra(void)
{
	static struct param ps[] = {
		{"guidance", "5", VAL_NUMBER, {NULL, 0, 0}},
		{"style", "anime", VAL_STRING, {NULL, 0, 0}},
	};
	struct fx f;
	struct http_request r;
	char *err = NULL;

	fx_init(&f, "stability", "core", KEY);
	f.rq.negative_prompt = "blurry";
	f.rq.width = 1080;
	f.rq.height = 1350;
	f.rq.params = ps;
	f.rq.nparams = 2;
	CHECK(f.p->request(&f.c, &r, &err) == 0);
	CHECK_STR(r.url, "https://api.stability.ai/v2beta/stable-image/generate/core");
	CHECK_STR(part_text(&r, "prompt"), "a red potion bottle");
	CHECK_STR(part_text(&r, "negative_prompt"), "blurry");
	CHECK_STR(part_text(&r, "aspect_ratio"), "4:5");
	CHECK_STR(part_text(&r, "style_preset"), "anime");
	CHECK_STR(part_text(&r, "output_format"), "png");
	CHECK(req_part(&r, "model") == NULL);
	CHECK(req_part(&r, "mode") == NULL);
	CHECK(req_part(&r, "cfg_scale") == NULL);
	CHECK(r.nparts == 6);
	http_request_release(&r);
	f.m.model = "ultra";
	CHECK(f.p->request(&f.c, &r, &err) == 0);
	CHECK_STR(r.url, "https://api.stability.ai/v2beta/stable-image/generate/ultra");
	CHECK(req_part(&r, "style_preset") == NULL);
	CHECK(req_part(&r, "cfg_scale") == NULL);
	CHECK(req_part(&r, "model") == NULL);
	CHECK(r.nparts == 5);
	http_request_release(&r);
	CHECK(use_is("stability", "ultra", "style", "anime", VAL_STRING, PARAM_DROP, "no style_preset"));
	CHECK(use_is("stability", "ultra", "style_preset", "anime", VAL_STRING, PARAM_REJECT,
		     "no style_preset"));
	CHECK(use_is("stability", "core", "guidance", "5", VAL_NUMBER, PARAM_DROP, "no cfg_scale"));
	CHECK(use_is("stability", "core", "cfg_scale", "5", VAL_NUMBER, PARAM_REJECT, "no cfg_scale"));
	CHECK(use_is("stability", "sd3.5-large", "cfg_scale", "11", VAL_NUMBER, PARAM_REJECT, "1 to 10"));
	CHECK(use_is("stability", "sd3.5-large", "style_preset", "vaporwave", VAL_STRING, PARAM_REJECT,
		     "not 'vaporwave'"));
	CHECK(use_is("stability", "sd3.5-large", "style", "vaporwave", VAL_STRING, PARAM_DROP,
		     "not a Stability style_preset"));
	CHECK(use_is("stability", "sd3.5-large", "steps", "30", VAL_NUMBER, PARAM_DROP, "no 'steps'"));
	CHECK(use_is("stability", "sd3.5-large", "sampler", "euler", VAL_STRING, PARAM_DROP,
		     "no 'sampler'"));
	CHECK(use_is("stability", "sd3.5-large", "negative_prompt", "x", VAL_STRING, PARAM_REJECT,
		     "the asset's own negative_prompt"));
	CHECK(use_is("ideogram", "V_3", "negative_prompt", "x", VAL_STRING, PARAM_REJECT,
		     "the asset's own negative_prompt"));
	CHECK(use_is("stability", "sd3.5-large", "clip_guidance", "x", VAL_STRING, PARAM_REJECT,
		     "not an SD3 field"));
}

static void
test_stability_reply(void)
{
	struct fx f;
	struct http_response r;
	struct provider_reply out;

	fx_init(&f, "stability", "sd3.5-flash", KEY);
	resp_png(&r);
	resp_header(&r, "finish-reason", "SUCCESS");
	resp_header(&r, "seed", "343940597");
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_NONE && image_is_png(&out));
	CHECK_STR(meta_get(&out.extra, "provider:seed"), "343940597");
	provider_reply_release(&out);
	resp_png(&r);
	resp_header(&r, "finish-reason", "CONTENT_FILTERED");
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_SAFETY && out.image.len == 0);
	provider_reply_release(&out);
	/* JSON mode */
	resp_json_png(&r, 200, "{\"image\": \"%s\", \"seed\": 987654, \"finish_reason\": \"SUCCESS\"}");
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_NONE && image_is_png(&out));
	CHECK_STR(meta_get(&out.extra, "provider:seed"), "987654");
	provider_reply_release(&out);
	resp_json_png(&r, 200, "{\"image\": \"%s\", \"seed\": 1, \"finish_reason\": \"CONTENT_FILTERED\"}");
	CHECK(fx_fault(&f, &r) == FAULT_SAFETY);
	resp_init(&r, 200, "{\"image\": ");
	resp_header(&r, "content-type", "application/json");
	CHECK(fx_fault(&f, &r) == FAULT_RETRY);
	resp_init(&r, 200, "{\"finish_reason\": \"SUCCESS\"}");
	resp_header(&r, "content-type", "application/json");
	CHECK(fx_fault(&f, &r) == FAULT_RETRY);
	/* errors */
	resp_init(&r, 403, "{\"id\": \"ab12\", \"name\": \"content_moderation\","
		  " \"errors\": [\"Your request was flagged by our content moderation system\"]}");
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_SAFETY);
	CHECK_STR(out.err, "stability: HTTP 403 content_moderation: Your request was flagged by our content moderation system");
	provider_reply_release(&out);
	resp_init(&r, 400, "{\"id\": \"cd34\", \"name\": \"bad_request\", \"errors\": [\"prompt: is required\", \"seed: too big\"]}");
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_PERMANENT);
	CHECK_STR(out.err, "stability: HTTP 400 bad_request: prompt: is required; seed: too big");
	provider_reply_release(&out);
	resp_init(&r, 403, "{\"id\": \"x\", \"name\": \"forbidden\", \"errors\": [\"account suspended\"]}");
	CHECK(fx_fault(&f, &r) == FAULT_PERMANENT);
	resp_init(&r, 401, "{\"id\": \"x\", \"name\": \"unauthorized\", \"message\": \"missing authorization header\"}");
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_PERMANENT);
	CHECK_STR(out.err, "stability: HTTP 401 unauthorized: missing authorization header");
	provider_reply_release(&out);
	resp_init(&r, 429, "{\"id\": \"rate_limit_exceeded\", \"name\": \"rate_limit_exceeded\","
		  " \"errors\": [\"You have exceeded the rate limit\"]}");
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_RETRY && out.retry_after == 60);
	provider_reply_release(&out);
	resp_init(&r, 429, NULL);
	resp_header(&r, "retry-after", "Wed, 21 Oct 2015 07:28:00 GMT");
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_RETRY && out.retry_after == 0);
	provider_reply_release(&out);
	resp_init(&r, 500, "{\"id\": \"x\", \"name\": \"internal_error\", \"errors\": [\"oops\"]}");
	CHECK(fx_fault(&f, &r) == FAULT_RETRY);
	resp_init(&r, 200, "\xff\xd8\xff");
	resp_header(&r, "content-type", "image/jpeg");
	CHECK(fx_fault(&f, &r) == FAULT_PERMANENT);
	resp_init(&r, 200, NULL);
	resp_header(&r, "content-type", "image/png");
	CHECK(fx_fault(&f, &r) == FAULT_RETRY);
}

static void
test_stability_upscale(void)
{
	struct fx f;
	struct http_request r;
	const struct http_part *p;
	char *err = NULL;

	fx_init(&f, "stability", "fast", KEY);
	f.c.req = NULL;
	f.c.image = &png;
	f.c.up_factor = 4;
	CHECK(f.p->upscale_request(&f.c, &r, &err) == 0);
	CHECK_STR(r.url, "https://api.stability.ai/v2beta/stable-image/upscale/fast");
	CHECK_STR(req_header(&r, "authorization"), "Bearer " KEY);
	p = req_part(&r, "image");
	CHECK(p && p->len == png.len && memcmp(p->data, png.data, png.len) == 0);
	CHECK(p && p->filename && p->type && strcmp(p->type, "image/png") == 0);
	CHECK_STR(part_text(&r, "output_format"), "png");
	CHECK(req_part(&r, "prompt") == NULL);
	http_request_release(&r);
	f.m.model = "conservative";
	CHECK(f.p->upscale_request(&f.c, &r, &err) < 0);
	free(err);
	err = NULL;
	f.c.req = &f.rq;
	CHECK(f.p->upscale_request(&f.c, &r, &err) == 0);
	CHECK_STR(r.url, "https://api.stability.ai/v2beta/stable-image/upscale/conservative");
	CHECK_STR(part_text(&r, "prompt"), "a red potion bottle");
	http_request_release(&r);
	f.m.model = "creative";
	CHECK(f.p->upscale_request(&f.c, &r, &err) < 0);
	free(err);
}

static void
test_stability_check(void)
{
	const struct provider *p = provider_find("stability");
	struct model m = {0};
	char *err = NULL;

	CHECK(p->check(&m, 1024, 1024, &err) == 0);
	CHECK(p->check(&m, 1920, 1080, &err) == 0);
	CHECK(p->check(&m, 640, 1536, &err) < 0);
	CHECK(err && strstr(err, "nearest: 9:21"));
	free(err);
	err = NULL;
	CHECK(p->check(&m, 1344, 768, &err) < 0);
	CHECK(err && strstr(err, "nearest: 16:9"));
	free(err);
}

/* --- gemini ------------------------------------------------------------ */

static void
test_gemini_request(void)
{
	static struct param ps[] = {
		{"guidance", "7", VAL_NUMBER, {NULL, 0, 0}},
		{"imageSize", "2K", VAL_STRING, {NULL, 0, 0}},
		{"sampler", "euler", VAL_STRING, {NULL, 0, 0}},
		{"steps", "30", VAL_NUMBER, {NULL, 0, 0}},
		{"temperature", "0.4", VAL_NUMBER, {NULL, 0, 0}},
	};
	static struct param seed[] = {{"seed", "3", VAL_NUMBER, {NULL, 0, 0}}};
	struct fx f;
	struct http_request r;
	json_t *j, *parts, *gc;
	char *err = NULL;

	fx_init(&f, "gemini", "gemini-nano-banana-2.1", KEY);
	f.rq.negative_prompt = "text";
	f.rq.width = 1920;
	f.rq.height = 1080;
	f.rq.params = ps;
	f.rq.nparams = 5;
	CHECK(f.p->request(&f.c, &r, &err) == 0);
	CHECK_STR(r.method, "POST");
	CHECK_STR(r.url, "https://generativelanguage.googleapis.com/v1beta/models/gemini-nano-banana-2.1:generateContent");
	CHECK_STR(req_header(&r, "x-goog-api-key"), KEY);
	CHECK_STR(secret_name(&r), "x-goog-api-key");
	CHECK(strstr(r.url, KEY) == NULL);
	j = body_json(&r);
	parts = json_object_get(json_array_get(json_object_get(j, "contents"), 0), "parts");
	CHECK(json_array_size(parts) == 1);
	CHECK_STR(json_string_value(json_object_get(json_array_get(parts, 0), "text")),
		  "a red potion bottle\n\nAvoid: text");
	CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(j, "contents"), 0), "role")), "user");
	CHECK_STR(json_string_value(json_array_get(jget(j, "generationConfig.responseModalities"), 0)), "TEXT");
	CHECK_STR(json_string_value(json_array_get(jget(j, "generationConfig.responseModalities"), 1)), "IMAGE");
	CHECK_STR(jstr(j, "generationConfig.imageConfig.aspectRatio"), "16:9");
	CHECK_STR(jstr(j, "generationConfig.imageConfig.imageSize"), "2K");
	CHECK(json_object_size(jget(j, "generationConfig.imageConfig")) == 2);
	CHECK(json_real_value(jget(j, "generationConfig.temperature")) == 0.4);
	CHECK(json_integer_value(jget(j, "generationConfig.seed")) == 42);
	/* Google answers 400 "Unknown name" to anything else in generationConfig */
	gc = json_object_get(j, "generationConfig");
	CHECK(json_object_size(gc) == 4);
	CHECK(json_object_get(gc, "steps") == NULL && json_object_get(gc, "guidance") == NULL &&
	      json_object_get(gc, "sampler") == NULL && json_object_get(gc, "imageSize") == NULL);
	CHECK(json_object_size(j) == 2);
	json_decref(j);
	http_request_release(&r);
	f.m.model = "models/gemini-3-pro-image";
	f.c.endpoint = "https://proxy.example/v1beta/";
	CHECK(f.p->request(&f.c, &r, &err) == 0);
	CHECK_STR(r.url, "https://proxy.example/v1beta/models/gemini-3-pro-image:generateContent");
	http_request_release(&r);
	f.rq.params = seed;
	f.rq.nparams = 1;
	CHECK(f.p->request(&f.c, &r, &err) < 0);
	CHECK(err && strstr(err, "set by assetgen"));
	free(err);
	err = NULL;
	f.rq.nparams = 0;
	f.m.model = "gemini-3-pro-image-preview";
	CHECK(f.p->request(&f.c, &r, &err) < 0);
	CHECK(err && strstr(err, "gemini-nano-banana-2.1"));
	free(err);
	err = NULL;
	f.m.model = "../x?key=1";
	CHECK(f.p->request(&f.c, &r, &err) < 0);
	free(err);
}

static void
test_gemini_params(void)
{
	const struct provider *p = provider_find("gemini");
	struct model m = {0};
	char *err = NULL;
	static const char *const gone[] = {
		"gemini-2.5-flash-image", "gemini-3-pro-image-preview", "gemini-3.1-flash-image-preview",
		"imagen-4.0-generate-001", "models/gemini-2.5-flash-image",
	};
	static const char *const current[] = {
		"gemini-nano-banana-2.1", "gemini-3-pro-image", "gemini-3.1-flash-lite-image",
		"gemini-3.1-flash-image",
	};
	size_t i;

	CHECK(use_is("gemini", "gemini-3-pro-image", "imageSize", "4K", VAL_STRING, PARAM_SEND, NULL));
	CHECK(use_is("gemini", "gemini-3-pro-image", "image_size", "1K", VAL_STRING, PARAM_SEND, NULL));
	CHECK(use_is("gemini", "gemini-3-pro-image", "imageSize", "4k", VAL_STRING, PARAM_REJECT,
		     "1K, 2K or 4K"));
	CHECK(use_is("gemini", "gemini-3-pro-image", "topP", "0.9", VAL_NUMBER, PARAM_SEND, NULL));
	CHECK(use_is("gemini", "gemini-3-pro-image", "topK", "high", VAL_STRING, PARAM_REJECT,
		     "must be a number"));
	CHECK(use_is("gemini", "gemini-3-pro-image", "steps", "30", VAL_NUMBER, PARAM_DROP, "no 'steps'"));
	CHECK(use_is("gemini", "gemini-3-pro-image", "quality", "high", VAL_STRING, PARAM_DROP,
		     "no 'quality'"));
	CHECK(use_is("gemini", "gemini-3-pro-image", "aspect_ratio", "16:9", VAL_STRING, PARAM_REJECT,
		     "set by assetgen"));
	CHECK(use_is("gemini", "gemini-3-pro-image", "outputMimeType", "image/png", VAL_STRING,
		     PARAM_REJECT, "not a Gemini image generation field"));
	for (i = 0; i < sizeof(gone) / sizeof(gone[0]); i++) {
		m.model = (char *)gone[i];
		err = NULL;
		CHECK(p->check_model(&m, &err) < 0);
		CHECK(err && strstr(err, "shut") && strstr(err, "gemini-nano-banana-2.1"));
		free(err);
	}
	for (i = 0; i < sizeof(current) / sizeof(current[0]); i++) {
		m.model = (char *)current[i];
		CHECK(p->check_model(&m, &err) == 0);
	}
}

static void
test_gemini_reply(void)
{
	struct fx f;
	struct http_response r;
	struct provider_reply out;

	fx_init(&f, "gemini", "gemini-3-pro-image", KEY);
	resp_json_png(&r, 200, "{\"candidates\": [{\"content\": {\"role\": \"model\", \"parts\": ["
		      "{\"text\": \"Here is your potion.\"},"
		      "{\"inlineData\": {\"mimeType\": \"image/png\", \"data\": \"%s\"}}]}, \"finishReason\": \"STOP\"}],"
		      " \"modelVersion\": \"gemini-2.5-flash-image\"}");
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_NONE && image_is_png(&out));
	CHECK_STR(meta_get(&out.extra, "provider:model_version"), "gemini-2.5-flash-image");
	provider_reply_release(&out);
	/* snake case, a later candidate, thinking images skipped */
	resp_json_png(&r, 200, "{\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"hm\"}]}},"
		      "{\"content\": {\"parts\": [{\"thought\": true, \"inline_data\": {\"mime_type\": \"image/png\", \"data\": \"aGk=\"}},"
		      "{\"inline_data\": {\"mime_type\": \"image/png\", \"data\": \"%s\"}}]}}]}");
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_NONE && image_is_png(&out));
	provider_reply_release(&out);
	/* JPEG and WebP, told by their bytes whatever the label says */
	resp_init(&r, 200, "{\"candidates\": [{\"content\": {\"parts\": [{\"inlineData\": {\"mimeType\": \"image/png\","
		  " \"data\": \"/9j/4AAQ\"}}]}}]}");
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_NONE && out.image.len == 6 && (unsigned char)out.image.data[0] == 0xff);
	provider_reply_release(&out);
	resp_init(&r, 200, "{\"candidates\": [{\"content\": {\"parts\": [{\"inlineData\": {\"mimeType\": \"image/webp\","
		  " \"data\": \"UklGRiQAAABXRUJQVlA4\"}}]}}]}");
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_NONE && out.image.len == 15 && memcmp(out.image.data + 8, "WEBP", 4) == 0);
	provider_reply_release(&out);
	resp_init(&r, 200, "{\"candidates\": [{\"content\": {\"parts\": [{\"inlineData\": {\"mimeType\": \"image/jpeg\","
		  " \"data\": \"aGVsbG8gd29ybGQ=\"}}]}}]}");
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_PERMANENT && strstr(out.err, "neither PNG, JPEG nor WebP"));
	provider_reply_release(&out);
	resp_init(&r, 200, "{\"candidates\": [{\"content\": {\"parts\": [{\"inlineData\": {\"mimeType\": \"image/heic\","
		  " \"data\": \"AAAA\"}}]}}]}");
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_PERMANENT && strstr(out.err, "unsupported image format image/heic"));
	provider_reply_release(&out);
	/* safety */
	resp_init(&r, 200, "{\"promptFeedback\": {\"blockReason\": \"PROHIBITED_CONTENT\"}}");
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_SAFETY);
	CHECK_STR(out.err, "gemini: prompt blocked (PROHIBITED_CONTENT)");
	provider_reply_release(&out);
	resp_init(&r, 200, "{\"candidates\": [{\"content\": {\"parts\": []}, \"finishReason\": \"IMAGE_SAFETY\"}]}");
	CHECK(fx_fault(&f, &r) == FAULT_SAFETY);
	resp_init(&r, 200, "{\"candidates\": [{\"finishReason\": \"SAFETY\"}]}");
	CHECK(fx_fault(&f, &r) == FAULT_SAFETY);
	/* no image */
	resp_init(&r, 200, "{\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"I can only describe it.\"}]},"
		  " \"finishReason\": \"STOP\"}]}");
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_RETRY);
	CHECK_STR(out.err, "gemini: no image in response (finishReason STOP): I can only describe it.");
	provider_reply_release(&out);
	resp_init(&r, 200, "{\"candidates\": [{\"content\": {\"parts\": [{\"inlineData\": {\"mimeType\": \"image/png\","
		  " \"data\": \"%%%%\"}}]}}]}");
	CHECK(fx_fault(&f, &r) == FAULT_RETRY);
	resp_init(&r, 200, "{\"candidates\": ");
	CHECK(fx_fault(&f, &r) == FAULT_RETRY);
	/* quota: RetryInfo */
	resp_init(&r, 429, "{\"error\": {\"code\": 429, \"message\": \"Resource has been exhausted\","
		  " \"status\": \"RESOURCE_EXHAUSTED\", \"details\": ["
		  "{\"@type\": \"type.googleapis.com/google.rpc.QuotaFailure\", \"violations\":"
		  " [{\"quotaId\": \"GenerateRequestsPerMinutePerProjectPerModel\"}]},"
		  "{\"@type\": \"type.googleapis.com/google.rpc.RetryInfo\", \"retryDelay\": \"34s\"}]}}");
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_RETRY && out.retry_after == 34);
	CHECK_STR(out.err, "gemini: HTTP 429 RESOURCE_EXHAUSTED: Resource has been exhausted");
	provider_reply_release(&out);
	resp_init(&r, 429, "{\"error\": {\"code\": 429, \"status\": \"RESOURCE_EXHAUSTED\", \"details\": ["
		  "{\"@type\": \"type.googleapis.com/google.rpc.RetryInfo\", \"retryDelay\": \"1.500s\"}]}}");
	fx_reply(&f, &r, &out);
	CHECK(out.retry_after == 1.5);
	provider_reply_release(&out);
	resp_init(&r, 429, "{\"error\": {\"code\": 429, \"status\": \"RESOURCE_EXHAUSTED\", \"details\": ["
		  "{\"@type\": \"type.googleapis.com/google.rpc.RetryInfo\", \"retryDelay\": \"34s\"}]}}");
	resp_header(&r, "retry-after", "5");
	fx_reply(&f, &r, &out);
	CHECK(out.retry_after == 5);
	provider_reply_release(&out);
	resp_init(&r, 429, "{\"error\": {\"code\": 429, \"message\": \"quota\", \"status\": \"RESOURCE_EXHAUSTED\", \"details\": ["
		  "{\"@type\": \"type.googleapis.com/google.rpc.QuotaFailure\", \"violations\":"
		  " [{\"quotaId\": \"GenerateRequestsPerDayPerProjectPerModel-FreeTier\"}]}]}}");
	CHECK(fx_fault(&f, &r) == FAULT_PERMANENT);
	resp_init(&r, 400, "{\"error\": {\"code\": 400, \"message\": \"API key not valid. Please pass a valid API key.\","
		  " \"status\": \"INVALID_ARGUMENT\", \"details\": [{\"@type\": \"type.googleapis.com/google.rpc.ErrorInfo\","
		  " \"reason\": \"API_KEY_INVALID\"}]}}");
	fx_reply(&f, &r, &out);
	CHECK(out.fault == FAULT_PERMANENT);
	CHECK_STR(out.err, "gemini: HTTP 400 INVALID_ARGUMENT: API key not valid. Please pass a valid API key.");
	provider_reply_release(&out);
	resp_init(&r, 503, "{\"error\": {\"code\": 503, \"message\": \"The model is overloaded.\", \"status\": \"UNAVAILABLE\"}}");
	CHECK(fx_fault(&f, &r) == FAULT_RETRY);
}

static void
test_gemini_check(void)
{
	const struct provider *p = provider_find("gemini");
	struct model m = {0};
	char *err = NULL;

	m.model = "gemini-2.5-flash-image";
	CHECK(p->check(&m, 1024, 1024, &err) == 0);
	CHECK(p->check(&m, 832, 1248, &err) == 0);
	CHECK(p->check(&m, 2560, 1080, &err) < 0);
	CHECK(err && strstr(err, "nearest: 21:9"));
	free(err);
	err = NULL;
	CHECK(p->check(&m, 1000, 600, &err) < 0);
	free(err);
}

int
main(void)
{
	make_png();
	RUN(test_table);
	RUN(test_base64);
	RUN(test_retry_after);
	RUN(test_classify);
	RUN(test_scrub);
	RUN(test_http_request);
	RUN(test_http_reply);
	RUN(test_openai_request);
	RUN(test_openai_params);
	RUN(test_openai_reply);
	RUN(test_openai_check);
	RUN(test_a1111_request);
	RUN(test_a1111_reply);
	RUN(test_a1111_upscale);
	RUN(test_a1111_check);
	RUN(test_ideogram_request);
	RUN(test_ideogram_v3);
	RUN(test_ideogram_reply);
	RUN(test_ideogram_check);
	RUN(test_stability_request);
	RUN(test_stability_core_ultra);
	RUN(test_stability_reply);
	RUN(test_stability_upscale);
	RUN(test_stability_check);
	RUN(test_gemini_request);
	RUN(test_gemini_params);
	RUN(test_gemini_reply);
	RUN(test_gemini_check);
	buf_release(&png);
	free(png_b64);
	return TEST_DONE();
}
