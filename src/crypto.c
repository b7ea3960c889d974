/* crypto.c - SHA-256, Ed25519, PEM and X.509 for content credentials */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto.h"
#include "os.h"
#include "util.h"

/* PEM files of keys and chains are small; anything larger is not one */
#define PEM_MAX (256 * 1024)

/* The extended key usages C2PA accepts for a claim signer (C2PA 2.x,
 * "Certificate profile"): id-kp-emailProtection, id-kp-documentSigning,
 * and C2PA's own c2pa-kp-claimSigning. */
static const char *const signer_ekus[] = {
	"1.3.6.1.5.5.7.3.4",
	"1.3.6.1.5.5.7.3.36",
	"1.3.6.1.4.1.62558.2.1",
};
#define OID_ANY_EKU "2.5.29.37.0"

struct crypto_sha256 {
	EVP_MD_CTX *ctx;
};

struct crypto_key {
	EVP_PKEY *pkey;
};

struct crypto_cert {
	X509 *x;
};

/* SHA-256 */

struct crypto_sha256 *
crypto_sha256_new(void)
{
	struct crypto_sha256 *h = xcalloc(1, sizeof(*h));

	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1)
		fatal("cannot start a SHA-256 digest");
	return h;
}

void
crypto_sha256_update(struct crypto_sha256 *h, const void *p, size_t n)
{
	if (n && EVP_DigestUpdate(h->ctx, p, n) != 1)
		fatal("SHA-256 update failed");
}

void
crypto_sha256_final(struct crypto_sha256 *h, unsigned char out[CRYPTO_SHA256_LEN])
{
	unsigned len = 0;

	if (EVP_DigestFinal_ex(h->ctx, out, &len) != 1 || len != CRYPTO_SHA256_LEN)
		fatal("SHA-256 final failed");
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

void
crypto_sha256(const void *p, size_t n, unsigned char out[CRYPTO_SHA256_LEN])
{
	struct crypto_sha256 *h = crypto_sha256_new();

	crypto_sha256_update(h, p, n);
	crypto_sha256_final(h, out);
}

/* Keys */

static struct crypto_key *
key_wrap(EVP_PKEY *pkey)
{
	struct crypto_key *k = xcalloc(1, sizeof(*k));

	k->pkey = pkey;
	return k;
}

struct crypto_key *
crypto_key_generate(void)
{
	EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");

	if (!pkey)
		fatal("cannot generate an Ed25519 key");
	return key_wrap(pkey);
}

struct crypto_key *
crypto_key_from_pem(const char *pem, size_t len, char **err)
{
	EVP_PKEY *pkey;
	BIO *bio;

	if (len > PEM_MAX) {
		*err = xstrdup("too large for a PEM key");
		return NULL;
	}
	bio = BIO_new_mem_buf(pem, (int)len);
	if (!bio)
		fatal("out of memory");
	pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	ERR_clear_error();
	if (!pkey) {
		*err = xstrdup("no PEM private key in it");
		return NULL;
	}
	if (EVP_PKEY_id(pkey) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(pkey);
		*err = xstrdup("not an Ed25519 key (the signing algorithm assetgen uses)");
		return NULL;
	}
	return key_wrap(pkey);
}

/* The contents of a memory BIO appended to out; frees the BIO. */
static int
bio_drain(BIO *bio, struct buf *out)
{
	char *p;
	long n = BIO_get_mem_data(bio, &p);
	int rc = n >= 0 && buf_put(out, p, (size_t)n) == 0 ? 0 : -1;

	BIO_free(bio);
	return rc;
}

int
crypto_key_to_pem(const struct crypto_key *k, struct buf *out)
{
	BIO *bio = BIO_new(BIO_s_mem());

	if (!bio)
		fatal("out of memory");
	if (PEM_write_bio_PrivateKey(bio, k->pkey, NULL, NULL, 0, NULL, NULL) != 1) {
		BIO_free(bio);
		return -1;
	}
	return bio_drain(bio, out);
}

int
crypto_key_sign(const struct crypto_key *k, const void *msg, size_t n,
		unsigned char sig[CRYPTO_ED25519_SIG_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t siglen = CRYPTO_ED25519_SIG_LEN;
	int ok;

	if (!ctx)
		fatal("out of memory");
	ok = EVP_DigestSignInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
		EVP_DigestSign(ctx, sig, &siglen, msg, n) == 1 &&
		siglen == CRYPTO_ED25519_SIG_LEN;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return ok ? 0 : -1;
}

void
crypto_key_free(struct crypto_key *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}

/* Certificates */

struct crypto_cert *
crypto_cert_from_der(const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	struct crypto_cert *c;
	X509 *x;

	if (len > PEM_MAX)
		return NULL;
	x = d2i_X509(NULL, &p, (long)len);
	ERR_clear_error();
	if (!x)
		return NULL;
	if (p != der + len) {         /* trailing bytes: not one certificate */
		X509_free(x);
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->x = x;
	return c;
}

void
crypto_cert_free(struct crypto_cert *c)
{
	if (!c)
		return;
	X509_free(c->x);
	free(c);
}

static char *
name_line(const X509_NAME *name)
{
	BIO *bio = BIO_new(BIO_s_mem());
	struct buf b = BUF_INIT;
	char *s;

	if (!bio)
		fatal("out of memory");
	X509_NAME_print_ex(bio, name, 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB);
	bio_drain(bio, &b);
	s = buf_detach(&b, NULL);
	return s ? s : xstrdup("");
}

char *
crypto_cert_subject(const struct crypto_cert *c)
{
	return name_line(X509_get_subject_name(c->x));
}

char *
crypto_cert_issuer(const struct crypto_cert *c)
{
	return name_line(X509_get_issuer_name(c->x));
}

/* A raw ECDSA signature (r | s, each half the length) as DER */
static unsigned char *
ecdsa_der(const unsigned char *sig, size_t siglen, int *derlen)
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r, *s;
	unsigned char *der = NULL;

	if (!es)
		fatal("out of memory");
	r = BN_bin2bn(sig, (int)(siglen / 2), NULL);
	s = BN_bin2bn(sig + siglen / 2, (int)(siglen / 2), NULL);
	if (!r || !s || ECDSA_SIG_set0(es, r, s) != 1) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(es);
		return NULL;
	}
	*derlen = i2d_ECDSA_SIG(es, &der);
	ECDSA_SIG_free(es);
	return *derlen > 0 ? der : NULL;
}

int
crypto_cert_verify(const struct crypto_cert *c, int alg, const void *msg, size_t n,
		   const unsigned char *sig, size_t siglen)
{
	EVP_PKEY *pub = X509_get0_pubkey(c->x);
	const EVP_MD *md = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	EVP_MD_CTX *ctx;
	unsigned char *der = NULL;
	int type, want, derlen = 0, ok;

	if (!pub) {
		ERR_clear_error();
		return -1;
	}
	type = EVP_PKEY_base_id(pub);
	switch (alg) {
	case -8: want = EVP_PKEY_ED25519; break;
	case -7: want = EVP_PKEY_EC; md = EVP_sha256(); break;
	case -35: want = EVP_PKEY_EC; md = EVP_sha384(); break;
	case -36: want = EVP_PKEY_EC; md = EVP_sha512(); break;
	case -37: want = EVP_PKEY_RSA; md = EVP_sha256(); break;
	case -38: want = EVP_PKEY_RSA; md = EVP_sha384(); break;
	case -39: want = EVP_PKEY_RSA; md = EVP_sha512(); break;
	default: return -1;
	}
	if (type != want && !(want == EVP_PKEY_RSA && type == EVP_PKEY_RSA_PSS))
		return -1;
	if (want == EVP_PKEY_ED25519 && siglen != CRYPTO_ED25519_SIG_LEN)
		return 0;
	if (want == EVP_PKEY_EC) {
		if (siglen == 0 || siglen % 2 || siglen > 1024 || !(der = ecdsa_der(sig, siglen, &derlen)))
			return 0;
		sig = der;
		siglen = (size_t)derlen;
	}
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		fatal("out of memory");
	ok = EVP_DigestVerifyInit(ctx, &pctx, md, NULL, pub) == 1;
	if (ok && want == EVP_PKEY_RSA)
		ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
			EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1 &&
			EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) == 1;
	ok = ok && EVP_DigestVerify(ctx, sig, siglen, msg, n) == 1;
	EVP_MD_CTX_free(ctx);
	OPENSSL_free(der);
	ERR_clear_error();
	return ok;
}

int
crypto_cert_matches_key(const struct crypto_cert *c, const struct crypto_key *k)
{
	EVP_PKEY *pub = X509_get0_pubkey(c->x);
	int eq = pub && EVP_PKEY_eq(pub, k->pkey) == 1;

	ERR_clear_error();
	return eq;
}

char *
crypto_cert_eku(const struct crypto_cert *c)
{
	EXTENDED_KEY_USAGE *eku;
	struct buf b = BUF_INIT;
	char oid[128];
	int i;

	eku = X509_get_ext_d2i(c->x, NID_ext_key_usage, NULL, NULL);
	ERR_clear_error();
	buf_puts(&b, "");
	for (i = 0; eku && i < sk_ASN1_OBJECT_num(eku); i++) {
		if (OBJ_obj2txt(oid, sizeof(oid), sk_ASN1_OBJECT_value(eku, i), 1) <= 0)
			continue;
		if (b.len)
			buf_putc(&b, ',');
		buf_puts(&b, oid);
	}
	EXTENDED_KEY_USAGE_free(eku);
	return buf_detach(&b, NULL);
}

int
crypto_cert_check_signer(const struct crypto_cert *c, char **why)
{
	char *ekus, *p, *tok;
	int found = 0, any = 0;
	size_t i;
	uint32_t flags = X509_get_extension_flags(c->x);

	if (X509_get_version(c->x) != 2) {
		*why = xstrdup("not an X.509 version 3 certificate");
		return -1;
	}
	if (X509_check_ca(c->x) != 0 || (flags & EXFLAG_CA)) {
		*why = xstrdup("a CA certificate cannot sign claims (basicConstraints cA is set)");
		return -1;
	}
	if (flags & EXFLAG_SS) {
		*why = xstrdup("a self-signed certificate cannot sign claims: use one issued by a CA");
		return -1;
	}
	if (!(flags & EXFLAG_KUSAGE) || !(X509_get_key_usage(c->x) & KU_DIGITAL_SIGNATURE)) {
		*why = xstrdup("no digitalSignature key usage");
		return -1;
	}
	if (X509_get_key_usage(c->x) & KU_KEY_CERT_SIGN) {
		*why = xstrdup("a signer must not have the keyCertSign key usage");
		return -1;
	}
	ekus = crypto_cert_eku(c);
	for (p = ekus; (tok = p) != NULL && *tok;) {
		p = strchr(tok, ',');
		if (p)
			*p++ = '\0';
		if (strcmp(tok, OID_ANY_EKU) == 0)
			any = 1;
		for (i = 0; i < sizeof(signer_ekus) / sizeof(signer_ekus[0]); i++)
			if (strcmp(tok, signer_ekus[i]) == 0)
				found = 1;
		if (!p)
			break;
	}
	free(ekus);
	if (any) {
		*why = xstrdup("the anyExtendedKeyUsage purpose is not allowed for a signer");
		return -1;
	}
	if (!found) {
		*why = xstrdup("no extended key usage C2PA accepts (documentSigning, emailProtection or C2PA claim signing)");
		return -1;
	}
	return 0;
}

int
crypto_cert_valid_at(const struct crypto_cert *c, int64_t t)
{
	time_t tt = (time_t)t;

	return X509_cmp_time(X509_get0_notBefore(c->x), &tt) < 0 &&
		X509_cmp_time(X509_get0_notAfter(c->x), &tt) > 0;
}

/* Did issuer sign subject? */
static int
issued_by(X509 *subject, X509 *issuer)
{
	EVP_PKEY *pub = X509_get0_pubkey(issuer);
	int ok = pub && X509_check_issued(issuer, subject) == X509_V_OK &&
		X509_verify(subject, pub) == 1;

	ERR_clear_error();
	return ok;
}

int
crypto_chain_verify(struct crypto_cert *const *chain, size_t n,
		    struct crypto_cert *const *anchors, size_t nanchors, char **why)
{
	X509 *last;
	size_t i;

	if (n == 0) {
		*why = xstrdup("no certificate");
		return -1;
	}
	for (i = 0; i + 1 < n; i++) {
		if (!issued_by(chain[i]->x, chain[i + 1]->x)) {
			char *s = crypto_cert_subject(chain[i]);

			*why = xasprintf("certificate %zu (%s) was not issued by the next one in the chain", i + 1, s);
			free(s);
			return -1;
		}
		if (X509_check_ca(chain[i + 1]->x) == 0) {
			*why = xasprintf("certificate %zu of the chain is not a CA", i + 2);
			return -1;
		}
	}
	last = chain[n - 1]->x;
	for (i = 0; i < nanchors; i++)
		if (X509_cmp(last, anchors[i]->x) == 0 || issued_by(last, anchors[i]->x))
			return 0;
	return 1;
}

/* PEM */

int
crypto_pem_certs(const char *pem, size_t len, unsigned char ***ders, size_t **lens,
		 size_t *n, char **err)
{
	size_t cap = *n, lcap = *n, start = *n;
	X509 *x;
	BIO *bio;

	if (len > PEM_MAX) {
		*err = xstrdup("too large for a certificate chain");
		return -1;
	}
	bio = BIO_new_mem_buf(pem, (int)len);
	if (!bio)
		fatal("out of memory");
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		unsigned char *der = NULL;
		int l = i2d_X509(x, &der);

		X509_free(x);
		if (l <= 0)
			break;
		*ders = xgrow(*ders, &cap, *n + 1, sizeof(**ders));
		*lens = xgrow(*lens, &lcap, *n + 1, sizeof(**lens));
		(*ders)[*n] = xmalloc((size_t)l);
		memcpy((*ders)[*n], der, (size_t)l);
		(*lens)[*n] = (size_t)l;
		(*n)++;
		OPENSSL_free(der);
	}
	BIO_free(bio);
	ERR_clear_error();
	if (*n == start) {
		*err = xstrdup("no PEM certificate in it");
		return -1;
	}
	return 0;
}

int
crypto_der_to_pem(const unsigned char *der, size_t len, struct buf *out)
{
	struct crypto_cert *c = crypto_cert_from_der(der, len);
	BIO *bio;

	if (!c)
		return -1;
	bio = BIO_new(BIO_s_mem());
	if (!bio)
		fatal("out of memory");
	if (PEM_write_bio_X509(bio, c->x) != 1) {
		BIO_free(bio);
		crypto_cert_free(c);
		return -1;
	}
	crypto_cert_free(c);
	return bio_drain(bio, out);
}

/* Credentials */

/* The PEM text of a source into out; *what names it for messages. */
static int
source_read(const struct crypto_source *s, const char *kind, struct buf *out, char **err)
{
	if (s->env) {
		const char *v = getenv(s->env);

		if (!v || !*v) {
			*err = xasprintf("the %s's environment variable '%s' is not set", kind, s->env);
			return -1;
		}
		if (strlen(v) > PEM_MAX || buf_puts(out, v) < 0) {
			*err = xasprintf("the %s in '%s' is too large", kind, s->env);
			return -1;
		}
		return 0;
	}
	if (!s->file) {
		*err = xasprintf("no %s configured", kind);
		return -1;
	}
	if (os_read_file(s->file, PEM_MAX, out) < 0) {
		*err = xasprintf("cannot read the %s '%s': %s", kind, s->file, strerror(errno));
		return -1;
	}
	return 0;
}

static const char *
source_name(const struct crypto_source *s)
{
	return s->env ? s->env : s->file;
}

int
crypto_creds_load(struct crypto_creds *cr, const struct crypto_source *key,
		  const struct crypto_source *cert, char **err)
{
	struct buf kb = BUF_INIT, cb = BUF_INIT;
	struct crypto_cert *signer = NULL;
	char *why = NULL;
	int rc = -1;

	memset(cr, 0, sizeof(*cr));
	if (source_read(key, "signing key", &kb, err) < 0)
		goto out;
	cr->key = crypto_key_from_pem(kb.data, kb.len, &why);
	if (!cr->key) {
		*err = xasprintf("the signing key '%s': %s", source_name(key), why);
		goto out;
	}
	if (source_read(cert, "certificate", &cb, err) < 0)
		goto out;
	if (crypto_pem_certs(cb.data, cb.len, &cr->certs, &cr->certlens, &cr->ncerts, &why) < 0) {
		*err = xasprintf("the certificate '%s': %s", source_name(cert), why);
		goto out;
	}
	signer = crypto_cert_from_der(cr->certs[0], cr->certlens[0]);
	if (!signer) {
		*err = xasprintf("the certificate '%s' cannot be parsed", source_name(cert));
		goto out;
	}
	if (!crypto_cert_matches_key(signer, cr->key)) {
		*err = xasprintf("the first certificate of '%s' is not the signing key's", source_name(cert));
		goto out;
	}
	if (crypto_cert_check_signer(signer, &why) < 0) {
		*err = xasprintf("the certificate '%s' cannot sign content credentials: %s",
				 source_name(cert), why);
		goto out;
	}
	rc = 0;
out:
	crypto_cert_free(signer);
	free(why);
	if (kb.data)
		OPENSSL_cleanse(kb.data, kb.len);
	buf_release(&kb);
	buf_release(&cb);
	if (rc < 0)
		crypto_creds_release(cr);
	return rc;
}

int
crypto_chain_load(const struct crypto_source *cert, unsigned char ***ders, size_t **lens,
		  size_t *n, char **err)
{
	struct buf cb = BUF_INIT;
	char *why = NULL;
	int rc = -1;

	*ders = NULL;
	*lens = NULL;
	*n = 0;
	if (source_read(cert, "certificate", &cb, err) < 0)
		goto out;
	if (crypto_pem_certs(cb.data, cb.len, ders, lens, n, &why) < 0) {
		*err = xasprintf("the certificate '%s': %s", source_name(cert), why);
		goto out;
	}
	rc = 0;
out:
	free(why);
	buf_release(&cb);
	return rc;
}

void
crypto_creds_release(struct crypto_creds *cr)
{
	size_t i;

	crypto_key_free(cr->key);
	for (i = 0; i < cr->ncerts; i++)
		free(cr->certs[i]);
	free(cr->certs);
	free(cr->certlens);
	memset(cr, 0, sizeof(*cr));
}

/* Generation */

static int
add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
	int ok = ext && X509_add_ext(x, ext, -1) == 1;

	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

/* A version 3 certificate with a random positive 128-bit serial, valid
 * from an hour ago (clock skew) for days, for cn; issuer and extensions
 * are the caller's. */
static X509 *
cert_new(const struct crypto_key *k, const char *cn, int days)
{
	unsigned char serial[16];
	X509_NAME *name;
	BIGNUM *bn;
	X509 *x = X509_new();

	if (!x || RAND_bytes(serial, sizeof(serial)) != 1)
		fatal("cannot make a certificate");
	serial[0] &= 0x7f;
	serial[0] |= 0x40;            /* positive, and always 16 bytes long */
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	if (!bn || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)))
		fatal("cannot make a certificate serial number");
	BN_free(bn);
	X509_set_version(x, 2);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_time_adj_ex(X509_getm_notAfter(x), days, 0, NULL);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)"assetgen", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
	X509_set_pubkey(x, k->pkey);
	return x;
}

static int
cert_finish(X509 *x, const struct crypto_key *signer, struct buf *out)
{
	unsigned char *der = NULL;
	int l, rc = -1;

	if (X509_sign(x, signer->pkey, NULL) > 0 && (l = i2d_X509(x, &der)) > 0) {
		rc = buf_put(out, der, (size_t)l);
		OPENSSL_free(der);
	}
	X509_free(x);
	ERR_clear_error();
	return rc;
}

int
crypto_make_root(const struct crypto_key *k, const char *cn, int days, struct buf *out)
{
	X509 *x = cert_new(k, cn, days);
	X509V3_CTX ctx;

	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if (add_ext(x, &ctx, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") < 0 ||
	    add_ext(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign") < 0 ||
	    add_ext(x, &ctx, NID_subject_key_identifier, "hash") < 0) {
		X509_free(x);
		return -1;
	}
	return cert_finish(x, k, out);
}

int
crypto_make_leaf(const struct crypto_key *k, const char *cn, int days,
		 const struct crypto_key *ca_key, const unsigned char *ca_der, size_t ca_len,
		 struct buf *out)
{
	struct crypto_cert *ca = crypto_cert_from_der(ca_der, ca_len);
	X509V3_CTX ctx;
	X509 *x;
	int rc = -1;

	if (!ca)
		return -1;
	x = cert_new(k, cn, days);
	X509_set_issuer_name(x, X509_get_subject_name(ca->x));
	X509V3_set_ctx(&ctx, ca->x, x, NULL, NULL, 0);
	if (add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE") == 0 &&
	    add_ext(x, &ctx, NID_key_usage, "critical,digitalSignature") == 0 &&
	    add_ext(x, &ctx, NID_ext_key_usage, "1.3.6.1.5.5.7.3.36,emailProtection") == 0 &&
	    add_ext(x, &ctx, NID_subject_key_identifier, "hash") == 0 &&
	    add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always") == 0)
		rc = cert_finish(x, ca_key, out);
	else
		X509_free(x);
	crypto_cert_free(ca);
	return rc;
}

/* ---- hex digests and HMAC: cache names, the trust scheme, signed links ---- */

static void
hex_of(const unsigned char *md, unsigned n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	unsigned i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[md[i] >> 4];
		out[2 * i + 1] = digits[md[i] & 15];
	}
	out[2 * n] = '\0';
}

void
sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	if (!EVP_Digest(data, len, md, &n, EVP_sha256(), NULL))
		fatal("sha256 failed");
	hex_of(md, n, out);
}

void
hmac_sha256_hex(const char *secret, const void *msg, size_t len, char out[SHA256_HEX_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	if (!HMAC(EVP_sha256(), secret, (int)strlen(secret), msg, len, md, &n))
		fatal("hmac failed");
	hex_of(md, n, out);
}

int
hex_equal(const char *a, const char *b)
{
	size_t n = strlen(a);

	return n == strlen(b) && CRYPTO_memcmp(a, b, n) == 0;
}

int
sha256_hex_valid(const char *s)
{
	size_t i;

	for (i = 0; i < SHA256_HEX_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[SHA256_HEX_LEN] == '\0';
}

void
md5_base64url(const void *data, size_t len, char out[MD5_B64URL_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE], b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
	unsigned n = 0, i;
	int m;

	if (!EVP_Digest(data, len, md, &n, EVP_md5(), NULL) || n != 16)
		fatal("md5 failed");
	m = EVP_EncodeBlock(b64, md, (int)n);     /* 24 characters, "==" at the end */
	for (i = 0; i < MD5_B64URL_LEN && (int)i < m; i++)
		out[i] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' : (char)b64[i];
	out[i] = '\0';
}

void
hmac_sha256(const void *key, size_t keylen, const void *msg, size_t len, unsigned char out[HMAC_SHA256_LEN])
{
	unsigned n = 0;

	if (!HMAC(EVP_sha256(), key, (int)keylen, msg, len, out, &n) || n != HMAC_SHA256_LEN)
		fatal("hmac failed");
}

void
sigv4_signing_key(const char *secret, const char *date, const char *region, const char *service,
		  unsigned char out[HMAC_SHA256_LEN])
{
	unsigned char k1[HMAC_SHA256_LEN], k2[HMAC_SHA256_LEN];
	char *first = xasprintf("AWS4%s", secret);

	hmac_sha256(first, strlen(first), date, strlen(date), k1);
	OPENSSL_cleanse(first, strlen(first));
	free(first);
	hmac_sha256(k1, sizeof(k1), region, strlen(region), k2);
	hmac_sha256(k2, sizeof(k2), service, strlen(service), k1);
	hmac_sha256(k1, sizeof(k1), "aws4_request", 12, out);
	OPENSSL_cleanse(k1, sizeof(k1));
	OPENSSL_cleanse(k2, sizeof(k2));
}

void
sigv4_signature_hex(const unsigned char key[HMAC_SHA256_LEN], const char *string_to_sign,
		    char out[SHA256_HEX_LEN + 1])
{
	unsigned char md[HMAC_SHA256_LEN];

	hmac_sha256(key, HMAC_SHA256_LEN, string_to_sign, strlen(string_to_sign), md);
	hex_of(md, sizeof(md), out);
}

void
crypto_cleanse(void *p, size_t n)
{
	OPENSSL_cleanse(p, n);
}

size_t
crypto_base64_encode_block(char *out, const void *data, size_t len)
{
	return (size_t)EVP_EncodeBlock((unsigned char *)out, data, (int)len);
}

long
crypto_base64_decode_block(void *out, const void *in, size_t len)
{
	return EVP_DecodeBlock(out, in, (int)len);
}
