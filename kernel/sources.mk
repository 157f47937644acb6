KSRCS += kernel/main.c kernel/cpu.c kernel/trap_entry.S kernel/irq.c kernel/panic.c \
	kernel/exit.c kernel/ksyms.c kernel/serial.c kernel/printk.c kernel/format.c \
	kernel/string.c kernel/errname.c kernel/cmdline.c kernel/cmdline_kernel.c kernel/ktest.c \
	kernel/shell/shell.c kernel/shell/args.c kernel/shell/line.c kernel/shell/cmd_sys.c \
	kernel/ktests.c kernel/libc.c kernel/palist.c
KSRCS += kernel/kexec.c kernel/kexec_tramp.S
# The image store on disk (include/imgstore.h), its CRC32, and its block adapter.
KSRCS += kernel/crc32.c kernel/imgstore.c kernel/imgstore_ktest.c kernel/imgstore_blk.c
