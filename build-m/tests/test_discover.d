build-m/tests/test_discover: tests/unit/test_discover.c src/discover.h \
 src/recipe.h src/png.h src/buf.h src/image.h tests/unit/test.h \
 src/util.h
src/discover.h:
src/recipe.h:
src/png.h:
src/buf.h:
src/image.h:
tests/unit/test.h:
src/util.h:
