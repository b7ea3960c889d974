/* site/site.h - the static site: DIST/manifest.json, DIST/_thumbs/, DIST/index.html
 *
 * After every build the site is brought up to date with what the outputs
 * are, as the cache index records them: every asset of the project whose
 * output (DIST/NAME.png, or DIST/preview/NAME.png) exists exactly as
 * recorded.  So a subset build keeps the entries of the assets it did not
 * build, assets removed from the recipes drop out, and an output deleted
 * or edited by hand is left out until a build makes it again.
 *
 * Thumbnails (longest side SITE_THUMB_SIDE, lanczos3, never enlarged) are
 * a cached stage like any other: each carries the digest of the image it
 * was made from in its "assetgen:thumb-of" text chunk and is remade only
 * when that differs.  Every file is written atomically and only when its
 * content changes, so a no-op build touches nothing.  The manifest's
 * schema is in docs/manifest.md.
 */
#ifndef SITE_H
#define SITE_H

#include <stddef.h>
#include <stdint.h>

#include "cache/index.h"
#include "recipe.h"

#define SITE_THUMB_SIDE 256
#define SITE_MANIFEST_VERSION 1

/* Update DIST/manifest.json, DIST/_thumbs/ and DIST/index.html (out_dir is
 * the absolute DIST).  0, or -1 when something could not be written
 * (warned). */
int site_update(const struct project *p, struct index *ix, const char *out_dir);

/* Append s to b with &, <, >, " and ' escaped for HTML. */
struct buf;
void site_html_escape(struct buf *b, const char *s);

/* Remove what site_update() makes (`assetgen clean`). */
void site_clean(const char *out_dir);

/* A thumbnail's size for a w x h image: the longest side SITE_THUMB_SIDE,
 * or the image's own size when it is no larger. */
void site_thumb_size(uint32_t w, uint32_t h, uint32_t *tw, uint32_t *th);

/* Width and height from the IHDR at the start of PNG data; 0 or -1. */
int site_png_size(const void *data, size_t len, uint32_t *w, uint32_t *h);

#endif
