/* cmd/url.c - `assetgen url NAME`: a signed, expiring link to a built output
 *
 * Two forms: nginx's secure_link (the default; the secret is shared with
 * the server that publishes DIST/) and an S3 SigV4 presigned GET (--s3,
 * for a bucket the outputs are synced to).  The link's path is the
 * output's path under DIST/: {base}/NAME.png, or {base}/preview/NAME.png
 * with --intent preview.  Secrets come only from the environment and are
 * never printed.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cmd.h"
#include "os.h"
#include "site/signed_url.h"
#include "util.h"

#define URL_MAX_EXPIRES (3650L * 86400)    /* ten years: a secure_link has no cap of its own */

static const char url_usage[] =
	"usage: assetgen url NAME [--expires DURATION] [--s3] [--base URL] [--intent preview|final]\n"
	"Print a signed link to asset NAME's built output (DIST/NAME.png).\n"
	"  --expires D      how long the link works: 30s, 15m, 1h (default), 7d\n"
	"  --base URL       where DIST/ is published (default: $ASSETGEN_URL_BASE); with --s3\n"
	"                   the bucket: https://BUCKET.s3.REGION.amazonaws.com[/PREFIX] or\n"
	"                   path-style https://s3.REGION.amazonaws.com/BUCKET[/PREFIX]\n"
	"  --s3             an S3 SigV4 presigned GET (at most 7d), from AWS_ACCESS_KEY_ID,\n"
	"                   AWS_SECRET_ACCESS_KEY, AWS_REGION (default: the region the\n"
	"                   bucket's host names, else us-east-1) and AWS_SESSION_TOKEN\n"
	"                   if set; the default is an nginx secure_link\n"
	"                   signed with $ASSETGEN_URL_SECRET\n"
	"  --intent preview link to DIST/preview/NAME.png\n"
	"  -C DIR           run as if started in DIR\n"
	"ASSETGEN_NOW=UNIX-SECONDS stands in for the current time.\n";

/* "90", "30s", "15m", "1h", "7d" -> seconds; 0 or -1 */
static int
parse_duration(const char *s, long *out)
{
	char num[24];
	size_t n = strspn(s, "0123456789");
	uint64_t v, unit = 1;

	if (n == 0 || n >= sizeof(num))
		return -1;
	switch (s[n]) {
	case '\0':
	case 's': unit = 1; break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	default: return -1;
	}
	if (s[n] && s[n + 1])
		return -1;
	memcpy(num, s, n);
	num[n] = '\0';
	if (parse_u64(num, &v) < 0 || v == 0 || v > (uint64_t)URL_MAX_EXPIRES / unit)
		return -1;
	*out = (long)(v * unit);
	return 0;
}

/* ASSETGEN_NOW, or the clock.  0 or -1. */
static int
url_now(int64_t *now)
{
	const char *s = getenv("ASSETGEN_NOW");
	uint64_t v;

	if (!s || !*s) {
		*now = (int64_t)time(NULL);
		return 0;
	}
	if (parse_u64(s, &v) < 0 || v > (uint64_t)INT64_MAX / 2) {
		warn("ASSETGEN_NOW wants unix seconds, not '%s'", s);
		return -1;
	}
	*now = (int64_t)v;
	return 0;
}

/* The environment variable name, or NULL (after saying so) when unset. */
static const char *
need_env(const char *name, const char *why)
{
	const char *v = getenv(name);

	if (!v || !*v) {
		warn("%s: set the environment variable %s", why, name);
		return NULL;
	}
	return v;
}

/* Find exactly one asset; unknown names get a "did you mean". */
static const struct asset *
find_asset(const struct project *p, char *name)
{
	const struct asset *a = project_asset(p, name);
	unsigned char *sel = NULL;
	size_t i, n = 0;

	if (a)
		return a;
	if (select_assets(p, &name, 1, &sel) != 0)
		return NULL;
	/* a matrix group: name one of its assets */
	for (i = 0; i < p->nassets; i++)
		if (sel[i] && n++ == 0)
			a = &p->assets[i];
	warn("'%s' is a group of %zu assets; name one, e.g. '%s'", name, n, a ? a->name : "?");
	free(sel);
	return NULL;
}

int
cmd_url(int argc, char **argv, struct global *g)
{
	static const struct option longopts[] = {
		{"expires", required_argument, NULL, 'e'},
		{"base", required_argument, NULL, 'b'},
		{"s3", no_argument, NULL, 's'},
		{"intent", required_argument, NULL, 'I'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *base = NULL, *secret;
	const struct asset *a;
	struct ctx c;
	struct stat st;
	long expires = 3600;
	int64_t now;
	enum intent intent = INTENT_FINAL;
	int opt, s3 = 0, rc = EXIT_INPUT;
	char *object = NULL, *path = NULL, *url = NULL, *err = NULL, *hosted = NULL;

	memset(&c, 0, sizeof(c));
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":C:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'e':
			if (parse_duration(optarg, &expires) < 0) {
				warn("--expires wants a duration such as 30s, 15m, 1h or 7d (at most 3650d), not '%s'",
				     optarg);
				return EXIT_INPUT;
			}
			break;
		case 'b': base = optarg; break;
		case 's': s3 = 1; break;
		case 'C': g->dir = optarg; break;
		case 'I':
			if (opt_intent(optarg, &intent) != 0)
				return EXIT_INPUT;
			break;
		case 'h':
			fputs(url_usage, stdout);
			return EXIT_OK;
		case ':':
			warn("option '%s' needs a value", argv[optind - 1]);
			fputs(url_usage, stderr);
			return EXIT_INPUT;
		default:
			warn("unknown option '%s'", argv[optind - 1]);
			fputs(url_usage, stderr);
			return EXIT_INPUT;
		}
	}
	if (argc - optind != 1) {
		warn("%s", argc - optind ? "url takes one asset name" : "url needs an asset name");
		fputs(url_usage, stderr);
		return EXIT_INPUT;
	}
	if (s3 && expires > S3_PRESIGN_MAX_EXPIRES) {
		warn("--expires: an S3 presigned URL lasts at most 7d (%d seconds), not %ld seconds",
		     S3_PRESIGN_MAX_EXPIRES, expires);
		return EXIT_INPUT;
	}
	if (url_now(&now) < 0)
		return EXIT_INPUT;
	if (!base)
		base = getenv("ASSETGEN_URL_BASE");
	if (!base || !*base) {
		warn("no base URL: give --base URL (where %s is published) or set ASSETGEN_URL_BASE",
		     s3 ? "the bucket" : "the output directory");
		return EXIT_INPUT;
	}

	if ((rc = ctx_load(&c, g)) != 0)
		goto out;
	rc = EXIT_INPUT;
	if (!(a = find_asset(&c.p, argv[optind])))
		goto out;
	object = xasprintf("%s%s.png", intent == INTENT_PREVIEW ? "preview/" : "", a->name);
	path = path_join(c.out_dir, object);
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
		warn("asset '%s' has no built output %s/%s; run 'assetgen build%s %s' first", a->name,
		     c.p.cfg.output_dir, object, intent == INTENT_PREVIEW ? " --intent preview" : "", a->name);
		rc = EXIT_BUILD;
		goto out;
	}

	if (s3) {
		struct s3_presign r = {0};
		const char *region = getenv("AWS_REGION");

		/* AWS_REGION, else the region the bucket's host names, else us-east-1 */
		hosted = s3_region_from_url(base);
		if (region && *region && hosted && strcmp(region, hosted) != 0)
			warn("warning: signing for AWS_REGION %s, but the bucket URL names %s", region, hosted);
		if (!region || !*region)
			region = hosted;
		r.base = base;
		r.object = object;
		r.access_key = need_env("AWS_ACCESS_KEY_ID", "an S3 presigned URL needs an access key");
		r.secret_key = need_env("AWS_SECRET_ACCESS_KEY", "an S3 presigned URL needs a secret key");
		if (!r.access_key || !r.secret_key)
			goto out;
		r.session_token = getenv("AWS_SESSION_TOKEN");
		r.region = region && *region ? region : "us-east-1";
		r.now = now;
		r.expires = expires;
		url = s3_presign_get(&r, &err);
	} else {
		if (!(secret = need_env("ASSETGEN_URL_SECRET", "an nginx secure_link needs the shared secret")))
			goto out;
		url = secure_link_url(base, object, secret, now + expires, &err);
	}
	if (!url) {
		warn("%s", err);
		goto out;
	}
	printf("%s\n", url);
	rc = EXIT_OK;
out:
	free(hosted);
	free(url);
	free(err);
	free(object);
	free(path);
	ctx_release(&c);
	return rc;
}
