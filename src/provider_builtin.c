/* provider_builtin.c - the embedded default model: the procedural renderer */
#include <string.h>

#include "provider.h"
#include "render.h"
#include "util.h"

static int
builtin_render(const struct model *m, const struct render_req *req,
	       struct image *out, struct meta *extra, char **err)
{
	(void)m;
	(void)extra;
	if (render_builtin(req, out) < 0) {
		*err = xasprintf("size %ux%u out of range", req->width, req->height);
		return -1;
	}
	return 0;
}

const struct provider provider_builtin = {
	.name = "builtin",
	.impl = "render/" RENDER_VERSION,
	.render = builtin_render,
};

/* Providers known to the configuration whose transport is not built yet:
 * they validate and key like the others, and fail clearly when asked to
 * render. */
static const struct provider hosted[] = {
	{.name = "http", .impl = ""},
	{.name = "openai", .impl = ""},
	{.name = "a1111", .impl = ""},
	{.name = "ideogram", .impl = ""},
	{.name = "stability", .impl = ""},
	{.name = "gemini", .impl = ""},
};

const struct provider *
provider_find(const char *name)
{
	size_t i;

	if (strcmp(name, provider_builtin.name) == 0)
		return &provider_builtin;
	for (i = 0; i < sizeof(hosted) / sizeof(hosted[0]); i++)
		if (strcmp(name, hosted[i].name) == 0)
			return &hosted[i];
	return NULL;
}
