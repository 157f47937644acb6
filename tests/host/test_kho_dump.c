/*
 * kho/kho_dump.c on the host: kho_fdt_print()'s text, captured from printk, against
 * goldens - a kho-v4 tree as kho_fdt.c builds it, a hand-made tree with every kind
 * of value (empty, string lists, bytes, a long blob, wrong-length u64s, nested
 * nodes), and a buffer that is not an FDT.
 */
#include "../../kho/kho_internal.h"
#include <libfdt.h>
#include <stdlib.h>
#include "host_test.h"

void kho_fdt_print(const void *fdt);

#define PAGE KHO_FDT_SIZE

static void test_kho_tree(void **state)
{
	(void)state;
	void *fdt = aligned_alloc(8, PAGE);
	assert_non_null(fdt);
	assert_int_equal(kho_fdt_init(fdt, 0x12345000), 0);
	assert_int_equal(kho_fdt_add_subtree(fdt, "LUO", 0x2000000, 0x20), 0);
	assert_int_equal(kho_fdt_add_subtree(fdt, KHO_KEXEC_METADATA_NAME, 0xfedcba9876543000ull, 73), 0);
	printk_log_reset();
	kho_fdt_print(fdt);
	assert_golden(printk_log(),
		"kho fdt: totalsize 4096, used 293, free 3803\n"
		"/ {\n"
		"    compatible = \"kho-v4\";\n"
		"    preserved-memory-map = 0x12345000;\n"
		"    kexec-metadata {\n"
		"        preserved-data = 0xfedcba9876543000;\n"
		"        blob-size = 0x49;\n"
		"    };\n"
		"    LUO {\n"
		"        preserved-data = 0x2000000;\n"
		"        blob-size = 0x20;\n"
		"    };\n"
		"};\n");
	free(fdt);
}

static void test_any_tree(void **state)
{
	(void)state;
	static const uint8_t blob[40] = { 0xde, 0xad, 0xbe, 0xef, [39] = 0x01 };
	void *fdt = aligned_alloc(8, PAGE);
	assert_non_null(fdt);
	assert_int_equal(fdt_create_empty_tree(fdt, PAGE), 0);
	/* libfdt puts a new property or node first: set in reverse reading order */
	assert_int_equal(fdt_setprop_u32(fdt, 0, KHO_FDT_MEMORY_MAP, 0x1000), 0);
	assert_int_equal(fdt_setprop(fdt, 0, "empty", NULL, 0), 0);
	assert_int_equal(fdt_setprop(fdt, 0, "compatible", "a,b\0kho-v4", 11), 0);
	int a = fdt_add_subnode(fdt, 0, "a");
	assert_true(a > 0);
	assert_int_equal(fdt_setprop(fdt, a, "nul-nul", "x\0\0y", 5), 0);
	assert_int_equal(fdt_setprop(fdt, a, "quote", "say \"hi\"", 9), 0);
	assert_int_equal(fdt_setprop(fdt, a, KHO_FDT_SUB_SIZE, "\0\0\0\0\0\0\0\0", 8), 0);
	assert_int_equal(fdt_setprop(fdt, a, KHO_FDT_SUB_DATA, blob, 8), 0);
	int b = fdt_add_subnode(fdt, a, "b@1");
	assert_true(b > 0);
	assert_int_equal(fdt_setprop(fdt, b, "short", blob, 3), 0);
	assert_int_equal(fdt_setprop(fdt, b, "blob", blob, sizeof(blob)), 0);
	int c = fdt_add_subnode(fdt, b, "c");
	assert_true(c > 0);
	assert_int_equal(fdt_setprop_string(fdt, c, "s", "deep"), 0);
	assert_true(fdt_add_subnode(fdt, 0, "z") > 0);
	printk_log_reset();
	kho_fdt_print(fdt);
	assert_golden(printk_log(),
		"kho fdt: totalsize 4096, used 442, free 3654\n"
		"/ {\n"
		"    compatible = \"a,b\", \"kho-v4\";\n"
		"    empty;\n"
		"    preserved-memory-map = [00 00 10 00];\n"
		"    z {\n"
		"    };\n"
		"    a {\n"
		"        preserved-data = 0xefbeadde;\n"
		"        blob-size = 0x0;\n"
		"        quote = [73 61 79 20 22 68 69 22 00];\n"
		"        nul-nul = [78 00 00 79 00];\n"
		"        b@1 {\n"
		"            blob = [de ad be ef 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
		" 00 00 00 00 00 00 00 00 00 00 00 00 ...]; /* 40 bytes */\n"
		"            short = [de ad be];\n"
		"            c {\n"
		"                s = \"deep\";\n"
		"            };\n"
		"        };\n"
		"    };\n"
		"};\n");
	free(fdt);
}

static void test_not_fdt(void **state)
{
	(void)state;
	uint8_t *junk = calloc(1, PAGE);
	assert_non_null(junk);
	printk_log_reset();
	kho_fdt_print(junk);
	kho_fdt_print(NULL);
	assert_int_equal(kho_fdt_init(junk, 0x1000), 0);
	junk[fdt_off_dt_struct(junk) + fdt_size_dt_struct(junk) - 1] = 0x55;  /* bad end tag */
	kho_fdt_print(junk);
	assert_golden(printk_log(), "kho fdt: not a valid FDT\n"
				    "kho fdt: not a valid FDT\n"
				    "kho fdt: not a valid FDT\n");
	free(junk);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kho_tree),
		cmocka_unit_test(test_any_tree),
		cmocka_unit_test(test_not_fdt),
	};
	return cmocka_run_group_tests_name("kho_dump", tests, host_reset_log, NULL);
}
