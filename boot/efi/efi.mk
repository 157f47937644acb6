# Baton's GNU-EFI loader and its ESP image; included by the top-level Makefile.
#   $(B)/BOOTX64.EFI  the loader (GNU-EFI: PIC ELF .so -> PE32+ EFI application)
#   $(B)/esp.img      FAT superfloppy: \EFI\BOOT\BOOTX64.EFI, \kernel.elf, \baton.cfg
# The loader has its own flags (the GNU-EFI recipe); KCFLAGS never apply here.
# boot/lm_exit.S is assembled into the loader unchanged (the kernel builds its
# own copy as $(B)/boot/lm_exit.o).
# Another command line: make build/esp.img CMDLINE_EFI='...' (add -B if the image
# exists), or directly: boot/efi/mkesp.sh OUT.img build/kernel.elf [CMDLINE...]
# (BOOTX64=path overrides the loader it puts in, default build/BOOTX64.EFI).

EFI_INC  := /usr/include/efi
EFI_LIB  := /usr/lib
EFI_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -Werror \
	-I$(EFI_INC) -I$(EFI_INC)/x86_64 -Iinclude -Iboot/efi \
	-fpic -ffreestanding -fno-stack-protector -fno-stack-check -fshort-wchar \
	-mno-red-zone -maccumulate-outgoing-args -DGNU_EFI_USE_MS_ABI -MD -MP
EFI_LDFLAGS := -shared -Bsymbolic -nostdlib -znocombreloc --no-warn-rwx-segments \
	-T $(EFI_LIB)/elf_x86_64_efi.lds
EFI_SRCS := boot/efi/loader.c boot/efi/cfg.c boot/efi/mb2.c
EFI_SHARED := boot/elf_check.c boot/mb2_build.c   # shared with the kernel
EFI_COBJS := $(patsubst boot/efi/%.c,$(B)/boot/efi/%.o,$(EFI_SRCS))
EFI_SOBJS := $(patsubst boot/%.c,$(B)/boot/efi/shared-%.o,$(EFI_SHARED))
EFI_OBJS := $(EFI_COBJS) $(EFI_SOBJS) $(B)/boot/efi/lm_exit.o
CMDLINE_EFI ?=

# Static pattern rules: they win over the top-level $(B)/%.o rules (KCFLAGS).
$(EFI_COBJS): $(B)/boot/efi/%.o: boot/efi/%.c
	$(call say,CC,$<)
	$(Q)mkdir -p $(@D) && $(CC) $(EFI_CFLAGS) -c $< -o $@

$(EFI_SOBJS): $(B)/boot/efi/shared-%.o: boot/%.c
	$(call say,CC,$<)
	$(Q)mkdir -p $(@D) && $(CC) $(EFI_CFLAGS) -c $< -o $@

$(B)/boot/efi/lm_exit.o: boot/lm_exit.S
	$(call say,AS,$<)
	$(Q)mkdir -p $(@D) && $(CC) -Iinclude -D__ASSEMBLY__ -MD -MP -c $< -o $@

$(B)/boot/efi/loader.so: $(EFI_OBJS)
	$(call say,LD,$@)
	$(Q)$(LD) $(EFI_LDFLAGS) $(EFI_LIB)/crt0-efi-x86_64.o $(EFI_OBJS) -o $@ \
		-L$(EFI_LIB) -lefi -lgnuefi

$(B)/BOOTX64.EFI: $(B)/boot/efi/loader.so
	$(call say,EFI,$@)
	$(Q)$(OBJCOPY) -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela \
		-j .rel.* -j .rela.* -j .reloc --target efi-app-x86_64 --subsystem=10 $< $@

$(B)/esp.img: $(B)/kernel.elf $(B)/BOOTX64.EFI boot/efi/mkesp.sh
	$(call say,ESP,$@)
	$(Q)BOOTX64=$(B)/BOOTX64.EFI sh boot/efi/mkesp.sh $@ $(B)/kernel.elf $(CMDLINE_EFI)
