/* fuzz_recipe.c - project_load() on a recipe file (and optionally a config)
 *
 * A project that loads must keep recipe.h's promises (check_project.h).
 * The input is recipes/a.yaml of a project whose assetgen.yaml declares a
 * model of every provider; an input holding the separator "\n====\n" is
 * split there instead: the part before it is assetgen.yaml.
 */
#define _GNU_SOURCE     /* memmem */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check_project.h"
#include "fuzz.h"
#include "recipe.h"

#define SEP "\n====\n"

static const char default_config[] =
	"models:\n"
	"  local:     {provider: builtin}\n"
	"  team-sd:   {provider: http, endpoint: \"http://127.0.0.1:8080/generate\", cost: 0.002}\n"
	"  gpt-image: {provider: openai, model: gpt-image-1, cost: 0.04, api_key_env: OPENAI_API_KEY}\n"
	"  forge:     {provider: a1111, endpoint: \"http://127.0.0.1:7860\", params: {sampler: \"DPM++ 2M\"}}\n"
	"  esrgan:    {provider: a1111, model: \"R-ESRGAN 4x+\"}\n"
	"  ideogram:  {provider: ideogram, model: V_2, cost: 0.08, api_key_env: IDEOGRAM_API_KEY}\n"
	"  sd35:      {provider: stability, model: sd3.5-flash, cost: 0.025, api_key_env: STABILITY_API_KEY}\n"
	"  banana:    {provider: gemini, model: gemini-2.5-flash-image, cost: 0.039, api_key_env: GEMINI_API_KEY}\n"
	"routes:\n"
	"  - match: {intent: preview}\n"
	"    use: [local]\n"
	"  - match: {tags: [typography]}\n"
	"    use: [ideogram, banana]\n"
	"  - use: [local]\n"
	"budget:\n"
	"  per_request: 0.10\n"
	"  per_build: 5.00\n";

static const char *const names[] = { "recipes/a.yaml", "recipes", "assetgen.yaml", NULL };

static int custom_config = -1;    /* what assetgen.yaml holds: -1 nothing yet */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *sep = memmem(data, size, SEP, strlen(SEP));
	struct project p;
	struct diags d = {0};
	const char *dir = fuzz_tmpdir(names);
	char path[512];

	if (custom_config < 0) {
		snprintf(path, sizeof(path), "%s/recipes", dir);
		if (mkdir(path, 0755) < 0)
			fuzz_die(path);
	}
	if (sep) {
		fuzz_write("assetgen.yaml", data, (size_t)(sep - data));
		size -= (size_t)(sep - data) + strlen(SEP);
		data = sep + strlen(SEP);
		custom_config = 1;
	} else if (custom_config != 0) {
		fuzz_write("assetgen.yaml", default_config, strlen(default_config));
		custom_config = 0;
	}
	fuzz_write("recipes/a.yaml", data, size);
	if (project_load(&p, dir, &d) == 0) {
		check_project(&p);
		project_release(&p);
	} else if (d.nmsgs == 0) {
		abort();        /* a failure says why */
	}
	diags_release(&d);
	return 0;
}
