/* util.c - diagnostics, allocation wrappers, small string helpers */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

const char *argv0 = "assetgen";

static void
vwarn(const char *fmt, va_list ap)
{
	size_t n = strlen(fmt);
	int err = errno;

	fflush(stdout);
	flockfile(stderr);      /* one whole line, even from several threads */
	fprintf(stderr, "%s: ", argv0);
	vfprintf(stderr, fmt, ap);
	if (n > 0 && fmt[n - 1] == ':')
		fprintf(stderr, " %s", strerror(err));
	fputc('\n', stderr);
	funlockfile(stderr);
}

void
warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	exit(EXIT_INPUT);
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		fatal("out of memory");
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		fatal("out of memory");
	return p;
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		fatal("allocation overflow");
	p = realloc(p, n && size ? n * size : 1);
	if (!p)
		fatal("out of memory");
	return p;
}

void *
xgrow(void *p, size_t *cap, size_t n, size_t size)
{
	size_t c = *cap;

	if (n <= c)
		return p;
	if (c == 0)
		c = 8;
	while (c < n) {
		if (c > SIZE_MAX / 2)
			fatal("allocation overflow");
		c *= 2;
	}
	*cap = c;
	return xreallocarray(p, c, size);
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	va_list ap2;
	int n;
	char *p;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		fatal("bad format '%s'", fmt);
	p = xmalloc((size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

int
str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int
str_has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
str_pct_byte(const char *s)
{
	int hi, lo;

	if (s[0] != '%' || (hi = hexval((unsigned char)s[1])) < 0 ||
	    (lo = hexval((unsigned char)s[2])) < 0 || (hi | lo) == 0)
		return -1;
	return hi * 16 + lo;
}

unsigned
str_distance(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b), i, j;
	unsigned row[65], prev, tmp, best;

	if (na > 64 || nb > 64)
		return 255;
	for (j = 0; j <= nb; j++)
		row[j] = (unsigned)j;
	for (i = 1; i <= na; i++) {
		prev = row[0];
		row[0] = (unsigned)i;
		for (j = 1; j <= nb; j++) {
			tmp = row[j];
			best = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = tmp;
		}
	}
	return row[nb] > 255 ? 255 : row[nb];
}

int
parse_u64(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int
parse_double(const char *s, double *out)
{
	double v;
	char *end;

	if (!*s || *s == ' ')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	/* too small for a double (1e-320, 1e-400): the tiny number, or 0, is
	 * what was meant (strtod says ERANGE); too large has no value */
	if ((errno && errno != ERANGE) || *end || !isfinite(v))
		return -1;
	*out = v == 0 ? 0 : v;  /* no -0 */
	return 0;
}

int
parse_nonneg(const char *s, double *out)
{
	const char *p;
	int neg = *s == '-', nonzero = 0;

	if (parse_double(s, out) < 0)
		return neg ? -2 : -1;
	for (p = s; *p && !strchr("eEpP", *p); p++)
		nonzero |= *p >= '1' && *p <= '9';
	/* -1e-400 reads as 0, but was written negative */
	if (*out < 0 || (neg && nonzero))
		return -2;
	return 0;
}

uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

void
doubles_sort(double *v, size_t n)
{
	if (n)
		qsort(v, n, sizeof(*v), cmp_double);
}

double
doubles_percentile(const double *v, size_t n, double q)
{
	size_t k;

	if (!n)
		return 0;
	k = (size_t)(q * (double)n + 0.999999);
	if (k < 1)
		k = 1;
	return v[(k > n ? n : k) - 1];
}
