build-m/recipe.o: src/recipe.c src/buf.h src/discover.h src/inputs.h \
 src/key.h src/recipe.h src/png.h src/image.h src/os.h src/overlay.h \
 src/provider/provider.h src/buf.h src/http.h src/image.h src/png.h \
 src/recipe.h src/render/render.h src/util.h
src/buf.h:
src/discover.h:
src/inputs.h:
src/key.h:
src/recipe.h:
src/png.h:
src/image.h:
src/os.h:
src/overlay.h:
src/provider/provider.h:
src/buf.h:
src/http.h:
src/image.h:
src/png.h:
src/recipe.h:
src/render/render.h:
src/util.h:
