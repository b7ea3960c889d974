/* test_redact.c - secrets cut in every form, URL passwords hidden, controls escaped */
#include <stdlib.h>
#include <string.h>

#include "redact.h"
#include "util.h"
#include "test.h"

#define KEY "Sk-Live/Key+42=="

/* redact_secret on a copy of text; the result (malloc'd) */
static char *
cut(const char *text, const char *secret, size_t want_cuts)
{
	char *s = xstrdup(text);

	CHECK(redact_secret(&s, secret) == want_cuts);
	return s;
}

static void
test_secret_forms(void)
{
	static const char *const forms[] = {
		KEY,                            /* as sent */
		"sk-live/key+42==",             /* lower-cased */
		"SK-LIVE/KEY+42==",             /* upper-cased */
		"Sk-Live%2FKey%2B42%3D%3D",     /* percent-encoded, as a query string has it */
		"Sk-Live%2fKey%2b42%3d%3d",     /* lower-case hex */
		"%53%6b-Live/Key+42==",         /* every byte may be encoded */
		"Sk-Live\\/Key+42==",           /* JSON-escaped slash */
		"Sk-Live\\u002fKey\\u002B42==", /* JSON \u escapes */
	};
	size_t i;
	char *s, *text;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		text = xasprintf("{\"auth\":\"Bearer %s\",\"k\":\"%s\"}", forms[i], forms[i]);
		s = cut(text, KEY, 2);
		CHECK_STR(s, "{\"auth\":\"Bearer " REDACTED "\",\"k\":\"" REDACTED "\"}");
		free(s);
		free(text);
	}
	/* text without it is left alone, byte for byte */
	s = cut("Sk-Live/Key+4 and %zz and \\q", KEY, 0);
	CHECK_STR(s, "Sk-Live/Key+4 and %zz and \\q");
	free(s);
	/* a secret too short to cut without cutting ordinary text */
	s = cut("abc abc", "abc", 0);
	CHECK_STR(s, "abc abc");
	free(s);
	s = cut("", KEY, 0);
	CHECK_STR(s, "");
	free(s);
}

/* A quote cut short (a body is quoted up to a few hundred bytes) may end
 * inside the key: 8 bytes of it or more at the very end are cut too. */
static void
test_secret_tail(void)
{
	static const char *const cases[][2] = {
		{"key provided: Sk-Live/K", "key provided: " REDACTED},
		{"key provided: sk-live%2fKey", "key provided: " REDACTED},
		{"key provided: Sk-Live%2FKe%2", "key provided: " REDACTED},
		{"key provided: Sk-Live\\u002fKey\\u00", "key provided: " REDACTED},
		{"key provided: Sk-Live", "key provided: Sk-Live"},          /* 7 bytes: ordinary text */
		{"Sk-Live/K and more", "Sk-Live/K and more"},               /* not at the end */
	};
	size_t i;
	char *s;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s = cut(cases[i][0], KEY, strcmp(cases[i][0], cases[i][1]) != 0);
		CHECK_STR(s, cases[i][1]);
		free(s);
	}
}

static void
test_bearer(void)
{
	char *s = xstrdup("Authorization: Bearer sk-a1_b.c~d+e/f== ok; bearer%20xyz9, BEARER+tok\n"
			  "Bearer [redacted] and Bearer , Bearer");

	CHECK(redact_bearer(&s) == 3);
	CHECK_STR(s, "Authorization: Bearer " REDACTED " ok; bearer%20" REDACTED ", BEARER+" REDACTED "\n"
		  "Bearer [redacted] and Bearer , Bearer");
	free(s);
}

static void
test_url(void)
{
	static const char *const cases[][2] = {
		{"http://ci:PASSWORD@host:8080/cache", "http://ci:***@host:8080/cache"},
		{"https://TOKEN@host/x", "https://***@host/x"},
		{"https://u:p%40ss@host/a@b", "https://u:***@host/a@b"},
		{"http://u:p@ss@host/", "http://u:***@host/"},
		{"http://host/path/a@b?x=@", "http://host/path/a@b?x=@"},
		{"http://host", "http://host"},
		{"file:///srv/cache", "file:///srv/cache"},
		{"not a url", "not a url"},
	};
	size_t i;
	char *s;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s = redact_url(cases[i][0]);
		CHECK_STR(s, cases[i][1]);
		free(s);
	}
	s = redact_url_userinfo("https://u:p%40ss@host/");
	CHECK_STR(s, "u:p@ss");
	free(s);
	CHECK(redact_url_userinfo("https://host/a@b") == NULL);
	CHECK(redact_url_userinfo("file:///x") == NULL);
}

static void
test_controls(void)
{
	static const char *const cases[][2] = {
		{"plain text, café → ok", "plain text, café → ok"},
		{"\x1b]0;pwned\x07title", "\\x1b]0;pwned\\x07title"},
		{"\x1b[2J\x1b[H", "\\x1b[2J\\x1b[H"},
		{"line1\nstatus    current\r\tx", "line1\\nstatus    current\\r\\tx"},
		{"del\x7f nul-less \x01", "del\\x7f nul-less \\x01"},
		{"c1 \xc2\x9b" "31m and \xc2\x85", "c1 \\u009b31m and \\u0085"},
		{"nbsp\xc2\xa0 kept", "nbsp\xc2\xa0 kept"},
		{"raw c1 \x9b and bad \xc3( and \xed\xa0\x80", "raw c1 \\x9b and bad \\xc3( and \\xed\\xa0\\x80"},
		{"overlong \xc0\xaf \xe0\x80\xaf", "overlong \\xc0\\xaf \\xe0\\x80\\xaf"},
		{"back\\slash stays", "back\\slash stays"},
		{"", ""},
	};
	size_t i;
	char *s, *t;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s = redact_controls(cases[i][0]);
		CHECK_STR(s, cases[i][1]);
		/* escaped text is printable: escaping again changes nothing */
		t = redact_controls(s);
		CHECK_STR(t, s);
		free(t);
		free(s);
	}
}

int
main(void)
{
	RUN(test_secret_forms);
	RUN(test_secret_tail);
	RUN(test_bearer);
	RUN(test_url);
	RUN(test_controls);
	return TEST_DONE();
}
