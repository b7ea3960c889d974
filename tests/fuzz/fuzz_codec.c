/* fuzz_codec.c - codec_probe() and codec_decode() on arbitrary bytes
 *
 * With limits of 1 Mpx and 4096 pixels a side, so that the fuzzer spends
 * its time in the formats rather than in large allocations.  A decoded
 * image has a sane shape, the size and format the probe reported, and its
 * last pixel is readable; every failure has a message.  dav1d prints
 * diagnostics for corrupt AV1 data on the stdio stream stderr, which
 * points at /dev/null here (ASSETGEN_FUZZ_STDERR=1 keeps them).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "codec.h"
#include "fuzz.h"

static volatile uint8_t sink;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int quiet;
	struct codec_limits lim = {.max_side = 4096, .max_pixels = 1u << 20};
	struct codec_info probe, info;
	struct image img;
	char *err = NULL;
	FILE *null;
	int probed;

	if (!quiet) {
		quiet = 1;
		if (!getenv("ASSETGEN_FUZZ_STDERR") && (null = fopen("/dev/null", "w")))
			stderr = null;
	}
	probed = codec_probe(data, size, &lim, &probe, &err) == 0;
	if (!probed && !err)
		abort();
	free(err);
	err = NULL;
	if (codec_decode(data, size, &lim, &img, &info, &err) == 0) {
		if (!probed || !img.px || img.width < 1 || img.height < 1 ||
		    (img.channels != 3 && img.channels != 4))
			abort();
		if (img.width != probe.width || img.height != probe.height || info.format != probe.format ||
		    info.format != codec_sniff(data, size) || (uint64_t)img.width * img.height > lim.max_pixels)
			abort();
		sink = img.px[(size_t)img.width * img.height * img.channels - 1];
		image_release(&img);
	} else if (!err || img.px) {
		abort();
	}
	free(err);
	return 0;
}
