/* sign.h - SHA-256 and HMAC-SHA256 (OpenSSL's libcrypto) */
#ifndef SIGN_H
#define SIGN_H

#include <stddef.h>

#define SHA256_HEX_LEN 64

void sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN + 1]);
void hmac_sha256_hex(const char *secret, const void *msg, size_t len, char out[SHA256_HEX_LEN + 1]);
/* Compare two hex strings in constant time; 1 if equal. */
int hex_equal(const char *a, const char *b);
/* 64 lowercase hex digits? */
int sha256_hex_valid(const char *s);

/* Signed URLs (site/signed_url.c) build on these. */
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

#endif
