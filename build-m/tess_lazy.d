build-m/tess_lazy.o: src/tess_lazy.c src/lazy.h
src/lazy.h:
