KSRCS += boot/entry.S boot/boot_info.c boot/multiboot2.c boot/pvh.c boot/cpio.c boot/modules.c \
	boot/elf_check.c boot/mb2_build.c boot/lm_exit.S
