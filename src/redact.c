/* redact.c - what may be shown or kept of text assetgen did not write:
 * secrets cut out, URL passwords hidden, terminal controls escaped */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "redact.h"
#include "util.h"

static unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The ASCII byte a JSON escape at p ("\"", "\n", "\u0041") stands for, its
 * length in *n; -1 when p holds none. */
static int
json_escape_at(const char *p, size_t *n)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *hit;
	int i, v = 0, d;

	if (p[0] != '\\' || !p[1])
		return -1;
	if ((hit = strchr(from, p[1]))) {
		*n = 2;
		return (unsigned char)to[hit - from];
	}
	if (p[1] != 'u')
		return -1;
	for (i = 2; i < 6; i++) {
		if ((d = hexval((unsigned char)p[i])) < 0)
			return -1;
		v = v * 16 + d;
	}
	*n = 6;
	return v > 0 && v < 0x80 ? v : -1;
}

/* A text that ends in this many bytes of a secret or more is taken to
 * have been cut short inside it (a quoted body is cut at a few hundred
 * bytes), and the part it holds is cut too. */
#define TAIL_MIN 8

/* How many bytes of t spell secret, in any letter case, each byte of it
 * as itself, percent-encoded or JSON-escaped, or TAIL_MIN bytes of it or
 * more at the end of t; 0 when t does not start with it. */
static size_t
match_at(const char *t, const char *secret)
{
	const char *p = t, *start = secret;
	size_t n;
	int c;

	for (; *secret; secret++) {
		unsigned char want = lower((unsigned char)*secret);

		if (*p && lower((unsigned char)*p) == want) {
			p++;
		} else if (*p == '%' && (c = str_pct_byte(p)) >= 0 && lower((unsigned char)c) == want) {
			p += 3;
		} else if (*p == '\\' && (c = json_escape_at(p, &n)) >= 0 && lower((unsigned char)c) == want) {
			p += n;
		} else if (*p == '+' && want == ' ') {
			p++;
		} else if (secret - start >= TAIL_MIN &&
			   (!*p || ((*p == '%' || *p == '\\') && strlen(p) < 6))) {
			/* the end of t, or an escape the cut left unfinished */
			p += strlen(p);
			break;
		} else {
			return 0;
		}
	}
	return (size_t)(p - t);
}

size_t
redact_secret(char **text, const char *secret)
{
	struct buf b = BUF_INIT;
	const char *p;
	size_t n, cuts = 0;

	if (!*text || !secret || strlen(secret) < 4)
		return 0;
	for (p = *text; *p;) {
		if ((n = match_at(p, secret))) {
			buf_puts(&b, REDACTED);
			p += n;
			cuts++;
		} else {
			buf_putc(&b, *p++);
		}
	}
	if (cuts) {
		free(*text);
		*text = buf_detach(&b, NULL);
	}
	buf_release(&b);
	return cuts;
}

/* RFC 6750's b64token, and '%' for one that was percent-encoded */
static int
token_byte(unsigned char c)
{
	return (c >= '0' && c <= '9') || (lower(c) >= 'a' && lower(c) <= 'z') ||
		(c && strchr("-._~+/=%", c));
}

size_t
redact_bearer(char **text)
{
	struct buf b = BUF_INIT;
	const char *p, *tok, *end;
	size_t cuts = 0;

	if (!*text)
		return 0;
	for (p = *text; *p;) {
		tok = NULL;
		if (strncasecmp(p, "bearer", 6) == 0) {
			tok = p + 6;
			if (*tok == ' ' || *tok == '+')
				tok++;
			else if (strncmp(tok, "%20", 3) == 0)
				tok += 3;
			else
				tok = NULL;
		}
		for (end = tok; end && token_byte((unsigned char)*end); end++)
			;
		if (tok && end > tok) {
			buf_put(&b, p, (size_t)(tok - p));
			buf_puts(&b, REDACTED);
			p = end;
			cuts++;
		} else {
			buf_putc(&b, *p++);
		}
	}
	if (cuts) {
		free(*text);
		*text = buf_detach(&b, NULL);
	}
	buf_release(&b);
	return cuts;
}

/* Where the userinfo of url starts, its length and that of its user
 * part (to the ':'); 0 when url has none. */
static int
userinfo(const char *url, const char **start, size_t *len, size_t *user)
{
	const char *auth = strstr(url, "://"), *end, *at = NULL, *p, *colon;

	if (!auth)
		return 0;
	auth += 3;
	end = auth + strcspn(auth, "/?#");
	for (p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	if (!at)
		return 0;
	colon = memchr(auth, ':', (size_t)(at - auth));
	*start = auth;
	*len = (size_t)(at - auth);
	*user = colon ? (size_t)(colon - auth) : *len;
	return 1;
}

char *
redact_url(const char *url)
{
	const char *ui;
	size_t len, user;

	if (!userinfo(url, &ui, &len, &user))
		return xstrdup(url);
	if (user == len)        /* no password: the user name may be a token */
		return xasprintf("%.*s***%s", (int)(ui - url), url, ui + len);
	return xasprintf("%.*s***%s", (int)(ui + user + 1 - url), url, ui + len);
}

char *
redact_url_userinfo(const char *url)
{
	struct buf b = BUF_INIT;
	const char *ui;
	size_t len, user, i;
	int c;

	if (!userinfo(url, &ui, &len, &user) || len == 0)
		return NULL;
	buf_puts(&b, "");
	for (i = 0; i < len; i++) {
		if (ui[i] == '%' && i + 2 < len && (c = str_pct_byte(ui + i)) >= 0) {
			buf_putc(&b, c);
			i += 2;
		} else {
			buf_putc(&b, ui[i]);
		}
	}
	return buf_detach(&b, NULL);
}

/* Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong
 * forms, no surrogates, nothing past U+10FFFF), or 0. */
static size_t
utf8_len(const unsigned char *s)
{
	size_t n, i;
	unsigned long cp;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

char *
redact_controls(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	struct buf b = BUF_INIT;
	size_t n;

	buf_puts(&b, "");
	while (*p) {
		if (*p == '\n' || *p == '\r' || *p == '\t') {
			buf_putc(&b, '\\');
			buf_putc(&b, *p == '\n' ? 'n' : *p == '\r' ? 'r' : 't');
			p++;
		} else if (*p < 0x20 || *p == 0x7f) {
			buf_printf(&b, "\\x%02x", *p++);
		} else if (*p < 0x80) {
			buf_putc(&b, *p++);
		} else if (!(n = utf8_len(p))) {
			buf_printf(&b, "\\x%02x", *p++);
		} else if (p[0] == 0xc2 && p[1] < 0xa0) {
			buf_printf(&b, "\\u%04x", p[1]);       /* C1: U+0080-U+009F */
			p += 2;
		} else {
			buf_put(&b, p, n);
			p += n;
		}
	}
	return buf_detach(&b, NULL);
}
