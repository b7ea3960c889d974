/* provider/queue.c - what the queued providers share (bfl, fal,
 * replicate, comfyui): a job's record, polling, and expired results */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "provider.h"
#include "util.h"

#define QUEUE_WAIT_MAX 600.0    /* seconds a job is polled when the model sets no timeout */

json_t *
queue_json(const struct http_response *resp)
{
	json_t *root = json_loadb(resp->body.data ? resp->body.data : "", resp->body.len, 0, NULL);

	if (!json_is_object(root)) {
		json_decref(root);
		return NULL;
	}
	return root;
}

char *
queue_job_field(const char *job, const char *name)
{
	json_t *root = job ? json_loads(job, 0, NULL) : NULL;
	const char *v = json_string_value(json_object_get(root, name));
	char *out = v && *v ? xstrdup(v) : NULL;

	json_decref(root);
	return out;
}

/* The length of "scheme://host[:port]" at the start of url, or 0. */
static size_t
origin_len(const char *url)
{
	const char *p = strstr(url, "://");

	if (!p)
		return 0;
	p += 3;
	p += strcspn(p, "/?#");
	return (size_t)(p - url);
}

int
queue_same_origin(const char *endpoint, const char *url)
{
	size_t n = origin_len(endpoint);

	return n > 0 && origin_len(url) == n && strncasecmp(endpoint, url, n) == 0 &&
	       !memchr(url, '@', n);
}

void
queue_poll(const struct provider_call *c, struct provider_reply *out, const char *url,
	   const char *hname, const char *hvalue, int step, const char *state)
{
	http_request_release(&out->next);
	http_request_init(&out->next, "GET", url);
	if (hname && queue_same_origin(c->endpoint, url))
		http_request_secret_header(&out->next, hname, hvalue);
	out->follow = 1;
	out->poll = 1;
	out->goto_step = step;
	if (state)
		out->job_state = state;
}

int
queue_poll_more(const char *who, const struct provider_call *c, struct provider_reply *out,
		double interval)
{
	double limit = c->model && c->model->timeout > 0 ? c->model->timeout : QUEUE_WAIT_MAX;

	if ((double)c->polls * (interval > 0 ? interval : 1.0) < limit)
		return 1;
	/* still recorded as in flight: the next build picks it up */
	provider_fail(out, FAULT_RETRY, "%s: the job is still not done after %.0f s", who, limit);
	out->job_state = NULL;
	return 0;
}

void
queue_poll_failed(const char *who, const struct provider_call *c,
		  const struct http_response *resp, struct provider_reply *out, const char *url,
		  const char *hname, const char *hvalue, int step)
{
	struct provider_reply tmp;

	if (resp->transport == HTTP_OK && (resp->status == 404 || resp->status == 410)) {
		provider_fail(out, FAULT_RETRY, "%s: the service no longer knows the job (HTTP %ld)",
			      who, resp->status);
		out->lost = 1;
		out->job_state = "lost";
		return;
	}
	provider_reply_init(&tmp);
	provider_http_failed(who, resp, &tmp);
	if (fault_retryable(tmp.fault)) {
		/* the job runs on whatever the status request met */
		out->retry_after = tmp.retry_after;
		provider_reply_release(&tmp);
		if (!queue_poll_more(who, c, out, 1.0))
			return;
		queue_poll(c, out, url, hname, hvalue, step, NULL);
		return;
	}
	out->fault = tmp.fault;
	out->err = tmp.err;
	tmp.err = NULL;
	provider_reply_release(&tmp);
}

void
queue_download(const char *who, const struct http_response *resp, struct provider_reply *out)
{
	provider_reply_download(who, resp, out);
	if (out->fault != FAULT_NONE && resp->transport == HTTP_OK &&
	    (resp->status == 403 || resp->status == 404 || resp->status == 410)) {
		free(out->err);
		out->err = xasprintf("%s: the result expired (HTTP %ld on its download)", who,
				     resp->status);
		out->lost = 1;
		out->job_state = "expired";
	}
}

enum param_use
queue_param(const char *who, const struct param *p, const char *const *reserved, size_t nreserved,
	    char **why)
{
	if (provider_name_in(p->name, reserved, nreserved)) {
		*why = xasprintf("'%s' is set by assetgen (from the asset's own field)", p->name);
		return PARAM_REJECT;
	}
	if (strcmp(p->name, "steps") == 0 || strcmp(p->name, "guidance") == 0)
		return PARAM_SEND;
	if (provider_param_portable(p->name)) {
		*why = xasprintf("%s models take no portable %s (give the model's own input)", who,
				 p->name);
		return PARAM_DROP;
	}
	return PARAM_SEND;
}

const char *
queue_param_name(const struct param *p)
{
	if (strcmp(p->name, "steps") == 0)
		return "num_inference_steps";
	if (strcmp(p->name, "guidance") == 0)
		return "guidance_scale";
	return p->name;
}
