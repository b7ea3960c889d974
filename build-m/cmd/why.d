build-m/cmd/why.o: src/cmd/why.c src/artifact.h src/key.h src/recipe.h \
 src/png.h src/buf.h src/image.h src/buf.h src/cmd/cmd.h \
 src/cache/index.h src/key.h src/plan.h src/cache/index.h src/ocr.h \
 src/route.h src/cache/store.h src/recipe.h src/cache/store.h \
 src/c2pa/c2pa.h src/crypto.h src/cache/lock.h src/os.h src/png.h \
 src/provider/provider.h src/http.h src/image.h src/render/render.h \
 src/redact.h src/site/site.h src/util.h
src/artifact.h:
src/key.h:
src/recipe.h:
src/png.h:
src/buf.h:
src/image.h:
src/buf.h:
src/cmd/cmd.h:
src/cache/index.h:
src/key.h:
src/plan.h:
src/cache/index.h:
src/ocr.h:
src/route.h:
src/cache/store.h:
src/recipe.h:
src/cache/store.h:
src/c2pa/c2pa.h:
src/crypto.h:
src/cache/lock.h:
src/os.h:
src/png.h:
src/provider/provider.h:
src/http.h:
src/image.h:
src/render/render.h:
src/redact.h:
src/site/site.h:
src/util.h:
