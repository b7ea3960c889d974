/* tess_lazy.c - libtesseract, loaded the first time it is called (lazy.h)
 *
 * libtesseract brings 56 shared libraries (leptonica, the C++ runtime,
 * OpenMP, libarchive, and libcurl with all of its own): only a build that
 * reads text back loads them.  Opened RTLD_GLOBAL, so that ocr.c finds
 * OpenMP's functions with dlsym(RTLD_DEFAULT) once it is in.
 */
#include <stddef.h>

#include <tesseract/capi.h>

#include "lazy.h"

static struct lazy_lib libtess = { "libtesseract.so.5", 1, 0, NULL };

/* capi.h declares these two without a prototype: give them one */
const char *TessVersion(void);
TessBaseAPI *TessBaseAPICreate(void);

LAZY(libtess, const char *, TessVersion, (void), (), "(not loaded)")
LAZY_VOID(libtess, TessDeleteText, (const char *text), (text))
LAZY(libtess, TessBaseAPI *, TessBaseAPICreate, (void), (), NULL)
LAZY_VOID(libtess, TessBaseAPIDelete, (TessBaseAPI *h), (h))
LAZY_VOID(libtess, TessBaseAPIEnd, (TessBaseAPI *h), (h))
LAZY_VOID(libtess, TessBaseAPIClear, (TessBaseAPI *h), (h))
LAZY(libtess, BOOL, TessBaseAPISetVariable, (TessBaseAPI *h, const char *name, const char *value),
     (h, name, value), 0)
LAZY(libtess, int, TessBaseAPIInit3, (TessBaseAPI *h, const char *datapath, const char *language),
     (h, datapath, language), -1)
LAZY_VOID(libtess, TessBaseAPISetPageSegMode, (TessBaseAPI *h, TessPageSegMode mode), (h, mode))
LAZY_VOID(libtess, TessBaseAPISetImage, (TessBaseAPI *h, const unsigned char *data, int width,
				       int height, int bytes_per_pixel, int bytes_per_line),
	  (h, data, width, height, bytes_per_pixel, bytes_per_line))
LAZY(libtess, char *, TessBaseAPIGetUTF8Text, (TessBaseAPI *h), (h), NULL)
