# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# ngx502-trace: clang -> bpftool gen object -> bpftool gen skeleton -> loader.
# SANITIZE=1 builds everything with ASan/UBSan into its own tree and binary.
ifeq ($(SANITIZE),1)
OUTPUT ?= .output/sanitize
BIN ?= $(OUTPUT)/ngx502-trace
else
OUTPUT ?= .output
BIN ?= ngx502-trace
endif
CLANG ?= clang
BPFTOOL ?= bpftool
CC ?= cc
PREFIX ?= /usr/local
DESTDIR ?=
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/ngx502-trace
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
VERSION := $(shell sed -n 's/^\#define NGX502_VERSION "\(.*\)"/\1/p' user/options.c)
ARCH ?= $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/;s/ppc64le/powerpc/;s/s390x/s390/')
VMLINUX := vmlinux/$(ARCH)/vmlinux.h

CFLAGS ?= -g -O2
CFLAGS += -std=gnu11 -Wall -Wextra -I$(OUTPUT) -Ibpf -Iuser -MMD -MP
LDLIBS := -lbpf -lelf -lz -ljson-c -lcap -lmnl -lpthread
# STATIC=1 (make static, the Debian package): the libraries in, glibc stays shared, and so
# do libmnl (Debian's libmnl-dev ships no archive) and libmicrohttpd (its archive wants gnutls).
ifeq ($(STATIC),1)
LDLIBS := -Wl,-Bstatic -lbpf -lelf -lz -ljson-c -lcap -Wl,-Bdynamic -lmnl -lpthread
endif
BPF_CFLAGS := -g -O2 -Wall -target bpf -D__TARGET_ARCH_$(ARCH) -I$(dir $(VMLINUX)) -Ibpf -MMD -MP

ifeq ($(SANITIZE),1)
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# maps.bpf.c defines what the others declare extern: libbpf's linker wants it first.
BPF_SRCS := bpf/maps.bpf.c $(filter-out bpf/maps.bpf.c,$(sort $(wildcard bpf/*.bpf.c)))
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/bpf/%.bpf.o,$(BPF_SRCS))
LIB_SRCS := $(filter-out user/main.c,$(sort $(wildcard user/*.c)))
LIB_OBJS := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(LIB_SRCS))
UNIT_SRCS := $(sort $(wildcard tests/unit/*_test.c))
UNIT_BINS := $(patsubst tests/unit/%_test.c,$(OUTPUT)/tests/%_test,$(UNIT_SRCS))
TOOLS := $(OUTPUT)/tests/backend $(OUTPUT)/tests/deny_connect.bpf.o
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/*_fuzz.c))
FUZZ_S ?= 30
# make fuzz: each tests/fuzz/X_fuzz.c is linked against LIB_SRCS built for libFuzzer (an archive,
# so a target pulls in what it calls and no list of its own can drift). clang's libFuzzer runtime
# is in Debian's libclang-rt-14-dev.
FUZZ_CC ?= clang
FUZZ_CFLAGS := -g -O1 -std=gnu11 -Wall -Wextra -I$(OUTPUT) -Ibpf -Iuser -MMD -MP \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_LIB_OBJS := $(patsubst user/%.c,$(OUTPUT)/fuzz/user/%.o,$(LIB_SRCS))
FUZZ_TARGETS ?= $(patsubst tests/fuzz/%_fuzz.c,%,$(FUZZ_SRCS))
FUZZ_BINS := $(patsubst %,$(OUTPUT)/fuzz/%_fuzz,$(FUZZ_TARGETS))
# The C files under clang-format: make format rewrites them, make check fails on any difference.
FORMAT_SRCS := $(sort $(wildcard bpf/*.c bpf/*.h user/*.c user/*.h tests/unit/*.c tests/unit/*.h \
	tests/fuzz/*.c tests/tools/*.c))
# .clang-format is written for clang-format 14 (Debian bookworm): other versions format differently.
CLANG_FORMAT ?= $(shell command -v clang-format-14 || echo clang-format)

.PHONY: all test unit bench demo install uninstall clean format check deps fuzz static deb
all: $(BIN)

$(OUTPUT) $(OUTPUT)/bpf $(OUTPUT)/user $(OUTPUT)/tests $(OUTPUT)/fuzz:
	$(Q)mkdir -p $@

$(OUTPUT)/bpf/%.bpf.o: bpf/%.bpf.c $(VMLINUX) | $(OUTPUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/ngx502.bpf.o: $(BPF_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

$(OUTPUT)/ngx502.skel.h: $(OUTPUT)/ngx502.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name ngx502_bpf > $@.tmp && mv $@.tmp $@

# Every user object may include the skeleton; it must exist first.
$(OUTPUT)/user/%.o: user/%.c | $(OUTPUT)/user $(OUTPUT)/ngx502.skel.h
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(OUTPUT)/libngx502.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BIN): $(OUTPUT)/user/main.o $(OUTPUT)/libngx502.a
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(OUTPUT)/tests/unit.o: tests/unit/unit.c | $(OUTPUT)/tests
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUTPUT)/tests/fixture.o: tests/unit/fixture.c | $(OUTPUT)/tests
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUTPUT)/tests/%_test: tests/unit/%_test.c $(OUTPUT)/tests/unit.o $(OUTPUT)/tests/fixture.o \
			$(OUTPUT)/libngx502.a | $(OUTPUT)/tests
	$(call msg,TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $(filter-out %.h,$^) $(LDLIBS) -o $@

$(OUTPUT)/tests/backend: tests/tools/backend.c | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $< -o $@

$(OUTPUT)/tests/deny_connect.bpf.o: tests/tools/deny_connect.bpf.c $(VMLINUX) | $(OUTPUT)/tests
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/fuzz/user:
	$(Q)mkdir -p $@

$(OUTPUT)/fuzz/user/%.o: user/%.c | $(OUTPUT)/fuzz/user $(OUTPUT)/ngx502.skel.h
	$(call msg,FUZZCC,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(OUTPUT)/fuzz/libngx502.a: $(FUZZ_LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUTPUT)/fuzz/%_fuzz: tests/fuzz/%_fuzz.c $(OUTPUT)/fuzz/libngx502.a | $(OUTPUT)/fuzz
	$(call msg,FUZZ,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -MF $@.d $< $(OUTPUT)/fuzz/libngx502.a $(LDLIBS) -o $@

unit: $(UNIT_BINS)

# test, bench and demo install what is missing first, so they work on a fresh machine.
# With SANITIZE=1 any ASan/UBSan/LSan report makes the tool or a unit test exit non-zero.
test: deps
	$(Q)$(MAKE) --no-print-directory $(BIN) unit $(TOOLS)
	NGX502=$(abspath $(BIN)) OUTPUT_DIR=$(OUTPUT) NGX502_SANITIZED=$(SANITIZE) \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=86 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 tests/run $(TESTS)

bench: deps
	$(Q)$(MAKE) --no-print-directory $(BIN) $(TOOLS)
	scripts/bench

demo: deps
	$(Q)$(MAKE) --no-print-directory $(BIN)
	scripts/demo

fuzz: $(FUZZ_BINS)
	FUZZ_DIR=$(OUTPUT)/fuzz FUZZ_TARGETS="$(FUZZ_TARGETS)" scripts/fuzz $(FUZZ_S)

# The tool, its two script companions, the man page, the bash completion and the documents
# scripts read (the event record format, the JSON schema).
install: $(BIN)
	install -D -m 0755 $(BIN) $(DESTDIR)$(SBINDIR)/ngx502-trace
	install -D -m 0755 scripts/ngx502-events $(DESTDIR)$(SBINDIR)/ngx502-events
	install -D -m 0755 scripts/ngx502-top $(DESTDIR)$(SBINDIR)/ngx502-top
	install -D -m 0644 docs/ngx502-trace.8 $(DESTDIR)$(MANDIR)/man8/ngx502-trace.8
	install -D -m 0644 scripts/ngx502-trace.bash-completion \
		$(DESTDIR)$(BASHCOMPDIR)/ngx502-trace
	install -D -m 0644 docs/EVENTS.md $(DESTDIR)$(DOCDIR)/EVENTS.md
	install -D -m 0644 docs/ngx502-trace.schema.json $(DESTDIR)$(DOCDIR)/ngx502-trace.schema.json

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/ngx502-trace $(DESTDIR)$(SBINDIR)/ngx502-events \
		$(DESTDIR)$(SBINDIR)/ngx502-top $(DESTDIR)$(MANDIR)/man8/ngx502-trace.8 \
		$(DESTDIR)$(BASHCOMPDIR)/ngx502-trace $(DESTDIR)$(DOCDIR)/EVENTS.md \
		$(DESTDIR)$(DOCDIR)/ngx502-trace.schema.json
	-rmdir $(DESTDIR)$(DOCDIR)

# libbpf, libelf, zlib, json-c and libcap linked in (Debian ships each .a in its -dev
# package); glibc stays shared. ldd must not list any of them.
static:
	$(Q)$(MAKE) --no-print-directory STATIC=1 OUTPUT=$(OUTPUT)/static \
		BIN=$(OUTPUT)/static/ngx502-trace $(OUTPUT)/static/ngx502-trace
	$(Q)! ldd $(OUTPUT)/static/ngx502-trace | grep -E 'lib(bpf|elf|z|json-c|cap)\.so' || \
		{ echo "make static: still linked to the libraries above" >&2; exit 1; }
	@echo "  STATIC   $(OUTPUT)/static/ngx502-trace"

# The Debian package (debian/), built by dpkg-buildpackage in a copy of the tree, so
# that its clean step never touches this one: the .deb lands in $(OUTPUT)/deb/.
DEB_DIR := $(OUTPUT)/deb
deb:
	$(Q)rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/ngx502-trace-$(VERSION)
	$(Q)tar -c --exclude=./.git --exclude=./.output --exclude=./ngx502-trace . | \
		tar -x -C $(DEB_DIR)/ngx502-trace-$(VERSION)
	cd $(DEB_DIR)/ngx502-trace-$(VERSION) && dpkg-buildpackage -us -uc -b
	@ls $(DEB_DIR)/*.deb

deps:
	scripts/deps

format:
	$(CLANG_FORMAT) -i $(FORMAT_SRCS)

# clang-format (FORMAT_SRCS) and shellcheck (every shell script): non-zero on any finding.
check:
	$(Q)CLANG_FORMAT=$(CLANG_FORMAT) scripts/check $(FORMAT_SRCS)

clean:
	rm -rf $(OUTPUT) ngx502-trace

-include $(wildcard $(OUTPUT)/bpf/*.d $(OUTPUT)/user/*.d $(OUTPUT)/tests/*.d)
-include $(wildcard $(OUTPUT)/fuzz/*.d $(OUTPUT)/fuzz/user/*.d)
.DELETE_ON_ERROR:
.SECONDARY:
