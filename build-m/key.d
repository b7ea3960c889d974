build-m/key.o: src/key.c src/key.h src/recipe.h src/png.h src/buf.h \
 src/image.h src/overlay.h src/util.h
src/key.h:
src/recipe.h:
src/png.h:
src/buf.h:
src/image.h:
src/overlay.h:
src/util.h:
