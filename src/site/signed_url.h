/* site/signed_url.h - signed links to a published artifact: nginx secure_link and
 * S3 SigV4 presigned GET URLs
 *
 * Pure functions: no environment, no clock (the caller passes "now"), so
 * the unit tests pin them to published vectors.  The hashing is crypto.c's.
 *
 * A base URL is where the output directory is published:
 * scheme://host[:port][/path], http or https, no credentials, query or
 * fragment; trailing slashes are dropped and %XX escapes in the path are
 * decoded.  The link's path is that path + "/" + object, percent-encoded by
 * AWS's rules (A-Z a-z 0-9 - _ . ~ and '/' as they are, every other byte
 * %XX in uppercase hex), which nginx decodes back for $uri.
 */
#ifndef PRESIGN_H
#define PRESIGN_H

#include <stdint.h>

#define S3_PRESIGN_MAX_EXPIRES 604800     /* SigV4 query auth: at most 7 days */

/* nginx secure_link:
 *   {base}/{object}?md5=M&expires=E
 * where E is the absolute expiry time (unix seconds) and M the unpadded
 * base64url of MD5(E + uri + " " + secret), uri being the decoded path, as
 * the server reads it with
 *   secure_link $arg_md5,$arg_expires;
 *   secure_link_md5 "$secure_link_expires$uri SECRET";
 * Returns the malloc'd URL, or NULL with *err a malloc'd message. */
char *secure_link_url(const char *base, const char *object, const char *secret, int64_t expires,
		      char **err);

struct s3_presign {
	const char *base;           /* https://BUCKET.s3.REGION.amazonaws.com[/PREFIX], or path-style
				       https://s3.REGION.amazonaws.com/BUCKET[/PREFIX], or any S3 endpoint */
	const char *object;         /* key under base, e.g. "hero.png" */
	const char *access_key;
	const char *secret_key;
	const char *session_token;  /* NULL or "": none */
	const char *region;
	int64_t now;                /* unix seconds: X-Amz-Date */
	long expires;               /* seconds: 1..S3_PRESIGN_MAX_EXPIRES */
};

/* An AWS Signature Version 4 presigned GET (query-string auth, signed
 * header "host", payload UNSIGNED-PAYLOAD).  Malloc'd URL, or NULL with
 * *err a malloc'd message. */
char *s3_presign_get(const struct s3_presign *r, char **err);

/* The region an AWS S3 endpoint names in its host: BUCKET.s3.REGION.amazonaws.com,
 * s3.REGION.amazonaws.com, s3.dualstack.REGION..., s3-REGION...  Malloc'd,
 * or NULL for another host or one naming no region. */
char *s3_region_from_url(const char *base);

#endif
