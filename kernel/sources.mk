# kernel/: the top. kmain, CPU tables and the CPU list, traps and interrupts, the
# shell, kexec, and the image store; it may call every layer below.
KSRCS += kernel/main.c kernel/tsc.c kernel/cpu.c kernel/trap_entry.S kernel/trap.c kernel/irq.c \
	kernel/shell/shell.c kernel/shell/line.c kernel/shell/cmd_sys.c
KSRCS += kernel/smp.c kernel/smp_boot.c kernel/smp_call.c kernel/ap_tramp.S kernel/lapic.c kernel/cmd_cpus.c
KSRCS += kernel/kexec.c kernel/kexec_tramp.S kernel/cmd_kexec.c
# The image store on disk (include/imgstore.h) and its block adapter.
KSRCS += kernel/imgstore.c kernel/imgstore_blk.c kernel/cmd_disk.c
KTEST_SRCS += kernel/kho_selftest.c kernel/cmd_kho_selftest.c kernel/cmd_fault.c
KTEST_SRCS += kernel/ktests.c kernel/cmd_ktest.c kernel/imgstore_ktest.c kernel/smp_ktest.c kernel/smp_fault.c kernel/smp_stress.c
