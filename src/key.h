/* key.h - cache keys and blob digests: XXH3-128 over a canonical encoding
 *
 * key.c is the only file that includes <xxhash.h>.  The encoding is
 * versioned ("assetgen/gen/v1", "assetgen/overlay/v1", "assetgen/upscale/v1",
 * "assetgen/encode/v2"): each field is a
 * length-prefixed name and value in a fixed order, params in sorted order,
 * numbers in one canonical text form.  What is keyed: prompt, negative
 * prompt, seed, size, params, and the model's identity (provider, model,
 * declared version, implementation version) - never its config name,
 * endpoint or credentials, so teammates with different endpoints share keys.
 */
#ifndef KEY_H
#define KEY_H

#include <stddef.h>
#include <stdint.h>

#include "recipe.h"

#define KEY_HEX_LEN 32

struct key {
	uint8_t b[16];     /* big-endian: high 64 bits first, as XXH128_canonical_t */
};

/* What identifies a model in a key.  impl is the provider's implementation
 * version (the built-in renderer's RENDER_VERSION; "" for hosted models). */
struct model_id {
	const char *provider;
	const char *model;
	const char *version;
	const char *impl;
	const char *workflow;       /* digest of a comfyui workflow's content, or "" */
};

void model_id_of(const struct model *m, const char *impl, struct model_id *out);

/* The generation key of asset a rendered by model id with params ps (the
 * merged, sorted params the request will carry). */
void key_generation(const struct asset *a, const struct model_id *id,
		    const struct param *ps, size_t nps, struct key *out);

/* The generation key of an asset with inputs: gen (key_generation's)
 * plus each input's role, strength and identity: a file's content digest
 * (never its path), or the upstream asset's pixels' key ups[i] (its
 * pix_key: what is sent is its pixels, input_images.h). */
void key_inputs(const struct key *gen, const struct asset *a, const struct key *ups,
		struct key *out);

/* The overlay key: the generation key plus the overlay's text, the font's
 * content digest (never its path), size, colour, box, alignment and
 * OVERLAY_VERSION. */
void key_overlay(const struct key *gen, const struct overlay *ov, struct key *out);

/* The upscale key: the key of the image it enlarges (the overlay key, or
 * the generation key) plus the upscaler's identity and
 * settings.  up_model is NULL for the in-process kernels. */
void key_upscale(const struct key *gen, const struct upscale *up,
		 const struct model_id *up_model, struct key *out);

/* The encode stage: the key of the PNG bytes made from the pixels of
 * the stage keyed pix (the last one: upscale, check, overlay or
 * generation) with settings o (level, filter; never threads, which change
 * no byte), the data layout (PNGIO_LAYOUT), libpng's and zlib's versions.
 * The same pixels and settings give the same bytes on every machine,
 * whichever encoding the cached pixels were stored in.  The version goes
 * up whenever the bytes written for the same pixels and settings change,
 * the text chunks' layout included (v2: the infotext as AUTOMATIC1111
 * writes it: its quoting, sampler names and Hires fields). */
void key_encode(const struct key *pix, const struct pngio_opts *o, struct key *out);

/* The typography check (ocr.h).  key_ocr keys a verdict: the digest of
 * the image read, the expected copy, language, threshold, the OCR
 * engine's version and, when it reads the output with the overlay drawn,
 * that choice (typography.check).  key_checked keys the artifact that
 * carries the verdict: prev (the generation or upscale key) and the same
 * settings. */
void key_ocr(const struct key *image, const struct typography *t, const char *engine,
	     struct key *out);
void key_checked(const struct key *prev, const struct typography *t, const char *engine,
		 struct key *out);

/* Content credentials (seal.h).  key_signed keys a signed output: prev
 * (the unsigned output's key), the signer (SHA-256 of its certificate
 * chain, hex: public, never the private key) and assetgen's version (it
 * writes the manifest; the encoding's v2: the fit is a c2pa.resized
 * action of its own).  key_upstream keys the manifest store a provider's
 * image came with, kept beside the generation gen. */
void key_signed(const struct key *prev, const char *signer_hex, struct key *out);
void key_upstream(const struct key *gen, struct key *out);

/* A blob's address: XXH3-128 of its bytes. */
void key_digest(const void *data, size_t len, struct key *out);

/* Streaming digest, for blobs read in pieces. */
struct key_stream;
struct key_stream *key_stream_new(void);
void key_stream_update(struct key_stream *s, const void *data, size_t len);
void key_stream_final(struct key_stream *s, struct key *out);   /* frees s */

/* 32 lowercase hex digits + NUL. */
void key_hex(const struct key *k, char out[KEY_HEX_LEN + 1]);
/* Parse 32 hex digits; 0 or -1. */
int key_parse(const char *hex, struct key *out);
int key_equal(const struct key *a, const struct key *b);

#endif
