build-m/plan.o: src/plan.c src/artifact.h src/key.h src/recipe.h \
 src/png.h src/buf.h src/image.h src/os.h src/plan.h src/cache/index.h \
 src/key.h src/ocr.h src/route.h src/cache/store.h src/buf.h \
 src/provider/provider.h src/http.h src/image.h src/png.h src/recipe.h \
 src/render/render.h src/typography.h src/util.h
src/artifact.h:
src/key.h:
src/recipe.h:
src/png.h:
src/buf.h:
src/image.h:
src/os.h:
src/plan.h:
src/cache/index.h:
src/key.h:
src/ocr.h:
src/route.h:
src/cache/store.h:
src/buf.h:
src/provider/provider.h:
src/http.h:
src/image.h:
src/png.h:
src/recipe.h:
src/render/render.h:
src/typography.h:
src/util.h:
