/*
 * LUO against Linux's side of the handover (luo/luo_core.c, luo_flb.c over
 * shim/luo_host.c, as tests/host/test_luo.c builds them): where test_luo.c checks
 * that one Baton kernel reads what another wrote, this file checks the bytes a
 * Linux kernel would write or expect. Every expected byte array is typed from the
 * luo-v5 definitions (include/abi/luo.h restates them: offsets, sizes, field
 * order), never produced by Baton's writer.
 *
 * Covered: liveupdate_num on the wire (a cold-booted kernel writes 1; the next one
 * takes the stored value as its own number, with no + 1, and writes it + 1; so a
 * luo_ser handed over with 4 gives this boot the number 4 and the next 5), the
 * whole luo_ser and the empty FLB page a cold kernel hands over, and an FLB whose
 * incoming data is already there when its owner registers it (Linux reads its
 * incoming FLB page before any handler registers).
 */
#include <errno.h>
#include <stdlib.h>
#include <luo.h>
#include "../../luo/luo_internal.h"
#include "luo_host.h"
#include "host_test.h"

/* ---- a minimal handler and FLB, so that the registrations run ---- */

static bool t_can(struct luo_file_handler *h, const struct luo_fileref *f)
{
	(void)h;
	return !strcmp(f->kind, "abi");
}
static int t_preserve(struct luo_file_op_args *a)
{
	a->serialized_data = 0x5151;
	return 0;
}
static void t_void(struct luo_file_op_args *a)
{
	(void)a;
}
static int t_retrieve(struct luo_file_op_args *a)
{
	(void)a;
	return 0;
}
static const struct luo_file_ops ops = { .can_preserve = t_can, .preserve = t_preserve,
					 .unpreserve = t_void, .retrieve = t_retrieve,
					 .finish = t_void };
static struct luo_file_handler handler = { .ops = &ops, .compatible = "abi-test" };

#define FLB_DATA 0xFEEDF00DCAFEBEE0ull
static unsigned flb_retrieves;
static uint64_t flb_seen;
static int at_register_get = 1;         /* luo_flb_get_incoming's result at registration */

static int f_preserve(struct luo_flb_op_args *a)
{
	a->data = FLB_DATA;
	return 0;
}
static void f_unpreserve(struct luo_flb_op_args *a)
{
	(void)a;
}
static int f_retrieve(struct luo_flb_op_args *a)
{
	flb_retrieves++;
	flb_seen = a->data;
	a->obj = &flb_seen;
	return 0;
}
static void f_finish(struct luo_flb_op_args *a)
{
	(void)a;
}
static const struct luo_flb_ops flb_ops = { f_preserve, f_unpreserve, f_retrieve, f_finish };
static struct luo_flb flb = { &flb_ops, "abi-test-flb", NULL };

/* As Linux's test module does at registration: ask for the incoming data at once. */
static int abi_register(void)
{
	assert_int_equal(luo_register_file_handler(&handler), 0);
	assert_int_equal(luo_register_flb(&handler, &flb), 0);
	void *obj = NULL;
	at_register_get = luo_flb_get_incoming(&flb, &obj);
	if (!at_register_get) {
		assert_ptr_equal(obj, &flb_seen);
		luo_flb_put_incoming(&flb);
	}
	return 0;
}
LUO_REGISTER(90, abi_register);

/* ---- bytes ---- */

