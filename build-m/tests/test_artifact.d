build-m/tests/test_artifact: tests/unit/test_artifact.c src/artifact.h \
 src/key.h src/recipe.h src/png.h src/buf.h src/image.h src/key.h \
 src/png.h src/recipe.h tests/unit/test.h src/util.h
src/artifact.h:
src/key.h:
src/recipe.h:
src/png.h:
src/buf.h:
src/image.h:
src/key.h:
src/png.h:
src/recipe.h:
tests/unit/test.h:
src/util.h:
