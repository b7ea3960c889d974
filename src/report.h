/* report.h - the JSON build report (--report FILE) */
#ifndef REPORT_H
#define REPORT_H

#include "build.h"
#include "plan.h"

/* Write atomically; 0 or -1 (warned). */
int report_write(const char *path, const struct plan *pl, const struct item_result *res,
		 const struct build_stats *stats);

#endif
