/* fuzz_config.c - project_load() on assetgen.yaml alone (no recipes)
 *
 * A config that loads must keep recipe.h's promises (check_project.h).
 */
#include <stdint.h>
#include <stdlib.h>

#include "check_project.h"
#include "fuzz.h"
#include "recipe.h"

static const char *const names[] = { "assetgen.yaml", NULL };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct project p;
	struct diags d = {0};
	const char *dir = fuzz_tmpdir(names);

	fuzz_write("assetgen.yaml", data, size);
	if (project_load(&p, dir, &d) == 0) {
		check_project(&p);
		project_release(&p);
	} else if (d.nmsgs == 0) {
		abort();        /* a failure says why */
	}
	diags_release(&d);
	return 0;
}
