build-m/c2pa/jumbf.o: src/c2pa/jumbf.c src/c2pa/jumbf.h src/buf.h \
 src/util.h
src/c2pa/jumbf.h:
src/buf.h:
src/util.h:
