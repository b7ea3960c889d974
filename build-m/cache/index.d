build-m/cache/index.o: src/cache/index.c src/buf.h src/cache/index.h \
 src/key.h src/recipe.h src/png.h src/buf.h src/image.h src/os.h \
 src/util.h
src/buf.h:
src/cache/index.h:
src/key.h:
src/recipe.h:
src/png.h:
src/buf.h:
src/image.h:
src/os.h:
src/util.h:
