build-m/cmd/build.o: src/cmd/build.c src/build.h src/plan.h \
 src/cache/index.h src/key.h src/recipe.h src/png.h src/buf.h src/image.h \
 src/key.h src/ocr.h src/route.h src/cache/store.h src/buf.h src/crypto.h \
 src/provider/provider.h src/http.h src/image.h src/png.h src/recipe.h \
 src/render/render.h src/status.h src/cmd/cmd.h src/cache/index.h \
 src/plan.h src/cache/store.h src/cache/buildstate.h src/os.h \
 src/params.h src/report.h src/build.h src/cache/remote.h \
 src/cache/index.h src/crypto.h src/cache/store.h src/site/site.h \
 src/status.h src/cache/sync.h src/cmd/cmd.h src/cache/lock.h \
 src/cache/remote.h src/util.h
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
src/cache/buildstate.h:
src/os.h:
src/params.h:
src/report.h:
src/build.h:
src/cache/remote.h:
src/cache/index.h:
src/crypto.h:
src/cache/store.h:
src/site/site.h:
src/status.h:
src/cache/sync.h:
src/cmd/cmd.h:
src/cache/lock.h:
src/cache/remote.h:
src/util.h:
