/* plan.h - per asset: fresh, cached, or generate, and why
 *
 * Like samurai's isdirty(): every decision carries its reason.  Keys are
 * per model; the plan looks up each candidate's key in route order and
 * takes the first hit, so an artifact made by a fallback is reused.
 */
#ifndef PLAN_H
#define PLAN_H

#include <stddef.h>

#include "index.h"
#include "key.h"
#include "recipe.h"
#include "route.h"
#include "store.h"

enum plan_action {
	PLAN_FRESH,       /* output present and as recorded: nothing to do */
	PLAN_RESTORE,     /* the final artifact is cached: place it */
	PLAN_UPSCALE,     /* the generation is cached: run the upscale stage */
	PLAN_GENERATE,    /* call a model */
	PLAN_UNROUTABLE,  /* no candidate (no route matched, or all over budget) */
	PLAN_MISSING,     /* --locked: not pinned, or the pinned artifact cannot be had */
};

struct plan_cand {
	const struct model *model;
	const struct provider *provider;
	struct param *params;         /* merged; shallow (free the array only) */
	size_t nparams;
	struct key gen_key;
	struct key final_key;         /* == gen_key without upscale */
};

struct plan_item {
	const struct asset *asset;
	char *out_name;               /* "name.png" */
	char *out_path;               /* absolute */
	char *out_rel;                /* "dist/name.png", for messages */
	struct route_result route;
	struct plan_cand cands[ROUTE_MAX_CANDS];
	size_t ncands;
	size_t chosen;                /* candidate used by FRESH/RESTORE/UPSCALE */
	const struct model *upscaler; /* upscale `with: <model>`, or NULL for the kernels */
	const struct provider *upprovider;
	enum plan_action action;
	struct key digest;            /* RESTORE: the final blob; FRESH: the output's */
	struct key gen_digest;        /* UPSCALE: the cached generation */
	char *why;                    /* why it is rebuilt ("prompt changed; seed 42→43") */
	double cost;                  /* estimated: the first candidate's price for GENERATE */
	double saved;                 /* RESTORE/UPSCALE: what the cached artifact cost */
};

struct plan_opts {
	int intent;                   /* -1, or an enum intent for --intent */
	double per_request;           /* < 0: no cap */
	const char *out_dir;          /* absolute; "…/dist" or "…/dist/preview" */
	const char *out_rel;          /* "dist" or "dist/preview" */
};

struct plan {
	struct plan_item *items;
	size_t nitems;
	size_t counts[PLAN_MISSING + 1];
	double cost;                  /* estimated spend */
	struct output_rec *recs;      /* the index's output records */
	size_t nrecs;
};

/* Plan the selected assets (sel[i] nonzero; sel NULL: all).  ix and st
 * may be NULL when there is no cache yet: everything is then new. */
int plan_make(struct plan *pl, const struct project *p, const unsigned char *sel,
	      struct index *ix, struct store *st, const struct plan_opts *o);
void plan_release(struct plan *pl);

const char *plan_action_name(enum plan_action a);

/* The record for an output as it should be after building item with
 * candidate c and final digest d (strings owned by the caller after). */
void plan_output_rec(const struct plan_item *it, const struct plan_cand *c,
		     const struct key *digest, struct output_rec *r);
void plan_output_rec_release(struct output_rec *r);

#endif
