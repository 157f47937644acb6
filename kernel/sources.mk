KSRCS += kernel/main.c kernel/cpu.c kernel/trap_entry.S kernel/irq.c kernel/panic.c \
	kernel/exit.c kernel/ksyms.c kernel/serial.c kernel/printk.c kernel/format.c \
	kernel/string.c kernel/errname.c kernel/cmdline.c kernel/cmdline_kernel.c kernel/ktest.c \
	kernel/shell/shell.c kernel/shell/args.c kernel/shell/line.c kernel/shell/cmd_sys.c \
	kernel/ktests.c kernel/libc.c
KSRCS += kernel/kexec.c kernel/kexec_tramp.S
# The image store on disk (include/imgstore.h), and its CRC32.
KSRCS += kernel/crc32.c kernel/imgstore.c kernel/imgstore_ktest.c
# Compiled by `make` but not linked until include/blk.h has a driver behind it
# (virtio-blk): then move it to KSRCS and drop KSRCS_PENDING.
KSRCS_PENDING := kernel/imgstore_blk.c
