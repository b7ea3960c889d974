/* route.c - first matching rule wins; `use` is an ordered fallback list
 *
 * A candidate that cannot serve the asset is skipped here, before any
 * request: its provider says so (transparency, words, a size it has no
 * native size near), or the fit from its native size would enlarge the
 * image more than ROUTE_MAX_ENLARGE times.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fit.h"
#include "provider/provider.h"
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

/* Does a ask m for a transparent background? */
static int
wants_transparency(const struct model *m, const struct asset *a)
{
	struct param *ps;
	size_t i, n;
	int yes = 0;

	params_merge(m, a, &ps, &n);
	for (i = 0; i < n; i++)
		if (strcmp(ps[i].name, "background") == 0 && strcmp(ps[i].value, "transparent") == 0)
			yes = 1;
	free(ps);
	return yes;
}

static void
skip(struct route_result *out, const struct model *m, const char *why)
{
	if (out->nskipped >= ROUTE_MAX_CANDS)
		return;
	out->skipped[out->nskipped] = m;
	snprintf(out->skip_why[out->nskipped], ROUTE_WHY_MAX, "%s", why);
	out->nskipped++;
}

/* Can provider p send every input a has?  0, or -1 with why. */
static int
takes_inputs(const struct provider *p, const struct asset *a, char why[ROUTE_WHY_MAX])
{
	size_t i;

	for (i = 0; p && i < a->ninputs; i++) {
		if (p->inputs & 1u << a->inputs[i].role)
			continue;
		if (!p->inputs)
			snprintf(why, ROUTE_WHY_MAX, "provider %s takes no input images", p->name);
		else
			snprintf(why, ROUTE_WHY_MAX, "provider %s takes no %s input", p->name,
				 input_role_names[a->inputs[i].role]);
		return -1;
	}
	return 0;
}

/* 0 with m's native size for a, or -1 with the reason it cannot serve a. */
static int
serves(const struct model *m, const struct asset *a, uint32_t native[2], char why[ROUTE_WHY_MAX])
{
	struct provider_need need = {a->width, a->height, 0, a->typo.nexpect > 0};
	char *err = NULL;
	double up;

	need.transparent = wants_transparency(m, a);
	if (takes_inputs(provider_find(m->provider), a, why) < 0)
		return -1;
	if (provider_native(provider_find(m->provider), m, &need, &native[0], &native[1], &err) < 0) {
		snprintf(why, ROUTE_WHY_MAX, "%s", err ? err : "cannot serve this asset");
		free(err);
		return -1;
	}
	up = fit_enlargement(&a->fit, native[0], native[1], a->width, a->height);
	if (up > ROUTE_MAX_ENLARGE) {
		snprintf(why, ROUTE_WHY_MAX, "its nearest native size is %ux%u: fitting it to %ux%u "
			 "enlarges %.1fx, more than %gx (ask for a smaller size and upscale:)",
			 native[0], native[1], a->width, a->height, up, ROUTE_MAX_ENLARGE);
		return -1;
	}
	return 0;
}

static void
add(const struct project *p, const struct asset *a, const char *name, double per_request,
    struct route_result *out)
{
	const struct model *m = project_model(p, name);
	char why[ROUTE_WHY_MAX];
	uint32_t native[2];

	if (!m)
		return;     /* names were validated at load */
	if (serves(m, a, native, why) < 0) {
		skip(out, m, why);
		return;
	}
	if (per_request >= 0 && m->cost > per_request) {
		snprintf(why, sizeof(why), "costs %.3f, over budget.per_request %.3f", m->cost, per_request);
		skip(out, m, why);
		out->nbudget++;
		return;
	}
	if (out->ncands < ROUTE_MAX_CANDS) {
		out->native[out->ncands][0] = native[0];
		out->native[out->ncands][1] = native[1];
		out->cands[out->ncands++] = m;
	}
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
		add(p, a, a->model, per_request, out);
		return 0;
	}
	if (p->cfg.nroutes == 0) {
		out->why = "default (no routes configured)";
		add(p, a, "builtin", per_request, out);
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
			add(p, a, r->use[j], per_request, out);
		return 0;
	}
	out->why = "no route matches";
	return -1;
}
