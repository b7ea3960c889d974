build-m/tests/test_sign: tests/unit/test_sign.c src/site/signed_url.h \
 src/crypto.h src/buf.h tests/unit/test.h
src/site/signed_url.h:
src/crypto.h:
src/buf.h:
tests/unit/test.h:
