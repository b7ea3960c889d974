build-m/ocr.o: src/ocr.c src/buf.h src/ocr.h src/image.h src/util.h
src/buf.h:
src/ocr.h:
src/image.h:
src/util.h:
