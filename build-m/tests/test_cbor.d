build-m/tests/test_cbor: tests/unit/test_cbor.c src/buf.h src/c2pa/cbor.h \
 src/util.h tests/unit/test.h
src/buf.h:
src/c2pa/cbor.h:
src/util.h:
tests/unit/test.h:
