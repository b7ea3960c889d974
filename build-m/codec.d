build-m/codec.o: src/codec.c src/codec.h src/buf.h src/image.h src/png.h \
 src/resample.h src/util.h
src/codec.h:
src/buf.h:
src/image.h:
src/png.h:
src/resample.h:
src/util.h:
