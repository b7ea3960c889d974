build-m/crypto.o: src/crypto.c src/crypto.h src/buf.h src/os.h src/util.h
src/crypto.h:
src/buf.h:
src/os.h:
src/util.h:
