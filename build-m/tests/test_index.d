build-m/tests/test_index: tests/unit/test_index.c src/buf.h \
 src/cache/index.h src/key.h src/recipe.h src/png.h src/buf.h src/image.h \
 src/os.h tests/unit/test.h src/util.h
src/buf.h:
src/cache/index.h:
src/key.h:
src/recipe.h:
src/png.h:
src/buf.h:
src/image.h:
src/os.h:
tests/unit/test.h:
src/util.h:
