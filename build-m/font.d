build-m/font.o: src/font.c src/font.h
src/font.h:
