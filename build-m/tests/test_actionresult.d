build-m/tests/test_actionresult: tests/unit/test_actionresult.c \
 src/cache/actionresult.h src/buf.h src/crypto.h src/buf.h \
 tests/unit/test.h
src/cache/actionresult.h:
src/buf.h:
src/crypto.h:
src/buf.h:
tests/unit/test.h:
