KSRCS += mm/memblock.c mm/buddy.c mm/paging.c mm/mm.c mm/cmd_mem.c
