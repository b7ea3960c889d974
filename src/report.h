/* report.h - the JSON build report (--report FILE) */
#ifndef REPORT_H
#define REPORT_H

#include <stdio.h>

#include "build.h"
#include "plan.h"
#include "cache/remote.h"

/* Write atomically; 0 or -1 (warned). */
int report_write(const char *path, const struct plan *pl, const struct item_result *res,
		 const struct build_stats *stats, const struct remote_stats *remote,
		 size_t remote_hits);

/* `assetgen bench --json`: lat holds the sorted per-asset latencies. */
void report_bench_json(FILE *f, const struct plan *pl, const struct item_result *res,
		       const struct build_stats *stats, const double *lat, size_t nlat);

#endif
