build-m/site/serve.o: src/site/serve.c src/buf.h src/os.h src/buf.h \
 src/redact.h src/site/serve.h src/util.h
src/buf.h:
src/os.h:
src/buf.h:
src/redact.h:
src/site/serve.h:
src/util.h:
