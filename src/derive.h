/* derive.h - the web derivatives of a final PNG: AVIF, WebP, PNG and JPEG
 * at several widths, and the <picture> snippet that serves them
 *
 * An asset's `outputs:` (recipe.h) names the formats, widths, qualities
 * and the snippet's sizes.  Each derivative is a cached stage of its own:
 * its key covers the final image's key, the format, the width, the
 * quality and the encoder library's version (codec_version), so a change
 * of one quality re-encodes that format alone, from the cached final
 * image, with no model call.  The files go next to the PNG:
 * DIST/NAME-WIDTH.avif, .webp, .png, .jpg, and DIST/NAME.picture.html.
 * Each derivative carries an XMP packet with the IPTC DigitalSourceType
 * and the final key.  docs/outputs.md has the details.
 */
#ifndef DERIVE_H
#define DERIVE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "key.h"
#include "recipe.h"

struct derivative {
	enum outf fmt;
	uint32_t width, height;
	int quality;                /* as encoded: the default filled in; 0 for png */
	char *file;                 /* "NAME-480.webp", relative to DIST */
	struct key key;
};

/* The derivatives a's outputs ask for, of a w x h final image made under
 * the key final: every format at every width up to w (a wider one is
 * skipped, never upscaled; when none is left, or none is listed, w
 * itself), by width then in enum outf order.  None when a has no
 * outputs.  Free with derive_list_free. */
size_t derive_list(const struct asset *a, const struct key *final, uint32_t w, uint32_t h,
		   struct derivative **out);
void derive_list_free(struct derivative *d, size_t n);

/* The size of a's final image (after its upscale). */
void derive_final_size(const struct asset *a, uint32_t *w, uint32_t *h);

/* The <picture> snippet of a's derivatives d (derive_list's), appended to
 * out: a <source> per format but the fallback's, each with srcset and
 * sizes, and an <img> (JPEG, else PNG derivatives, else png_file) with
 * width, height and alt (the prompt).  Paths relative to DIST. */
void derive_snippet(const struct asset *a, const struct derivative *d, size_t n,
		    const char *png_file, uint32_t w, uint32_t h, struct buf *out);

/* The snippet's file name: "NAME.picture.html" (malloc'd). */
char *derive_snippet_file(const struct asset *a);

struct plan;
struct item_result;
struct store;
struct index;

struct derive_stats {
	size_t fresh, restored, encoded, failed;
	size_t snippets;            /* snippet files written */
};

/* The derivatives of every built final asset of pl (of project p) (res: build_run's;
 * items that failed or were skipped have none), into out_dir: a fresh
 * file is left alone, one whose key is cached is written from the blob
 * store, the rest are encoded from the final PNG on nthreads threads
 * (pool.h; <= 0: the CPUs), stored and recorded (stage "derive").  A
 * failure is warned about and counted.  0, or -1 when any failed. */
int derive_run(const struct project *p, const struct plan *pl, const struct item_result *res,
	       struct store *st, struct index *ix, const char *out_dir, int nthreads, struct derive_stats *ds);

/* Is file (a name in DIST) a derivative or a snippet of one of p's
 * assets, by its name: NAME-WIDTH.avif, .webp, .jpg or .png (but no
 * asset's own NAME.png), or NAME.picture.html?  For `assetgen clean`,
 * which removes them whatever the outputs ask for now.  1 or 0. */
int derive_file_of(const struct project *p, const char *file);

/* "image/avif", ... and the file extension ("avif", "webp", "png", "jpg"). */
const char *derive_mime(enum outf f);
const char *derive_ext(enum outf f);

#endif
