build-m/tests/test_site: tests/unit/test_site.c src/buf.h src/image.h \
 src/png.h src/buf.h src/image.h src/site/site.h src/cache/index.h \
 src/key.h src/recipe.h src/png.h src/recipe.h tests/unit/test.h
src/buf.h:
src/image.h:
src/png.h:
src/buf.h:
src/image.h:
src/site/site.h:
src/cache/index.h:
src/key.h:
src/recipe.h:
src/png.h:
src/recipe.h:
tests/unit/test.h:
