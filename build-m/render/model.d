build-m/render/model.o: src/render/model.c src/image.h \
 src/render/internal.h src/render/render.h src/recipe.h src/png.h \
 src/buf.h src/image.h src/util.h
src/image.h:
src/render/internal.h:
src/render/render.h:
src/recipe.h:
src/png.h:
src/buf.h:
src/image.h:
src/util.h:
