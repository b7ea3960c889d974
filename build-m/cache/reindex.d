build-m/cache/reindex.o: src/cache/reindex.c src/buf.h \
 src/cache/reindex.h src/cache/index.h src/key.h src/recipe.h src/png.h \
 src/buf.h src/image.h src/cache/store.h src/png.h src/crypto.h \
 src/seal.h src/crypto.h src/key.h src/cache/index.h src/cache/store.h \
 src/util.h
src/buf.h:
src/cache/reindex.h:
src/cache/index.h:
src/key.h:
src/recipe.h:
src/png.h:
src/buf.h:
src/image.h:
src/cache/store.h:
src/png.h:
src/crypto.h:
src/seal.h:
src/crypto.h:
src/key.h:
src/cache/index.h:
src/cache/store.h:
src/util.h:
