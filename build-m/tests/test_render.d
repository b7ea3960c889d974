build-m/tests/test_render: tests/unit/test_render.c src/image.h \
 src/render/render.h src/recipe.h src/png.h src/buf.h src/image.h \
 src/util.h tests/unit/test.h
src/image.h:
src/render/render.h:
src/recipe.h:
src/png.h:
src/buf.h:
src/image.h:
src/util.h:
tests/unit/test.h:
