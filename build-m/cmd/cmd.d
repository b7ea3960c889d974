build-m/cmd/cmd.o: src/cmd/cmd.c src/cache/reindex.h src/cache/index.h \
 src/key.h src/recipe.h src/png.h src/buf.h src/image.h src/cache/store.h \
 src/buf.h src/cmd/cmd.h src/cache/index.h src/plan.h src/cache/index.h \
 src/key.h src/ocr.h src/route.h src/cache/store.h src/recipe.h \
 src/cache/store.h src/crypto.h src/discover.h src/inputs.h src/os.h \
 src/util.h
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
src/crypto.h:
src/discover.h:
src/inputs.h:
src/os.h:
src/util.h:
