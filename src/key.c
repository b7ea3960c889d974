/* key.c - canonical encoding and XXH3-128 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "fit.h"
#include "key.h"
#include "overlay.h"
#include "png.h"
#include "util.h"

/* The encoding is hashed as it is produced: no buffer, no allocation (a
 * no-op build keys every asset, so this is on its hot path). */
struct enc {
	XXH3_state_t st;
};

static void
put_len(struct enc *e, size_t n)
{
	char num[24], *p = num + sizeof(num);

	*--p = ':';
	do {
		*--p = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	XXH3_128bits_update(&e->st, p, (size_t)(num + sizeof(num) - p));
}

static void
put_field(struct enc *e, const char *name, const char *value)
{
	/* "<len>:<name><len>:<value>" - unambiguous for any bytes */
	size_t n = strlen(name), v = strlen(value);

	put_len(e, n);
	XXH3_128bits_update(&e->st, name, n);
	put_len(e, v);
	XXH3_128bits_update(&e->st, value, v);
}

static void
put_u64(struct enc *e, const char *name, uint64_t v)
{
	char num[24], *p = num + sizeof(num) - 1;

	*p = '\0';
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put_field(e, name, p);
}

static void
put_model(struct enc *e, const struct model_id *id)
{
	put_field(e, "provider", id->provider ? id->provider : "");
	put_field(e, "model", id->model ? id->model : "");
	put_field(e, "version", id->version ? id->version : "");
	put_field(e, "impl", id->impl ? id->impl : "");
	/* only when there is one: every other model's keys stay as they were */
	if (id->workflow && *id->workflow)
		put_field(e, "workflow", id->workflow);
}

static void
start(struct enc *e, const char *tag)
{
	XXH3_128bits_reset(&e->st);
	XXH3_128bits_update(&e->st, tag, strlen(tag));
}

static void
finish(struct enc *e, struct key *out)
{
	XXH128_canonical_t c;

	XXH128_canonicalFromHash(&c, XXH3_128bits_digest(&e->st));
	memcpy(out->b, c.digest, sizeof(out->b));
}

void
model_id_of(const struct model *m, const char *impl, struct model_id *out)
{
	out->provider = m->provider;
	out->model = m->model ? m->model : "";
	out->version = m->version ? m->version : "";
	out->impl = impl ? impl : "";
	out->workflow = m->workflow_digest;
}

void
key_generation(const struct asset *a, const struct model_id *id,
	       const struct param *ps, size_t nps, struct key *out)
{
	static const char type_tag[][2] = {[VAL_STRING] = "s", [VAL_NUMBER] = "n", [VAL_BOOL] = "b"};
	struct enc e;
	size_t i;

	start(&e, "assetgen/gen/v1");
	put_model(&e, id);
	put_field(&e, "prompt", a->prompt);
	put_field(&e, "negative_prompt", a->negative_prompt ? a->negative_prompt : "");
	put_u64(&e, "seed", a->seed);
	put_u64(&e, "width", a->width);
	put_u64(&e, "height", a->height);
	put_u64(&e, "params", nps);
	for (i = 0; i < nps; i++) {
		put_field(&e, "name", ps[i].name);
		put_field(&e, type_tag[ps[i].type], ps[i].value);
	}
	/* the default fit (cover, centred) is left out: keys made before
	 * fitting existed stay valid, as those images were made that way */
	if (!fit_is_default(&a->fit)) {
		char *fit = fit_text(&a->fit);

		put_field(&e, "fit", fit);
		free(fit);
	}
	finish(&e, out);
}

void
key_inputs(const struct key *gen, const struct asset *a, const struct key *ups, struct key *out)
{
	static const char *const roles[ROLE_COUNT] = { "reference", "init", "mask" };
	struct enc e;
	struct key k;
	char hex[KEY_HEX_LEN + 1];
	size_t i;

	key_hex(gen, hex);
	start(&e, "assetgen/inputs/v2");
	put_field(&e, "generation", hex);
	put_u64(&e, "inputs", a->ninputs);
	for (i = 0; i < a->ninputs; i++) {
		const struct asset_input *in = &a->inputs[i];

		put_field(&e, "role", roles[in->role]);
		put_u64(&e, "strength", in->strength);
		if (in->file) {
			memcpy(k.b, in->file->digest, sizeof(k.b));
			key_hex(&k, hex);
			put_field(&e, "file", hex);
		} else {
			/* the upstream's pixels, as they are sent (input_images.h) */
			key_hex(&ups[i], hex);
			put_field(&e, "asset pixels", hex);
		}
	}
	finish(&e, out);
}

void
key_overlay(const struct key *gen, const struct overlay *ov, struct key *out)
{
	struct enc e;
	struct key font;
	char hex[KEY_HEX_LEN + 1], color[10];

	key_hex(gen, hex);
	start(&e, "assetgen/overlay/v1");
	put_field(&e, "generation", hex);
	put_field(&e, "impl", OVERLAY_VERSION);
	put_field(&e, "text", ov->text);
	memcpy(font.b, ov->font->digest, sizeof(font.b));
	key_hex(&font, hex);
	put_field(&e, "font", hex);
	put_u64(&e, "size", ov->size);
	snprintf(color, sizeof(color), "#%02x%02x%02x%02x", ov->rgba[0], ov->rgba[1], ov->rgba[2],
		 ov->rgba[3]);
	put_field(&e, "color", color);
	put_u64(&e, "x", ov->x);
	put_u64(&e, "y", ov->y);
	put_u64(&e, "w", ov->w);
	put_u64(&e, "h", ov->h);
	put_field(&e, "align", overlay_align_names[ov->align]);
	put_field(&e, "valign", overlay_valign_names[ov->valign]);
	finish(&e, out);
}

void
key_upscale(const struct key *gen, const struct upscale *up,
	    const struct model_id *up_model, struct key *out)
{
	struct enc e;
	char hex[KEY_HEX_LEN + 1];

	key_hex(gen, hex);
	start(&e, "assetgen/upscale/v1");
	put_field(&e, "generation", hex);
	switch (up->kind) {
	case UPSCALE_FACTOR:
		put_u64(&e, "factor", up->factor);
		break;
	case UPSCALE_SIZE:
		put_u64(&e, "width", up->width);
		put_u64(&e, "height", up->height);
		break;
	case UPSCALE_NONE:
		put_field(&e, "none", "");
		break;
	}
	put_field(&e, "with", up->with ? up->with : "");
	if (up_model)
		put_model(&e, up_model);
	finish(&e, out);
}

void
key_encode(const struct key *pix, const struct pngio_opts *o, struct key *out)
{
	struct enc e;
	char hex[KEY_HEX_LEN + 1];
	const char *filter = pngio_filter_name(o ? o->filter : PNGIO_FILTER_DEFAULT);

	key_hex(pix, hex);
	start(&e, "assetgen/encode/v2");
	put_field(&e, "pixels", hex);
	put_u64(&e, "level", (uint64_t)(o ? o->level : PNGIO_LEVEL_DEFAULT));
	put_field(&e, "filter", filter ? filter : "");
	put_field(&e, "layout", PNGIO_LAYOUT);
	put_field(&e, "libpng", pngio_version());
	put_field(&e, "zlib", pngio_zlib_version());
	finish(&e, out);
}

static void
put_typography(struct enc *e, const struct typography *t, const char *engine)
{
	char num[32];
	size_t i;

	put_u64(e, "expect", t->nexpect);
	for (i = 0; i < t->nexpect; i++)
		put_field(e, "text", t->expect[i]);
	put_field(e, "lang", t->lang ? t->lang : "");
	snprintf(num, sizeof(num), "%.6f", t->threshold);
	put_field(e, "threshold", num);
	put_field(e, "engine", engine ? engine : "");
	/* only when the overlay is drawn first: the keys of a check on the
	 * generation stay what they were before the choice existed */
	if (t->on_output)
		put_field(e, "check", "output");
}

void
key_ocr(const struct key *image, const struct typography *t, const char *engine, struct key *out)
{
	struct enc e;
	char hex[KEY_HEX_LEN + 1];

	key_hex(image, hex);
	start(&e, "assetgen/ocr/v1");
	put_field(&e, "image", hex);
	put_typography(&e, t, engine);
	finish(&e, out);
}

void
key_checked(const struct key *prev, const struct typography *t, const char *engine,
	    struct key *out)
{
	struct enc e;
	char hex[KEY_HEX_LEN + 1];

	key_hex(prev, hex);
	start(&e, "assetgen/checked/v1");
	put_field(&e, "artifact", hex);
	put_typography(&e, t, engine);
	finish(&e, out);
}

void
key_signed(const struct key *prev, const char *signer_hex, struct key *out)
{
	struct enc e;
	char hex[KEY_HEX_LEN + 1];

	key_hex(prev, hex);
	start(&e, "assetgen/signed/v2");
	put_field(&e, "artifact", hex);
	put_field(&e, "signer", signer_hex);
	put_field(&e, "generator", ASSETGEN_VERSION);
	finish(&e, out);
}

void
key_upstream(const struct key *gen, struct key *out)
{
	struct enc e;
	char hex[KEY_HEX_LEN + 1];

	key_hex(gen, hex);
	start(&e, "assetgen/c2pa-upstream/v1");
	put_field(&e, "generation", hex);
	finish(&e, out);
}

void
key_digest(const void *data, size_t len, struct key *out)
{
	XXH128_canonical_t c;

	XXH128_canonicalFromHash(&c, XXH3_128bits(data, len));
	memcpy(out->b, c.digest, sizeof(out->b));
}

struct key_stream {
	XXH3_state_t st;
};

struct key_stream *
key_stream_new(void)
{
	struct key_stream *s = xmalloc(sizeof(*s));

	XXH3_128bits_reset(&s->st);
	return s;
}

void
key_stream_update(struct key_stream *s, const void *data, size_t len)
{
	XXH3_128bits_update(&s->st, data, len);
}

void
key_stream_final(struct key_stream *s, struct key *out)
{
	XXH128_canonical_t c;

	XXH128_canonicalFromHash(&c, XXH3_128bits_digest(&s->st));
	memcpy(out->b, c.digest, sizeof(out->b));
	free(s);
}

void
key_hex(const struct key *k, char out[KEY_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 16; i++) {
		out[2 * i] = digits[k->b[i] >> 4];
		out[2 * i + 1] = digits[k->b[i] & 15];
	}
	out[KEY_HEX_LEN] = '\0';
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
key_parse(const char *hex, struct key *out)
{
	int i, hi, lo;

	for (i = 0; i < 16; i++) {
		hi = hexval((unsigned char)hex[2 * i]);
		if (hi < 0)
			return -1;
		lo = hexval((unsigned char)hex[2 * i + 1]);
		if (lo < 0)
			return -1;
		out->b[i] = (uint8_t)(hi << 4 | lo);
	}
	return hex[KEY_HEX_LEN] == '\0' ? 0 : -1;
}

int
key_equal(const struct key *a, const struct key *b)
{
	return memcmp(a->b, b->b, sizeof(a->b)) == 0;
}
