build-m/site/signed_url.o: src/site/signed_url.c src/buf.h src/crypto.h \
 src/buf.h src/redact.h src/site/signed_url.h src/util.h
src/buf.h:
src/crypto.h:
src/buf.h:
src/redact.h:
src/site/signed_url.h:
src/util.h:
