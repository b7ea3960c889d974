build-m/cmd/init.o: src/cmd/init.c src/buf.h src/cmd/cmd.h \
 src/cache/index.h src/key.h src/recipe.h src/png.h src/buf.h src/image.h \
 src/plan.h src/cache/index.h src/key.h src/ocr.h src/route.h \
 src/cache/store.h src/recipe.h src/cache/store.h src/os.h src/util.h
src/buf.h:
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
src/recipe.h:
src/cache/store.h:
src/os.h:
src/util.h:
