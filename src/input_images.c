/* input_images.c - an asset's inputs decoded for a request */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "codec.h"
#include "input_images.h"
#include "os.h"
#include "png.h"
#include "util.h"

int
input_images_load(const struct plan *pl, const struct plan_item *it, struct input_images *out,
		  char **err)
{
	const struct asset *a = it->asset;
	char *why = NULL;
	size_t i, k;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!a->ninputs)
		return 0;
	out->in = xcalloc(a->ninputs, sizeof(*out->in));
	out->img = xcalloc(a->ninputs, sizeof(*out->img));
	out->bytes = xcalloc(a->ninputs, sizeof(*out->bytes));
	for (i = 0; i < a->ninputs; i++) {
		const struct asset_input *in = &a->inputs[i];

		out->in[i].role = in->role;
		out->in[i].strength = in->strength;
		out->in[i].img = &out->img[i];
		out->n = i + 1;
		if (in->file) {
			out->in[i].data = in->file->data;
			out->in[i].len = in->file->len;
		} else {
			k = pl->byasset[in->upstream];
			if (!k || os_read_file(pl->items[k - 1].out_path, CODEC_MAX_BYTES, &out->bytes[i]) < 0) {
				*err = xasprintf("input asset %s: cannot read its output", in->asset);
				input_images_release(out);
				return -1;
			}
			out->in[i].data = (const unsigned char *)out->bytes[i].data;
			out->in[i].len = out->bytes[i].len;
		}
		out->in[i].mime = codec_format_mime(codec_sniff(out->in[i].data, out->in[i].len));
		rc = codec_decode(out->in[i].data, out->in[i].len, NULL, &out->img[i], NULL, &why);
		if (rc == 0 && !in->file) {
			/* An input asset is keyed by its pixels (plan.h, ups), not
			 * by its output's bytes, which carry its PNG settings,
			 * metadata and signature: send those pixels, encoded
			 * alike whatever the upstream's settings. */
			buf_release(&out->bytes[i]);
			rc = pngio_encode(&out->img[i], NULL, 6, &out->bytes[i], &why);
			out->in[i].data = (const unsigned char *)out->bytes[i].data;
			out->in[i].len = out->bytes[i].len;
			out->in[i].mime = "image/png";
		}
		if (rc < 0) {
			*err = xasprintf("input %s: %s", in->file ? in->file->path : in->asset, why);
			free(why);
			input_images_release(out);
			return -1;
		}
	}
	return 0;
}

void
input_images_release(struct input_images *ii)
{
	size_t i;

	for (i = 0; i < ii->n; i++) {
		image_release(&ii->img[i]);
		buf_release(&ii->bytes[i]);
	}
	free(ii->img);
	free(ii->bytes);
	free(ii->in);
	memset(ii, 0, sizeof(*ii));
}
