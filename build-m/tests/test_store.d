build-m/tests/test_store: tests/unit/test_store.c src/buf.h src/key.h \
 src/recipe.h src/png.h src/buf.h src/image.h src/os.h src/cache/store.h \
 tests/unit/test.h src/util.h
src/buf.h:
src/key.h:
src/recipe.h:
src/png.h:
src/buf.h:
src/image.h:
src/os.h:
src/cache/store.h:
tests/unit/test.h:
src/util.h:
