build-m/avif_lazy.o: src/avif_lazy.c src/lazy.h
src/lazy.h:
