build-m/tests/test_resample: tests/unit/test_resample.c src/image.h \
 src/resample.h src/image.h src/util.h tests/unit/test.h
src/image.h:
src/resample.h:
src/image.h:
src/util.h:
tests/unit/test.h:
