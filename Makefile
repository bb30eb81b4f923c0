# SPDX-License-Identifier: MIT
# fenix: one non-recursive GNU Makefile.  `make` builds obj/fenix (static,
# musl); `make check` runs the unit and integration tests; see README.md.

VERSION = 0.1.0

CC ?= musl-gcc
ifeq ($(origin CC),default)
CC = musl-gcc
endif
CFLAGS ?= -Os -flto -flto-partition=none
CFLAGS += -std=c99 -D_GNU_SOURCE -DNDEBUG -Wall -Wextra \
	-Werror=implicit-function-declaration \
	-ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables \
	-fno-stack-protector
# common-page-size: the data segment's file offset is not rounded up to a
# page (up to 4 KiB of padding in the file); it shares the text's last page.
LDFLAGS += -static -Wl,--gc-sections -s -Wl,-z,noseparate-code \
	-Wl,-z,norelro -Wl,--build-id=none -Wl,-z,common-page-size=64
O = obj

# `make check SANITIZE=1`: the same tests on a glibc build with ASan+UBSan.
ifeq ($(SANITIZE),1)
CC = cc
O = obj/san
CFLAGS = -std=c99 -D_GNU_SOURCE -Wall -Wextra -g -O1 \
	-fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
LDFLAGS = -fsanitize=address,undefined
endif

# `make CROSS=aarch64|armhf|riscv64`: a static musl binary for that target
# with Debian's cross gcc and the target's musl-dev (its musl-gcc.specs),
# objects in obj/ARCH/; `make check CROSS=ARCH` runs the tests under
# qemu-user through binfmt_misc.
CROSS_TRIPLE_aarch64 = aarch64-linux-gnu
CROSS_TRIPLE_armhf = arm-linux-gnueabihf
CROSS_TRIPLE_riscv64 = riscv64-linux-gnu
CROSS_MUSL_aarch64 = aarch64-linux-musl
CROSS_MUSL_armhf = arm-linux-musleabihf
CROSS_MUSL_riscv64 = riscv64-linux-musl
CROSS_DEB_aarch64 = arm64
CROSS_DEB_armhf = armhf
CROSS_DEB_riscv64 = riscv64
CROSS_QEMU_aarch64 = aarch64
CROSS_QEMU_armhf = arm
CROSS_QEMU_riscv64 = riscv64
ifneq ($(CROSS),)
ifeq ($(CROSS_TRIPLE_$(CROSS)),)
$(error CROSS=$(CROSS): not one of aarch64 armhf riscv64)
endif
CROSS_SPECS = /usr/lib/$(CROSS_MUSL_$(CROSS))/musl-gcc.specs
CC = $(CROSS_TRIPLE_$(CROSS))-gcc -specs $(CROSS_SPECS)
O = obj/$(CROSS)
LDFLAGS += -Wl,-z,max-page-size=4096
endif

-include config.mak

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin

SRCS = $(wildcard core/*.c applets/*.c)
# core/alloc.c replaces musl's malloc; ASan and libFuzzer bring their own.
ifeq ($(SANITIZE),1)
SRCS := $(filter-out core/alloc.c,$(SRCS))
endif
OBJS = $(SRCS:%.c=$(O)/%.o)
CORE_OBJS = $(filter-out $(O)/core/main.o,$(filter $(O)/core/%,$(OBJS)))
UNIT_SRCS = $(wildcard tests/unit/*_test.c)
UNIT_BINS = $(UNIT_SRCS:tests/unit/%.c=$(O)/tests/%)
BIN = $(O)/fenix
CONFIG_H = obj/config.h

.PHONY: all check check-browser unit lint defconfig tiny_defconfig menuconfig clean \
	install run fuzz fuzz-bins diff-nginx bench bench-upgrade size sizes musl \
	mutate chaos
.SUFFIXES:

all: $(BIN)

# No .config yet: a plain `make` uses defconfig.
.config:
	cp configs/defconfig .config

$(CONFIG_H): .config Kconfig configs/config.awk
	@mkdir -p $(@D)
	awk -f configs/config.awk Kconfig .config > $@.tmp && mv $@.tmp $@

# musl-gcc missing: install Debian's musl-tools as root, else say how.
# CROSS=ARCH: the cross gcc and musl-dev:ARCH (configs/cross.sh tools).
musl:
	@if [ -n "$(CROSS)" ]; then exec sh configs/cross.sh tools $(CROSS); fi; \
	if [ "$(CC)" = musl-gcc ] && ! command -v musl-gcc >/dev/null; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "make: musl-gcc missing, installing musl-tools (apt-get)"; \
			apt-get update -qq && apt-get install -y -qq musl-tools \
				>/dev/null || exit 1; \
		else \
			echo "make: musl-gcc missing: run 'apt-get install musl-tools' as root" >&2; \
			exit 1; \
		fi; \
	fi

$(O)/%.o: %.c $(CONFIG_H) | musl
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iobj -Icore -DFX_VERSION='"$(VERSION)"' -MMD -MP -c -o $@ $<

$(BIN): $(OBJS)
	$(CC) $(CFLAGS) -o $@ $(OBJS) $(LDFLAGS)

$(O)/tests/%: tests/unit/%.c $(CORE_OBJS) tests/unit/test.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iobj -Icore -Itests/unit -o $@ $< $(CORE_OBJS) \
		$(filter-out -s,$(LDFLAGS))

-include $(OBJS:.o=.d)

unit: $(UNIT_BINS)

check: $(BIN) $(UNIT_BINS) lint
ifneq ($(CROSS),)
	@sh configs/cross.sh qemu $(CROSS)
	@FENIX_QEMU=$(CROSS) FENIX_SLOW=$${FENIX_SLOW:-4} \
		sh tests/run.sh $(BIN) $(UNIT_BINS)
else
	@sh tests/run.sh $(BIN) $(UNIT_BINS)
endif

# A browser's view: headless Chromium, an SPA, auth, fallback, 304s.
check-browser: $(BIN)
	@FENIX=$(BIN) sh tests/browser/spa.sh

defconfig tiny_defconfig:
	cp configs/$@ .config
	@rm -f $(CONFIG_H)

menuconfig:
	@if python3 -c 'import kconfiglib' 2>/dev/null; then \
		python3 -m menuconfig Kconfig; \
	elif command -v kconfig-mconf >/dev/null; then \
		kconfig-mconf Kconfig; \
	else \
		echo "make menuconfig needs a Kconfig front end:" >&2; \
		echo "  apt-get install python3-kconfiglib (or kconfig-frontends)" >&2; \
		echo "or edit .config by hand (see Kconfig and configs/)" >&2; \
		exit 1; \
	fi

size: $(BIN)
	size $(BIN)

# `make sizes`: the README's table of sizes, per architecture and config.
sizes:
	@sh configs/sizes.sh README.md

install: $(BIN)
	install -d $(DESTDIR)$(BINDIR)
	install -m 755 $(BIN) $(DESTDIR)$(BINDIR)/fenix
	for a in $$($(BIN) --list); do \
		ln -sf fenix $(DESTDIR)$(BINDIR)/fenix-$$a; done

# `make run`: serve ./www on 127.0.0.1:8080 in the foreground (Ctrl-C stops).
PORT ?= 8080
run: $(BIN)
	$(BIN) server -l 127.0.0.1:$(PORT) -r www

# Fuzzing (clang, libFuzzer, ASan+UBSan): tests/fuzz/T_fuzz.c for each
# target T, seeds in tests/fuzz/T/, what it finds in obj/fuzz/corpus/T.
# `make fuzz` runs every target FUZZ_TIME seconds; `make fuzz-bins` only
# builds them (tests/integration/fuzz.sh runs each a few seconds).
FUZZ_CC ?= clang
FUZZ_TIME ?= 60
FUZZ_TARGETS = http path range etag date conf listen conn
FUZZ_BINS = $(FUZZ_TARGETS:%=obj/fuzz/%_fuzz)
FUZZ_CFLAGS = -std=c99 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_OBJS = $(patsubst %.c,obj/fuzz/%.o,$(filter-out core/main.c \
	core/alloc.c,$(wildcard core/*.c)))
# conn_fuzz drives conn.c through wrapped accept4, I/O and parsers.
FUZZ_LIBS_conn = -Wl,--wrap=accept4,--wrap=read,--wrap=writev \
	-Wl,--wrap=send,--wrap=sendfile \
	-Wl,--wrap=fx_http_parse,--wrap=fx_body_parse

obj/fuzz/core/%.o: core/%.c $(CONFIG_H)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -Iobj -Icore \
		-DFX_VERSION='"$(VERSION)"' -MMD -MP -c -o $@ $<

obj/fuzz/%_fuzz: tests/fuzz/%_fuzz.c $(FUZZ_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -Iobj -Icore -o $@ $< \
		$(FUZZ_OBJS) $(FUZZ_LIBS_$*)

-include $(FUZZ_OBJS:.o=.d)

fuzz-bins:
	@command -v $(FUZZ_CC) >/dev/null || { echo "make fuzz needs clang (apt-get install clang)" >&2; exit 1; }
	@$(MAKE) --no-print-directory $(FUZZ_BINS)

fuzz: fuzz-bins
	@sh tests/fuzz/run.sh -t $(FUZZ_TIME) $(FUZZ_TARGETS)

# `make diff-nginx`: the golden requests and the fuzz corpora sent to fenix
# and to nginx-light; every difference in status needs a reason in
# tests/diff/nginx-diff.txt.
diff-nginx: $(BIN)
	@command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || \
		{ [ "$$(id -u)" = 0 ] && apt-get install -y -qq nginx-light \
		>/dev/null 2>&1; } || \
		{ echo "make diff-nginx needs nginx (apt-get install nginx-light)" >&2; exit 1; }
	python3 tests/diff/diff_nginx.py --fenix $(BIN)

bench: $(BIN)
	python3 tests/bench/bench.py --fenix $(BIN)

# `make bench-upgrade`: N hot upgrades under wrk load, fenix and nginx.
UPGRADES ?= 100
bench-upgrade: $(BIN)
	python3 tests/bench/upgrade_bench.py --fenix $(BIN) -n $(UPGRADES)
	@command -v tini >/dev/null || { [ "$$(id -u)" = 0 ] && \
		apt-get install -y -qq tini >/dev/null 2>&1; } || true
	@echo "PID 1 comparison: the same upgrade under tini and under fenix"
	@FENIX=$(abspath $(BIN)) sh tests/bench/init_compare.sh

# `make mutate`: each breakage of tests/mutants.txt alone, built and tested
# in a scratch copy; every one must be caught (slow: not part of check).
mutate:
	@nice -n 10 sh tests/mutate.sh tests/mutants.txt

# `make chaos`: CHAOS_FAULTS random faults (kills, signals, concurrent
# upgrades) under load, then the upgrade invariants (tests/chaos.py);
# CHAOS_SEED=S replays a run.  Slow: not part of check.
CHAOS_FAULTS ?= 200
chaos: $(BIN)
	@nice -n 5 python3 tests/chaos.py --fenix $(BIN) -n $(CHAOS_FAULTS) \
		$(if $(CHAOS_SEED),--seed $(CHAOS_SEED))

# `make lint`: the mechanical part of the house style (tests/lint.sh).
lint:
	@sh tests/lint.sh $(SRCS) $(wildcard core/*.h) && echo "lint: clean"

clean:
	rm -rf obj
