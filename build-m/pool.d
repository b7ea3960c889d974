build-m/pool.o: src/pool.c src/pool.h
src/pool.h:
