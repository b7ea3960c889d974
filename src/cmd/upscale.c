/* cmd/upscale.c - `assetgen upscale IN.png OUT.png`: the build's upscale stage, standalone */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cmd.h"
#include "os.h"
#include "png.h"
#include "resample.h"
#include "util.h"

#define MAX_INPUT ((size_t)1 << 30)

static const char usage[] =
	"usage: assetgen upscale IN.png OUT.png [--factor N | --size WxH] [--with FILTER] [-j N]\n"
	"                        [--level L] [--filter F]\n"
	"  --factor N      2, 3 or 4 (default 2)\n"
	"  --size WxH      a target size instead of a factor\n"
	"  --with FILTER   lanczos3 (default), bicubic or nearest\n"
	"  -j N            threads (default: number of CPUs)\n"
	"  --level L       zlib level 0-9 for the output PNG (default 3)\n"
	"  --filter F      PNG row filter: none, sub (default), up, avg, paeth or adaptive\n";

static int
parse_size(const char *s, uint32_t *w, uint32_t *h)
{
	uint64_t a, b;
	const char *x = strchr(s, 'x');
	char *first;
	int r;

	if (!x)
		return -1;
	first = xstrndup(s, (size_t)(x - s));
	r = parse_u64(first, &a) == 0 && parse_u64(x + 1, &b) == 0 && a >= 1 && b >= 1 &&
	    a <= IMAGE_MAX_OUT && b <= IMAGE_MAX_OUT ? 0 : -1;
	free(first);
	if (r == 0) {
		*w = (uint32_t)a;
		*h = (uint32_t)b;
	}
	return r;
}

int
cmd_upscale(int argc, char **argv, struct global *g)
{
	static const struct option longopts[] = {
		{"factor", required_argument, NULL, 'f'},
		{"size", required_argument, NULL, 's'},
		{"with", required_argument, NULL, 'w'},
		{"level", required_argument, NULL, 'l'},
		{"filter", required_argument, NULL, 'F'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	enum resample_filter filter = FILTER_LANCZOS3;
	struct buf in = BUF_INIT, out = BUF_INIT;
	struct image img = {0}, up = {0};
	struct meta m = {0};
	uint32_t width = 0, height = 0;
	uint64_t v;
	char *err = NULL, label[64];
	struct pngio_opts po = { PNGIO_LEVEL_DEFAULT, PNGIO_FILTER_DEFAULT, 0 };
	int opt, factor = 2, jobs = 0, rc = EXIT_BUILD;

	(void)g;
	while ((opt = getopt_long(argc, argv, "j:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			if (parse_u64(optarg, &v) < 0 || v < 2 || v > 4) {
				warn("--factor wants 2, 3 or 4, not '%s'", optarg);
				return EXIT_INPUT;
			}
			factor = (int)v;
			break;
		case 's':
			if (parse_size(optarg, &width, &height) < 0) {
				warn("--size wants WIDTHxHEIGHT (each 1..%d), not '%s'", IMAGE_MAX_OUT, optarg);
				return EXIT_INPUT;
			}
			break;
		case 'w':
			if (resample_filter_parse(optarg, &filter) < 0) {
				warn("--with wants lanczos3, bicubic or nearest, not '%s'", optarg);
				return EXIT_INPUT;
			}
			break;
		case 'l':
			if (parse_u64(optarg, &v) < 0 || v > 9) {
				warn("--level wants 0 to 9, not '%s'", optarg);
				return EXIT_INPUT;
			}
			po.level = (int)v;
			break;
		case 'F':
			if (pngio_filter_parse(optarg, &po.filter) < 0) {
				warn("--filter wants none, sub, up, avg, paeth or adaptive, not '%s'", optarg);
				return EXIT_INPUT;
			}
			break;
		case 'j':
			if (opt_count("-j", optarg, &jobs) < 0)
				return EXIT_INPUT;
			break;
		case 'h':
			fputs(usage, stdout);
			return EXIT_OK;
		default:
			fputs(usage, stderr);
			return EXIT_INPUT;
		}
	}
	if (argc - optind != 2) {
		fputs(usage, stderr);
		return EXIT_INPUT;
	}
	if (os_read_file(argv[optind], MAX_INPUT, &in) < 0) {
		warn("cannot read '%s':", argv[optind]);
		return EXIT_INPUT;
	}
	if (pngio_decode(in.data, in.len, &img, &m, &err) < 0) {
		warn("cannot decode '%s': %s", argv[optind], err);
		free(err);
		buf_release(&in);
		return EXIT_INPUT;
	}
	if (!width) {
		width = img.width * (uint32_t)factor;
		height = img.height * (uint32_t)factor;
		snprintf(label, sizeof(label), "factor=%d with=%s", factor, resample_filter_name(filter));
	} else {
		snprintf(label, sizeof(label), "size=%ux%u with=%s", width, height,
			 resample_filter_name(filter));
	}
	if (resample(&img, width, height, filter, jobs, &up) < 0) {
		warn("cannot upscale '%s' to %ux%u", argv[optind], width, height);
		goto out;
	}
	meta_add(&m, "upscale", label);
	po.threads = jobs;
	if (pngio_encode_opts(&up, &m, &po, &out, &err) < 0) {
		warn("cannot encode '%s': %s", argv[optind + 1], err);
		free(err);
		goto out;
	}
	if (os_write_atomic_path(argv[optind + 1], out.data, out.len) < 0)
		warn("cannot write '%s':", argv[optind + 1]);
	else
		rc = EXIT_OK;
out:
	image_release(&img);
	image_release(&up);
	meta_release(&m);
	buf_release(&in);
	buf_release(&out);
	return rc;
}
