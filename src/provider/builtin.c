/* provider/builtin.c - the embedded default model: the procedural renderer */
#include "provider.h"
#include "render/render.h"
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

/* Any size is native; the renderer paints opaque RGB. */
static int
builtin_native(const struct model *m, const struct provider_need *need,
	       uint32_t *nw, uint32_t *nh, char **why)
{
	(void)m;
	*nw = need->width;
	*nh = need->height;
	if (need->transparent) {
		*why = xstrdup("the built-in model paints no transparency");
		return -1;
	}
	return 0;
}

const struct provider provider_builtin = {
	.name = "builtin",
	.impl = "render/" RENDER_VERSION,
	.concurrency = 0,           /* CPU-bound: the worker pool is the limit */
	.inputs = 1u << ROLE_REFERENCE | 1u << ROLE_INIT | 1u << ROLE_MASK,
	.render = builtin_render,
	.native = builtin_native,
};
