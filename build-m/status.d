build-m/status.o: src/status.c src/status.h src/util.h
src/status.h:
src/util.h:
