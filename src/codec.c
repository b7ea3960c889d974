/* codec.c - PNG, JPEG, WebP and AVIF files to and from struct image
 *
 * The one caller of libjpeg-turbo, libwebp, libwebpmux and libavif (PNG
 * is png.c's).  libavif and its AV1 codecs are not linked:
 * avif_lazy.c loads them on first use (docs/codecs.md says why).
 *
 * Decoding checks the header's size against the limits before a pixel
 * buffer exists, decodes into a buffer of exactly that size, and treats
 * a short file as an error rather than a grey bottom half.  Encoding uses
 * one thread per call, and settings that do not depend on the machine:
 * the bytes are a function of the pixels, the options and the library
 * versions (codec_version).
 */
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>
#include <webp/decode.h>
#include <webp/encode.h>
#include <webp/mux.h>
#include <avif/avif.h>

#include "codec.h"
#include "png.h"
#include "resample.h"
#include "util.h"

#define XSTR(x) #x
#define STR(x) XSTR(x)

/* A progressive JPEG may hold thousands of tiny scans, each a pass over
 * the whole coefficient buffer: a CPU bomb in a small file.  libjpeg-turbo
 * 3 caps them at 500 (TJPARAM_SCANLIMIT); so do we. */
#define JPEG_MAX_SCANS 500
/* Largest data of one JPEG marker segment (its length field counts 2). */
#define JPEG_SEGMENT_MAX 65533

static const char xmp_ns[] = "http://ns.adobe.com/xap/1.0/";        /* + NUL: 29 bytes */

/* ---- formats ---- */

const char *
codec_format_name(enum codec_format f)
{
	switch (f) {
	case CODEC_PNG:
		return "png";
	case CODEC_JPEG:
		return "jpeg";
	case CODEC_WEBP:
		return "webp";
	case CODEC_AVIF:
		return "avif";
	case CODEC_UNKNOWN:
		break;
	}
	return "unknown";
}

const char *
codec_format_mime(enum codec_format f)
{
	switch (f) {
	case CODEC_PNG:
		return "image/png";
	case CODEC_JPEG:
		return "image/jpeg";
	case CODEC_WEBP:
		return "image/webp";
	case CODEC_AVIF:
		return "image/avif";
	case CODEC_UNKNOWN:
		break;
	}
	return "application/octet-stream";
}

int
codec_format_parse(const char *name, enum codec_format *out)
{
	if (strcmp(name, "png") == 0)
		*out = CODEC_PNG;
	else if (strcmp(name, "jpeg") == 0 || strcmp(name, "jpg") == 0)
		*out = CODEC_JPEG;
	else if (strcmp(name, "webp") == 0)
		*out = CODEC_WEBP;
	else if (strcmp(name, "avif") == 0)
		*out = CODEC_AVIF;
	else
		return -1;
	return 0;
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* An ISO BMFF file whose first box is an ftyp naming avif or avis. */
static int
is_avif(const uint8_t *p, size_t len)
{
	uint32_t size;
	size_t i;

	if (len < 16 || memcmp(p + 4, "ftyp", 4) != 0)
		return 0;
	size = be32(p);
	if (size < 16 || size > len)
		size = (uint32_t)(len < 4096 ? len : 4096);
	/* major brand at 8, minor version at 12, compatible brands from 16 */
	for (i = 8; i + 4 <= size; i += (i == 8 ? 8 : 4))
		if (memcmp(p + i, "avif", 4) == 0 || memcmp(p + i, "avis", 4) == 0)
			return 1;
	return 0;
}

enum codec_format
codec_sniff(const void *data, size_t len)
{
	static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
	const uint8_t *p = data;

	if (len >= 8 && memcmp(p, png_sig, 8) == 0)
		return CODEC_PNG;
	if (len >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		return CODEC_JPEG;
	if (len >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0)
		return CODEC_WEBP;
	if (is_avif(p, len))
		return CODEC_AVIF;
	return CODEC_UNKNOWN;
}

/* A library's message as ours: "prefix: text", lowercase first letter
 * ("Premature end of JPEG file" -> "jpeg: premature end of JPEG file"). */
static char *
lib_error(const char *prefix, const char *text, const char *detail)
{
	char *s = xasprintf("%s: %s%s%s", prefix, text, detail && detail[0] ? ": " : "",
			    detail ? detail : "");
	size_t n = strlen(prefix) + 2;

	if (s[n] >= 'A' && s[n] <= 'Z' && !(s[n + 1] >= 'A' && s[n + 1] <= 'Z'))
		s[n] = (char)(s[n] - 'A' + 'a');
	return s;
}

/* ---- limits ---- */

static void
limits_resolve(const struct codec_limits *in, struct codec_limits *out)
{
	out->max_bytes = in && in->max_bytes ? in->max_bytes : CODEC_MAX_BYTES;
	out->max_side = in && in->max_side ? in->max_side : CODEC_MAX_SIDE;
	out->max_pixels = in && in->max_pixels ? in->max_pixels : CODEC_MAX_PIXELS;
	if (out->max_side > IMAGE_MAX_OUT)     /* what image_alloc takes */
		out->max_side = IMAGE_MAX_OUT;
}

static int
limits_check(const struct codec_limits *lim, uint32_t w, uint32_t h, char **err)
{
	if (w == 0 || h == 0) {
		*err = xasprintf("image has no pixels (%ux%u)", w, h);
		return -1;
	}
	if (w > lim->max_side || h > lim->max_side) {
		*err = xasprintf("image too large: %ux%u (limit %u pixels a side)", w, h, lim->max_side);
		return -1;
	}
	if ((uint64_t)w * h > lim->max_pixels) {
		*err = xasprintf("image too large: %ux%u is %llu pixels (limit %llu)", w, h,
				 (unsigned long long)w * h, (unsigned long long)lim->max_pixels);
		return -1;
	}
	return 0;
}

/* ---- PNG: the header here, the rest in png.c ---- */

static int
png_probe(const uint8_t *p, size_t len, struct codec_info *info, char **err)
{
	/* signature, then the IHDR chunk: length 13, "IHDR", width, height,
	 * depth, colour type */
	if (len < 8 + 8 + 13) {
		*err = xstrdup("png: truncated");
		return -1;
	}
	if (be32(p + 8) != 13 || memcmp(p + 12, "IHDR", 4) != 0) {
		*err = xstrdup("png: missing IHDR");
		return -1;
	}
	info->width = be32(p + 16);
	info->height = be32(p + 20);
	info->alpha = p[25] == 4 || p[25] == 6;   /* grey+alpha, RGBA; tRNS is found on decode */
	return 0;
}

static int
png_decode(const uint8_t *p, size_t len, struct image *img, struct codec_info *info, char **err)
{
	char *perr = NULL;

	if (pngio_decode(p, len, img, NULL, &perr) < 0) {
		*err = xasprintf("png: %s", perr);
		free(perr);
		return -1;
	}
	info->alpha = img->channels == 4;
	return 0;
}

/* ---- JPEG ---- */

struct jpeg_err {
	struct jpeg_error_mgr pub;
	jmp_buf jmp;
	char msg[JMSG_LENGTH_MAX];
	int truncated;          /* libjpeg saw the data end early */
};

static void
jpeg_on_error(j_common_ptr c)
{
	struct jpeg_err *e = (struct jpeg_err *)c->err;

	c->err->format_message(c, e->msg);
	longjmp(e->jmp, 1);
}

/* Warnings: a short file is made whole by libjpeg with a fake EOI and
 * grey rows; we call it what it is.  Other corrupt-data warnings (such
 * as extraneous bytes before a marker, common in camera files) are let
 * through, as every viewer does. */
static void
jpeg_on_message(j_common_ptr c, int level)
{
	struct jpeg_err *e = (struct jpeg_err *)c->err;

	if (level < 0) {
		if (c->err->msg_code == JWRN_JPEG_EOF || c->err->msg_code == JWRN_HIT_MARKER)
			e->truncated = 1;
		c->err->num_warnings++;
	}
}

static void
jpeg_on_progress(j_common_ptr c)
{
	j_decompress_ptr d = (j_decompress_ptr)c;

	if (d->input_scan_number > JPEG_MAX_SCANS) {
		snprintf(((struct jpeg_err *)c->err)->msg, JMSG_LENGTH_MAX,
			 "more than %d progressive scans", JPEG_MAX_SCANS);
		longjmp(((struct jpeg_err *)c->err)->jmp, 1);
	}
}

static uint16_t
exif16(const uint8_t *p, int le)
{
	return le ? (uint16_t)(p[0] | p[1] << 8) : (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
exif32(const uint8_t *p, int le)
{
	return le ? le32(p) : be32(p);
}

/* The Orientation tag (0x0112) of IFD0 in an APP1 "Exif\0\0" payload;
 * 1 when absent or malformed. */
static int
exif_orientation(const uint8_t *p, size_t n)
{
	uint64_t ifd, off;
	uint16_t count, i, v;
	int le;

	if (n < 6 + 8 || memcmp(p, "Exif\0\0", 6) != 0)
		return 1;
	p += 6;
	n -= 6;
	if (p[0] == 'I' && p[1] == 'I')
		le = 1;
	else if (p[0] == 'M' && p[1] == 'M')
		le = 0;
	else
		return 1;
	if (exif16(p + 2, le) != 42)
		return 1;
	ifd = exif32(p + 4, le);
	if (ifd + 2 > n)
		return 1;
	count = exif16(p + ifd, le);
	for (i = 0; i < count; i++) {
		off = ifd + 2 + (uint64_t)12 * i;
		if (off + 12 > n)
			break;
		if (exif16(p + off, le) != 0x0112)
			continue;
		if (exif16(p + off + 2, le) != 3)    /* SHORT */
			return 1;
		v = exif16(p + off + 8, le);
		return v >= 1 && v <= 8 ? v : 1;
	}
	return 1;
}

/* Turn img as EXIF orientation o says the stored pixels are to be shown. */
static void
orient_apply(struct image *img, int o)
{
	struct image out;
	uint32_t w = img->width, h = img->height, c = img->channels, ow, oh, dx, dy, sx, sy;
	int swap = o >= 5;

	if (o <= 1 || o > 8)
		return;
	ow = swap ? h : w;
	oh = swap ? w : h;
	image_alloc(&out, ow, oh, c);
	for (dy = 0; dy < oh; dy++)
		for (dx = 0; dx < ow; dx++) {
			switch (o) {
			case 2: sx = w - 1 - dx; sy = dy; break;
			case 3: sx = w - 1 - dx; sy = h - 1 - dy; break;
			case 4: sx = dx; sy = h - 1 - dy; break;
			case 5: sx = dy; sy = dx; break;
			case 6: sx = dy; sy = h - 1 - dx; break;
			case 7: sx = w - 1 - dy; sy = h - 1 - dx; break;
			default: sx = w - 1 - dy; sy = dx; break;   /* 8 */
			}
			memcpy(out.px + ((size_t)dy * ow + dx) * c, img->px + ((size_t)sy * w + sx) * c, c);
		}
	image_release(img);
	*img = out;
}

/* One decode's state, outside the frame that calls setjmp. */
struct jpeg_dec {
	struct jpeg_decompress_struct d;
	struct jpeg_err e;
	struct jpeg_progress_mgr prog;
	const uint8_t *data;
	size_t len;
	const struct codec_limits *lim;
	struct image *img;      /* NULL: the header only */
	struct codec_info *info;
	uint8_t *row;           /* CMYK scanline */
	char *err;              /* a limits error */
};

static int
jpeg_work(struct jpeg_dec *j)
{
	struct jpeg_decompress_struct *d = &j->d;
	jpeg_saved_marker_ptr m;
	uint32_t w, h, x;
	int cmyk, inverted;
	uint8_t *dst, *src;

	jpeg_mem_src(d, j->data, (unsigned long)j->len);
	jpeg_save_markers(d, JPEG_APP0 + 1, 0xffff);
	if (jpeg_read_header(d, TRUE) != JPEG_HEADER_OK || j->e.truncated)
		return -1;
	j->info->orientation = 1;
	for (m = d->marker_list; m; m = m->next)
		if (m->marker == JPEG_APP0 + 1 && (j->info->orientation = exif_orientation(m->data, m->data_length)) != 1)
			break;
	w = d->image_width;
	h = d->image_height;
	j->info->width = j->info->orientation >= 5 ? h : w;
	j->info->height = j->info->orientation >= 5 ? w : h;
	j->info->alpha = 0;
	if (limits_check(j->lim, w, h, &j->err) < 0)
		return -1;
	if (!j->img)
		return 0;
	cmyk = d->jpeg_color_space == JCS_CMYK || d->jpeg_color_space == JCS_YCCK;
	inverted = d->saw_Adobe_marker;     /* Adobe writes CMYK inverted */
	d->out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
	j->prog.progress_monitor = jpeg_on_progress;
	d->progress = &j->prog;
	jpeg_start_decompress(d);
	if (d->output_width != w || d->output_height != h ||
	    d->output_components != (cmyk ? 4 : 3))
		return -1;
	image_alloc(j->img, w, h, 3);
	if (cmyk)
		j->row = xmalloc((size_t)w * 4);
	while (d->output_scanline < h) {
		dst = j->img->px + (size_t)d->output_scanline * w * 3;
		if (!cmyk) {
			jpeg_read_scanlines(d, &dst, 1);
			continue;
		}
		jpeg_read_scanlines(d, &j->row, 1);
		for (x = 0, src = j->row; x < w; x++, src += 4, dst += 3) {
			unsigned k = inverted ? src[3] : 255u - src[3], i;

			for (i = 0; i < 3; i++)
				dst[i] = (uint8_t)(((inverted ? src[i] : 255u - src[i]) * k + 127) / 255);
		}
		if (j->e.truncated)
			break;
	}
	if (j->e.truncated)
		return -1;
	jpeg_finish_decompress(d);
	return j->e.truncated ? -1 : 0;
}

/* setjmp here, in a frame that changes no local after it */
static int
jpeg_run(struct jpeg_dec *j)
{
	if (setjmp(j->e.jmp))
		return -1;
	return jpeg_work(j);
}

static int
jpeg_decode(const uint8_t *p, size_t len, const struct codec_limits *lim, struct image *img,
	    struct codec_info *info, char **err)
{
	struct jpeg_dec *j = xcalloc(1, sizeof(*j));
	int rc;

	j->data = p;
	j->len = len;
	j->lim = lim;
	j->img = img;
	j->info = info;
	j->d.err = jpeg_std_error(&j->e.pub);
	j->e.pub.error_exit = jpeg_on_error;
	j->e.pub.emit_message = jpeg_on_message;
	jpeg_create_decompress(&j->d);
	rc = jpeg_run(j);
	jpeg_destroy_decompress(&j->d);
	if (rc < 0) {
		if (j->err)
			*err = j->err;
		else if (j->e.truncated)
			*err = xstrdup("jpeg: truncated data");
		else
			*err = lib_error("jpeg", j->e.msg[0] ? j->e.msg : "decoding failed", NULL);
		if (img)
			image_release(img);
	} else if (img) {
		orient_apply(img, info->orientation);
	}
	free(j->row);
	free(j);
	return rc;
}

/* ---- WebP ---- */

static const char *
webp_status(VP8StatusCode s)
{
	switch (s) {
	case VP8_STATUS_OUT_OF_MEMORY: return "out of memory";
	case VP8_STATUS_INVALID_PARAM: return "invalid parameter";
	case VP8_STATUS_BITSTREAM_ERROR: return "corrupt bitstream";
	case VP8_STATUS_UNSUPPORTED_FEATURE: return "unsupported feature";
	case VP8_STATUS_NOT_ENOUGH_DATA: return "truncated data";
	default: return "decoding failed";
	}
}

static int
webp_decode(const uint8_t *p, size_t len, const struct codec_limits *lim, struct image *img,
	    struct codec_info *info, char **err)
{
	WebPDecoderConfig cfg;
	VP8StatusCode s;

	if (!WebPInitDecoderConfig(&cfg)) {
		*err = xstrdup("webp: library version mismatch");
		return -1;
	}
	if ((s = WebPGetFeatures(p, len, &cfg.input)) != VP8_STATUS_OK) {
		*err = xasprintf("webp: %s", webp_status(s));
		return -1;
	}
	info->width = (uint32_t)cfg.input.width;
	info->height = (uint32_t)cfg.input.height;
	info->alpha = cfg.input.has_alpha != 0;
	info->orientation = 1;
	if (cfg.input.has_animation) {
		*err = xstrdup("webp: animated images are not supported");
		return -1;
	}
	if (limits_check(lim, info->width, info->height, err) < 0)
		return -1;
	if (!img)
		return 0;
	image_alloc(img, info->width, info->height, info->alpha ? 4 : 3);
	cfg.output.colorspace = info->alpha ? MODE_RGBA : MODE_RGB;
	cfg.output.is_external_memory = 1;
	cfg.output.u.RGBA.rgba = img->px;
	cfg.output.u.RGBA.stride = (int)(img->width * img->channels);
	cfg.output.u.RGBA.size = (size_t)img->width * img->height * img->channels;
	if ((s = WebPDecode(p, len, &cfg)) != VP8_STATUS_OK) {
		*err = xasprintf("webp: %s", webp_status(s));
		WebPFreeDecBuffer(&cfg.output);
		image_release(img);
		return -1;
	}
	WebPFreeDecBuffer(&cfg.output);
	return 0;
}

/* ---- AVIF ---- */

/* "avif: truncated data", with libavif's detail when it has one */
static char *
avif_error(avifResult r, const char *detail)
{
	char d[AVIF_DIAGNOSTICS_ERROR_BUFFER_SIZE];

	snprintf(d, sizeof(d), "%s", detail ? detail : "");
	return lib_error("avif", avifResultToString(r), d);
}

static int
avif_decode(const uint8_t *p, size_t len, const struct codec_limits *lim, struct image *img,
	    struct codec_info *info, char **err)
{
	avifDecoder *dec = avifDecoderCreate();
	avifRGBImage rgb;
	avifResult r;
	int rc = -1;

	if (!dec) {
		*err = xstrdup("avif: libavif is not available");
		return -1;
	}
	/* The container is parsed with libavif's own limits, so that ours
	 * give our message; they are then handed to the AV1 decoder, which
	 * is opened on the first frame and bounds its frame buffers by them. */
	dec->maxThreads = 1;
	dec->ignoreExif = dec->ignoreXMP = AVIF_TRUE;
	if ((r = avifDecoderSetIOMemory(dec, p, len)) != AVIF_RESULT_OK ||
	    (r = avifDecoderParse(dec)) != AVIF_RESULT_OK) {
		*err = avif_error(r, dec->diag.error);
		goto out;
	}
	info->width = dec->image->width;
	info->height = dec->image->height;
	info->alpha = dec->alphaPresent != 0;
	info->orientation = 1;
	if (dec->imageCount > 1) {
		*err = xstrdup("avif: image sequences are not supported");
		goto out;
	}
	if (limits_check(lim, info->width, info->height, err) < 0)
		goto out;
	if (!img) {
		rc = 0;
		goto out;
	}
	dec->imageSizeLimit = lim->max_pixels < UINT32_MAX ? (uint32_t)lim->max_pixels : UINT32_MAX;
	dec->imageDimensionLimit = lim->max_side;
	if ((r = avifDecoderNextImage(dec)) != AVIF_RESULT_OK) {
		*err = avif_error(r, dec->diag.error);
		goto out;
	}
	/* the AV1 frame, not the container, says what was decoded */
	if (limits_check(lim, dec->image->width, dec->image->height, err) < 0)
		goto out;
	info->width = dec->image->width;
	info->height = dec->image->height;
	info->alpha = dec->image->alphaPlane != NULL;
	image_alloc(img, info->width, info->height, info->alpha ? 4 : 3);
	avifRGBImageSetDefaults(&rgb, dec->image);
	rgb.depth = 8;
	rgb.format = info->alpha ? AVIF_RGB_FORMAT_RGBA : AVIF_RGB_FORMAT_RGB;
	rgb.pixels = img->px;
	rgb.rowBytes = img->width * img->channels;
	if ((r = avifImageYUVToRGB(dec->image, &rgb)) != AVIF_RESULT_OK) {
		*err = avif_error(r, dec->diag.error);
		image_release(img);
		goto out;
	}
	rc = 0;
out:
	avifDecoderDestroy(dec);
	return rc;
}

/* ---- decoding ---- */

static int
decode_any(const void *data, size_t len, const struct codec_limits *limits, struct image *img,
	   struct codec_info *info, char **err)
{
	struct codec_limits lim;
	const uint8_t *p = data;

	limits_resolve(limits, &lim);
	memset(info, 0, sizeof(*info));
	info->orientation = 1;
	if (img)
		memset(img, 0, sizeof(*img));
	if (len > lim.max_bytes) {
		*err = xasprintf("file too large: %zu bytes (limit %llu)", len, (unsigned long long)lim.max_bytes);
		return -1;
	}
	switch ((info->format = codec_sniff(p, len))) {
	case CODEC_PNG:
		if (png_probe(p, len, info, err) < 0 ||
		    limits_check(&lim, info->width, info->height, err) < 0)
			return -1;
		return img ? png_decode(p, len, img, info, err) : 0;
	case CODEC_JPEG:
		return jpeg_decode(p, len, &lim, img, info, err);
	case CODEC_WEBP:
		return webp_decode(p, len, &lim, img, info, err);
	case CODEC_AVIF:
		return avif_decode(p, len, &lim, img, info, err);
	case CODEC_UNKNOWN:
		break;
	}
	*err = xstrdup(len == 0 ? "empty file" : "not a png, jpeg, webp or avif image");
	return -1;
}

int
codec_probe(const void *data, size_t len, const struct codec_limits *lim,
	    struct codec_info *info, char **err)
{
	return decode_any(data, len, lim, NULL, info, err);
}

int
codec_decode(const void *data, size_t len, const struct codec_limits *lim,
	     struct image *img, struct codec_info *info, char **err)
{
	struct codec_info local;

	return decode_any(data, len, lim, img, info ? info : &local, err);
}

/* ---- encoding ---- */

/* Options with the defaults filled in. */
struct enc {
	const struct image *img;
	uint32_t channels;      /* 3, or 4 when some pixel is not opaque */
	int quality;
	int speed;
	int chroma444;
	uint32_t matte;
	const uint8_t *xmp;
	size_t xmp_len;
	const uint8_t *c2pa;
	size_t c2pa_len;
	struct codec_c2pa_span span;
};

static int
has_alpha(const struct image *img)
{
	size_t i, n = (size_t)img->width * img->height;

	if (img->channels != 4)
		return 0;
	for (i = 0; i < n; i++)
		if (img->px[i * 4 + 3] != 255)
			return 1;
	return 0;
}

/* The RGB bytes of img, alpha dropped (it is all 255). */
static uint8_t *
rgb_copy(const struct image *img)
{
	size_t i, n = (size_t)img->width * img->height;
	uint8_t *rgb = xmalloc(n * 3);

	for (i = 0; i < n; i++)
		memcpy(rgb + i * 3, img->px + i * 4, 3);
	return rgb;
}

/* ---- JPEG ---- */

struct jpeg_enc {
	struct jpeg_compress_struct c;
	struct jpeg_err e;
	const struct enc *o;
	unsigned char *mem;     /* jpeg_mem_dest's buffer: malloc'd by libjpeg */
	unsigned long memlen;
	uint8_t *row;
	uint8_t *seg;
};

/* The manifest store as APP11 segments, each "JP", box instance 1, a
 * sequence number from 1, then the superbox's LBox and TBox again and the
 * next piece of its payload (ISO/IEC 19566-5 carriage in JPEG). */
static void
jpeg_put_c2pa(struct jpeg_enc *j)
{
	const uint8_t *box = j->o->c2pa, *body = box + 8;
	size_t left = j->o->c2pa_len - 8, piece, room = JPEG_SEGMENT_MAX - 8 - 8;
	uint32_t seq = 1;

	j->seg = xmalloc(JPEG_SEGMENT_MAX);
	do {
		piece = left < room ? left : room;
		j->seg[0] = 'J';
		j->seg[1] = 'P';
		j->seg[2] = 0;
		j->seg[3] = 1;
		j->seg[4] = (uint8_t)(seq >> 24);
		j->seg[5] = (uint8_t)(seq >> 16);
		j->seg[6] = (uint8_t)(seq >> 8);
		j->seg[7] = (uint8_t)seq;
		memcpy(j->seg + 8, box, 8);
		memcpy(j->seg + 16, body, piece);
		jpeg_write_marker(&j->c, JPEG_APP0 + 11, j->seg, (unsigned)(16 + piece));
		body += piece;
		left -= piece;
		seq++;
	} while (left > 0);
}

static void
jpeg_enc_work(struct jpeg_enc *j)
{
	const struct enc *o = j->o;
	const struct image *img = o->img;
	uint32_t x, w = img->width;
	const uint8_t *src;
	uint8_t m[3] = {(uint8_t)(o->matte >> 16), (uint8_t)(o->matte >> 8), (uint8_t)o->matte};
	JSAMPROW rowp;
	size_t seglen;
	int i;

	jpeg_mem_dest(&j->c, &j->mem, &j->memlen);
	j->c.image_width = w;
	j->c.image_height = img->height;
	j->c.input_components = 3;
	j->c.in_color_space = JCS_RGB;
	jpeg_set_defaults(&j->c);
	jpeg_set_quality(&j->c, o->quality, TRUE);
	j->c.optimize_coding = TRUE;            /* Huffman tables fitted to the image */
	j->c.dct_method = JDCT_ISLOW;           /* exact in every SIMD path */
	if (o->chroma444) {
		j->c.comp_info[0].h_samp_factor = 1;
		j->c.comp_info[0].v_samp_factor = 1;
	}
	jpeg_start_compress(&j->c, TRUE);
	if (o->xmp) {
		seglen = sizeof(xmp_ns) + o->xmp_len;
		j->seg = xmalloc(seglen);
		memcpy(j->seg, xmp_ns, sizeof(xmp_ns));
		memcpy(j->seg + sizeof(xmp_ns), o->xmp, o->xmp_len);
		jpeg_write_marker(&j->c, JPEG_APP0 + 1, j->seg, (unsigned)seglen);
		free(j->seg);
		j->seg = NULL;
	}
	if (o->c2pa)
		jpeg_put_c2pa(j);
	j->row = xmalloc((size_t)w * 3);
	rowp = j->row;
	while (j->c.next_scanline < img->height) {
		src = img->px + (size_t)j->c.next_scanline * w * img->channels;
		if (img->channels == 3)
			memcpy(j->row, src, (size_t)w * 3);
		else
			for (x = 0; x < w; x++, src += 4)
				for (i = 0; i < 3; i++)
					j->row[x * 3 + i] = (uint8_t)((src[i] * src[3] + m[i] * (255u - src[3]) + 127) / 255);
		jpeg_write_scanlines(&j->c, &rowp, 1);
	}
	jpeg_finish_compress(&j->c);
}

static int
jpeg_enc_run(struct jpeg_enc *j)
{
	if (setjmp(j->e.jmp))
		return -1;
	jpeg_enc_work(j);
	return 0;
}

/* The first APP11 segment from p and the consecutive ones after it. */
static void
jpeg_find_app11(const uint8_t *p, size_t len, struct codec_c2pa_span *span)
{
	size_t i = 2, seg, first = 0;

	while (i + 4 <= len && p[i] == 0xff && p[i + 1] != 0xda) {
		seg = 2 + ((size_t)p[i + 2] << 8 | p[i + 3]);
		if (p[i + 1] == 0xeb && !first)
			first = i;
		else if (p[i + 1] != 0xeb && first)
			break;
		i += seg;
	}
	if (first) {
		span->at = first;
		span->len = i - first;
	}
}

static int
jpeg_encode(struct enc *o, struct buf *out, char **err)
{
	struct jpeg_enc *j = xcalloc(1, sizeof(*j));
	int rc;

	if (o->xmp && o->xmp_len > CODEC_JPEG_XMP_MAX) {
		*err = xasprintf("jpeg: xmp packet too large: %zu bytes (limit %d)", o->xmp_len, CODEC_JPEG_XMP_MAX);
		free(j);
		return -1;
	}
	j->o = o;
	j->c.err = jpeg_std_error(&j->e.pub);
	j->e.pub.error_exit = jpeg_on_error;
	jpeg_create_compress(&j->c);
	rc = jpeg_enc_run(j);
	jpeg_destroy_compress(&j->c);
	if (rc < 0)
		*err = lib_error("jpeg", j->e.msg, NULL);
	else if (buf_put(out, j->mem, j->memlen) < 0) {
		*err = xstrdup("jpeg: output too large");
		rc = -1;
	} else if (o->c2pa) {
		jpeg_find_app11(j->mem, j->memlen, &o->span);
	}
	free(j->mem);
	free(j->row);
	free(j->seg);
	free(j);
	return rc;
}

/* ---- WebP ---- */

static const char *
webp_enc_error(WebPEncodingError e)
{
	switch (e) {
	case VP8_ENC_ERROR_OUT_OF_MEMORY:
	case VP8_ENC_ERROR_BITSTREAM_OUT_OF_MEMORY:
		return "out of memory";
	case VP8_ENC_ERROR_BAD_DIMENSION:
		return "image too large for webp (16383 pixels a side)";
	case VP8_ENC_ERROR_PARTITION0_OVERFLOW:
	case VP8_ENC_ERROR_PARTITION_OVERFLOW:
		return "partition overflow";
	case VP8_ENC_ERROR_FILE_TOO_BIG:
		return "file too big";
	default:
		return "encoding failed";
	}
}

/* The place of the first chunk tagged fourcc in a RIFF WebP file. */
static void
webp_find_chunk(const uint8_t *p, size_t len, const char *fourcc, struct codec_c2pa_span *span)
{
	size_t i = 12, n;

	while (i + 8 <= len) {
		n = 8 + (size_t)le32(p + i + 4);
		n += n & 1;
		if (memcmp(p + i, fourcc, 4) == 0) {
			span->at = i;
			span->len = n;
			return;
		}
		i += n;
	}
}

static int
webp_encode(struct enc *o, struct buf *out, char **err)
{
	const struct image *img = o->img;
	WebPConfig cfg;
	WebPPicture pic;
	WebPMemoryWriter wr;
	WebPMux *mux = NULL;
	WebPData bits, chunk, whole = {NULL, 0};
	uint8_t *rgb = NULL;
	int ok, rc = -1;

	if (!WebPConfigInit(&cfg) || !WebPPictureInit(&pic)) {
		*err = xstrdup("webp: library version mismatch");
		return -1;
	}
	cfg.quality = (float)o->quality;
	cfg.method = o->speed;
	cfg.thread_level = 0;
	cfg.alpha_quality = 100;
	if (!WebPValidateConfig(&cfg)) {
		*err = xstrdup("webp: bad settings");
		return -1;
	}
	pic.width = (int)img->width;
	pic.height = (int)img->height;
	WebPMemoryWriterInit(&wr);
	pic.writer = WebPMemoryWrite;
	pic.custom_ptr = &wr;
	if (o->channels == 4)
		ok = WebPPictureImportRGBA(&pic, img->px, (int)img->width * 4);
	else if (img->channels == 3)
		ok = WebPPictureImportRGB(&pic, img->px, (int)img->width * 3);
	else {
		rgb = rgb_copy(img);
		ok = WebPPictureImportRGB(&pic, rgb, (int)img->width * 3);
	}
	if (!ok || !WebPEncode(&cfg, &pic)) {
		*err = xasprintf("webp: %s", webp_enc_error(pic.error_code));
		goto out;
	}
	if (!o->xmp && !o->c2pa) {
		if (buf_put(out, wr.mem, wr.size) < 0) {
			*err = xstrdup("webp: output too large");
			goto out;
		}
		rc = 0;
		goto out;
	}
	/* the extended format: VP8X, the image, then the metadata chunks */
	bits.bytes = wr.mem;
	bits.size = wr.size;
	if (!(mux = WebPMuxNew()) || WebPMuxSetImage(mux, &bits, 0) != WEBP_MUX_OK) {
		*err = xstrdup("webp: cannot build the container");
		goto out;
	}
	if (o->xmp) {
		chunk.bytes = o->xmp;
		chunk.size = o->xmp_len;
		if (WebPMuxSetChunk(mux, "XMP ", &chunk, 0) != WEBP_MUX_OK) {
			*err = xstrdup("webp: cannot add the XMP chunk");
			goto out;
		}
	}
	if (o->c2pa) {
		chunk.bytes = o->c2pa;
		chunk.size = o->c2pa_len;
		if (WebPMuxSetChunk(mux, "C2PA", &chunk, 0) != WEBP_MUX_OK) {
			*err = xstrdup("webp: cannot add the C2PA chunk");
			goto out;
		}
	}
	if (WebPMuxAssemble(mux, &whole) != WEBP_MUX_OK) {
		*err = xstrdup("webp: cannot assemble the container");
		goto out;
	}
	if (buf_put(out, whole.bytes, whole.size) < 0) {
		*err = xstrdup("webp: output too large");
		goto out;
	}
	if (o->c2pa)
		webp_find_chunk(whole.bytes, whole.size, "C2PA", &o->span);
	rc = 0;
out:
	WebPDataClear(&whole);
	WebPMuxDelete(mux);
	WebPPictureFree(&pic);
	WebPMemoryWriterClear(&wr);
	free(rgb);
	return rc;
}

/* ---- AVIF ---- */

/* libavif 1.0's and libheif's mapping of quality 0-100 to the AV1
 * quantizer 63-0. */
static int
avif_quantizer(int quality)
{
	return ((100 - quality) * 63 + 50) / 100;
}

static int
avif_encode(struct enc *o, struct buf *out, char **err)
{
	const struct image *img = o->img;
	avifImage *ai = NULL;
	avifEncoder *enc = NULL;
	avifRGBImage rgb;
	avifRWData data = {NULL, 0};
	avifResult r;
	uint8_t *tmp = NULL;
	char cq[16];
	int q = avif_quantizer(o->quality), rc = -1;

	if (o->c2pa) {
		*err = xstrdup("avif: c2pa manifests are not carried yet");
		return -1;
	}
	if (!(ai = avifImageCreate(img->width, img->height, 8,
				   o->chroma444 ? AVIF_PIXEL_FORMAT_YUV444 : AVIF_PIXEL_FORMAT_YUV420))) {
		*err = xstrdup("avif: libavif is not available");
		return -1;
	}
	ai->colorPrimaries = AVIF_COLOR_PRIMARIES_BT709;
	ai->transferCharacteristics = AVIF_TRANSFER_CHARACTERISTICS_SRGB;
	ai->matrixCoefficients = AVIF_MATRIX_COEFFICIENTS_BT601;
	ai->yuvRange = AVIF_RANGE_FULL;
	avifRGBImageSetDefaults(&rgb, ai);
	rgb.depth = 8;
	if (o->channels == 4) {
		rgb.format = AVIF_RGB_FORMAT_RGBA;
		rgb.pixels = img->px;
	} else {
		rgb.format = AVIF_RGB_FORMAT_RGB;
		rgb.pixels = img->channels == 3 ? img->px : (tmp = rgb_copy(img));
	}
	rgb.rowBytes = img->width * (o->channels == 4 ? 4 : 3);
	if ((r = avifImageRGBToYUV(ai, &rgb)) != AVIF_RESULT_OK) {
		*err = avif_error(r, NULL);
		goto out;
	}
	if (o->xmp)
		avifImageSetMetadataXMP(ai, o->xmp, o->xmp_len);
	if (!(enc = avifEncoderCreate())) {
		*err = xstrdup("avif: libavif is not available");
		goto out;
	}
	/* aom, named: another AV1 encoder would give other bytes */
	enc->codecChoice = AVIF_CODEC_CHOICE_AOM;
	enc->maxThreads = 1;
	enc->speed = o->speed;
	enc->minQuantizer = AVIF_QUANTIZER_BEST_QUALITY;
	enc->maxQuantizer = AVIF_QUANTIZER_WORST_QUALITY;
	enc->minQuantizerAlpha = enc->maxQuantizerAlpha = q;
	snprintf(cq, sizeof(cq), "%d", q);
	avifEncoderSetCodecSpecificOption(enc, "cq-level", cq);
	if ((r = avifEncoderWrite(enc, ai, &data)) != AVIF_RESULT_OK) {
		*err = avif_error(r, enc->diag.error);
		goto out;
	}
	if (buf_put(out, data.data, data.size) < 0) {
		*err = xstrdup("avif: output too large");
		goto out;
	}
	rc = 0;
out:
	avifRWDataFree(&data);
	if (enc)
		avifEncoderDestroy(enc);
	avifImageDestroy(ai);
	free(tmp);
	return rc;
}

/* ---- PNG ---- */

static int
png_encode(struct enc *o, struct buf *out, char **err)
{
	struct meta m = {0};
	struct image rgb = *o->img;
	char *xmp, *perr = NULL;
	int rc;

	if (o->c2pa) {
		*err = xstrdup("png: c2pa manifests are not carried yet");
		return -1;
	}
	if (o->channels == 3 && o->img->channels == 4) {
		rgb.px = rgb_copy(o->img);
		rgb.channels = 3;
	}
	if (o->xmp) {
		xmp = xstrndup((const char *)o->xmp, o->xmp_len);
		meta_add(&m, "XML:com.adobe.xmp", xmp);
		free(xmp);
	}
	rc = pngio_encode(&rgb, &m, PNGIO_LEVEL_DEFAULT, out, &perr);
	if (rc < 0) {
		*err = xasprintf("png: %s", perr);
		free(perr);
	}
	meta_release(&m);
	if (rgb.px != o->img->px)
		free(rgb.px);
	return rc;
}

int
codec_encode(const struct image *img, enum codec_format fmt, const struct codec_encode_opts *opts,
	     struct buf *out, struct codec_c2pa_span *span, char **err)
{
	static const struct codec_encode_opts defaults = {0};
	const struct codec_encode_opts *u = opts ? opts : &defaults;
	struct enc o = {0};
	size_t before = out->len;
	int rc = -1;

	if (span)
		span->at = span->len = 0;
	if (!img->px || img->width == 0 || img->height == 0 || (img->channels != 3 && img->channels != 4)) {
		*err = xstrdup("bad image to encode");
		return -1;
	}
	if (u->quality < 0 || u->quality > 100) {
		*err = xasprintf("quality %d out of range 1-100", u->quality);
		return -1;
	}
	if (u->xmp && memchr(u->xmp, 0, u->xmp_len)) {
		*err = xstrdup("xmp packet holds a NUL byte");
		return -1;
	}
	if (u->c2pa && (u->c2pa_len < 8 || be32(u->c2pa) != u->c2pa_len ||
			memcmp(u->c2pa + 4, "jumb", 4) != 0)) {
		*err = xstrdup("c2pa manifest store is not one jumb box");
		return -1;
	}
	o.img = img;
	o.channels = has_alpha(img) ? 4 : 3;
	o.chroma444 = u->chroma444;
	o.matte = u->matte;
	o.xmp = (const uint8_t *)u->xmp;
	o.xmp_len = u->xmp ? u->xmp_len : 0;
	o.c2pa = u->c2pa;
	o.c2pa_len = u->c2pa ? u->c2pa_len : 0;
	switch (fmt) {
	case CODEC_JPEG:
		o.quality = u->quality ? u->quality : CODEC_JPEG_QUALITY;
		rc = jpeg_encode(&o, out, err);
		break;
	case CODEC_WEBP:
		o.quality = u->quality ? u->quality : CODEC_WEBP_QUALITY;
		o.speed = u->speed ? u->speed : CODEC_WEBP_METHOD;
		if (o.speed < 1 || o.speed > 6) {
			*err = xasprintf("webp method %d out of range 1-6", o.speed);
			return -1;
		}
		rc = webp_encode(&o, out, err);
		break;
	case CODEC_AVIF:
		o.quality = u->quality ? u->quality : CODEC_AVIF_QUALITY;
		o.speed = u->speed ? u->speed : CODEC_AVIF_SPEED;
		if (o.speed < 1 || o.speed > 10) {
			*err = xasprintf("avif speed %d out of range 1-10", o.speed);
			return -1;
		}
		rc = avif_encode(&o, out, err);
		break;
	case CODEC_PNG:
		rc = png_encode(&o, out, err);
		break;
	case CODEC_UNKNOWN:
		*err = xstrdup("no format to encode");
		return -1;
	}
	if (rc < 0) {
		out->len = before;
		if (out->data)
			out->data[before] = '\0';
		return -1;
	}
	if (span && o.span.len) {
		span->at = o.span.at;
		span->len = o.span.len;
	}
	return 0;
}

/* ---- versions ---- */

/* "aom [enc/dec]:v3.6.0" out of libavif's list of codecs, as "aom v3.6.0" */
static void
avif_aom_version(char *out, size_t cap)
{
	char all[256] = "", *p, *colon, *end;

	avifCodecVersions(all);
	snprintf(out, cap, "aom ?");
	for (p = all; (p = strstr(p, "aom")); p += 3) {
		if (p != all && p[-1] != ' ')
			continue;
		if (!(colon = strchr(p, ':')))
			return;
		end = colon + 1 + strcspn(colon + 1, ", ");
		snprintf(out, cap, "aom %.*s", (int)(end - colon - 1), colon + 1);
		return;
	}
}

static char webp_version[64], avif_version[192];
static pthread_once_t webp_once = PTHREAD_ONCE_INIT, avif_once = PTHREAD_ONCE_INIT;

static void
webp_version_init(void)
{
	int e = WebPGetEncoderVersion(), m = WebPGetMuxVersion();

	snprintf(webp_version, sizeof(webp_version), "libwebp %d.%d.%d (mux %d.%d.%d)",
		 e >> 16, e >> 8 & 0xff, e & 0xff, m >> 16, m >> 8 & 0xff, m & 0xff);
}

static void
avif_version_init(void)
{
	char aom[64];

	avif_aom_version(aom, sizeof(aom));
	snprintf(avif_version, sizeof(avif_version), "libavif %s (%s, libyuv %u)", avifVersion(), aom,
		 avifLibYUVVersion());
}

const char *
codec_version(enum codec_format fmt)
{
	switch (fmt) {
	case CODEC_JPEG:
		/* libjpeg-turbo 2 has no run-time version call */
		return "libjpeg-turbo " STR(LIBJPEG_TURBO_VERSION);
	case CODEC_PNG:
		return pngio_version();
	case CODEC_WEBP:
		pthread_once(&webp_once, webp_version_init);
		return webp_version;
	case CODEC_AVIF:
		pthread_once(&avif_once, avif_version_init);
		return avif_version;
	case CODEC_UNKNOWN:
		break;
	}
	return "none";
}

/* ---- derivatives ---- */

int
codec_fit_width(uint32_t src_w, uint32_t src_h, uint32_t width, uint32_t *w, uint32_t *h)
{
	uint64_t hh;

	if (width == 0 || src_w == 0 || src_h == 0 || width > src_w)
		return -1;
	hh = ((uint64_t)src_h * width * 2 + src_w) / ((uint64_t)src_w * 2);
	*w = width;
	*h = hh ? (uint32_t)hh : 1;
	return 0;
}

int
codec_resize(const struct image *in, uint32_t width, int nthreads, struct image *out)
{
	struct image pre;
	uint32_t w, h;
	size_t i, n;
	uint8_t *p;
	unsigned a, k, v;

	memset(out, 0, sizeof(*out));
	if (codec_fit_width(in->width, in->height, width, &w, &h) < 0)
		return -1;
	if (w == in->width && h == in->height) {
		if (image_alloc(out, w, h, in->channels) < 0)
			return -1;
		memcpy(out->px, in->px, (size_t)w * h * in->channels);
		return 0;
	}
	if (!has_alpha(in))
		return resample(in, w, h, FILTER_LANCZOS3, nthreads, out);
	/* premultiplied, so that a transparent pixel's colour weighs nothing */
	n = (size_t)in->width * in->height;
	pre = *in;
	pre.px = xmalloc(n * 4);
	for (i = 0, p = pre.px; i < n; i++, p += 4) {
		a = in->px[i * 4 + 3];
		for (k = 0; k < 3; k++)
			p[k] = (uint8_t)((in->px[i * 4 + k] * a + 127) / 255);
		p[3] = (uint8_t)a;
	}
	if (resample(&pre, w, h, FILTER_LANCZOS3, nthreads, out) < 0) {
		free(pre.px);
		return -1;
	}
	free(pre.px);
	n = (size_t)w * h;
	for (i = 0, p = out->px; i < n; i++, p += 4) {
		a = p[3];
		for (k = 0; k < 3; k++) {
			v = a ? (p[k] * 255u + a / 2) / a : 0;
			p[k] = (uint8_t)(v > 255 ? 255 : v);
		}
	}
	return 0;
}
