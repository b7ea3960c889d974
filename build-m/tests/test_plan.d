build-m/tests/test_plan: tests/unit/test_plan.c src/cache/index.h \
 src/key.h src/recipe.h src/png.h src/buf.h src/image.h src/os.h \
 src/plan.h src/cache/index.h src/key.h src/ocr.h src/route.h \
 src/cache/store.h src/buf.h src/recipe.h src/cache/store.h \
 tests/unit/test.h src/util.h
src/cache/index.h:
src/key.h:
src/recipe.h:
src/png.h:
src/buf.h:
src/image.h:
src/os.h:
src/plan.h:
src/cache/index.h:
src/key.h:
src/ocr.h:
src/route.h:
src/cache/store.h:
src/buf.h:
src/recipe.h:
src/cache/store.h:
tests/unit/test.h:
src/util.h:
