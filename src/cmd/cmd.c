/* cmd/cmd.c - loading the project and the cache for the subcommands */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache/reindex.h"
#include "cmd.h"
#include "crypto.h"
#include "discover.h"
#include "inputs.h"
#include "os.h"
#include "util.h"

char *
ctx_find_root(const struct global *g, char **why)
{
	char cwd[PATH_MAX];

	if (g->dir)
		return discover_root(g->dir, 1, why);
	if (!getcwd(cwd, sizeof(cwd))) {
		*why = xasprintf("cannot get the current directory: %s", strerror(errno));
		return NULL;
	}
	return discover_root(cwd, 0, why);
}

/* credentials: the certificate chain names the signer, which keys the
 * signed outputs (the private key is read by a build that signs, only) */
static int
ctx_signer(struct ctx *c)
{
	struct config *cfg = &c->p.cfg;
	struct crypto_source src = { cfg->cred_cert.file, cfg->cred_cert.env };
	struct crypto_sha256 *h;
	unsigned char **ders, sum[CRYPTO_SHA256_LEN];
	size_t *lens, n, i;
	char *err = NULL;

	if (!cfg->cred_cert.file && !cfg->cred_cert.env)
		return 0;
	if (crypto_chain_load(&src, &ders, &lens, &n, &err) < 0) {
		fprintf(stderr, "%s:%d:%d: credentials: %s\n", cfg->cred_cert.loc.file,
			cfg->cred_cert.loc.line, cfg->cred_cert.loc.col, err);
		free(err);
		return EXIT_INPUT;
	}
	h = crypto_sha256_new();
	for (i = 0; i < n; i++) {
		crypto_sha256_update(h, ders[i], lens[i]);
		free(ders[i]);
	}
	crypto_sha256_final(h, sum);
	free(ders);
	free(lens);
	for (i = 0; i < CRYPTO_SHA256_LEN; i++)
		snprintf(cfg->signer + 2 * i, 3, "%02x", sum[i]);
	cfg->signing = 1;
	/* the chain decides the keys: a new certificate is a change */
	if (src.env)
		inputs_note_env(src.env);
	else {
		struct buf b = BUF_INIT;

		if (os_read_file(src.file, 1u << 20, &b) == 0)
			inputs_note_data(src.file, b.data, b.len);
		buf_release(&b);
	}
	return 0;
}

int
ctx_load(struct ctx *c, const struct global *g)
{
	struct diags d = {0};
	char *root, *why;

	memset(c, 0, sizeof(*c));
	inputs_reset();         /* the loaders note what this load reads */
	if (!(root = ctx_find_root(g, &why))) {
		warn("%s", why);
		free(why);
		return EXIT_INPUT;
	}
	if (project_load(&c->p, root, &d) < 0) {
		diags_print(&d);
		diags_release(&d);
		free(root);
		return EXIT_INPUT;
	}
	diags_release(&d);
	free(root);
	c->loaded = 1;
	c->cache_dir = path_join(c->p.cfg.root, c->p.cfg.cache_dir);
	c->out_dir = path_join(c->p.cfg.root, c->p.cfg.output_dir);
	if (ctx_signer(c) != 0) {
		ctx_release(c);
		return EXIT_INPUT;
	}
	return 0;
}

int
ctx_open_cache(struct ctx *c)
{
	int fresh;

	if (store_open(&c->st, c->cache_dir) < 0)
		return EXIT_BUILD;
	c->store_open = 1;
	c->ix = index_open(c->cache_dir, &fresh);
	if (!c->ix)
		return EXIT_BUILD;
	if (fresh) {
		struct cache_check chk;

		if (cache_reindex(&c->st, c->ix, 0, &chk) == 0)
			index_recovered(c->ix);
		if (chk.indexed)
			warn("rebuilt the cache index from %zu blobs", chk.indexed);
	}
	return 0;
}

void
ctx_release(struct ctx *c)
{
	inputs_reset();
	index_close(c->ix);
	if (c->store_open)
		store_close(&c->st);
	if (c->loaded)
		project_release(&c->p);
	free(c->cache_dir);
	free(c->out_dir);
	memset(c, 0, sizeof(*c));
}

int
select_assets(const struct project *p, char **names, int n, unsigned char **sel)
{
	const char *best;
	unsigned d, bestd;
	size_t j;
	int i, found, rc = 0;

	*sel = NULL;
	if (n == 0)
		return 0;
	*sel = xcalloc(p->nassets ? p->nassets : 1, 1);
	for (i = 0; i < n; i++) {
		found = 0;
		best = NULL;
		bestd = 255;
		for (j = 0; j < p->nassets; j++) {
			const struct asset *a = &p->assets[j];

			if (strcmp(a->name, names[i]) == 0 || (a->group && strcmp(a->group, names[i]) == 0)) {
				(*sel)[j] = 1;
				found = 1;
			} else if ((d = str_distance(a->name, names[i])) < bestd) {
				bestd = d;
				best = a->name;
			}
		}
		if (!found) {
			if (best && bestd <= 2)
				warn("unknown asset '%s' (did you mean '%s'?)", names[i], best);
			else
				warn("unknown asset '%s'", names[i]);
			rc = EXIT_INPUT;
		}
	}
	if (rc) {
		free(*sel);
		*sel = NULL;
	}
	return rc;
}

int
opt_count(const char *opt, const char *s, int *out)
{
	uint64_t v;

	if (parse_u64(s, &v) < 0 || v < 1 || v > 1024) {
		warn("option '%s' wants a number from 1 to 1024, not '%s'", opt, s);
		return -1;
	}
	*out = (int)v;
	return 0;
}

int
opt_amount(const char *opt, const char *s, double *out)
{
	if (parse_nonneg(s, out) < 0) {
		warn("option '%s' wants a non-negative amount, not '%s'", opt, s);
		return -1;
	}
	return 0;
}

int
opt_intent(const char *arg, enum intent *out)
{
	if (intent_parse(arg, out) == 0)
		return 0;
	warn("--intent wants 'preview' or 'final', not '%s'", arg);
	return EXIT_INPUT;
}
