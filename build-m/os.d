build-m/os.o: src/os.c src/os.h src/buf.h src/util.h
src/os.h:
src/buf.h:
src/util.h:
