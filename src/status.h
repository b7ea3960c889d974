/* status.h - progress and results on the terminal (ninja's Status)
 *
 * The scheduler reports events; only this file prints them.  On a
 * terminal (and not in CI) a single status line is rewritten in place;
 * otherwise one plain line per finished step.  NO_COLOR is honoured.
 */
#ifndef STATUS_H
#define STATUS_H

#include <stddef.h>

enum status_level { STATUS_QUIET = -1, STATUS_NORMAL = 0, STATUS_VERBOSE = 1 };

struct status {
	size_t total;        /* steps to run */
	size_t done;
	int level;
	int explain;
	int smart;           /* rewrite one line in place */
	int color;
	int line_open;       /* the smart line needs clearing */
};

void status_init(struct status *s, size_t total, int level, int explain);
/* A finished step: "[3/12] generate launch-banner (local) 0.12s" */
void status_step(struct status *s, const char *action, const char *name,
		 const char *model, double seconds, const char *why);
/* A failed step; message printed whatever the level. */
void status_failed(struct status *s, const char *name, const char *msg);
/* Any other line (summary, warnings) without breaking the status line. */
void status_printf(struct status *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void status_finish(struct status *s);

#endif
