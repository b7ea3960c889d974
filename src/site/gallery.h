/* site/gallery.h - the gallery's stylesheet and script, embedded at build time
 *
 * src/site/gallery.css and src/site/gallery.js are copied byte for byte
 * into index.html.  tools/embed.sh writes them into a C file in the build
 * directory; each array is the file's bytes and a NUL.
 *
 * The script: filters (also from the address:
 * index.html#tag=icon&model=local), copy-the-key, and with #selftest a
 * check that every image loaded, that matrix variants share a row and that
 * nothing was fetched from anywhere else, reported in <pre id=selftest> and
 * the title (for headless tests).
 */
#ifndef SITE_GALLERY_H
#define SITE_GALLERY_H

extern const char gallery_css[];
extern const char gallery_js[];

#endif
