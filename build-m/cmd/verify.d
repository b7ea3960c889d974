build-m/cmd/verify.o: src/cmd/verify.c src/c2pa/c2pa.h src/buf.h \
 src/crypto.h src/buf.h src/cmd/cmd.h src/cache/index.h src/key.h \
 src/recipe.h src/png.h src/image.h src/plan.h src/cache/index.h \
 src/key.h src/ocr.h src/route.h src/cache/store.h src/recipe.h \
 src/cache/store.h src/os.h src/util.h
src/c2pa/c2pa.h:
src/buf.h:
src/crypto.h:
src/buf.h:
src/cmd/cmd.h:
src/cache/index.h:
src/key.h:
src/recipe.h:
src/png.h:
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
