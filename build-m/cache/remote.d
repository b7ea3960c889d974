build-m/cache/remote.o: src/cache/remote.c src/cache/actionresult.h \
 src/buf.h src/crypto.h src/buf.h src/http.h src/os.h src/redact.h \
 src/cache/remote.h src/cache/index.h src/key.h src/recipe.h src/png.h \
 src/image.h src/cache/store.h src/util.h
src/cache/actionresult.h:
src/buf.h:
src/crypto.h:
src/buf.h:
src/http.h:
src/os.h:
src/redact.h:
src/cache/remote.h:
src/cache/index.h:
src/key.h:
src/recipe.h:
src/png.h:
src/image.h:
src/cache/store.h:
src/util.h:
