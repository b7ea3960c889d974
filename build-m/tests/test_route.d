build-m/tests/test_route: tests/unit/test_route.c src/recipe.h src/png.h \
 src/buf.h src/image.h src/route.h src/recipe.h tests/unit/test.h
src/recipe.h:
src/png.h:
src/buf.h:
src/image.h:
src/route.h:
src/recipe.h:
tests/unit/test.h:
