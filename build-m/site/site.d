build-m/site/site.o: src/site/site.c src/buf.h src/c2pa/c2pa.h \
 src/crypto.h src/buf.h src/site/gallery.h src/image.h src/key.h \
 src/recipe.h src/png.h src/image.h src/os.h src/plan.h src/cache/index.h \
 src/key.h src/ocr.h src/route.h src/cache/store.h src/png.h src/pool.h \
 src/resample.h src/site/site.h src/cache/index.h src/recipe.h \
 src/site/candidates.h src/util.h
src/buf.h:
src/c2pa/c2pa.h:
src/crypto.h:
src/buf.h:
src/site/gallery.h:
src/image.h:
src/key.h:
src/recipe.h:
src/png.h:
src/image.h:
src/os.h:
src/plan.h:
src/cache/index.h:
src/key.h:
src/ocr.h:
src/route.h:
src/cache/store.h:
src/png.h:
src/pool.h:
src/resample.h:
src/site/site.h:
src/cache/index.h:
src/recipe.h:
src/site/candidates.h:
src/util.h:
