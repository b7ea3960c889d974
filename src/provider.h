/* provider.h - the provider interface: one file per provider
 *
 * A provider turns a generation request into an image.  The built-in
 * provider renders synchronously on a worker thread.  HTTP providers plug
 * in behind the same table (their transfers run in one libcurl multi loop).
 */
#ifndef PROVIDER_H
#define PROVIDER_H

#include "image.h"
#include "pngio.h"
#include "recipe.h"
#include "render.h"

struct provider {
	const char *name;       /* as in assetgen.yaml's `provider:` */
	const char *impl;       /* implementation version, part of the model identity */
	/* Render synchronously.  0, or -1 with *err (malloc'd) set.  extra
	 * receives provider metadata to keep in the artifact (may be empty).
	 * NULL when the provider is not available in this build. */
	int (*render)(const struct model *m, const struct render_req *req,
		      struct image *out, struct meta *extra, char **err);
};

/* The provider named name, or NULL for an unknown name. */
const struct provider *provider_find(const char *name);

extern const struct provider provider_builtin;

#endif
