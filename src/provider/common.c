/* provider/common.c - the provider table, fault classes, and what every
 * HTTP provider shares: status classification, Retry-After, base64 */
#define _GNU_SOURCE
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "crypto.h"
#include "image.h"
#include "png.h"
#include "provider.h"
#include "redact.h"
#include "util.h"

static const struct provider *const providers[] = {
	&provider_builtin,
	&provider_http,
	&provider_openai,
	&provider_a1111,
	&provider_ideogram,
	&provider_stability,
	&provider_gemini,
	&provider_bfl,
	&provider_fal,
	&provider_replicate,
	&provider_comfyui,
};

/* The registry's names, in its order (for messages and suggestions). */
const char *const *
provider_names(size_t *n)
{
	static const char *names[sizeof(providers) / sizeof(providers[0])];
	size_t i;

	for (i = 0; i < sizeof(providers) / sizeof(providers[0]); i++)
		names[i] = providers[i]->name;
	*n = i;
	return names;
}

const struct provider *
provider_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(providers) / sizeof(providers[0]); i++)
		if (strcmp(providers[i]->name, name) == 0)
			return providers[i];
	return NULL;
}

const char *
fault_name(enum fault f)
{
	switch (f) {
	case FAULT_NONE: return "none";
	case FAULT_RETRY: return "retryable";
	case FAULT_OOM: return "out-of-memory";
	case FAULT_PERMANENT: return "permanent";
	case FAULT_SAFETY: return "safety";
	}
	return "?";
}

int
fault_retryable(enum fault f)
{
	return f == FAULT_RETRY || f == FAULT_OOM;
}

void
provider_reply_init(struct provider_reply *r)
{
	memset(r, 0, sizeof(*r));
	r->retry_after = -1;
	r->next.secret = -1;
}

void
provider_reply_release(struct provider_reply *r)
{
	free(r->err);
	free(r->job);
	http_request_release(&r->next);
	buf_release(&r->image);
	meta_release(&r->extra);
	provider_reply_init(r);
}

double
provider_parse_retry_after(const char *v)
{
	struct tm tm;
	const char *end;
	double secs;
	time_t when;

	while (*v == ' ')
		v++;
	if (parse_double(v, &secs) == 0)
		return secs >= 0 ? secs : -1;
	/* HTTP-date: "Wed, 21 Oct 2015 07:28:00 GMT" */
	memset(&tm, 0, sizeof(tm));
	end = strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (!end)
		return -1;
	when = timegm(&tm);
	secs = difftime(when, time(NULL));
	return secs > 0 ? secs : 0;
}

/* GPU out-of-memory messages, as A1111/Forge/torch and proxies word them */
static int
looks_oom(const struct buf *body)
{
	static const char *const needles[] = {
		"out of memory", "OutOfMemoryError", "CUDA out of memory", "OOM",
	};
	size_t i;

	if (!body->data)
		return 0;
	for (i = 0; i < sizeof(needles) / sizeof(needles[0]); i++)
		if (strstr(body->data, needles[i]))
			return 1;
	return 0;
}

/* The first line of a body, cut short and made printable, for messages. */
static char *
body_excerpt(const struct buf *body)
{
	size_t i, n = body->len < 160 ? body->len : 160;
	char *s = xmalloc(n + 1);

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)body->data[i];

		s[i] = c == '\n' || c == '\r' || c == '\t' ? ' ' : (c < 32 || c == 127 ? '?' : (char)c);
	}
	s[n] = '\0';
	return s;
}

int
provider_http_failed(const char *who, const struct http_response *resp, struct provider_reply *out)
{
	const char *ra;
	char *excerpt;
	long s = resp->status;

	if (resp->transport != HTTP_OK) {
		out->fault = resp->transport == HTTP_TOOBIG ? FAULT_PERMANENT : FAULT_RETRY;
		out->err = xasprintf("%s: %s", who, resp->error ? resp->error : "transfer failed");
		return 1;
	}
	if (s >= 200 && s < 300)
		return 0;
	if ((ra = http_response_header(resp, "retry-after-ms")) && parse_double(ra, &out->retry_after) == 0)
		out->retry_after /= 1000.0;
	else if ((ra = http_response_header(resp, "retry-after")))
		out->retry_after = provider_parse_retry_after(ra);
	if (s == 408 || s == 409 || s == 429 || s >= 500)
		out->fault = s >= 500 && looks_oom(&resp->body) ? FAULT_OOM : FAULT_RETRY;
	else
		out->fault = FAULT_PERMANENT;
	excerpt = body_excerpt(&resp->body);
	out->err = xasprintf("%s: HTTP %ld%s%s", who, s, *excerpt ? ": " : "", excerpt);
	free(excerpt);
	return 1;
}

/* Cut one secret, and its base64 form (HTTP Basic's), out of *text. */
static void
cut_secret(char **text, const char *secret)
{
	char *b64;

	if (!secret || !*secret)
		return;
	redact_secret(text, secret);
	b64 = provider_base64_encode(secret, strlen(secret));
	redact_secret(text, b64);
	free(b64);
}

/* Cut from *text what a server may echo of the credentials the call
 * sent: the key, and an endpoint's user:password (which curl sends as
 * Basic), the password alone too; and any token after "Bearer ". */
void
provider_redact(const struct provider_call *c, char **text)
{
	char *userinfo = c->endpoint ? redact_url_userinfo(c->endpoint) : NULL;
	const char *pass = userinfo ? strchr(userinfo, ':') : NULL;

	cut_secret(text, c->api_key);
	cut_secret(text, userinfo);
	cut_secret(text, pass ? pass + 1 : NULL);
	redact_bearer(text);
	free(userinfo);
}

void
provider_reply_scrub(const struct provider_call *c, struct provider_reply *r)
{
	char *s;
	size_t i, len, kept = 0;

	if (r->err) {
		provider_redact(c, &r->err);
		/* one printable line: a body's newlines must not forge output */
		s = redact_controls(r->err);
		free(r->err);
		r->err = s;
	}
	for (i = 0; i < r->extra.n; i++) {
		struct meta_entry *e = &r->extra.entries[i];

		len = strlen(e->value);
		if (len > PROVIDER_META_MAX - kept) {
			free(e->value);
			e->value = xasprintf("(not kept: %zu bytes, past the %d KiB assetgen keeps of a "
					     "provider's metadata)", len, PROVIDER_META_MAX / 1024);
			continue;
		}
		kept += len;
		provider_redact(c, &e->value);
	}
	/* the record of a job goes into the index: no secret in it */
	if (r->job)
		provider_redact(c, &r->job);
}

int
provider_base64_decode(const char *s, size_t len, struct buf *out)
{
	const char *comma;
	unsigned char *tmp;
	size_t i, n = 0, pad = 0;
	int got;

	if (len > 5 && memcmp(s, "data:", 5) == 0 && (comma = memchr(s, ',', len))) {
		len -= (size_t)(comma + 1 - s);
		s = comma + 1;
	}
	tmp = xmalloc(len + 4);
	for (i = 0; i < len; i++)
		if (!isspace((unsigned char)s[i]))
			tmp[n++] = (unsigned char)s[i];
	if (n % 4 != 0) {
		free(tmp);
		return -1;
	}
	if (n >= 1 && tmp[n - 1] == '=')
		pad++;
	if (n >= 2 && tmp[n - 2] == '=')
		pad++;
	buf_reset(out);
	out->data = xgrow(out->data, &out->cap, n / 4 * 3 + 1, 1);
	got = n ? crypto_base64_decode_block(out->data, tmp, n) : 0;
	free(tmp);
	if (got < 0 || (size_t)got < pad) {
		buf_reset(out);
		return -1;
	}
	out->len = (size_t)got - pad;
	out->data[out->len] = '\0';
	return 0;
}

char *
provider_base64_encode(const void *data, size_t len)
{
	char *s = xmalloc(4 * ((len + 2) / 3) + 1);

	crypto_base64_encode_block(s, data, len);
	return s;
}


void
provider_fail(struct provider_reply *out, enum fault f, const char *fmt, ...)
{
	va_list ap;

	free(out->err);
	va_start(ap, fmt);
	out->err = xvasprintf(fmt, ap);
	va_end(ap);
	out->fault = f;
	buf_reset(&out->image);
}

json_t *
provider_param_json(const struct param *p)
{
	json_t *v;
	double d;

	if (p->type == VAL_BOOL)
		return json_boolean(strcmp(p->value, "true") == 0);
	if (p->type == VAL_NUMBER) {
		v = json_loads(p->value, JSON_DECODE_ANY, NULL);
		if (v && json_is_number(v))
			return v;
		json_decref(v);
		if (parse_double(p->value, &d) == 0)
			return json_real(d);
	}
	return json_string(p->value);
}

int
provider_media_is(const char *ct, const char *type)
{
	size_t n = strlen(type);

	return ct && strncasecmp(ct, type, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

char *
provider_url(const char *endpoint, const char *path)
{
	size_t n = strlen(endpoint);

	while (n > 0 && endpoint[n - 1] == '/')
		n--;
	return xasprintf("%.*s%s", (int)n, endpoint, path);
}

void
provider_reply_download(const char *who, const struct http_response *resp,
			struct provider_reply *out)
{
	const char *ct;

	if (provider_http_failed(who, resp, out)) {
		if (resp->transport == HTTP_OK) {
			/* an expired or missing link: generating again is the cure */
			free(out->err);
			out->err = xasprintf("%s: image download failed: HTTP %ld", who, resp->status);
			out->fault = FAULT_RETRY;
		}
		return;
	}
	ct = http_response_header(resp, "content-type");
	if (ct && strncasecmp(ct, "image/", 6) == 0 && !provider_media_is(ct, "image/png")) {
		provider_fail(out, FAULT_PERMANENT, "%s: unsupported image format %.60s (assetgen needs image/png)",
			      who, ct);
		return;
	}
	if (resp->body.len == 0) {
		provider_fail(out, FAULT_RETRY, "%s: empty image download", who);
		return;
	}
	buf_reset(&out->image);
	buf_put(&out->image, resp->body.data, resp->body.len);
}

int
provider_param_portable(const char *name)
{
	static const char *const portable[] = {
		"background", "guidance", "negative_prompt", "quality", "sampler", "steps", "style",
	};

	return provider_name_in(name, portable, sizeof(portable) / sizeof(portable[0]));
}

int
provider_name_in(const char *name, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(name, list[i]) == 0)
			return 1;
	return 0;
}

char *
provider_name_list(const char *const *list, size_t n)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < n; i++)
		buf_printf(&b, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ", list[i]);
	return buf_detach(&b, NULL);
}

int
provider_native(const struct provider *p, const struct model *m,
		const struct provider_need *need, uint32_t *nw, uint32_t *nh, char **why)
{
	*nw = need->width;
	*nh = need->height;
	if (!p || !p->native)
		return 0;
	return p->native(m, need, nw, nh, why);
}

size_t
provider_ratio_nearest(const uint32_t (*list)[2], size_t n, uint32_t w, uint32_t h)
{
	double want = log((double)w / h), d, bestd = INFINITY;
	size_t i, best = 0;

	for (i = 0; i < n; i++) {
		d = fabs(log((double)list[i][0] / list[i][1]) - want);
		if (d < bestd) {
			bestd = d;
			best = i;
		}
	}
	return best;
}

int
provider_ratio_check(const char *who, const uint32_t (*list)[2], size_t n,
		     uint32_t w, uint32_t h, char **err)
{
	struct buf names = BUF_INIT;
	size_t i, k;

	for (i = 0; i < n; i++)
		if ((uint64_t)w * list[i][1] == (uint64_t)h * list[i][0])
			return 0;
	for (i = 0; i < n; i++)
		buf_printf(&names, "%s%u:%u", i ? ", " : "", list[i][0], list[i][1]);
	k = provider_ratio_nearest(list, n, w, h);
	*err = xasprintf("%s cannot make %ux%u: the API takes an aspect ratio, one of %s "
			 "(nearest: %u:%u)", who, w, h, names.data, list[k][0], list[k][1]);
	buf_release(&names);
	return -1;
}

