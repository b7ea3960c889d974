build-m/tests/test_c2pa: tests/unit/test_c2pa.c src/buf.h src/c2pa/c2pa.h \
 src/crypto.h src/buf.h src/c2pa/cbor.h src/image.h src/c2pa/jumbf.h \
 src/os.h src/png.h src/image.h src/util.h tests/unit/test.h
src/buf.h:
src/c2pa/c2pa.h:
src/crypto.h:
src/buf.h:
src/c2pa/cbor.h:
src/image.h:
src/c2pa/jumbf.h:
src/os.h:
src/png.h:
src/image.h:
src/util.h:
tests/unit/test.h:
