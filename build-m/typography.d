build-m/typography.o: src/typography.c src/buf.h src/ocr.h src/image.h \
 src/typography.h src/plan.h src/cache/index.h src/key.h src/recipe.h \
 src/png.h src/key.h src/route.h src/cache/store.h src/buf.h src/util.h
src/buf.h:
src/ocr.h:
src/image.h:
src/typography.h:
src/plan.h:
src/cache/index.h:
src/key.h:
src/recipe.h:
src/png.h:
src/key.h:
src/route.h:
src/cache/store.h:
src/buf.h:
src/util.h:
