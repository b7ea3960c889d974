/* test_sign.c - SHA-256, HMAC-SHA256, MD5 base64url and signed URLs
 * (nginx secure_link, S3 SigV4 presigned GET) against published vectors */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "site/signed_url.h"
#include "crypto.h"
#include "test.h"

static void
to_hex(const unsigned char *md, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* FIPS 180-2 appendix B.1 ("abc"), and the empty message */
static void
test_sha256_vectors(void)
{
	char hex[SHA256_HEX_LEN + 1];

	sha256_hex("abc", 3, hex);
	CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha256_hex("", 0, hex);
	CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	CHECK(sha256_hex_valid(hex));
	CHECK(!sha256_hex_valid("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"));
}

/* RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?" */
static void
test_hmac_rfc4231_case2(void)
{
	static const char want[] = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
	static const char data[] = "what do ya want for nothing?";
	unsigned char md[HMAC_SHA256_LEN];
	char hex[SHA256_HEX_LEN + 1];

	hmac_sha256_hex("Jefe", data, strlen(data), hex);
	CHECK_STR(hex, want);
	hmac_sha256("Jefe", 4, data, strlen(data), md);
	to_hex(md, sizeof(md), hex);
	CHECK_STR(hex, want);
	CHECK(hex_equal(hex, want));
	CHECK(!hex_equal(hex, "5bdcc146"));
}

/* RFC 4231 test case 1: a 20-byte binary key of 0x0b */
static void
test_hmac_rfc4231_case1(void)
{
	unsigned char key[20], md[HMAC_SHA256_LEN];
	char hex[SHA256_HEX_LEN + 1];

	memset(key, 0x0b, sizeof(key));
	hmac_sha256(key, sizeof(key), "Hi There", 8, md);
	to_hex(md, sizeof(md), hex);
	CHECK_STR(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

/* MD5("") is d41d8cd98f00b204e9800998ecf8427e: base64 1B2M2Y8AsgTpgAmY7PhCfg== */
static void
test_md5_base64url(void)
{
	static const char msg[] = "2147483647/dist/hero.png s3cret passphrase";
	char out[MD5_B64URL_LEN + 1];

	md5_base64url("", 0, out);
	CHECK_STR(out, "1B2M2Y8AsgTpgAmY7PhCfg");
	/* computed with python3: base64.urlsafe_b64encode(hashlib.md5(msg).digest()).rstrip(b"=") */
	md5_base64url(msg, strlen(msg), out);
	CHECK_STR(out, "tbkwmi64144MRq_l2e2I3g");
	CHECK(strlen(out) == MD5_B64URL_LEN);
	CHECK(!strpbrk(out, "+/="));
}

static void
test_secure_link(void)
{
	char *url, *err = NULL;

	url = secure_link_url("http://127.0.0.1:8080/dist", "hero.png", "s3cret passphrase", 2147483647, &err);
	CHECK_STR(url, "http://127.0.0.1:8080/dist/hero.png?md5=tbkwmi64144MRq_l2e2I3g&expires=2147483647");
	CHECK(err == NULL);
	free(url);
	/* a trailing slash on the base changes nothing */
	url = secure_link_url("http://127.0.0.1:8080/dist//", "hero.png", "s3cret passphrase", 2147483647, &err);
	CHECK_STR(url, "http://127.0.0.1:8080/dist/hero.png?md5=tbkwmi64144MRq_l2e2I3g&expires=2147483647");
	free(url);
	/* the md5 covers the decoded path ($uri): python3
	 * md5(b"1700003600/my site/a.b-c_d~e.png k") */
	url = secure_link_url("HTTP://Example.com/my%20site/", "a.b-c_d~e.png", "k", 1700003600, &err);
	CHECK_STR(url, "http://Example.com/my%20site/a.b-c_d~e.png?md5=emTBAja6TXsHCBHEAFhDyg&expires=1700003600");
	free(url);
}

static void
test_secure_link_bad_base(void)
{
	static const char *const bad[] = {
		"ftp://example.com/dist", "example.com/dist", "http://", "http:///dist",
		"http://user:pw@example.com/", "http://example.com/dist?x=1", "http://example.com/#top",
		"http://example.com:http/", "http://example.com/a%2", "http://example.com/a%00b",
	};
	char *url, *err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = NULL;
		url = secure_link_url(bad[i], "a.png", "k", 1700000000, &err);
		if (url || !err)
			printf("#   accepted base '%s'\n", bad[i]);
		CHECK(url == NULL && err != NULL);
		free(url);
		free(err);
	}
}

/* AWS S3 API reference, "Authenticating Requests: Using Query Parameters
 * (AWS Signature Version 4)", the GET Object example: a presigned URL for
 * examplebucket/test.txt valid for 86400 s from 20130524T000000Z. */
static void
test_s3_presign_aws_example(void)
{
	struct s3_presign r = {
		.base = "https://examplebucket.s3.amazonaws.com",
		.object = "test.txt",
		.access_key = "AKIAIOSFODNN7EXAMPLE",
		.secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		.region = "us-east-1",
		.now = 1369353600,          /* 2013-05-24T00:00:00Z */
		.expires = 86400,
	};
	char *url, *err = NULL;

	url = s3_presign_get(&r, &err);
	CHECK_STR(url, "https://examplebucket.s3.amazonaws.com/test.txt"
		  "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
		  "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
		  "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
		  "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
	CHECK(err == NULL);
	free(url);
	/* the default port is not part of the signed host */
	r.base = "https://examplebucket.s3.amazonaws.com:443/";
	url = s3_presign_get(&r, &err);
	CHECK(url && strstr(url, "X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"));
	free(url);
}

/* AWS General Reference, "Examples of how to derive a signing key for
 * Signature Version 4" */
static void
test_sigv4_signing_key(void)
{
	unsigned char key[HMAC_SHA256_LEN];
	char hex[SHA256_HEX_LEN + 1];

	sigv4_signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam", key);
	to_hex(key, sizeof(key), hex);
	CHECK_STR(hex, "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

/* path-style, a prefix that needs encoding, a session token, a non-default
 * port: expected values from an independent python3 implementation of the
 * same canonical request (hashlib/hmac/urllib.parse.quote) */
static void
test_s3_presign_more(void)
{
	struct s3_presign r = {
		.base = "https://s3.eu-west-1.amazonaws.com/my-bucket/team%20assets/",
		.object = "launch-banner.png",
		.access_key = "AKIDEXAMPLE",
		.secret_key = "secret/key+x",
		.session_token = "FQoGZXIvYXdzE+/tok=",
		.region = "eu-west-1",
		.now = 1700000000,
		.expires = 3600,
	};
	char *url, *err = NULL;

	url = s3_presign_get(&r, &err);
	CHECK_STR(url, "https://s3.eu-west-1.amazonaws.com/my-bucket/team%20assets/launch-banner.png"
		  "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
		  "&X-Amz-Credential=AKIDEXAMPLE%2F20231114%2Feu-west-1%2Fs3%2Faws4_request"
		  "&X-Amz-Date=20231114T221320Z&X-Amz-Expires=3600"
		  "&X-Amz-Security-Token=FQoGZXIvYXdzE%2B%2Ftok%3D&X-Amz-SignedHeaders=host"
		  "&X-Amz-Signature=fc3d04b49e64398448c0d592a4bb2af055bfc2c4a11761fea8e0d643f2089c05");
	free(url);

	memset(&r, 0, sizeof(r));
	r.base = "http://127.0.0.1:9000/bucket";
	r.object = "hero.png";
	r.access_key = "minio";
	r.secret_key = "minio123";
	r.region = "us-east-1";
	r.now = 1700000000;
	r.expires = S3_PRESIGN_MAX_EXPIRES;
	url = s3_presign_get(&r, &err);
	CHECK_STR(url, "http://127.0.0.1:9000/bucket/hero.png"
		  "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
		  "&X-Amz-Credential=minio%2F20231114%2Fus-east-1%2Fs3%2Faws4_request"
		  "&X-Amz-Date=20231114T221320Z&X-Amz-Expires=604800&X-Amz-SignedHeaders=host"
		  "&X-Amz-Signature=3781eb39489953ebb93416e99c3233ef9682610065fd83ac935e9fcdbbb4a4da");
	free(url);
}

static void
test_s3_presign_limits(void)
{
	struct s3_presign r = {
		.base = "https://examplebucket.s3.amazonaws.com",
		.object = "test.txt",
		.access_key = "AKIAIOSFODNN7EXAMPLE",
		.secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		.region = "us-east-1",
		.now = 1369353600,
		.expires = S3_PRESIGN_MAX_EXPIRES + 1,
	};
	char *url, *err = NULL;

	url = s3_presign_get(&r, &err);
	CHECK(url == NULL && err && strstr(err, "7 days"));
	free(err);
	r.expires = 0;
	url = s3_presign_get(&r, &err);
	CHECK(url == NULL && err);
	free(err);
	r.expires = 60;
	r.secret_key = "";
	url = s3_presign_get(&r, &err);
	CHECK(url == NULL && err);
	free(err);
	/* a message never repeats the secret */
	r.secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
	r.base = "s3://examplebucket";
	url = s3_presign_get(&r, &err);
	CHECK(url == NULL && err && !strstr(err, "wJalrX"));
	free(err);
}

static void
test_s3_region_from_url(void)
{
	static const char *const cases[][2] = {
		{"https://bkt.s3.eu-west-1.amazonaws.com/prefix", "eu-west-1"},
		{"https://s3.ap-southeast-2.amazonaws.com/bkt", "ap-southeast-2"},
		{"https://bkt.s3.dualstack.us-west-2.amazonaws.com", "us-west-2"},
		{"https://bkt.s3-eu-central-1.amazonaws.com", "eu-central-1"},
		{"https://BKT.S3.CN-NORTH-1.AMAZONAWS.COM.CN:443/", "cn-north-1"},
		{"https://examplebucket.s3.amazonaws.com", NULL},
		{"https://bkt.s3-external-1.amazonaws.com", NULL},
		{"http://127.0.0.1:9000/bkt", NULL},
		{"https://s3.example.com/bkt", NULL},
		{"not a url", NULL},
	};
	size_t i;
	char *r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = s3_region_from_url(cases[i][0]);
		if (cases[i][1])
			CHECK_STR(r, cases[i][1]);
		else if (r)
			printf("#   %s: region '%s'\n", cases[i][0], r);
		CHECK(cases[i][1] || !r);
		free(r);
	}
}

int
main(void)
{
	RUN(test_sha256_vectors);
	RUN(test_hmac_rfc4231_case2);
	RUN(test_hmac_rfc4231_case1);
	RUN(test_md5_base64url);
	RUN(test_secure_link);
	RUN(test_secure_link_bad_base);
	RUN(test_s3_presign_aws_example);
	RUN(test_sigv4_signing_key);
	RUN(test_s3_presign_more);
	RUN(test_s3_presign_limits);
	RUN(test_s3_region_from_url);
	return TEST_DONE();
}
