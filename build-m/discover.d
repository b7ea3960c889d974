build-m/discover.o: src/discover.c src/discover.h src/os.h src/buf.h \
 src/util.h
src/discover.h:
src/os.h:
src/buf.h:
src/util.h:
