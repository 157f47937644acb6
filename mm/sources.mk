# mm/: memblock, paging, the buddy zones and their per-CPU page caches, vmalloc,
# kmalloc, hugetlb pools and their adoption after a live update, memfd. Above boot/
# (it reads boot_info), below kho/: it reaches a handover only through the hooks of
# include/mm.h.
KSRCS += mm/memblock.c mm/buddy.c mm/paging.c mm/memmap.c mm/mm.c mm/cmd_mem.c mm/kmalloc.c \
	mm/vmalloc.c mm/hugetlb.c mm/hugetlb_adopt.c mm/cmd_hugetlb.c mm/memfd.c mm/cmd_memfd.c mm/zones.c mm/pcp.c
KTEST_SRCS += mm/mm_ktest.c
