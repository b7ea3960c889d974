/* site/candidates.h - the typography check on the static site
 *
 * A checked asset's card says what OCR read; an asset whose candidates
 * all failed the check has no output, so its candidates are copied to
 * DIST/_candidates/NAME/SEED.png and listed at the top of the gallery,
 * each with the `assetgen pick` line that chooses it.
 */
#ifndef SITE_TYPO_H
#define SITE_TYPO_H

#include "buf.h"
#include "cache/index.h"
#include "plan.h"

/* The verdict of it's candidate whose final key is key: 1 (out and *cand
 * set), or 0 when the cache does not know it. */
int site_typo_verdict(const struct plan_item *it, const struct key *key, struct index *ix,
		      struct plan_check *out);

/* For each checked final item (items[i] with placed[i] 0): copy its judged
 * candidates out of the cache and describe them in html; candidates of
 * other assets are removed.  0, or -1 when a file could not be written. */
int site_typo_candidates(const struct project *p, struct plan_item *items, size_t n,
			 const unsigned char *placed, struct index *ix, const char *out_dir,
			 struct buf *html);

#endif
