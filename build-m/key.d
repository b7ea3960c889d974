build-m/key.o: src/key.c src/fit.h src/image.h src/recipe.h src/png.h \
 src/buf.h src/key.h src/overlay.h src/util.h
src/fit.h:
src/image.h:
src/recipe.h:
src/png.h:
src/buf.h:
src/key.h:
src/overlay.h:
src/util.h:
