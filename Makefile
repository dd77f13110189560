# ward: one Makefile. Artifacts go to build/. `make V=1` shows commands.
BUILD      ?= build
CLANG      ?= clang
BPFTOOL    ?= bpftool
CC         ?= gcc
ARCH       := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux

CFLAGS     ?= -O2 -g
WARN       := -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wformat=2 -Wno-format-truncation
USER_CFLAGS := $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -Iinclude -Isrc -I$(BUILD) -I$(BUILD)/proto -MMD -MP
LDLIBS     := -lbpf -lelf -lz -lprotobuf-nanopb -lzstd -lyaml -lsqlite3 -lpthread
NANOPB     ?= nanopb_generator.py
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror -Wno-unused-function \
              -I$(BUILD) -Iinclude -Ibpf

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
# Generated sources are kept: make would otherwise delete them as intermediates.
.SECONDARY: $(PB_C) $(PB_H)
.PHONY: all clean test test-unit test-integration test-kernels deps bench bench-rules install

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
BPF_COMPAT_OBJS := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.compat.bpf.o,$(BPF_SRCS))
LIB_SRCS  := $(wildcard src/lib/*.c)
# src/ is the pipeline; its stages that grew beyond a file have a folder each.
STAGE_DIRS := pb store detect daemon
CORE_SRCS := $(filter-out src/main.c,$(wildcard src/*.c $(STAGE_DIRS:%=src/%/*.c))) $(wildcard src/cmd/*.c)
PROTO_SRCS := $(wildcard proto/*.proto)
PB_C      := $(patsubst proto/%.proto,$(BUILD)/proto/%.pb.c,$(PROTO_SRCS))
PB_H      := $(PB_C:.c=.h)
USER_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRCS) $(CORE_SRCS) src/main.c) $(PB_C:.c=.o) \
             $(BUILD)/rules_embedded.o
RULES_YAML := $(sort $(wildcard rules/*.yaml))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))

all: $(BUILD)/ward

$(BUILD)/vmlinux.h:
	$(call msg,VMLINUX,$@)
	$(Q)mkdir -p $(@D)
	$(Q)if [ ! -r $(VMLINUX_BTF) ]; then \
		echo "error: $(VMLINUX_BTF) is missing: this kernel has no BTF (CONFIG_DEBUG_INFO_BTF)." >&2; \
		echo "       Build on a kernel with BTF, or pass VMLINUX_BTF=/path/to/vmlinux." >&2; exit 1; fi
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.bpf.h) include/ward/abi.h $(BUILD)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# The same programs without bpf_loop(), for kernels 5.10 to 5.16.
$(BUILD)/bpf/%.compat.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.bpf.h) include/ward/abi.h $(BUILD)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -DWARD_COMPAT -c $< -o $@

$(BUILD)/ward.bpf.o: $(BPF_OBJS)
	$(call msg,LINK-BPF,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

$(BUILD)/ward_compat.bpf.o: $(BPF_COMPAT_OBJS)
	$(call msg,LINK-BPF,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

$(BUILD)/ward.skel.h: $(BUILD)/ward.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name ward_bpf > $@

$(BUILD)/ward_compat.skel.h: $(BUILD)/ward_compat.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name ward_compat_bpf > $@

# The path hooks (fentry/BPF-LSM route): their own object, so that a kernel
# refusing those program types still loads everything else.
$(BUILD)/bpf/hooks/%.bpf.o: bpf/hooks/%.bpf.c $(wildcard bpf/*.bpf.h) include/ward/abi.h $(BUILD)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/ward_path_hooks.bpf.o: $(BUILD)/bpf/hooks/path_hooks.bpf.o
	$(call msg,LINK-BPF,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

$(BUILD)/ward_path_hooks.skel.h: $(BUILD)/ward_path_hooks.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name ward_path_hooks_bpf > $@

# nanopb: every string and repeated field is bounded in proto/*.options, so
# encoding and decoding never allocate.
$(BUILD)/proto/%.pb.c $(BUILD)/proto/%.pb.h: proto/%.proto $(wildcard proto/%.options)
	$(call msg,NANOPB,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(NANOPB) -q -I proto -D $(BUILD)/proto $(notdir $<)

$(BUILD)/proto/%.pb.o: $(BUILD)/proto/%.pb.c $(BUILD)/proto/%.pb.h
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -std=gnu11 -I$(BUILD)/proto -c $< -o $@

# The shipped rules, compiled in (src/detect/rules_embedded.h).
$(BUILD)/rules_embedded.c: $(RULES_YAML) tools/embed.sh
	$(call msg,EMBED,$@)
	$(Q)mkdir -p $(@D)
	$(Q)tools/embed.sh $@ $(RULES_YAML)

$(BUILD)/rules_embedded.o: $(BUILD)/rules_embedded.c
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

$(BUILD)/%.o: %.c | $(BUILD)/ward.skel.h $(BUILD)/ward_compat.skel.h $(BUILD)/ward_path_hooks.skel.h $(PB_H)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

$(BUILD)/ward: $(USER_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# Unit tests: pure logic, no root, no BPF, under ASan and UBSan. The pipeline
# is compiled once with the sanitizers into one archive every test links.
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer
SAN_CFLAGS := $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -Iinclude -Isrc -I$(BUILD) -I$(BUILD)/proto $(SAN) -MMD -MP
UNIT_LIB_SRCS := $(LIB_SRCS) $(filter-out src/sensor.c src/skel.c src/path_hooks.c src/cmd/%,$(CORE_SRCS))
UNIT_LIB_OBJS := $(patsubst %.c,$(BUILD)/san/%.o,$(UNIT_LIB_SRCS)) $(patsubst $(BUILD)/%.c,$(BUILD)/san/%.o,$(PB_C)) \
                 $(BUILD)/san/rules_embedded.o

$(BUILD)/san/rules_embedded.o: $(BUILD)/rules_embedded.c
	$(call msg,CC-SAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(SAN_CFLAGS) -c $< -o $@

$(BUILD)/san/proto/%.pb.o: $(BUILD)/proto/%.pb.c $(BUILD)/proto/%.pb.h
	$(call msg,CC-SAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -std=gnu11 -I$(BUILD)/proto $(SAN) -c $< -o $@

$(BUILD)/san/%.o: %.c | $(BUILD)/ward.skel.h $(BUILD)/ward_compat.skel.h $(BUILD)/ward_path_hooks.skel.h $(PB_H)
	$(call msg,CC-SAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(SAN_CFLAGS) -c $< -o $@

$(BUILD)/libward_san.a: $(UNIT_LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/tests/test_%: tests/unit/test_%.c tests/unit/unit.h $(BUILD)/libward_san.a
	$(call msg,UNIT,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(SAN_CFLAGS) -o $@ $< $(BUILD)/libward_san.a $(LDLIBS)

test-unit: $(UNIT_BINS)
	$(Q)tests/run-unit.sh $(UNIT_BINS)

test-integration: $(BUILD)/ward
	$(Q)/usr/bin/python3 -m pytest -q tests/integration

test: test-unit test-integration

# The smoke suite on stock Debian kernels under qemu (tests/kernels/README.md).
test-kernels: $(BUILD)/ward
	$(Q)tests/kernels/matrix.sh

# Overhead against auditd and bpftrace (bench/README.md); ~15 min, QUICK=1 ~2 min.
bench: $(BUILD)/ward
	$(Q)bench/run.sh

# The rule engine alone over a synthetic event mix (docs/rules.md has the figure).
$(BUILD)/rules_bench: bench/rules_bench.c $(filter-out $(BUILD)/src/main.o,$(USER_OBJS))
	$(call msg,LD,$@)
	$(Q)$(CC) $(USER_CFLAGS) -o $@ $^ $(LDLIBS)

bench-rules: $(BUILD)/rules_bench
	$(Q)$(BUILD)/rules_bench

# The daemon as a service (docs/daemon.md). A config file already there is kept.
PREFIX ?= /usr/local
install: $(BUILD)/ward
	install -D -m 0755 $(BUILD)/ward $(DESTDIR)$(PREFIX)/bin/ward
	install -D -m 0644 etc/systemd/ward.service $(DESTDIR)$(PREFIX)/lib/systemd/system/ward.service
	install -d -m 0755 $(DESTDIR)/etc/ward/rules.d $(DESTDIR)/etc/ward/profiles
	[ -e $(DESTDIR)/etc/ward/ward.yaml ] || install -m 0644 etc/ward.yaml $(DESTDIR)/etc/ward/ward.yaml
	install -d -m 0755 $(DESTDIR)$(PREFIX)/share/doc/ward
	install -m 0644 README.md docs/*.md $(DESTDIR)$(PREFIX)/share/doc/ward/

deps:
	tools/install-deps.sh

clean:
	rm -rf $(BUILD)

-include $(USER_OBJS:.o=.d) $(UNIT_LIB_OBJS:.o=.d) $(UNIT_BINS:=.d)
