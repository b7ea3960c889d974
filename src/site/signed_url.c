/* site/signed_url.c - nginx secure_link links and S3 SigV4 presigned GET URLs
 *
 * SigV4 as the S3 API reference describes it ("Authenticating Requests:
 * Using Query Parameters"):
 *
 *   canonical request = GET \n URI \n sorted query \n host:HOST \n \n host \n UNSIGNED-PAYLOAD
 *   string to sign    = AWS4-HMAC-SHA256 \n DATE \n SCOPE \n hex(SHA256(canonical request))
 *   signature         = hex(HMAC(signing key, string to sign))
 *
 * with SCOPE = YYYYMMDD/REGION/s3/aws4_request.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <time.h>


#include "buf.h"
#include "crypto.h"
#include "redact.h"
#include "signed_url.h"
#include "util.h"

struct base_url {
	char *origin;     /* "https://host:port" as given (scheme lowercased) */
	char *host;       /* lowercase host[:port], the port only when not the scheme's default */
	char *path;       /* decoded, without trailing '/': "" or "/a/b" */
};

static void
base_release(struct base_url *u)
{
	free(u->origin);
	free(u->host);
	free(u->path);
	memset(u, 0, sizeof(*u));
}

static int
ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Split and check a base URL.  0, or -1 with *err set. */
static int
base_parse(const char *base, struct base_url *u, char **err)
{
	const char *auth, *end, *hostend, *port = NULL, *p;
	struct buf path = BUF_INIT;
	int https, byte;
	size_t n;

	memset(u, 0, sizeof(*u));
	if (strncasecmp(base, "https://", 8) == 0)
		https = 1, auth = base + 8;
	else if (strncasecmp(base, "http://", 7) == 0)
		https = 0, auth = base + 7;
	else {
		char *shown = redact_url(base);

		*err = xasprintf("base URL '%s' must start with http:// or https://", shown);
		free(shown);
		return -1;
	}
	end = auth + strcspn(auth, "/?#");
	if (end == auth) {
		*err = xasprintf("base URL '%s' must name a host", base);
		return -1;
	}
	if (memchr(auth, '@', (size_t)(end - auth))) {
		/* not echoed: it may hold a password */
		*err = xstrdup("the base URL must not hold a user name or password");
		return -1;
	}
	if (strpbrk(end, "?#")) {
		*err = xasprintf("base URL '%s' must not have a query or a fragment", base);
		return -1;
	}
	hostend = end;
	if (*auth == '[') {
		p = memchr(auth, ']', (size_t)(end - auth));
		if (!p) {
			*err = xasprintf("base URL '%s': bad IPv6 address", base);
			return -1;
		}
		if (p + 1 < end) {
			if (p[1] != ':') {
				*err = xasprintf("base URL '%s': bad host", base);
				return -1;
			}
			hostend = p + 1;
			port = p + 2;
		}
	} else if ((p = memchr(auth, ':', (size_t)(end - auth)))) {
		hostend = p;
		port = p + 1;
	}
	if (port) {
		if (port == end || (size_t)(end - port) > 5 || strspn(port, "0123456789") < (size_t)(end - port)) {
			*err = xasprintf("base URL '%s': bad port", base);
			return -1;
		}
		if ((https && end - port == 3 && memcmp(port, "443", 3) == 0) ||
		    (!https && end - port == 2 && memcmp(port, "80", 2) == 0))
			port = NULL;
	}
	u->origin = xasprintf("%s://%.*s", https ? "https" : "http", (int)(end - auth), auth);
	n = (size_t)(hostend - auth);
	u->host = port ? xasprintf("%.*s:%.*s", (int)n, auth, (int)(end - port), port)
		       : xstrndup(auth, n);
	for (n = 0; u->host[n]; n++)
		u->host[n] = (char)ascii_lower((unsigned char)u->host[n]);
	/* the path, decoded, without trailing slashes */
	for (p = end; *p; p++) {
		if (*p == '%') {
			if ((byte = str_pct_byte(p)) < 0) {
				*err = xasprintf("base URL '%s': bad %% escape in the path", base);
				buf_release(&path);
				base_release(u);
				return -1;
			}
			buf_putc(&path, byte);
			p += 2;
		} else {
			buf_putc(&path, (unsigned char)*p);
		}
	}
	while (path.len && path.data[path.len - 1] == '/')
		path.data[--path.len] = '\0';
	u->path = path.data ? buf_detach(&path, NULL) : xstrdup("");
	return 0;
}

/* AWS's UriEncode(): unreserved characters as they are, '/' too when
 * keep_slash, every other byte %XX (uppercase). */
static void
uri_encode(struct buf *b, const char *s, int keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c;

	for (; (c = (unsigned char)*s); s++) {
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
			buf_putc(b, c);
		} else {
			buf_putc(b, '%');
			buf_putc(b, hex[c >> 4]);
			buf_putc(b, hex[c & 15]);
		}
	}
}

static int
check_object(const char *object, char **err)
{
	if (!*object || *object == '/') {
		*err = xasprintf("bad object path '%s'", object);
		return -1;
	}
	return 0;
}

char *
secure_link_url(const char *base, const char *object, const char *secret, int64_t expires, char **err)
{
	struct base_url u;
	struct buf b = BUF_INIT;
	char md5[MD5_B64URL_LEN + 1], *uri, *msg;

	*err = NULL;
	if (check_object(object, err) < 0 || base_parse(base, &u, err) < 0)
		return NULL;
	if (expires <= 0) {
		*err = xstrdup("the expiry time must be after 1970");
		base_release(&u);
		return NULL;
	}
	uri = xasprintf("%s/%s", u.path, object);
	msg = xasprintf("%lld%s %s", (long long)expires, uri, secret);
	md5_base64url(msg, strlen(msg), md5);
	crypto_cleanse(msg, strlen(msg));
	free(msg);
	buf_puts(&b, u.origin);
	uri_encode(&b, uri, 1);
	buf_printf(&b, "?md5=%s&expires=%lld", md5, (long long)expires);
	free(uri);
	base_release(&u);
	return buf_detach(&b, NULL);
}

struct qparam {
	const char *name;
	char *value;      /* encoded */
};

static int
qparam_cmp(const void *a, const void *b)
{
	return strcmp(((const struct qparam *)a)->name, ((const struct qparam *)b)->name);
}

static char *
encoded(const char *s)
{
	struct buf b = BUF_INIT;

	uri_encode(&b, s, 0);
	return b.data ? buf_detach(&b, NULL) : xstrdup("");
}

char *
s3_presign_get(const struct s3_presign *r, char **err)
{
	struct base_url u;
	struct qparam q[6];
	struct buf query = BUF_INIT, canon = BUF_INIT, url = BUF_INIT;
	unsigned char key[HMAC_SHA256_LEN];
	char amzdate[32], date[9], hash[SHA256_HEX_LEN + 1], sig[SHA256_HEX_LEN + 1];
	char *uri, *scope, *cred, *sts;
	struct tm tm;
	time_t t = (time_t)r->now;
	size_t i, nq = 0;

	*err = NULL;
	if (r->expires < 1 || r->expires > S3_PRESIGN_MAX_EXPIRES) {
		*err = xasprintf("an S3 presigned URL expires after 1 second to 7 days (%d seconds), not %ld",
				 S3_PRESIGN_MAX_EXPIRES, r->expires);
		return NULL;
	}
	if (!r->access_key || !*r->access_key || !r->secret_key || !*r->secret_key ||
	    !r->region || !*r->region) {
		*err = xstrdup("an S3 presigned URL needs an access key, a secret key and a region");
		return NULL;
	}
	if (check_object(r->object, err) < 0 || base_parse(r->base, &u, err) < 0)
		return NULL;
	if (!gmtime_r(&t, &tm) || !strftime(amzdate, sizeof(amzdate), "%Y%m%dT%H%M%SZ", &tm) ||
	    strlen(amzdate) != 16) {
		*err = xasprintf("cannot format the time %lld", (long long)r->now);
		base_release(&u);
		return NULL;
	}
	memcpy(date, amzdate, 8);
	date[8] = '\0';
	scope = xasprintf("%s/%s/s3/aws4_request", date, r->region);
	cred = xasprintf("%s/%s", r->access_key, scope);

	q[nq++] = (struct qparam){"X-Amz-Algorithm", encoded("AWS4-HMAC-SHA256")};
	q[nq++] = (struct qparam){"X-Amz-Credential", encoded(cred)};
	q[nq++] = (struct qparam){"X-Amz-Date", encoded(amzdate)};
	q[nq++] = (struct qparam){"X-Amz-Expires", xasprintf("%ld", r->expires)};
	if (r->session_token && *r->session_token)
		q[nq++] = (struct qparam){"X-Amz-Security-Token", encoded(r->session_token)};
	q[nq++] = (struct qparam){"X-Amz-SignedHeaders", encoded("host")};
	qsort(q, nq, sizeof(q[0]), qparam_cmp);
	for (i = 0; i < nq; i++)
		buf_printf(&query, "%s%s=%s", i ? "&" : "", q[i].name, q[i].value);

	/* the canonical URI: S3 encodes each path byte once, '/' kept */
	uri = xasprintf("%s/%s", u.path, r->object);
	buf_puts(&canon, "GET\n");
	uri_encode(&canon, uri, 1);
	buf_printf(&canon, "\n%s\nhost:%s\n\nhost\nUNSIGNED-PAYLOAD", query.data, u.host);
	sha256_hex(canon.data, canon.len, hash);
	sts = xasprintf("AWS4-HMAC-SHA256\n%s\n%s\n%s", amzdate, scope, hash);
	sigv4_signing_key(r->secret_key, date, r->region, "s3", key);
	sigv4_signature_hex(key, sts, sig);
	crypto_cleanse(key, sizeof(key));

	buf_puts(&url, u.origin);
	uri_encode(&url, uri, 1);
	buf_printf(&url, "?%s&X-Amz-Signature=%s", query.data, sig);

	for (i = 0; i < nq; i++)
		free(q[i].value);
	free(uri);
	free(sts);
	free(scope);
	free(cred);
	buf_release(&query);
	buf_release(&canon);
	base_release(&u);
	return buf_detach(&url, NULL);
}

char *
s3_region_from_url(const char *base)
{
	struct base_url u;
	char *err = NULL, *region = NULL, *h, *label, *next, *host;

	if (base_parse(base, &u, &err) < 0) {
		free(err);
		return NULL;
	}
	host = u.host;
	host[strcspn(host, ":")] = '\0';
	if (str_has_suffix(host, ".amazonaws.com") || str_has_suffix(host, ".amazonaws.com.cn")) {
		for (h = host; *h && !region; h = next) {
			label = h;
			next = h + strcspn(h, ".");
			if (*next)
				*next++ = '\0';
			if (strcmp(label, "s3") == 0) {
				/* s3.REGION.amazonaws.com, s3.dualstack.REGION.amazonaws.com */
				if (strncmp(next, "dualstack.", 10) == 0)
					next += 10;
				if (strncmp(next, "amazonaws.", 10) != 0 && *next)
					region = xstrndup(next, strcspn(next, "."));
				break;
			}
			if (strncmp(label, "s3-", 3) == 0 && strcmp(label, "s3-external-1") != 0 &&
			    strncmp(next, "amazonaws.", 10) == 0)
				region = xstrdup(label + 3);
		}
	}
	base_release(&u);
	return region;
}
