/* c2pa/manifest.c - building, signing and embedding a C2PA manifest store in a PNG */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "c2pa.h"
#include "cbor.h"
#include "jumbf.h"
#include "util.h"

#define GENERATOR_NAME "assetgen"

static const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Walk the chunks: the offset of the first IDAT, and the caBX chunk's
 * data (NULL when none).  0, or -1 with *err set. */
static int
png_walk(const unsigned char *png, size_t len, size_t *idat, const unsigned char **cabx,
	 size_t *cabx_len, char **err)
{
	size_t off = 8;
	int seen_iend = 0;

	*idat = 0;
	*cabx = NULL;
	*cabx_len = 0;
	if (len < 8 || memcmp(png, png_sig, 8) != 0) {
		*err = xstrdup("not a PNG");
		return -1;
	}
	while (off < len && !seen_iend) {
		uint32_t n;

		if (len - off < 12) {
			*err = xstrdup("truncated PNG chunk");
			return -1;
		}
		n = be32(png + off);
		if (n > len - off - 12) {
			*err = xstrdup("a PNG chunk runs past the end of the file");
			return -1;
		}
		if (memcmp(png + off + 4, "IDAT", 4) == 0 && !*idat)
			*idat = off;
		else if (memcmp(png + off + 4, "IEND", 4) == 0)
			seen_iend = 1;
		else if (memcmp(png + off + 4, "caBX", 4) == 0) {
			if (*cabx) {
				*err = xstrdup("two caBX chunks (C2PA allows one manifest store)");
				return -1;
			}
			if (n > C2PA_STORE_MAX) {
				*err = xasprintf("the caBX chunk is larger than %u bytes", C2PA_STORE_MAX);
				return -1;
			}
			*cabx = png + off + 8;
			*cabx_len = n;
		}
		off += (size_t)n + 12;
	}
	if (!*idat || !seen_iend) {
		*err = xstrdup(!*idat ? "a PNG without IDAT" : "a PNG without IEND");
		return -1;
	}
	return 0;
}

int
c2pa_png_store(const unsigned char *png, size_t len, const unsigned char **store,
	       size_t *store_len, char **err)
{
	size_t idat;

	if (png_walk(png, len, &idat, store, store_len, err) < 0)
		return -1;
	return *store != NULL;
}

void
c2pa_box_hash(const unsigned char *box, size_t len, unsigned char out[CRYPTO_SHA256_LEN])
{
	crypto_sha256(box + 8, len - 8, out);
}

int
c2pa_sig_structure(const unsigned char *prot, size_t plen, const unsigned char *payload,
		   size_t len, struct buf *out)
{
	if (cbor_put_array(out, 4) < 0 || cbor_put_text(out, "Signature1") < 0 ||
	    cbor_put_bytes(out, prot, plen) < 0 || cbor_put_bytes(out, "", 0) < 0 ||
	    cbor_put_bytes(out, payload, len) < 0)
		return -1;
	return 0;
}

/* {"url": url, "hash": hash} */
static void
put_hashed_uri(struct buf *b, const char *url, const unsigned char hash[CRYPTO_SHA256_LEN])
{
	struct cbor_map m = {0};

	cbor_put_text(cbor_map_add(&m, "url"), url);
	cbor_put_bytes(cbor_map_add(&m, "hash"), hash, CRYPTO_SHA256_LEN);
	cbor_map_finish(&m, b);
}

static void
put_agent(struct buf *b, const char *name, const char *version)
{
	struct cbor_map m = {0};

	cbor_put_text(cbor_map_add(&m, "name"), name);
	if (version)
		cbor_put_text(cbor_map_add(&m, "version"), version);
	cbor_map_finish(&m, b);
}

/* An assertion superbox around CBOR, appended to store; its hash for the
 * claim's link. */
static void
put_assertion(struct buf *store, const char *label, const struct buf *cbor,
	      unsigned char hash[CRYPTO_SHA256_LEN])
{
	struct buf box = BUF_INIT;
	size_t at = store->len;

	jumbf_put_box(&box, "cbor", cbor->data, cbor->len);
	jumbf_put_superbox(store, JUMBF_UUID_CBOR, label, box.data, box.len);
	c2pa_box_hash((const unsigned char *)store->data + at, store->len - at, hash);
	buf_release(&box);
}

/* The upstream store's manifests, each a whole box, and the active one's
 * label and claim signature. */
struct upstream {
	const unsigned char *store;       /* the whole store */
	size_t store_len;
	const unsigned char *body;        /* the manifests, back to back */
	size_t len;
	char *label;                      /* the active (last) manifest */
	unsigned char manifest_hash[CRYPTO_SHA256_LEN];
	unsigned char signature_hash[CRYPTO_SHA256_LEN];
};

static int
upstream_parse(const unsigned char *p, size_t n, struct upstream *u, char **err)
{
	struct jumbf_box box;
	struct jumbf_super store = {0}, last = {0}, sig = {0};
	size_t i;
	int rc = -1;

	memset(u, 0, sizeof(*u));
	if (n > C2PA_STORE_MAX || jumbf_box_at(p, n, &box) < 0 || box.len != n ||
	    jumbf_super_parse(&box, &store) < 0 ||
	    memcmp(store.uuid, JUMBF_UUID_STORE, 16) != 0 || strcmp(store.label, "c2pa") != 0) {
		*err = xstrdup("the upstream credentials are not a C2PA manifest store");
		goto out;
	}
	for (i = 0; i < store.nchildren; i++) {
		jumbf_super_release(&last);
		if (jumbf_super_parse(&store.children[i], &last) < 0 || !last.label[0]) {
			*err = xstrdup("the upstream manifest store holds a box that is not a manifest");
			goto out;
		}
	}
	if (store.nchildren == 0 || jumbf_find(&last, "c2pa.signature", JUMBF_UUID_SIGNATURE, &sig) < 0) {
		*err = xstrdup("the upstream manifest store has no signed manifest");
		goto out;
	}
	u->store = p;
	u->store_len = n;
	u->body = store.children[0].start;
	u->len = (size_t)(box.start + box.len - u->body);
	u->label = xstrdup(last.label);
	c2pa_box_hash(last.box.start, last.box.len, u->manifest_hash);
	c2pa_box_hash(sig.box.start, sig.box.len, u->signature_hash);
	rc = 0;
out:
	jumbf_super_release(&sig);
	jumbf_super_release(&last);
	jumbf_super_release(&store);
	return rc;
}

static void
uuid_format(const unsigned char h[CRYPTO_SHA256_LEN], char out[37])
{
	unsigned char u[16];
	size_t i, o = 0;

	memcpy(u, h, 16);
	u[6] = (unsigned char)((u[6] & 0x0f) | 0x40);   /* version 4 layout */
	u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);   /* RFC 4122 variant */
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		snprintf(out + o, 3, "%02x", u[i]);
		o += 2;
	}
	out[o] = '\0';
}

#define INGREDIENT_URL "self#jumbf=c2pa.assertions/c2pa.ingredient.v3"

/* c2pa.actions.v2; ingredient: the parentOf ingredient's hash, or NULL */
static void
put_actions(struct buf *b, const struct c2pa_sign_input *in, const unsigned char *ingredient)
{
	struct cbor_map top = {0}, a;
	struct buf *list;
	size_t i;

	list = cbor_map_add(&top, "actions");
	cbor_put_array(list, 1 + in->nsteps);

	/* what made the image: created here, or opened from the provider's
	 * image whose own credentials say how it was made */
	memset(&a, 0, sizeof(a));
	cbor_put_text(cbor_map_add(&a, "action"), ingredient ? "c2pa.opened" : "c2pa.created");
	cbor_put_text(cbor_map_add(&a, "digitalSourceType"),
		      in->builtin ? C2PA_SOURCE_ALGORITHMIC : C2PA_SOURCE_TRAINED);
	put_agent(cbor_map_add(&a, "softwareAgent"), in->model ? in->model : "unknown", NULL);
	if (ingredient) {
		struct cbor_map params = {0};
		struct buf *ings = cbor_map_add(&params, "ingredients");

		cbor_put_array(ings, 1);
		put_hashed_uri(ings, INGREDIENT_URL, ingredient);
		cbor_map_finish(&params, cbor_map_add(&a, "parameters"));
	}
	if (in->builtin)
		cbor_put_text(cbor_map_add(&a, "description"),
			      "drawn by assetgen's built-in procedural renderer, not by an AI model");
	cbor_map_finish(&a, list);

	for (i = 0; i < in->nsteps; i++) {
		const struct c2pa_step *s = &in->steps[i];
		char *desc;

		memset(&a, 0, sizeof(a));
		if (s->kind == C2PA_STEP_OVERLAY) {
			cbor_put_text(cbor_map_add(&a, "action"), "c2pa.edited");
			desc = xstrdup(s->description ? s->description : "text overlay");
		} else {
			cbor_put_text(cbor_map_add(&a, "action"), "c2pa.resized");
			desc = xasprintf("%s from %ux%u to %ux%u%s%s",
					 s->kind == C2PA_STEP_UPSCALE ? "upscaled" : "fitted",
					 s->from_w, s->from_h, s->to_w, s->to_h,
					 s->description ? ": " : "", s->description ? s->description : "");
		}
		cbor_put_text(cbor_map_add(&a, "description"), desc);
		put_agent(cbor_map_add(&a, "softwareAgent"), GENERATOR_NAME, ASSETGEN_VERSION);
		cbor_map_finish(&a, list);
		free(desc);
	}
	cbor_map_finish(&top, b);
}

/* One status list of validationResults: {"code", "url", "explanation"} */
static void
put_status_list(struct buf *b, char **lines, size_t n, const char *url)
{
	size_t i;

	cbor_put_array(b, n);
	for (i = 0; i < n; i++) {
		struct cbor_map m = {0};
		const char *sep = strstr(lines[i], ": ");

		cbor_put_textn(cbor_map_add(&m, "code"), lines[i], sep ? (size_t)(sep - lines[i]) : strlen(lines[i]));
		cbor_put_text(cbor_map_add(&m, "url"), url);
		if (sep)
			cbor_put_text(cbor_map_add(&m, "explanation"), sep + 2);
		cbor_map_finish(&m, b);
	}
}

/* What checking the upstream manifest found, as C2PA's validationResults.
 * An untrusted signer is a failure code there (C2PA lists it so), even
 * though it does not make the manifest invalid. */
static void
put_validation_results(struct buf *b, const struct upstream *u)
{
	struct cbor_map top = {0}, am = {0};
	struct c2pa_report r;
	char *url = xasprintf("self#jumbf=/c2pa/%s/c2pa.signature", u->label);
	static char validated[] = "claimSignature.validated: claim signature valid";
	char *ok = validated, **failures;
	size_t i, nf, nok = 1;

	c2pa_verify_store(u->store, u->store_len, &r);
	for (i = 0; i < r.nfailures; i++)
		if (str_has_prefix(r.failures[i], "claimSignature.") ||
		    str_has_prefix(r.failures[i], "algorithm.") ||
		    str_has_prefix(r.failures[i], "signingCredential.invalid"))
			nok = 0;
	failures = xreallocarray(NULL, r.nfailures + r.nnotes + 1, sizeof(*failures));
	for (nf = 0; nf < r.nfailures; nf++)
		failures[nf] = r.failures[nf];
	for (i = 0; i < r.nnotes; i++)
		if (str_has_prefix(r.notes[i], "signingCredential.untrusted"))
			failures[nf++] = r.notes[i];
	put_status_list(cbor_map_add(&am, "success"), &ok, nok, url);
	put_status_list(cbor_map_add(&am, "informational"), NULL, 0, url);
	put_status_list(cbor_map_add(&am, "failure"), failures, nf, url);
	cbor_map_finish(&am, cbor_map_add(&top, "activeManifest"));
	cbor_map_finish(&top, b);
	free(failures);
	free(url);
	c2pa_report_release(&r);
}

/* c2pa.ingredient.v3: the provider's image, its manifest kept whole */
static void
put_ingredient(struct buf *b, const struct upstream *u)
{
	struct cbor_map m = {0};
	char *url;

	cbor_put_text(cbor_map_add(&m, "relationship"), "parentOf");
	cbor_put_text(cbor_map_add(&m, "dc:title"), "the model's image");
	cbor_put_text(cbor_map_add(&m, "dc:format"), "image/png");
	url = xasprintf("self#jumbf=/c2pa/%s", u->label);
	put_hashed_uri(cbor_map_add(&m, "activeManifest"), url, u->manifest_hash);
	free(url);
	url = xasprintf("self#jumbf=/c2pa/%s/c2pa.signature", u->label);
	put_hashed_uri(cbor_map_add(&m, "claimSignature"), url, u->signature_hash);
	free(url);
	put_validation_results(cbor_map_add(&m, "validationResults"), u);
	cbor_map_finish(&m, b);
}

/* c2pa.hash.data: SHA-256 of the file but [start, start + length) */
static void
put_data_hash(struct buf *b, const unsigned char hash[CRYPTO_SHA256_LEN], size_t start, size_t length)
{
	struct cbor_map m = {0}, ex = {0};
	struct buf *list;

	list = cbor_map_add(&m, "exclusions");
	cbor_put_array(list, 1);
	cbor_put_uint(cbor_map_add(&ex, "start"), start);
	cbor_put_uint(cbor_map_add(&ex, "length"), length);
	cbor_map_finish(&ex, list);
	cbor_put_text(cbor_map_add(&m, "name"), "jumbf manifest");
	cbor_put_text(cbor_map_add(&m, "alg"), "sha256");
	cbor_put_bytes(cbor_map_add(&m, "hash"), hash, CRYPTO_SHA256_LEN);
	cbor_put_bytes(cbor_map_add(&m, "pad"), "", 0);
	cbor_map_finish(&m, b);
}

/* The COSE_Sign1 over claim: protected {alg: EdDSA, x5chain}, no
 * unprotected header, detached payload. */
static int
put_signature(struct buf *b, const struct buf *claim, const struct crypto_creds *cr)
{
	struct cbor_map hdr = {0};
	struct buf prot = BUF_INIT, tbs = BUF_INIT, *chain;
	unsigned char sig[CRYPTO_ED25519_SIG_LEN];
	size_t i;
	int rc = -1;

	cbor_put_int(cbor_map_add_int(&hdr, 1), -8);       /* alg: EdDSA */
	chain = cbor_map_add_int(&hdr, 33);                /* x5chain */
	if (cr->ncerts == 1) {
		cbor_put_bytes(chain, cr->certs[0], cr->certlens[0]);
	} else {
		cbor_put_array(chain, cr->ncerts);
		for (i = 0; i < cr->ncerts; i++)
			cbor_put_bytes(chain, cr->certs[i], cr->certlens[i]);
	}
	cbor_map_finish(&hdr, &prot);
	c2pa_sig_structure((const unsigned char *)prot.data, prot.len,
			   (const unsigned char *)claim->data, claim->len, &tbs);
	if (crypto_key_sign(cr->key, tbs.data, tbs.len, sig) == 0) {
		cbor_put_tag(b, 18);                       /* COSE_Sign1 */
		cbor_put_array(b, 4);
		cbor_put_bytes(b, prot.data, prot.len);
		buf_putc(b, 0xa0);                         /* {} */
		cbor_put_null(b);                          /* detached: the claim */
		cbor_put_bytes(b, sig, sizeof(sig));
		rc = 0;
	}
	buf_release(&prot);
	buf_release(&tbs);
	return rc;
}

/* A deterministic name for the manifest: the same inputs and key, the
 * same UUID (a random one would change the bytes of every build). */
static void
manifest_uuid(const struct c2pa_sign_input *in, const unsigned char hash[CRYPTO_SHA256_LEN],
	      const struct buf *actions, char out[37])
{
	struct crypto_sha256 *h = crypto_sha256_new();
	unsigned char d[CRYPTO_SHA256_LEN];

	crypto_sha256_update(h, "assetgen c2pa manifest v1", 25);
	crypto_sha256_update(h, hash, CRYPTO_SHA256_LEN);
	crypto_sha256_update(h, actions->data, actions->len);
	if (in->upstream)
		crypto_sha256_update(h, in->upstream, in->upstream_len);
	crypto_sha256_update(h, in->creds->certs[0], in->creds->certlens[0]);
	crypto_sha256_final(h, d);
	uuid_format(d, out);
}

/* The manifest store for a caBX chunk at offset pos whose total length
 * (with its 12 bytes of chunk framing) is chunk_len. */
static int
build_store(const struct c2pa_sign_input *in, const struct upstream *u,
	    const unsigned char hash[CRYPTO_SHA256_LEN], size_t pos, size_t chunk_len,
	    struct buf *store, char **err)
{
	struct buf assertions = BUF_INIT, manifest = BUF_INIT, body = BUF_INIT;
	struct buf cb = BUF_INIT, claim = BUF_INIT, box = BUF_INIT, cose = BUF_INIT;
	unsigned char h_ing[CRYPTO_SHA256_LEN], h_act[CRYPTO_SHA256_LEN], h_hash[CRYPTO_SHA256_LEN];
	struct cbor_map cm = {0}, gen = {0};
	struct buf *list;
	char uuid[37], *label, *iid;
	int rc = -1;

	if (u) {
		put_ingredient(&cb, u);
		put_assertion(&assertions, "c2pa.ingredient.v3", &cb, h_ing);
		buf_reset(&cb);
	}
	put_actions(&cb, in, u ? h_ing : NULL);
	manifest_uuid(in, hash, &cb, uuid);
	put_assertion(&assertions, "c2pa.actions.v2", &cb, h_act);
	buf_reset(&cb);
	put_data_hash(&cb, hash, pos, chunk_len);
	put_assertion(&assertions, "c2pa.hash.data", &cb, h_hash);

	label = xasprintf("urn:c2pa:%s", uuid);
	iid = xasprintf("xmp:iid:%s", uuid);
	cbor_put_text(cbor_map_add(&cm, "instanceID"), iid);
	cbor_put_text(cbor_map_add(&gen, "name"), GENERATOR_NAME);
	cbor_put_text(cbor_map_add(&gen, "version"), ASSETGEN_VERSION);
	cbor_map_finish(&gen, cbor_map_add(&cm, "claim_generator_info"));
	cbor_put_text(cbor_map_add(&cm, "signature"), "self#jumbf=c2pa.signature");
	list = cbor_map_add(&cm, "created_assertions");
	cbor_put_array(list, u ? 3 : 2);
	if (u)
		put_hashed_uri(list, INGREDIENT_URL, h_ing);
	put_hashed_uri(list, "self#jumbf=c2pa.assertions/c2pa.actions.v2", h_act);
	put_hashed_uri(list, "self#jumbf=c2pa.assertions/c2pa.hash.data", h_hash);
	cbor_put_text(cbor_map_add(&cm, "alg"), "sha256");
	cbor_map_finish(&cm, &claim);

	/* the signature is the last thing computed: over the claim, which
	 * links every assertion, the hash binding among them */
	if (put_signature(&cose, &claim, in->creds) < 0) {
		*err = xstrdup("signing the claim failed");
		goto out;
	}
	jumbf_put_superbox(&manifest, JUMBF_UUID_ASSERTIONS, "c2pa.assertions",
			   assertions.data, assertions.len);
	jumbf_put_box(&box, "cbor", claim.data, claim.len);
	jumbf_put_superbox(&manifest, JUMBF_UUID_CLAIM, "c2pa.claim.v2", box.data, box.len);
	buf_reset(&box);
	jumbf_put_box(&box, "cbor", cose.data, cose.len);
	jumbf_put_superbox(&manifest, JUMBF_UUID_SIGNATURE, "c2pa.signature", box.data, box.len);

	if (u)
		buf_put(&body, u->body, u->len);
	jumbf_put_superbox(&body, JUMBF_UUID_MANIFEST, label, manifest.data, manifest.len);
	buf_reset(store);
	jumbf_put_superbox(store, JUMBF_UUID_STORE, "c2pa", body.data, body.len);
	rc = 0;
out:
	free(label);
	free(iid);
	buf_release(&assertions);
	buf_release(&manifest);
	buf_release(&body);
	buf_release(&cb);
	buf_release(&claim);
	buf_release(&box);
	buf_release(&cose);
	return rc;
}

int
c2pa_sign_png(const struct c2pa_sign_input *in, struct buf *out, char **err)
{
	unsigned char hash[CRYPTO_SHA256_LEN], crc[4], hdr[8];
	struct upstream u = {0};
	struct buf store = BUF_INIT;
	const unsigned char *cabx;
	size_t pos, cabx_len, chunk_len = 0, i, old = out->len;
	uint32_t c;
	int rc = -1;

	if (!in->creds || !in->creds->key || in->creds->ncerts == 0) {
		*err = xstrdup("no signing credentials");
		return -1;
	}
	if (png_walk(in->png, in->len, &pos, &cabx, &cabx_len, err) < 0)
		return -1;
	if (cabx) {
		*err = xstrdup("the PNG already holds a manifest store (pass it as the upstream one)");
		return -1;
	}
	if (in->upstream && upstream_parse(in->upstream, in->upstream_len, &u, err) < 0)
		return -1;

	/* the file is the PNG with the chunk inserted at pos; the binding
	 * excludes the whole chunk, so what it hashes is the PNG as given */
	crypto_sha256(in->png, in->len, hash);

	/* the chunk holds its own length (in the exclusion): settle it; a
	 * longer number can only make the store longer, so this converges */
	for (i = 0; i < 8; i++) {
		if (build_store(in, in->upstream ? &u : NULL, hash, pos, chunk_len, &store, err) < 0)
			goto out;
		if (store.len + 12 == chunk_len)
			break;
		chunk_len = store.len + 12;
	}
	if (i == 8 || store.len > C2PA_STORE_MAX) {
		*err = xstrdup("the manifest store's length does not settle");
		goto out;
	}

	hdr[0] = (unsigned char)(store.len >> 24);
	hdr[1] = (unsigned char)(store.len >> 16);
	hdr[2] = (unsigned char)(store.len >> 8);
	hdr[3] = (unsigned char)store.len;
	memcpy(hdr + 4, "caBX", 4);
	c = (uint32_t)crc32(0L, hdr + 4, 4);
	c = (uint32_t)crc32(c, (const unsigned char *)store.data, (uInt)store.len);
	crc[0] = (unsigned char)(c >> 24);
	crc[1] = (unsigned char)(c >> 16);
	crc[2] = (unsigned char)(c >> 8);
	crc[3] = (unsigned char)c;
	if (buf_reserve(out, in->len + chunk_len) < 0 ||
	    buf_put(out, in->png, pos) < 0 || buf_put(out, hdr, 8) < 0 ||
	    buf_put(out, store.data, store.len) < 0 || buf_put(out, crc, 4) < 0 ||
	    buf_put(out, in->png + pos, in->len - pos) < 0) {
		out->len = old;
		*err = xstrdup("the signed PNG is too large");
		goto out;
	}
	rc = 0;
out:
	free(u.label);
	buf_release(&store);
	return rc;
}