static void put64(uint8_t *p, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* struct luo_ser as Linux lays it out: char compatible[8] ("luo-v5", NUL-padded),
 * u64 liveupdate_num at 8, u64 sessions_pa at 16, u64 flbs_pa at 24; packed, little
 * endian, 32 bytes. */
static void linux_luo_ser(uint8_t out[32], uint64_t num, uint64_t sessions, uint64_t flbs)
{
	static const uint8_t compat[8] = { 'l', 'u', 'o', '-', 'v', '5', 0, 0 };
	memcpy(out, compat, 8);
	put64(out + 8, num);
	put64(out + 16, sessions);
	put64(out + 24, flbs);
}

/* The outgoing luo_ser this kernel hands over (after host_kexec) is exactly these. */
static void handed_over_is(uint64_t num)
{
	uint64_t size;
	paddr_t pa = host_subtree(true, LUO_FDT_NAME, &size);
	assert_int_equal(size, 32);
	const uint8_t *got = host_arena(pa);
	uint64_t flbs;
	memcpy(&flbs, got + 24, 8);
	uint8_t want[32];
	linux_luo_ser(want, num, 0, flbs);
	assert_memory_equal(got, want, 32);
	/* The FLB page: luo_flb_header_ser {u64 pgcnt = 1, u64 count = 0}, nothing after. */
	static const uint8_t empty_flb[32] = { 1 };
	assert_memory_equal(host_arena(flbs), empty_flb, 32);
}

static void boot(void)
{
	luo_init();
	assert_string_equal(printk_log(), "");
}

/* ---- liveupdate_num ---- */

static void k_cold(void)
{
	assert_false(host_took_over());
	boot();
	assert_int_equal(luo_liveupdate_number(), 0);
	assert_int_equal(host_kexec(), 0);
	handed_over_is(1);                       /* Linux: incoming 0 + 1 */
}

static void k_first(void)
{
	assert_true(host_took_over());
	boot();
	assert_int_equal(luo_liveupdate_number(), 1);   /* taken as stored */
	assert_int_equal(host_kexec(), 0);
	handed_over_is(2);
}

static void k_second(void)
{
	assert_true(host_took_over());
	boot();
	assert_int_equal(luo_liveupdate_number(), 2);
}

static void test_number_chain(void **state)
{
	(void)state;
	host_kernel(k_cold);
	host_kernel(k_first);
	host_kernel(k_second);
}

/* What a Linux kernel that has done 3 live updates would hand over (its own number
 * is 3, so it stores 4), typed over the luo_ser and FLB page N left. */
static void k_linux_shaped(void)
{
	boot();
	assert_int_equal(host_kexec(), 0);
	uint64_t size;
	paddr_t pa = host_subtree(true, LUO_FDT_NAME, &size);
	uint64_t flbs;
	memcpy(&flbs, (uint8_t *)host_arena(pa) + 24, 8);
	uint8_t ser[32];
	linux_luo_ser(ser, 4, 0, flbs);
	memcpy(host_arena(pa), ser, sizeof(ser));
	static const uint8_t flb_page[16] = { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	memset(host_arena(flbs), 0, 4096);
	memcpy(host_arena(flbs), flb_page, sizeof(flb_page));
}

static void k_after_linux(void)
{
	assert_true(host_took_over());
	boot();
	assert_int_equal(luo_liveupdate_number(), 4);
	assert_int_equal(host_kexec(), 0);
	handed_over_is(5);
}

static void test_number_from_linux(void **state)
{
	(void)state;
	host_kernel(k_linux_shaped);
	host_kernel(k_after_linux);
}

/* ---- an FLB's incoming data at registration ---- */

static void k_flb_out(void)
{
	boot();
	assert_int_equal(at_register_get, -ENOENT);         /* cold: nothing incoming */
	assert_int_equal(luo_create_session("s"), 0);
	int obj;
	struct luo_fileref ref = { "abi", &obj };
	assert_int_equal(luo_preserve("s", &ref, 7), 0);
	assert_int_equal(host_kexec(), 0);
	/* The FLB page as Linux reads it: header {pgcnt 1, count 1}, then one record
	 * {char name[48], u64 data, u64 count}. */
	uint64_t size;
	paddr_t pa = host_subtree(true, LUO_FDT_NAME, &size);
	uint64_t flbs;
	memcpy(&flbs, (uint8_t *)host_arena(pa) + 24, 8);
	uint8_t want[16 + 64 + 8] = { 1, [8] = 1 };
	memcpy(want + 16, "abi-test-flb", 12);
	put64(want + 16 + 48, FLB_DATA);
	put64(want + 16 + 56, 1);
	assert_memory_equal(host_arena(flbs), want, sizeof(want));
}

static void k_flb_in(void)
{
	assert_true(host_took_over());
	boot();
	assert_int_equal(at_register_get, 0);        /* retrieved while registering */
	assert_int_equal(flb_retrieves, 1);
	assert_int_equal(flb_seen, FLB_DATA);
	struct luo_flb_state st;
	luo_flb_state(&flb, &st);
	assert_int_equal(st.in_count, 1);            /* the put gave the reference back */
	assert_true(st.in_present && !st.in_finished);
	uint64_t n;
	assert_int_equal(luo_retrieve_session("s", &n), 0);
	assert_int_equal(luo_finish("s"), 0);        /* the last file: the FLB finishes */
	luo_flb_state(&flb, &st);
	assert_true(st.in_finished);
	assert_int_equal(flb_retrieves, 1);
}

static void test_flb_incoming_at_registration(void **state)
{
	(void)state;
	host_kernel(k_flb_out);
	host_kernel(k_flb_in);
}

static int reset(void **state)
{
	(void)state;
	host_cold();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_number_chain, reset),
		cmocka_unit_test_setup(test_number_from_linux, reset),
		cmocka_unit_test_setup(test_flb_incoming_at_registration, reset),
	};
	return cmocka_run_group_tests_name("luo_abi", tests, NULL, NULL);
}
