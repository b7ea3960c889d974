build-m/tests/test_pool: tests/unit/test_pool.c src/pool.h \
 tests/unit/test.h
src/pool.h:
tests/unit/test.h:
