/* status.c - the only place that prints build progress */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "status.h"
#include "util.h"

void
status_init(struct status *s, size_t total, int level, int explain)
{
	const char *ci = getenv("CI"), *nc = getenv("NO_COLOR"), *term = getenv("TERM");

	memset(s, 0, sizeof(*s));
	s->total = total;
	s->level = level;
	s->explain = explain;
	s->smart = isatty(STDOUT_FILENO) && !(ci && *ci) && !(term && strcmp(term, "dumb") == 0);
	s->color = s->smart && !(nc && *nc);
}

static void
clear_line(struct status *s)
{
	if (s->line_open) {
		fputs("\r\033[K", stdout);
		s->line_open = 0;
	}
}

void
status_step(struct status *s, const char *action, const char *name,
	    const char *model, double seconds, const char *why)
{
	s->done++;
	if (s->level == STATUS_QUIET)
		return;
	clear_line(s);
	if (s->explain && why)
		printf("explain %s: %s\n", name, why);
	printf("[%zu/%zu] %s %s", s->done, s->total, action, name);
	if (model)
		printf(" (%s)", model);
	printf(" %.2fs", seconds);
	if (s->smart && s->level < STATUS_VERBOSE) {
		s->line_open = 1;
		fflush(stdout);
	} else {
		putchar('\n');
	}
}

void
status_failed(struct status *s, const char *name, const char *msg)
{
	s->done++;
	clear_line(s);
	fflush(stdout);
	fprintf(stderr, "%sFAILED%s %s: %s\n", s->color ? "\033[31m" : "",
		s->color ? "\033[0m" : "", name, msg);
}

void
status_printf(struct status *s, const char *fmt, ...)
{
	va_list ap;

	clear_line(s);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

void
status_finish(struct status *s)
{
	if (s->line_open) {
		putchar('\n');
		s->line_open = 0;
	}
	fflush(stdout);
}
