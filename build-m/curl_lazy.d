build-m/curl_lazy.o: src/curl_lazy.c src/lazy.h
src/lazy.h:
