build-m/cache/lock.o: src/cache/lock.c src/buf.h src/cache/lock.h \
 src/key.h src/recipe.h src/png.h src/buf.h src/image.h src/crypto.h \
 src/os.h src/util.h
src/buf.h:
src/cache/lock.h:
src/key.h:
src/recipe.h:
src/png.h:
src/buf.h:
src/image.h:
src/crypto.h:
src/os.h:
src/util.h:
