# tdxbench — one non-recursive Makefile for the tool, its tests and its benchmarks.
#
#   make            build ./tdxbench
#   make run        install missing packages, build, run the default suite (sim)
#   make check      install missing packages, build, run every test (+ ASan/UBSan)
#   make bench      print the performance figures (see bench/perf/)
#   make fuzz       build the libFuzzer harnesses (clang) and fuzz each for FUZZ_SECONDS
#   make deps       install (root) or name the Debian packages needed
#   make install    PREFIX=/usr/local DESTDIR=
#
# Adding a source file needs no edit here: every .c under src/ and workloads/
# is part of the tool (the freestanding guest lives in guest-images/); every
# tests/unit/test_*.c is a unit-test program and every bench/perf/*.c a
# benchmark program, both linked against the same objects.

PREFIX   ?= /usr/local
DESTDIR  ?=
CC       ?= gcc
PKG_CONFIG ?= pkg-config
V        ?= 0

PKGS      := sqlite3 hwloc libcpuid libtracefs libtraceevent inih json-c gsl nettle
TEST_PKGS := cmocka

VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.1.0)
DATADIR := $(PREFIX)/share/tdxbench

PKG_OK := $(shell $(PKG_CONFIG) --exists $(PKGS) $(TEST_PKGS) 2>/dev/null && echo y)
ifeq ($(PKG_OK),y)
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS))
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS))
TEST_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(TEST_PKGS))
TEST_LIBS   := $(shell $(PKG_CONFIG) --libs $(TEST_PKGS))
endif

WARN     := -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wformat=2 \
	    -Wmissing-prototypes -Wstrict-prototypes -Wvla
CPPFLAGS_TDX := -Isrc -I. -D_GNU_SOURCE -DTDXBENCH_VERSION='"$(VERSION)"' \
	    -DTDXBENCH_DATADIR='"$(DATADIR)"'
CFLAGS_TDX := -std=gnu11 -O2 -g $(WARN) -MMD -MP $(CPPFLAGS_TDX) $(PKG_CFLAGS) $(CFLAGS)
LDLIBS_TDX := $(PKG_LIBS) -lpthread -lm $(LDLIBS)
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

ifeq ($(V),0)
Q := @
msg = @printf '  %-6s %s\n' $(1) $(2);
else
Q :=
msg =
endif

LIB_SRCS  := $(sort $(shell find src workloads -name '*.c' -not -path 'src/main.c'))
BENCH_SRCS := $(sort $(wildcard bench/perf/*.c))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
E2E_TESTS := $(sort $(wildcard tests/e2e/t[0-9]*.sh))
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))

OBJS       := $(LIB_SRCS:%.c=build/obj/%.o)
ASAN_OBJS  := $(LIB_SRCS:%.c=build/asan/%.o)
UNIT_BINS  := $(UNIT_SRCS:tests/unit/%.c=build/tests/%)
ASAN_UNITS := $(UNIT_SRCS:tests/unit/%.c=build/asan/tests/%)
BENCH_BINS := $(BENCH_SRCS:bench/perf/%.c=build/bench/%)
FUZZ_OBJS  := $(LIB_SRCS:%.c=build/fuzz/%.o)
FUZZ_BINS  := $(FUZZ_SRCS:tests/fuzz/%.c=build/fuzz/bin/%)
# Keep the harness objects: make would delete them as intermediates after the
# test summary, and `make check` must end on its "N passed, N failed" line.
.SECONDARY: $(FUZZ_OBJS)
EXTRA_OBJS :=

# libFuzzer harnesses (tests/fuzz/): clang, ASan + UBSan, the same warnings.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS  := -std=gnu11 -O1 -g $(WARN) -MMD -MP $(CPPFLAGS_TDX) $(PKG_CFLAGS) \
		-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
		-fno-omit-frame-pointer
HAVE_FUZZ_CC := $(shell command -v $(FUZZ_CC) >/dev/null 2>&1 && echo y)

.PHONY: all check run bench deps install clean _check _run _bench test-progs need-pkgs \
	fuzz _fuzz fuzz-progs
.DEFAULT_GOAL := all

all: need-pkgs tdxbench

need-pkgs:
ifneq ($(PKG_OK),y)
	@scripts/deps.sh --if-needed || { echo "make: missing build dependencies (see above), or run 'make deps' as root" >&2; exit 1; }
	@echo "make: dependencies were just installed; run make again" >&2; exit 1
endif

# Guest payloads and other generated objects hook in here (see guest-images/).
-include guest-images/guest.mk

tdxbench: build/obj/src/main.o $(OBJS) $(EXTRA_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS_TDX) -o $@ $(filter %.c %.o %.S,$^) $(LDLIBS_TDX)

build/tdxbench-asan: build/asan/src/main.o $(ASAN_OBJS) $(EXTRA_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS_TDX) $(SAN) -o $@ $(filter %.c %.o %.S,$^) $(LDLIBS_TDX)

build/obj/%.o: %.c
	$(call msg,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS_TDX) -c -o $@ $<

build/asan/%.o: %.c
	$(call msg,CC-SAN,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS_TDX) $(SAN) -c -o $@ $<

build/tests/%: tests/unit/%.c $(OBJS) $(EXTRA_OBJS)
	$(call msg,CC-T,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS_TDX) $(TEST_CFLAGS) -o $@ $(filter %.c %.o %.S,$^) $(TEST_LIBS) $(LDLIBS_TDX)

build/asan/tests/%: tests/unit/%.c $(ASAN_OBJS) $(EXTRA_OBJS)
	$(call msg,CC-TSAN,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS_TDX) $(SAN) $(TEST_CFLAGS) -o $@ $(filter %.c %.o %.S,$^) $(TEST_LIBS) $(LDLIBS_TDX)

# Benchmark programs: bench/perf/<name>.c -> build/bench/<name>, linked like the tool.
build/bench/%: bench/perf/%.c $(OBJS) $(EXTRA_OBJS)
	$(call msg,CC-B,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS_TDX) -o $@ $(filter %.c %.o %.S,$^) $(LDLIBS_TDX)

build/fuzz/%.o: %.c
	$(call msg,CC-FZ,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

build/fuzz/bin/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(FUZZ_OBJS) $(EXTRA_OBJS)
	$(call msg,LD-FZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $(filter %.c %.o %.S,$^) $(LDLIBS_TDX)

# Without clang the harnesses are skipped (tests/fuzz/run.sh says so).
ifeq ($(HAVE_FUZZ_CC),y)
fuzz-progs: $(FUZZ_BINS)
else
fuzz-progs:
endif

test-progs: tdxbench build/tdxbench-asan $(UNIT_BINS) $(ASAN_UNITS) fuzz-progs

deps:
	@scripts/deps.sh

# check/run/bench first make sure the packages are there, then re-read this
# Makefile so pkg-config sees them (the only recursion: same file, same dir).
check:
	@scripts/deps.sh --if-needed
	@$(MAKE) --no-print-directory _check

_check: test-progs
	@tests/run.sh --units "$(UNIT_BINS)" --asan-units "$(ASAN_UNITS)" --e2e "$(E2E_TESTS)" \
		--fuzz "$(FUZZ_BINS)"

# A longer campaign: every harness for FUZZ_SECONDS, new inputs kept in
# build/fuzz/corpus/<harness>/ (tests/fuzz/corpus/ stays the reviewed seed set).
fuzz:
	@scripts/deps.sh --if-needed
	@$(MAKE) --no-print-directory _fuzz

_fuzz: fuzz-progs
	@tests/fuzz/run.sh --seconds $(FUZZ_SECONDS) --keep build/fuzz/corpus $(FUZZ_BINS)

run:
	@scripts/deps.sh --if-needed
	@$(MAKE) --no-print-directory _run

_run: tdxbench
	./tdxbench run

bench:
	@scripts/deps.sh --if-needed
	@$(MAKE) --no-print-directory _bench

_bench: tdxbench $(BENCH_BINS)
	@bench/perf/run.sh

install: all
	install -D -m 0755 tdxbench $(DESTDIR)$(PREFIX)/bin/tdxbench
	mkdir -p $(DESTDIR)$(DATADIR) $(DESTDIR)$(PREFIX)/share/doc/tdxbench
	cp -r $(wildcard bench report) $(DESTDIR)$(DATADIR)/
	cp -r README.md $(wildcard docs/*) $(DESTDIR)$(PREFIX)/share/doc/tdxbench/
	$(if $(wildcard build/guest),cp -r build/guest $(DESTDIR)$(DATADIR)/,)

clean:
	rm -rf build tdxbench

# The version and the data folder are -D flags: rebuild the files that use
# them when either changes (git describe moved on, or `make install
# PREFIX=...` after a plain `make`), via a stamp rewritten only then.
VERSION_STAMP := build/version.stamp
$(shell mkdir -p build && (echo '$(VERSION) $(DATADIR)' | cmp -s - $(VERSION_STAMP) || echo '$(VERSION) $(DATADIR)' >$(VERSION_STAMP)))
VERSION_USERS := $(shell grep -lE 'TDXBENCH_(VERSION|DATADIR)' src/main.c $(LIB_SRCS) 2>/dev/null)
$(VERSION_USERS:%.c=build/obj/%.o) $(VERSION_USERS:%.c=build/asan/%.o) \
	$(VERSION_USERS:%.c=build/fuzz/%.o): $(VERSION_STAMP)

-include $(shell find build -name '*.d' -type f -not -path 'build/kvm-selftests/*' \
	-not -path 'build/fuzz/corpus/*' 2>/dev/null)
