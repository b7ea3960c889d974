build-m/gen/site/gallery.o: build-m/gen/site/gallery.c src/site/gallery.h
src/site/gallery.h:
