/* params.c - which of each asset's params its models send, drop or refuse
 *
 * The providers say how each model takes a param (provider->param); this
 * walks every candidate of every asset once and reports.  A model's own
 * params are reported once, at the model, however many assets use it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "params.h"
#include "provider/provider.h"
#include "util.h"

/* A place already reported (a model's param serves many assets). */
struct seen {
	const struct model *model;
	struct srcloc loc;
};

static int
seen_before(struct seen *seen, size_t *nseen, size_t cap, const struct model *m, const struct srcloc *loc)
{
	size_t i;

	for (i = 0; i < *nseen; i++)
		if (seen[i].model == m && seen[i].loc.line == loc->line && seen[i].loc.col == loc->col &&
		    seen[i].loc.file == loc->file)
			return 1;
	if (*nseen < cap) {
		seen[*nseen].model = m;
		seen[*nseen].loc = *loc;
		(*nseen)++;
	}
	return 0;
}

int
params_check(const struct plan *pl, int notes, int explain)
{
	size_t cap = pl->nitems * 4 + 64, nseen = 0;
	struct seen *seen = xcalloc(cap, sizeof(*seen));
	size_t i, j, k;
	int rc = 0;

	for (i = 0; i < pl->nitems; i++) {
		const struct plan_item *it = &pl->items[i];
		const struct asset *a = it->asset;

		for (j = 0; j < it->ncands; j++) {
			const struct plan_cand *c = &it->cands[j];
			const struct model *m = c->model;
			char *why = NULL;

			if (c->roll || !c->provider)
				continue;
			if (c->provider->check_model && c->provider->check_model(m, &why) < 0) {
				if (!seen_before(seen, &nseen, cap, m, &m->loc))
					fprintf(stderr, "%s:%d:%d: model '%s': %s\n", m->loc.file, m->loc.line,
						m->loc.col, m->name, why);
				free(why);
				rc = EXIT_INPUT;
				continue;
			}
			if (!c->provider->param)
				continue;
			for (k = 0; k < c->nparams; k++) {
				const struct param *p = &c->params[k];
				const struct srcloc *loc = p->loc.line ? &p->loc : &a->loc;
				enum param_use use;

				why = NULL;
				use = c->provider->param(m, p, &why);
				if (use == PARAM_REJECT) {
					if (!seen_before(seen, &nseen, cap, m, loc))
						fprintf(stderr, "%s:%d:%d: model '%s' cannot take param '%s': %s\n",
							loc->file, loc->line, loc->col, m->name, p->name,
							why ? why : "unsupported");
					rc = EXIT_INPUT;
				} else if (use == PARAM_DROP) {
					if (notes)
						fprintf(stderr, "assetgen: note: asset '%s': model '%s' drops "
							"param '%s': %s\n", a->name, m->name, p->name,
							why ? why : "its API has no such field");
					if (explain)
						printf("explain %s: model '%s' drops param '%s': %s\n", a->name,
						       m->name, p->name, why ? why : "its API has no such field");
				}
				free(why);
			}
		}
	}
	free(seen);
	return rc;
}
