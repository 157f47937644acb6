# lib/: the ground every layer stands on. Nothing here calls a name outside lib/
# (scripts/check_layers.py); devices are reached through what kmain registers.
KSRCS += lib/percpu.c lib/parallel.c lib/string.c lib/format.c lib/libc.c lib/crc32.c lib/palist.c lib/errname.c \
	lib/cmdline.c lib/cmdline_kernel.c lib/printk.c lib/panic.c lib/ksyms.c lib/exit.c \
	lib/args.c lib/shell_result.c lib/kexec_step.c lib/irq_vector.c
KTEST_SRCS += lib/ktest.c lib/fault_inject.c
