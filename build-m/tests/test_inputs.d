build-m/tests/test_inputs: tests/unit/test_inputs.c src/inputs.h \
 src/key.h src/recipe.h src/png.h src/buf.h src/image.h src/key.h \
 src/recipe.h tests/unit/test.h src/util.h
src/inputs.h:
src/key.h:
src/recipe.h:
src/png.h:
src/buf.h:
src/image.h:
src/key.h:
src/recipe.h:
tests/unit/test.h:
src/util.h:
