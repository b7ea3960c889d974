build-m/cmd/credentials.o: src/cmd/credentials.c src/cmd/cmd.h \
 src/cache/index.h src/key.h src/recipe.h src/png.h src/buf.h src/image.h \
 src/plan.h src/cache/index.h src/key.h src/ocr.h src/route.h \
 src/cache/store.h src/buf.h src/recipe.h src/cache/store.h src/crypto.h \
 src/os.h src/util.h
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
src/crypto.h:
src/os.h:
src/util.h:
