/* site/site.c - DIST/manifest.json, DIST/_thumbs/NAME.png and DIST/index.html */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "c2pa/c2pa.h"
#include "gallery.h"
#include "image.h"
#include "key.h"
#include "os.h"
#include "plan.h"
#include "png.h"
#include "pool.h"
#include "resample.h"
#include "seal.h"
#include "crypto.h"
#include "derive.h"
#include "site.h"
#include "candidates.h"
#include "util.h"

#define SITE_MAX_FILE ((size_t)64 << 20)     /* manifest, gallery, thumbnail */
#define SITE_MAX_IMAGE ((size_t)1 << 30)     /* an output, to thumbnail or hash */
#define THUMB_OF "assetgen:thumb-of"
#define THUMB_THREADS 8

/* One output on the site: a final (DIST/NAME.png) or a preview. */
struct entry {
	const struct asset *a;
	const struct output_rec *r;  /* what the index says the file is */
	int preview;
	char *file;                  /* project-relative: "dist/NAME.png" */
	char *href;                  /* relative to DIST: "NAME.png", "preview/NAME.png" */
	char *thumb;                 /* relative to DIST: "_thumbs/NAME.png" */
	char *thumb_file;            /* project-relative */
	char *thumb_path;            /* absolute */
	const char *dist;            /* DIST, absolute: the thumbnail is in DIST/_thumbs[/preview] */
	const char *out_path;        /* absolute (the record's) */
	char sha256[SHA256_HEX_LEN + 1];
	uint32_t width, height;      /* of the output */
	uint32_t tw, th;             /* of the thumbnail */
	double cost;
	int have_thumb;              /* the thumbnail is there and current */
	uint64_t seed;               /* of the candidate placed (the recipe's + re-roll) */
	int checked;                 /* the typography verdict v is known */
	struct plan_check v;
	char *err;                   /* thumbnail failure, warned after the pool */
	struct c2pa_report cred;     /* content credentials, checked; status C2PA_ABSENT: unsigned */
	json_t *fit;                 /* {how, native, returned} when the model made another size */
	json_t *derivatives;         /* the web derivatives on disk (derive.h): [] when none */
	char *picture;               /* their <picture> snippet, or NULL */
	char *picture_file;          /* project-relative: "dist/NAME.picture.html", or NULL */
};

struct site {
	const struct project *p;
	struct index *ix;
	const char *out_dir;
	struct output_rec *recs;
	size_t nrecs;
	struct entry *es;
	size_t n, cap;
	struct buf picks;            /* the gallery's "needs a choice" section */
};

void
site_thumb_size(uint32_t w, uint32_t h, uint32_t *tw, uint32_t *th)
{
	uint64_t l = w > h ? w : h;

	if (l <= SITE_THUMB_SIDE) {
		*tw = w;
		*th = h;
		return;
	}
	*tw = (uint32_t)(((uint64_t)w * SITE_THUMB_SIDE + l / 2) / l);
	*th = (uint32_t)(((uint64_t)h * SITE_THUMB_SIDE + l / 2) / l);
	if (*tw < 1)
		*tw = 1;
	if (*th < 1)
		*th = 1;
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int
site_png_size(const void *data, size_t len, uint32_t *w, uint32_t *h)
{
	static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
	const unsigned char *p = data;

	if (len < 24 || memcmp(p, sig, 8) != 0 || memcmp(p + 12, "IHDR", 4) != 0)
		return -1;
	*w = be32(p + 16);
	*h = be32(p + 20);
	return *w && *h ? 0 : -1;
}

/* The size in the IHDR of the PNG file at path (reads 24 bytes). */
static int
file_png_size(const char *path, uint32_t *w, uint32_t *h)
{
	unsigned char head[24];
	ssize_t n;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while (got < sizeof(head) && (n = read(fd, head + got, sizeof(head) - got)) > 0)
		got += (size_t)n;
	close(fd);
	return site_png_size(head, got, w, h);
}

/* Write data to path atomically unless it already holds exactly that.
 * 1 written, 0 unchanged, -1 error (warned). */
static int
write_if_changed(const char *path, const char *display, const void *data, size_t len)
{
	struct buf old = BUF_INIT;
	int same;

	same = os_read_file(path, SITE_MAX_FILE, &old) == 0 && old.len == len &&
	       (len == 0 || memcmp(old.data, data, len) == 0);
	buf_release(&old);
	if (same)
		return 0;
	if (os_write_atomic_path(path, data, len) < 0) {
		warn("cannot write '%s':", display);
		return -1;
	}
	return 1;
}

/* ---- which outputs are on the site ---- */

/* Is the file at path exactly as r records (size, mtime, inode)? */
static int
output_current(const struct output_rec *r, const char *path)
{
	struct stat sb;

	return lstat(path, &sb) == 0 && S_ISREG(sb.st_mode) && r->size == (int64_t)sb.st_size &&
	       r->mtime_ns == os_mtime_ns(&sb) && r->ino == (int64_t)sb.st_ino;
}

/* What making the output cost, as recorded when it was made (see
 * plan_output_cost).  Falls back to the price of the model that made it
 * when the cache no longer knows. */
static double
output_cost(const struct site *s, const struct plan_item *it, const struct output_rec *r)
{
	const struct model *m;
	double cost;
	size_t i;

	for (i = 0; i < it->ncands; i++) {
		if (!key_equal(&it->cands[i].final_key, &r->key))
			continue;
		if ((cost = plan_output_cost(it, i, s->ix, -1)) >= 0)
			return cost;
		break;
	}
	m = project_model(s->p, r->model);
	return m ? m->cost : 0;
}

/* The SHA-256 of the output: from the cache index, or hashed. */
static int
output_sha256(const struct site *s, const struct output_rec *r, char out[SHA256_HEX_LEN + 1])
{
	struct action act;
	struct buf b = BUF_INIT;
	struct key d;

	if (index_action_get(s->ix, &r->key, &act) == 1 && key_equal(&act.digest, &r->digest) &&
	    sha256_hex_valid(act.sha256)) {
		memcpy(out, act.sha256, SHA256_HEX_LEN + 1);
		return 0;
	}
	if (os_read_file(r->path, SITE_MAX_IMAGE, &b) < 0)
		return -1;
	key_digest(b.data, b.len, &d);
	if (!key_equal(&d, &r->digest)) {
		buf_release(&b);
		return -1;
	}
	sha256_hex(b.data, b.len, out);
	buf_release(&b);
	return 0;
}

/* The output's content credentials, checked as `assetgen verify` does;
 * only an output the build signed is read for them (stage "sign").  One
 * this very process signed, whose file still holds those bytes, keeps the
 * signing's verdict: it is read, not checked again. */
static void
output_credentials(const struct site *s, const struct output_rec *r, struct c2pa_report *cr)
{
	struct action act;
	struct buf b = BUF_INIT;
	struct key d;

	memset(cr, 0, sizeof(*cr));
	cr->status = C2PA_ABSENT;
	if (!s->ix || index_action_get(s->ix, &r->key, &act) != 1 || strcmp(act.stage, "sign") != 0 ||
	    os_read_file(r->path, SITE_MAX_IMAGE, &b) < 0)
		return;
	key_digest(b.data, b.len, &d);
	if (key_equal(&d, &r->digest) && seal_signed_here(&d))
		c2pa_read_signed_png((const unsigned char *)b.data, b.len, cr);
	else
		c2pa_verify_png((const unsigned char *)b.data, b.len, NULL, 0, cr);
	buf_release(&b);
}

/* How the output was fitted, from its metadata: {how, native,
 * returned}, or NULL when the model made the exact size.  Only a model
 * asked for another size, or a hosted one, can have been fitted: the
 * built-in model's files are not read. */
static json_t *
fit_json(const struct plan_item *it, const struct output_rec *r)
{
	const struct plan_cand *c = NULL;
	struct buf b = BUF_INIT;
	struct meta m = {0};
	const char *how, *nat, *got;
	json_t *o = NULL;
	char *err = NULL;
	size_t i;

	for (i = 0; i < it->ncands && !c; i++)
		if (strcmp(it->cands[i].model->name, r->model) == 0)
			c = &it->cands[i];
	if (!c || (strcmp(c->model->provider, "builtin") == 0 &&
		   c->native_w == it->asset->width && c->native_h == it->asset->height))
		return NULL;
	if (os_read_file(r->path, SITE_MAX_IMAGE, &b) == 0 &&
	    pngio_read_meta(b.data, b.len, &m, &err) == 0 && (how = meta_get(&m, "fit")) &&
	    (nat = meta_get(&m, "native_size")) && (got = meta_get(&m, "returned_size")))
		o = json_pack("{s:s, s:s, s:s}", "how", how, "native", nat, "returned", got);
	free(err);
	meta_release(&m);
	buf_release(&b);
	return o;
}

/* The derivatives the asset's outputs ask for that are on disk as the
 * index recorded them (stage "derive": size and sha256), with the
 * snippet that serves them.  A preview has none. */
static void
derivatives_of(struct site *s, struct entry *e, const struct output_rec *r)
{
	struct derivative *d;
	struct action act;
	struct buf snip = BUF_INIT;
	struct stat sb;
	size_t i, n;
	char *path, *rel, *sfile;

	e->derivatives = json_array();
	if (e->preview || !s->ix || !(n = derive_list(e->a, &r->key, e->width, e->height, &d)))
		return;
	for (i = 0; i < n; i++) {
		path = path_join(s->out_dir, d[i].file);
		rel = xasprintf("%s/%s", s->p->cfg.output_dir, d[i].file);
		if (index_action_get(s->ix, &d[i].key, &act) == 1 && !strcmp(act.stage, "derive") &&
		    stat(path, &sb) == 0 && (uint64_t)sb.st_size == act.size)
			json_array_append_new(e->derivatives, json_pack("{s:s, s:s, s:i, s:i, s:I, s:s}",
				"path", rel, "format", outf_names[d[i].fmt], "width", (int)d[i].width,
				"height", (int)d[i].height, "bytes", (json_int_t)act.size,
				"sha256", act.sha256));
		free(path);
		free(rel);
	}
	derive_snippet(e->a, d, n, e->href, e->width, e->height, &snip);
	e->picture = buf_detach(&snip, NULL);
	sfile = derive_snippet_file(e->a);
	e->picture_file = xasprintf("%s/%s", s->p->cfg.output_dir, sfile);
	free(sfile);
	derive_list_free(d, n);
}

static void
add_entry(struct site *s, const struct plan_item *it, const struct output_rec *r, int preview)
{
	const char *dist = s->p->cfg.output_dir;
	const char *sub = preview ? "preview/" : "";
	struct entry *e;
	uint32_t w, h;

	if (file_png_size(r->path, &w, &h) < 0)
		return;
	s->es = xgrow(s->es, &s->cap, s->n + 1, sizeof(*s->es));
	e = &s->es[s->n];
	memset(e, 0, sizeof(*e));
	if (output_sha256(s, r, e->sha256) < 0)
		return;
	s->n++;
	e->a = it->asset;
	e->r = r;
	e->preview = preview;
	e->out_path = r->path;
	e->width = w;
	e->height = h;
	site_thumb_size(w, h, &e->tw, &e->th);
	e->file = xasprintf("%s/%s%s", dist, sub, it->out_name);
	e->href = xasprintf("%s%s", sub, it->out_name);
	e->thumb = xasprintf("_thumbs/%s%s", sub, it->out_name);
	e->thumb_file = xasprintf("%s/%s", dist, e->thumb);
	e->thumb_path = path_join(s->out_dir, e->thumb);
	e->dist = s->out_dir;
	e->cost = output_cost(s, it, r);
	e->fit = fit_json(it, r);
	derivatives_of(s, e, r);
	e->seed = r->seed;
	output_credentials(s, r, &e->cred);
	if (it->checked && (e->checked = site_typo_verdict(it, &r->key, s->ix, &e->v)))
		e->seed = it->cands[e->v.cand].seed;
}

/* Collect the finals and previews that exist as recorded, in project order
 * (finals first: each asset's final, then its preview). */
static int
collect(struct site *s)
{
	struct plan pl[2];
	struct plan_opts po;
	char *pdir;
	unsigned char *placed;
	size_t i;
	int k, rc = 0;

	pdir = path_join(s->out_dir, "preview");
	memset(pl, 0, sizeof(pl));
	for (k = 0; k < 2; k++) {
		memset(&po, 0, sizeof(po));
		po.intent = k ? INTENT_PREVIEW : -1;
		po.per_request = s->p->cfg.per_request;
		po.out_dir = k ? pdir : s->out_dir;
		po.out_rel = s->p->cfg.output_dir;
		/* no index: only the candidates' keys are wanted, not a decision */
		if (plan_make(&pl[k], s->p, NULL, NULL, NULL, &po) < 0)
			rc = -1;
	}
	placed = xcalloc(pl[0].nitems + 1, 1);
	for (i = 0; rc == 0 && i < pl[0].nitems; i++) {
		for (k = 0; k < 2; k++) {
			const struct plan_item *it = &pl[k].items[i];
			const struct output_rec *r = index_outputs_find(s->recs, s->nrecs, it->out_path);

			if (r && strcmp(r->asset, it->asset->name) == 0 && output_current(r, it->out_path)) {
				add_entry(s, it, r, k);
				placed[i] |= !k;
			}
		}
	}
	if (rc == 0 && site_typo_candidates(s->p, pl[0].items, pl[0].nitems, placed, s->ix,
					    s->out_dir, &s->picks) < 0)
		rc = -1;
	free(placed);
	plan_release(&pl[0]);
	plan_release(&pl[1]);
	free(pdir);
	return rc;
}

/* ---- thumbnails ---- */

/* Is the thumbnail there and made from the output's current bytes? */
static int
thumb_current(const struct entry *e)
{
	struct buf b = BUF_INIT;
	struct meta m = {0};
	char hex[KEY_HEX_LEN + 1], *err = NULL;
	const char *of;
	uint32_t w, h;
	int ok = 0;

	if (os_read_file_at(AT_FDCWD, e->thumb_path, SITE_MAX_FILE, 1, &b) < 0)
		return 0;
	key_hex(&e->r->digest, hex);
	if (site_png_size(b.data, b.len, &w, &h) == 0 && w == e->tw && h == e->th &&
	    pngio_read_meta(b.data, b.len, &m, &err) == 0 && (of = meta_get(&m, THUMB_OF)))
		ok = strcmp(of, hex) == 0;
	free(err);
	meta_release(&m);
	buf_release(&b);
	return ok;
}

static char *
make_thumb(struct entry *e)
{
	struct buf in = BUF_INIT, out = BUF_INIT;
	struct image img = {0}, small = {0};
	struct meta src = {0}, m = {0};
	char hex[KEY_HEX_LEN + 1], *err = NULL, *msg = NULL;
	const char *xmp;
	struct key d;
	int dfd = -1;

	if (os_read_file(e->out_path, SITE_MAX_IMAGE, &in) < 0) {
		msg = xasprintf("cannot read '%s': %s", e->file, strerror(errno));
		goto out;
	}
	key_digest(in.data, in.len, &d);
	if (!key_equal(&d, &e->r->digest)) {
		msg = xasprintf("'%s' changed while the site was being made", e->file);
		goto out;
	}
	if (pngio_decode(in.data, in.len, &img, &src, &err) < 0) {
		msg = xasprintf("cannot decode '%s': %s", e->file, err);
		goto out;
	}
	if (img.width == e->tw && img.height == e->th) {
		small = img;
		memset(&img, 0, sizeof(img));
	} else if (resample(&img, e->tw, e->th, FILTER_LANCZOS3, 1, &small) < 0) {
		msg = xasprintf("cannot resize '%s' to %ux%u", e->file, e->tw, e->th);
		goto out;
	}
	key_hex(&e->r->digest, hex);
	meta_add(&m, THUMB_OF, hex);
	meta_add(&m, "Software", "assetgen " ASSETGEN_VERSION);
	/* a thumbnail of an AI-generated image is one too */
	if ((xmp = meta_get(&src, "XML:com.adobe.xmp")))
		meta_add(&m, "XML:com.adobe.xmp", xmp);
	if (pngio_encode(&small, &m, PNGIO_LEVEL_DEFAULT, &out, &err) < 0) {
		msg = xasprintf("cannot encode the thumbnail of '%s': %s", e->file, err);
		goto out;
	}
	/* stale temp files are swept once per directory by prune_thumbs() */
	if ((dfd = os_own_dir(e->dist, e->preview ? "_thumbs/preview" : "_thumbs", 1)) < 0 ||
	    os_write_atomic(dfd, strrchr(e->thumb_path, '/') + 1, out.data, out.len) < 0)
		msg = xasprintf("cannot write '%s': %s", e->thumb_file, strerror(errno));
	if (dfd >= 0)
		close(dfd);
out:
	free(err);
	image_release(&img);
	image_release(&small);
	meta_release(&src);
	meta_release(&m);
	buf_release(&in);
	buf_release(&out);
	return msg;
}

/* pool_fn: the thumbnail of the job'th entry to make. */
static void
thumb_job(void *arg, size_t i, int worker)
{
	struct entry *e = ((struct entry **)arg)[i];

	(void)worker;
	e->err = make_thumb(e);
	e->have_thumb = !e->err;
}

/* Make the thumbnails that are missing or stale, on a few threads. */
static int
thumbs(struct site *s)
{
	struct entry **todo;
	size_t i, n = 0;
	int rc = 0, want;

	todo = xcalloc(s->n + 1, sizeof(*todo));
	for (i = 0; i < s->n; i++) {
		if (thumb_current(&s->es[i]))
			s->es[i].have_thumb = 1;
		else
			todo[n++] = &s->es[i];
	}
	want = os_cpus();
	if (want > THUMB_THREADS)
		want = THUMB_THREADS;
	pool_run(want, n, thumb_job, todo);
	for (i = 0; i < n; i++) {
		if (todo[i]->err) {
			warn("%s", todo[i]->err);
			rc = -1;
		}
	}
	free(todo);
	return rc;
}

static int
cmp_name(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* Remove thumbnails of outputs no longer on the site.  The names kept are
 * sorted once and looked up by bisection: a scan per file was quadratic,
 * 10^8 comparisons at 10,000 assets. */
static void
prune_thumbs(const struct site *s, int preview)
{
	char *dir = path_join(s->out_dir, preview ? "_thumbs/preview" : "_thumbs");
	size_t skip = strlen("_thumbs/") + (preview ? strlen("preview/") : 0), i, nkeep = 0;
	const char **keep, *name;
	struct dirent *de;
	DIR *d;
	int fd;

	if ((fd = os_own_dir(s->out_dir, preview ? "_thumbs/preview" : "_thumbs", 0)) < 0)
		goto out;
	if (!(d = fdopendir(fd))) {
		close(fd);
		goto out;
	}
	keep = xcalloc(s->n + 1, sizeof(*keep));
	for (i = 0; i < s->n; i++)
		if (s->es[i].preview == preview)
			keep[nkeep++] = s->es[i].thumb + skip;
	qsort(keep, nkeep, sizeof(*keep), cmp_name);
	while ((de = readdir(d))) {
		name = de->d_name;
		if (de->d_name[0] == '.' || !str_has_suffix(de->d_name, ".png") ||
		    bsearch(&name, keep, nkeep, sizeof(*keep), cmp_name))
			continue;
		if (unlinkat(fd, de->d_name, 0) < 0 && errno != ENOENT)
			warn("cannot remove '%s/%s':", dir, de->d_name);
	}
	os_clean_stale_tmp(fd);
	closedir(d);
	if (preview)
		rmdir(dir);             /* only when empty */
	free(keep);
out:
	free(dir);
}

/* ---- dist/manifest.json ---- */

/* The value of name in an overlay description ("name=value\n" lines), with
 * \\n and \\\\ unescaped; malloc'd, or NULL. */
static char *
overlay_get(const char *desc, const char *name)
{
	size_t n = strlen(name), len;
	const char *p, *e;
	char *out, *o;

	for (p = desc; *p; p = *e ? e + 1 : e) {
		e = p + strcspn(p, "\n");
		if ((size_t)(e - p) > n && memcmp(p, name, n) == 0 && p[n] == '=')
			break;
	}
	if (!*p)
		return NULL;
	p += n + 1;
	len = (size_t)(e - p);
	out = o = xmalloc(len + 1);
	for (; p < e; p++) {
		if (*p == '\\' && p + 1 < e) {
			p++;
			*o++ = *p == 'n' ? '\n' : *p;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	return out;
}

/* The overlay of the file on disk, as the manifest lists it (null: none). */
static json_t *
overlay_json(const char *desc)
{
	static const char *const strs[] = { "text", "font", "font_digest", "color", "align", "valign" };
	json_t *o, *box;
	char *v;
	unsigned x, y, w, h;
	uint64_t size;
	size_t i;

	if (!desc || !strcmp(desc, "none") || !*desc)
		return json_null();
	o = json_object();
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		if ((v = overlay_get(desc, strs[i]))) {
			json_object_set_new(o, strs[i], json_string(v));
			free(v);
		}
	if ((v = overlay_get(desc, "size"))) {
		if (parse_u64(v, &size) == 0)
			json_object_set_new(o, "size", json_integer((json_int_t)size));
		free(v);
	}
	if ((v = overlay_get(desc, "box"))) {
		if (sscanf(v, "%u,%u,%u,%u", &x, &y, &w, &h) == 4) {
			box = json_pack("[I, I, I, I]", (json_int_t)x, (json_int_t)y, (json_int_t)w,
					(json_int_t)h);
			json_object_set_new(o, "box", box);
		}
		free(v);
	}
	return o;
}

static json_t *
strings_json(char *const *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

/* null (unsigned), or what checking the manifest found: the active one's
 * signer, actions and ingredients, and C2PA's failure codes */
static json_t *
credentials_json(const struct c2pa_report *cr)
{
	const struct c2pa_manifest_info *mi = cr->nmanifests ? &cr->manifests[0] : NULL;
	json_t *o;

	if (cr->status == C2PA_ABSENT)
		return json_null();
	o = json_object();
	json_object_set_new(o, "valid", json_boolean(cr->status == C2PA_VALID));
	json_object_set_new(o, "signer", mi && mi->signer ? json_string(mi->signer) : json_null());
	json_object_set_new(o, "issuer", mi && mi->issuer ? json_string(mi->issuer) : json_null());
	json_object_set_new(o, "actions", mi ? strings_json(mi->actions, mi->nactions) : json_array());
	json_object_set_new(o, "ingredients", mi ? strings_json(mi->ingredients, mi->ningredients) :
			    json_array());
	json_object_set_new(o, "failures", strings_json(cr->failures, cr->nfailures));
	return o;
}

static json_t *
manifest_entry(const struct entry *e)
{
	const struct asset *a = e->a;
	const struct output_rec *r = e->r;
	char key[KEY_HEX_LEN + 1], digest[KEY_HEX_LEN + 1], num[24];
	json_t *o, *tags, *matrix, *params;
	const char *p, *nl, *eq;
	size_t i;

	key_hex(&r->key, key);
	key_hex(&r->digest, digest);
	tags = json_array();
	for (i = 0; i < a->ntags; i++)
		json_array_append_new(tags, json_string(a->tags[i]));
	matrix = a->nmatrix_vars ? json_object() : json_null();
	for (i = 0; i < a->nmatrix_vars; i++) {
		char *var = xstrdup(a->matrix_vars[i]), *v = strchr(var, '=');

		if (v) {
			*v++ = '\0';
			json_object_set_new(matrix, var, json_string(v));
		}
		free(var);
	}
	params = json_object();
	for (p = r->params; *p; p = *nl ? nl + 1 : nl) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		eq = memchr(p, '=', (size_t)(nl - p));
		if (eq) {
			char *k = xstrndup(p, (size_t)(eq - p));

			json_object_set_new(params, k, json_stringn(eq + 1, (size_t)(nl - eq - 1)));
			free(k);
		}
	}
	o = json_object();
	json_object_set_new(o, "file", json_string(e->file));
	json_object_set_new(o, "thumbnail", e->have_thumb ? json_string(e->thumb_file) : json_null());
	json_object_set_new(o, "bytes", json_integer((json_int_t)r->size));
	json_object_set_new(o, "digest", json_string(digest));
	json_object_set_new(o, "sha256", json_string(e->sha256));
	json_object_set_new(o, "width", json_integer(e->width));
	json_object_set_new(o, "height", json_integer(e->height));
	json_object_set_new(o, "model", json_string(r->model));
	if (e->seed <= (uint64_t)INT64_MAX) {
		json_object_set_new(o, "seed", json_integer((json_int_t)e->seed));
	} else {
		/* past a JSON integer's range: the digits, as a string */
		snprintf(num, sizeof(num), "%llu", (unsigned long long)e->seed);
		json_object_set_new(o, "seed", json_string(num));
	}
	json_object_set_new(o, "prompt", json_string(r->prompt));
	json_object_set_new(o, "negative_prompt", json_string(r->negative_prompt));
	json_object_set_new(o, "params", params);
	json_object_set_new(o, "fit", e->fit ? json_incref(e->fit) : json_null());
	json_object_set_new(o, "derivatives", json_incref(e->derivatives));
	json_object_set_new(o, "picture", e->picture ? json_string(e->picture) : json_null());
	json_object_set_new(o, "picture_file", e->picture_file ? json_string(e->picture_file) : json_null());
	json_object_set_new(o, "upscale", json_string(r->upscale));
	json_object_set_new(o, "overlay", overlay_json(r->overlay));
	json_object_set_new(o, "intent", json_string(intent_name(a->intent)));
	json_object_set_new(o, "recipe", json_string(a->loc.file));
	json_object_set_new(o, "line", json_integer(a->loc.line));
	json_object_set_new(o, "tags", tags);
	json_object_set_new(o, "group", a->group ? json_string(a->group) : json_null());
	json_object_set_new(o, "matrix", matrix);
	json_object_set_new(o, "cost", json_real(e->cost));
	json_object_set_new(o, "key", json_string(key));
	json_object_set_new(o, "credentials", credentials_json(&e->cred));
	if (e->checked) {
		json_t *ex = json_array();

		for (i = 0; i < a->typo.nexpect; i++)
			json_array_append_new(ex, json_string(a->typo.expect[i]));
		json_object_set_new(o, "typography", json_pack("{s:o, s:s, s:f, s:s, s:f, s:s}",
			"expect", ex, "verdict", e->v.pass ? "pass" : "picked", "distance", e->v.distance,
			"text", e->v.text, "threshold", a->typo.threshold, "lang", a->typo.lang));
	}
	return o;
}

static int
write_manifest(const struct site *s)
{
	json_t *root = json_object(), *assets = json_object(), *previews = json_object();
	char *text, *path, *display;
	size_t i, len;
	int r;

	for (i = 0; i < s->n; i++)
		json_object_set_new(s->es[i].preview ? previews : assets, s->es[i].a->name,
				    manifest_entry(&s->es[i]));
	json_object_set_new(root, "version", json_integer(SITE_MANIFEST_VERSION));
	json_object_set_new(root, "assets", assets);
	json_object_set_new(root, "previews", previews);
	text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(12));
	json_decref(root);
	if (!text) {
		warn("cannot encode the manifest");
		return -1;
	}
	len = strlen(text);
	text[len] = '\n';       /* json_dumps leaves room for the NUL: reuse it */
	path = path_join(s->out_dir, "manifest.json");
	display = xasprintf("%s/manifest.json", s->p->cfg.output_dir);
	r = write_if_changed(path, display, text, len + 1);
	free(display);
	free(path);
	free(text);
	return r < 0 ? -1 : 0;
}

/* ---- dist/index.html ---- */

/* HTML-escape n bytes of s. */
static void
html_n(struct buf *b, const char *s, size_t n)
{
	for (; n && *s; s++, n--) {
		switch (*s) {
		case '&': buf_puts(b, "&amp;"); break;
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '"': buf_puts(b, "&quot;"); break;
		case '\'': buf_puts(b, "&#39;"); break;
		default: buf_putc(b, *s);
		}
	}
}

static void
html(struct buf *b, const char *s)
{
	html_n(b, s, (size_t)-1);
}

void
site_html_escape(struct buf *b, const char *s)
{
	html_n(b, s, (size_t)-1);
}

struct card {
	const struct asset *a;
	const struct entry *fin, *pre;
};

/* The web derivatives of e as <source>s, one per format (by the width of a
 * card), opening a <picture> whose <img> is the thumbnail: the browser
 * shows what a site using the snippet would get. */
static void
web_sources(struct buf *b, const struct entry *e)
{
	size_t f, i;
	json_t *d;
	int first;

	if (!json_array_size(e->derivatives))
		return;
	buf_puts(b, "<picture>");
	for (f = 0; f < OUTF_COUNT; f++) {
		first = 1;
		json_array_foreach(e->derivatives, i, d) {
			const char *path = json_string_value(json_object_get(d, "path"));
			const char *slash = path ? strchr(path, '/') : NULL;

			if (!slash || strcmp(json_string_value(json_object_get(d, "format")), outf_names[f]))
				continue;
			buf_printf(b, "%s", first ? "<source type=\"" : ", ");
			if (first) {
				buf_puts(b, derive_mime((enum outf)f));
				buf_puts(b, "\" sizes=\"256px\" srcset=\"");
			}
			html(b, slash + 1);
			buf_printf(b, " %dw", (int)json_integer_value(json_object_get(d, "width")));
			first = 0;
		}
		if (!first)
			buf_puts(b, "\">");
	}
}

/* The derivatives on disk and their sizes, by format, and a button that
 * copies the <picture> snippet. */
static void
web_rows(struct buf *b, const struct entry *e)
{
	size_t f, i;
	json_t *d;
	int first;

	if (!json_array_size(e->derivatives))
		return;
	buf_puts(b, "<dt>web</dt><dd class=\"wide web\">");
	for (f = 0; f < OUTF_COUNT; f++) {
		first = 1;
		json_array_foreach(e->derivatives, i, d) {
			if (strcmp(json_string_value(json_object_get(d, "format")), outf_names[f]))
				continue;
			if (first)
				buf_printf(b, "<span class=\"fmt\">%s</span> ", outf_names[f]);
			buf_printf(b, "%s%d <span class=\"kb\">%.1f kB</span>", first ? "" : ", ",
				   (int)json_integer_value(json_object_get(d, "width")),
				   (double)json_integer_value(json_object_get(d, "bytes")) / 1000.0);
			first = 0;
		}
		if (!first)
			buf_puts(b, "<br>");
	}
	buf_puts(b, "<button class=\"snippet\" type=\"button\" data-snippet=\"");
	html(b, e->picture ? e->picture : "");
	buf_puts(b, "\" title=\"copy the &lt;picture&gt; snippet\">copy &lt;picture&gt;</button></dd>");
}

static void
shot(struct buf *b, const struct entry *e, int labelled)
{
	const char *src = e->have_thumb ? e->thumb : e->href;

	buf_puts(b, "<a class=\"shot\" href=\"");
	html(b, e->href);
	buf_puts(b, "\" title=\"");
	html(b, e->href);
	buf_printf(b, " (%ux%u)\">", e->width, e->height);
	web_sources(b, e);
	buf_puts(b, "<img src=\"");
	html(b, src);
	buf_puts(b, "\" alt=\"");
	html(b, e->r->prompt);
	buf_printf(b, "\" width=\"%u\" height=\"%u\" loading=\"lazy\" decoding=\"async\">",
		   e->have_thumb ? e->tw : e->width, e->have_thumb ? e->th : e->height);
	if (json_array_size(e->derivatives))
		buf_puts(b, "</picture>");
	if (labelled)
		buf_printf(b, "<span class=\"badge%s\">%s</span>", e->preview ? " pre" : "",
			   e->preview ? "preview" : "final");
	buf_puts(b, "</a>");
}

/* "factor=4 with=nearest" -> "64×64, ×4 nearest"; "size=2048x1024 with=bicubic" ->
 * "960×540, resized with bicubic" */
static void
upscale_html(struct buf *b, const struct output_rec *r)
{
	const char *with = strstr(r->upscale, " with="), *up = r->upscale;

	buf_printf(b, "from %u\u00d7%u, ", r->width, r->height);
	if (str_has_prefix(up, "factor="))
		buf_printf(b, "\u00d7%.*s ", (int)strcspn(up + 7, " "), up + 7);
	else
		buf_puts(b, "resized with ");
	html(b, with ? with + 6 : r->upscale);
}

/* The metadata of one output; label ("final", "preview") when the card
 * shows both; the recipe line goes in the last block. */
static void
meta_rows(struct buf *b, const struct entry *e, const char *label, int last)
{
	char key[KEY_HEX_LEN + 1];

	key_hex(&e->r->key, key);
	if (label)
		buf_printf(b, "<p class=\"part\"><span class=\"badge%s\">%s</span></p>\n",
			   e->preview ? " pre" : "", label);
	buf_printf(b, "<dl><dt>seed</dt><dd class=\"mono\">%llu</dd><dt>model</dt><dd>",
		   (unsigned long long)e->seed);
	html(b, e->r->model);
	buf_printf(b, "</dd><dt>size</dt><dd>%u\u00d7%u</dd><dt>cost</dt><dd>%.3f</dd>",
		   e->width, e->height, e->cost);
	if (e->checked) {
		buf_printf(b, "<dt>text</dt><dd class=\"wide\" title=\"OCR distance %.2f, threshold "
			   "%.2f\">%s \u201c", e->v.distance, e->a->typo.threshold,
			   e->v.pass ? "\u2713" : "\u2717 picked:");
		html(b, e->v.text);
		buf_puts(b, "\u201d</dd>");
	}
	if (strcmp(e->r->upscale, "none") != 0) {
		buf_puts(b, "<dt>upscale</dt><dd class=\"wide\">");
		upscale_html(b, e->r);
		buf_puts(b, "</dd>");
	}
	if (e->r->overlay && strcmp(e->r->overlay, "none") != 0) {
		char *text = overlay_get(e->r->overlay, "text"), *font = overlay_get(e->r->overlay, "font");
		char *size = overlay_get(e->r->overlay, "size");

		buf_puts(b, "<dt>overlay</dt><dd class=\"wide overlay\">\u201c");
		html(b, text ? text : "");
		buf_puts(b, "\u201d, ");
		html(b, font ? font : "");
		buf_printf(b, " %s px</dd>", size ? size : "?");
		free(text);
		free(font);
		free(size);
	}
	if (e->cred.status != C2PA_ABSENT) {
		const struct c2pa_manifest_info *mi = e->cred.nmanifests ? &e->cred.manifests[0] : NULL;
		size_t i;

		buf_printf(b, "<dt>signed</dt><dd class=\"wide c2pa\">%s, by ",
			   e->cred.status == C2PA_VALID ? "\u2713 valid" : "\u2717 INVALID");
		html(b, mi && mi->signer ? mi->signer : "?");
		buf_puts(b, "<ul>");
		for (i = 0; mi && i < mi->nactions; i++) {
			buf_puts(b, "<li>");
			html(b, mi->actions[i]);
			buf_puts(b, "</li>");
		}
		for (i = 0; mi && i < mi->ningredients; i++) {
			buf_puts(b, "<li>ingredient ");
			html(b, mi->ingredients[i]);
			buf_puts(b, "</li>");
		}
		for (i = 0; i < e->cred.nfailures; i++) {
			buf_puts(b, "<li class=\"bad\">");
			html(b, e->cred.failures[i]);
			buf_puts(b, "</li>");
		}
		buf_puts(b, "</ul></dd>");
	}
	web_rows(b, e);
	buf_printf(b, "<dt>key</dt><dd class=\"wide\"><button class=\"key\" type=\"button\" "
		   "data-key=\"%s\" title=\"%s (click to copy)\">%.12s</button></dd>", key, key, key);
	if (last) {
		buf_puts(b, "<dt>recipe</dt><dd class=\"wide mono\">");
		html(b, e->a->loc.file);
		buf_printf(b, ":%d</dd>", e->a->loc.line);
	}
	buf_puts(b, "</dl>\n");
}

static void
card_html(struct buf *b, const struct card *cd)
{
	const struct asset *a = cd->a;
	const struct entry *m = cd->fin ? cd->fin : cd->pre;
	size_t i;

	buf_puts(b, "<article class=\"card\" id=\"asset-");
	html(b, a->name);
	buf_puts(b, "\" data-name=\"");
	html(b, a->name);
	buf_puts(b, "\" data-recipe=\"");
	html(b, a->loc.file);
	buf_puts(b, "\" data-tags=\"");
	for (i = 0; i < a->ntags; i++) {
		if (i)
			buf_putc(b, '\n');
		html(b, a->tags[i]);
	}
	buf_puts(b, "\" data-models=\"");
	if (cd->fin)
		html(b, cd->fin->r->model);
	if (cd->pre) {
		if (cd->fin)
			buf_putc(b, '\n');
		html(b, cd->pre->r->model);
	}
	buf_puts(b, "\">\n<div class=\"shots\">");
	if (cd->fin)
		shot(b, cd->fin, cd->pre != NULL);
	if (cd->pre)
		shot(b, cd->pre, 1);
	buf_puts(b, "</div>\n<div class=\"body\">\n<div class=\"name\"><a href=\"");
	html(b, m->href);
	buf_puts(b, "\">");
	html(b, a->name);
	buf_puts(b, "</a></div>\n");
	buf_puts(b, "<p class=\"prompt\" title=\"");
	html(b, m->r->prompt);
	buf_puts(b, "\">");
	html(b, m->r->prompt);
	buf_puts(b, "</p>\n");
	if (*m->r->negative_prompt) {
		buf_puts(b, "<p class=\"neg\">not: ");
		html(b, m->r->negative_prompt);
		buf_puts(b, "</p>\n");
	}
	if (a->ninputs) {
		/* what it is made from: another asset links to its card */
		buf_puts(b, "<p class=\"inputs\">from: ");
		for (i = 0; i < a->ninputs; i++) {
			const struct asset_input *in = &a->inputs[i];

			if (i)
				buf_puts(b, ", ");
			if (in->asset) {
				buf_puts(b, "<a href=\"#asset-");
				html(b, in->asset);
				buf_puts(b, "\">");
				html(b, in->asset);
				buf_puts(b, "</a>");
			} else {
				html(b, in->file->path);
			}
			buf_printf(b, " (%s)", input_role_names[in->role]);
		}
		buf_puts(b, "</p>\n");
	}
	if (cd->fin)
		meta_rows(b, cd->fin, cd->pre ? "final" : NULL, !cd->pre);
	if (cd->pre)
		meta_rows(b, cd->pre, cd->fin ? "preview" : NULL, 1);
	buf_puts(b, "<div class=\"chips\">");
	for (i = 0; i < a->nmatrix_vars; i++) {
		const char *v = a->matrix_vars[i], *eq = strchr(v, '=');

		buf_puts(b, "<span class=\"chip var\">");
		if (eq) {
			char *var = xstrndup(v, (size_t)(eq - v));

			html(b, var);
			buf_puts(b, ": ");
			html(b, eq + 1);
			free(var);
		} else {
			html(b, v);
		}
		buf_puts(b, "</span>");
	}
	for (i = 0; i < a->ntags; i++) {
		buf_puts(b, "<span class=\"chip\">#");
		html(b, a->tags[i]);
		buf_puts(b, "</span>");
	}
	buf_puts(b, "</div>\n</div>\n</article>\n");
}

/* Sorted unique strings, for the filter menus. */
struct strset {
	const char **v;
	size_t n, cap;
};

static int
cmp_str(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static void
strset_add(struct strset *s, const char *v)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i], v) == 0)
			return;
	s->v = xgrow(s->v, &s->cap, s->n + 1, sizeof(*s->v));
	s->v[s->n++] = v;
}

static void
filter_html(struct buf *b, const char *what, const char *label, const char *all, struct strset *s)
{
	size_t i;

	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), cmp_str);
	buf_printf(b, "<label>%s <select data-filter=\"%s\"><option value=\"\">%s</option>", label, what, all);
	for (i = 0; i < s->n; i++) {
		buf_puts(b, "<option value=\"");
		html(b, s->v[i]);
		buf_puts(b, "\">");
		html(b, s->v[i]);
		buf_puts(b, "</option>");
	}
	buf_puts(b, "</select></label>\n");
}

static void
gallery(const struct site *s, struct buf *b)
{
	const struct project *p = s->p;
	struct card *cards = xcalloc(p->nassets + 1, sizeof(*cards));
	struct strset recipes = {0}, tags = {0}, models = {0};
	const char *title = strrchr(p->cfg.root, '/');
	size_t i, j, k, v, nc = 0, nfin = 0, npre = 0;
	double cost = 0;

	title = title && title[1] ? title + 1 : p->cfg.root;
	for (i = 0; i < s->n; i++) {
		const struct entry *e = &s->es[i];

		if (!nc || cards[nc - 1].a != e->a)
			cards[nc++].a = e->a;
		if (e->preview) {
			cards[nc - 1].pre = e;
			npre++;
		} else {
			cards[nc - 1].fin = e;
			nfin++;
			cost += e->cost;
		}
		strset_add(&recipes, e->a->loc.file);
		strset_add(&models, e->r->model);
		for (j = 0; j < e->a->ntags; j++)
			strset_add(&tags, e->a->tags[j]);
	}

	buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		 "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n"
		 "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		 "img-src 'self' file: data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
		 "base-uri 'none'; form-action 'none'\">\n"
		 "<meta name=\"referrer\" content=\"no-referrer\">\n"
		 /* an inline icon, so that browsers do not ask the server for /favicon.ico */
		 "<link rel=\"icon\" href=\"data:image/svg+xml,%3Csvg xmlns='http%3A//www.w3.org/2000/svg' "
		 "viewBox='0 0 16 16'%3E%3Crect width='16' height='16' rx='4' fill='%233b5bdb'/%3E%3Crect x='4' "
		 "y='4' width='8' height='8' rx='2' fill='%23fff'/%3E%3C/svg%3E\">\n"
		 "<meta name=\"generator\" content=\"assetgen " ASSETGEN_VERSION "\">\n<title>");
	html(b, title);
	buf_puts(b, " \u2014 assetgen gallery</title>\n<style>\n");
	buf_puts(b, gallery_css);
	buf_puts(b, "</style>\n</head>\n<body>\n<header>\n<h1>");
	html(b, title);
	buf_puts(b, " <span>gallery</span></h1>\n");
	buf_printf(b, "<div class=\"stats\">%zu asset%s", nfin, nfin == 1 ? "" : "s");
	if (npre)
		buf_printf(b, " \u00b7 %zu preview%s", npre, npre == 1 ? "" : "s");
	buf_printf(b, " \u00b7 cost %.3f \u00b7 <a href=\"manifest.json\" style=\"color:inherit\">"
		   "manifest.json</a></div>\n<div class=\"filters\">\n", cost);
	filter_html(b, "recipe", "Recipe", "All recipes", &recipes);
	filter_html(b, "tag", "Tag", "All tags", &tags);
	filter_html(b, "model", "Model", "All models", &models);
	buf_puts(b, "<span id=\"count\"></span>\n</div>\n</header>\n<main>\n");
	if (s->picks.len)
		buf_put(b, s->picks.data, s->picks.len);
	if (!nc)
		buf_puts(b, "<p class=\"empty\">Nothing built yet: run <code>assetgen build</code>.</p>\n");

	for (i = 0; i < nc; i = j) {
		const char *file = cards[i].a->loc.file;

		for (j = i; j < nc && cards[j].a->loc.file == file; j++)
			;
		buf_puts(b, "<section class=\"recipe\" data-recipe=\"");
		html(b, file);
		buf_puts(b, "\">\n<h2><span class=\"mono\">");
		html(b, file);
		buf_printf(b, "</span><small>%zu</small></h2>\n", j - i);
		/* one grid per recipe file: single cards, and each matrix group as
		 * a labelled box spanning as many columns as it has variants (the
		 * whole width from four on, scrolling sideways if need be) */
		buf_puts(b, "<div class=\"grid\">\n");
		for (k = i; k < j;) {
			const char *group = cards[k].a->group;
			size_t end = k + 1;

			if (!group) {
				card_html(b, &cards[k++]);
				continue;
			}
			while (end < j && cards[end].a->group && strcmp(cards[end].a->group, group) == 0)
				end++;
			buf_printf(b, "<div class=\"block group %s\" data-group=\"",
				   end - k >= 4 ? "full" : end - k == 3 ? "span3" : end - k == 2 ? "span2" : "span1");
			html(b, group);
			buf_printf(b, "\" style=\"--n:%zu\">\n<h3 class=\"mono\">", end - k);
			html(b, group);
			buf_printf(b, "<small>%zu variant%s", end - k, end - k == 1 ? "" : "s");
			for (v = 0; v < cards[k].a->nmatrix_vars; v++) {
				const char *mv = cards[k].a->matrix_vars[v];

				buf_puts(b, v ? ", " : " \u00b7 by ");
				html_n(b, mv, strcspn(mv, "="));
			}
			buf_puts(b, "</small></h3>\n<div class=\"row\">\n");
			for (; k < end; k++)
				card_html(b, &cards[k]);
			buf_puts(b, "</div>\n</div>\n");
		}
		buf_puts(b, "</div>\n</section>\n");
	}
	buf_puts(b, "</main>\n<footer>made by assetgen " ASSETGEN_VERSION " \u00b7 thumbnails in "
		 "<code>_thumbs/</code> \u00b7 click an image for the full file</footer>\n<script>\n");
	buf_puts(b, gallery_js);
	buf_puts(b, "</script>\n</body>\n</html>\n");
	free(recipes.v);
	free(tags.v);
	free(models.v);
	free(cards);
}

static int
write_gallery(const struct site *s)
{
	struct buf b = BUF_INIT;
	char *path = path_join(s->out_dir, "index.html");
	char *display = xasprintf("%s/index.html", s->p->cfg.output_dir);
	int r;

	gallery(s, &b);
	r = write_if_changed(path, display, b.data, b.len);
	free(display);
	free(path);
	buf_release(&b);
	return r < 0 ? -1 : 0;
}

void
site_clean(const char *out_dir)
{
	static const char *const files[] = {"manifest.json", "index.html"};
	char *path;
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		path = path_join(out_dir, files[i]);
		if (unlink(path) < 0 && errno != ENOENT)
			warn("cannot remove '%s':", path);
		free(path);
	}
	path = path_join(out_dir, "_thumbs");
	os_rmtree(path);
	free(path);
	path = path_join(out_dir, "_candidates");
	os_rmtree(path);
	free(path);
}

/* A symlink planted at DIST/REL is removed: thumbnails are never read,
 * written, nor pruned through it. */
static void
unplant_link(const char *out_dir, const char *rel)
{
	int fd = os_own_dir(out_dir, rel, 0);

	if (fd >= 0)
		close(fd);
}

int
site_update(const struct project *p, struct index *ix, const char *out_dir)
{
	struct site s;
	size_t i;
	int fd, rc = 0;

	memset(&s, 0, sizeof(s));
	s.p = p;
	s.ix = ix;
	s.out_dir = out_dir;
	if (!ix || index_outputs_load(ix, &s.recs, &s.nrecs) < 0) {
		warn("cannot update the site in '%s': no cache index", p->cfg.output_dir);
		return -1;
	}
	if ((fd = os_own_dir(out_dir, NULL, 1)) < 0) {
		warn("cannot create '%s':", p->cfg.output_dir);
		index_outputs_free(s.recs, s.nrecs);
		return -1;
	}
	/* what a killed site_update left (a build with nothing to do does not
	 * clean DIST/ itself) */
	os_clean_stale_tmp(fd);
	close(fd);
	unplant_link(out_dir, "_thumbs");
	unplant_link(out_dir, "_thumbs/preview");
	if (collect(&s) < 0)
		rc = -1;
	if (thumbs(&s) < 0)
		rc = -1;
	prune_thumbs(&s, 1);
	prune_thumbs(&s, 0);
	if (write_manifest(&s) < 0)
		rc = -1;
	if (write_gallery(&s) < 0)
		rc = -1;
	for (i = 0; i < s.n; i++) {
		free(s.es[i].file);
		free(s.es[i].href);
		free(s.es[i].thumb);
		free(s.es[i].thumb_file);
		free(s.es[i].thumb_path);
		free(s.es[i].err);
		c2pa_report_release(&s.es[i].cred);
		json_decref(s.es[i].fit);
		json_decref(s.es[i].derivatives);
		free(s.es[i].picture);
		free(s.es[i].picture_file);
	}
	free(s.es);
	buf_release(&s.picks);
	index_outputs_free(s.recs, s.nrecs);
	return rc;
}
