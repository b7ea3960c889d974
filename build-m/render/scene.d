build-m/render/scene.o: src/render/scene.c src/render/internal.h \
 src/render/render.h src/image.h src/recipe.h src/png.h src/buf.h \
 src/image.h src/util.h
src/render/internal.h:
src/render/render.h:
src/image.h:
src/recipe.h:
src/png.h:
src/buf.h:
src/image.h:
src/util.h:
