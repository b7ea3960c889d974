/* crypto.h - hashing, HMAC, Ed25519 keys, X.509 certificates (over OpenSSL)
 *
 * crypto.c is the one file that includes OpenSSL.  It holds the hex
 * digests and HMACs of the cache, the trust scheme and signed links,
 * base64, and the signing credentials: SHA-256, Ed25519 keys and
 * signatures, PEM loading (from a file or from an environment variable
 * the config names), X.509 generation for `assetgen credentials init`,
 * and certificate checks for C2PA (key usage, extended key usage, chain).
 * No OpenSSL type appears here: keys and certificates are opaque.
 */
#ifndef CRYPTO_H
#define CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define CRYPTO_SHA256_LEN 32
#define CRYPTO_ED25519_SIG_LEN 64

/* SHA-256, streaming: new, update any number of times, final (which frees
 * the state). */
struct crypto_sha256;
struct crypto_sha256 *crypto_sha256_new(void);
void crypto_sha256_update(struct crypto_sha256 *h, const void *p, size_t n);
void crypto_sha256_final(struct crypto_sha256 *h, unsigned char out[CRYPTO_SHA256_LEN]);
void crypto_sha256(const void *p, size_t n, unsigned char out[CRYPTO_SHA256_LEN]);

/* An Ed25519 private key. */
struct crypto_key;
struct crypto_key *crypto_key_generate(void);
/* From PEM text (PKCS#8 "PRIVATE KEY"); NULL with *err set (malloc'd)
 * when it is not an Ed25519 private key.  The text is not kept. */
struct crypto_key *crypto_key_from_pem(const char *pem, size_t len, char **err);
/* PKCS#8 PEM, appended to out. */
int crypto_key_to_pem(const struct crypto_key *k, struct buf *out);
/* Ed25519 is deterministic: the same key and message, the same bytes. */
int crypto_key_sign(const struct crypto_key *k, const void *msg, size_t n,
		    unsigned char sig[CRYPTO_ED25519_SIG_LEN]);
void crypto_key_free(struct crypto_key *k);

/* A certificate, parsed from DER. */
struct crypto_cert;
struct crypto_cert *crypto_cert_from_der(const unsigned char *der, size_t len);
void crypto_cert_free(struct crypto_cert *c);
/* The subject's and issuer's distinguished names, one line (malloc'd). */
char *crypto_cert_subject(const struct crypto_cert *c);
char *crypto_cert_issuer(const struct crypto_cert *c);
/* Does the certificate's public key verify sig over msg with the COSE
 * algorithm alg (-8 EdDSA; -7, -35, -36 ECDSA with a raw r|s signature;
 * -37, -38, -39 RSASSA-PSS)?  1 yes, 0 no, -1 the algorithm is not one of
 * those or not the key's. */
int crypto_cert_verify(const struct crypto_cert *c, int alg, const void *msg, size_t n,
		       const unsigned char *sig, size_t siglen);
/* Does the certificate hold the public half of k?  1 yes, 0 no. */
int crypto_cert_matches_key(const struct crypto_cert *c, const struct crypto_key *k);
/* Is it fit to sign C2PA claims: not a CA, the digitalSignature key usage,
 * and an extended key usage C2PA accepts (id-kp-emailProtection,
 * id-kp-documentSigning, or C2PA's claim signing purpose), not
 * anyExtendedKeyUsage?  0, or -1 with *why set (malloc'd). */
int crypto_cert_check_signer(const struct crypto_cert *c, char **why);
/* The extended key usages as dotted OIDs, comma-separated ("" when the
 * extension is absent); malloc'd. */
char *crypto_cert_eku(const struct crypto_cert *c);
/* Is it valid at time t (seconds since the epoch)?  1 yes, 0 no. */
int crypto_cert_valid_at(const struct crypto_cert *c, int64_t t);

/* Certificate chain: chain[0] the signer, each issued by the next.
 * Checks those signatures, and, when anchors are given (DER, nanchors of
 * them), that the chain ends at one of them.  0; -1 with *why (malloc'd)
 * when a link is broken; 1 when the chain holds together but no anchor
 * was given or none issued it ("untrusted"). */
int crypto_chain_verify(struct crypto_cert *const *chain, size_t n,
			struct crypto_cert *const *anchors, size_t nanchors, char **why);

/* Where a PEM comes from: a file, or the environment variable the config
 * names (its value is the PEM text itself).  Exactly one is set. */
struct crypto_source {
	const char *file;
	const char *env;
};

/* Signing credentials: the private key and the certificate chain (DER,
 * the signer first, as it goes into a COSE x5chain). */
struct crypto_creds {
	struct crypto_key *key;
	unsigned char **certs;
	size_t *certlens;
	size_t ncerts;
};

/* Load the key and the chain (one or more PEM certificates, the signer
 * first) and check that they belong together and that the signer is fit
 * for C2PA.  0, or -1 with *err set (malloc'd; it never holds the key's
 * bytes). */
int crypto_creds_load(struct crypto_creds *cr, const struct crypto_source *key,
		      const struct crypto_source *cert, char **err);
void crypto_creds_release(struct crypto_creds *cr);
/* The certificate chain alone (public: what a plan keys on, without the
 * private key), as in crypto_creds_load.  The DER certificates go to
 * *ders and *lens (n of them; free each, and the arrays).  0 or -1 with
 * *err set (malloc'd). */
int crypto_chain_load(const struct crypto_source *cert, unsigned char ***ders, size_t **lens,
		      size_t *n, char **err);

/* All certificates of a PEM text, as DER, appended to the arrays ders and lens (n of them). */
int crypto_pem_certs(const char *pem, size_t len, unsigned char ***ders, size_t **lens,
		     size_t *n, char **err);
/* A DER certificate as PEM, appended to out. */
int crypto_der_to_pem(const unsigned char *der, size_t len, struct buf *out);

/* Make certificates for development (`assetgen credentials init`):
 * a self-signed root CA with the name cn, valid for days from now, and a
 * signing certificate issued by it: not a CA, digitalSignature, the
 * id-kp-documentSigning and id-kp-emailProtection usages.  DER appended
 * to out.  0 or -1. */
int crypto_make_root(const struct crypto_key *k, const char *cn, int days, struct buf *out);
int crypto_make_leaf(const struct crypto_key *k, const char *cn, int days,
		     const struct crypto_key *ca_key, const unsigned char *ca_der, size_t ca_len,
		     struct buf *out);

/* ---- hex digests and HMAC: cache names, the trust scheme, signed links ---- */

#define SHA256_HEX_LEN 64

void sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN + 1]);
void hmac_sha256_hex(const char *secret, const void *msg, size_t len, char out[SHA256_HEX_LEN + 1]);
/* Compare two hex strings in constant time; 1 if equal. */
int hex_equal(const char *a, const char *b);
/* 64 lowercase hex digits? */
int sha256_hex_valid(const char *s);

/* Signed URLs (site/signed_url.c) and the S3 signer build on these. */
#define MD5_B64URL_LEN 22
#define HMAC_SHA256_LEN 32

/* base64url (RFC 4648 section 5) of MD5(data), without '=' padding: the
 * form nginx's secure_link module reads from a link. */
void md5_base64url(const void *data, size_t len, char out[MD5_B64URL_LEN + 1]);
/* HMAC-SHA256 with a binary key; the raw 32 bytes. */
void hmac_sha256(const void *key, size_t keylen, const void *msg, size_t len,
		 unsigned char out[HMAC_SHA256_LEN]);
/* AWS Signature Version 4: the signing key is the HMAC chain
 * "AWS4" + secret -> date (YYYYMMDD) -> region -> service -> "aws4_request",
 * and the signature the lowercase hex HMAC of the string to sign under it. */
void sigv4_signing_key(const char *secret, const char *date, const char *region,
		       const char *service, unsigned char out[HMAC_SHA256_LEN]);
void sigv4_signature_hex(const unsigned char key[HMAC_SHA256_LEN], const char *string_to_sign,
			 char out[SHA256_HEX_LEN + 1]);

/* Overwrite n bytes in a way the compiler keeps (for secrets). */
void crypto_cleanse(void *p, size_t n);
/* Standard base64 of len bytes into out (4 * ((len + 2) / 3) + 1 bytes,
 * NUL-terminated); the length written. */
size_t crypto_base64_encode_block(char *out, const void *data, size_t len);
/* Decode len base64 characters (a multiple of 4, no whitespace) into out
 * (len / 4 * 3 bytes); the bytes written, padding included, or -1. */
long crypto_base64_decode_block(void *out, const void *in, size_t len);

#endif
