# Host unit tests (tests/host/README.md). Kernel sources are compiled unchanged for
# the host, with -Iinclude but not -Iinclude/libc so <string.h>, <errno.h> and
# snprintf come from glibc; tests/host/shim supplies printk. Everything lands in
# $(B)/host/.
#   make check-host         build, run every test binary, then each fuzzer briefly
#   make fuzz               run each fuzzer for FUZZ_TIME seconds
#   make bench              allocator figures (JSON lines), built -O2 without sanitizers
# A test binary passes when it exits 0; check-host fails if any binary or fuzzer does.

HOST_CC      := gcc
HOST_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all
HOST_CFLAGS  := -std=gnu11 -O1 -g -Wall -Wextra -Werror $(HOST_SAN) -fno-omit-frame-pointer \
	-Iinclude -Itests/host/shim -MD -MP
HOST_LDFLAGS := $(HOST_SAN)
HOST_LIBS    := -lcmocka
# A failed sanitizer check must fail the test binary, and say where.
HOST_ENV     := ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1

FUZZ_CC      := clang
FUZZ_CFLAGS  := -std=gnu11 -O1 -g -Wall -Wextra -Werror -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-Iinclude -Itests/host/shim -MD -MP
# Seconds per fuzzer: FUZZ_TIME for `make fuzz`, FUZZ_CHECK_TIME for `make check-host`.
FUZZ_TIME       ?= 120
FUZZ_CHECK_TIME ?= 10

HOST_SHIM := tests/host/shim/printk.c

# One test binary per subject: test_<name> links tests/host/test_<name>.c with the
# kernel sources listed in host_src_<name>, and the shim.
HOST_TESTS          := cmdline args line boot_info cpio buddy memblock
host_src_cmdline    := lib/cmdline.c
host_src_args       := lib/args.c
host_src_line       := kernel/shell/line.c
host_src_boot_info  := boot/boot_info.c
host_src_cpio       := boot/cpio.c
host_src_buddy      := mm/buddy.c tests/host/shim/panic.c
host_src_memblock   := mm/memblock.c

# Fuzzers: fuzz_<name> links tests/host/fuzz_<name>.c with fuzz_src_<name>; seeds
# are in tests/host/corpus/<name>/ (read-only); what the fuzzer finds goes to
# $(B)/host/corpus/<name>/, crashes to $(B)/host/crash-<name>-*.
HOST_FUZZERS        := cpio boot_info
fuzz_src_cpio       := boot/cpio.c
fuzz_src_boot_info  := boot/boot_info.c

# kho/kho_radix.c: the KHO preserved-memory radix tree.
HOST_TESTS          += kho_radix
host_src_kho_radix  := kho/kho_radix.c
HOST_FUZZERS        += kho_radix
fuzz_src_kho_radix  := kho/kho_radix.c

# kho/kho_fdt.c, kho/kho_dump.c: the KHO root FDT, over the libfdt.a the kernel links
# (Debian's, not built with sanitizers).
HOST_TESTS          += kho_fdt kho_dump
host_src_kho_fdt    := kho/kho_fdt.c
host_libs_kho_fdt   := -l:libfdt.a
host_src_kho_dump   := kho/kho_dump.c kho/kho_fdt.c
host_libs_kho_dump  := -l:libfdt.a
HOST_FUZZERS        += kho_fdt
fuzz_src_kho_fdt    := kho/kho_fdt.c kho/kho_dump.c
fuzz_libs_kho_fdt   := -l:libfdt.a

# mm/hugetlb.c: the huge-page pools over one real buddy zone (shim/mm_host.c), its
# BOOT_PARAM options through lib/cmdline_kernel.c and its SHELL_CMD through
# kernel/shell/shell.c lib/shell_result.c (serial stubbed by shim/shell_host.c). shim/host_sections.ld
# gathers .boot_param and .shell_cmd.* between the symbols the kernel's linker.ld
# defines; the test object depends on it so that an edit relinks.
HOST_TESTS          += hugetlb
host_src_hugetlb    := mm/hugetlb.c mm/hugetlb_adopt.c mm/cmd_hugetlb.c lib/palist.c mm/buddy.c mm/zones.c \
	mm/pcp.c tests/host/shim/percpu_host.c lib/cmdline.c lib/cmdline_kernel.c \
	kernel/shell/shell.c lib/shell_result.c lib/args.c kernel/shell/line.c lib/errname.c \
	boot/boot_info.c tests/host/shim/mm_host.c tests/host/shim/shell_host.c \
	tests/host/shim/panic.c
host_libs_hugetlb   := -Wl,-T,tests/host/shim/host_sections.ld
$(B)/host/obj/tests/host/test_hugetlb.o: tests/host/shim/host_sections.ld
# The pool's adoption of a handed-over list, over the same shim (its KHO is a set of
# blocks the fuzzer declares preserved).
HOST_FUZZERS            += hugetlb_adopt
fuzz_src_hugetlb_adopt  := $(host_src_hugetlb)
fuzz_libs_hugetlb_adopt := $(host_libs_hugetlb)
$(B)/host/fuzz/tests/host/fuzz_hugetlb_adopt.o: tests/host/shim/host_sections.ld

# kho/kho_block.c: KHO serialization blocks (the chains LUO keeps its records in).
HOST_TESTS          += kho_block
host_src_kho_block  := kho/kho_block.c
HOST_FUZZERS        += kho_block
fuzz_src_kho_block  := kho/kho_block.c

# luo/luo_ser.c: the luo-v5 serialization (luo_ser, session/file chains, FLB page),
# over kho/kho_block.c.
HOST_TESTS          += luo_ser
host_src_luo_ser    := luo/luo_ser.c kho/kho_block.c
HOST_FUZZERS        += luo_ser
fuzz_src_luo_ser    := luo/luo_ser.c kho/kho_block.c

# drivers/virtio/virtqueue.c: split-ring bookkeeping against a simulated device.
HOST_TESTS           += virtqueue
host_src_virtqueue   := drivers/virtio/virtqueue.c

# A kept virtio-blk disk's pure code: drivers/pci/pci_ser.c (the pci-v2 array, against
# bytes typed from Linux's definition) and drivers/virtio/virtio_blk_ser.c (the
# baton-virtio-blk-v1 record's checks) with virtqueue.c, whose vq_adopt the
# virtio-blk fuzzer also drives.
HOST_TESTS              += pci_ser virtio_blk_ser pci_msix
host_src_pci_msix       := drivers/pci/pci_msix.c
host_src_pci_ser        := drivers/pci/pci_ser.c
host_src_virtio_blk_ser := drivers/virtio/virtio_blk_ser.c drivers/virtio/virtqueue.c
HOST_FUZZERS            += pci_ser virtio_blk_ser
fuzz_src_pci_ser        := drivers/pci/pci_ser.c
fuzz_src_virtio_blk_ser := $(host_src_virtio_blk_ser)

# drivers/acpi/acpi_tables.c, acpi_madt.c: RSDP, root tables, MCFG and MADT parsing.
HOST_TESTS           += acpi
host_src_acpi        := drivers/acpi/acpi_tables.c drivers/acpi/acpi_madt.c
HOST_FUZZERS         += acpi
fuzz_src_acpi        := drivers/acpi/acpi_tables.c drivers/acpi/acpi_madt.c

# A command run through shell_exec_line on the host: the shell and what it links
# (the serial port stubbed by shim/shell_host.c); with -Wl,-T,$(HOST_SHELL_LD).
HOST_SHELL_SRCS := kernel/shell/shell.c lib/shell_result.c lib/args.c kernel/shell/line.c \
	lib/errname.c boot/boot_info.c tests/host/shim/shell_host.c tests/host/shim/panic.c
HOST_SHELL_LD   := tests/host/shim/host_sections.ld

# kernel/smp.c, kernel/cmd_cpus.c: the CPU list over a fake acpi_cpus() in the
# test, nosmp/maxcpus= through cmdline_apply_kernel, the `cpus` command through the
# shell.
HOST_TESTS          += smp
host_src_smp        := kernel/smp.c kernel/cmd_cpus.c lib/cmdline.c lib/cmdline_kernel.c \
	$(HOST_SHELL_SRCS)
host_libs_smp       := -Wl,-T,$(HOST_SHELL_LD)
$(B)/host/obj/tests/host/test_smp.o: tests/host/shim/host_sections.ld

# kernel/imgstore.c: the image store on disk (kexec load disk:N), over lib/crc32.c.
# test_imgstore also checks tools/mkimgdisk.py's disks (tests/host/imgstore_cases.py).
HOST_TESTS          += imgstore
host_src_imgstore   := kernel/imgstore.c lib/crc32.c lib/errname.c
HOST_FUZZERS        += imgstore
fuzz_src_imgstore   := kernel/imgstore.c lib/crc32.c
# kernel/imgstore_blk.c: the store on a block device and `disk list`, over a fake
# include/blk.h in the test, with the shell as test_hugetlb has it.
HOST_TESTS            += imgstore_blk
host_src_imgstore_blk := kernel/imgstore_blk.c kernel/cmd_disk.c kernel/imgstore.c lib/crc32.c \
	$(HOST_SHELL_SRCS)
host_libs_imgstore_blk := -Wl,-T,$(HOST_SHELL_LD)
$(B)/host/obj/tests/host/test_imgstore_blk.o: tests/host/shim/host_sections.ld

# mm/pcp.c: the per-CPU page caches, with mm/zones.c and mm/buddy.c over
# shim/mm_host.c; threads stand in for CPUs (shim/percpu_host.c). Also built under
# ThreadSanitizer as test_pcp_tsan (below).
HOST_TESTS          += pcp
host_src_pcp        := mm/pcp.c mm/zones.c mm/buddy.c tests/host/shim/mm_host.c \
	tests/host/shim/percpu_host.c tests/host/shim/panic.c
host_libs_pcp       := -lpthread

HOST_BINS := $(patsubst %,$(B)/host/test_%,$(HOST_TESTS))
FUZZ_BINS := $(patsubst %,$(B)/host/fuzz_%,$(HOST_FUZZERS))
host_obj   = $(patsubst %.c,$(B)/host/obj/%.o,$(1))
fuzz_obj   = $(patsubst %.c,$(B)/host/fuzz/%.o,$(1))

# Every compile rule here (and in tests/labs/labs.mk) is made by
#   $(call objects,DIR,SAY,COMMAND,SRCS)
# each of SRCS, X.c, compiled to $(B)/host/DIR/X.o by COMMAND (the compiler and its
# flags), shown as SAY; but only the objects that no earlier call made a rule for.
# So the first group to name a source sets its flags, and a later group that names
# it again links that object. Static pattern rules, so the kernel's $(B)/%.o rule
# never claims these objects.
define objects_rule
objects_$(2) += $(1)
$(1): $(B)/host/$(2)/%.o: %.c
	$$(call say,$(3),$$<)
	$$(Q)mkdir -p $$(@D) && $(4) -c $$< -o $$@
endef
objects = $(call objects_new,$(filter-out $(objects_$(1)),$(sort \
	$(patsubst %.c,$(B)/host/$(1)/%.o,$(4)))),$(1),$(2),$(3))
objects_new = $(if $(1),$(eval $(call objects_rule,$(1),$(2),$(3),$(4))))

$(call objects,obj,HOSTCC,$(HOST_CC) $(HOST_CFLAGS),$(HOST_SHIM) $(foreach t,$(HOST_TESTS),\
	tests/host/test_$(t).c $(host_src_$(t))))
$(call objects,fuzz,FUZZCC,$(FUZZ_CC) $(FUZZ_CFLAGS),$(HOST_SHIM) $(foreach f,$(HOST_FUZZERS),\
	tests/host/fuzz_$(f).c $(fuzz_src_$(f))))

define host_test_rule
$(B)/host/test_$(1): $(call host_obj,tests/host/test_$(1).c $(host_src_$(1)) $(HOST_SHIM))
	$$(call say,HOSTLD,$$@)
	$$(Q)$(HOST_CC) $(HOST_LDFLAGS) -o $$@ $$^ $(HOST_LIBS) $(host_libs_$(1))
endef
define fuzz_rule
$(B)/host/fuzz_$(1): $(call fuzz_obj,tests/host/fuzz_$(1).c $(fuzz_src_$(1)) $(HOST_SHIM))
	$$(call say,FUZZLD,$$@)
	$$(Q)$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $$@ $$^ $(fuzz_libs_$(1))
endef
$(foreach t,$(HOST_TESTS),$(eval $(call host_test_rule,$(t))))
$(foreach f,$(HOST_FUZZERS),$(eval $(call fuzz_rule,$(f))))

# Run fuzzer $(1) for $(2) seconds with a fixed seed; exits non-zero on a finding.
fuzz_run = mkdir -p $(B)/host/corpus/$(1) && $(HOST_ENV) ./$(B)/host/fuzz_$(1) \
	-max_total_time=$(2) -seed=1 -print_final_stats=1 \
	-artifact_prefix=$(B)/host/crash-$(1)- \
	$(B)/host/corpus/$(1) tests/host/corpus/$(1)

# Every binary runs even after one fails; cmocka's summary lines go to stdout. The
# fuzzers run side by side (their logs go to files), then each log's tail is shown,
# or, if that fuzzer failed, all of it but the progress lines.
check-host: $(HOST_BINS) $(FUZZ_BINS)
	$(Q)failed=; \
	for t in $(HOST_BINS); do \
		echo "== $$t"; \
		$(HOST_ENV) ./$$t || failed="$$failed $$t"; \
	done; \
	for f in $(HOST_FUZZERS); do \
		( $(call fuzz_run,$$f,$(FUZZ_CHECK_TIME)) >$(B)/host/fuzz_$$f.log 2>&1; \
		  echo $$? >$(B)/host/fuzz_$$f.rc ) & \
	done; \
	wait; \
	for f in $(HOST_FUZZERS); do \
		echo "== $(B)/host/fuzz_$$f ($(FUZZ_CHECK_TIME) s)"; \
		if [ "$$(cat $(B)/host/fuzz_$$f.rc)" = 0 ]; then tail -n 6 $(B)/host/fuzz_$$f.log; \
		else grep -v "^#[0-9]" $(B)/host/fuzz_$$f.log; failed="$$failed fuzz_$$f"; fi; \
	done; \
	if [ -n "$$failed" ]; then echo "check-host: FAILED:$$failed"; exit 1; fi; \
	echo "check-host: all passed"

fuzz: $(FUZZ_BINS)
	$(Q)for f in $(HOST_FUZZERS); do \
		echo "== $(B)/host/fuzz_$$f ($(FUZZ_TIME) s)"; \
		$(call fuzz_run,$$f,$(FUZZ_TIME)) || exit 1; \
	done

# Allocator benchmark: the same kernel sources at -O2, no sanitizers, in $(B)/host/bench/.
BENCH_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Iinclude -Itests/host/shim -MD -MP
BENCH_SRCS   := tests/host/bench_alloc.c mm/buddy.c mm/zones.c mm/pcp.c tests/host/shim/mm_host.c \
	tests/host/shim/percpu_host.c tests/host/shim/panic.c
BENCH_OBJS   := $(patsubst %.c,$(B)/host/bench/%.o,$(BENCH_SRCS))
$(call objects,bench,BENCHCC,$(HOST_CC) $(BENCH_CFLAGS),$(BENCH_SRCS))
$(B)/host/bench_alloc: $(BENCH_OBJS)
	$(call say,BENCHLD,$@)
	$(Q)$(HOST_CC) -o $@ $^ -lpthread

# One JSON object per line on stdout: the machine first, then one per figure.
bench: $(B)/host/bench_alloc
	$(Q)./$(B)/host/bench_alloc
	$(Q)./$(B)/host/bench_kho_radix
	$(Q)./$(B)/host/bench_crc32

# kho/kho_radix.c benchmark (8 GiB preserved as order-9, order-0 and order-18 blocks).
BENCH_KHO_SRCS := tests/host/bench_kho_radix.c kho/kho_radix.c
BENCH_KHO_OBJS := $(patsubst %.c,$(B)/host/bench/%.o,$(BENCH_KHO_SRCS))
$(call objects,bench,BENCHCC,$(HOST_CC) $(BENCH_CFLAGS),$(BENCH_KHO_SRCS))
$(B)/host/bench_kho_radix: $(BENCH_KHO_OBJS)
	$(call say,BENCHLD,$@)
	$(Q)$(HOST_CC) -o $@ $^
bench: $(B)/host/bench_kho_radix

.PHONY: check-host fuzz bench

# lib/crc32.c benchmark: 4 MiB, slicing-by-8 against one lookup per byte.
BENCH_CRC_SRCS := tests/host/bench_crc32.c lib/crc32.c
BENCH_CRC_OBJS := $(patsubst %.c,$(B)/host/bench/%.o,$(BENCH_CRC_SRCS))
$(call objects,bench,BENCHCC,$(HOST_CC) $(BENCH_CFLAGS),$(BENCH_CRC_SRCS))
$(B)/host/bench_crc32: $(BENCH_CRC_OBJS)
	$(call say,BENCHLD,$@)
	$(Q)$(HOST_CC) -o $@ $^
bench: $(B)/host/bench_crc32

# ---- LUO's state machine (tests/host/test_luo.c) ----
# luo/luo_core.c, luo_session.c, luo_file.c, luo_flb.c over shim/luo_host.c (kmalloc
# on malloc, KHO over a shared arena, kexec and boot by fork), with luo_ser.c and
# kho/kho_block.c. shim/luo_sections.ld gathers .luo_register, .kexec_step,
# .kho_in_check and .fault_handler. Built as KTEST=1 builds them (CONFIG_KTEST: the
# "luo.serialized" fault site is live, lib/fault_inject.c runs it), with strlcpy
# declared for glibc 2.36 (shim/luo_host_libc.h). This section comes after the
# generic rules above were expanded, so it adds its binary to HOST_BINS and
# check-host itself, and makes the rule for its objects that have none yet.
HOST_TESTS     += luo
host_src_luo   := luo/luo_core.c luo/luo_session.c luo/luo_file.c luo/luo_flb.c \
	luo/luo_ser.c kho/kho_block.c lib/fault_inject.c lib/kexec_step.c \
	tests/host/shim/luo_host.c tests/host/shim/host_strlcpy.c
host_libs_luo  := -Wl,-T,tests/host/shim/luo_sections.ld
LUO_HOST_CFLAGS := -DCONFIG_KTEST=1 -include tests/host/shim/luo_host_libc.h
$(call objects,obj,HOSTCC,$(HOST_CC) $(HOST_CFLAGS) $(LUO_HOST_CFLAGS),\
	tests/host/test_luo.c $(host_src_luo))
$(B)/host/obj/tests/host/test_luo.o: tests/host/shim/luo_sections.ld
$(eval $(call host_test_rule,luo))
HOST_BINS      += $(B)/host/test_luo
check-host: $(B)/host/test_luo

# ---- kho/kho_out.c (tests/host/test_kho_out.c) ----
# The outgoing handover over shim/kho_host.c (an arena with memory behind it, page
# allocator, scratch ranges), with kho_radix.c and kho_fdt.c (libfdt). kho_out.c
# reaches memory through include/layout.h's phys_to_virt: shim/host_direct_map.h,
# forced in, routes it to the arena without touching the header. Built as KTEST=1
# builds it (the "kho.finalized" fault site), .fault_handler gathered by
# shim/luo_sections.ld.
HOST_TESTS         += kho_out
host_src_kho_out   := kho/kho_out.c kho/kho_radix.c kho/kho_fdt.c lib/fault_inject.c \
	tests/host/shim/kho_host.c tests/host/shim/host_strlcpy.c
host_libs_kho_out  := -l:libfdt.a -Wl,-T,tests/host/shim/luo_sections.ld
KHO_OUT_HOST_CFLAGS := -DCONFIG_KTEST=1 -DBATON_VERSION='"host-test"' \
	-include tests/host/shim/host_direct_map.h -include tests/host/shim/luo_host_libc.h
$(call objects,obj,HOSTCC,$(HOST_CC) $(HOST_CFLAGS) $(KHO_OUT_HOST_CFLAGS),\
	tests/host/test_kho_out.c $(host_src_kho_out))
$(B)/host/obj/tests/host/test_kho_out.o: tests/host/shim/luo_sections.ld
$(eval $(call host_test_rule,kho_out))
HOST_BINS          += $(B)/host/test_kho_out
check-host: $(B)/host/test_kho_out

# ---- kho/kho_in.c, kho/kho_scratch.c (tests/host/test_kho_in.c) ----
# The incoming handover as a round trip N -> N+1 (each kernel a forked child) over
# shim/kho_in_host.c (64 MiB of shared RAM at physical 0, routed to by the forced-in
# shim/host_direct_map.h): the real mm_init (mm/mm.c, memblock.c, zones.c,
# buddy.c) with KHO's hooks (kho/kho_mm.c), kho_out.c in kernel N. Built with
# test_kho_out's flags (kho_out.o is that test's object); .kho_in_check (the test's
# KHO_IN_CHECK) and .fault_handler gathered by shim/luo_sections.ld; .boot_param
# (kho_scratch=) is left an orphan section, which nothing reads here.
HOST_TESTS         += kho_in
host_src_kho_in    := kho/kho_in.c kho/kho_scratch.c kho/kho_scratch_rules.c kho/kho_mm.c kho/kho_out.c \
	kho/kho_radix.c kho/kho_fdt.c mm/mm.c mm/memblock.c mm/zones.c mm/buddy.c mm/pcp.c \
	tests/host/shim/percpu_host.c \
	lib/args.c lib/fault_inject.c tests/host/shim/kho_in_host.c \
	tests/host/shim/host_strlcpy.c tests/host/shim/panic.c
host_libs_kho_in   := -l:libfdt.a -Wl,-T,tests/host/shim/luo_sections.ld
$(call objects,obj,HOSTCC,$(HOST_CC) $(HOST_CFLAGS) $(KHO_OUT_HOST_CFLAGS),\
	tests/host/test_kho_in.c $(host_src_kho_in))
$(B)/host/obj/tests/host/test_kho_in.o: tests/host/shim/luo_sections.ld
$(eval $(call host_test_rule,kho_in))
HOST_BINS          += $(B)/host/test_kho_in
check-host: $(B)/host/test_kho_in

# ---- LUO against Linux's bytes (tests/host/test_luo_abi.c) ----
# The same sources and shim as test_luo (objects shared), with expected bytes typed
# from the luo-v5 definitions: liveupdate_num on the wire, luo_ser and the FLB page,
# an FLB's incoming data at registration.
HOST_TESTS         += luo_abi
host_src_luo_abi   := $(host_src_luo)
host_libs_luo_abi  := $(host_libs_luo)
$(call objects,obj,HOSTCC,$(HOST_CC) $(HOST_CFLAGS) $(LUO_HOST_CFLAGS),\
	tests/host/test_luo_abi.c $(host_src_luo_abi))
$(B)/host/obj/tests/host/test_luo_abi.o: tests/host/shim/luo_sections.ld
$(eval $(call host_test_rule,luo_abi))
HOST_BINS          += $(B)/host/test_luo_abi
check-host: $(B)/host/test_luo_abi

# ---- the memfd-v2 handler (tests/host/test_memfd_luo.c) ----
# luo/memfd_luo.c and luo/memfd_folios.c with mm/memfd.c over a shim in the test
# (an arena as the direct map, via shim/host_direct_map.h; page states; KHO's
# preserve and restore calls); LUO_REGISTER gathered by shim/luo_sections.ld.
# Records typed from Linux's memfd-v2 bytes: large folios, refusals, the writer.
HOST_TESTS             += memfd_luo
host_src_memfd_luo     := luo/memfd_luo.c luo/luo_names.c luo/memfd_folios.c mm/memfd.c lib/parallel.c \
	tests/host/shim/host_strlcpy.c tests/host/shim/panic.c
host_libs_memfd_luo    := -Wl,-T,tests/host/shim/luo_sections.ld
MEMFD_LUO_HOST_CFLAGS  := -include tests/host/shim/host_direct_map.h \
	-include tests/host/shim/luo_host_libc.h
$(call objects,obj,HOSTCC,$(HOST_CC) $(HOST_CFLAGS) $(MEMFD_LUO_HOST_CFLAGS),\
	tests/host/test_memfd_luo.c $(host_src_memfd_luo))
$(B)/host/obj/tests/host/test_memfd_luo.o: tests/host/shim/luo_sections.ld
$(eval $(call host_test_rule,memfd_luo))
HOST_BINS              += $(B)/host/test_memfd_luo
check-host: $(B)/host/test_memfd_luo

# ---- the local APIC (tests/host/test_lapic.c) ----
# kernel/lapic.c in xAPIC and x2APIC mode over a simulated APIC: shim/lapic/x86.h
# (first on the include path) turns the MSRs into a table, and the direct map
# (shim/host_direct_map.h) gives the MMIO page. QEMU's TCG has no x2APIC: this is
# where that mode is checked.
HOST_TESTS             += lapic
host_src_lapic         := kernel/lapic.c
LAPIC_HOST_CFLAGS      := -Itests/host/shim/lapic $(HOST_CFLAGS) \
	-include tests/host/shim/host_direct_map.h
$(call objects,obj,HOSTCC,$(HOST_CC) $(LAPIC_HOST_CFLAGS),tests/host/test_lapic.c $(host_src_lapic))
$(eval $(call host_test_rule,lapic))
HOST_BINS              += $(B)/host/test_lapic
check-host: $(B)/host/test_lapic

# ---- tools/kho-inspect (tests/host/test_inspect.c, fuzz_inspect.c) ----
# The dump inspector's library (tools/kho-inspect/inspect.h) with the kernel readers
# it runs and the writers the test builds handovers with (kho_fdt.c, kho_radix.c,
# luo_ser.c, kho_block.c, libfdt): dumps made in the test, raw and ELF, good and
# broken. The kernel sources' objects are the other tests'; only the tool's and the
# test's are new here. The fuzzer feeds random bytes to inspect() as a raw image and
# as an ELF core.
INSPECT_TEST_SRCS    := $(INSPECT_LIB_SRCS)   # tools/kho-inspect/inspect.mk
HOST_TESTS           += inspect
host_src_inspect     := $(INSPECT_TEST_SRCS)
host_libs_inspect    := -l:libfdt.a
$(call objects,obj,HOSTCC,$(HOST_CC) $(HOST_CFLAGS),tests/host/test_inspect.c $(host_src_inspect))
$(eval $(call host_test_rule,inspect))
HOST_BINS            += $(B)/host/test_inspect
check-host: $(B)/host/test_inspect
HOST_FUZZERS         += inspect
fuzz_src_inspect     := $(INSPECT_TEST_SRCS)
fuzz_libs_inspect    := -l:libfdt.a
$(call objects,fuzz,FUZZCC,$(FUZZ_CC) $(FUZZ_CFLAGS),tests/host/fuzz_inspect.c $(fuzz_src_inspect))
$(eval $(call fuzz_rule,inspect))
FUZZ_BINS            += $(B)/host/fuzz_inspect
check-host: $(B)/host/fuzz_inspect

# ---- test_pcp under ThreadSanitizer (test_pcp_tsan) ----
# The same test and sources with -fsanitize=thread instead of ASan and UBSan (TSan
# cannot be combined with ASan), objects in $(B)/host/tsan/. A data race anywhere
# the threads go (the zones, the caches, the shared memmap) fails the binary; it
# runs fewer operations per thread (the test's default under TSan).
TSAN_CFLAGS    := $(filter-out $(HOST_SAN),$(HOST_CFLAGS)) -fsanitize=thread
TSAN_PCP_SRCS  := tests/host/test_pcp.c $(host_src_pcp) $(HOST_SHIM)
TSAN_PCP_OBJS  := $(patsubst %.c,$(B)/host/tsan/%.o,$(TSAN_PCP_SRCS))
$(call objects,tsan,TSANCC,$(HOST_CC) $(TSAN_CFLAGS),$(TSAN_PCP_SRCS))
$(B)/host/test_pcp_tsan: $(TSAN_PCP_OBJS)
	$(call say,HOSTLD,$@)
	$(Q)$(HOST_CC) -fsanitize=thread -o $@ $^ $(HOST_LIBS) -lpthread
HOST_BINS      += $(B)/host/test_pcp_tsan
check-host: $(B)/host/test_pcp_tsan
