build-m/seal.o: src/seal.c src/c2pa/c2pa.h src/buf.h src/crypto.h \
 src/buf.h src/crypto.h src/plan.h src/cache/index.h src/key.h \
 src/recipe.h src/png.h src/image.h src/key.h src/ocr.h src/route.h \
 src/cache/store.h src/seal.h src/util.h
src/c2pa/c2pa.h:
src/buf.h:
src/crypto.h:
src/buf.h:
src/crypto.h:
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
src/seal.h:
src/util.h:
