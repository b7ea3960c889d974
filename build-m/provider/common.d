build-m/provider/common.o: src/provider/common.c src/crypto.h src/buf.h \
 src/provider/provider.h src/buf.h src/http.h src/image.h src/png.h \
 src/image.h src/recipe.h src/png.h src/render/render.h src/redact.h \
 src/util.h
src/crypto.h:
src/buf.h:
src/provider/provider.h:
src/buf.h:
src/http.h:
src/image.h:
src/png.h:
src/image.h:
src/recipe.h:
src/png.h:
src/render/render.h:
src/redact.h:
src/util.h:
