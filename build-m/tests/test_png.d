build-m/tests/test_png: tests/unit/test_png.c src/buf.h src/image.h \
 src/png.h src/buf.h src/image.h src/util.h tests/unit/test.h
src/buf.h:
src/image.h:
src/png.h:
src/buf.h:
src/image.h:
src/util.h:
tests/unit/test.h:
