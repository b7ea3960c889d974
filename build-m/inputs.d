build-m/inputs.o: src/inputs.c src/inputs.h src/key.h src/recipe.h \
 src/png.h src/buf.h src/image.h src/util.h
src/inputs.h:
src/key.h:
src/recipe.h:
src/png.h:
src/buf.h:
src/image.h:
src/util.h:
