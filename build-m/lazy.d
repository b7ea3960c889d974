build-m/lazy.o: src/lazy.c src/lazy.h src/util.h
src/lazy.h:
src/util.h:
