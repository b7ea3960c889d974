build-m/tests/test_key: tests/unit/test_key.c src/key.h src/recipe.h \
 src/png.h src/buf.h src/image.h src/os.h src/recipe.h tests/unit/test.h \
 src/util.h
src/key.h:
src/recipe.h:
src/png.h:
src/buf.h:
src/image.h:
src/os.h:
src/recipe.h:
tests/unit/test.h:
src/util.h:
