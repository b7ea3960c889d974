/* avif_lazy.c - libavif, loaded the first time it is called (lazy.h)
 *
 * libavif brings 28 shared libraries: five AV1 codecs (aom, dav1d,
 * libgav1, rav1e, SVT-AV1), libyuv, abseil and the C++ runtime.  Linked,
 * they made every start slower, a no-op build included (docs/codecs.md
 * has the figures); only a build that reads or writes AVIF loads them.
 * codec.c is the one caller.  When libavif is missing, the constructors
 * return NULL and codec.c says "libavif is not available".
 */
#include <stddef.h>
#include <stdint.h>

#include <avif/avif.h>

#include "lazy.h"

static struct lazy_lib libavif = { "libavif.so.15", 0, 0, NULL };

LAZY(libavif, const char *, avifVersion, (void), (), "(not loaded)")
LAZY_VOID(libavif, avifCodecVersions, (char out[256]), (out))
LAZY(libavif, unsigned int, avifLibYUVVersion, (void), (), 0)
LAZY(libavif, const char *, avifResultToString, (avifResult r), (r), "libavif is not available")
LAZY_VOID(libavif, avifRWDataFree, (avifRWData *raw), (raw))
LAZY(libavif, avifImage *, avifImageCreate,
     (uint32_t width, uint32_t height, uint32_t depth, avifPixelFormat format),
     (width, height, depth, format), NULL)
LAZY_VOID(libavif, avifImageDestroy, (avifImage *image), (image))
LAZY_VOID(libavif, avifImageSetMetadataXMP, (avifImage *image, const uint8_t *xmp, size_t len),
	  (image, xmp, len))
LAZY_VOID(libavif, avifRGBImageSetDefaults, (avifRGBImage *rgb, const avifImage *image), (rgb, image))
LAZY(libavif, avifResult, avifImageRGBToYUV, (avifImage *image, const avifRGBImage *rgb), (image, rgb),
     AVIF_RESULT_UNKNOWN_ERROR)
LAZY(libavif, avifResult, avifImageYUVToRGB, (const avifImage *image, avifRGBImage *rgb), (image, rgb),
     AVIF_RESULT_UNKNOWN_ERROR)
LAZY(libavif, avifDecoder *, avifDecoderCreate, (void), (), NULL)
LAZY_VOID(libavif, avifDecoderDestroy, (avifDecoder *dec), (dec))
LAZY(libavif, avifResult, avifDecoderSetIOMemory, (avifDecoder *dec, const uint8_t *data, size_t len),
     (dec, data, len), AVIF_RESULT_UNKNOWN_ERROR)
LAZY(libavif, avifResult, avifDecoderParse, (avifDecoder *dec), (dec), AVIF_RESULT_UNKNOWN_ERROR)
LAZY(libavif, avifResult, avifDecoderNextImage, (avifDecoder *dec), (dec), AVIF_RESULT_UNKNOWN_ERROR)
LAZY(libavif, avifEncoder *, avifEncoderCreate, (void), (), NULL)
LAZY_VOID(libavif, avifEncoderDestroy, (avifEncoder *enc), (enc))
LAZY_VOID(libavif, avifEncoderSetCodecSpecificOption, (avifEncoder *enc, const char *key, const char *value),
	  (enc, key, value))
LAZY(libavif, avifResult, avifEncoderWrite, (avifEncoder *enc, const avifImage *image, avifRWData *out),
     (enc, image, out), AVIF_RESULT_UNKNOWN_ERROR)
