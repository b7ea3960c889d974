/* c2pa/c2pa.h - content credentials: a signed C2PA manifest store in a PNG
 *
 * manifest.c builds and signs a manifest store and inserts it as a 'caBX'
 * chunk before the first IDAT; verify.c reads one back and checks it.
 * The store (docs/credentials.md has the layout) holds one manifest:
 *
 *   c2pa.assertions  c2pa.actions.v2   what made the image and what changed it
 *                    c2pa.hash.data    SHA-256 of the file but the caBX chunk
 *                    c2pa.ingredient.v3  the provider's own manifest, if any
 *   c2pa.claim.v2    hashed links to those assertions
 *   c2pa.signature   COSE_Sign1 (Ed25519) over the claim, x5chain protected
 *
 * before it, byte for byte, the manifests of an upstream store (a
 * provider's credentials), so their signatures stay valid.  There is no
 * time stamp: the same PNG, steps and key give the same bytes.
 */
#ifndef C2PA_H
#define C2PA_H

#include <stddef.h>

#include "buf.h"
#include "crypto.h"

/* A manifest store is capped; a larger caBX chunk is refused. */
#define C2PA_STORE_MAX (8u << 20)

/* IPTC digital source types */
#define C2PA_SOURCE_TRAINED "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
#define C2PA_SOURCE_ALGORITHMIC "http://cv.iptc.org/newscodes/digitalsourcetype/algorithmicMedia"

/* What happened to the image after its model made it, in order. */
enum c2pa_step_kind {
	C2PA_STEP_OVERLAY,        /* c2pa.edited: text or a logo drawn on it */
	C2PA_STEP_UPSCALE,        /* c2pa.resized */
	C2PA_STEP_FIT,            /* c2pa.resized: scaled or cropped to a size */
};

struct c2pa_step {
	enum c2pa_step_kind kind;
	const char *description;  /* optional: "headline overlay", ... */
	unsigned from_w, from_h;  /* resizes: the size before and after */
	unsigned to_w, to_h;
};

struct c2pa_sign_input {
	const unsigned char *png; /* the finished PNG: every text chunk and */
	size_t len;               /* the XMP in place, no caBX chunk */
	const char *model;        /* the model that made it: the softwareAgent */
	int builtin;              /* the built-in procedural renderer: the
				   * source is algorithmicMedia, not AI */
	const struct c2pa_step *steps;
	size_t nsteps;
	const unsigned char *upstream;  /* a manifest store found in the
					 * provider's image (c2pa_png_store), */
	size_t upstream_len;            /* kept as a parentOf ingredient; or NULL */
	const struct crypto_creds *creds;
};

/* Sign: out receives the PNG with the manifest store inserted.  0, or -1
 * with *err set (malloc'd; out unchanged). */
int c2pa_sign_png(const struct c2pa_sign_input *in, struct buf *out, char **err);

/* The manifest store of a PNG (the caBX chunk's data, pointing into png):
 * 1 found, 0 none, -1 malformed (a chunk past the end, two caBX chunks, a
 * store over C2PA_STORE_MAX) with *err set. */
int c2pa_png_store(const unsigned char *png, size_t len, const unsigned char **store,
		   size_t *store_len, char **err);

/* Verification */
enum c2pa_status {
	C2PA_VALID,               /* well formed, bound to the file, signed */
	C2PA_INVALID,
	C2PA_ABSENT,              /* no manifest store */
};

/* One manifest's findings. */
struct c2pa_manifest_info {
	char *label;
	char *generator;          /* claim_generator_info: "assetgen 0.1.0" */
	char *signer;             /* the signing certificate's subject */
	char *issuer;
	int trusted;              /* the chain ends at a given anchor */
	char **actions;           /* "c2pa.created: trainedAlgorithmicMedia by openai/gpt-image-1" */
	size_t nactions;
	char **ingredients;       /* "parentOf: urn:c2pa:..." */
	size_t ningredients;
};

struct c2pa_report {
	enum c2pa_status status;
	/* the active manifest first, then the ingredients' manifests */
	struct c2pa_manifest_info *manifests;
	size_t nmanifests;
	/* C2PA validation codes with an explanation:
	 * "assertion.dataHash.mismatch: ..." */
	char **failures;
	size_t nfailures;
	char **notes;             /* informational: "signingCredential.untrusted: ..." */
	size_t nnotes;
};

/* Verify the PNG's manifest store: structure, the hash binding, every
 * hashed link, the claim's signature, the signer's certificate profile
 * and chain (trusted only when it ends at one of anchors, DER, which may
 * be none), and the ingredients' manifests' signatures.  Fills r; returns
 * r->status. */
enum c2pa_status c2pa_verify_png(const unsigned char *png, size_t len,
				 struct crypto_cert *const *anchors, size_t nanchors,
				 struct c2pa_report *r);
/* The report of a PNG this process has just signed, its verdict carried
 * from the signing (seal.c): read as c2pa_verify_png reads it, but the
 * active manifest's hash binding and signature, made a moment ago with a
 * certificate checked when the credentials were loaded, are not checked
 * again (nor the chain: no anchors, no trust note); an ingredient's
 * manifest is checked as ever.  The caller must know that the bytes are
 * the very ones signed. */
enum c2pa_status c2pa_read_signed_png(const unsigned char *png, size_t len, struct c2pa_report *r);
/* Verify a manifest store on its own (an upstream one, before it becomes
 * an ingredient): its active manifest's signature, links and signer, and
 * its ingredients', but no hard binding (it was bound to the provider's
 * file), no trust anchors, and no clock (so the findings recorded in the
 * ingredient depend on the store's bytes alone). */
enum c2pa_status c2pa_verify_store(const unsigned char *store, size_t len, struct c2pa_report *r);
void c2pa_report_release(struct c2pa_report *r);

/* Shared by c2pa.c and c2pa_verify.c */
/* The hash of a JUMBF box for a hashed URI: SHA-256 over the box without
 * its 8-byte header (the description and content boxes). */
void c2pa_box_hash(const unsigned char *box, size_t len, unsigned char out[CRYPTO_SHA256_LEN]);
/* COSE Sig_structure for a detached payload: ["Signature1", protected,
 * h'', payload], appended to out. */
int c2pa_sig_structure(const unsigned char *prot, size_t plen, const unsigned char *payload,
		       size_t len, struct buf *out);

#endif
