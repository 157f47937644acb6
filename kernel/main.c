/*
 * kmain: from boot/entry.S to the shell. Order matters:
 *   1. CPU tables, then the boot adapter turns the producer's block into boot_info
 *      (everything it warns about waits in the log);
 *   2. options from the command line;
 *   3. memory: memblock, scratch and the incoming handover, the direct map, the
 *      memmap and the buddy zones, the huge-page pools, KHO's outgoing state;
 *   4. the banner - the first line on the wire, saying cold or kexec - then the log;
 *   5. devices (the MADT's CPUs, PCI, virtio-blk; polled, so before interrupts), and
 *      the CPU list (the boot CPU alone runs);
 *   6. interrupts on; then the late initcalls (with KTEST=1: a `kho selftest` chain
 *      goes on, ktest= runs and exits), script=, and the shell.
 */
#include <boot_info.h>
#include <bootproto.h>
#include <cmdline.h>
#include <drivers.h>
#include <errno.h>
#include <kernel.h>
#include <initcall.h>
#include <percpu.h>
#include <layout.h>
#include <hugetlb.h>
#include <kexec.h>
#include <kho.h>
#include <luo.h>
#include <mm.h>
#include <panic.h>
#include <paging.h>
#include <printk.h>
#include <serial.h>
#include <shell_loop.h>
#include <smp.h>
#include <trap.h>
#include <x86.h>

struct boot_state boot_state;
extern const char _kernel_phys_start[], _kernel_phys_end[];

static const char *script_name;
static int set_script(const char *v)
{
	if (!v || !*v)
		return -EINVAL;
	script_name = v;
	return 0;
}
BOOT_PARAM_ONESHOT("script", set_script);

extern const struct initcall __late_initcall_start[], __late_initcall_end[];

static void run_late_initcalls(void)
{
	for (const struct initcall *c = __late_initcall_start; c < __late_initcall_end; c++)
		c->fn();
}

static const char *proto_name(unsigned proto)
{
	return proto == BOOT_PROTO_PVH ? "pvh" : proto == BOOT_PROTO_MB2 ? "multiboot2" : "unknown";
}

/* Step 1: the producer's block into boot_info; 0 or the adapter's -errno. */
static int boot_info_from(uint32_t proto, uint64_t info_pa, struct boot_info *bi)
{
	boot_info_init(bi, proto, (paddr_t)(uintptr_t)_kernel_phys_start,
		       (paddr_t)(uintptr_t)_kernel_phys_end);
	int err = proto == BOOT_PROTO_MB2 ? mb2_parse(info_pa, bi)
		: proto == BOOT_PROTO_PVH ? pvh_parse(info_pa, bi) : -EINVAL;
	if (!err) {
		boot_info_finish(bi);
		boot_info_expand_cpio(bi);
		boot_info_finish(bi);
		cmdline_apply_kernel(bi->cmdline);
	}
	return err;
}

/* Step 3: memory, the incoming handover and the outgoing state; returns the TSC at
 * which the handover was taken over (the blackout's early-boot end). */
static uint64_t memory_and_handover(struct boot_info *bi)
{
	mm_set_handover(&kho_mm_handover);
	mm_init(bi);
	kho_init();
	luo_init();
	hugetlb_luo_adopt();
	hugetlb_init();
	kexec_timeline_in();
	uint64_t tsc = rdtsc();
	boot_state.kexec = kho_is_boot();
	boot_state.kexec_count = kho_kexec_count();
	boot_state.liveupdate_number = luo_liveupdate_number();
	return tsc;
}

/* Step 4: the banner, the first line on the wire; then the log. */
static void banner(uint32_t proto)
{
	char line[256];
	snprintf(line, sizeof(line),
		 "Baton version=%s boot=%s liveupdate-number=%llu kexec-count=%llu build=%s "
		 "entry=%s",
		 BATON_VERSION, boot_state.kexec ? "kexec" : "cold",
		 (unsigned long long)boot_state.liveupdate_number,
		 (unsigned long long)boot_state.kexec_count, BATON_GITREV, proto_name(proto));
	console_start(line);
}

static void report_boot(const struct boot_info *bi)
{
	printk("boot: loader '%s', %u memory ranges, %llu MiB RAM, %u modules%s\n", bi->loader,
	       bi->nmem, (unsigned long long)(boot_info_ram_bytes(bi) >> 20), bi->nmod,
	       bi->warnings ? " (with warnings)" : "");
	if (bi->cmdline[0])
		printk("boot: command line: %s\n", bi->cmdline);
	struct mm_stats ms;
	mm_stats(&ms);
	printk("mm: %llu MiB free of %llu MiB; memmap %llu KiB (%llu bytes per frame), built in "
	       "%llu TSC ticks; page tables %llu KiB%s\n",
	       (unsigned long long)(ms.free >> 20), (unsigned long long)(ms.total >> 20),
	       (unsigned long long)(ms.memmap >> 10), (unsigned long long)sizeof(struct page),
	       (unsigned long long)ms.memmap_init_tsc, (unsigned long long)(ms.tables >> 10),
	       paging_has_gbpages() ? " (1 GiB pages)" : " (2 MiB pages)");
}

static struct percpu boot_cpu = { .id = 0 };   /* the boot CPU's (include/percpu.h) */

__noreturn void kmain(uint32_t proto, uint64_t info_pa)
{
	boot_state.tsc_at_entry = rdtsc();
	console_set_early_banner("Baton version=" BATON_VERSION " boot=unknown liveupdate-number=0 "
				 "(panic before the banner)");
	serial_init();
	console_set_output(serial_write);
	gdt_init();
	idt_init();
	percpu_install(&boot_cpu);

	struct boot_info *bi = &boot_info;
	int err = boot_info_from(proto, info_pa, bi);
	uint64_t tsc_handover = err ? 0 : memory_and_handover(bi);
	banner(proto);
	if (err)
		panic("boot: no usable boot information (entry %s, info at %#llx): %d",
		      proto_name(proto), (unsigned long long)info_pa, err);
	report_boot(bi);
	irq_init();                         /* before drivers: their MSI-X vectors */
	drivers_init();
	smp_init(cpu_apic_id());
	smp_boot(bi);
	sti();

	kexec_timeline_report(tsc_handover, rdtsc());
	run_late_initcalls();
	if (script_name)
		shell_run_script(script_name);
	shell_loop();
}
