build-m/tests/test_overlay: tests/unit/test_overlay.c src/artifact.h \
 src/key.h src/recipe.h src/png.h src/buf.h src/image.h src/buf.h \
 src/image.h src/key.h src/os.h src/overlay.h src/png.h src/util.h \
 tests/unit/test.h
src/artifact.h:
src/key.h:
src/recipe.h:
src/png.h:
src/buf.h:
src/image.h:
src/buf.h:
src/image.h:
src/key.h:
src/os.h:
src/overlay.h:
src/png.h:
src/util.h:
tests/unit/test.h:
