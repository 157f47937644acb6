KSRCS += luo/kho_fdt.c luo/kho_dump.c luo/kho_fdt_ktest.c
KSRCS += luo/kho_radix.c luo/kho_scratch.c luo/kho_in.c luo/kho_out.c luo/cmd_kho.c luo/kho_selftest.c luo/kho_ktest.c luo/luo_core.c luo/luo_flb.c luo/memfd_luo.c luo/cmd_luo.c luo/luo_test.c luo/hugetlb_luo.c luo/luo_ktest.c luo/memfd_folios.c
KSRCS += luo/kho_block.c
KSRCS += luo/luo_ser.c
