build-m/cmd/cache.o: src/cmd/cache.c src/cache/reindex.h \
 src/cache/index.h src/key.h src/recipe.h src/png.h src/buf.h src/image.h \
 src/cache/store.h src/buf.h src/cmd/cmd.h src/cache/index.h src/plan.h \
 src/cache/index.h src/key.h src/ocr.h src/route.h src/cache/store.h \
 src/recipe.h src/cache/store.h src/cache/sync.h src/build.h src/plan.h \
 src/crypto.h src/provider/provider.h src/http.h src/image.h src/png.h \
 src/render/render.h src/status.h src/cmd/cmd.h src/cache/lock.h \
 src/crypto.h src/cache/remote.h src/util.h
src/cache/reindex.h:
src/cache/index.h:
src/key.h:
src/recipe.h:
src/png.h:
src/buf.h:
src/image.h:
src/cache/store.h:
src/buf.h:
src/cmd/cmd.h:
src/cache/index.h:
src/plan.h:
src/cache/index.h:
src/key.h:
src/ocr.h:
src/route.h:
src/cache/store.h:
src/recipe.h:
src/cache/store.h:
src/cache/sync.h:
src/build.h:
src/plan.h:
src/crypto.h:
src/provider/provider.h:
src/http.h:
src/image.h:
src/png.h:
src/render/render.h:
src/status.h:
src/cmd/cmd.h:
src/cache/lock.h:
src/crypto.h:
src/cache/remote.h:
src/util.h:
