build-m/tests/test_reindex: tests/unit/test_reindex.c src/buf.h \
 src/cache/reindex.h src/cache/index.h src/key.h src/recipe.h src/png.h \
 src/buf.h src/image.h src/cache/store.h src/image.h src/cache/index.h \
 src/png.h src/cache/store.h tests/unit/test.h src/util.h
src/buf.h:
src/cache/reindex.h:
src/cache/index.h:
src/key.h:
src/recipe.h:
src/png.h:
src/buf.h:
src/image.h:
src/cache/store.h:
src/image.h:
src/cache/index.h:
src/png.h:
src/cache/store.h:
tests/unit/test.h:
src/util.h:
