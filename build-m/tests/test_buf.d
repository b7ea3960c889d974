build-m/tests/test_buf: tests/unit/test_buf.c src/buf.h tests/unit/test.h
src/buf.h:
tests/unit/test.h:
