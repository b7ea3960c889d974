/* fuzz_providers.c - every HTTP provider's reply() on an arbitrary response
 *
 * Input layout:
 *   byte 0   bits 0-5: status and transport (0-31: 200 OK, else a table of
 *            other statuses and transport failures); bit 6: an upscale call
 *            (c->image set); bit 7: a transport error text
 *   byte 1   bits 0-2: content-type (0: none); bits 3-7: the headers
 *            retry-after, retry-after-ms, seed, finish-reason, x-should-retry
 *   then, for each header present, its value up to '\n' (at most 64 bytes)
 *   the rest: the body
 * Each provider's reply() runs at step 0 and step 1.  Whatever comes back
 * must be coherent: a failure has a message, which never holds the key
 * (provider_reply_scrub cuts it out even when the server sent it back), a
 * follow-up URL holds it only when the server put it there, a success has an image or a follow-up
 * request, and the metadata kept can go into a PNG.
 */
#define _GNU_SOURCE     /* memmem */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "http.h"
#include "image.h"
#include "png.h"
#include "provider/provider.h"
#include "util.h"

#define KEY "sk-fuzz-0123456789abcdef"

static const struct {
	long status;
	enum http_transport transport;
} statuses[32] = {
	{201, HTTP_OK}, {204, HTTP_OK}, {206, HTTP_OK}, {299, HTTP_OK},
	{100, HTTP_OK}, {302, HTTP_OK}, {400, HTTP_OK}, {401, HTTP_OK},
	{403, HTTP_OK}, {404, HTTP_OK}, {408, HTTP_OK}, {409, HTTP_OK},
	{413, HTTP_OK}, {422, HTTP_OK}, {429, HTTP_OK}, {500, HTTP_OK},
	{502, HTTP_OK}, {503, HTTP_OK}, {504, HTTP_OK}, {599, HTTP_OK},
	{0, HTTP_TIMEOUT}, {0, HTTP_CONNECT}, {0, HTTP_RESET}, {200, HTTP_RESET},
	{0, HTTP_TOOBIG}, {0, HTTP_OTHER}, {200, HTTP_TIMEOUT}, {0, HTTP_OK},
	{-1, HTTP_OK}, {600, HTTP_OK}, {999, HTTP_OK}, {2147483647L, HTTP_OK},
};

static const char *const content_types[8] = {
	NULL, "application/json", "image/png", "application/json; type=image/png",
	"application/octet-stream", "image/jpeg", "text/html; charset=utf-8", "IMAGE/PNG;q=1",
};

static const char *const header_names[5] = {
	"retry-after", "retry-after-ms", "seed", "finish-reason", "x-should-retry",
};

static const struct {
	const struct provider *p;
	const char *model;
} providers[6] = {
	{&provider_http, ""},
	{&provider_openai, "gpt-image-1"},
	{&provider_a1111, ""},
	{&provider_ideogram, "V_2"},
	{&provider_stability, "sd3.5-flash"},
	{&provider_gemini, "gemini-2.5-flash-image"},
};

static void
add_header(struct http_response *r, const char *name, const char *value, size_t len)
{
	r->headers = xgrow(r->headers, &r->hcap, r->nheaders + 1, sizeof(*r->headers));
	r->headers[r->nheaders].name = xstrdup(name);
	r->headers[r->nheaders].value = xstrndup(value, len);
	r->nheaders++;
}

/* The metadata a reply keeps ends up in the PNG: it must encode. */
static void
check_meta(const struct meta *extra)
{
	static uint8_t px[3];
	struct image img = {1, 1, 3, px};
	struct buf out = BUF_INIT;
	char *err = NULL;

	if (extra->n == 0)
		return;
	if (pngio_encode(&img, extra, PNGIO_LEVEL_DEFAULT, &out, &err) < 0) {
		fprintf(stderr, "fuzz: reply metadata does not encode: %s\n", err);
		abort();
	}
	buf_release(&out);
}

static void
check_reply(const struct provider_reply *r, int echoed)
{
	if (r->fault != FAULT_NONE) {
		if (!r->err || r->follow)
			abort();
	} else if (r->follow) {
		if (!r->next.url || !r->next.method)
			abort();
	} else if (r->image.len == 0) {
		abort();
	}
	if (r->err && strstr(r->err, KEY))
		abort();
	if (!echoed && r->next.url && strstr(r->next.url, KEY))
		abort();
	check_meta(&r->extra);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char up_png[] = "\x89PNG\r\n\x1a\n";
	struct buf upimg = {(char *)up_png, sizeof(up_png) - 1, sizeof(up_png), 0};
	struct http_response resp;
	struct provider_reply out;
	struct provider_call c;
	struct render_req rq;
	struct model m;
	const uint8_t *nl;
	size_t i, n;
	int sel, flags, step, echoed;

	if (size < 2)
		return 0;
	/* an error body quoting the key is quoted in the message */
	echoed = memmem(data, size, KEY, strlen(KEY)) != NULL;
	sel = data[0];
	flags = data[1];
	data += 2;
	size -= 2;

	memset(&resp, 0, sizeof(resp));
	if ((sel & 0x3f) < 32) {
		resp.status = 200;
		resp.transport = HTTP_OK;
	} else {
		resp.status = statuses[(sel & 0x3f) - 32].status;
		resp.transport = statuses[(sel & 0x3f) - 32].transport;
	}
	if (sel & 0x80)
		resp.error = xstrdup("Operation timed out after 30000 milliseconds");
	if (content_types[flags & 7])
		add_header(&resp, "content-type", content_types[flags & 7],
			   strlen(content_types[flags & 7]));
	for (i = 0; i < 5; i++) {
		if (!(flags & (8 << i)))
			continue;
		nl = memchr(data, '\n', size < 64 ? size : 64);
		n = nl ? (size_t)(nl - data) : (size < 64 ? size : 64);
		add_header(&resp, header_names[i], (const char *)data, n);
		n += nl ? 1 : 0;
		data += n;
		size -= n;
	}
	buf_init(&resp.body, HTTP_MAX_BODY);
	if (size)
		buf_put(&resp.body, data, size);
	resp.seconds = 0.25;

	memset(&rq, 0, sizeof(rq));
	rq.prompt = "a red potion bottle";
	rq.negative_prompt = "";
	rq.seed = 42;
	rq.width = 1024;
	rq.height = 1024;
	for (i = 0; i < 6; i++) {
		memset(&m, 0, sizeof(m));
		m.name = (char *)"m";
		m.provider = (char *)providers[i].p->name;
		m.model = (char *)providers[i].model;
		m.version = (char *)"";
		m.retries = -1;
		for (step = 0; step < 2; step++) {
			memset(&c, 0, sizeof(c));
			c.model = &m;
			c.req = &rq;
			c.api_key = KEY;
			c.endpoint = providers[i].p->default_endpoint ?
				providers[i].p->default_endpoint : "http://127.0.0.1:8080/generate";
			c.step = step;
			if (sel & 0x40) {
				c.image = &upimg;
				c.up_factor = 2;
			}
			provider_reply_init(&out);
			providers[i].p->reply(&c, &resp, &out);
			provider_reply_scrub(&c, &out);
			check_reply(&out, echoed);
			provider_reply_release(&out);
		}
	}
	http_response_release(&resp);
	return 0;
}
