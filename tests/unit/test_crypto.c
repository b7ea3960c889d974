/* test_crypto.c - SHA-256, Ed25519, PEM loading, certificates for C2PA */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "crypto.h"
#include "os.h"
#include "util.h"
#include "test.h"

/* Fixtures made with the openssl command (keys not kept), valid for a
 * century: a signer for TLS servers only (EKU serverAuth), and a
 * self-signed certificate with the documentSigning usage. */
static const char tls_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBbTCCAR+gAwIBAgIUX7JAsTzKC/6bbslzNtllDGjln+0wBQYDK2VwMBcxFTAT\n"
	"BgNVBAMMDGZpeHR1cmUgcm9vdDAgFw0yNjEyMDcwNTI3MjFaGA8yMTI2MTExMzA1\n"
	"MjcyMVowHTEbMBkGA1UEAwwSZml4dHVyZSB0bHMgc2VydmVyMCowBQYDK2VwAyEA\n"
	"cCJZcZUJNMdmGRqM9p+7epnJRnFsNOa0ckSD510+6gujdTBzMAwGA1UdEwEB/wQC\n"
	"MAAwDgYDVR0PAQH/BAQDAgeAMBMGA1UdJQQMMAoGCCsGAQUFBwMBMB0GA1UdDgQW\n"
	"BBSj9YCt7wY1EI5KXhHo35++rh3CPzAfBgNVHSMEGDAWgBS6a+kq7vQUkjYl4WER\n"
	"znOcwEzmpzAFBgMrZXADQQD12b8lTcByoa/Rk5hxbPAGAnj4+tTDVV99a57PP4n2\n"
	"hbUiT7EmRn+YghoSJT7niFTv+o4TzX+yPhyniOdB9AUJ\n"
	"-----END CERTIFICATE-----\n"
;
static const char self_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBdTCCASegAwIBAgIUTc+BwT/Nop7pCw0sdNJ+G7v99dwwBQYDK2VwMB4xHDAa\n"
	"BgNVBAMME2ZpeHR1cmUgc2VsZi1zaWduZWQwIBcNMjYxMjA3MDUyNzIxWhgPMjEy\n"
	"NjExMTMwNTI3MjFaMB4xHDAaBgNVBAMME2ZpeHR1cmUgc2VsZi1zaWduZWQwKjAF\n"
	"BgMrZXADIQBwIllxlQk0x2YZGoz2n7t6mclGcWw05rRyRIPnXT7qC6N1MHMwHQYD\n"
	"VR0OBBYEFKP1gK3vBjUQjkpeEejfn76uHcI/MB8GA1UdIwQYMBaAFKP1gK3vBjUQ\n"
	"jkpeEejfn76uHcI/MAwGA1UdEwEB/wQCMAAwDgYDVR0PAQH/BAQDAgeAMBMGA1Ud\n"
	"JQQMMAoGCCsGAQUFBwMkMAUGAytlcANBAJiRwDXaMv6vtGblvKm6wvtOJQChV/Co\n"
	"Ulldqcm1jklaF3TxzTTJ1JkmF4GKqPKFgMM+Vpd23RLNVur5d9VFjgo=\n"
	"-----END CERTIFICATE-----\n"
;

static struct crypto_cert *
cert_of_pem(const char *pem)
{
	unsigned char **ders = NULL;
	size_t *lens = NULL, n = 0;
	char *err = NULL;
	struct crypto_cert *c = NULL;

	if (crypto_pem_certs(pem, strlen(pem), &ders, &lens, &n, &err) == 0) {
		c = crypto_cert_from_der(ders[0], lens[0]);
		free(ders[0]);
	}
	free(ders);
	free(lens);
	free(err);
	return c;
}

static void
test_sha256(void)
{
	static const unsigned char abc[CRYPTO_SHA256_LEN] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
		0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
	};
	unsigned char d[CRYPTO_SHA256_LEN], e[CRYPTO_SHA256_LEN];
	struct crypto_sha256 *h;

	crypto_sha256("abc", 3, d);
	CHECK(memcmp(d, abc, sizeof(d)) == 0);
	h = crypto_sha256_new();
	crypto_sha256_update(h, "a", 1);
	crypto_sha256_update(h, "", 0);
	crypto_sha256_update(h, "bc", 2);
	crypto_sha256_final(h, e);
	CHECK(memcmp(d, e, sizeof(d)) == 0);
}

struct pki {
	struct crypto_key *root_key, *leaf_key;
	struct buf root, leaf;
	struct crypto_cert *root_cert, *leaf_cert;
};

static void
pki_make(struct pki *p, const char *name)
{
	memset(p, 0, sizeof(*p));
	p->root_key = crypto_key_generate();
	p->leaf_key = crypto_key_generate();
	if (crypto_make_root(p->root_key, name, 10, &p->root) < 0 ||
	    crypto_make_leaf(p->leaf_key, name, 10, p->root_key, (unsigned char *)p->root.data,
			     p->root.len, &p->leaf) < 0)
		fatal("cannot make certificates");
	p->root_cert = crypto_cert_from_der((unsigned char *)p->root.data, p->root.len);
	p->leaf_cert = crypto_cert_from_der((unsigned char *)p->leaf.data, p->leaf.len);
}

static void
pki_release(struct pki *p)
{
	crypto_key_free(p->root_key);
	crypto_key_free(p->leaf_key);
	buf_release(&p->root);
	buf_release(&p->leaf);
	crypto_cert_free(p->root_cert);
	crypto_cert_free(p->leaf_cert);
}

static void
test_ed25519(void)
{
	struct pki p;
	unsigned char s1[CRYPTO_ED25519_SIG_LEN], s2[CRYPTO_ED25519_SIG_LEN];
	struct buf pem = BUF_INIT;
	struct crypto_key *k;
	char *err = NULL;

	pki_make(&p, "ed");
	CHECK(p.leaf_cert != NULL);
	/* deterministic: the same key and message, the same signature */
	CHECK(crypto_key_sign(p.leaf_key, "claim", 5, s1) == 0);
	CHECK(crypto_key_sign(p.leaf_key, "claim", 5, s2) == 0);
	CHECK(memcmp(s1, s2, sizeof(s1)) == 0);
	CHECK(crypto_cert_verify(p.leaf_cert, -8, "claim", 5, s1, sizeof(s1)) == 1);
	CHECK(crypto_cert_verify(p.leaf_cert, -8, "claiM", 5, s1, sizeof(s1)) == 0);
	CHECK(crypto_cert_verify(p.leaf_cert, -8, "claim", 5, s1, sizeof(s1) - 1) == 0);
	CHECK(crypto_cert_verify(p.leaf_cert, -7, "claim", 5, s1, sizeof(s1)) == -1);  /* not an EC key */
	CHECK(crypto_cert_verify(p.leaf_cert, 99, "claim", 5, s1, sizeof(s1)) == -1);
	CHECK(crypto_cert_matches_key(p.leaf_cert, p.leaf_key));
	CHECK(!crypto_cert_matches_key(p.leaf_cert, p.root_key));

	/* PEM round trip: the key read back signs the same bytes */
	CHECK(crypto_key_to_pem(p.leaf_key, &pem) == 0);
	CHECK(str_has_prefix(pem.data, "-----BEGIN PRIVATE KEY-----"));
	k = crypto_key_from_pem(pem.data, pem.len, &err);
	CHECK(k != NULL);
	if (k) {
		CHECK(crypto_key_sign(k, "claim", 5, s2) == 0);
		CHECK(memcmp(s1, s2, sizeof(s1)) == 0);
	}
	crypto_key_free(k);
	CHECK(crypto_key_from_pem("not a key", 9, &err) == NULL && err != NULL);
	free(err);
	err = NULL;
	/* a certificate is not a key */
	CHECK(crypto_key_from_pem(tls_pem, strlen(tls_pem), &err) == NULL);
	free(err);
	buf_release(&pem);
	pki_release(&p);
}

static void
test_signer_profile(void)
{
	struct pki p;
	struct crypto_cert *tls = cert_of_pem(tls_pem), *self = cert_of_pem(self_pem);
	char *why = NULL, *eku;

	pki_make(&p, "profile");
	CHECK(crypto_cert_check_signer(p.leaf_cert, &why) == 0);
	eku = crypto_cert_eku(p.leaf_cert);
	CHECK_STR(eku, "1.3.6.1.5.5.7.3.36,1.3.6.1.5.5.7.3.4");
	free(eku);

	/* the root is a CA: it issues, it does not sign claims */
	CHECK(crypto_cert_check_signer(p.root_cert, &why) < 0 && strstr(why, "CA"));
	free(why);
	why = NULL;
	eku = crypto_cert_eku(p.root_cert);
	CHECK_STR(eku, "");
	free(eku);

	/* a TLS server certificate: no EKU that C2PA accepts */
	CHECK(tls != NULL);
	eku = tls ? crypto_cert_eku(tls) : NULL;
	CHECK_STR(eku, "1.3.6.1.5.5.7.3.1");
	free(eku);
	CHECK(tls && crypto_cert_check_signer(tls, &why) < 0 && strstr(why, "extended key usage"));
	free(why);
	why = NULL;

	/* self-signed: refused even with the right EKU */
	CHECK(self && crypto_cert_check_signer(self, &why) < 0 && strstr(why, "self-signed"));
	free(why);
	why = NULL;

	CHECK(crypto_cert_valid_at(p.leaf_cert, (int64_t)time(NULL)));
	CHECK(!crypto_cert_valid_at(p.leaf_cert, 0));
	CHECK(!crypto_cert_valid_at(p.leaf_cert, (int64_t)time(NULL) + 20 * 86400));
	crypto_cert_free(tls);
	crypto_cert_free(self);
	pki_release(&p);
}

static void
test_chain(void)
{
	struct pki a, b;
	struct crypto_cert *chain[2];
	char *why = NULL, *s;

	pki_make(&a, "alpha");
	pki_make(&b, "beta");
	chain[0] = a.leaf_cert;
	CHECK(crypto_chain_verify(chain, 1, &a.root_cert, 1, &why) == 0);
	CHECK(crypto_chain_verify(chain, 1, NULL, 0, &why) == 1);       /* untrusted */
	CHECK(crypto_chain_verify(chain, 1, &b.root_cert, 1, &why) == 1);
	chain[1] = a.root_cert;
	CHECK(crypto_chain_verify(chain, 2, &a.root_cert, 1, &why) == 0);
	chain[1] = b.root_cert;                  /* not the issuer */
	CHECK(crypto_chain_verify(chain, 2, NULL, 0, &why) < 0 && why);
	free(why);
	why = NULL;
	s = crypto_cert_issuer(a.leaf_cert);
	CHECK(s && strstr(s, "alpha"));
	free(s);
	s = crypto_cert_subject(a.leaf_cert);
	CHECK(s && strstr(s, "alpha") && strstr(s, "assetgen"));
	free(s);
	pki_release(&a);
	pki_release(&b);
}

static void
test_creds_load(void)
{
	struct pki p, q;
	struct buf kpem = BUF_INIT, cpem = BUF_INIT, qpem = BUF_INIT;
	struct crypto_creds cr;
	struct crypto_source ks = {0}, cs = {0};
	char dir[] = "/tmp/test_crypto.XXXXXX", *kpath, *cpath, *err = NULL;

	CHECK(mkdtemp(dir) != NULL);
	pki_make(&p, "load");
	pki_make(&q, "other");
	crypto_key_to_pem(p.leaf_key, &kpem);
	crypto_der_to_pem((unsigned char *)p.leaf.data, p.leaf.len, &cpem);
	crypto_der_to_pem((unsigned char *)p.root.data, p.root.len, &cpem);   /* the chain */
	crypto_key_to_pem(q.leaf_key, &qpem);
	kpath = path_join(dir, "signer.key");
	cpath = path_join(dir, "signer.pem");
	os_write_atomic_path(kpath, kpem.data, kpem.len);
	os_write_atomic_path(cpath, cpem.data, cpem.len);

	/* from files */
	ks.file = kpath;
	cs.file = cpath;
	CHECK(crypto_creds_load(&cr, &ks, &cs, &err) == 0);
	CHECK(cr.ncerts == 2 && cr.certlens[0] == p.leaf.len &&
	      memcmp(cr.certs[0], p.leaf.data, p.leaf.len) == 0);
	crypto_creds_release(&cr);

	/* the key from an environment variable the config names */
	setenv("TEST_C2PA_KEY", kpem.data, 1);
	ks.file = NULL;
	ks.env = "TEST_C2PA_KEY";
	CHECK(crypto_creds_load(&cr, &ks, &cs, &err) == 0);
	crypto_creds_release(&cr);

	/* unset: the message names the variable */
	unsetenv("TEST_C2PA_KEY");
	CHECK(crypto_creds_load(&cr, &ks, &cs, &err) < 0 && strstr(err, "TEST_C2PA_KEY"));
	free(err);
	err = NULL;

	/* another key than the certificate's: refused, and the message
	 * never holds the key's text */
	setenv("TEST_C2PA_KEY", qpem.data, 1);
	CHECK(crypto_creds_load(&cr, &ks, &cs, &err) < 0 && strstr(err, "not the signing key's"));
	CHECK(err && !strstr(err, "PRIVATE") && !strstr(err, qpem.data + 28));
	free(err);
	err = NULL;

	/* the root as the signer: a CA cannot sign claims */
	buf_reset(&cpem);
	crypto_der_to_pem((unsigned char *)p.root.data, p.root.len, &cpem);
	os_write_atomic_path(cpath, cpem.data, cpem.len);
	buf_reset(&kpem);
	crypto_key_to_pem(p.root_key, &kpem);
	setenv("TEST_C2PA_KEY", kpem.data, 1);
	CHECK(crypto_creds_load(&cr, &ks, &cs, &err) < 0 && strstr(err, "cannot sign"));
	free(err);
	err = NULL;

	/* a missing file */
	cs.file = "/nonexistent/signer.pem";
	CHECK(crypto_creds_load(&cr, &ks, &cs, &err) < 0 && strstr(err, "/nonexistent/signer.pem"));
	free(err);
	unsetenv("TEST_C2PA_KEY");

	test_rmtree(dir);
	free(kpath);
	free(cpath);
	buf_release(&kpem);
	buf_release(&cpem);
	buf_release(&qpem);
	pki_release(&p);
	pki_release(&q);
}

int
main(void)
{
	RUN(test_sha256);
	RUN(test_ed25519);
	RUN(test_signer_profile);
	RUN(test_chain);
	RUN(test_creds_load);
	return TEST_DONE();
}
