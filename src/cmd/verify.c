/* cmd/verify.c - `assetgen verify FILE...`: check a PNG's content credentials */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "c2pa/c2pa.h"
#include "cmd.h"
#include "crypto.h"
#include "os.h"
#include "util.h"

/* the largest PNG assetgen reads anywhere */
#define VERIFY_MAX ((size_t)512 << 20)

static const char verify_usage[] =
	"usage: assetgen verify [--trust ROOT.pem] FILE...\n\n"
	"Check each PNG's content credentials (its C2PA manifest store): the\n"
	"structure, the hash binding to the file's bytes, every hashed link, the\n"
	"claim's signature, and the signer's certificate (key usage, extended key\n"
	"usage, chain).  Prints the chain of actions and ingredients.\n\n"
	"  --trust FILE  PEM certificates of issuers to trust; without it every\n"
	"                signer is reported as untrusted (which does not fail)\n\n"
	"exit status: 0 every file valid, 1 a file's credentials are invalid,\n"
	"2 a file has none (or cannot be read, or a usage error)\n";

static void
print_report(const char *path, const struct c2pa_report *r)
{
	size_t i, j;

	printf("%s: %s\n", path, r->status == C2PA_VALID ? "valid" :
	       r->status == C2PA_INVALID ? "invalid" : "no content credentials");
	for (i = 0; i < r->nmanifests; i++) {
		const struct c2pa_manifest_info *m = &r->manifests[i];

		printf("  %s %s", i == 0 ? "manifest" : "ingredient manifest", m->label);
		if (m->generator)
			printf(" by %s", m->generator);
		putchar('\n');
		if (m->signer)
			printf("    signed by %s (issuer %s%s)\n", m->signer, m->issuer,
			       m->trusted ? ", trusted" : ", not trusted");
		for (j = 0; j < m->nactions; j++)
			printf("    action %s\n", m->actions[j]);
		for (j = 0; j < m->ningredients; j++)
			printf("    ingredient %s\n", m->ingredients[j]);
	}
	for (i = 0; i < r->nnotes; i++)
		printf("  note %s\n", r->notes[i]);
	for (i = 0; i < r->nfailures; i++)
		printf("  failure %s\n", r->failures[i]);
}

static int
load_anchors(const char *path, struct crypto_cert ***out, size_t *n)
{
	struct buf b = BUF_INIT;
	unsigned char **ders = NULL;
	size_t *lens = NULL, nd = 0, i;
	char *err = NULL;
	int rc = -1;

	if (os_read_file(path, (size_t)1 << 20, &b) < 0) {
		warn("cannot read '%s':", path);
		return -1;
	}
	if (crypto_pem_certs(b.data, b.len, &ders, &lens, &nd, &err) < 0) {
		warn("--trust '%s': %s", path, err);
		free(err);
		goto out;
	}
	*out = xcalloc(nd, sizeof(**out));
	for (i = 0; i < nd; i++)
		(*out)[i] = crypto_cert_from_der(ders[i], lens[i]);
	*n = nd;
	rc = 0;
out:
	for (i = 0; i < nd; i++)
		free(ders[i]);
	free(ders);
	free(lens);
	buf_release(&b);
	return rc;
}

int
cmd_verify(int argc, char **argv, struct global *g)
{
	static const struct option longopts[] = {
		{"trust", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct crypto_cert **anchors = NULL;
	size_t nanchors = 0, i;
	const char *trust = NULL;
	int opt, rc = EXIT_OK, absent = 0, invalid = 0;

	(void)g;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (opt) {
		case 't': trust = optarg; break;
		case 'h':
			fputs(verify_usage, stdout);
			return EXIT_OK;
		case ':':
			warn("option '%s' needs a value", argv[optind - 1]);
			fputs(verify_usage, stderr);
			return EXIT_INPUT;
		default:
			warn("unknown option '%s'", argv[optind - 1]);
			fputs(verify_usage, stderr);
			return EXIT_INPUT;
		}
	}
	if (optind >= argc) {
		warn("verify needs a file");
		fputs(verify_usage, stderr);
		return EXIT_INPUT;
	}
	if (trust && load_anchors(trust, &anchors, &nanchors) < 0)
		return EXIT_INPUT;
	for (; optind < argc; optind++) {
		const char *path = argv[optind];
		struct c2pa_report r;
		struct buf b = BUF_INIT;

		if (os_read_file(path, VERIFY_MAX, &b) < 0) {
			warn("cannot read '%s':", path);
			absent = 1;
			continue;
		}
		switch (c2pa_verify_png((const unsigned char *)b.data, b.len, anchors, nanchors, &r)) {
		case C2PA_VALID: break;
		case C2PA_INVALID: invalid = 1; break;
		case C2PA_ABSENT: absent = 1; break;
		}
		print_report(path, &r);
		c2pa_report_release(&r);
		buf_release(&b);
	}
	for (i = 0; i < nanchors; i++)
		crypto_cert_free(anchors[i]);
	free(anchors);
	if (invalid)
		rc = EXIT_BUILD;
	else if (absent)
		rc = EXIT_INPUT;
	return rc;
}
