build-m/tests/test_ocr: tests/unit/test_ocr.c src/image.h src/ocr.h \
 src/image.h src/render/render.h src/recipe.h src/png.h src/buf.h \
 src/util.h tests/unit/test.h
src/image.h:
src/ocr.h:
src/image.h:
src/render/render.h:
src/recipe.h:
src/png.h:
src/buf.h:
src/util.h:
tests/unit/test.h:
