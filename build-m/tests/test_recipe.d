build-m/tests/test_recipe: tests/unit/test_recipe.c src/buf.h \
 src/discover.h src/recipe.h src/png.h src/buf.h src/image.h \
 tests/unit/test.h src/util.h
src/buf.h:
src/discover.h:
src/recipe.h:
src/png.h:
src/buf.h:
src/image.h:
tests/unit/test.h:
src/util.h:
