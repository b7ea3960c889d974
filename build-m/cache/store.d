build-m/cache/store.o: src/cache/store.c src/os.h src/buf.h \
 src/cache/store.h src/buf.h src/key.h src/recipe.h src/png.h src/image.h \
 src/util.h
src/os.h:
src/buf.h:
src/cache/store.h:
src/buf.h:
src/key.h:
src/recipe.h:
src/png.h:
src/image.h:
src/util.h:
