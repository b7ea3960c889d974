/* seal.c - the signing step: a C2PA manifest store on every output */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "c2pa/c2pa.h"
#include "crypto.h"
#include "plan.h"
#include "png.h"
#include "seal.h"
#include "util.h"

/* The outputs this process signed, by their blob's address, so that the
 * gallery carries the signing's verdict instead of checking them again
 * (seal_signed_here).  Filled from the build's worker threads. */
static pthread_mutex_t signed_mu = PTHREAD_MUTEX_INITIALIZER;
static struct key *signed_here;
static size_t nsigned, signed_cap;
static int signed_sorted;

static int
key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct key));
}

static void
note_signed(const struct key *digest)
{
	pthread_mutex_lock(&signed_mu);
	signed_here = xgrow(signed_here, &signed_cap, nsigned + 1, sizeof(*signed_here));
	signed_here[nsigned++] = *digest;
	signed_sorted = 0;
	pthread_mutex_unlock(&signed_mu);
}

int
seal_signed_here(const struct key *digest)
{
	int found;

	pthread_mutex_lock(&signed_mu);
	if (!signed_sorted && nsigned) {
		qsort(signed_here, nsigned, sizeof(*signed_here), key_cmp);
		signed_sorted = 1;
	}
	found = nsigned && bsearch(digest, signed_here, nsigned, sizeof(*signed_here), key_cmp);
	pthread_mutex_unlock(&signed_mu);
	return found;
}

void
seal_release(void)
{
	pthread_mutex_lock(&signed_mu);
	free(signed_here);
	signed_here = NULL;
	nsigned = signed_cap = 0;
	pthread_mutex_unlock(&signed_mu);
}

int
seal_is_signed(const unsigned char *png, size_t len)
{
	const unsigned char *store;
	size_t n;
	char *err = NULL;
	int rc = c2pa_png_store(png, len, &store, &n, &err);

	free(err);
	return rc != 0;         /* a malformed one counts: never sign over it */
}

static void
record(struct index *ix, const struct key *key, const struct key *digest, const void *data,
       size_t len, const char *stage, const char *model, int fallback, double cost)
{
	struct action act;

	if (!ix)
		return;
	memset(&act, 0, sizeof(act));
	act.digest = *digest;
	act.size = len;
	sha256_hex(data, len, act.sha256);
	snprintf(act.stage, sizeof(act.stage), "%s", stage);
	snprintf(act.model, sizeof(act.model), "%s", model);
	act.fallback = fallback;
	act.cost = cost;
	index_action_put(ix, key, &act);
}

void
seal_keep_upstream(struct store *st, struct index *ix, const struct key *gen,
		   const unsigned char *reply, size_t len)
{
	const unsigned char *store;
	size_t n;
	char *err = NULL;
	struct key digest, k;
	int rc;

	if (len < 8 || memcmp(reply, "\x89PNG\r\n\x1a\n", 8) != 0)
		return;
	rc = c2pa_png_store(reply, len, &store, &n, &err);
	if (rc < 0) {
		warn("the provider's content credentials are malformed (%s); not kept", err);
		free(err);
		return;
	}
	if (rc == 0 || !ix || store_put(st, store, n, &digest) < 0)
		return;
	key_upstream(gen, &k);
	record(ix, &k, &digest, store, n, "upstream", "c2pa", 0, 0);
}

/* "openai/gpt-image-1": what the softwareAgent of c2pa.created names */
static char *
agent_name(const struct model *m)
{
	if (m->model && *m->model)
		return xasprintf("%s/%s", m->provider, m->model);
	return xstrdup(m->provider);
}

static void
png_size(const struct buf *png, unsigned *w, unsigned *h)
{
	const unsigned char *p = (const unsigned char *)png->data;

	*w = *h = 0;
	if (png->len < 24)
		return;
	*w = (unsigned)p[16] << 24 | (unsigned)p[17] << 16 | (unsigned)p[18] << 8 | p[19];
	*h = (unsigned)p[20] << 24 | (unsigned)p[21] << 16 | (unsigned)p[22] << 8 | p[23];
}

/* The fit stage, when the generation was not the asset's size: what the
 * model sent back (its `returned_size`, as artifact_meta_fit records it
 * in the text chunks that the overlay and upscale carry on) and how it
 * was fitted.  1 and *step filled (its description in *desc, malloc'd),
 * or 0 when no fit was made. */
static int
fit_step(const struct buf *png, const struct asset *a, struct c2pa_step *step, char **desc)
{
	struct meta m = {0};
	const char *got, *how;
	unsigned w, h;
	char *err = NULL, end;
	int found = 0;

	if (pngio_read_meta(png->data, png->len, &m, &err) < 0) {
		free(err);
		return 0;
	}
	got = meta_get(&m, "returned_size");
	how = meta_get(&m, "fit");
	if (got && how && sscanf(got, "%ux%u%c", &w, &h, &end) == 2 && w && h) {
		step->kind = C2PA_STEP_FIT;
		step->from_w = w;
		step->from_h = h;
		step->to_w = a->width;
		step->to_h = a->height;
		*desc = xstrdup(how);
		step->description = *desc;
		found = 1;
	}
	meta_release(&m);
	return found;
}

int
seal_output(struct store *st, struct index *ix, const struct crypto_creds *creds,
	    const struct plan_item *it, const struct plan_cand *c, const struct buf *png,
	    struct buf *out, struct key *digest, char **err)
{
	const struct asset *a = it->asset;
	struct c2pa_sign_input in;
	struct c2pa_step steps[3];
	struct buf upstream = BUF_INIT;
	struct action act;
	struct key uk;
	char *agent, *e = NULL, *fit_desc = NULL;
	unsigned w, h;
	int rc = -1;

	if (seal_is_signed((const unsigned char *)png->data, png->len))
		return 1;
	memset(&in, 0, sizeof(in));
	memset(steps, 0, sizeof(steps));
	in.png = (const unsigned char *)png->data;
	in.len = png->len;
	agent = agent_name(c->model);
	in.model = agent;
	in.builtin = !strcmp(c->model->provider, "builtin");
	in.steps = steps;
	/* in the order they were made: the fit, the overlay, the upscale */
	in.nsteps += (size_t)fit_step(png, a, &steps[in.nsteps], &fit_desc);
	if (a->overlay) {
		steps[in.nsteps].kind = C2PA_STEP_OVERLAY;
		steps[in.nsteps++].description = "text drawn over the image";
	}
	png_size(png, &w, &h);
	if (a->upscale.kind != UPSCALE_NONE) {
		steps[in.nsteps].kind = C2PA_STEP_UPSCALE;
		steps[in.nsteps].from_w = a->width;
		steps[in.nsteps].from_h = a->height;
		steps[in.nsteps].to_w = w;
		steps[in.nsteps++].to_h = h;
	}
	/* the provider's own credentials, kept when its reply was stored */
	key_upstream(&c->gen_key, &uk);
	if (ix && index_action_get(ix, &uk, &act) == 1 &&
	    store_get(st, &act.digest, &upstream) == STORE_OK) {
		in.upstream = (const unsigned char *)upstream.data;
		in.upstream_len = upstream.len;
	}
	in.creds = creds;
	buf_reset(out);
	if (c2pa_sign_png(&in, out, &e) < 0) {
		*err = xasprintf("cannot sign the output: %s", e);
		free(e);
		goto out;
	}
	if (store_put(st, out->data, out->len, digest) < 0) {
		*err = xstrdup("cannot store the signed image in the cache");
		goto out;
	}
	/* what the signed output saves is what its unsigned one cost */
	memset(&act, 0, sizeof(act));
	if (ix && index_action_get(ix, &c->plain_key, &act) != 1)
		memset(&act, 0, sizeof(act));
	record(ix, &c->final_key, digest, out->data, out->len, "sign", c->model->name, act.fallback,
	       act.cost);
	note_signed(digest);
	rc = 0;
out:
	free(agent);
	free(fit_desc);
	buf_release(&upstream);
	return rc;
}
