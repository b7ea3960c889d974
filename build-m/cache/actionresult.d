build-m/cache/actionresult.o: src/cache/actionresult.c \
 src/cache/actionresult.h src/buf.h src/crypto.h src/buf.h src/util.h
src/cache/actionresult.h:
src/buf.h:
src/crypto.h:
src/buf.h:
src/util.h:
