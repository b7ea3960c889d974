/* seal.h - the signing step: content credentials on every output
 *
 * The last write to an output PNG.  When credentials are configured, the
 * placing step hands the finished PNG (every text chunk and the XMP in
 * place) to seal_output(), which inserts a signed C2PA manifest store
 * (c2pa/c2pa.h): what made the image (the model, or the built-in
 * renderer, which is no AI), the overlay and the upscale, the provider's
 * own credentials as a parentOf ingredient, and the hash binding.
 *
 * The signed file is an artifact of its own, keyed by key_signed() over
 * the unsigned output's key and the signer's certificate chain (never the
 * private key), stored in the cache like any other: teammates and
 * --locked builds restore the very bytes that were signed.  Ed25519 and
 * the manifest are deterministic: the same PNG and certificate give the
 * same bytes.
 */
#ifndef SEAL_H
#define SEAL_H

#include <stddef.h>

#include "buf.h"
#include "crypto.h"
#include "key.h"
#include "cache/index.h"
#include "cache/store.h"

struct plan_item;
struct plan_cand;

/* Does the PNG carry a manifest store (a caBX chunk)?  1 yes, 0 no. */
int seal_is_signed(const unsigned char *png, size_t len);

/* A provider's reply: when its image carries a manifest store, keep the
 * store beside the generation gen (key_upstream), for the signed output
 * to hold as its parentOf ingredient.  Best effort: a malformed store is
 * dropped with a warning. */
void seal_keep_upstream(struct store *st, struct index *ix, const struct key *gen,
			const unsigned char *reply, size_t len);

/* Sign png, the unsigned output of candidate c of it: out gets the signed
 * PNG and digest its blob's address, stored and recorded under
 * c->final_key.  0 signed; 1 png is signed already (restored whole: out
 * untouched); -1 with *err set (malloc'd). */
int seal_output(struct store *st, struct index *ix, const struct crypto_creds *creds,
		const struct plan_item *it, const struct plan_cand *c, const struct buf *png,
		struct buf *out, struct key *digest, char **err);

/* Did this process sign the blob at digest (seal_output)?  Then its
 * verdict is known: the gallery reads its credentials without checking
 * the binding and the signature again (c2pa_read_signed_png), once it has
 * seen that the file holds those very bytes.  1 yes, 0 no. */
int seal_signed_here(const struct key *digest);
/* Forget them (the end of a build). */
void seal_release(void);

#endif
