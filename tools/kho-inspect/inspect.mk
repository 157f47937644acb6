# tools/kho-inspect: the host program that checks the KHO/LUO handover in a guest
# memory dump (docs/inspect.md), built from the kernel's own pure readers. Included
# from the Makefile; `make` builds $(B)/kho-inspect. Objects in $(B)/tools/obj/,
# host gcc, no sanitizers (the host tests build the same sources with them).
INSPECT_LIB_SRCS := tools/kho-inspect/dump.c tools/kho-inspect/inspect.c \
	tools/kho-inspect/output.c kho/kho_fdt.c kho/kho_dump.c kho/kho_radix.c \
	kho/kho_block.c kho/kho_scratch_rules.c luo/luo_ser.c drivers/pci/pci_ser.c \
	drivers/virtio/virtio_blk_ser.c drivers/virtio/virtqueue.c
INSPECT_SRCS  := tools/kho-inspect/main.c $(INSPECT_LIB_SRCS)
INSPECT_OBJS  := $(patsubst %.c,$(B)/tools/obj/%.o,$(INSPECT_SRCS))
INSPECT_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Iinclude -MD -MP
$(INSPECT_OBJS): $(B)/tools/obj/%.o: %.c
	$(call say,HOSTCC,$<)
	$(Q)mkdir -p $(@D) && $(HOST_CC) $(INSPECT_CFLAGS) -c $< -o $@
$(B)/kho-inspect: $(INSPECT_OBJS)
	$(call say,HOSTLD,$@)
	$(Q)$(HOST_CC) -o $@ $^ -l:libfdt.a
all: $(B)/kho-inspect
