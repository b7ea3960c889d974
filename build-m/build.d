build-m/build.o: src/build.c src/artifact.h src/key.h src/recipe.h \
 src/png.h src/buf.h src/image.h src/build.h src/plan.h src/cache/index.h \
 src/key.h src/ocr.h src/route.h src/cache/store.h src/buf.h src/crypto.h \
 src/provider/provider.h src/http.h src/image.h src/png.h src/recipe.h \
 src/render/render.h src/status.h src/http.h src/codec.h src/os.h \
 src/overlay.h src/resample.h src/seal.h src/typography.h src/util.h
src/artifact.h:
src/key.h:
src/recipe.h:
src/png.h:
src/buf.h:
src/image.h:
src/build.h:
src/plan.h:
src/cache/index.h:
src/key.h:
src/ocr.h:
src/route.h:
src/cache/store.h:
src/buf.h:
src/crypto.h:
src/provider/provider.h:
src/http.h:
src/image.h:
src/png.h:
src/recipe.h:
src/render/render.h:
src/status.h:
src/http.h:
src/codec.h:
src/os.h:
src/overlay.h:
src/resample.h:
src/seal.h:
src/typography.h:
src/util.h:
