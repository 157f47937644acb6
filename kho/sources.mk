# kho/: Kexec HandOver (kho-v4). Scratch memory, the preserved-memory radix tree, the
# root FDT, serialization blocks, and the outgoing (kho_out) and incoming (kho_in)
# sides. Above mm/ (it allocates pages); mm/ reaches it only through the handover
# ops it registers (include/mm.h). It knows no LUO: incoming checks of other layers
# come in through KHO_IN_CHECK (include/kho.h).
KSRCS += kho/kho_fdt.c kho/kho_dump.c kho/kho_radix.c kho/kho_scratch.c kho/kho_scratch_rules.c kho/kho_in.c \
	kho/kho_out.c kho/kho_block.c kho/kho_mm.c kho/cmd_kho.c
KTEST_SRCS += kho/kho_fdt_ktest.c kho/kho_ktest.c kho/kho_corrupt.c kho/cmd_kho_test.c
