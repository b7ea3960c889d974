/* test_recipe.c - loading and validating assetgen.yaml and recipes */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700       /* nftw, mkdtemp */
#endif
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "discover.h"
#include "recipe.h"
#include "test.h"
#include "util.h"

static const char *cfg_basic =
	"models:\n"
	"  local: {provider: builtin}\n"
	"  ideogram-v2: {provider: ideogram, model: V_2, cost: 0.08, api_key_env: IDEOGRAM_API_KEY}\n"
	"routes:\n"
	"  - use: [local]\n";

static char *
mkproject(void)
{
	char tmpl[] = "/tmp/test_recipe.XXXXXX", *dir, *sub;

	dir = mkdtemp(tmpl);
	if (!dir) {
		perror("mkdtemp");
		exit(1);
	}
	dir = xstrdup(dir);
	sub = xasprintf("%s/recipes", dir);
	mkdir(sub, 0777);
	free(sub);
	return dir;
}

static void
put(const char *dir, const char *rel, const char *text, size_t len)
{
	char *path = xasprintf("%s/%s", dir, rel);
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	free(path);
}

static void
puts_file(const char *dir, const char *rel, const char *text)
{
	put(dir, rel, text, strlen(text));
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
rmproject(char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

/* A project with cfg_basic and one recipe file; loads it. */
static int
load_recipe(const char *recipe, struct project *p, struct diags *d)
{
	char *dir = mkproject();
	int r;

	puts_file(dir, "assetgen.yaml", cfg_basic);
	puts_file(dir, "recipes/main.yaml", recipe);
	r = project_load(p, dir, d);
	rmproject(dir);
	return r;
}

/* Load a recipe that must fail, and return its first message (static). */
static const char *
first_error(const char *recipe)
{
	static char msg[512];
	struct project p;
	struct diags d = {0};

	msg[0] = '\0';
	if (load_recipe(recipe, &p, &d) == 0) {
		project_release(&p);
		return "(loaded fine)";
	}
	if (d.nmsgs)
		snprintf(msg, sizeof(msg), "%s", d.msgs[0]);
	diags_release(&d);
	return msg;
}

static const struct param *
param(const struct asset *a, const char *name)
{
	size_t i;

	for (i = 0; i < a->nparams; i++)
		if (!strcmp(a->params[i].name, name))
			return &a->params[i];
	return NULL;
}

static void
test_fields(void)
{
	struct project p;
	struct diags d = {0};
	const struct asset *a;

	CHECK(load_recipe(
		"defaults:\n"
		"  size: 512x512\n"
		"  intent: preview\n"
		"  tags: [default-tag]\n"
		"assets:\n"
		"  - name: launch-banner\n"
		"    prompt: \"Banner reading 'Launch Sale'\"\n"
		"    negative_prompt: blurry\n"
		"    seed: 18446744073709551615\n"
		"    size: 1536x512\n"
		"    intent: final\n"
		"    criticality: high\n"
		"    tags: [typography, social]\n"
		"    model: ideogram-v2\n"
		"    upscale: {factor: 2, with: lanczos3}\n"
		"  - name: plain\n"
		"    prompt: p\n"
		"    seed: 0\n", &p, &d) == 0);
	CHECK(d.nmsgs == 0);
	CHECK(p.nassets == 2);
	if (p.nassets != 2)
		return;
	a = &p.assets[0];
	CHECK_STR(a->name, "launch-banner");
	CHECK_STR(a->prompt, "Banner reading 'Launch Sale'");
	CHECK_STR(a->negative_prompt, "blurry");
	CHECK(a->seed == UINT64_MAX);
	CHECK(a->width == 1536 && a->height == 512);
	CHECK(a->intent == INTENT_FINAL);
	CHECK(a->criticality == CRIT_HIGH);
	CHECK(a->ntags == 2);
	CHECK_STR(a->tags[1], "social");
	CHECK_STR(a->model, "ideogram-v2");
	CHECK(a->upscale.kind == UPSCALE_FACTOR && a->upscale.factor == 2);
	CHECK_STR(a->upscale.with, "lanczos3");
	CHECK_STR(a->loc.file, "recipes/main.yaml");
	CHECK(a->loc.line == 6 && a->loc.col == 5);
	CHECK(a->group == NULL && a->nmatrix_vars == 0);

	a = &p.assets[1];
	CHECK_STR(a->negative_prompt, "");
	CHECK(a->seed == 0);
	CHECK(a->width == 512 && a->height == 512);    /* from defaults */
	CHECK(a->intent == INTENT_PREVIEW);
	CHECK(a->criticality == CRIT_NORMAL);
	CHECK(a->ntags == 1 && !strcmp(a->tags[0], "default-tag"));
	CHECK(a->model == NULL);
	CHECK(a->upscale.kind == UPSCALE_NONE && a->upscale.with == NULL);
	CHECK(project_asset(&p, "plain") == a);
	CHECK(project_asset(&p, "nope") == NULL);
	CHECK_STR(intent_name(INTENT_PREVIEW), "preview");
	CHECK_STR(criticality_name(CRIT_LOW), "low");
	project_release(&p);
}

static void
test_config(void)
{
	struct project p;
	struct diags d = {0};
	const struct model *m;
	char *dir = mkproject(), *sub;

	puts_file(dir, "assetgen.yaml",
		  "models:\n"
		  "  ideogram-v2: {provider: ideogram, model: V_2, version: '2024-08', cost: 0.08,\n"
		  "                api_key_env: IDEOGRAM_API_KEY, concurrency: 4, timeout: 90, retries: 2,\n"
		  "                params: {magic_prompt: 'OFF', aspect: 3}}\n"
		  "  forge: {provider: a1111, endpoint: 'http://127.0.0.1:7860'}\n"
		  "routes:\n"
		  "  - match: {intent: preview, criticality: low, tags: [a, b]}\n"
		  "    use: [forge, builtin]\n"
		  "  - use: [ideogram-v2]\n"
		  "budget: {per_request: 0.10, per_build: 20}\n"
		  "cache: {dir: /var/cache/ag, remote: {url: 'https://cache.example.com/ag', upload: true}}\n"
		  "output: ./out//dir/\n"
		  "recipes: my-recipes\n");
	CHECK(project_load(&p, dir, &d) == 0);
	CHECK(d.nmsgs == 0);
	sub = realpath(dir, NULL);
	CHECK_STR(p.cfg.root, sub);
	free(sub);
	CHECK(p.cfg.root && p.cfg.root[0] == '/');
	CHECK(p.cfg.nmodels == 3);
	m = project_model(&p, "ideogram-v2");
	CHECK(m != NULL);
	if (m) {
		CHECK_STR(m->provider, "ideogram");
		CHECK_STR(m->model, "V_2");
		CHECK_STR(m->version, "2024-08");
		CHECK(m->cost == 0.08);
		CHECK_STR(m->api_key_env, "IDEOGRAM_API_KEY");
		CHECK(m->endpoint == NULL);
		CHECK(m->concurrency == 4 && m->timeout == 90 && m->retries == 2);
		CHECK(m->nparams == 2);
		CHECK_STR(m->params[0].name, "aspect");
		CHECK(m->params[0].type == VAL_NUMBER);
		CHECK_STR(m->params[1].value, "OFF");
		CHECK_STR(m->loc.file, "assetgen.yaml");
	}
	m = project_model(&p, "forge");
	CHECK(m && !strcmp(m->model, "") && !strcmp(m->endpoint, "http://127.0.0.1:7860"));
	CHECK(m && m->retries == -1 && m->api_key_env == NULL);
	m = project_model(&p, "builtin");      /* implicit */
	CHECK(m && !strcmp(m->provider, "builtin") && !strcmp(m->model, "")
	      && !strcmp(m->version, "") && m->cost == 0);
	CHECK(p.cfg.nroutes == 2);
	if (p.cfg.nroutes == 2) {
		CHECK(p.cfg.routes[0].intent == INTENT_PREVIEW);
		CHECK(p.cfg.routes[0].criticality == CRIT_LOW);
		CHECK(p.cfg.routes[0].ntags == 2);
		CHECK(p.cfg.routes[0].nuse == 2);
		CHECK_STR(p.cfg.routes[0].use[1], "builtin");
		CHECK(p.cfg.routes[1].intent == -1 && p.cfg.routes[1].criticality == -1);
		CHECK(p.cfg.routes[1].loc.line == 9);
	}
	CHECK(p.cfg.per_request == 0.10 && p.cfg.per_build == 20);
	CHECK_STR(p.cfg.cache_dir, "/var/cache/ag");
	CHECK_STR(p.cfg.remote_url, "https://cache.example.com/ag");
	CHECK(p.cfg.upload == 1);
	CHECK_STR(p.cfg.output_dir, "out/dir");
	CHECK_STR(p.cfg.recipes_dir, "my-recipes");
	CHECK(p.nassets == 0);     /* no my-recipes/: not an error */
	project_release(&p);

	/* an empty config: every default, and only the built-in model */
	puts_file(dir, "assetgen.yaml", "# nothing yet\n");
	CHECK(project_load(&p, dir, &d) == 0);
	CHECK(p.cfg.nmodels == 1 && !strcmp(p.cfg.models[0].name, "builtin"));
	CHECK(p.cfg.nroutes == 0);
	CHECK(p.cfg.per_request < 0 && p.cfg.per_build < 0);
	CHECK_STR(p.cfg.cache_dir, "cache");
	CHECK_STR(p.cfg.output_dir, "dist");
	CHECK_STR(p.cfg.recipes_dir, "recipes");
	CHECK(p.cfg.remote_url == NULL && p.cfg.upload == 0);
	project_release(&p);

	/* a config that defines builtin itself keeps its settings */
	puts_file(dir, "assetgen.yaml", "models:\n  builtin: {provider: builtin, version: v9}\n");
	CHECK(project_load(&p, dir, &d) == 0);
	CHECK(p.cfg.nmodels == 1 && !strcmp(p.cfg.models[0].version, "v9"));
	project_release(&p);
	CHECK(d.nmsgs == 0);

	/* no config at all */
	sub = xasprintf("%s/assetgen.yaml", dir);
	remove(sub);
	free(sub);
	CHECK(project_load(&p, dir, &d) == -1);
	CHECK(d.nmsgs == 1);
	if (d.nmsgs)
		CHECK_STR(d.msgs[0], "assetgen.yaml: no such file");
	diags_release(&d);
	rmproject(dir);
}

static void
test_numbers(void)
{
	static const struct {
		const char *yaml, *value;
		enum value_type type;
	} cases[] = {
		{"30", "30", VAL_NUMBER},
		{"7.5", "7.5", VAL_NUMBER},
		{"0.1", "0.1", VAL_NUMBER},
		{"-2", "-2", VAL_NUMBER},
		{"+3", "3", VAL_NUMBER},
		{"007", "7", VAL_NUMBER},
		{"-0", "0", VAL_NUMBER},
		{"-0.0", "0", VAL_NUMBER},
		{"7.0", "7", VAL_NUMBER},
		{"7.50", "7.5", VAL_NUMBER},
		{"1e3", "1000", VAL_NUMBER},
		{"2.5E-1", "0.25", VAL_NUMBER},
		{".5", "0.5", VAL_NUMBER},
		{"1.5e-7", "1.5e-07", VAL_NUMBER},
		{"1e21", "1e+21", VAL_NUMBER},
		{"0.30000000000000004", "0.30000000000000004", VAL_NUMBER},
		{"12345678901234567890123", "12345678901234567890123", VAL_NUMBER},
		{"true", "true", VAL_BOOL},
		{"False", "false", VAL_BOOL},
		{"yes", "yes", VAL_STRING},
		{"'30'", "30", VAL_STRING},
		{"\"true\"", "true", VAL_STRING},
		{"0x10", "0x10", VAL_STRING},
		{".inf", ".inf", VAL_STRING},
		{"1e999", "1e999", VAL_STRING},
		{"1.2.3", "1.2.3", VAL_STRING},
		{"euler a", "euler a", VAL_STRING},
	};
	struct buf b = BUF_INIT;
	struct project p;
	struct diags d = {0};
	const struct param *pr;
	char name[16];
	size_t i;

	buf_puts(&b, "assets:\n  - name: a\n    prompt: x\n    seed: 1\n    params:\n");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		buf_printf(&b, "      p%02zu: %s\n", i, cases[i].yaml);
	CHECK(load_recipe(b.data, &p, &d) == 0);
	CHECK(p.nassets == 1);
	if (p.nassets == 1) {
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			snprintf(name, sizeof(name), "p%02zu", i);
			pr = param(&p.assets[0], name);
			CHECK(pr != NULL);
			if (!pr)
				continue;
			CHECK_STR(pr->value, cases[i].value);
			if (pr->type != cases[i].type)
				printf("#   %s: type %d, expected %d\n", cases[i].yaml, pr->type,
				       cases[i].type);
			CHECK(pr->type == cases[i].type);
		}
	}
	project_release(&p);
	buf_release(&b);
}

static void
test_defaults_merge(void)
{
	struct project p;
	struct diags d = {0};
	const struct asset *a;
	size_t i;

	CHECK(load_recipe(
		"defaults:\n"
		"  params: {steps: 20, sampler: euler, cfg: 7}\n"
		"  upscale: {factor: 4, with: nearest}\n"
		"  negative_prompt: blurry\n"
		"assets:\n"
		"  - name: a\n"
		"    prompt: x\n"
		"    seed: 1\n"
		"    params: {steps: 30, zeta: z, alpha: 1}\n"
		"    upscale: none\n"
		"  - name: b\n"
		"    prompt: x\n"
		"    seed: 2\n"
		"    size: 100x50\n"
		"    negative_prompt: ''\n", &p, &d) == 0);
	CHECK(p.nassets == 2);
	if (p.nassets != 2)
		return;
	a = &p.assets[0];
	CHECK(a->nparams == 5);
	for (i = 1; i < a->nparams; i++)
		CHECK(strcmp(a->params[i - 1].name, a->params[i].name) < 0);
	CHECK_STR(param(a, "steps")->value, "30");
	CHECK_STR(param(a, "sampler")->value, "euler");
	CHECK_STR(param(a, "zeta")->value, "z");
	CHECK_STR(a->params[0].name, "alpha");
	CHECK(a->upscale.kind == UPSCALE_NONE);
	CHECK_STR(a->negative_prompt, "blurry");
	a = &p.assets[1];
	CHECK(a->nparams == 3);
	CHECK_STR(param(a, "steps")->value, "20");
	CHECK(a->upscale.kind == UPSCALE_FACTOR && a->upscale.factor == 4);
	CHECK_STR(a->upscale.with, "nearest");
	CHECK_STR(a->negative_prompt, "");
	project_release(&p);
}

static void
test_matrix(void)
{
	static const char *names[] = {
		"p-photoreal-1", "p-photoreal-2.5", "p-neon-1", "p-neon-2.5",
		"p-low-poly-1", "p-low-poly-2.5",
	};
	struct project p;
	struct diags d = {0};
	const struct asset *a;
	size_t i;

	CHECK(load_recipe(
		"assets:\n"
		"  - name: first\n"
		"    prompt: x\n"
		"    seed: 1\n"
		"  - name: p-{style}-{n}\n"
		"    matrix: {style: [photoreal, neon, low-poly], n: [1, 2.50]}\n"
		"    prompt: \"portrait, {style} x{n} {{literal}} }}\"\n"
		"    negative_prompt: \"not {style}\"\n"
		"    tags: [\"style-{style}\", fixed]\n"
		"    seed: 123\n"
		"    params: {n: \"{n}\", label: \"n={n}\", style: \"{style}\", q: '{{n}}'}\n"
		"  - name: last\n"
		"    prompt: x\n"
		"    seed: 1\n", &p, &d) == 0);
	CHECK(p.nassets == 8);
	if (p.nassets != 8)
		return;
	CHECK_STR(p.assets[0].name, "first");
	CHECK_STR(p.assets[7].name, "last");
	for (i = 0; i < 6; i++)
		CHECK_STR(p.assets[i + 1].name, names[i]);
	a = &p.assets[2];
	CHECK_STR(a->prompt, "portrait, photoreal x2.5 {literal} }");
	CHECK_STR(a->negative_prompt, "not photoreal");
	CHECK(a->ntags == 2);
	CHECK_STR(a->tags[0], "style-photoreal");
	CHECK_STR(a->group, "p-{style}-{n}");
	CHECK(a->nmatrix_vars == 2);
	CHECK_STR(a->matrix_vars[0], "n=2.5");      /* sorted by variable */
	CHECK_STR(a->matrix_vars[1], "style=photoreal");
	CHECK(a->seed == 123);
	CHECK(a->loc.line == 5 && a->loc.col == 5);
	/* a param that is one placeholder takes the value's type */
	CHECK_STR(param(a, "n")->value, "2.5");
	CHECK(param(a, "n")->type == VAL_NUMBER);
	CHECK_STR(param(a, "label")->value, "n=2.5");
	CHECK(param(a, "label")->type == VAL_STRING);
	CHECK(param(a, "style")->type == VAL_STRING);
	CHECK_STR(param(a, "q")->value, "{n}");
	CHECK(project_asset(&p, "p-low-poly-1") == &p.assets[5]);
	project_release(&p);

	CHECK_STR(first_error(
		"assets:\n"
		"  - name: p-{style}\n"
		"    matrix: {style: [a, b]}\n"
		"    prompt: \"{colour} {style}\"\n"
		"    seed: 1\n"),
		"recipes/main.yaml:4:13: undefined placeholder '{colour}' (matrix defines: style)");
	CHECK_STR(first_error(
		"assets:\n"
		"  - name: p-{a}{b}\n"
		"    matrix: {a: ['1', '11'], b: ['11', '1']}\n"
		"    prompt: x\n"
		"    seed: 1\n"),
		"recipes/main.yaml:2:5: duplicate asset name 'p-111' "
		"(first defined at recipes/main.yaml:2:5 by a=1, b=11)");
}

static void
test_matrix_cap(void)
{
	struct buf b = BUF_INIT;
	struct project p;
	struct diags d = {0};
	int i;

	/* exactly the cap loads; one more variable value does not */
	buf_puts(&b, "assets:\n  - name: m-{a}-{b}\n    prompt: x\n    seed: 1\n    matrix:\n      a: [");
	for (i = 0; i < 100; i++)
		buf_printf(&b, "%s%d", i ? ", " : "", i);
	buf_puts(&b, "]\n      b: [");
	for (i = 0; i < 100; i++)
		buf_printf(&b, "%s%d", i ? ", " : "", i);
	buf_puts(&b, "]\n");
	CHECK(load_recipe(b.data, &p, &d) == 0);
	CHECK(p.nassets == 10000);
	if (p.nassets == 10000) {
		CHECK_STR(p.assets[0].name, "m-0-0");
		CHECK_STR(p.assets[1].name, "m-0-1");
		CHECK_STR(p.assets[9999].name, "m-99-99");
	}
	project_release(&p);
	b.len -= 2;     /* drop "]\n" */
	buf_puts(&b, ", 100]\n");
	CHECK_STR(first_error(b.data),
		  "recipes/main.yaml:6:7: matrix expands to 10100 assets (max 10000)");
	buf_release(&b);
}

static void
test_did_you_mean(void)
{
	CHECK_STR(first_error("assets:\n  - name: a\n    prompt: x\n    seed: 1\n    sise: 1x1\n"),
		  "recipes/main.yaml:5:5: unknown key 'sise' (did you mean 'size'?)");
	CHECK_STR(first_error("assets:\n  - name: a\n    prompt: x\n    seed: 1\n    colour: red\n"),
		  "recipes/main.yaml:5:5: unknown key 'colour'");
	CHECK_STR(first_error("assets:\n  - name: a\n    prompt: x\n    seed: 1\n    model: ideogram-v3\n"),
		  "recipes/main.yaml:5:12: unknown model 'ideogram-v3' (did you mean 'ideogram-v2'?)");
	CHECK_STR(first_error("assets:\n  - name: a\n    prompt: x\n    seed: 1\n    model: dalle\n"),
		  "recipes/main.yaml:5:12: unknown model 'dalle' (known: local, ideogram-v2, builtin)");
	CHECK_STR(first_error("assets:\n  - name: a\n    prompt: x\n    seed: 1\n"
			      "    upscale: {factor: 2, with: bicubc}\n"),
		  "recipes/main.yaml:5:32: unknown model 'bicubc' (did you mean 'bicubic'?)");
	CHECK_STR(first_error("assets:\n  - name: a\n    prompt: x\n    seed: 1\n    intent: prevew\n"),
		  "recipes/main.yaml:5:13: unknown intent 'prevew' (did you mean 'preview'?)");
}

static void
test_missing_fields(void)
{
	CHECK_STR(first_error("assets:\n  - name: hero\n    prompt: x\n"),
		  "recipes/main.yaml:2:5: asset 'hero' has no 'seed' (assetgen has no hidden randomness)");
	CHECK_STR(first_error("assets:\n  - name: hero\n    seed: 1\n"),
		  "recipes/main.yaml:2:5: asset 'hero' has no 'prompt'");
	CHECK_STR(first_error("assets:\n  - prompt: x\n    seed: 1\n"),
		  "recipes/main.yaml:2:5: asset has no 'name'");
	/* a seed from defaults counts */
	CHECK_STR(first_error("defaults: {seed: 5}\nassets:\n  - {name: a, prompt: x}\n"),
		  "(loaded fine)");
}

static void
test_types(void)
{
	CHECK_STR(first_error("assets:\n  - {name: a, prompt: x, seed: -1}\n"),
		  "recipes/main.yaml:2:32: 'seed' must be a non-negative integer");
	CHECK_STR(first_error("assets:\n  - {name: a, prompt: x, seed: 1, size: big}\n"),
		  "recipes/main.yaml:2:41: 'size' must be WIDTHxHEIGHT, like 1024x1024");
	CHECK_STR(first_error("assets:\n  - {name: a, prompt: x, seed: 1, tags: t}\n"),
		  "recipes/main.yaml:2:41: 'tags' must be a list of strings");
	CHECK_STR(first_error("assets:\n  - {name: a, prompt: x, seed: 1, params: [1]}\n"),
		  "recipes/main.yaml:2:43: 'params' must be a mapping of names to strings, "
		  "numbers or booleans");
	CHECK_STR(first_error("assets:\n  - {name: a, prompt: x, seed: 1, upscale: {factor: 5}}\n"),
		  "recipes/main.yaml:2:53: 'factor' must be an integer from 2 to 4");
	CHECK_STR(first_error("assets:\n  - {name: a, prompt: x, seed: 1, upscale: {factor: 2.5}}\n"),
		  "recipes/main.yaml:2:53: 'factor' must be an integer from 2 to 4");
	CHECK_STR(first_error("assets:\n  - {name: a, prompt: x, seed: 1, size: 0x10}\n"),
		  "recipes/main.yaml:2:41: size 0x10 out of range (each side 1..8192)");
	CHECK_STR(first_error("assets:\n  - {name: a, prompt: x, seed: 1, size: 9000x10}\n"),
		  "recipes/main.yaml:2:41: size 9000x10 out of range (each side 1..8192)");
	CHECK_STR(first_error("assets:\n  - {name: a, prompt: x, seed: 1, size: 8192x8192}\n"),
		  "(loaded fine)");
	CHECK_STR(first_error("assets:\n  - {name: a, prompt: x, seed: 1, size: 8192x100, "
			      "upscale: {factor: 3}}\n"),
		  "recipes/main.yaml:2:60: upscaled size 24576x300 too large (each side at most 16384)");
}

static void
test_names(void)
{
	static const char *bad[] = { "../x", "a/b", "/abs", "x/../../y", "Upper", "-dash",
		".hidden", "a..b", "sp ace", "" };
	char recipe[256], want[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(recipe, sizeof(recipe), "assets:\n  - name: '%s'\n    prompt: x\n    seed: 1\n",
			 bad[i]);
		snprintf(want, sizeof(want), "recipes/main.yaml:2:11: invalid asset name '%s': "
			 "names are [a-z0-9][a-z0-9._-]* and stay inside dist/", bad[i]);
		CHECK_STR(first_error(recipe), want);
	}
	CHECK_STR(first_error("assets:\n  - {name: 0a.b_c-d, prompt: x, seed: 1}\n"),
		  "(loaded fine)");
}

static void
test_duplicates(void)
{
	struct project p;
	struct diags d = {0};
	char *dir = mkproject();

	puts_file(dir, "assetgen.yaml", cfg_basic);
	puts_file(dir, "recipes/b.yaml", "assets:\n  - {name: x, prompt: two, seed: 2}\n");
	puts_file(dir, "recipes/a.yaml", "\nassets:\n  - {name: x, prompt: one, seed: 1}\n");
	CHECK(project_load(&p, dir, &d) == -1);
	CHECK(d.nmsgs == 1);
	if (d.nmsgs)
		CHECK_STR(d.msgs[0], "recipes/b.yaml:2:5: duplicate asset name 'x' "
			  "(first defined at recipes/a.yaml:3:5)");
	diags_release(&d);
	rmproject(dir);

	CHECK_STR(first_error("assets:\n  - name: a\n    prompt: x\n    seed: 1\n    seed: 2\n"),
		  "recipes/main.yaml:5:5: duplicate key 'seed'");
}

static void
test_files(void)
{
	struct project p;
	struct diags d = {0};
	char *dir = mkproject(), *sub;

	puts_file(dir, "assetgen.yaml", cfg_basic);
	puts_file(dir, "recipes/c.yaml", "assets:\n  - {name: c, prompt: x, seed: 1}\n");
	puts_file(dir, "recipes/a.yml", "assets:\n  - {name: a, prompt: x, seed: 1}\n");
	puts_file(dir, "recipes/b.yaml", "assets:\n  - {name: b, prompt: x, seed: 1}\n");
	puts_file(dir, "recipes/.#b.yaml", "broken: [\n");
	puts_file(dir, "recipes/notes.txt", "broken: [\n");
	puts_file(dir, "recipes/empty.yaml", "");
	puts_file(dir, "recipes/none.yaml", "assets: []\n");
	puts_file(dir, "recipes/comment.yaml", "# nothing\ndefaults:\n");
	sub = xasprintf("%s/recipes/sub", dir);
	mkdir(sub, 0777);
	free(sub);
	puts_file(dir, "recipes/sub/d.yaml", "assets:\n  - {name: d, prompt: x, seed: 1}\n");
	CHECK(project_load(&p, dir, &d) == 0);
	CHECK(d.nmsgs == 0);
	CHECK(p.nassets == 3);
	if (p.nassets == 3) {
		CHECK_STR(p.assets[0].name, "a");
		CHECK_STR(p.assets[1].name, "b");
		CHECK_STR(p.assets[2].name, "c");
		CHECK_STR(p.assets[0].loc.file, "recipes/a.yml");
	}
	project_release(&p);

	/* discover_root walks up */
	sub = xasprintf("%s/recipes/sub", dir);
	{
		char *why = NULL, *root = discover_root(sub, 0, &why), *want = realpath(dir, NULL);

		CHECK_STR(root, want);
		free(root);
		free(want);
		free(why);
	}
	free(sub);
	rmproject(dir);
}

static void
test_alias(void)
{
	struct project p;
	struct diags d = {0};
	struct buf b = BUF_INIT;
	uint64_t t0;
	int i;
	char c;

	/* plain aliases work: shared params */
	CHECK(load_recipe("assets:\n"
			  "  - {name: a, prompt: x, seed: 1, params: &p {steps: 30}}\n"
			  "  - {name: b, prompt: x, seed: 2, params: *p}\n", &p, &d) == 0);
	CHECK(p.nassets == 2 && p.assets[1].nparams == 1);
	project_release(&p);

	/* a billion laughs fails at once */
	buf_puts(&b, "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
	for (c = 'b'; c <= 'j'; c++) {
		buf_printf(&b, "%c: &%c [", c, c);
		for (i = 0; i < 9; i++)
			buf_printf(&b, "%s*%c", i ? "," : "", c - 1);
		buf_puts(&b, "]\n");
	}
	buf_puts(&b, "assets: *j\n");
	t0 = now_ns();
	CHECK_STR(first_error(b.data), "recipes/main.yaml:7:8: aliases expand to more than 1000000 nodes");
	CHECK(now_ns() - t0 < 2000000000u);
	buf_release(&b);

	CHECK_STR(first_error("assets: *nope\n"), "recipes/main.yaml:1:9: undefined alias '*nope'");
	CHECK_STR(first_error("a: &a [*a]\n"), "recipes/main.yaml:1:8: undefined alias '*a'");
}

static void
test_hostile(void)
{
	struct buf b = BUF_INIT;
	char *big;
	size_t n = 5u << 20;
	int i;

	/* 100000 '[': an error, not a stack overflow */
	buf_puts(&b, "assets: ");
	for (i = 0; i < 100000; i++)
		buf_putc(&b, '[');
	CHECK_STR(first_error(b.data), "recipes/main.yaml:1:72: nesting too deep (max 64 levels)");
	buf_release(&b);

	CHECK_STR(first_error("assets:\n  - name: a\n    prompt: \"caf\xc3\xa9 \xe9t\xe9\"\n"),
		  "recipes/main.yaml:3:19: invalid UTF-8");
	CHECK_STR(first_error("a: \xed\xa0\x80\n"), "recipes/main.yaml:1:4: invalid UTF-8");
	CHECK_STR(first_error("a: \xc0\xaf\n"), "recipes/main.yaml:1:4: invalid UTF-8");
	CHECK_STR(first_error("a: b\xe2\x82"), "recipes/main.yaml:1:5: invalid UTF-8");
	CHECK_STR(first_error("assets:\n  - name: a\n    prompt: x\n\tseed: 1\n"),
		  "recipes/main.yaml:4:1: tab character in indentation; use spaces");
	CHECK_STR(first_error("assets:\n  - name: a\n    \tprompt: x\n"),
		  "recipes/main.yaml:3:5: tab character in indentation; use spaces");
	CHECK_STR(first_error("assets:\n-\t{name: a, prompt: x, seed: 1}\n"),
		  "recipes/main.yaml:2:2: tab character in indentation; use spaces");
	/* tabs inside a block scalar or after a key are fine */
	CHECK_STR(first_error("assets:\n  - name: a\n    prompt: |\n      line\n      \tindented\n"
			      "    seed:\t1\n"), "(loaded fine)");
	CHECK_STR(first_error("assets:\n  - name: a\n    prompt: \"x\x01\"\n"),
		  "recipes/main.yaml:3:15: control characters are not allowed");
	CHECK_STR(first_error("a: \"x\\0y\"\n"),
		  "recipes/main.yaml:1:4: strings must not contain NUL characters");
	CHECK_STR(first_error("assets:\n  - name: a\n    prompt: \"x\n"),
		  "recipes/main.yaml:4:1: found unexpected end of stream "
		  "(while scanning a quoted scalar at 3:13)");
	CHECK_STR(first_error("a: 1\n---\nb: 2\n"),
		  "recipes/main.yaml:2:1: more than one YAML document in a file");
	CHECK_STR(first_error("a: !!int 3\n"), "recipes/main.yaml:1:4: unsupported tag 'tag:yaml.org,2002:int'");

	big = xmalloc(n);
	memset(big, ' ', n);
	{
		struct project p;
		struct diags d = {0};
		char *dir = mkproject();

		puts_file(dir, "assetgen.yaml", cfg_basic);
		put(dir, "recipes/big.yaml", big, n);
		CHECK(project_load(&p, dir, &d) == -1);
		CHECK(d.nmsgs == 1);
		if (d.nmsgs)
			CHECK_STR(d.msgs[0], "recipes/big.yaml: file too large (max 4 MiB)");
		diags_release(&d);
		rmproject(dir);
	}
	free(big);
}

static void
test_config_errors(void)
{
	struct project p;
	struct diags d = {0};
	char *dir = mkproject();

	puts_file(dir, "assetgen.yaml",
		  "models:\n"
		  "  sd: {provider: stabilty, model: sd3.5-flash, api_key_env: STABILITY_API_KEY}\n"
		  "  gpt: {provider: openai}\n"
		  "routes:\n"
		  "  - use: [sd, gptt]\n"
		  "budget: {per_build: -1}\n");
	puts_file(dir, "recipes/a.yaml", "assets:\n  - {name: a, prompt: x, seed: 1, model: gpt}\n"
		  "  - {name: b, prompt: x, seed: 1, model: gpx}\n");
	CHECK(project_load(&p, dir, &d) == -1);
	CHECK(d.nmsgs == 6);
	if (d.nmsgs == 6) {
		CHECK_STR(d.msgs[0], "assetgen.yaml:2:18: unknown provider 'stabilty' (did you mean 'stability'?)");
		CHECK_STR(d.msgs[1], "assetgen.yaml:3:8: model 'gpt' has no 'model' (provider 'openai' needs a model id)");
		CHECK_STR(d.msgs[2], "assetgen.yaml:3:8: model 'gpt' has no 'api_key_env' (provider 'openai' needs an API key)");
		CHECK_STR(d.msgs[3], "assetgen.yaml:5:15: unknown model 'gptt' (did you mean 'gpt'?)");
		CHECK_STR(d.msgs[4], "assetgen.yaml:6:21: 'per_build' must be a non-negative number");
		/* the recipes are still checked, against every model declared */
		CHECK_STR(d.msgs[5], "recipes/a.yaml:3:42: unknown model 'gpx' (did you mean 'gpt'?)");
	}
	diags_release(&d);
	rmproject(dir);
}

static void
test_diags_cap(void)
{
	struct buf b = BUF_INIT;
	struct project p;
	struct diags d = {0};
	int i;

	buf_puts(&b, "assets:\n");
	for (i = 0; i < 150; i++)
		buf_printf(&b, "  - {name: a%d, prompt: x}\n", i);
	CHECK(load_recipe(b.data, &p, &d) == -1);
	CHECK(d.nmsgs == 100 && d.nmore == 50);
	diags_release(&d);
	buf_release(&b);
}

static void
test_many_assets(void)
{
	struct buf b = BUF_INIT;
	struct project p;
	struct diags d = {0};
	uint64_t t0;
	int i;

	buf_puts(&b, "defaults: {size: 512x512, params: {steps: 20}}\nassets:\n");
	for (i = 0; i < 10000; i++)
		buf_printf(&b, "  - name: asset-%05d\n    prompt: \"a prompt for number %d\"\n"
			   "    seed: %d\n    tags: [t%d]\n    params: {guidance: 7.5}\n", i, i, i, i % 7);
	t0 = now_ns();
	CHECK(load_recipe(b.data, &p, &d) == 0);
	printf("# 10000 assets loaded in %.1f ms\n", (double)(now_ns() - t0) / 1e6);
	CHECK(p.nassets == 10000);
	if (p.nassets == 10000) {
		CHECK(project_asset(&p, "asset-09999") == &p.assets[9999]);
		CHECK(p.assets[4242].seed == 4242);
	}
	project_release(&p);
	buf_release(&b);
}

static void
test_params_merge(void)
{
	char a1[] = "a", v1[] = "1", c1[] = "c", m1[] = "m", e1[] = "e", v5[] = "5";
	char b2[] = "b", v2[] = "2", c2[] = "c", a2[] = "a";
	struct param mp[] = { {a1, v1, VAL_NUMBER}, {c1, m1, VAL_STRING}, {e1, v5, VAL_NUMBER} };
	struct param ap[] = { {b2, v2, VAL_NUMBER}, {c2, a2, VAL_STRING} };
	struct model m = {0};
	struct asset a = {0};
	struct param *out;
	size_t n;

	m.params = mp;
	m.nparams = 3;
	a.params = ap;
	a.nparams = 2;
	params_merge(&m, &a, &out, &n);
	CHECK(n == 4);
	if (n == 4) {
		CHECK_STR(out[0].name, "a");
		CHECK_STR(out[1].name, "b");
		CHECK_STR(out[2].value, "a");
		CHECK_STR(out[3].name, "e");
	}
	free(out);
	m.nparams = 0;
	a.nparams = 0;
	params_merge(&m, &a, &out, &n);
	CHECK(n == 0);
	free(out);
}

/* expect_text (a string, a list, placeholders) and the typography
 * settings: the project's defaults, a file's defaults, an asset's own. */
static void
test_typography(void)
{
	struct project p;
	struct diags d = {0};
	const struct asset *a;

	CHECK(load_recipe(
		"defaults:\n"
		"  typography: {max_attempts: 5}\n"
		"assets:\n"
		"  - name: one\n"
		"    prompt: \"Banner 'Launch Sale'\"\n"
		"    seed: 1\n"
		"    expect_text: Launch Sale\n"
		"  - name: card-{c}\n"
		"    matrix: {c: [red, blue]}\n"
		"    prompt: \"card '{c} sale'\"\n"
		"    seed: 2\n"
		"    expect_text: [\"{c} sale\", \"50% off\"]\n"
		"    typography: {threshold: 0.05, lang: eng+deu}\n"
		"  - name: plain\n"
		"    prompt: p\n"
		"    seed: 3\n", &p, &d) == 0);
	CHECK(d.nmsgs == 0);
	CHECK(p.nassets == 4);
	if (p.nassets != 4)
		return;
	a = &p.assets[0];
	CHECK(a->typo.nexpect == 1);
	CHECK_STR(a->typo.expect[0], "Launch Sale");
	CHECK_STR(a->typo.lang, "eng");
	CHECK(a->typo.threshold == 0.2);
	CHECK(a->typo.max_attempts == 5);      /* the file's defaults */
	a = project_asset(&p, "card-blue");
	CHECK(a && a->typo.nexpect == 2);
	if (a && a->typo.nexpect == 2) {
		CHECK_STR(a->typo.expect[0], "blue sale");
		CHECK_STR(a->typo.expect[1], "50% off");
		CHECK_STR(a->typo.lang, "eng+deu");
		CHECK(a->typo.threshold == 0.05);
		CHECK(a->typo.max_attempts == 5);
	}
	a = project_asset(&p, "plain");
	CHECK(a && a->typo.nexpect == 0);
	CHECK(p.cfg.typo_max_attempts == 3 && p.cfg.per_asset < 0);
	project_release(&p);

	CHECK_STR(first_error("assets:\n  - {name: a, prompt: p, seed: 1, expect_text: \"--\"}\n"),
		  "recipes/main.yaml:2:48: 'expect_text' '--' has no letters or digits to check");
	{
		char *long_text = xcalloc(602, 1), *yaml;

		memset(long_text, 'a', 601);
		yaml = xasprintf("assets:\n  - {name: a, prompt: p, seed: 1, expect_text: %s}\n", long_text);
		CHECK(strstr(first_error(yaml), "'expect_text' is longer than 500 bytes") != NULL);
		free(yaml);
		free(long_text);
	}
	CHECK(strstr(first_error("assets:\n  - {name: a, prompt: p, seed: 1, expect_text: x,"
				 " typography: {threshold: 0.5}}\n"),
		     "threshold 0.5 is looser than the project's typography.threshold (0.2)") != NULL);
}

int
main(void)
{
	RUN(test_fields);
	RUN(test_config);
	RUN(test_numbers);
	RUN(test_defaults_merge);
	RUN(test_matrix);
	RUN(test_matrix_cap);
	RUN(test_did_you_mean);
	RUN(test_missing_fields);
	RUN(test_types);
	RUN(test_names);
	RUN(test_duplicates);
	RUN(test_files);
	RUN(test_alias);
	RUN(test_hostile);
	RUN(test_config_errors);
	RUN(test_diags_cap);
	RUN(test_many_assets);
	RUN(test_params_merge);
	RUN(test_typography);
	return TEST_DONE();
}
