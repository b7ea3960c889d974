build-m/http.o: src/http.c src/http.h src/buf.h src/redact.h src/util.h
src/http.h:
src/buf.h:
src/redact.h:
src/util.h:
