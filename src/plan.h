/* plan.h - per asset: fresh, cached, or generate, and why
 *
 * Like samurai's isdirty(): every decision carries its reason.  Keys are
 * per model; the plan looks up each candidate's key in route order and
 * takes the first hit, so an artifact made by a fallback is reused.
 */
#ifndef PLAN_H
#define PLAN_H

#include <stddef.h>

#include "cache/index.h"
#include "key.h"
#include "ocr.h"
#include "recipe.h"
#include "route.h"
#include "cache/store.h"

enum plan_action {
	PLAN_FRESH,       /* output present and as recorded: nothing to do */
	PLAN_RESTORE,     /* the final artifact is cached: place it */
	PLAN_UPSCALE,     /* the image before upscaling is cached: run the upscale stage */
	PLAN_GENERATE,    /* call a model */
	PLAN_UNROUTABLE,  /* no candidate (no route matched, or all over budget) */
	PLAN_MISSING,     /* --locked: not pinned, or the pinned artifact cannot be had */
	PLAN_OVERLAY,     /* the generation is cached: draw the overlay (then upscale) */
	PLAN_REJECTED,    /* every candidate allowed failed the typography check */
};
#define PLAN_NACTIONS (PLAN_REJECTED + 1)

/* A candidate: a model, and for an asset with a typography check one of
 * its re-rolls (seed + roll); candidates are grouped by model, rolls in
 * order. */
struct plan_cand {
	const struct model *model;
	const struct provider *provider;
	struct param *params;         /* merged; shallow (free the array only) */
	size_t nparams;
	struct key gen_key;
	struct key ovl_key;           /* the overlay stage's; == gen_key without overlay */
	struct key pix_key;           /* the last stage's pixels: == ovl_key without upscale or check */
	struct key plain_key;         /* the output unsigned: the encode stage, key_encode(pix_key) */
	struct key final_key;         /* the output's bytes: == plain_key unless the build signs
	                                 (then key_signed over plain_key) */
	struct key base_key;          /* checked assets: the upscale (or overlay) key under pix_key */
	uint64_t seed;                /* the seed sent: the asset's + roll */
	int roll;                     /* 0, 1, ... < typography.max_attempts */
	uint32_t native_w, native_h;  /* the size asked of the model (then fitted: fit.h) */
};

/* A candidate's typography verdict, as the cache or the build knows it. */
struct plan_check {
	size_t cand;
	struct key image;             /* the generation's digest */
	int pass;
	int cached;                   /* the verdict came from the cache */
	double distance;
	char text[OCR_TEXT_MAX + 1];
};

struct plan_item {
	const struct asset *asset;
	char *out_name;               /* "name.png" */
	char *out_path;               /* absolute */
	char *out_rel;                /* "dist/name.png", for messages */
	struct route_result route;
	struct plan_cand *cands;      /* models in route order (each with its rolls) */
	size_t ncands;
	int checked;                  /* the asset has expect_text */
	int picked;                   /* the chosen candidate is pinned by `assetgen pick` */
	struct plan_check *checks;    /* verdicts known, in the order candidates were judged */
	size_t nchecks, capchecks;
	size_t chosen;                /* candidate used by FRESH/RESTORE/UPSCALE */
	const struct model *upscaler; /* upscale `with: <model>`, or NULL for the kernels */
	const struct provider *upprovider;
	enum plan_action action;
	struct key digest;            /* RESTORE: the final blob; FRESH: the output's */
	struct key gen_digest;        /* UPSCALE: the cached image before upscaling;
	                                 OVERLAY: the cached generation */
	char *why;                    /* why it is rebuilt ("prompt changed; seed 42→43") */
	struct key *ups;              /* per input: an upstream asset's pixels' key, as planned
	                                 (key_inputs); zero for a file; NULL without inputs */
	double cost;                  /* estimated: a candidate's price (GENERATE), plus a model's upscale */
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
	size_t counts[PLAN_NACTIONS];
	double cost;                  /* estimated spend */
	struct output_rec *recs;      /* the index's output records */
	size_t nrecs;
	size_t *byasset;              /* project asset index -> item index + 1 (0: not planned) */
	const struct project *project;
};

/* Plan the selected assets (sel[i] nonzero; sel NULL: all) and every
 * asset they take as inputs (refs.h), upstream first.  ix and st
 * may be NULL when there is no cache yet: everything is then new. */
int plan_make(struct plan *pl, const struct project *p, const unsigned char *sel,
	      struct index *ix, struct store *st, const struct plan_opts *o);
void plan_release(struct plan *pl);

const char *plan_action_name(enum plan_action a);

/* Key item anew on its input assets' final keys ups[] (an upstream was
 * made by another candidate than planned: a fallback, a re-roll); it is
 * then generated. */
void plan_rekey(struct plan *pl, struct plan_item *it, const struct key *ups);

/* Set item's action for candidate j (FRESH, RESTORE, UPSCALE or GENERATE)
 * from the output record r (may be NULL) and the cache. */
void plan_choose(struct plan_item *it, size_t j, const struct output_rec *r, int fresh_ok,
		 struct index *ix, struct store *st);
/* Make candidate j the item's choice, whatever its verdict (a person
 * picked it); the plan's counts and cost follow. */
void plan_pick(struct plan *pl, struct plan_item *it, size_t j, struct index *ix, struct store *st);
/* Record a verdict for candidate j. */
struct plan_check *plan_check_add(struct plan_item *it, size_t j);
/* The verdict known for candidate j, or NULL. */
const struct plan_check *plan_check_find(const struct plan_item *it, size_t j);
/* The first candidate of the model after candidate j's (ncands if none). */
size_t plan_next_model(const struct plan_item *it, size_t j);

/* What making candidate j's output cost, as the index recorded it: its
 * generation (with the typography check, every candidate generated: the
 * rejected ones were paid for on the way), plus an upscale by a model;
 * unknown when the index lacks the generation. */
double plan_output_cost(const struct plan_item *it, size_t j, struct index *ix, double unknown);

/* The record for an output as it should be after building item with
 * candidate c and final digest d (strings owned by the caller after). */
void plan_output_rec(const struct plan_item *it, const struct plan_cand *c,
		     const struct key *digest, struct output_rec *r);
void plan_output_rec_release(struct output_rec *r);

/* Can every candidate make its asset at the native size it is asked for?
 * A request a provider would refuse is a config error, reported
 * (file:line:col) before anything runs.  0 or EXIT_INPUT. */
int plan_check_models(const struct plan *pl);
/* Every model the plan may call has its API key in the environment?
 * Says which variable is missing, before any request.  0 or EXIT_INPUT. */
int plan_check_keys(const struct plan *pl);

#endif
