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

#endif
