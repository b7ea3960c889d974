build-m/c2pa/cbor.o: src/c2pa/cbor.c src/c2pa/cbor.h src/buf.h src/util.h
src/c2pa/cbor.h:
src/buf.h:
src/util.h:
