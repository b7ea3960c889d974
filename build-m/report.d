build-m/report.o: src/report.c src/os.h src/buf.h src/report.h \
 src/build.h src/plan.h src/cache/index.h src/key.h src/recipe.h \
 src/png.h src/image.h src/key.h src/ocr.h src/route.h src/cache/store.h \
 src/buf.h src/crypto.h src/provider/provider.h src/http.h src/image.h \
 src/png.h src/recipe.h src/render/render.h src/status.h \
 src/cache/remote.h src/cache/index.h src/crypto.h src/cache/store.h \
 src/util.h
src/os.h:
src/buf.h:
src/report.h:
src/build.h:
src/plan.h:
src/cache/index.h:
src/key.h:
src/recipe.h:
src/png.h:
src/image.h:
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
src/cache/remote.h:
src/cache/index.h:
src/crypto.h:
src/cache/store.h:
src/util.h:
