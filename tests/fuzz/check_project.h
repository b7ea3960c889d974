/* check_project.h - what recipe.h promises of a project that loaded:
 * names unique and safe, sizes in range, every model named exists, params
 * sorted by name and unique.  A broken promise aborts, naming it.
 */
#ifndef CHECK_PROJECT_H
#define CHECK_PROJECT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "provider/provider.h"
#include "recipe.h"

static void
project_broken(const char *what, const char *name)
{
	fprintf(stderr, "fuzz: loaded project breaks its promise: %s ('%s')\n", what,
		name ? name : "(null)");
	abort();
}

static int
safe_name(const char *s)
{
	const char *p;

	if (!s || !((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
		return 0;
	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '.' || *p == '_' || *p == '-'))
			return 0;
	return !strstr(s, "..") && strlen(s) <= 100;
}

static void
check_params(const struct param *ps, size_t n, const char *owner)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!ps[i].name || !*ps[i].name || !ps[i].value)
			project_broken("param without a name or value", owner);
		if (i > 0 && strcmp(ps[i - 1].name, ps[i].name) >= 0)
			project_broken("params not sorted and unique", owner);
		if (ps[i].type == VAL_BOOL && strcmp(ps[i].value, "true") != 0 &&
		    strcmp(ps[i].value, "false") != 0)
			project_broken("bool param not true/false", owner);
	}
}

static int
is_kernel(const char *s)
{
	return !strcmp(s, "lanczos3") || !strcmp(s, "bicubic") || !strcmp(s, "nearest");
}

static int
known_file(const struct project *p, const char *file)
{
	size_t i;

	for (i = 0; i < p->nfiles; i++)
		if (p->files[i] == file)
			return 1;
	return 0;
}

static void
check_project(const struct project *p)
{
	const struct config *c = &p->cfg;
	const struct asset *a;
	const struct model *m;
	struct param *merged;
	size_t i, j, nmerged;

	if (!c->root || !c->cache_dir || !c->output_dir || !c->recipes_dir)
		project_broken("config directory missing", NULL);
	if (!project_model(p, "builtin"))
		project_broken("no builtin model", NULL);
	for (i = 0; i < c->nmodels; i++) {
		m = &c->models[i];
		if (!safe_name(m->name) && strcmp(m->name, "builtin") != 0)
			project_broken("unsafe model name", m->name);
		if (project_model(p, m->name) != m)
			project_broken("model name not unique", m->name);
		if (!m->provider || !provider_find(m->provider))
			project_broken("unknown provider", m->name);
		if (!m->model || !m->version)
			project_broken("model id or version NULL", m->name);
		check_params(m->params, m->nparams, m->name);
	}
	for (i = 0; i < c->nroutes; i++) {
		if (c->routes[i].nuse == 0)
			project_broken("route uses no model", NULL);
		for (j = 0; j < c->routes[i].nuse; j++)
			if (!project_model(p, c->routes[i].use[j]))
				project_broken("route uses an unknown model", c->routes[i].use[j]);
	}
	for (i = 0; i < p->nassets; i++) {
		a = &p->assets[i];
		if (!safe_name(a->name))
			project_broken("unsafe asset name", a->name);
		if (project_asset(p, a->name) != a)
			project_broken("asset name not unique", a->name);
		if (!a->prompt || !a->negative_prompt)
			project_broken("prompt NULL", a->name);
		if (a->width < 1 || a->height < 1 || a->width > IMAGE_MAX_SIDE ||
		    a->height > IMAGE_MAX_SIDE)
			project_broken("size out of range", a->name);
		if (a->model && !project_model(p, a->model))
			project_broken("pinned model unknown", a->name);
		for (j = 0; j < a->ntags; j++)
			if (!a->tags[j])
				project_broken("tag NULL", a->name);
		check_params(a->params, a->nparams, a->name);
		switch (a->upscale.kind) {
		case UPSCALE_NONE:
			break;
		case UPSCALE_FACTOR:
			if (a->upscale.factor < 2 || a->upscale.factor > 4 ||
			    (uint64_t)a->width * a->upscale.factor > IMAGE_MAX_OUT ||
			    (uint64_t)a->height * a->upscale.factor > IMAGE_MAX_OUT)
				project_broken("upscale factor out of range", a->name);
			break;
		case UPSCALE_SIZE:
			if (a->upscale.width < 1 || a->upscale.height < 1 ||
			    a->upscale.width > IMAGE_MAX_OUT || a->upscale.height > IMAGE_MAX_OUT)
				project_broken("upscale size out of range", a->name);
			break;
		}
		if (a->upscale.kind != UPSCALE_NONE &&
		    (!a->upscale.with || (!is_kernel(a->upscale.with) &&
					  !project_model(p, a->upscale.with))))
			project_broken("upscaler unknown", a->name);
		if (!known_file(p, a->loc.file) || a->loc.line < 1 || a->loc.col < 1)
			project_broken("asset location outside the project's files", a->name);
		if (a->model) {
			params_merge(project_model(p, a->model), a, &merged, &nmerged);
			check_params(merged, nmerged, a->name);
			free(merged);
		}
	}
}

#endif
