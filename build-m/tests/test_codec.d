build-m/tests/test_codec: tests/unit/test_codec.c src/buf.h src/codec.h \
 src/buf.h src/image.h src/image.h src/png.h src/util.h tests/unit/test.h
src/buf.h:
src/codec.h:
src/buf.h:
src/image.h:
src/image.h:
src/png.h:
src/util.h:
tests/unit/test.h:
