# Baton: one non-recursive Makefile. Everything generated goes to $(B)/.
#   make            build kernel.elf, baton.iso, BOOTX64.EFI, esp.img, disk.img
#   make run        boot Baton in QEMU (PVH fast path), console on this terminal
#   make test       host unit tests + QEMU tests (installs missing Debian packages)
#   make debug      QEMU stopped with its gdb stub; prints the gdb command
#   make V=1        show full commands
#   make KTEST=0    the production build: no in-kernel test, no test instrument
#                   (fault injection, `kho corrupt`, `luo_test`...), in build-ktest0/
KTEST   ?= 1
B       := build$(if $(filter 0,$(KTEST)),-ktest0)
V       ?= 0
Q       := $(if $(filter 1,$(V)),,@)
say      = $(if $(filter 1,$(V)),,@printf '  %-7s %s\n' $(1) $(2);)

CC      := gcc
LD      := ld
OBJCOPY := objcopy
PYTHON  := /usr/bin/python3

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
GITREV  := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)

KCFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-ffreestanding -fno-pic -fno-pie -mcmodel=kernel -mno-red-zone \
	-mgeneral-regs-only -fno-omit-frame-pointer -fstack-protector-strong \
	-mstack-protector-guard=tls -mstack-protector-guard-reg=fs -mstack-protector-guard-offset=40 \
	-fno-strict-aliasing -fno-common -fcf-protection=none \
	-nostdinc -isystem $(shell $(CC) -print-file-name=include) \
	-Iinclude -Iinclude/libc -isystem $(B)/include-fdt -MD -MP -DBATON_VERSION='"$(VERSION)"' -DBATON_GITREV='"$(GITREV)"' \
	-ffile-prefix-map=$(CURDIR)=. $(EXTRA_KCFLAGS)
KASFLAGS := -Iinclude -I$(B)/include -MD -MP -D__ASSEMBLY__ -fno-pic -fno-pie -ffile-prefix-map=$(CURDIR)=.
KLDFLAGS := -m elf_x86_64 -nostdlib -static -z max-page-size=0x1000 -z noexecstack \
	--no-warn-rwx-segments -T linker.ld

all: $(B)/kernel.elf $(B)/baton.iso $(B)/BOOTX64.EFI $(B)/esp.img $(B)/disk.img

# Each directory lists its sources in a fragment.
# KTEST_SRCS are the test instruments and in-kernel tests: built only with KTEST=1,
# which also defines CONFIG_KTEST for the few hooks that call them.
KSRCS :=
KTEST_SRCS :=
include lib/sources.mk boot/sources.mk mm/sources.mk kho/sources.mk luo/sources.mk \
	drivers/sources.mk kernel/sources.mk
ifeq ($(KTEST),1)
KSRCS += $(KTEST_SRCS)
KCFLAGS += -DCONFIG_KTEST=1
else ifneq ($(KTEST),0)
$(error KTEST must be 0 or 1)
endif
KOBJS := $(patsubst %,$(B)/%.o,$(basename $(KSRCS)))
$(KOBJS): Makefile

# libfdt: Debian's prebuilt libfdt.a, linked after the objects (only the members
# they need come in). Its headers are reached through $(B)/include-fdt, which holds
# links to libfdt.h and fdt.h and nothing else, so no glibc header leaks into the
# -nostdinc build; <libfdt_env.h> is Baton's own (include/libc).
LIBFDT     := /usr/lib/x86_64-linux-gnu/libfdt.a
FDT_HDRS   := $(B)/include-fdt/libfdt.h $(B)/include-fdt/fdt.h
$(FDT_HDRS): $(B)/include-fdt/%: /usr/include/%
	$(Q)mkdir -p $(@D) && ln -sf $< $@
$(KOBJS): | $(FDT_HDRS)

$(B)/%.o: %.c
	$(call say,CC,$<)
	$(Q)mkdir -p $(@D) && $(CC) $(KCFLAGS) -c $< -o $@
$(B)/%.o: %.S
	$(call say,AS,$<)
	$(Q)mkdir -p $(@D) && $(CC) $(KASFLAGS) -c $< -o $@

# Offsets of C structs for the assembler: kernel/asm_offsets.c, compiled to assembly
# (never linked), leaves `.ascii "->NAME VALUE"` lines; they become #defines in
# $(B)/include/generated/asm-offsets.h, which every kernel .S may include.
ASM_OFFSETS := $(B)/include/generated/asm-offsets.h
$(B)/kernel/asm_offsets.s: kernel/asm_offsets.c Makefile
	$(call say,CC,$<)
	$(Q)mkdir -p $(@D) && $(CC) $(KCFLAGS) -S $< -o $@
$(ASM_OFFSETS): $(B)/kernel/asm_offsets.s
	$(call say,GEN,$@)
	$(Q)mkdir -p $(@D) && awk ' \
		BEGIN { print "/* Generated from kernel/asm_offsets.c by the Makefile; do not edit. */"; \
			print "#ifndef GENERATED_ASM_OFFSETS_H"; print "#define GENERATED_ASM_OFFSETS_H" } \
		/"->/ { if (!match($$0, /"->[A-Z0-9_]+ [0-9]+"/)) { \
				print FILENAME ": malformed marker: " $$0 > "/dev/stderr"; bad = 1; next } \
			split(substr($$0, RSTART + 3, RLENGTH - 4), f, " "); print "#define " f[1] " " f[2] } \
		END { print "#endif"; exit bad }' $< > $@
$(patsubst %.S,$(B)/%.o,$(filter %.S,$(KSRCS))): $(ASM_OFFSETS)

# Two-pass link. The symbol table (for stack traces) is the last loaded section, so
# its size cannot move any code or data: pass 1 and pass 2 agree on every address
# (checked below).
$(B)/kernel.pass1.elf: $(KOBJS) $(B)/ksyms-empty.o linker.ld $(LIBFDT)
	$(call say,LD,$@)
	$(Q)$(LD) $(KLDFLAGS) -o $@ $(KOBJS) $(B)/ksyms-empty.o $(LIBFDT)
$(B)/ksyms-empty.o: scripts/ksyms.sh
	$(Q)mkdir -p $(B) && sh scripts/ksyms.sh --empty | $(CC) -c -x assembler - -o $@
$(B)/ksyms.S: $(B)/kernel.pass1.elf scripts/ksyms.sh
	$(call say,GEN,$@)
	$(Q)sh scripts/ksyms.sh $< > $@
$(B)/ksyms.o: $(B)/ksyms.S
	$(Q)$(CC) -c $< -o $@
$(B)/kernel.elf: $(B)/kernel.pass1.elf $(B)/ksyms.o
	$(call say,LD,$@)
	$(Q)$(LD) $(KLDFLAGS) -o $@ $(KOBJS) $(B)/ksyms.o $(LIBFDT)
	$(Q)sh scripts/ksyms.sh --check $(B)/kernel.pass1.elf $@
	$(Q)nm -n $@ > $(B)/kernel.sym
	$(Q)objdump -d -S --no-show-raw-insn $@ > $(B)/kernel.asm

-include boot/efi/efi.mk

# The GRUB ISO: Baton by multiboot2, plus its own image as module "baton".
CMDLINE_ISO ?=
$(B)/baton.iso: $(B)/kernel.elf scripts/mkiso.sh
	$(call say,ISO,$@)
	$(Q)sh scripts/mkiso.sh $@ $(B)/kernel.elf "$(CMDLINE_ISO)"

# An image store disk (docs/abi/imgstore.md) for virtio-blk, holding this kernel as
# image 0, "baton": what `kexec load disk:0` loads.
$(B)/disk.img: $(B)/kernel.elf tools/mkimgdisk.py
	$(call say,DISK,$@)
	$(Q)$(PYTHON) tools/mkimgdisk.py -o $@ baton=$(B)/kernel.elf

include tools/kho-inspect/inspect.mk   # before host.mk: its tests build the same sources
include tests/host/host.mk
include tests/labs/labs.mk

QEMU_ARGS ?=
CMDLINE   ?=
# make run: the live-update demo (scripts/demo/). make run DEMO= : a plain boot.
# A fresh copy of $(B)/disk.img is attached as blk0, for `kexec load disk:0`.
DEMO ?= script=demo hugepages=48
run: deps all
	$(Q)mkdir -p $(B)/run && cp $(B)/disk.img $(B)/run/disk.img
	$(PYTHON) tests/qemu/baton.py run --append "$(strip $(DEMO) $(CMDLINE))" \
		--module scripts/demo/before.txt demo --module scripts/demo/after.txt demo-after \
		--disk $(B)/run/disk.img $(QEMU_ARGS)
debug: deps all
	$(PYTHON) tests/qemu/baton.py debug $(if $(CMDLINE),--append "$(CMDLINE)") $(QEMU_ARGS)

deps:
	$(Q)sh scripts/deps.sh

# Figures, as JSON lines: host allocators (tests/host), then the guest (icount).
bench-guest: deps all
	$(Q)$(PYTHON) tests/bench/guest_bench.py
bench: bench-guest

# See a handover (docs/inspect.md): boot, preserve memfds, kexec finalize, dump the
# guest over QMP, and run build/kho-inspect on it; files in build/inspect/.
inspect: deps all
	$(Q)$(PYTHON) tools/kho-inspect/demo.py

# The guided tour (docs/tour.md): its console lines run for real, and the
# inspector's reports and pictures at three stages, written to docs/tour/.
tour: deps all
	$(Q)$(PYTHON) tools/kho-inspect/tour.py

# A long chain of live updates with random sessions (tests/soak/soak.py); not in
# make test. make soak SOAK_N=100 SOAK_SEED=7
SOAK_N    ?= 1000
SOAK_SEED ?= 1
soak: deps all
	$(PYTHON) tests/soak/soak.py -n $(SOAK_N) --seed $(SOAK_SEED)

PYTEST_ARGS ?=
check-qemu: deps all
	$(PYTHON) -m pytest -q tests/qemu $(PYTEST_ARGS)
# The layers (docs/design.md): no folder calls or includes one above it.
check-layers: $(B)/kernel.elf
	$(Q)$(PYTHON) scripts/check_layers.py $(B) $(KOBJS)

test: deps
	$(MAKE) --no-print-directory check-layers
	$(MAKE) --no-print-directory check-host
	$(MAKE) --no-print-directory check-qemu

clean:
	rm -rf $(B)

.PHONY: all run debug deps test check-layers check-qemu clean bench-guest soak inspect tour lab-1 lab-2 lab-3
.DELETE_ON_ERROR:
-include $(shell find $(B) -name '*.d' 2>/dev/null)
