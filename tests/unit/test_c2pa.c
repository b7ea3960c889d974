/* test_c2pa.c - content credentials: signing a PNG, verifying it, tampering.
 *
 * With ASSETGEN_C2PA_OUT=DIR set, it also writes the PNGs it signs there
 * (and the development root as root.pem), for tests/cli/t3300-credentials.sh
 * to check with a third-party validator and exiftool; with
 * ASSETGEN_C2PA_KEY and ASSETGEN_C2PA_CERT (files, as `assetgen credentials
 * init` writes them) it also signs configured.png with those. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "c2pa/c2pa.h"
#include "c2pa/cbor.h"
#include "crypto.h"
#include "image.h"
#include "c2pa/jumbf.h"
#include "os.h"
#include "png.h"
#include "util.h"
#include "test.h"

/* a development root and a signer issued by it, made once */
static struct crypto_creds creds, other;
static struct buf root_der = BUF_INIT, other_root_der = BUF_INIT;

static void
make_creds(struct crypto_creds *cr, struct buf *root, const char *name)
{
	struct crypto_key *rk = crypto_key_generate();
	struct buf leaf = BUF_INIT;
	char *cn = xasprintf("%s root", name);

	memset(cr, 0, sizeof(*cr));
	cr->key = crypto_key_generate();
	if (crypto_make_root(rk, cn, 30, root) < 0)
		fatal("cannot make a root");
	free(cn);
	cn = xasprintf("%s signer", name);
	if (crypto_make_leaf(cr->key, cn, 30, rk, (unsigned char *)root->data, root->len, &leaf) < 0)
		fatal("cannot make a leaf");
	free(cn);
	cr->certs = xcalloc(1, sizeof(*cr->certs));
	cr->certlens = xcalloc(1, sizeof(*cr->certlens));
	cr->certs[0] = (unsigned char *)buf_detach(&leaf, &cr->certlens[0]);
	cr->ncerts = 1;
	crypto_key_free(rk);
}

/* A small RGB PNG with a text chunk and an XMP packet, as the pipeline
 * writes them before signing. */
static void
make_png(struct buf *out, unsigned seed)
{
	struct image img = {0};
	struct meta m = {0};
	char *err = NULL;
	size_t i;

	image_alloc(&img, 48, 32, 3);
	for (i = 0; i < (size_t)48 * 32 * 3; i++)
		img.px[i] = (uint8_t)(i * 7 + seed * 13);
	meta_add(&m, "assetgen:recipe", "recipes/launch.yaml");
	meta_add(&m, "XML:com.adobe.xmp", "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"></x:xmpmeta>");
	if (pngio_encode(&img, &m, 6, out, &err) < 0)
		fatal("encode: %s", err);
	meta_release(&m);
	image_release(&img);
}

static const struct c2pa_step steps[] = {
	{C2PA_STEP_OVERLAY, "headline and logo", 0, 0, 0, 0},
	{C2PA_STEP_UPSCALE, NULL, 48, 32, 96, 64},
	{C2PA_STEP_FIT, "cropped to the banner", 96, 64, 96, 48},
};

static int
sign(const struct buf *png, const char *model, int builtin, const struct c2pa_step *s, size_t ns,
     const unsigned char *up, size_t uplen, const struct crypto_creds *cr, struct buf *out)
{
	struct c2pa_sign_input in = {0};
	char *err = NULL;

	in.png = (const unsigned char *)png->data;
	in.len = png->len;
	in.model = model;
	in.builtin = builtin;
	in.steps = s;
	in.nsteps = ns;
	in.upstream = up;
	in.upstream_len = uplen;
	in.creds = cr;
	if (c2pa_sign_png(&in, out, &err) < 0) {
		printf("#   sign: %s\n", err);
		free(err);
		return -1;
	}
	return 0;
}

static enum c2pa_status
verify(const struct buf *png, struct c2pa_report *r, int trust)
{
	struct crypto_cert *root = crypto_cert_from_der((unsigned char *)root_der.data, root_der.len);
	enum c2pa_status st = c2pa_verify_png((const unsigned char *)png->data, png->len,
					      &root, trust ? 1 : 0, r);
	size_t i;

	if (st == C2PA_VALID || getenv("TEST_VERBOSE"))
		for (i = 0; i < r->nfailures; i++)
			printf("#   failure %s\n", r->failures[i]);
	crypto_cert_free(root);
	return st;
}

static int
has_prefix_in(char **v, size_t n, const char *prefix)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (str_has_prefix(v[i], prefix))
			return 1;
	return 0;
}

static void
write_out(const char *name, const struct buf *b)
{
	const char *dir = getenv("ASSETGEN_C2PA_OUT");
	char *path;

	if (!dir)
		return;
	path = path_join(dir, name);
	if (os_write_atomic_path(path, b->data, b->len) < 0)
		fatal("cannot write '%s':", path);
	free(path);
}

/* the offset of the first chunk of type in a PNG */
static size_t
chunk_at(const struct buf *b, const char *type)
{
	size_t off = 8;

	while (off + 12 <= b->len) {
		const unsigned char *p = (unsigned char *)b->data + off;
		uint32_t n = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];

		if (memcmp(p + 4, type, 4) == 0)
			return off;
		off += (size_t)n + 12;
	}
	return 0;
}

static void
test_sign_and_verify(void)
{
	struct buf png = BUF_INIT, out = BUF_INIT;
	struct c2pa_report r;
	size_t cabx, idat;

	make_png(&png, 1);
	CHECK(sign(&png, "openai/gpt-image-1", 0, steps, 3, NULL, 0, &creds, &out) == 0);
	CHECK(out.len > png.len);
	write_out("signed.png", &out);

	/* the store sits before the image data, after the text chunks */
	cabx = chunk_at(&out, "caBX");
	idat = chunk_at(&out, "IDAT");
	CHECK(cabx > 0 && cabx < idat);
	CHECK(chunk_at(&out, "tEXt") < cabx || chunk_at(&out, "iTXt") < cabx);

	CHECK(verify(&out, &r, 0) == C2PA_VALID);
	CHECK(r.nmanifests == 1);
	if (r.nmanifests == 1) {
		CHECK(r.manifests[0].nactions == 4);
		CHECK(r.manifests[0].nactions > 0 &&
		      strcmp(r.manifests[0].actions[0],
			     "c2pa.created [trainedAlgorithmicMedia] by openai/gpt-image-1") == 0);
		CHECK(r.manifests[0].nactions == 4 &&
		      str_has_prefix(r.manifests[0].actions[1], "c2pa.edited by assetgen") &&
		      str_has_prefix(r.manifests[0].actions[2], "c2pa.resized by assetgen") &&
		      strstr(r.manifests[0].actions[2], "upscaled from 48x32 to 96x64"));
		CHECK_STR(r.manifests[0].generator, "assetgen " ASSETGEN_VERSION);
		CHECK(r.manifests[0].signer && strstr(r.manifests[0].signer, "test signer"));
		CHECK(!r.manifests[0].trusted);
	}
	CHECK(has_prefix_in(r.notes, r.nnotes, "signingCredential.untrusted"));
	c2pa_report_release(&r);

	/* trusted once the root is given as an anchor */
	CHECK(verify(&out, &r, 1) == C2PA_VALID);
	CHECK(r.nmanifests == 1 && r.manifests[0].trusted);
	CHECK(!has_prefix_in(r.notes, r.nnotes, "signingCredential.untrusted"));
	c2pa_report_release(&r);

	/* the unsigned PNG has none */
	CHECK(verify(&png, &r, 0) == C2PA_ABSENT);
	c2pa_report_release(&r);
	buf_release(&png);
	buf_release(&out);
}

static void
test_builtin_source(void)
{
	struct buf png = BUF_INIT, out = BUF_INIT;
	struct c2pa_report r;

	make_png(&png, 2);
	CHECK(sign(&png, "builtin", 1, NULL, 0, NULL, 0, &creds, &out) == 0);
	write_out("builtin.png", &out);
	CHECK(verify(&out, &r, 0) == C2PA_VALID);
	CHECK(r.nmanifests == 1 && r.manifests[0].nactions == 1 &&
	      str_has_prefix(r.manifests[0].actions[0], "c2pa.created [algorithmicMedia] by builtin"));
	c2pa_report_release(&r);
	/* the file says so in the bytes a reader sees, too */
	CHECK(memmem(out.data, out.len, C2PA_SOURCE_ALGORITHMIC, strlen(C2PA_SOURCE_ALGORITHMIC)) != NULL);
	CHECK(memmem(out.data, out.len, "trainedAlgorithmicMedia", 23) == NULL);
	buf_release(&png);
	buf_release(&out);
}

static void
test_deterministic(void)
{
	struct buf png = BUF_INIT, a = BUF_INIT, b = BUF_INIT, c = BUF_INIT;

	make_png(&png, 3);
	CHECK(sign(&png, "stability/sd3", 0, steps, 2, NULL, 0, &creds, &a) == 0);
	CHECK(sign(&png, "stability/sd3", 0, steps, 2, NULL, 0, &creds, &b) == 0);
	CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
	/* another step list, other bytes */
	CHECK(sign(&png, "stability/sd3", 0, steps, 1, NULL, 0, &creds, &c) == 0);
	CHECK(a.len != c.len || memcmp(a.data, c.data, a.len) != 0);
	buf_release(&png);
	buf_release(&a);
	buf_release(&b);
	buf_release(&c);
}

/* Every CBOR payload of the store is in deterministic encoding. */
static int
all_cbor_deterministic(const unsigned char *p, size_t n, int depth)
{
	struct jumbf_box box;
	size_t off;

	for (off = 0; off < n; off += box.len) {
		if (jumbf_box_at(p + off, n - off, &box) < 0 || depth > 8)
			return 0;
		if (strcmp(box.type, "jumb") == 0) {
			struct jumbf_box d;

			if (jumbf_box_at(box.payload, box.plen, &d) < 0 ||
			    !all_cbor_deterministic(box.payload + d.len, box.plen - d.len, depth + 1))
				return 0;
		} else if (strcmp(box.type, "cbor") == 0) {
			struct cbor_val v, inner, prot;
			const unsigned char *pp;
			size_t pn;
			uint64_t tag;

			if (!cbor_is_deterministic(box.payload, box.plen))
				return 0;
			/* the COSE protected header is CBOR inside a byte string */
			cbor_parse(box.payload, box.plen, &v);
			if (cbor_get_tag(&v, &tag, &inner) == 0 && cbor_array_at(&inner, 0, &prot) == 0 &&
			    cbor_get_bytes(&prot, &pp, &pn) == 0 && !cbor_is_deterministic(pp, pn))
				return 0;
		}
	}
	return 1;
}

static void
test_canonical_cbor(void)
{
	struct buf png = BUF_INIT, out = BUF_INIT;
	const unsigned char *store;
	size_t n;
	char *err = NULL;

	make_png(&png, 4);
	CHECK(sign(&png, "openai/gpt-image-1", 0, steps, 3, NULL, 0, &creds, &out) == 0);
	CHECK(c2pa_png_store((unsigned char *)out.data, out.len, &store, &n, &err) == 1);
	CHECK(all_cbor_deterministic(store, n, 0));
	buf_release(&png);
	buf_release(&out);
}

static void
expect_failure(const struct buf *b, const char *code)
{
	struct c2pa_report r;

	CHECK(verify(b, &r, 0) == C2PA_INVALID);
	CHECK(has_prefix_in(r.failures, r.nfailures, code));
	if (!has_prefix_in(r.failures, r.nfailures, code))
		printf("#   expected %s\n", code);
	c2pa_report_release(&r);
}

static void
test_tamper(void)
{
	struct buf png = BUF_INIT, out = BUF_INIT, t = BUF_INIT;
	size_t idat, text, cabx;
	const char *p;

	make_png(&png, 5);
	CHECK(sign(&png, "openai/gpt-image-1", 0, steps, 1, NULL, 0, &creds, &out) == 0);

	/* a pixel byte: inside the IDAT data */
	buf_put(&t, out.data, out.len);
	idat = chunk_at(&t, "IDAT");
	t.data[idat + 8 + 20] ^= 0x01;
	expect_failure(&t, "assertion.dataHash.mismatch");
	write_out("tampered-pixel.png", &t);

	/* a text chunk's byte */
	buf_reset(&t);
	buf_put(&t, out.data, out.len);
	text = chunk_at(&t, "tEXt");
	CHECK(text > 0);
	p = memmem(t.data + text, t.len - text, "launch", 6);
	CHECK(p != NULL);
	if (p)
		t.data[p - t.data] ^= 0x20;
	expect_failure(&t, "assertion.dataHash.mismatch");
	write_out("tampered-text.png", &t);

	/* an action in the assertion store: its hashed link breaks */
	buf_reset(&t);
	buf_put(&t, out.data, out.len);
	cabx = chunk_at(&t, "caBX");
	p = memmem(t.data + cabx, t.len - cabx, "c2pa.edited", 11);
	CHECK(p != NULL);
	if (p)
		t.data[p - t.data + 5] = 'E';
	expect_failure(&t, "assertion.hashedURI.mismatch");

	/* the signature's last byte */
	buf_reset(&t);
	buf_put(&t, out.data, out.len);
	cabx = chunk_at(&t, "caBX");
	{
		uint32_t n = (uint32_t)(unsigned char)t.data[cabx] << 24 | (uint32_t)(unsigned char)t.data[cabx + 1] << 16 |
			(uint32_t)(unsigned char)t.data[cabx + 2] << 8 | (unsigned char)t.data[cabx + 3];

		t.data[cabx + 8 + n - 1] ^= 0x01;
	}
	expect_failure(&t, "claimSignature.mismatch");

	/* a truncated store */
	buf_reset(&t);
	buf_put(&t, out.data, cabx + 40);
	expect_failure(&t, "manifest.malformed");

	buf_release(&png);
	buf_release(&out);
	buf_release(&t);
}

/* A verdict carried from the signing: the same report as a check gives,
 * signer and actions, with no pass over the file and no signature check
 * (so a byte flipped after signing is not seen: the caller must know the
 * bytes are the very ones signed); structure is still read. */
static void
test_read_signed(void)
{
	struct buf png = BUF_INIT, out = BUF_INIT, t = BUF_INIT;
	struct c2pa_report r, v;
	size_t i, idat;

	make_png(&png, 6);
	CHECK(sign(&png, "openai/gpt-image-1", 0, steps, 3, NULL, 0, &creds, &out) == 0);
	CHECK(verify(&out, &v, 0) == C2PA_VALID);
	CHECK(c2pa_read_signed_png((unsigned char *)out.data, out.len, &r) == C2PA_VALID);
	CHECK(r.nmanifests == 1 && v.nmanifests == 1);
	if (r.nmanifests == 1 && v.nmanifests == 1) {
		CHECK_STR(r.manifests[0].signer, v.manifests[0].signer);
		CHECK_STR(r.manifests[0].issuer, v.manifests[0].issuer);
		CHECK(r.manifests[0].nactions == v.manifests[0].nactions);
		for (i = 0; i < r.manifests[0].nactions && i < v.manifests[0].nactions; i++)
			CHECK_STR(r.manifests[0].actions[i], v.manifests[0].actions[i]);
	}
	CHECK(r.nfailures == 0);
	c2pa_report_release(&r);
	c2pa_report_release(&v);

	buf_put(&t, out.data, out.len);
	idat = chunk_at(&t, "IDAT");
	t.data[idat + 8 + 20] ^= 0x01;
	expect_failure(&t, "assertion.dataHash.mismatch");
	CHECK(c2pa_read_signed_png((unsigned char *)t.data, t.len, &r) == C2PA_VALID);
	c2pa_report_release(&r);

	CHECK(c2pa_read_signed_png((unsigned char *)out.data, 200, &r) != C2PA_VALID);
	c2pa_report_release(&r);
	CHECK(c2pa_read_signed_png((unsigned char *)png.data, png.len, &r) == C2PA_ABSENT);
	c2pa_report_release(&r);
	buf_release(&png);
	buf_release(&out);
	buf_release(&t);
}

static void
test_upstream_ingredient(void)
{
	struct buf png = BUF_INIT, up = BUF_INIT, mid = BUF_INIT, out = BUF_INIT, t = BUF_INIT;
	const unsigned char *store, *store2;
	size_t n, n2;
	char *err = NULL;
	struct c2pa_report r;

	/* a provider's image with its own credentials, signed by another
	 * issuer: the fixture upstream manifest */
	make_png(&png, 6);
	CHECK(sign(&png, "provider-model", 0, NULL, 0, NULL, 0, &other, &up) == 0);
	write_out("upstream.png", &up);
	CHECK(c2pa_png_store((unsigned char *)up.data, up.len, &store, &n, &err) == 1);

	/* re-encoded by the pipeline (here: another PNG), then signed with
	 * the provider's store as the parentOf ingredient */
	make_png(&mid, 7);
	CHECK(sign(&mid, "openai/gpt-image-1", 0, steps, 2, store, n, &creds, &out) == 0);
	write_out("ingredient.png", &out);
	CHECK(verify(&out, &r, 0) == C2PA_VALID);
	CHECK(r.nmanifests == 2);
	if (r.nmanifests == 2) {
		CHECK(r.manifests[0].nactions == 3 && str_has_prefix(r.manifests[0].actions[0], "c2pa.opened"));
		CHECK(r.manifests[0].ningredients == 1 &&
		      str_has_prefix(r.manifests[0].ingredients[0], "parentOf: "));
		CHECK(r.manifests[1].nactions == 1 &&
		      str_has_prefix(r.manifests[1].actions[0], "c2pa.created [trainedAlgorithmicMedia] by provider-model"));
		CHECK(r.manifests[1].signer && strstr(r.manifests[1].signer, "provider signer"));
	}
	c2pa_report_release(&r);

	/* the upstream manifest is kept whole: its bytes are in our store */
	CHECK(c2pa_png_store((unsigned char *)out.data, out.len, &store2, &n2, &err) == 1);
	CHECK(n > 16 && memmem(store2, n2, store + 8 + 8 + 30, n - 8 - 8 - 30) != NULL);

	/* a byte of the upstream claim's signature flipped: it fails */
	buf_put(&t, out.data, out.len);
	{
		char *q = memmem(t.data, t.len, "provider-model", 14);

		CHECK(q != NULL);
		if (q)
			*q = 'P';
	}
	expect_failure(&t, "assertion.hashedURI.mismatch");

	/* a PNG that already holds a store is refused: it must come as the
	 * upstream one */
	buf_reset(&t);
	CHECK(sign(&up, "x", 0, NULL, 0, NULL, 0, &creds, &t) < 0);
	/* and garbage is no store */
	buf_reset(&t);
	CHECK(sign(&mid, "x", 0, NULL, 0, (const unsigned char *)"jumbnotabox", 11, &creds, &t) < 0);

	buf_release(&png);
	buf_release(&up);
	buf_release(&mid);
	buf_release(&out);
	buf_release(&t);
}

/* The credentials `assetgen credentials init` wrote, loaded as a build
 * will load them. */
static void
test_configured_creds(void)
{
	struct crypto_source ks = {0}, cs = {0};
	struct crypto_creds cr;
	struct buf png = BUF_INIT, out = BUF_INIT;
	char *err = NULL;

	ks.file = getenv("ASSETGEN_C2PA_KEY");
	cs.file = getenv("ASSETGEN_C2PA_CERT");
	if (crypto_creds_load(&cr, &ks, &cs, &err) < 0) {
		printf("#   %s\n", err);
		free(err);
		CHECK(0);
		return;
	}
	make_png(&png, 9);
	CHECK(sign(&png, "openai/gpt-image-1", 0, steps, 1, NULL, 0, &cr, &out) == 0);
	write_out("configured.png", &out);
	crypto_creds_release(&cr);
	buf_release(&png);
	buf_release(&out);
}

static void
test_hostile_png(void)
{
	struct buf png = BUF_INIT, out = BUF_INIT, t = BUF_INIT;
	struct c2pa_report r;
	size_t cabx;

	make_png(&png, 8);
	CHECK(sign(&png, "m", 0, NULL, 0, NULL, 0, &creds, &out) == 0);
	cabx = chunk_at(&out, "caBX");
	/* the chunk claims more bytes than the file has */
	buf_put(&t, out.data, out.len);
	t.data[cabx] = 0x7f;
	CHECK(verify(&t, &r, 0) == C2PA_INVALID);
	c2pa_report_release(&r);
	/* not a PNG */
	buf_reset(&t);
	buf_puts(&t, "GIF89a");
	CHECK(verify(&t, &r, 0) == C2PA_INVALID);
	c2pa_report_release(&r);
	/* every prefix of a signed file: never a crash, never valid */
	for (size_t cut = 0; cut < out.len; cut += 37) {
		buf_reset(&t);
		buf_put(&t, out.data, cut);
		CHECK(verify(&t, &r, 0) != C2PA_VALID);
		c2pa_report_release(&r);
	}
	buf_release(&png);
	buf_release(&out);
	buf_release(&t);
}

int
main(void)
{
	make_creds(&creds, &root_der, "test");
	make_creds(&other, &other_root_der, "provider");
	if (getenv("ASSETGEN_C2PA_OUT")) {
		struct buf pem = BUF_INIT;

		crypto_der_to_pem((unsigned char *)root_der.data, root_der.len, &pem);
		write_out("root.pem", &pem);
		buf_release(&pem);
	}
	RUN(test_sign_and_verify);
	RUN(test_builtin_source);
	RUN(test_deterministic);
	RUN(test_canonical_cbor);
	RUN(test_tamper);
	RUN(test_read_signed);
	RUN(test_upstream_ingredient);
	RUN(test_hostile_png);
	if (getenv("ASSETGEN_C2PA_KEY") && getenv("ASSETGEN_C2PA_CERT"))
		RUN(test_configured_creds);
	crypto_creds_release(&creds);
	crypto_creds_release(&other);
	buf_release(&root_der);
	buf_release(&other_root_der);
	return TEST_DONE();
}
