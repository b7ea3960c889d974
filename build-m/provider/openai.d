build-m/provider/openai.o: src/provider/openai.c src/provider/provider.h \
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
