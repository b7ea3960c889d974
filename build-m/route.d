build-m/route.o: src/route.c src/fit.h src/image.h src/recipe.h src/png.h \
 src/buf.h src/provider/provider.h src/buf.h src/http.h src/image.h \
 src/png.h src/recipe.h src/render/render.h src/route.h
src/fit.h:
src/image.h:
src/recipe.h:
src/png.h:
src/buf.h:
src/provider/provider.h:
src/buf.h:
src/http.h:
src/image.h:
src/png.h:
src/recipe.h:
src/render/render.h:
src/route.h:
