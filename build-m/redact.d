build-m/redact.o: src/redact.c src/buf.h src/redact.h src/util.h
src/buf.h:
src/redact.h:
src/util.h:
