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
PKGS = yaml-0.1 libcurl libpng libxxhash sqlite3 jansson libcrypto zlib tesseract lept freetype2 harfbuzz \
	libjpeg libwebp libwebpmux libavif
DEB_PKGS = build-essential pkg-config libyaml-dev libcurl4-openssl-dev libpng-dev \
	libxxhash-dev libsqlite3-dev libjansson-dev libssl-dev zlib1g-dev \
	libtesseract-dev tesseract-ocr-eng libfreetype-dev libharfbuzz-dev \
	libjpeg62-turbo-dev libwebp-dev libavif-dev
# what the tests also use: the fake providers (python3), a WebDAV nginx,
# headless chromium for the gallery (t6002), and exiftool and node: exiftool
# reads back the metadata of the codec's files (t0100) and the content
# credentials (t3300), and the C2PA validator in tests/c2pa/, installed from
# npm by its lockfile, checks the credentials; protoc decodes the remote
# cache's ActionResults (t5004)
TEST_DEB_PKGS = python3 nginx chromium libimage-exiftool-perl protobuf-compiler
NODE_DEB_PKGS = nodejs npm
C2PA_VALIDATOR = tests/c2pa/node_modules/@contentauth/c2pa-wasm/package.json
# an S3 server (s3rver) and the AWS SDK's SigV4 signer for t5006, from npm
# by tests/s3/'s lockfile
S3_TEST_SERVER = tests/s3/node_modules/s3rver/package.json

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
	$(WARN) $(CFLAGS) -pthread -iquote src $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
# libcurl, libtesseract and libavif are not linked: src/curl_lazy.c,
# src/tess_lazy.c and src/avif_lazy.c load them on first use (the first
# two's 50 shared libraries cost ~5 ms at every start, a no-op build
# included; libavif's 28 more, docs/codecs.md)
LIBS = $(shell $(PKG_CONFIG) --libs $(filter-out libcurl tesseract lept libavif,$(PKGS)) 2>/dev/null) -ldl -pthread -lm

# The sources, folder by folder (docs/ARCHITECTURE.md says what each folder
# holds and may include).  Objects mirror the folders under $(BUILD)/.
CORE_SRCS = \
	src/artifact.c \
	src/avif_lazy.c \
	src/buf.c \
	src/build.c \
	src/codec.c \
	src/crypto.c \
	src/curl_lazy.c \
	src/derive.c \
	src/discover.c \
	src/fit.c \
	src/font.c \
	src/http.c \
	src/image.c \
	src/input_images.c \
	src/inputs.c \
	src/jobs.c \
	src/key.c \
	src/lazy.c \
	src/ocr.c \
	src/os.c \
	src/overlay.c \
	src/params.c \
	src/plan.c \
	src/png.c \
	src/pool.c \
	src/ready.c \
	src/recipe.c \
	src/redact.c \
	src/refs.c \
	src/report.c \
	src/resample.c \
	src/route.c \
	src/seal.c \
	src/shard.c \
	src/status.c \
	src/tess_lazy.c \
	src/typography.c \
	src/util.c

C2PA_SRCS = \
	src/c2pa/cbor.c \
	src/c2pa/jumbf.c \
	src/c2pa/manifest.c \
	src/c2pa/verify.c

CMD_SRCS = \
	src/cmd/bench.c \
	src/cmd/build.c \
	src/cmd/cache.c \
	src/cmd/clean.c \
	src/cmd/cmd.c \
	src/cmd/credentials.c \
	src/cmd/graph.c \
	src/cmd/init.c \
	src/cmd/jobs.c \
	src/cmd/pick.c \
	src/cmd/routes.c \
	src/cmd/status.c \
	src/cmd/upscale.c \
	src/cmd/url.c \
	src/cmd/verify.c \
	src/cmd/watch.c \
	src/cmd/why.c

PROVIDER_SRCS = \
	src/provider/a1111.c \
	src/provider/bfl.c \
	src/provider/builtin.c \
	src/provider/comfyui.c \
	src/provider/common.c \
	src/provider/fal.c \
	src/provider/gemini.c \
	src/provider/generic.c \
	src/provider/ideogram.c \
	src/provider/openai.c \
	src/provider/queue.c \
	src/provider/replicate.c \
	src/provider/stability.c

CACHE_SRCS = \
	src/cache/actionresult.c \
	src/cache/buildstate.c \
	src/cache/group.c \
	src/cache/index.c \
	src/cache/lock.c \
	src/cache/reindex.c \
	src/cache/remote.c \
	src/cache/store.c \
	src/cache/sync.c

SITE_SRCS = \
	src/site/candidates.c \
	src/site/serve.c \
	src/site/signed_url.c \
	src/site/site.c

RENDER_SRCS = \
	src/render/compose.c \
	src/render/icon.c \
	src/render/model.c \
	src/render/paint.c \
	src/render/prompt.c \
	src/render/scene.c \
	src/render/text.c

# The library: everything but main.c, so unit tests link what they need.
LIBSRCS = $(CORE_SRCS) $(C2PA_SRCS) $(CMD_SRCS) $(PROVIDER_SRCS) $(CACHE_SRCS) $(SITE_SRCS) $(RENDER_SRCS)
SRCS = src/main.c $(LIBSRCS)
# The gallery's stylesheet and script, written into a C file by
# tools/embed.sh (site/gallery.h declares them).
GALLERY_FILES = src/site/gallery.css src/site/gallery.js
EMBED = sh tools/embed.sh site/gallery.h src/site/gallery.css gallery_css src/site/gallery.js gallery_js
GEN_OBJ = gen/site/gallery.o
# Two members may share a name (cmd/build.o and build.o): the archive is
# always written afresh, in one `ar`, which keeps both.
LIBOBJS = $(LIBSRCS:src/%.c=$(BUILD)/%.o) $(BUILD)/$(GEN_OBJ)

UNIT_TESTS = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))

# Header dependencies are generated as the objects are compiled (-MMD -MP:
# one .d beside each object; a header removed since is no error).
DEPFLAGS = -MMD -MP
DEPS = $(SRCS:src/%.c=$(BUILD)/%.d) $(BUILD)/$(GEN_OBJ:.o=.d) $(UNIT_TESTS:=.d)

all: $(BUILD)/assetgen
	@[ "$$(readlink assetgen)" = $(BUILD)/assetgen ] || ln -sf $(BUILD)/assetgen assetgen

$(BUILD)/assetgen: $(BUILD)/main.o $(BUILD)/libassetgen.a
	$(CC) $(LDFLAGS) -o $@ $(BUILD)/main.o $(BUILD)/libassetgen.a $(LIBS)

$(BUILD)/libassetgen.a: $(LIBOBJS)
	rm -f $@
	ar rcs $@ $(LIBOBJS)

$(BUILD)/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -c -o $@ $<

$(BUILD)/gen/site/gallery.c: $(GALLERY_FILES) tools/embed.sh
	@mkdir -p $(@D)
	$(EMBED) >$@.tmp && mv -f $@.tmp $@

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libassetgen.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Wno-write-strings $(DEPFLAGS) -MF $@.d -MT $@ $(LDFLAGS) -o $@ $< \
		$(BUILD)/libassetgen.a $(LIBS)

-include $(DEPS)

# Install the Debian packages (as root), or print the line to run.
deps:
	@$(MAKE) -s install-pkgs WANT="$(DEB_PKGS)" HAVE="$$($(PKG_CONFIG) --exists $(PKGS) 2>/dev/null && command -v $(CC) >/dev/null && echo yes)"

test-deps: deps
	@$(MAKE) -s install-pkgs WANT="$(TEST_DEB_PKGS)" HAVE="$$(command -v python3 >/dev/null && { command -v nginx || test -x /usr/sbin/nginx; } >/dev/null && test -x /usr/bin/chromium && command -v exiftool >/dev/null && command -v protoc >/dev/null && echo yes)"
	@$(MAKE) -s install-pkgs WANT="$(NODE_DEB_PKGS)" HAVE="$$(command -v node >/dev/null && command -v npm >/dev/null && echo yes)"
	@test -f $(C2PA_VALIDATOR) || (cd tests/c2pa && npm ci --no-audit --no-fund)
	@test -f $(S3_TEST_SERVER) || (cd tests/s3 && npm ci --no-audit --no-fund)

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
	@! grep -nE '\b(sprintf|strcpy|strcat|strtok|atoi|gets|system)\(' $(SRCS) $(wildcard src/*.h src/*/*.h) \
		tests/unit/*.[ch] tests/fuzz/*.[ch] \
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
	$(WARN) $(FUZZ_CFLAGS) -pthread -iquote src $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
FUZZ_TARGETS = $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_OBJS = $(LIBSRCS:src/%.c=$(FUZZ_BUILD)/obj/%.o) $(FUZZ_BUILD)/obj/$(GEN_OBJ)
FUZZ_DEPS = $(FUZZ_OBJS:.o=.d) $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%.d)

fuzz-deps: deps
	@$(MAKE) -s install-pkgs WANT="$(FUZZ_DEB_PKGS)" HAVE="$$(printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }\n' \
		| $(FUZZ_CC) -fsanitize=fuzzer -x c -o /dev/null - 2>/dev/null && echo yes)"

fuzz-build: $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

$(FUZZ_BUILD)/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_ALL_CFLAGS) $(DEPFLAGS) -c -o $@ $<

$(FUZZ_BUILD)/obj/gen/site/gallery.c: $(GALLERY_FILES) tools/embed.sh
	@mkdir -p $(@D)
	$(EMBED) >$@.tmp && mv -f $@.tmp $@

$(FUZZ_BUILD)/obj/gen/%.o: $(FUZZ_BUILD)/obj/gen/%.c
	$(FUZZ_CC) $(FUZZ_ALL_CFLAGS) $(DEPFLAGS) -c -o $@ $<

$(FUZZ_BUILD)/libassetgen.a: $(FUZZ_OBJS)
	rm -f $@
	ar rcs $@ $(FUZZ_OBJS)

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_BUILD)/libassetgen.a
	$(FUZZ_CC) $(FUZZ_ALL_CFLAGS) -fsanitize=fuzzer $(DEPFLAGS) -MF $@.d -MT $@ -o $@ $< \
		$(FUZZ_BUILD)/libassetgen.a $(LIBS)

-include $(FUZZ_DEPS)

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
