# boot/: the entry code and the boot adapters (PVH, multiboot2, cpio modules) that
# fill struct boot_info; just above lib/. (boot/efi/ is a program of its own: efi.mk.)
KSRCS += boot/entry.S boot/boot_info.c boot/multiboot2.c boot/pvh.c boot/cpio.c boot/modules.c \
	boot/elf_check.c boot/mb2_build.c boot/lm_exit.S
