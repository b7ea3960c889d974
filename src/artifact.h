/* artifact.h - what travels inside each PNG assetgen makes
 *
 * Text chunks: the key, prompt, negative prompt, seed, size, model
 * identity, params, upscale and tool version (and the overlay, when one
 * was drawn; the native size and the fit, when the model made another
 * size); an AUTOMATIC1111-style
 * `parameters` chunk that existing image tools read; and an XMP packet
 * marking the image as AI-generated (IPTC DigitalSourceType
 * trainedAlgorithmicMedia).  Only keyed inputs go in, so the same key gives
 * the same bytes whoever builds it.
 */
#ifndef ARTIFACT_H
#define ARTIFACT_H

#include <stddef.h>
#include <stdint.h>

#include "key.h"
#include "png.h"
#include "recipe.h"

/* "steps=30\nsampler=euler\n" (sorted, as given) */
char *artifact_params_text(const struct param *ps, size_t nps);
/* "none", "factor=2 with=lanczos3", "size=2048x1024 with=bicubic" */
char *artifact_upscale_text(const struct upscale *up);
/* "none", or the overlay as "name=value\n" lines, in this order: text
 * (a backslash written as \\, a newline as \n), font (its family and
 * style, from the font file: never its path, which is not keyed), font_digest, size, color (#rrggbbaa), box (x,y,w,h), align, valign. */
char *artifact_overlay_text(const struct overlay *ov);
/* "builtin render/1", "ideogram V_2 version=2024-08" */
char *artifact_model_text(const struct model_id *id);

/* Metadata of a generated image; extra (may be NULL) is appended. */
void artifact_meta_generation(struct meta *out, const struct asset *a, const struct model_id *id,
			      const struct param *ps, size_t nps, const struct key *gen_key,
			      const struct meta *extra);
/* Metadata of the image with its overlay drawn: the generation's, re-keyed,
 * plus `overlay` (artifact_overlay_text), `overlay_text` (the words, as
 * drawn) and `overlay_fit` ("size=90 lines=2": the size drawn at). */
void artifact_meta_overlay(struct meta *out, const struct meta *gen, const struct overlay *ov,
			   uint32_t fit_size, uint32_t fit_lines, const struct key *gen_key,
			   const struct key *ovl_key);
/* Metadata of a generation fitted to the asset's size (fit.h):
 * `native_size`, the size asked of the model ("1344x704"),
 * `returned_size`, the size it sent back, and `fit` (fit_text). */
void artifact_meta_fit(struct meta *out, uint32_t native_w, uint32_t native_h,
		       uint32_t got_w, uint32_t got_h, const struct fit *f);
/* Metadata of the upscaled image: the generation's, re-keyed. */
void artifact_meta_upscale(struct meta *out, const struct meta *gen, const struct upscale *up,
			   const struct key *gen_key, const struct key *final_key);

#endif
