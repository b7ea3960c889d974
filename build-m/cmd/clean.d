build-m/cmd/clean.o: src/cmd/clean.c src/cmd/cmd.h src/cache/index.h \
 src/key.h src/recipe.h src/png.h src/buf.h src/image.h src/plan.h \
 src/cache/index.h src/key.h src/ocr.h src/route.h src/cache/store.h \
 src/buf.h src/recipe.h src/cache/store.h src/cache/buildstate.h src/os.h \
 src/site/site.h src/util.h
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
src/cache/buildstate.h:
src/os.h:
src/site/site.h:
src/util.h:
