build-m/image.o: src/image.c src/image.h src/util.h
src/image.h:
src/util.h:
