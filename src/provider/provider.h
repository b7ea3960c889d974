/* provider/provider.h - the provider interface: one file per provider
 *
 * A provider turns a generation request into image bytes.  The built-in
 * provider renders synchronously on a worker thread (render).  HTTP
 * providers are two pure functions the scheduler drives: request() builds
 * the HTTP request from the call, reply() reads a response - classifying
 * any failure, or asking for a follow-up request (Ideogram's download of
 * the returned URL) - so each wire format is one file with no I/O, tested
 * against recorded shapes and against tests/fake/.  Transfers run in the
 * one libcurl loop; reply() runs on a worker thread (JSON, base64).
 */
#ifndef PROVIDER_H
#define PROVIDER_H

#include "buf.h"
#include "http.h"
#include "image.h"
#include "png.h"
#include "recipe.h"
#include "render/render.h"

enum fault {
	FAULT_NONE = 0,
	FAULT_RETRY,        /* 408, 409, 429, 5xx, timeouts, resets, bad JSON, bad image */
	FAULT_OOM,          /* GPU out of memory: retryable */
	FAULT_PERMANENT,    /* 400, 401, 403, 404, 422, unsupported request */
	FAULT_SAFETY,       /* content policy / safety rejection: permanent */
};

const char *fault_name(enum fault f);
int fault_retryable(enum fault f);

struct provider_call {
	const struct model *model;
	const struct render_req *req;   /* prompt, negative prompt, seed, size, merged params */
	const char *api_key;            /* from the environment; NULL when none is needed */
	const char *endpoint;           /* model->endpoint, or the provider's default */
	int step;                       /* 0 for the first request, then 1, 2 for follow-ups */
	/* upscale calls (upscaler providers only) */
	const struct buf *image;        /* PNG to upscale, or NULL for generation */
	uint32_t up_width, up_height;   /* target size */
	uint32_t up_factor;             /* 0 when a target size is given */
	int polls;                      /* queued APIs: status requests sent for this job */
	const char *job;                /* and the job's record (provider_reply.job), once
	                                   submitted or resumed; NULL before */
};

/* What an asset asks of a model (provider_native). */
struct provider_need {
	uint32_t width, height;         /* the asset's size */
	int transparent;                /* a transparent background (background: transparent) */
	int text;                       /* words in the image (expect_text) */
};

struct provider_reply {
	enum fault fault;               /* FAULT_NONE: success or follow-up */
	char *err;                      /* malloc'd message when failed; after
					 * provider_reply_scrub, no key and no control */
	double retry_after;             /* seconds the server asked us to wait; < 0: none */
	int follow;                     /* 1: send `next` and call reply() again with step+1 */
	struct http_request next;
	struct buf image;               /* the encoded image (PNG, JPEG or WebP) when done */
	struct meta extra;              /* metadata to keep: provider:seed, render_meta, ... */
	/* queued APIs (jobs.h) */
	char *job;                      /* malloc'd: the job just submitted, as resume() takes
	                                   it back (its id, polling URLs); recorded before
	                                   the build waits on it */
	const char *job_state;          /* "queued", "running", "ready", "moderated", ...: the
	                                   job's state as the service said it, or NULL */
	int poll;                       /* 1: `next` asks for the job's status again, sent
	                                   after the provider's polling interval (or
	                                   retry_after if longer) */
	int goto_step;                  /* > 0: `next` is step goto_step, not step + 1 */
	int lost;                       /* with a fault: the service no longer knows the job,
	                                   or its result expired: submit it again */
};

/* How a model takes one of the recipe's params (provider->param). */
enum param_use {
	PARAM_SEND = 0,     /* sent, under the API's own name */
	PARAM_DROP,         /* the API has no such field: left out, with a note */
	PARAM_REJECT,       /* the model cannot take it: a config error */
};

void provider_reply_init(struct provider_reply *r);
void provider_reply_release(struct provider_reply *r);

struct provider {
	const char *name;               /* as in assetgen.yaml's `provider:` */
	const char *impl;               /* implementation version, part of the model identity */
	const char *default_endpoint;   /* NULL: `endpoint` is required */
	int concurrency;                /* default per-model concurrency */
	int needs_key;                  /* api_key_env required */
	double timeout;                 /* default seconds per request, as the
					 * official SDK's; 0: 120 */
	unsigned inputs;                /* the input roles it sends, a bit (1 << role)
					 * each (recipe.h); 0: it takes no input images */
	/* Synchronous renderer (builtin); NULL for HTTP providers. */
	int (*render)(const struct model *m, const struct render_req *req,
		      struct image *out, struct meta *extra, char **err);
	/* HTTP: build the first request.  0, or -1 with *err (permanent). */
	int (*request)(const struct provider_call *c, struct http_request *out, char **err);
	/* HTTP: read a response into out (initialised by the caller). */
	void (*reply)(const struct provider_call *c, const struct http_response *resp,
		      struct provider_reply *out);
	/* Can this model make an asset of this size?  0, or -1 with *err
	 * (reported as a config error before anything runs).  May be NULL. */
	int (*check)(const struct model *m, uint32_t width, uint32_t height, char **err);
	/* Can this model id be called today?  0, or -1 with *err naming the
	 * replacement of a retired model (a config error).  May be NULL. */
	int (*check_model)(const struct model *m, char **err);
	/* How model m takes param p: sent, dropped or refused, *why
	 * (malloc'd) saying why for the last two.  request() sends exactly
	 * the params this calls PARAM_SEND.  NULL: all are sent. */
	enum param_use (*param)(const struct model *m, const struct param *p, char **why);
	/* Upscaler: build the request for c->image.  NULL if the provider
	 * cannot upscale.  Replies go through reply(). */
	int (*upscale_request)(const struct provider_call *c, struct http_request *out, char **err);
	/* The size nearest need's that m renders natively, in *nw x *nh: the
	 * request asks for it, and the fit stage (fit.h) makes the asset's
	 * exact size from what comes back.  0, or -1 with *why (malloc'd)
	 * when m cannot serve the asset at all: routing skips it before any
	 * request.  NULL: every size is native, every asset served. */
	int (*native)(const struct model *m, const struct provider_need *need,
		      uint32_t *nw, uint32_t *nh, char **why);
	/* Queued APIs: the request that picks up a job recorded by an earlier
	 * build (job: what reply() put in `job`), and its step in *step.  0, or
	 * -1 when the record is unreadable (the job is submitted again).
	 * NULL for synchronous APIs. */
	int (*resume)(const struct provider_call *c, const char *job, struct http_request *out,
		      int *step);
	/* The request that cancels a job in flight, or -1 when the API has
	 * none.  May be NULL. */
	int (*cancel)(const struct provider_call *c, const char *job, struct http_request *out);
	double poll_interval;           /* seconds between status requests of one job: the
	                                   API's documented limit; 0: 1 s */
};

/* The provider named name, or NULL for an unknown name. */
const struct provider *provider_find(const char *name);
/* Every provider's name, in the registry's order; *n of them. */
const char *const *provider_names(size_t *n);
/* p->native, or the exact size when p has none (p may be NULL). */
int provider_native(const struct provider *p, const struct model *m,
		    const struct provider_need *need, uint32_t *nw, uint32_t *nh, char **why);

/* Shared by the HTTP providers (provider/common.c):
 * classify a non-2xx or failed transfer into out (fault, err, retry_after
 * from retry-after-ms / Retry-After seconds or HTTP date); returns 1 when
 * the response was a failure, 0 for a 2xx. */
int provider_http_failed(const char *who, const struct http_response *resp, struct provider_reply *out);
/* What a provider's reply may keep: at most this many bytes of metadata
 * values in all (a value past it is replaced by a note saying so). */
#define PROVIDER_META_MAX (64 * 1024)
/* Clean a reply before anything stores, prints or reports it: every
 * secret the call sent (the key, the endpoint's user:password; as sent,
 * in any case, percent-encoded, JSON-escaped, base64, or after "Bearer ")
 * cut from err and from every extra value, err made one printable line
 * (controls escaped), extra capped at PROVIDER_META_MAX.  The scheduler
 * calls it on every reply of every provider. */
void provider_reply_scrub(const struct provider_call *c, struct provider_reply *r);
/* Cut from the malloc'd *text (replaced) every secret the call sends, in
 * each of those forms: for text a server chose that is printed apart
 * from a reply, such as the URL of a follow-up request under -v. */
void provider_redact(const struct provider_call *c, char **text);
/* Base64 decode (tolerating a data: URL prefix and whitespace) into out.
 * 0 or -1. */
int provider_base64_decode(const char *s, size_t len, struct buf *out);
/* Base64 encode; malloc'd. */
char *provider_base64_encode(const void *data, size_t len);

/* A recipe's mask (white: change, black: keep; the grey between is
 * partial) in an API's polarity, as a PNG appended to out:
 *   MASK_WHITE     RGB, white changes (A1111, Stability, BFL Fill);
 *   MASK_ALPHA0    RGBA, black, alpha 0 where it changes and 255 where it
 *                  keeps (OpenAI edits; ComfyUI's LoadImage MASK);
 *   MASK_BLACK     RGB, black changes (Ideogram edit).
 * 0, or -1 with *err (malloc'd). */
enum mask_polarity { MASK_WHITE, MASK_ALPHA0, MASK_BLACK };
int provider_mask_png(const struct image *mask, enum mask_polarity pol, struct buf *out,
		      char **err);
/* The render input of role r, or NULL. */
const struct render_input *provider_input(const struct render_req *req, enum input_role r);
/* Parse a Retry-After value (delta-seconds or HTTP-date); < 0 if invalid. */
double provider_parse_retry_after(const char *v);

/* Set out's fault and message (the image is dropped). */
void provider_fail(struct provider_reply *out, enum fault f, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A param as JSON: numbers and booleans typed, the rest strings. */
struct json_t;
struct json_t *provider_param_json(const struct param *p);
/* Is the Content-Type ct of media type type (parameters ignored)? */
int provider_media_is(const char *ct, const char *type);
/* Read the download of an image a provider linked to (Ideogram, OpenAI
 * URLs): a failed download is retryable, as the link may have expired. */
void provider_reply_download(const char *who, const struct http_response *resp,
			     struct provider_reply *out);
/* Is name one of the params every provider understands (steps,
 * guidance, sampler, quality, style, negative_prompt, background)?  A
 * provider whose API lacks one drops it; any other name must be one its
 * API documents. */
int provider_param_portable(const char *name);
/* A documented enum field: PARAM_SEND when p is a string among the n
 * values, else PARAM_REJECT with *why listing them. */
enum param_use provider_param_enum(const struct param *p, const char *const *values, size_t n,
				   char **why);
/* Is name one of the n strings of list? */
int provider_name_in(const char *name, const char *const *list, size_t n);
/* "a, b or c" for the n strings of list; malloc'd. */
char *provider_name_list(const char *const *list, size_t n);
/* endpoint (trailing slashes dropped) + path; malloc'd. */
char *provider_url(const char *endpoint, const char *path);

/* POST root (consumed) as compact JSON to endpoint + path (path NULL:
 * the endpoint itself), Content-Type set.  -1 with *err ("WHO: cannot
 * encode the request") when it cannot be encoded. */
int provider_post_json(const char *who, const char *endpoint, const char *path,
		       struct json_t *root, struct http_request *out, char **err);
/* resp's body as a JSON object (the caller's to json_decref), or NULL
 * after failing out with "WHO: invalid JSON in response" (retryable). */
struct json_t *provider_reply_object(const char *who, const struct http_response *resp,
				     struct provider_reply *out);

/* APIs that take an aspect ratio from a documented list of w:h pairs. */
/* The pair of list[n] nearest to w:h (on a log scale): its index. */
size_t provider_ratio_nearest(const uint32_t (*list)[2], size_t n, uint32_t w, uint32_t h);
/* 0 when w:h is exactly one of the list, else -1 with *err naming the
 * list and the nearest pair ("WHO cannot make WxH: ..."). */
int provider_ratio_check(const char *who, const uint32_t (*list)[2], size_t n,
			 uint32_t w, uint32_t h, char **err);
/* The size of about one megapixel in exactly the ratio of list nearest
 * to need; -1 with *why when need asks for transparency (no_alpha says
 * why not). */
int provider_ratio_native(const uint32_t (*list)[2], size_t n, const struct provider_need *need,
			  const char *no_alpha, uint32_t *nw, uint32_t *nh, char **why);
/* Shared by the queued providers (provider/queue.c). */
struct json_t;
/* The body as a JSON object, or NULL. */
struct json_t *queue_json(const struct http_response *resp);
/* A string member of the JSON object text job (a job's record), malloc'd,
 * or NULL. */
char *queue_job_field(const char *job, const char *name);
/* Does url have the scheme, host and port of endpoint?  A credential is
 * only sent to a URL the service gave when it does. */
int queue_same_origin(const char *endpoint, const char *url);
/* Ask for the job's status at url (again): out->next, polled after the
 * provider's interval, as step `step`; the credential header name: value
 * only when url is the endpoint's origin.  state: the job's, or NULL. */
void queue_poll(const struct provider_call *c, struct provider_reply *out, const char *url,
		const char *hname, const char *hvalue, int step, const char *state);
/* A status request that failed (not 2xx, or no answer): lost on 404 or
 * 410, polled again on 429, 5xx or a transport failure (Retry-After
 * kept), a permanent fault on anything else.  Gives up after the
 * call's model's timeout (or 10 minutes) of polling. */
void queue_poll_failed(const char *who, const struct provider_call *c,
		       const struct http_response *resp, struct provider_reply *out, const char *url,
		       const char *hname, const char *hvalue, int step);
/* One more status request, or a failure when the job has been polled for
 * longer than the call's timeout: 1 polled, 0 failed. */
int queue_poll_more(const char *who, const struct provider_call *c, struct provider_reply *out,
		    double interval);
/* The download of a result at step `step`: as provider_reply_download,
 * and a link that answers 403, 404 or 410 has expired (out->lost). */
void queue_download(const char *who, const struct http_response *resp, struct provider_reply *out);

/* A model input of an aggregator (fal, Replicate), whose models take
 * inputs of their own: a portable param under the name those models
 * use (steps: num_inference_steps, guidance: guidance_scale), any other
 * portable one dropped (PARAM_DROP, *why), a field assetgen fills itself
 * refused, anything else sent as it is.  reserved: those fields. */
enum param_use queue_param(const char *who, const struct param *p, const char *const *reserved,
			   size_t nreserved, char **why);
/* The name queue_param sends p under. */
const char *queue_param_name(const struct param *p);

extern const struct provider provider_builtin;
extern const struct provider provider_http;
extern const struct provider provider_openai;
extern const struct provider provider_a1111;
extern const struct provider provider_ideogram;
extern const struct provider provider_stability;
extern const struct provider provider_gemini;
extern const struct provider provider_bfl;
extern const struct provider provider_fal;
extern const struct provider provider_replicate;
extern const struct provider provider_comfyui;

#endif
