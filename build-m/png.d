build-m/png.o: src/png.c /usr/include/libpng16/png.h \
 /usr/include/libpng16/pnglibconf.h /usr/include/libpng16/pngconf.h \
 src/os.h src/buf.h src/png.h src/image.h src/pool.h src/util.h
/usr/include/libpng16/png.h:
/usr/include/libpng16/pnglibconf.h:
/usr/include/libpng16/pngconf.h:
src/os.h:
src/buf.h:
src/png.h:
src/image.h:
src/pool.h:
src/util.h:
