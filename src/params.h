/* params.h - which of each asset's params its models send, drop or refuse
 *
 * Checked once the plan is made, before any request: a param a model
 * cannot take, or a model that was shut down, is a config error at the
 * place it is written; a portable param the model's API has no field for
 * (steps to OpenAI, say) is dropped, and said so under -v and --explain.
 */
#ifndef PARAMS_H
#define PARAMS_H

#include "plan.h"

/* 0, or EXIT_INPUT after printing each problem as file:line:col.  notes:
 * print each dropped param to stderr; explain: as "explain ASSET: ..." on
 * stdout. */
int params_check(const struct plan *pl, int notes, int explain);

#endif
