/* redact.h - what may be shown or kept of text assetgen did not write
 *
 * A server may echo the credential it was sent (in an error, in a debug
 * field of a successful reply); a URL may carry a password; a PNG, an
 * error body or a network peer may hold bytes that drive a terminal or
 * forge a line of output.  Each filter here is the one place that
 * handles its case, for every caller.
 */
#ifndef REDACT_H
#define REDACT_H

#include <stddef.h>

#define REDACTED "[redacted]"

/* Cut every occurrence of secret out of the malloc'd string *text (which
 * is replaced), in each form a server may echo it: as sent, in any letter
 * case, with any of its bytes percent-encoded or JSON-escaped, and its
 * first 8 bytes or more when text ends there (a quote cut short).  (Its
 * base64 form, as HTTP Basic carries it, is another secret to pass.)
 * A secret shorter than 4 bytes is not cut: it would cut ordinary text.
 * Returns the number of cuts. */
size_t redact_secret(char **text, const char *secret);
/* Cut the token after every "Bearer " in *text, whatever key it is: an
 * echoed Authorization header.  Returns the number of cuts. */
size_t redact_bearer(char **text);
/* url with its userinfo hidden: "http://user:***@host/..." (a userinfo
 * without a password, often a token itself, becomes "***").  malloc'd. */
char *redact_url(const char *url);
/* The userinfo of url, percent-decoded ("user:pass"): the credential a
 * client sends as HTTP Basic.  malloc'd, or NULL when url has none. */
char *redact_url_userinfo(const char *url);
/* s made safe to print: control characters escaped so that they cannot
 * drive a terminal or forge a line (\n, \r, \t; \xNN for other C0
 * characters, DEL and bytes that are not UTF-8; \u0080-\u009f for C1),
 * the rest of the UTF-8 kept as it is.  malloc'd. */
char *redact_controls(const char *s);

#endif
