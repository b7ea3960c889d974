build-m/tests/test_os: tests/unit/test_os.c src/buf.h src/os.h src/buf.h \
 tests/unit/test.h src/util.h
src/buf.h:
src/os.h:
src/buf.h:
tests/unit/test.h:
src/util.h:
