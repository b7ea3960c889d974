/* derive.c - the web derivatives of a final PNG, their keys and the <picture> snippet */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build.h"
#include "codec.h"
#include "crypto.h"
#include "derive.h"
#include "os.h"
#include "plan.h"
#include "pool.h"
#include "cache/index.h"
#include "cache/store.h"
#include "util.h"

/* Bumped when the settings below change what an encoder writes. */
#define DERIVE_VERSION "1"

static const enum codec_format codec_of[OUTF_COUNT] = {
	[OUTF_AVIF] = CODEC_AVIF, [OUTF_WEBP] = CODEC_WEBP,
	[OUTF_PNG] = CODEC_PNG, [OUTF_JPEG] = CODEC_JPEG,
};
static const char *const exts[OUTF_COUNT] = { "avif", "webp", "png", "jpg" };
static const int default_quality[OUTF_COUNT] = {
	[OUTF_AVIF] = CODEC_AVIF_QUALITY, [OUTF_WEBP] = CODEC_WEBP_QUALITY,
	[OUTF_PNG] = 0, [OUTF_JPEG] = CODEC_JPEG_QUALITY,
};

const char *
derive_mime(enum outf f)
{
	return codec_format_mime(codec_of[f]);
}

const char *
derive_ext(enum outf f)
{
	return exts[f];
}

void
derive_final_size(const struct asset *a, uint32_t *w, uint32_t *h)
{
	*w = a->width;
	*h = a->height;
	if (a->upscale.kind == UPSCALE_FACTOR) {
		*w *= a->upscale.factor;
		*h *= a->upscale.factor;
	} else if (a->upscale.kind == UPSCALE_SIZE) {
		*w = a->upscale.width;
		*h = a->upscale.height;
	}
}

/* final, the format, width and quality, and the library that writes it */
static void
derive_key(const struct key *final, enum outf f, uint32_t width, int quality, struct key *out)
{
	struct key_stream *ks = key_stream_new();
	char text[256];
	int n;

	n = snprintf(text, sizeof(text), "derive %s\n%s\n%u\n%d\n%s\n", DERIVE_VERSION,
		     outf_names[f], width, quality, codec_version(codec_of[f]));
	key_stream_update(ks, final->b, sizeof(final->b));
	key_stream_update(ks, text, (size_t)n);
	key_stream_final(ks, out);
}

size_t
derive_list(const struct asset *a, const struct key *final, uint32_t w, uint32_t h,
	    struct derivative **out)
{
	const struct outputs *o = &a->outputs;
	uint32_t widths[OUTPUTS_MAX_WIDTHS + 1];
	struct derivative *d;
	size_t i, nw = 0, n = 0;
	int f;

	*out = NULL;
	if (!o->set || !o->formats)
		return 0;
	for (i = 0; i < o->nwidths; i++)
		if (o->widths[i] <= w)
			widths[nw++] = o->widths[i];
	if (!nw)
		widths[nw++] = w;
	d = xcalloc(nw * OUTF_COUNT, sizeof(*d));
	for (i = 0; i < nw; i++) {
		for (f = 0; f < OUTF_COUNT; f++) {
			struct derivative *x = &d[n];

			if (!(o->formats & (1u << f)))
				continue;
			x->fmt = (enum outf)f;
			if (codec_fit_width(w, h, widths[i], &x->width, &x->height) < 0)
				continue;
			x->quality = o->quality[f] ? o->quality[f] : default_quality[f];
			x->file = xasprintf("%s-%u.%s", a->name, widths[i], exts[f]);
			derive_key(final, x->fmt, x->width, x->quality, &x->key);
			n++;
		}
	}
	*out = d;
	return n;
}

void
derive_list_free(struct derivative *d, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(d[i].file);
	free(d);
}

char *
derive_snippet_file(const struct asset *a)
{
	return xasprintf("%s.picture.html", a->name);
}

int
derive_file_of(const struct project *p, const char *file)
{
	const char *dot = strrchr(file, '.'), *dash, *d;
	char *stem;
	size_t i;
	int found = 0;

	if (!dot)
		return 0;
	if (str_has_suffix(file, ".picture.html")) {
		stem = xstrndup(file, strlen(file) - strlen(".picture.html"));
		found = project_asset(p, stem) != NULL;
		free(stem);
		return found;
	}
	for (i = 0; i < OUTF_COUNT && strcmp(dot + 1, exts[i]); i++)
		;
	if (i == OUTF_COUNT)
		return 0;
	stem = xstrndup(file, (size_t)(dot - file));
	dash = strrchr(stem, '-');
	for (d = dash ? dash + 1 : NULL; d && *d >= '0' && *d <= '9'; d++)
		;
	/* NAME-WIDTH.EXT of an asset NAME, and not an asset's own NAME.png */
	if (dash && d && !*d && d > dash + 1 && !(i == OUTF_PNG && project_asset(p, stem))) {
		stem[dash - stem] = '\0';
		found = project_asset(p, stem) != NULL;
	}
	free(stem);
	return found;
}

static void
html_attr(struct buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '&': buf_puts(b, "&amp;"); break;
		case '"': buf_puts(b, "&quot;"); break;
		case '\n': buf_putc(b, ' '); break;
		default: buf_putc(b, *s);
		}
	}
}

static void
srcset(struct buf *b, const char *base, const struct derivative *d, size_t n, enum outf f)
{
	size_t i;
	int first = 1;

	for (i = 0; i < n; i++) {
		if (d[i].fmt != f)
			continue;
		buf_printf(b, "%s%s%s %uw", first ? "" : ", ", base, d[i].file, d[i].width);
		first = 0;
	}
}

void
derive_snippet(const struct asset *a, const struct derivative *d, size_t n,
	       const char *png_file, uint32_t w, uint32_t h, struct buf *out)
{
	const char *sizes = a->outputs.sizes[0] ? a->outputs.sizes : "100vw";
	const char *base = a->outputs.base;
	unsigned have = 0;
	size_t i, big = SIZE_MAX;
	int f, img = -1;

	for (i = 0; i < n; i++)
		have |= 1u << d[i].fmt;
	if (have & (1u << OUTF_JPEG))
		img = OUTF_JPEG;
	else if (have & (1u << OUTF_PNG))
		img = OUTF_PNG;
	buf_puts(out, "<picture>\n");
	for (f = 0; f < OUTF_COUNT; f++) {
		if (!(have & (1u << f)) || f == img)
			continue;
		buf_printf(out, "  <source type=\"%s\" srcset=\"", derive_mime((enum outf)f));
		srcset(out, base, d, n, (enum outf)f);
		buf_printf(out, "\" sizes=\"%s\">\n", sizes);
	}
	for (i = 0; img >= 0 && i < n; i++)
		if ((int)d[i].fmt == img)
			big = i;
	if (big != SIZE_MAX) {
		buf_printf(out, "  <img src=\"%s%s\" srcset=\"", base, d[big].file);
		srcset(out, base, d, n, (enum outf)img);
		buf_printf(out, "\" sizes=\"%s\" width=\"%u\" height=\"%u\"", sizes, d[big].width,
			   d[big].height);
	} else {
		buf_printf(out, "  <img src=\"%s%s\" width=\"%u\" height=\"%u\"", base, png_file, w, h);
	}
	buf_puts(out, " alt=\"");
	html_attr(out, a->prompt);
	buf_puts(out, "\" loading=\"lazy\" decoding=\"async\">\n</picture>\n");
}

/* ---- the stage ---- */

static void
xml_text(struct buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '&': buf_puts(b, "&amp;"); break;
		default: buf_putc(b, *s);
		}
	}
}

/* The derivative's XMP: the IPTC marker, the prompt, the model, and the
 * keys of the final image and of this derivative. */
static char *
derive_xmp(const struct asset *a, const char *model, const struct key *final,
	   const struct derivative *d, const char *png_file)
{
	char fhex[KEY_HEX_LEN + 1], dhex[KEY_HEX_LEN + 1];
	struct buf b = BUF_INIT;

	key_hex(final, fhex);
	key_hex(&d->key, dhex);
	buf_puts(&b, "<?xpacket begin=\"\xef\xbb\xbf\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
		 "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
		 " <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
		 "  <rdf:Description rdf:about=\"\"\n"
		 "    xmlns:Iptc4xmpExt=\"http://iptc.org/std/Iptc4xmpExt/2008-02-29/\"\n"
		 "    xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n"
		 "    xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"\n"
		 "    xmlns:assetgen=\"https://assetgen.invalid/ns/1.0/\">\n"
		 "   <Iptc4xmpExt:DigitalSourceType>"
		 "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
		 "</Iptc4xmpExt:DigitalSourceType>\n"
		 "   <xmp:CreatorTool>assetgen " ASSETGEN_VERSION "</xmp:CreatorTool>\n"
		 "   <dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">");
	xml_text(&b, a->prompt);
	buf_puts(&b, "</rdf:li></rdf:Alt></dc:description>\n   <Iptc4xmpExt:AISystemUsed>");
	xml_text(&b, model);
	buf_printf(&b, "</Iptc4xmpExt:AISystemUsed>\n"
		   "   <assetgen:key>%s</assetgen:key>\n"
		   "   <assetgen:derivativeKey>%s</assetgen:derivativeKey>\n"
		   "   <assetgen:derivedFrom>", fhex, dhex);
	xml_text(&b, png_file);
	buf_puts(&b, "</assetgen:derivedFrom>\n  </rdf:Description>\n </rdf:RDF>\n</x:xmpmeta>\n"
		 "<?xpacket end=\"r\"?>");
	return buf_detach(&b, NULL);
}

/* One asset with work to do. */
struct dasset {
	const struct plan_item *it;
	const char *model;
	struct key final, digest;   /* the final image's key and its blob */
	struct image src;           /* decoded when a derivative needs encoding */
	char *err;
	int need;
};

struct djob {
	struct dasset *da;
	const struct derivative *d;
	struct buf out;
	char *err;
};

struct drun {
	struct store *st;
	int outfd;
	struct dasset *as;
	struct djob *jobs;
};

static void
decode_one(void *arg, size_t k, int worker)
{
	struct drun *r = arg;
	struct dasset *da = &r->as[k];
	struct buf b = BUF_INIT;
	char *err = NULL;

	(void)worker;
	if (!da->need)
		return;
	/* the blob; else the PNG in DIST (a cache that lost it) */
	if (store_get(r->st, &da->digest, &b) != STORE_OK) {
		buf_reset(&b);
		if (os_read_file_at(r->outfd, da->it->out_name, CODEC_MAX_BYTES, 1, &b) < 0) {
			da->err = xasprintf("cannot read '%s': %s", da->it->out_rel, strerror(errno));
			buf_release(&b);
			return;
		}
	}
	if (codec_decode(b.data, b.len, NULL, &da->src, NULL, &err) < 0) {
		da->err = xasprintf("'%s': %s", da->it->out_rel, err);
		free(err);
	}
	buf_release(&b);
}

static void
encode_one(void *arg, size_t k, int worker)
{
	struct drun *r = arg;
	struct djob *j = &r->jobs[k];
	struct dasset *da = j->da;
	struct codec_encode_opts o;
	struct image small;
	char *xmp;

	(void)worker;
	if (da->err)
		return;
	memset(&small, 0, sizeof(small));
	if (codec_resize(&da->src, j->d->width, 1, &small) < 0) {
		j->err = xasprintf("cannot resize to %u wide", j->d->width);
		return;
	}
	xmp = derive_xmp(da->it->asset, da->model, &da->final, j->d, da->it->out_name);
	memset(&o, 0, sizeof(o));
	o.quality = j->d->quality;
	o.xmp = xmp;
	o.xmp_len = strlen(xmp);
	if (codec_encode(&small, codec_of[j->d->fmt], &o, &j->out, NULL, &j->err) < 0)
		buf_release(&j->out);
	free(xmp);
	image_release(&small);
}

/* Is DIST/file already d's bytes (the blob act names)? */
static int
file_fresh(int outfd, const char *file, const struct action *act, struct buf *scratch)
{
	struct key k;

	buf_reset(scratch);
	if (os_read_file_at(outfd, file, STORE_MAX_BLOB, 1, scratch) < 0 || scratch->len != act->size)
		return 0;
	key_digest(scratch->data, scratch->len, &k);
	return key_equal(&k, &act->digest);
}

/* Write file unless it already holds data. */
static int
write_if_changed(int outfd, const char *file, const void *data, size_t len, struct buf *scratch,
		 int *wrote)
{
	*wrote = 0;
	buf_reset(scratch);
	if (os_read_file_at(outfd, file, len + 1, 1, scratch) == 0 && scratch->len == len &&
	    !memcmp(scratch->data, data, len))
		return 0;
	*wrote = 1;
	return os_write_atomic(outfd, file, data, len);
}

static void
record(struct index *ix, const struct key *key, const struct key *digest, const struct buf *blob)
{
	struct action act;

	memset(&act, 0, sizeof(act));
	act.digest = *digest;
	act.size = blob->len;
	sha256_hex(blob->data, blob->len, act.sha256);
	snprintf(act.stage, sizeof(act.stage), "derive");
	index_action_put(ix, key, &act);
}

int
derive_run(const struct project *p, const struct plan *pl, const struct item_result *res,
	   struct store *st, struct index *ix, const char *out_dir, int nthreads, struct derive_stats *ds)
{
	struct drun r = { st, -1, NULL, NULL };
	struct derivative **lists;
	size_t *nlists;
	struct buf scratch = BUF_INIT, snip = BUF_INIT;
	size_t i, k, nas = 0, njobs = 0, capjobs = 0;
	int failed = 0, wrote;

	memset(ds, 0, sizeof(*ds));
	for (i = 0; i < pl->nitems; i++)
		if (pl->items[i].asset->outputs.set && pl->items[i].asset->outputs.formats &&
		    res[i].outcome != OUT_FAILED && res[i].outcome != OUT_SKIPPED)
			break;
	if (i == pl->nitems)
		return 0;
	if ((r.outfd = os_own_dir(out_dir, NULL, 1)) < 0) {
		warn("cannot open output directory '%s':", out_dir);
		return -1;
	}
	r.as = xcalloc(pl->nitems + 1, sizeof(*r.as));
	lists = xcalloc(pl->nitems + 1, sizeof(*lists));
	nlists = xcalloc(pl->nitems + 1, sizeof(*nlists));
	for (i = 0; i < pl->nitems; i++) {
		const struct plan_item *it = &pl->items[i];
		const struct asset *a = it->asset;
		struct dasset *da = &r.as[nas];
		struct derivative *d;
		uint32_t w, h;
		char *sfile;
		size_t n;

		if (!a->outputs.set || !a->outputs.formats || res[i].outcome == OUT_FAILED ||
		    res[i].outcome == OUT_SKIPPED)
			continue;
		da->it = it;
		da->model = res[i].model ? res[i].model : "";
		da->final = it->cands[res[i].cand].final_key;
		da->digest = res[i].digest;
		derive_final_size(a, &w, &h);
		n = derive_list(a, &da->final, w, h, &d);
		lists[nas] = d;
		nlists[nas] = n;
		for (k = 0; k < n; k++) {
			struct action act;
			struct buf blob = BUF_INIT;
			const struct asset *other;

			/* NAME-480.png is another asset's output name */
			if (d[k].fmt == OUTF_PNG) {
				char *base = xasprintf("%s-%u", a->name, d[k].width);

				other = project_asset(p, base);
				free(base);
				if (other) {
					warn("%s: derivative '%s' would overwrite asset '%s': not written",
					     a->name, d[k].file, other->name);
					ds->failed++;
					failed = 1;
					continue;
				}
			}
			if (index_action_get(ix, &d[k].key, &act) == 1) {
				if (file_fresh(r.outfd, d[k].file, &act, &scratch)) {
					ds->fresh++;
					continue;
				}
				if (store_get(st, &act.digest, &blob) == STORE_OK) {
					if (os_write_atomic(r.outfd, d[k].file, blob.data, blob.len) < 0) {
						warn("cannot write '%s':", d[k].file);
						ds->failed++;
						failed = 1;
					} else {
						ds->restored++;
					}
					buf_release(&blob);
					continue;
				}
				buf_release(&blob);
			}
			r.jobs = xgrow(r.jobs, &capjobs, njobs + 1, sizeof(*r.jobs));
			memset(&r.jobs[njobs], 0, sizeof(r.jobs[njobs]));
			r.jobs[njobs].da = da;
			r.jobs[njobs].d = &d[k];
			njobs++;
			da->need = 1;
		}
		buf_reset(&snip);
		derive_snippet(a, d, n, it->out_name, w, h, &snip);
		sfile = derive_snippet_file(a);
		if (write_if_changed(r.outfd, sfile, snip.data, snip.len, &scratch, &wrote) < 0) {
			warn("cannot write '%s':", sfile);
			failed = 1;
		} else if (wrote) {
			ds->snippets++;
		}
		free(sfile);
		nas++;
	}
	if (nthreads <= 0)
		nthreads = os_cpus();
	if (njobs) {
		pool_run(nthreads, nas, decode_one, &r);
		pool_run(nthreads, njobs, encode_one, &r);
	}
	for (k = 0; k < njobs; k++) {
		struct djob *j = &r.jobs[k];
		const char *err = j->da->err ? j->da->err : j->err;
		struct key digest;

		if (err) {
			warn("%s: cannot make '%s': %s", j->da->it->asset->name, j->d->file, err);
			ds->failed++;
			failed = 1;
		} else if (store_put(st, j->out.data, j->out.len, &digest) < 0 ||
			   os_write_atomic(r.outfd, j->d->file, j->out.data, j->out.len) < 0) {
			warn("cannot write '%s':", j->d->file);
			ds->failed++;
			failed = 1;
		} else {
			record(ix, &j->d->key, &digest, &j->out);
			ds->encoded++;
		}
		buf_release(&j->out);
		free(j->err);
	}
	for (i = 0; i < nas; i++) {
		image_release(&r.as[i].src);
		free(r.as[i].err);
		derive_list_free(lists[i], nlists[i]);
	}
	free(lists);
	free(nlists);
	free(r.as);
	free(r.jobs);
	buf_release(&scratch);
	buf_release(&snip);
	close(r.outfd);
	return failed ? -1 : 0;
}
