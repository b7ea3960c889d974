/* route.h - the routing policy: asset -> ordered model candidates */
#ifndef ROUTE_H
#define ROUTE_H

#include <stddef.h>

#include "recipe.h"

#define ROUTE_MAX_CANDS 16
#define ROUTE_MAX_ENLARGE 2.0   /* a fit that enlarges more than this: the model cannot serve */
#define ROUTE_WHY_MAX 200

struct route_result {
	const struct model *cands[ROUTE_MAX_CANDS];   /* in fallback order */
	uint32_t native[ROUTE_MAX_CANDS][2];           /* the size each renders for the asset */
	size_t ncands;
	const struct route *rule;       /* the matching rule, or NULL */
	int rule_index;                 /* its index, or -1 */
	const char *why;                /* "pinned by the recipe", "route 2", "default (no routes)" */
	/* not tried: over the per-request cap, or unable to serve the asset
	 * (its size, transparency, words); skip_why says which, as
	 * "costs 0.080, over budget.per_request 0.05" */
	const struct model *skipped[ROUTE_MAX_CANDS];
	char skip_why[ROUTE_MAX_CANDS][ROUTE_WHY_MAX];
	size_t nskipped;
	size_t nbudget;                 /* of them, over the per-request cap */
};

/* Route a; a candidate that cannot serve a (provider.h's native) or
 * costs more than per_request is skipped, with the reason.  intent_override is -1 or an enum intent (--intent).  per_request
 * < 0 means no cap.  Returns 0, or -1 when no rule matches (out->why says). */
int route_asset(const struct project *p, const struct asset *a, int intent_override,
		double per_request, struct route_result *out);

#endif
