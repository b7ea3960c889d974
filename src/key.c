/* key.c - canonical encoding and XXH3-128 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "buf.h"
#include "key.h"
#include "util.h"

static void
put_field(struct buf *b, const char *name, const char *value)
{
	/* "<len>:<name><len>:<value>" - unambiguous for any bytes */
	buf_printf(b, "%zu:", strlen(name));
	buf_puts(b, name);
	buf_printf(b, "%zu:", strlen(value));
	buf_puts(b, value);
}

static void
put_u64(struct buf *b, const char *name, uint64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	put_field(b, name, num);
}

static void
put_model(struct buf *b, const struct model_id *id)
{
	put_field(b, "provider", id->provider ? id->provider : "");
	put_field(b, "model", id->model ? id->model : "");
	put_field(b, "version", id->version ? id->version : "");
	put_field(b, "impl", id->impl ? id->impl : "");
}

static void
finish(struct buf *b, struct key *out)
{
	XXH128_hash_t h = XXH3_128bits(b->data, b->len);
	XXH128_canonical_t c;

	XXH128_canonicalFromHash(&c, h);
	memcpy(out->b, c.digest, sizeof(out->b));
	buf_release(b);
}

void
model_id_of(const struct model *m, const char *impl, struct model_id *out)
{
	out->provider = m->provider;
	out->model = m->model ? m->model : "";
	out->version = m->version ? m->version : "";
	out->impl = impl ? impl : "";
}

void
key_generation(const struct asset *a, const struct model_id *id,
	       const struct param *ps, size_t nps, struct key *out)
{
	static const char type_tag[] = {[VAL_STRING] = 's', [VAL_NUMBER] = 'n', [VAL_BOOL] = 'b'};
	struct buf b = BUF_INIT;
	char tag[2] = {0};
	size_t i;

	buf_puts(&b, "assetgen/gen/v1");
	put_model(&b, id);
	put_field(&b, "prompt", a->prompt);
	put_field(&b, "negative_prompt", a->negative_prompt ? a->negative_prompt : "");
	put_u64(&b, "seed", a->seed);
	put_u64(&b, "width", a->width);
	put_u64(&b, "height", a->height);
	put_u64(&b, "params", nps);
	for (i = 0; i < nps; i++) {
		tag[0] = type_tag[ps[i].type];
		put_field(&b, "name", ps[i].name);
		put_field(&b, tag, ps[i].value);
	}
	finish(&b, out);
}

void
key_upscale(const struct key *gen, const struct upscale *up,
	    const struct model_id *up_model, struct key *out)
{
	struct buf b = BUF_INIT;
	char hex[KEY_HEX_LEN + 1];

	key_hex(gen, hex);
	buf_puts(&b, "assetgen/upscale/v1");
	put_field(&b, "generation", hex);
	switch (up->kind) {
	case UPSCALE_FACTOR:
		put_u64(&b, "factor", up->factor);
		break;
	case UPSCALE_SIZE:
		put_u64(&b, "width", up->width);
		put_u64(&b, "height", up->height);
		break;
	case UPSCALE_NONE:
		put_field(&b, "none", "");
		break;
	}
	put_field(&b, "with", up->with ? up->with : "");
	if (up_model)
		put_model(&b, up_model);
	finish(&b, out);
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
