build-m/render/text.o: src/render/text.c src/font.h src/render/internal.h \
 src/render/render.h src/image.h src/recipe.h src/png.h src/buf.h \
 src/image.h src/util.h
src/font.h:
src/render/internal.h:
src/render/render.h:
src/image.h:
src/recipe.h:
src/png.h:
src/buf.h:
src/image.h:
src/util.h:
