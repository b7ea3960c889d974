/* provider/fal.c - fal.ai's queue API
 *
 * POST {endpoint}/{model} (https://queue.fal.run/fal-ai/flux/dev) with
 * "Authorization: Key <key>" and the model's JSON input {"prompt",
 * "negative_prompt", "seed", "image_size": {"width", "height"}, params...}
 * -> {"request_id", "status_url", "response_url", "cancel_url"}: the job,
 * recorded before the build waits.  GET status_url answers 202 while the
 * job is IN_QUEUE or IN_PROGRESS and 200 once COMPLETED; then GET
 * response_url -> {"images": [{"url"}], "seed", "has_nsfw_concepts"},
 * and the image itself (no key).  Results are kept for 6 minutes when
 * large: a 404 on them is an expired result.  Cancel: PUT cancel_url.
 * The key is only sent to the endpoint's own origin.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "provider.h"
#include "util.h"

#define WHO "fal"

static const char *const reserved[] = { "prompt", "negative_prompt", "seed", "image_size" };

static char *
auth(const struct provider_call *c)
{
	return xasprintf("Key %s", c->api_key ? c->api_key : "");
}

/* A model's input is its own: every param is sent, under its own name,
 * but for the fields assetgen sets itself. */
static enum param_use
fal_param(const struct model *m, const struct param *p, char **why)
{
	(void)m;
	return queue_param(WHO, p, reserved, sizeof(reserved) / sizeof(reserved[0]), why);
}

static int
fal_check_model(const struct model *m, char **err)
{
	const char *id = m->model ? m->model : "";

	/* owner/app[/subpath] */
	if (strchr(id, '/') && id[0] != '/' && !strstr(id, "..") && !strpbrk(id, "?#% "))
		return 0;
	*err = xasprintf("fal model '%s' is not a model id such as fal-ai/flux/dev", id);
	return -1;
}

static int
fal_request(const struct provider_call *c, struct http_request *out, char **err)
{
	const struct render_req *r = c->req;
	json_t *root;
	char *body, *url, *path, *a;
	size_t i;

	root = json_object();
	json_object_set_new(root, "prompt", json_string(r->prompt));
	if (r->negative_prompt && *r->negative_prompt)
		json_object_set_new(root, "negative_prompt", json_string(r->negative_prompt));
	json_object_set_new(root, "seed", json_integer((json_int_t)(r->seed % 2147483648ull)));
	json_object_set_new(root, "image_size", json_pack("{s:i, s:i}", "width", (int)r->width,
							  "height", (int)r->height));
	for (i = 0; i < r->nparams; i++) {
		char *why = NULL;

		if (queue_param(WHO, &r->params[i], reserved, sizeof(reserved) / sizeof(reserved[0]),
				&why) == PARAM_SEND)
			json_object_set_new(root, queue_param_name(&r->params[i]),
					    provider_param_json(&r->params[i]));
		free(why);
	}
	body = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (!body) {
		*err = xstrdup(WHO ": cannot encode the request");
		return -1;
	}
	path = xasprintf("/%s", c->model->model);
	url = provider_url(c->endpoint, path);
	http_request_init(out, "POST", url);
	free(path);
	free(url);
	buf_puts(&out->body, body);
	free(body);
	http_request_header(out, "Content-Type", "application/json");
	a = auth(c);
	http_request_secret_header(out, "Authorization", a);
	free(a);
	return 0;
}

/* GET a URL of the job record with the key (when it is the endpoint's). */
static void
poll(const struct provider_call *c, struct provider_reply *out, const char *url, int step,
     const char *state)
{
	char *a = auth(c);

	queue_poll(c, out, url, "Authorization", a, step, state);
	free(a);
}

static void
reply_submit(const struct provider_call *c, const struct http_response *resp,
	     struct provider_reply *out)
{
	const char *names[] = { "request_id", "status_url", "response_url", "cancel_url" };
	json_t *root, *job;
	const char *v;
	size_t i;

	if (provider_http_failed(WHO, resp, out))
		return;
	if (!(root = queue_json(resp))) {
		provider_fail(out, FAULT_RETRY, WHO ": invalid JSON in response");
		return;
	}
	job = json_object();
	for (i = 0; i < 4; i++) {
		v = json_string_value(json_object_get(root, names[i]));
		if (v && *v && strlen(v) < 2000 && (i == 0 || str_has_prefix(v, "https://") ||
						    str_has_prefix(v, "http://")))
			json_object_set_new(job, names[i], json_string(v));
		else if (i < 3)
			break;
	}
	json_decref(root);
	if (i < 3) {
		provider_fail(out, FAULT_RETRY, WHO ": no %s in the queue's response", names[i]);
		json_decref(job);
		return;
	}
	out->job = json_dumps(job, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(job);
	{
		char *u = queue_job_field(out->job, "status_url");

		poll(c, out, u, 1, "queued");
		free(u);
	}
}

static void
reply_status(const struct provider_call *c, const struct http_response *resp,
	     struct provider_reply *out)
{
	char *su = queue_job_field(c->job, "status_url"), *ru = queue_job_field(c->job, "response_url");
	char *a = auth(c);
	json_t *root;
	const char *st;

	if (!su || !ru) {
		provider_fail(out, FAULT_RETRY, WHO ": no job to poll");
		out->lost = 1;
	} else if (resp->transport != HTTP_OK || resp->status < 200 || resp->status > 299) {
		queue_poll_failed(WHO, c, resp, out, su, "Authorization", a, 1);
	} else if (!(root = queue_json(resp))) {
		provider_fail(out, FAULT_RETRY, WHO ": invalid JSON in status response");
	} else {
		st = json_string_value(json_object_get(root, "status"));
		if (resp->status == 200 && st && strcmp(st, "COMPLETED") == 0) {
			poll(c, out, ru, 2, "ready");
			out->poll = 0;
		} else if (resp->status == 202 && st && (strcmp(st, "IN_QUEUE") == 0 ||
							 strcmp(st, "IN_PROGRESS") == 0)) {
			if (queue_poll_more(WHO, c, out, provider_fal.poll_interval))
				poll(c, out, su, 1, st[3] == 'Q' ? "queued" : "running");
		} else {
			provider_fail(out, FAULT_RETRY, WHO ": unexpected status %.40s (HTTP %ld)",
				      st ? st : "(none)", resp->status);
		}
		json_decref(root);
	}
	free(su);
	free(ru);
	free(a);
}

static void
reply_result(const struct provider_call *c, const struct http_response *resp,
	     struct provider_reply *out)
{
	json_t *root, *img, *v;
	const char *url;
	char *s;

	(void)c;
	if (resp->transport == HTTP_OK && (resp->status == 404 || resp->status == 410)) {
		provider_fail(out, FAULT_RETRY, WHO ": the result expired (HTTP %ld)", resp->status);
		out->lost = 1;
		out->job_state = "expired";
		return;
	}
	if (provider_http_failed(WHO, resp, out)) {
		/* the model's own error, after the job ran: not worth a retry */
		if (resp->transport == HTTP_OK && resp->status == 422)
			out->fault = FAULT_PERMANENT;
		return;
	}
	if (!(root = queue_json(resp))) {
		provider_fail(out, FAULT_RETRY, WHO ": invalid JSON in the result");
		return;
	}
	v = json_array_get(json_object_get(root, "has_nsfw_concepts"), 0);
	img = json_array_get(json_object_get(root, "images"), 0);
	url = json_string_value(json_object_get(img, "url"));
	if (json_is_true(v)) {
		provider_fail(out, FAULT_SAFETY, WHO ": the image was flagged as not safe for work");
		out->job_state = "moderated";
	} else if (!url || (!str_has_prefix(url, "https://") && !str_has_prefix(url, "http://"))) {
		provider_fail(out, FAULT_RETRY, WHO ": no image url in the result");
	} else {
		v = json_object_get(root, "seed");
		if (json_is_integer(v)) {
			s = xasprintf("%lld", (long long)json_integer_value(v));
			meta_add(&out->extra, "provider:seed", s);
			free(s);
		}
		http_request_init(&out->next, "GET", url);
		out->follow = 1;
		out->goto_step = 3;
	}
	json_decref(root);
}

static void
fal_reply(const struct provider_call *c, const struct http_response *resp, struct provider_reply *out)
{
	switch (c->step) {
	case 0: reply_submit(c, resp, out); break;
	case 1: reply_status(c, resp, out); break;
	case 2: reply_result(c, resp, out); break;
	default: queue_download(WHO, resp, out); break;
	}
}

static int
fal_resume(const struct provider_call *c, const char *job, struct http_request *out, int *step)
{
	char *u = queue_job_field(job, "status_url"), *a;

	if (!u)
		return -1;
	http_request_init(out, "GET", u);
	if (queue_same_origin(c->endpoint, u)) {
		a = auth(c);
		http_request_secret_header(out, "Authorization", a);
		free(a);
	}
	free(u);
	*step = 1;
	return 0;
}

static int
fal_cancel(const struct provider_call *c, const char *job, struct http_request *out)
{
	char *u = queue_job_field(job, "cancel_url"), *a;

	if (!u || !queue_same_origin(c->endpoint, u)) {
		free(u);
		return -1;
	}
	http_request_init(out, "PUT", u);
	a = auth(c);
	http_request_secret_header(out, "Authorization", a);
	free(a);
	free(u);
	return 0;
}

const struct provider provider_fal = {
	.name = "fal",
	.impl = "queue/1",
	.default_endpoint = "https://queue.fal.run",
	.concurrency = 2,           /* a new account's; excess requests wait in the queue */
	.needs_key = 1,
	.request = fal_request,
	.reply = fal_reply,
	.check_model = fal_check_model,
	.param = fal_param,
	.resume = fal_resume,
	.cancel = fal_cancel,
	.poll_interval = 1.0,
};
