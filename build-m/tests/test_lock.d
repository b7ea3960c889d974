build-m/tests/test_lock: tests/unit/test_lock.c src/buf.h src/key.h \
 src/recipe.h src/png.h src/buf.h src/image.h src/cache/lock.h \
 src/crypto.h src/os.h tests/unit/test.h src/util.h
src/buf.h:
src/key.h:
src/recipe.h:
src/png.h:
src/buf.h:
src/image.h:
src/cache/lock.h:
src/crypto.h:
src/os.h:
tests/unit/test.h:
src/util.h:
