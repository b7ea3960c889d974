build-m/provider/a1111.o: src/provider/a1111.c src/provider/provider.h \
 src/buf.h src/http.h src/buf.h src/image.h src/png.h src/image.h \
 src/recipe.h src/png.h src/render/render.h src/util.h
src/provider/provider.h:
src/buf.h:
src/http.h:
src/buf.h:
src/image.h:
src/png.h:
src/image.h:
src/recipe.h:
src/png.h:
src/render/render.h:
src/util.h:
