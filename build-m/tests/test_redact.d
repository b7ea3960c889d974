build-m/tests/test_redact: tests/unit/test_redact.c src/redact.h \
 src/util.h tests/unit/test.h
src/redact.h:
src/util.h:
tests/unit/test.h:
