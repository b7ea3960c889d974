/* sign.c - SHA-256 and HMAC-SHA256 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "sign.h"
#include "util.h"

static void
to_hex(const unsigned char *md, unsigned n, char *out)
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
	to_hex(md, n, out);
}

void
hmac_sha256_hex(const char *secret, const void *msg, size_t len, char out[SHA256_HEX_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	if (!HMAC(EVP_sha256(), secret, (int)strlen(secret), msg, len, md, &n))
		fatal("hmac failed");
	to_hex(md, n, out);
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
	to_hex(md, sizeof(md), out);
}
