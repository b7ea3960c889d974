/* http.c - one libcurl multi loop for every transfer; the only file that
 * calls libcurl (curl_lazy.c loads it) */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "http.h"
#include "redact.h"
#include "util.h"

#define CONNECT_TIMEOUT_MS 10000L
#define HTTP_RECV_BUFFER (100L * 1024)

void
http_request_init(struct http_request *r, const char *method, const char *url)
{
	memset(r, 0, sizeof(*r));
	r->method = xstrdup(method);
	r->url = xstrdup(url);
	r->secret = -1;
}

void
http_request_header(struct http_request *r, const char *name, const char *value)
{
	r->headers = xgrow(r->headers, &r->hcap, r->nheaders + 1, sizeof(*r->headers));
	r->headers[r->nheaders].name = xstrdup(name);
	r->headers[r->nheaders].value = xstrdup(value);
	r->nheaders++;
}

void
http_request_secret_header(struct http_request *r, const char *name, const char *value)
{
	r->secret = (int)r->nheaders;
	http_request_header(r, name, value);
}

void
http_request_auth(struct http_request *r, const char *userpwd, const char *sigv4)
{
	free(r->userpwd);
	free(r->aws_sigv4);
	r->userpwd = userpwd ? xstrdup(userpwd) : NULL;
	r->aws_sigv4 = sigv4 ? xstrdup(sigv4) : NULL;
}

void
http_request_part(struct http_request *r, const char *name, const void *data, size_t len,
		  const char *filename, const char *type)
{
	struct http_part *p;

	r->parts = xgrow(r->parts, &r->pcap, r->nparts + 1, sizeof(*r->parts));
	p = &r->parts[r->nparts++];
	p->name = xstrdup(name);
	p->data = xmalloc(len + 1);
	memcpy(p->data, data, len);
	p->data[len] = '\0';
	p->len = len;
	p->filename = filename ? xstrdup(filename) : NULL;
	p->type = type ? xstrdup(type) : NULL;
}

static void
headers_free(struct http_header *h, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(h[i].name);
		free(h[i].value);
	}
	free(h);
}

void
http_request_release(struct http_request *r)
{
	size_t i;

	free(r->method);
	free(r->url);
	headers_free(r->headers, r->nheaders);
	buf_release(&r->body);
	for (i = 0; i < r->nparts; i++) {
		free(r->parts[i].name);
		free(r->parts[i].data);
		free(r->parts[i].filename);
		free(r->parts[i].type);
	}
	free(r->parts);
	free(r->userpwd);
	free(r->aws_sigv4);
	memset(r, 0, sizeof(*r));
	r->secret = -1;
}

static void
request_copy(struct http_request *dst, const struct http_request *src)
{
	size_t i;

	http_request_init(dst, src->method, src->url);
	for (i = 0; i < src->nheaders; i++)
		http_request_header(dst, src->headers[i].name, src->headers[i].value);
	dst->secret = src->secret;
	dst->max_body = src->max_body;
	dst->stall_ms = src->stall_ms;
	http_request_auth(dst, src->userpwd, src->aws_sigv4);
	dst->netrc = src->netrc;
	if (src->body.len)
		buf_put(&dst->body, src->body.data, src->body.len);
	for (i = 0; i < src->nparts; i++)
		http_request_part(dst, src->parts[i].name, src->parts[i].data, src->parts[i].len,
				  src->parts[i].filename, src->parts[i].type);
}

char *
http_request_describe(const struct http_request *r)
{
	struct buf b = BUF_INIT;
	char *url = redact_url(r->url);
	size_t i;

	buf_printf(&b, "%s %s", r->method, url);
	free(url);
	for (i = 0; i < r->nheaders; i++)
		buf_printf(&b, "%s%s: %s", i ? ", " : " (", r->headers[i].name,
			   (int)i == r->secret ? "<redacted>" : r->headers[i].value);
	if (r->nheaders)
		buf_putc(&b, ')');
	if (r->nparts)
		buf_printf(&b, " multipart, %zu fields", r->nparts);
	else if (r->body.len)
		buf_printf(&b, " body %zu bytes", r->body.len);
	/* a follow-up's URL is the server's */
	url = redact_controls(b.data);
	buf_release(&b);
	return url;
}

const char *
http_response_header(const struct http_response *r, const char *name)
{
	size_t i;

	for (i = r->nheaders; i-- > 0;)
		if (strcasecmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	return NULL;
}

void
http_response_release(struct http_response *r)
{
	free(r->error);
	headers_free(r->headers, r->nheaders);
	buf_release(&r->body);
	memset(r, 0, sizeof(*r));
}

/* One transfer in flight. */
struct xfer {
	CURL *easy;
	struct curl_slist *hdrs;
	curl_mime *mime;
	struct http_request req;      /* our copy: curl points into it */
	struct http_response resp;
	void *userdata;
	int toobig;
	uint64_t t0;
	struct xfer *next;            /* in the done list */
};

struct http_loop {
	CURLM *multi;
	size_t running;
	struct xfer *done_head, *done_tail;
	struct xfer **all;            /* running transfers, for cancel */
	size_t nall, allcap;
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;

static void
global_init(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatal("cannot initialise libcurl");
}

struct http_loop *
http_loop_new(void)
{
	struct http_loop *l;

	pthread_once(&global_once, global_init);
	l = xcalloc(1, sizeof(*l));
	l->multi = curl_multi_init();
	if (!l->multi)
		fatal("cannot initialise libcurl");
	/* reuse connections per host; a little pipelining-free parallelism */
	curl_multi_setopt(l->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 0L);
	curl_multi_setopt(l->multi, CURLMOPT_MAXCONNECTS, 64L);
	return l;
}

static void
xfer_free(struct xfer *x)
{
	if (x->easy)
		curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->hdrs);
	curl_mime_free(x->mime);
	http_request_release(&x->req);
	http_response_release(&x->resp);
	free(x);
}

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;

	if (buf_put(&x->resp.body, data, size * n) < 0) {
		x->toobig = 1;
		return 0;
	}
	return size * n;
}

static size_t
on_header(char *data, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	struct http_response *r = &x->resp;
	size_t len = size * n, i;
	char *colon, *name, *end;

	if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		/* a new response (after 100-continue or a redirect): start over */
		headers_free(r->headers, r->nheaders);
		r->headers = NULL;
		r->nheaders = r->hcap = 0;
		return len;
	}
	colon = memchr(data, ':', len);
	if (!colon || r->nheaders >= 200)
		return len;
	name = xstrndup(data, (size_t)(colon - data));
	for (i = 0; name[i]; i++)
		if (name[i] >= 'A' && name[i] <= 'Z')
			name[i] = (char)(name[i] - 'A' + 'a');
	colon++;
	while (colon < data + len && (*colon == ' ' || *colon == '\t'))
		colon++;
	end = data + len;
	while (end > colon && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	if (strcmp(name, "content-length") == 0 && end > colon && *colon >= '0' && *colon <= '9') {
		/* the body in one allocation, not a series of doublings (the
		 * cap still applies: a larger length is refused as it arrives) */
		unsigned long long cl = strtoull(colon, NULL, 10);

		if (cl > 0 && cl <= r->body.max && r->body.len == 0 && strcmp(x->req.method, "HEAD") != 0)
			buf_reserve(&r->body, (size_t)cl);
	}
	r->headers = xgrow(r->headers, &r->hcap, r->nheaders + 1, sizeof(*r->headers));
	r->headers[r->nheaders].name = name;
	r->headers[r->nheaders].value = xstrndup(colon, (size_t)(end - colon));
	r->nheaders++;
	return len;
}

void
http_loop_add(struct http_loop *l, const struct http_request *req, long timeout_ms, void *userdata)
{
	http_loop_add_into(l, req, timeout_ms, userdata, NULL);
}

void
http_loop_add_into(struct http_loop *l, const struct http_request *req, long timeout_ms,
		   void *userdata, struct buf *into)
{
	struct xfer *x = xcalloc(1, sizeof(*x));
	size_t i, max = req->max_body && req->max_body < HTTP_MAX_BODY ? req->max_body : HTTP_MAX_BODY;
	long connect_ms = CONNECT_TIMEOUT_MS;

	request_copy(&x->req, req);
	x->userdata = userdata;
	buf_init(&x->resp.body, max);
	if (into) {
		/* reuse its memory: no fresh pages to fault in for this body */
		x->resp.body.data = into->data;
		x->resp.body.cap = into->cap;
		if (x->resp.body.data)
			x->resp.body.data[0] = '\0';
		memset(into, 0, sizeof(*into));
	}
	x->easy = curl_easy_init();
	if (!x->easy)
		fatal("cannot initialise libcurl");
	curl_easy_setopt(x->easy, CURLOPT_URL, x->req.url);
	curl_easy_setopt(x->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(x->easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(x->easy, CURLOPT_NOSIGNAL, 1L);
	/* follow redirects only without credentials: libcurl keeps custom
	 * headers such as Api-Key on a redirect to another host (it sends
	 * ~/.netrc's only to the host they are for) */
	curl_easy_setopt(x->easy, CURLOPT_FOLLOWLOCATION,
			 x->req.secret < 0 && !x->req.userpwd ? 1L : 0L);
	if (x->req.userpwd)
		curl_easy_setopt(x->easy, CURLOPT_USERPWD, x->req.userpwd);
	if (x->req.aws_sigv4)
		curl_easy_setopt(x->easy, CURLOPT_AWS_SIGV4, x->req.aws_sigv4);
	if (x->req.netrc)
		curl_easy_setopt(x->easy, CURLOPT_NETRC, (long)CURL_NETRC_OPTIONAL);
	curl_easy_setopt(x->easy, CURLOPT_MAXREDIRS, 5L);
	if (timeout_ms > 0 && timeout_ms < connect_ms)
		connect_ms = timeout_ms;
	if (req->stall_ms > 0 && req->stall_ms < connect_ms)
		connect_ms = req->stall_ms;
	curl_easy_setopt(x->easy, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
	if (timeout_ms > 0)
		curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS, timeout_ms);
	if (req->stall_ms > 0) {
		/* a server that accepts and then says nothing, or trickles,
		 * fails in stall_ms, not in the whole timeout */
		curl_easy_setopt(x->easy, CURLOPT_LOW_SPEED_LIMIT, HTTP_STALL_BYTES);
		curl_easy_setopt(x->easy, CURLOPT_LOW_SPEED_TIME, (req->stall_ms + 999) / 1000);
	}
	/* a Content-Length over the cap fails before any of the body comes
	 * (a HEAD's Content-Length is of a body it does not get) */
	if (strcmp(x->req.method, "HEAD") != 0)
		curl_easy_setopt(x->easy, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max);
	curl_easy_setopt(x->easy, CURLOPT_USERAGENT, "assetgen/" ASSETGEN_VERSION);
	/* fewer, larger reads than the 16 KiB default (the curl tool uses
	 * 100 KiB too) */
	curl_easy_setopt(x->easy, CURLOPT_BUFFERSIZE, HTTP_RECV_BUFFER);
	curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(x->easy, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_PRIVATE, x);
	for (i = 0; i < x->req.nheaders; i++) {
		char *h = xasprintf("%s: %s", x->req.headers[i].name, x->req.headers[i].value);

		x->hdrs = curl_slist_append(x->hdrs, h);
		free(h);
	}
	/* no "Expect: 100-continue" round trip for uploads; but not when
	 * signing with SigV4, where libcurl would sign the header it removes
	 * (an empty "expect") and the server would find another signature */
	if (!x->req.aws_sigv4)
		x->hdrs = curl_slist_append(x->hdrs, "Expect:");
	curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->hdrs);
	if (x->req.nparts) {
		x->mime = curl_mime_init(x->easy);
		for (i = 0; i < x->req.nparts; i++) {
			const struct http_part *p = &x->req.parts[i];
			curl_mimepart *mp = curl_mime_addpart(x->mime);

			curl_mime_name(mp, p->name);
			curl_mime_data(mp, p->data, p->len);
			if (p->filename)
				curl_mime_filename(mp, p->filename);
			if (p->type)
				curl_mime_type(mp, p->type);
		}
		curl_easy_setopt(x->easy, CURLOPT_MIMEPOST, x->mime);
	} else if (strcmp(x->req.method, "POST") == 0) {
		curl_easy_setopt(x->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->req.body.len);
		curl_easy_setopt(x->easy, CURLOPT_POSTFIELDS, x->req.body.data ? x->req.body.data : "");
	} else if (strcmp(x->req.method, "HEAD") == 0) {
		/* not CUSTOMREQUEST: libcurl would wait for a body that never comes */
		curl_easy_setopt(x->easy, CURLOPT_NOBODY, 1L);
	} else if (strcmp(x->req.method, "GET") != 0) {
		curl_easy_setopt(x->easy, CURLOPT_CUSTOMREQUEST, x->req.method);
		if (x->req.body.len) {
			curl_easy_setopt(x->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->req.body.len);
			curl_easy_setopt(x->easy, CURLOPT_POSTFIELDS, x->req.body.data);
		}
	}
	x->t0 = now_ns();
	l->all = xgrow(l->all, &l->allcap, l->nall + 1, sizeof(*l->all));
	l->all[l->nall++] = x;
	curl_multi_add_handle(l->multi, x->easy);
	l->running++;
}

static enum http_transport
classify(CURLcode rc, int toobig)
{
	switch (rc) {
	case CURLE_OK:
		return HTTP_OK;
	case CURLE_OPERATION_TIMEDOUT:
		return HTTP_TIMEOUT;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return HTTP_CONNECT;
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return HTTP_RESET;
	case CURLE_WRITE_ERROR:
		return toobig ? HTTP_TOOBIG : HTTP_OTHER;
	case CURLE_FILESIZE_EXCEEDED:
		return HTTP_TOOBIG;
	default:
		return HTTP_OTHER;
	}
}

static void
unlist(struct http_loop *l, struct xfer *x)
{
	size_t i;

	for (i = 0; i < l->nall; i++) {
		if (l->all[i] == x) {
			l->all[i] = l->all[--l->nall];
			return;
		}
	}
}

static void
collect(struct http_loop *l)
{
	struct CURLMsg *m;
	struct xfer *x;
	int left;
	long status;

	while ((m = curl_multi_info_read(l->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		status = 0;
		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
		x->resp.status = status;
		x->resp.transport = classify(m->data.result, x->toobig);
		if (x->resp.transport == HTTP_OK && status == 0)
			x->resp.transport = HTTP_OTHER;
		if (x->resp.transport != HTTP_OK) {
			if (x->resp.transport == HTTP_TOOBIG && x->resp.body.max >= ((size_t)1 << 20))
				x->resp.error = xasprintf("response larger than %zu MiB", x->resp.body.max >> 20);
			else if (x->resp.transport == HTTP_TOOBIG)
				x->resp.error = xasprintf("response larger than %zu bytes", x->resp.body.max);
			else
				x->resp.error = xstrdup(curl_easy_strerror(m->data.result));
		}
		x->resp.seconds = (double)(now_ns() - x->t0) / 1e9;
		curl_multi_remove_handle(l->multi, x->easy);
		unlist(l, x);
		l->running--;
		if (l->done_tail)
			l->done_tail->next = x;
		else
			l->done_head = x;
		l->done_tail = x;
	}
}

void
http_loop_poll(struct http_loop *l, int timeout_ms)
{
	int still;

	curl_multi_perform(l->multi, &still);
	collect(l);
	if (l->done_head || timeout_ms <= 0)
		return;
	curl_multi_poll(l->multi, NULL, 0, timeout_ms, NULL);
	curl_multi_perform(l->multi, &still);
	collect(l);
}

int
http_loop_next(struct http_loop *l, void **userdata, struct http_response *out)
{
	struct xfer *x = l->done_head;

	if (!x)
		return 0;
	l->done_head = x->next;
	if (!l->done_head)
		l->done_tail = NULL;
	*userdata = x->userdata;
	*out = x->resp;
	memset(&x->resp, 0, sizeof(x->resp));
	xfer_free(x);
	return 1;
}

size_t
http_loop_running(const struct http_loop *l)
{
	return l->running;
}

void
http_loop_wakeup(struct http_loop *l)
{
	curl_multi_wakeup(l->multi);
}

void
http_loop_cancel_all(struct http_loop *l)
{
	struct xfer *x;

	while (l->nall) {
		x = l->all[--l->nall];
		curl_multi_remove_handle(l->multi, x->easy);
		xfer_free(x);
	}
	l->running = 0;
	while ((x = l->done_head)) {
		l->done_head = x->next;
		xfer_free(x);
	}
	l->done_tail = NULL;
}

void
http_loop_free(struct http_loop *l)
{
	if (!l)
		return;
	http_loop_cancel_all(l);
	free(l->all);
	curl_multi_cleanup(l->multi);
	free(l);
}

void
http_fetch(const struct http_request *req, long timeout_ms, struct http_response *out)
{
	struct http_loop *l = http_loop_new();
	void *ud;

	http_loop_add(l, req, timeout_ms, NULL);
	while (!http_loop_next(l, &ud, out))
		http_loop_poll(l, 1000);
	http_loop_free(l);
}
