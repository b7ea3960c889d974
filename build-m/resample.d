build-m/resample.o: src/resample.c src/os.h src/buf.h src/pool.h \
 src/resample.h src/image.h src/util.h
src/os.h:
src/buf.h:
src/pool.h:
src/resample.h:
src/image.h:
src/util.h:
