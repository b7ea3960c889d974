build-m/route.o: src/route.c src/route.h src/recipe.h src/png.h src/buf.h \
 src/image.h
src/route.h:
src/recipe.h:
src/png.h:
src/buf.h:
src/image.h:
