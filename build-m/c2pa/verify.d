build-m/c2pa/verify.o: src/c2pa/verify.c src/c2pa/c2pa.h src/buf.h \
 src/crypto.h src/buf.h src/c2pa/cbor.h src/c2pa/jumbf.h src/util.h
src/c2pa/c2pa.h:
src/buf.h:
src/crypto.h:
src/buf.h:
src/c2pa/cbor.h:
src/c2pa/jumbf.h:
src/util.h:
