build-m/tests/test_providers: tests/unit/test_providers.c src/http.h \
 src/buf.h src/png.h src/image.h src/provider/provider.h src/buf.h \
 src/image.h src/recipe.h src/png.h src/render/render.h src/redact.h \
 tests/unit/test.h src/util.h
src/http.h:
src/buf.h:
src/png.h:
src/image.h:
src/provider/provider.h:
src/buf.h:
src/image.h:
src/recipe.h:
src/png.h:
src/render/render.h:
src/redact.h:
tests/unit/test.h:
src/util.h:
