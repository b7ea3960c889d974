build-m/cmd/watch.o: src/cmd/watch.c src/build.h src/plan.h \
 src/cache/index.h src/key.h src/recipe.h src/png.h src/buf.h src/image.h \
 src/key.h src/ocr.h src/route.h src/cache/store.h src/buf.h src/crypto.h \
 src/provider/provider.h src/http.h src/image.h src/png.h src/recipe.h \
 src/render/render.h src/status.h src/cmd/cmd.h src/cache/index.h \
 src/plan.h src/cache/store.h src/inputs.h src/os.h src/site/serve.h \
 src/util.h
src/build.h:
src/plan.h:
src/cache/index.h:
src/key.h:
src/recipe.h:
src/png.h:
src/buf.h:
src/image.h:
src/key.h:
src/ocr.h:
src/route.h:
src/cache/store.h:
src/buf.h:
src/crypto.h:
src/provider/provider.h:
src/http.h:
src/image.h:
src/png.h:
src/recipe.h:
src/render/render.h:
src/status.h:
src/cmd/cmd.h:
src/cache/index.h:
src/plan.h:
src/cache/store.h:
src/inputs.h:
src/os.h:
src/site/serve.h:
src/util.h:
