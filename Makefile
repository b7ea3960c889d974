# assetgen - make-like build tool for AI-generated images
.SUFFIXES:

VERSION = 0.1.0
PREFIX ?= /usr/local
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man/man1
# the overlay's default font: the binary looks in ../share/assetgen/fonts
FONTDIR = $(PREFIX)/share/assetgen/fonts

CC ?= cc
PKG_CONFIG ?= pkg-config
PKGS = yaml-0.1 libcurl libpng libxxhash sqlite3 jansson libcrypto zlib tesseract lept freetype2 harfbuzz
DEB_PKGS = build-essential pkg-config libyaml-dev libcurl4-openssl-dev libpng-dev \
	libxxhash-dev libsqlite3-dev libjansson-dev libssl-dev zlib1g-dev \
	libtesseract-dev tesseract-ocr-eng libfreetype-dev libharfbuzz-dev
# what the tests also use: the fake providers (python3), a WebDAV nginx, and
# headless chromium for the gallery (t6002)
TEST_DEB_PKGS = python3 nginx chromium

OPT ?= -O2
CFLAGS ?= $(OPT) -g
WARN = -Wall -Wextra -Wshadow -Wmissing-prototypes -Wstrict-prototypes -Wvla \
	-Wwrite-strings -Wno-missing-field-initializers
ifeq ($(SANITIZE),1)
CFLAGS += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
BUILD ?= build-san
endif
BUILD ?= build
ALL_CFLAGS = -std=c17 -D_XOPEN_SOURCE=700 -DASSETGEN_VERSION='"$(VERSION)"' \
	$(WARN) $(CFLAGS) -pthread $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
# libcurl and libtesseract are not linked: src/curl_lazy.c and
# src/tess_lazy.c load them on first use (their 50 shared libraries cost
# ~5 ms at every start, a no-op build included)
LIBS = $(shell $(PKG_CONFIG) --libs $(filter-out libcurl tesseract lept,$(PKGS)) 2>/dev/null) -ldl -pthread -lm

# The library: everything but main.c, so unit tests link what they need.
LIBSRCS = \
	src/artifact.c \
	src/buf.c \
	src/build.c \
	src/cache.c \
	src/cmd.c \
	src/cmd_bench.c \
	src/cmd_build.c \
	src/cmd_cache.c \
	src/cmd_clean.c \
	src/cmd_graph.c \
	src/cmd_init.c \
	src/cmd_routes.c \
	src/cmd_upscale.c \
	src/cmd_url.c \
	src/cmd_watch.c \
	src/cmd_why.c \
	src/curl_lazy.c \
	src/font.c \
	src/http.c \
	src/image.c \
	src/index.c \
	src/inputs.c \
	src/key.c \
	src/lazy.c \
	src/lock.c \
	src/noop.c \
	src/ocr.c \
	src/os.c \
	src/overlay.c \
	src/plan.c \
	src/pngio.c \
	src/presign.c \
	src/provider_a1111.c \
	src/provider_builtin.c \
	src/provider_common.c \
	src/provider_gemini.c \
	src/provider_http.c \
	src/provider_ideogram.c \
	src/provider_openai.c \
	src/provider_stability.c \
	src/recipe.c \
	src/render.c \
	src/remote.c \
	src/report.c \
	src/resample.c \
	src/route.c \
	src/serve.c \
	src/sign.c \
	src/site.c \
	src/site_typo.c \
	src/status.c \
	src/sync.c \
	src/tess_lazy.c \
	src/store.c \
	src/typo.c \
	src/util.c

SRCS = src/main.c $(LIBSRCS)
LIBOBJS = $(LIBSRCS:src/%.c=$(BUILD)/%.o)

UNIT_TESTS = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))

all: $(BUILD)/assetgen
	@ln -sf $(BUILD)/assetgen assetgen

$(BUILD)/assetgen: $(BUILD)/main.o $(BUILD)/libassetgen.a
	$(CC) $(LDFLAGS) -o $@ $(BUILD)/main.o $(BUILD)/libassetgen.a $(LIBS)

$(BUILD)/libassetgen.a: $(LIBOBJS)
	rm -f $@
	ar rcs $@ $(LIBOBJS)

$(BUILD)/%.o: src/%.c src/*.h | $(BUILD)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c tests/unit/test.h $(BUILD)/libassetgen.a | $(BUILD)
	@mkdir -p $(BUILD)/tests
	$(CC) $(ALL_CFLAGS) -Wno-write-strings -Isrc $(LDFLAGS) -o $@ $< $(BUILD)/libassetgen.a $(LIBS)

$(BUILD):
	mkdir -p $(BUILD)

# Install the Debian packages (as root), or print the line to run.
deps:
	@$(MAKE) -s install-pkgs WANT="$(DEB_PKGS)" HAVE="$$($(PKG_CONFIG) --exists $(PKGS) 2>/dev/null && command -v $(CC) >/dev/null && echo yes)"

test-deps: deps
	@$(MAKE) -s install-pkgs WANT="$(TEST_DEB_PKGS)" HAVE="$$(command -v python3 >/dev/null && { command -v nginx || test -x /usr/sbin/nginx; } >/dev/null && test -x /usr/bin/chromium && echo yes)"

install-pkgs:
	@if [ "$(HAVE)" = yes ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(WANT); \
	else \
		echo "assetgen: missing packages; run:"; \
		echo "  sudo apt-get install -y $(WANT)"; exit 2; \
	fi

run: deps
	$(MAKE) all
	./assetgen build

units: $(UNIT_TESTS)

test: test-deps
	$(MAKE) all units
	ASSETGEN_BUILD=$(BUILD) sh tests/run.sh

check: test

# Benchmarks (not run by CI; figures in bench/RESULTS.md).  The peers:
# curl, ninja, libvips, ImageMagick, GNU time, the tesseract command; and a
# photograph for upscale.sh and png.sh (mate-backgrounds' RainDrops.jpg).
BENCH_DEB_PKGS = python3 curl ninja-build libvips-tools imagemagick time tesseract-ocr mate-backgrounds
BENCH_PHOTO = /usr/share/backgrounds/mate/nature/RainDrops.jpg
bench-deps: deps
	@$(MAKE) -s install-pkgs WANT="$(BENCH_DEB_PKGS)" HAVE="$$(for c in python3 curl ninja vips tesseract; do command -v $$c >/dev/null || exit; done; test -x /usr/bin/time && test -r $(BENCH_PHOTO) && echo yes)"

bench: bench-deps all
	bash bench/run.sh

lint:
	@! grep -nE '\b(sprintf|strcpy|strcat|strtok|atoi|gets|system)\(' src/*.c tests/unit/*.c \
		|| { echo "lint: banned function"; exit 1; }

install: $(BUILD)/assetgen
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR) $(DESTDIR)$(FONTDIR)
	cp -f $(BUILD)/assetgen $(DESTDIR)$(BINDIR)/assetgen
	cp -f assetgen.1 $(DESTDIR)$(MANDIR)/assetgen.1
	cp -f fonts/DejaVuSans.ttf fonts/LICENSE-DejaVu $(DESTDIR)$(FONTDIR)/

clean:
	rm -rf build build-san assetgen

.PHONY: all deps test-deps bench-deps install-pkgs run units test check bench lint install clean

# Fuzzing with libFuzzer: `make fuzz` builds tests/fuzz/fuzz_*.c into
# build-fuzz/ (the library compiled again with clang and the fuzzer's
# instrumentation, ASan and UBSan) and runs each target for FUZZ_SECONDS
# over a copy of its seed corpus, then once over its regression inputs.
# See docs/fuzzing.md.
FUZZ_DEB_PKGS = clang libclang-rt-14-dev
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 10
FUZZ_BUILD = build-fuzz
FUZZ_CFLAGS = -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
FUZZ_ALL_CFLAGS = -std=c17 -D_XOPEN_SOURCE=700 -DASSETGEN_VERSION='"$(VERSION)"' \
	$(WARN) $(FUZZ_CFLAGS) -pthread $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
FUZZ_TARGETS = $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_OBJS = $(LIBSRCS:src/%.c=$(FUZZ_BUILD)/obj/%.o)

fuzz-deps: deps
	@$(MAKE) -s install-pkgs WANT="$(FUZZ_DEB_PKGS)" HAVE="$$(printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }\n' \
		| $(FUZZ_CC) -fsanitize=fuzzer -x c -o /dev/null - 2>/dev/null && echo yes)"

fuzz-build: $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

$(FUZZ_BUILD)/obj/%.o: src/%.c src/*.h
	@mkdir -p $(FUZZ_BUILD)/obj
	$(FUZZ_CC) $(FUZZ_ALL_CFLAGS) -c -o $@ $<

$(FUZZ_BUILD)/libassetgen.a: $(FUZZ_OBJS)
	rm -f $@
	ar rcs $@ $(FUZZ_OBJS)

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/*.h $(FUZZ_BUILD)/libassetgen.a
	$(FUZZ_CC) $(FUZZ_ALL_CFLAGS) -fsanitize=fuzzer -Isrc -o $@ $< $(FUZZ_BUILD)/libassetgen.a $(LIBS)

# One target: its seeds added to build-fuzz/corpus/NAME (kept between runs),
# FUZZ_SECONDS of fuzzing, then every regression input once.  Crashes go to
# build-fuzz/crashes/NAME/.
fuzz-run-%: $(FUZZ_BUILD)/fuzz_%
	@mkdir -p $(FUZZ_BUILD)/corpus/$* $(FUZZ_BUILD)/crashes/$*
	@cp -f tests/fuzz/corpus/$*/* $(FUZZ_BUILD)/corpus/$*/
	$(FUZZ_BUILD)/fuzz_$* -max_total_time=$(FUZZ_SECONDS) -timeout=10 -print_final_stats=1 \
		-artifact_prefix=$(FUZZ_BUILD)/crashes/$*/ $(FUZZ_BUILD)/corpus/$* \
		>$(FUZZ_BUILD)/fuzz_$*.log 2>&1 \
		|| { tail -n 60 $(FUZZ_BUILD)/fuzz_$*.log; echo "fuzz: $* failed"; exit 1; }
	@grep -E '^#[0-9]+[[:space:]]+DONE|^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' \
		$(FUZZ_BUILD)/fuzz_$*.log | sed 's/^/fuzz $*: /'
	@if [ -d tests/fuzz/regressions/$* ]; then \
		$(FUZZ_BUILD)/fuzz_$* -runs=0 tests/fuzz/regressions/$* >$(FUZZ_BUILD)/regress_$*.log 2>&1 \
		|| { tail -n 60 $(FUZZ_BUILD)/regress_$*.log; echo "fuzz: $* regression failed"; exit 1; }; \
		echo "fuzz $*: regressions passed ($$(ls tests/fuzz/regressions/$* | wc -l) inputs)"; \
	fi

fuzz: fuzz-deps
	$(MAKE) fuzz-build
	$(MAKE) $(FUZZ_TARGETS:%=fuzz-run-%)
	@echo "fuzz: $(words $(FUZZ_TARGETS)) passed, 0 failed"

fuzz-clean:
	rm -rf $(FUZZ_BUILD)

clean: fuzz-clean

.PHONY: fuzz fuzz-deps fuzz-build fuzz-clean
