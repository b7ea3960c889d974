/* test_inputs.c - the loaders note every file they read, with its hash */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700       /* nftw, mkdtemp */
#endif
#define _DEFAULT_SOURCE         /* setenv */
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inputs.h"
#include "key.h"
#include "recipe.h"
#include "test.h"
#include "util.h"

static const char *cfg = "models:\n  local: {provider: builtin}\nroutes:\n  - use: [local]\n";
static const char *rec_a = "assets:\n  - {name: a, prompt: x, seed: 1, size: 8x8}\n";
static const char *rec_b = "assets:\n  - {name: b, prompt: y, seed: 2, size: 8x8}\n";

static char *root;

static void
put(const char *rel, const char *text)
{
	char *path = xasprintf("%s/%s", root, rel);
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(text, 1, strlen(text), f) != strlen(text) || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	free(path);
}

/* The note for path, or NULL. */
static const struct input *
find(const struct input *in, size_t n, const char *rel)
{
	char *path = xasprintf("%s/%s", root, rel);
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(in[i].path, path) == 0)
			break;
	free(path);
	return i < n ? &in[i] : NULL;
}

static int
hash_is(const struct input *in, const char *text)
{
	struct key k;

	key_digest(text, strlen(text), &k);
	return in && in->kind == INPUT_FILE && key_equal(&in->hash, &k);
}

static void
test_project_load_notes_every_file(void)
{
	struct project p;
	struct diags d = {0};
	const struct input *r;
	struct input *in;
	char *names[] = { "a.yaml", "b.yml" };
	struct key k;
	size_t n;
	int complete;

	inputs_reset();
	CHECK(project_load(&p, root, &d) == 0);
	in = inputs_get(&n, &complete);
	CHECK(complete);
	CHECK(n == 4);
	CHECK(hash_is(find(in, n, "assetgen.yaml"), cfg));
	CHECK(hash_is(find(in, n, "recipes/a.yaml"), rec_a));
	CHECK(hash_is(find(in, n, "recipes/b.yml"), rec_b));
	/* the recipe list as found: not README, not .hidden.yaml */
	r = find(in, n, "recipes");
	inputs_names_hash(names, 2, &k);
	CHECK(r && r->kind == INPUT_RECIPES && key_equal(&r->hash, &k));
	inputs_free(in, n);
	project_release(&p);
	diags_release(&d);
}

static void
test_odd_recipe_named(void)
{
	struct project p;
	struct diags d = {0};
	char *sub = xasprintf("%s/recipes/dir.yaml", root);

	/* a directory named like a recipe is not skipped silently */
	inputs_reset();
	CHECK(mkdir(sub, 0777) == 0);
	CHECK(project_load(&p, root, &d) < 0);
	CHECK(d.nmsgs == 1);
	CHECK_STR(d.nmsgs ? d.msgs[0] : NULL, "recipes/dir.yaml: not a regular file (it is a directory)");
	diags_release(&d);
	rmdir(sub);
	free(sub);
	inputs_reset();
}

static void
test_config_alone_and_reset(void)
{
	struct project p;
	struct diags d = {0};
	struct input *in;
	size_t n;
	int complete;

	inputs_reset();
	CHECK(project_load_config(&p, root, &d) == 0);
	CHECK(p.nassets == 0 && strcmp(p.cfg.cache_dir, "cache") == 0);
	in = inputs_get(&n, &complete);
	CHECK(n == 1 && hash_is(find(in, n, "assetgen.yaml"), cfg));
	inputs_free(in, n);
	project_release(&p);
	diags_release(&d);
	inputs_reset();
	in = inputs_get(&n, &complete);
	CHECK(n == 0 && complete);
	inputs_free(in, n);
}

static void
test_relative_paths_and_names_hash(void)
{
	char cwd[PATH_MAX], *want, *ab[] = { "ab" }, *a_b[] = { "a", "b" }, *b_a[] = { "b", "a" };
	struct key k1, k2, k3;
	struct input *in;
	size_t n;
	int complete;

	inputs_reset();
	inputs_note_absent("x/y.ttf");
	in = inputs_get(&n, &complete);
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	want = xasprintf("%s/x/y.ttf", cwd);
	CHECK(n == 1 && in[0].kind == INPUT_ABSENT);
	CHECK_STR(n ? in[0].path : NULL, want);
	free(want);
	inputs_free(in, n);
	inputs_reset();
	/* no two lists hash alike by concatenation or order */
	inputs_names_hash(ab, 1, &k1);
	inputs_names_hash(a_b, 2, &k2);
	inputs_names_hash(b_a, 2, &k3);
	CHECK(!key_equal(&k1, &k2) && !key_equal(&k2, &k3));
}

static void
test_env(void)
{
	struct key unset, empty, one, again;
	struct input *in;
	size_t n;
	int complete;

	unsetenv("ASSETGEN_TEST_VAR");
	inputs_env_hash("ASSETGEN_TEST_VAR", &unset);
	setenv("ASSETGEN_TEST_VAR", "", 1);
	inputs_env_hash("ASSETGEN_TEST_VAR", &empty);
	setenv("ASSETGEN_TEST_VAR", "a", 1);
	inputs_env_hash("ASSETGEN_TEST_VAR", &one);
	CHECK(!key_equal(&unset, &empty) && !key_equal(&empty, &one));
	inputs_reset();
	inputs_note_env("ASSETGEN_TEST_VAR");
	in = inputs_get(&n, &complete);
	inputs_env_hash("ASSETGEN_TEST_VAR", &again);
	CHECK(n == 1 && in[0].kind == INPUT_ENV && key_equal(&in[0].hash, &again));
	CHECK_STR(n ? in[0].path : NULL, "ASSETGEN_TEST_VAR");   /* a name, not a path */
	inputs_free(in, n);
	inputs_reset();
	unsetenv("ASSETGEN_TEST_VAR");
}

int
main(void)
{
	char tmpl[] = "/tmp/test_inputs.XXXXXX", *sub;

	if (!mkdtemp(tmpl)) {
		perror("mkdtemp");
		return 1;
	}
	root = realpath(tmpl, NULL);
	sub = xasprintf("%s/recipes", root);
	mkdir(sub, 0777);
	free(sub);
	put("assetgen.yaml", cfg);
	put("recipes/a.yaml", rec_a);
	put("recipes/b.yml", rec_b);
	put("recipes/README", "not a recipe\n");
	put("recipes/.hidden.yaml", "assets: [oops\n");

	RUN(test_project_load_notes_every_file);
	RUN(test_odd_recipe_named);
	RUN(test_config_alone_and_reset);
	RUN(test_relative_paths_and_names_hash);
	RUN(test_env);

	test_rmtree(root);
	free(root);
	inputs_reset();
	return TEST_DONE();
}
