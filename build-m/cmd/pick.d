build-m/cmd/pick.o: src/cmd/pick.c src/cmd/cmd.h src/cache/index.h \
 src/key.h src/recipe.h src/png.h src/buf.h src/image.h src/plan.h \
 src/cache/index.h src/key.h src/ocr.h src/route.h src/cache/store.h \
 src/buf.h src/recipe.h src/cache/store.h src/util.h
src/cmd/cmd.h:
src/cache/index.h:
src/key.h:
src/recipe.h:
src/png.h:
src/buf.h:
src/image.h:
src/plan.h:
src/cache/index.h:
src/key.h:
src/ocr.h:
src/route.h:
src/cache/store.h:
src/buf.h:
src/recipe.h:
src/cache/store.h:
src/util.h:
