/* cmd/why.c - `assetgen why FILE.png`: which recipe made this image, and is it current?
 *
 * Everything starts from the PNG's own text chunks, so a renamed or copied
 * output still answers: its assetgen:key is looked up among the keys the
 * project's recipes make now (as a final or as a preview), then in
 * assetgen.lock (which names the asset an older key belonged to), then by
 * the file's name.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "artifact.h"
#include "buf.h"
#include "cmd.h"
#include "c2pa/c2pa.h"
#include "fit.h"
#include "cache/lock.h"
#include "os.h"
#include "plan.h"
#include "png.h"
#include "provider/provider.h"
#include "redact.h"
#include "site/site.h"
#include "typography.h"
#include "util.h"

#define WHY_MAX_FILE ((size_t)1 << 30)

static const char usage[] =
	"usage: assetgen why FILE.png [-C DIR]\n"
	"Print what a PNG made by assetgen says about itself (key, prompt, seed, model,\n"
	"params, upscale), the recipe in this project that makes it, its assetgen.lock\n"
	"entry, and whether the recipe still makes exactly this image.  The file may have\n"
	"been renamed or copied anywhere.\n"
	"Exit status: 0 current, 1 stale or unknown, 2 unreadable or not a PNG.\n";

/* One line of the value, controls escaped: the value quotes the PNG. */
static void
field_line(const char *line, size_t n)
{
	char *s = xstrndup(line, n), *e = redact_controls(s);

	fputs(e, stdout);
	free(e);
	free(s);
}

static void
field(const char *name, const char *value)
{
	const char *nl;

	printf("%-9s ", name);
	/* continuation lines line up under the value */
	while ((nl = strchr(value, '\n')) && nl[1]) {
		field_line(value, (size_t)(nl - value));
		printf("\n%-9s ", "");
		value = nl + 1;
	}
	field_line(value, strcspn(value, "\n"));
	putchar('\n');
}

/* The PNG's text chunks as they may be printed: every control escaped,
 * its newlines too, so that a crafted image can neither drive the
 * terminal nor forge a line of this output. */
static void
shown_meta(const struct meta *m, struct meta *out)
{
	size_t i;
	char *v;

	for (i = 0; i < m->n; i++) {
		v = redact_controls(m->entries[i].value);
		meta_add(out, m->entries[i].key, v);
		free(v);
	}
}

/* field() of a text the PNG holds, one line */
static void
field_text(const char *name, const char *raw)
{
	char *s = redact_controls(raw);

	field(name, s);
	free(s);
}

/* "steps=30\nsampler=euler\n" -> "steps=30 sampler=euler" (malloc'd) */
static char *
one_line(const char *s)
{
	char *t = xstrdup(s), *p;
	size_t n = strlen(t);

	while (n && t[n - 1] == '\n')
		t[--n] = '\0';
	for (p = t; *p; p++)
		if (*p == '\n')
			*p = ' ';
	return t;
}

/* The names of the "name=value\n" lines of new that old lacks or has with
 * another value: "text, size" (malloc'd). */
static char *
changed_fields(const char *old, const char *new)
{
	struct buf b = BUF_INIT;
	const char *p, *e, *o, *oe;
	size_t klen;

	for (p = new; *p; p = *e ? e + 1 : e) {
		e = p + strcspn(p, "\n");
		klen = strcspn(p, "=\n");
		for (o = old; *o; o = *oe ? oe + 1 : oe) {
			oe = o + strcspn(o, "\n");
			if (oe - o == e - p && memcmp(o, p, (size_t)(e - p)) == 0)
				break;
		}
		if (!*o)
			buf_printf(&b, "%s%.*s", b.len ? ", " : "", (int)klen, p);
	}
	return buf_detach(&b, NULL);
}

/* What differs between the image's metadata and what candidate c of item
 * it would make now. */
static char *
differences(const struct meta *m, const struct plan_item *it, const struct plan_cand *c)
{
	const struct asset *a = it->asset;
	struct buf why = BUF_INIT;
	struct model_id id;
	const char *v;
	char size[32], *params, *up, *ov, *model, *s;
	uint64_t seed;

	params = artifact_params_text(c->params, c->nparams);
	up = artifact_upscale_text(&a->upscale);
	ov = artifact_overlay_text(a->overlay);
	model_id_of(c->model, c->provider ? c->provider->impl : "", &id);
	model = artifact_model_text(&id);
	snprintf(size, sizeof(size), "%ux%u", a->width, a->height);
	if (!(v = meta_get(m, "prompt")) || strcmp(v, a->prompt) != 0)
		buf_puts(&why, "; prompt changed");
	if (strcmp((v = meta_get(m, "negative_prompt")) ? v : "", a->negative_prompt) != 0)
		buf_puts(&why, "; negative prompt changed");
	/* a re-roll's seed is the recipe's plus up to max_attempts - 1 */
	if ((v = meta_get(m, "seed")) && parse_u64(v, &seed) == 0 && seed != a->seed &&
	    !(a->typo.nexpect && seed - a->seed < (uint64_t)a->typo.max_attempts))
		buf_printf(&why, "; seed %llu\u2192%llu", (unsigned long long)seed,
			   (unsigned long long)a->seed);
	if ((v = meta_get(m, "size")) && strcmp(v, size) != 0)
		buf_printf(&why, "; size %s\u2192%s", v, size);
	if ((v = meta_get(m, "params")) && strcmp(v, params) != 0)
		buf_puts(&why, "; params changed");
	if ((v = meta_get(m, "upscale")) && strcmp(v, up) != 0)
		buf_printf(&why, "; upscale %s\u2192%s", v, up);
	s = fit_text(&a->fit);
	if ((v = meta_get(m, "fit")) && strcmp(v, s) != 0)
		buf_printf(&why, "; fit %s\u2192%s", v, s);
	free(s);
	if ((v = meta_get(m, "model")) && strcmp(v, model) != 0)
		buf_printf(&why, "; model %s\u2192%s", v, model);
	if (strcmp((v = meta_get(m, "overlay")) ? v : "none", ov) != 0) {
		if (!v || !strcmp(v, "none")) {
			buf_puts(&why, "; overlay added");
		} else if (!strcmp(ov, "none")) {
			buf_puts(&why, "; overlay removed");
		} else {
			s = changed_fields(v, ov);
			buf_printf(&why, "; overlay %s changed", s);
			free(s);
		}
	}
	if (!why.len && a->ninputs)
		buf_puts(&why, "; an input (see inputs), or the model or upscaler identity, changed");
	else if (!why.len)
		buf_puts(&why, "; the model or upscaler identity changed");
	free(params);
	free(up);
	free(ov);
	free(model);
	s = xstrdup(why.data + 2);      /* past the first "; " */
	buf_release(&why);
	return s;
}

static const struct plan_item *
find_item(const struct plan *pl, const char *name)
{
	size_t i;

	for (i = 0; i < pl->nitems; i++)
		if (strcmp(pl->items[i].asset->name, name) == 0)
			return &pl->items[i];
	return NULL;
}

/* The candidate of it whose pixels' key is k (the key a PNG carries:
 * its bytes' key adds the PNG settings), or NULL. */
static const struct plan_cand *
cand_with_key(const struct plan_item *it, const struct key *k)
{
	size_t i;

	for (i = 0; i < it->ncands; i++)
		if (key_equal(&it->cands[i].pix_key, k))
			return &it->cands[i];
	return NULL;
}

static int
plan_for(struct plan *pl, const struct ctx *c, int preview, char **dir, char **rel)
{
	struct plan_opts po;

	*dir = preview ? path_join(c->out_dir, "preview") : xstrdup(c->out_dir);
	*rel = preview ? xasprintf("%s/preview", c->p.cfg.output_dir) : xstrdup(c->p.cfg.output_dir);
	memset(&po, 0, sizeof(po));
	po.intent = preview ? INTENT_PREVIEW : -1;
	po.per_request = c->p.cfg.per_request;
	po.out_dir = *dir;
	po.out_rel = *rel;
	/* no index, no store: only the keys the recipes make now */
	return plan_make(pl, &c->p, NULL, NULL, NULL, &po);
}

/* One line of a credentials report, its controls escaped (the manifest
 * is the file's own text) */
static void
credentials_line(struct buf *b, const char *what, const char *text)
{
	char *e = redact_controls(text);

	buf_printf(b, "%s%s%s", b->len ? "\n" : "", what, e);
	free(e);
}

/* The file's content credentials, as `assetgen verify` checks them */
static void
print_credentials(const struct buf *png)
{
	struct c2pa_report r;
	struct buf b = BUF_INIT;
	const struct c2pa_manifest_info *mi;
	enum c2pa_status st;
	char *s;
	size_t i;

	memset(&r, 0, sizeof(r));
	st = c2pa_verify_png((const unsigned char *)png->data, png->len, NULL, 0, &r);
	if (st == C2PA_ABSENT) {
		field("c2pa", "none: not signed (the IPTC marker in its XMP only)");
		c2pa_report_release(&r);
		return;
	}
	if (r.nmanifests) {
		mi = &r.manifests[0];
		s = xasprintf("signed by %s (issued by %s, %s)", mi->signer ? mi->signer : "?",
			      mi->issuer ? mi->issuer : "?", mi->trusted ? "trusted" : "not trusted");
		credentials_line(&b, st == C2PA_VALID ? "valid, " : "INVALID, ", s);
		free(s);
		for (i = 0; i < mi->nactions; i++)
			credentials_line(&b, "action ", mi->actions[i]);
		for (i = 0; i < mi->ningredients; i++)
			credentials_line(&b, "ingredient ", mi->ingredients[i]);
	} else {
		credentials_line(&b, "", st == C2PA_VALID ? "valid" : "INVALID");
	}
	for (i = 0; i < r.nfailures; i++)
		credentials_line(&b, "failure ", r.failures[i]);
	field("c2pa", b.data);
	buf_release(&b);
	c2pa_report_release(&r);
}

/* k: the key of this file's bytes as the project makes them now (the
 * pixels' key and the PNG settings), or NULL when no recipe makes them */
static void
print_lock(const struct lockfile *lk, const char *name, const struct key *k, const struct key *digest)
{
	const struct lock_entry *e = lock_find(lk, name);
	char kh[KEY_HEX_LEN + 1], dh[KEY_HEX_LEN + 1];
	const char *note;
	char *line;

	if (!e) {
		field("lock", "not pinned in assetgen.lock");
		return;
	}
	key_hex(&e->key, kh);
	key_hex(&e->digest, dh);
	if (k && !key_equal(&e->key, k))
		note = "(pins another key)";
	else if (key_equal(&e->digest, digest))
		note = k ? "(pins this key; this file is the pinned artifact)" :
			"(this file is the pinned artifact)";
	else
		note = k ? "(pins this key; this file's bytes differ from the pinned artifact)" :
			"(pins another key)";
	line = xasprintf("%s %s %s %s %s %llu\n%s", e->name, kh, dh, e->sha256, e->model,
			 (unsigned long long)e->seed, note);
	field("lock", line);
	free(line);
}

int
cmd_why(int argc, char **argv, struct global *g)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const struct plan_item *it = NULL;
	const struct plan_cand *pc = NULL;
	struct plan pl[2];
	struct buf data = BUF_INIT;
	struct meta m = {0}, sh = {0};       /* the PNG's text: raw, and as printed */
	struct lockfile lk = {0};
	struct key k, digest;
	struct ctx c;
	char *err = NULL, *noproj = NULL, *root = NULL, *lock_path = NULL;
	char *dirs[2] = {0}, *rels[2] = {0}, *s, *base;
	const char *v, *file, *how = NULL;
	uint32_t w, h;
	size_t i;
	int opt, rc = EXIT_BUILD, have_plans = 0, which = 0;

	memset(&c, 0, sizeof(c));
	memset(pl, 0, sizeof(pl));
	while ((opt = getopt_long(argc, argv, "C:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'C': g->dir = optarg; break;
		case 'h': fputs(usage, stdout); return EXIT_OK;
		default: fputs(usage, stderr); return EXIT_INPUT;
		}
	}
	if (argc - optind != 1) {
		fputs(usage, stderr);
		return EXIT_INPUT;
	}
	file = argv[optind];
	if (os_read_file(file, WHY_MAX_FILE, &data) < 0) {
		warn("cannot read '%s':", file);
		return EXIT_INPUT;
	}
	if (pngio_read_meta(data.data, data.len, &m, &err) < 0) {
		warn("cannot read '%s': %s", file, err);
		free(err);
		buf_release(&data);
		return EXIT_INPUT;
	}
	key_digest(data.data, data.len, &digest);
	shown_meta(&m, &sh);

	/* what the image says about itself */
	if (site_png_size(data.data, data.len, &w, &h) == 0) {
		s = xasprintf("%s (%ux%u)", file, w, h);
		field("file", s);
		free(s);
	} else {
		field_text("file", file);
	}
	v = meta_get(&m, "assetgen:key");
	if (!v || key_parse(v, &k) < 0) {
		field("key", v ? meta_get(&sh, "assetgen:key") :
		      "none: this PNG was not made by assetgen (no assetgen:key)");
		goto out;
	}
	field("key", v);
	if ((v = meta_get(&sh, "prompt")))
		field("prompt", v);
	if ((v = meta_get(&sh, "negative_prompt")))
		field("negative", v);
	if ((v = meta_get(&sh, "seed")))
		field("seed", v);
	if ((v = meta_get(&sh, "size")))
		field("size", v);
	if ((v = meta_get(&sh, "model")))
		field("model", v);
	if ((v = meta_get(&m, "params"))) {
		s = one_line(v);
		field_text("params", *s ? s : "none");
		free(s);
	}
	if ((v = meta_get(&sh, "fit"))) {
		const char *nat = meta_get(&sh, "native_size"), *got = meta_get(&sh, "returned_size");

		s = xasprintf("%s (asked the model for %s, it returned %s)", v, nat ? nat : "?",
			      got ? got : "?");
		field("fit", s);
		free(s);
	}
	if ((v = meta_get(&sh, "upscale")))
		field("upscale", v);
	if ((v = meta_get(&sh, "overlay_text"))) {
		const char *fit = meta_get(&sh, "overlay_fit"), *desc = meta_get(&m, "overlay");
		char *rest = one_line(desc && strchr(desc, '\n') ? strchr(desc, '\n') + 1 : ""), *r;

		r = redact_controls(rest);
		s = xasprintf("\"%s\"\n%s%s%s", v, r, fit ? "\ndrawn at " : "", fit ? fit : "");
		field("overlay", s);
		free(s);
		free(r);
		free(rest);
	}
	if ((s = typo_meta_describe(&sh))) {
		field("ocr", s);
		free(s);
	}

	print_credentials(&data);

	/* the project, if there is one here */
	if (g->dir && access(g->dir, F_OK) < 0) {
		warn("cannot change to directory '%s':", g->dir);
		rc = EXIT_INPUT;
		goto out;
	}
	if (!(root = ctx_find_root(g, &noproj))) {
		s = xasprintf("not found (%s):\ncannot tell whether this image is current; try -C PROJECT",
			      noproj);
		field("project", s);
		free(s);
		goto out;
	}
	if ((rc = ctx_load(&c, g)) != 0)
		goto out;
	rc = EXIT_BUILD;
	lock_path = path_join(c.p.cfg.root, "assetgen.lock");
	if (lock_load(&lk, lock_path, "assetgen.lock") < 0) {
		rc = EXIT_INPUT;
		goto out;
	}
	if (plan_for(&pl[0], &c, 0, &dirs[0], &rels[0]) < 0 ||
	    plan_for(&pl[1], &c, 1, &dirs[1], &rels[1]) < 0)
		goto out;
	have_plans = 1;

	/* 1: a recipe makes this key now */
	for (which = 0; which < 2 && !pc; which++)
		for (i = 0; i < pl[which].nitems && !pc; i++)
			if ((pc = cand_with_key(&pl[which].items[i], &k)))
				it = &pl[which].items[i];
	which--;
	/* 2: the lock names the asset this key was made for */
	for (i = 0; !it && i < lk.n; i++)
		if ((key_equal(&lk.entries[i].key, &k) || key_equal(&lk.entries[i].digest, &digest)) &&
		    (it = find_item(&pl[0], lk.entries[i].name)))
			how = "(found through assetgen.lock, which pinned this key to it)";
	/* 3: the file's name */
	if (!it) {
		base = strrchr(file, '/');
		base = xstrdup(base ? base + 1 : file);
		if (str_has_suffix(base, ".png"))
			base[strlen(base) - 4] = '\0';
		if ((it = find_item(&pl[0], base)))
			how = "(matched by the file's name only)";
		free(base);
	}
	if (!it) {
		field("asset", "unknown: no asset of this project makes this key, and assetgen.lock\n"
		      "does not pin it (an older revision of the recipes may; see the history of assetgen.lock)");
		field("status", "unknown: this project does not make this image");
		rc = EXIT_BUILD;
		goto out;
	}
	field("asset", it->asset->name);
	s = xasprintf("%s:%d%s%s", it->asset->loc.file, it->asset->loc.line, how ? "\n" : "",
		      how ? how : "");
	field("recipe", s);
	free(s);
	if (it->asset->ninputs) {
		struct buf ins = BUF_INIT;

		for (i = 0; i < it->asset->ninputs; i++) {
			const struct asset_input *in = &it->asset->inputs[i];

			buf_printf(&ins, "%s%s %s (%s)", i ? "\n" : "", in->file ? "file" : "asset",
				   in->file ? in->file->path : in->asset, input_role_names[in->role]);
		}
		field("inputs", ins.data);
		buf_release(&ins);
	}
	print_lock(&lk, it->asset->name, pc ? &pc->final_key : NULL, &digest);
	if (pc) {
		if (pc->roll)
			s = xasprintf("current: %s:%d still makes this key%s (model %s, re-roll %d: "
				      "seed %llu)", it->asset->loc.file, it->asset->loc.line,
				      which ? " as a preview (--intent preview)" : "", pc->model->name,
				      pc->roll, (unsigned long long)pc->seed);
		else
			s = xasprintf("current: %s:%d still makes this key%s (model %s)",
				      it->asset->loc.file, it->asset->loc.line,
				      which ? " as a preview (--intent preview)" : "", pc->model->name);
		field("status", s);
		free(s);
		rc = EXIT_OK;
	} else if (it->ncands) {
		char now[KEY_HEX_LEN + 1], *d = differences(&m, it, &it->cands[0]), *e;

		key_hex(&it->cands[0].pix_key, now);
		e = redact_controls(d);        /* it quotes the PNG's size, upscale, model */
		s = xasprintf("stale: %s:%d now makes key %s\n(%s)", it->asset->loc.file,
			      it->asset->loc.line, now, e);
		free(e);
		field("status", s);
		free(s);
		free(d);
	} else {
		field("status", "stale: the asset no longer routes to any model");
	}
out:
	if (have_plans) {
		plan_release(&pl[0]);
		plan_release(&pl[1]);
	}
	for (i = 0; i < 2; i++) {
		free(dirs[i]);
		free(rels[i]);
	}
	lock_release(&lk);
	free(lock_path);
	free(root);
	free(noproj);
	ctx_release(&c);
	meta_release(&m);
	meta_release(&sh);
	buf_release(&data);
	return rc;
}
