build-m/artifact.o: src/artifact.c src/artifact.h src/key.h src/recipe.h \
 src/png.h src/buf.h src/image.h src/util.h
src/artifact.h:
src/key.h:
src/recipe.h:
src/png.h:
src/buf.h:
src/image.h:
src/util.h:
