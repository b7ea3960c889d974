build-m/render/prompt.o: src/render/prompt.c src/render/internal.h \
 src/render/render.h src/image.h src/recipe.h src/png.h src/buf.h \
 src/image.h
src/render/internal.h:
src/render/render.h:
src/image.h:
src/recipe.h:
src/png.h:
src/buf.h:
src/image.h:
