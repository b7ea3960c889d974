/* refs.h - assets that take other assets as inputs: the graph between them
 *
 * An input `asset: NAME` makes NAME a prerequisite: it is built first, and
 * its final key chains into the key of every asset that takes it
 * (key_inputs), so a change upstream reaches exactly its dependants.  The
 * loader calls refs_resolve() once every recipe is read; the plan, the
 * scheduler and the commands use the rest.  (inputs.h is another thing:
 * the files a build's decisions rest on.)
 */
#ifndef REFS_H
#define REFS_H

#include <stddef.h>

#include "buf.h"
#include "key.h"
#include "recipe.h"

/* Resolve every `asset:` input to its index, and check what only the
 * whole project shows: the asset exists, the graph has no cycle (named,
 * with each edge's file:line:col), a mask is the size of its image.
 * Problems go to d; 0 or -1. */
int refs_resolve(struct project *p, struct diags *d);

/* The assets in dependency order: each after every asset it takes, file
 * order otherwise.  A malloc'd array of p->nassets indices. */
size_t *refs_order(const struct project *p);

/* Add to the selection (sel[i] nonzero) every prerequisite of a selected
 * asset, as make builds a target's prerequisites first.  The number of
 * assets added. */
size_t refs_close(const struct project *p, unsigned char *sel);

/* The image a mask applies to: the init input, else the first reference;
 * NULL without a mask. */
const struct asset_input *refs_mask_target(const struct asset *a);
const struct asset_input *refs_mask(const struct asset *a);

/* The size of an asset's final output (after upscaling). */
void refs_out_size(const struct asset *a, uint32_t *w, uint32_t *h);

/* The inputs as an output record keeps them, so --explain can say what
 * changed: one line "@file PATH=DIGEST role" or "@asset NAME=KEY role"
 * each (ups[i]: the upstream's final key for an asset input).  Appended
 * to b. */
void refs_record(struct buf *b, const struct asset *a, const struct key *ups);

/* What changed between the recorded lines in old (other lines are
 * skipped) and a's inputs now, appended to why ("; "-separated):
 * "input file products/mug.png changed", "input asset hero-bg changed
 * (seed 7→8)" (upwhy(ctx, i): why input i's asset is rebuilt, or NULL). */
void refs_explain(struct buf *why, const char *old, const struct asset *a, const struct key *ups,
		  const char *(*upwhy)(const void *ctx, size_t i), const void *ctx);

/* old without its input lines (malloc'd). */
char *refs_strip(const char *old);

#endif
