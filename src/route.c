/* route.c - first matching rule wins; `use` is an ordered fallback list */
#include <string.h>

#include "route.h"

static int
has_tag(const struct asset *a, const char *tag)
{
	size_t i;

	for (i = 0; i < a->ntags; i++)
		if (strcmp(a->tags[i], tag) == 0)
			return 1;
	return 0;
}

static int
matches(const struct route *r, const struct asset *a, int intent)
{
	size_t i;

	if (r->intent >= 0 && r->intent != intent)
		return 0;
	if (r->criticality >= 0 && r->criticality != (int)a->criticality)
		return 0;
	for (i = 0; i < r->ntags; i++)
		if (!has_tag(a, r->tags[i]))
			return 0;
	return 1;
}

static void
add(const struct project *p, const char *name, double per_request, struct route_result *out)
{
	const struct model *m = project_model(p, name);

	if (!m)
		return;     /* names were validated at load */
	if (per_request >= 0 && m->cost > per_request) {
		if (out->nskipped < ROUTE_MAX_CANDS)
			out->skipped[out->nskipped++] = m;
		return;
	}
	if (out->ncands < ROUTE_MAX_CANDS)
		out->cands[out->ncands++] = m;
}

int
route_asset(const struct project *p, const struct asset *a, int intent_override,
	    double per_request, struct route_result *out)
{
	int intent = intent_override >= 0 ? intent_override : (int)a->intent;
	size_t i, j;

	memset(out, 0, sizeof(*out));
	out->rule_index = -1;
	if (a->model) {
		out->why = "pinned by the recipe";
		add(p, a->model, per_request, out);
		return 0;
	}
	if (p->cfg.nroutes == 0) {
		out->why = "default (no routes configured)";
		add(p, "builtin", per_request, out);
		return 0;
	}
	for (i = 0; i < p->cfg.nroutes; i++) {
		const struct route *r = &p->cfg.routes[i];

		if (!matches(r, a, intent))
			continue;
		out->rule = r;
		out->rule_index = (int)i;
		out->why = "route";
		for (j = 0; j < r->nuse; j++)
			add(p, r->use[j], per_request, out);
		return 0;
	}
	out->why = "no route matches";
	return -1;
}
