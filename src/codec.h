/* codec.h - image files in and out: PNG, JPEG, WebP and AVIF
 *
 * codec.c is the one caller of libjpeg-turbo, libwebp (with libwebpmux)
 * and libavif; PNG goes through png.c, the one libpng includer.  None
 * of their types appear here.
 *
 * Reading: codec_sniff tells the format from the first bytes (never from
 * a file name or a MIME type, which hosted models get wrong);
 * codec_probe reads the header only; codec_decode checks the size
 * against struct codec_limits before it allocates a pixel, then decodes
 * to 8-bit RGB or RGBA.  Truncated, corrupt or oversized input is an
 * error with a short lowercase reason ("truncated jpeg data", "image too
 * large: ..."), never a crash or a partial image.
 *
 * Writing: codec_encode makes WebP, AVIF, JPEG or PNG at a quality, with
 * an XMP packet in the format's own container, and a C2PA manifest store
 * carried where the format has a place for one.  The same image and
 * options give the same bytes with the same library versions
 * (codec_version names them, for cache keys).  docs/codecs.md has the
 * settings, and why.
 */
#ifndef CODEC_H
#define CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "image.h"

enum codec_format {
	CODEC_UNKNOWN,
	CODEC_PNG,
	CODEC_JPEG,
	CODEC_WEBP,
	CODEC_AVIF,
};

/* "png", "jpeg", "webp", "avif" ("unknown" for CODEC_UNKNOWN). */
const char *codec_format_name(enum codec_format f);
/* "image/png", ... ("application/octet-stream" for CODEC_UNKNOWN). */
const char *codec_format_mime(enum codec_format f);
/* "png" | "jpeg" | "jpg" | "webp" | "avif" -> format; -1 if unknown. */
int codec_format_parse(const char *name, enum codec_format *out);

/* The format the bytes start as: PNG 89 50 4E 47 0D 0A 1A 0A, JPEG FF D8 FF,
 * WebP "RIFF" size "WEBP", AVIF an ftyp box naming the brand avif or avis
 * (as major or compatible brand).  CODEC_UNKNOWN otherwise. */
enum codec_format codec_sniff(const void *data, size_t len);

/* Defaults of struct codec_limits (a zero field takes these). */
#define CODEC_MAX_BYTES ((uint64_t)64 << 20)            /* 64 MiB of file */
#define CODEC_MAX_SIDE IMAGE_MAX_SIDE                   /* 8192 */
#define CODEC_MAX_PIXELS ((uint64_t)32 << 20)           /* 32 Mpx: 128 MiB as RGBA */

struct codec_limits {
	uint64_t max_bytes;     /* of the encoded input */
	uint32_t max_side;      /* width and height, each */
	uint64_t max_pixels;    /* width * height */
};

struct codec_info {
	enum codec_format format;
	uint32_t width, height;   /* as decoded: after a JPEG's EXIF orientation */
	int alpha;                /* the file has alpha (a PNG's tRNS: seen by codec_decode only) */
	int orientation;          /* EXIF orientation applied (JPEG), 1-8; 1 when none */
};

/* The format, size and alpha from the header alone, with limits checked
 * (lim NULL: the defaults).  No pixels are decoded.  Returns 0, or -1
 * with *err set (malloc'd). */
int codec_probe(const void *data, size_t len, const struct codec_limits *lim,
		struct codec_info *info, char **err);

/* Decode PNG, JPEG, WebP or AVIF into img (3 channels, or 4 when the file
 * has alpha).  A JPEG's EXIF orientation is applied to the pixels.  info
 * may be NULL.  Returns 0, or -1 with *err set (malloc'd) and img empty.
 * AVIF decoding loads libavif on first use (see docs/codecs.md). */
int codec_decode(const void *data, size_t len, const struct codec_limits *lim,
		 struct image *img, struct codec_info *info, char **err);

/* Default qualities, those of sharp (libvips) so a comparison is fair. */
#define CODEC_JPEG_QUALITY 80
#define CODEC_WEBP_QUALITY 80
#define CODEC_AVIF_QUALITY 50
/* Default speeds (docs/codecs.md has the measurements). */
#define CODEC_WEBP_METHOD 4     /* libwebp method 0 (fast) .. 6 (small) */
#define CODEC_AVIF_SPEED 6      /* libavif speed 0 (small) .. 10 (fast), with aom */
/* The longest XMP packet one JPEG APP1 segment holds (no Extended XMP). */
#define CODEC_JPEG_XMP_MAX 65502

struct codec_encode_opts {
	int quality;            /* 1-100; 0: the format's default above */
	int speed;              /* 0: the default; else AVIF speed 1-10, WebP method 1-6 */
	int chroma444;          /* JPEG and AVIF: no chroma subsampling (default 4:2:0) */
	uint32_t matte;         /* JPEG: 0xRRGGBB composited under alpha (0: black, as libvips) */
	const char *xmp;        /* an XMP packet (UTF-8), or NULL */
	size_t xmp_len;
	/* A C2PA manifest store, a JUMBF superbox, carried as is: JPEG APP11
	 * segments (JPEG XT box carriage, split as needed), WebP a "C2PA"
	 * chunk.  PNG and AVIF: an error, not yet carried.  NULL: none. */
	const uint8_t *c2pa;
	size_t c2pa_len;
};

/* Where the C2PA carrier landed in the output (for a signer's exclusion
 * range): bytes [at, at + len) of what codec_encode appended. */
struct codec_c2pa_span {
	size_t at, len;
};

/* Encode img as fmt, appending to out.  o NULL: the defaults, no
 * metadata.  An RGBA image whose alpha is 255 everywhere is written
 * without alpha; JPEG has none, so alpha is composited over o->matte.
 * span (may be NULL) receives the C2PA carrier's place.  Single-threaded,
 * so it is safe to call from several threads at once.  Returns 0, or -1
 * with *err set (malloc'd) and out unchanged. */
int codec_encode(const struct image *img, enum codec_format fmt,
		 const struct codec_encode_opts *o, struct buf *out,
		 struct codec_c2pa_span *span, char **err);

/* The library that writes fmt and its version, for cache keys:
 * "libjpeg-turbo 2.1.5", "libwebp 1.2.4 (mux 1.2.4)",
 * "libavif 0.11.1 (aom v3.6.0, libyuv 1844)", "libpng 1.6.39".  The
 * AVIF one loads libavif.  Static storage. */
const char *codec_version(enum codec_format fmt);

/* The size of a derivative width wide: the height keeps the aspect ratio
 * (rounded, at least 1).  Returns -1 when width is 0 or above the
 * source's (derivatives are never upscaled). */
int codec_fit_width(uint32_t src_w, uint32_t src_h, uint32_t width, uint32_t *w, uint32_t *h);

/* Resize in to width (codec_fit_width) with the lanczos3 resampler into
 * out (allocated here); a copy at the source width.  RGBA is resampled
 * premultiplied, so transparent pixels' colours do not bleed.
 * nthreads <= 0: online CPUs; the result does not depend on it.
 * Returns 0, or -1 on a width out of range. */
int codec_resize(const struct image *in, uint32_t width, int nthreads, struct image *out);

#endif
