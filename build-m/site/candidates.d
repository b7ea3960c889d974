build-m/site/candidates.o: src/site/candidates.c src/ocr.h src/image.h \
 src/os.h src/buf.h src/site/site.h src/cache/index.h src/key.h \
 src/recipe.h src/png.h src/recipe.h src/site/candidates.h src/buf.h \
 src/plan.h src/cache/index.h src/key.h src/ocr.h src/route.h \
 src/cache/store.h src/cache/store.h src/util.h
src/ocr.h:
src/image.h:
src/os.h:
src/buf.h:
src/site/site.h:
src/cache/index.h:
src/key.h:
src/recipe.h:
src/png.h:
src/recipe.h:
src/site/candidates.h:
src/buf.h:
src/plan.h:
src/cache/index.h:
src/key.h:
src/ocr.h:
src/route.h:
src/cache/store.h:
src/cache/store.h:
src/util.h:
