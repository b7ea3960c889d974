/* route.h - the routing policy: asset -> ordered model candidates */
#ifndef ROUTE_H
#define ROUTE_H

#include <stddef.h>

#include "recipe.h"

#define ROUTE_MAX_CANDS 16

struct route_result {
	const struct model *cands[ROUTE_MAX_CANDS];   /* in fallback order */
	size_t ncands;
	const struct route *rule;       /* the matching rule, or NULL */
	int rule_index;                 /* its index, or -1 */
	const char *why;                /* "pinned by the recipe", "route 2", "default (no routes)" */
	const struct model *skipped[ROUTE_MAX_CANDS];  /* over the per-request cap */
	size_t nskipped;
};

/* Route a; intent_override is -1 or an enum intent (--intent).  per_request
 * < 0 means no cap.  Returns 0, or -1 when no rule matches (out->why says). */
int route_asset(const struct project *p, const struct asset *a, int intent_override,
		double per_request, struct route_result *out);

#endif