int
provider_ratio_native(const uint32_t (*list)[2], size_t n, const struct provider_need *need,
		      const char *no_alpha, uint32_t *nw, uint32_t *nh, char **why)
{
	size_t k = provider_ratio_nearest(list, n, need->width, need->height);
	uint32_t u = (uint32_t)lround(sqrt(1048576.0 / (list[k][0] * list[k][1])));

	if (need->transparent) {
		*why = xstrdup(no_alpha);
		return -1;
	}
	*nw = list[k][0] * u;
	*nh = list[k][1] * u;
	return 0;
}

int
provider_post_json(const char *who, const char *endpoint, const char *path, json_t *root,
		   struct http_request *out, char **err)
{
	char *body = json_dumps(root, JSON_COMPACT), *url;

	json_decref(root);
	if (!body) {
		*err = xasprintf("%s: cannot encode the request", who);
		return -1;
	}
	url = path ? provider_url(endpoint, path) : xstrdup(endpoint);
	http_request_init(out, "POST", url);
	free(url);
	buf_puts(&out->body, body);
	free(body);
	http_request_header(out, "Content-Type", "application/json");
	return 0;
}

json_t *
provider_reply_object(const char *who, const struct http_response *resp, struct provider_reply *out)
{
	json_t *root = json_loadb(resp->body.data ? resp->body.data : "", resp->body.len, 0, NULL);

	if (!json_is_object(root)) {
		provider_fail(out, FAULT_RETRY, "%s: invalid JSON in response", who);
		json_decref(root);
		return NULL;
	}
	return root;
}

enum param_use
provider_param_enum(const struct param *p, const char *const *values, size_t n, char **why)
{
	char *list;

	if (p->type == VAL_STRING && provider_name_in(p->value, values, n))
		return PARAM_SEND;
	list = provider_name_list(values, n);
	*why = xasprintf("'%s' takes %s, not '%s'", p->name, list, p->value);
	free(list);
	return PARAM_REJECT;
}

int
provider_mask_png(const struct image *mask, enum mask_polarity pol, struct buf *out, char **err)
{
	struct image img = {0};
	uint32_t x, y, ch = pol == MASK_ALPHA0 ? 4 : 3;
	unsigned v;
	int rc;

	if (image_alloc(&img, mask->width, mask->height, ch) < 0) {
		*err = xstrdup("mask size out of range");
		return -1;
	}
	for (y = 0; y < mask->height; y++) {
		for (x = 0; x < mask->width; x++) {
			const uint8_t *p = mask->px + ((size_t)y * mask->width + x) * mask->channels;
			uint8_t *q = img.px + ((size_t)y * mask->width + x) * ch;

			/* how much this pixel changes: its grey, 0..255 */
			v = mask->channels >= 3 ? (p[0] + p[1] + p[2] + 1u) / 3u : p[0];
			switch (pol) {
			case MASK_WHITE:
				q[0] = q[1] = q[2] = (uint8_t)v;
				break;
			case MASK_BLACK:
				q[0] = q[1] = q[2] = (uint8_t)(255 - v);
				break;
			case MASK_ALPHA0:
				q[0] = q[1] = q[2] = 0;
				q[3] = (uint8_t)(255 - v);
				break;
			}
		}
	}
	rc = pngio_encode(&img, NULL, 6, out, err);
	image_release(&img);
	return rc;
}

const struct render_input *
provider_input(const struct render_req *req, enum input_role r)
{
	size_t i;

	for (i = 0; i < req->ninputs; i++)
		if (req->inputs[i].role == r)
			return &req->inputs[i];
	return NULL;
}
