build-m/tests/test_crypto: tests/unit/test_crypto.c src/buf.h \
 src/crypto.h src/buf.h src/os.h src/util.h tests/unit/test.h
src/buf.h:
src/crypto.h:
src/buf.h:
src/os.h:
src/util.h:
tests/unit/test.h:
