# luo/: the Live Update Orchestrator (luo-v5): sessions, files, File-Lifecycle-Bound
# state, their serialization, and the memfd and hugetlb file handlers. Above kho/.
KSRCS += luo/luo_core.c luo/luo_names.c luo/luo_session.c luo/luo_file.c luo/luo_flb.c luo/luo_ser.c luo/memfd_luo.c luo/memfd_folios.c \
	luo/hugetlb_luo.c luo/cmd_luo.c
KTEST_SRCS += luo/luo_test.c luo/luo_inject.c luo/cmd_luo_test.c luo/luo_ktest.c luo/memfd_ktest.c
