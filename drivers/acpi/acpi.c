/*
 * ACPI table lookup (model in include/acpi.h): the RSDP copy in boot_info gives the
 * XSDT (or RSDT); each of its entries is checked before its signature is compared.
 * Tables are read through the direct map, so only tables wholly below 4 GiB are
 * used (where firmware puts them on every machine Baton boots on); one above is
 * skipped with a warning. The RSDP copy comes from the loader; when it has none
 * (some PVH set-ups), the BIOS area [0xe0000, 0x100000) is searched on 16-byte
 * boundaries, as ACPI specifies for legacy BIOS machines.
 *
 * The MADT is looked up and parsed once, at drivers_init (acpi_madt_init): one line
 * names the CPUs it lists and the local APIC address, then one line per finding
 * (include/acpi.h); the result is kept for acpi_cpus() and acpi_lapic_addr().
 */
#include <acpi.h>
#include <boot_info.h>
#include <errno.h>
#include <layout.h>
#include <printk.h>
#include <stdarg.h>
#include <string.h>

static const void *table_at(paddr_t pa, const char *sig, uint32_t *len)
{
	if (pa < PAGE_SIZE || pa >= BOOT_MAP_LIMIT - ACPI_HDR_LEN)
		return NULL;
	const void *t = phys_to_virt(pa);
	*len = acpi_table_len(t, MIN((uint64_t)ACPI_TABLE_MAX, BOOT_MAP_LIMIT - pa), sig);
	return *len ? t : NULL;
}

static int find_root(paddr_t *root, bool *xsdt)
{
	const struct boot_info *bi = &boot_info;
	if (bi->rsdp_len && !acpi_rsdp_root(bi->rsdp, bi->rsdp_len, root, xsdt))
		return 0;
	for (paddr_t pa = 0xe0000; pa < 0x100000; pa += 16) {
		const uint8_t *p = phys_to_virt(pa);
		if (!memcmp(p, "RSD PTR ", 8) && !acpi_rsdp_root(p, MIN(36ul, 0x100000 - pa), root, xsdt))
			return 0;
	}
	return -ENOENT;
}

int acpi_find_table(const char *sig, const void **table, uint32_t *len)
{
	paddr_t root_pa;
	bool xsdt;
	uint32_t root_len;
	if (find_root(&root_pa, &xsdt))
		return -ENOENT;
	const void *root = table_at(root_pa, xsdt ? "XSDT" : "RSDT", &root_len);
	if (!root) {
		printk("acpi: warning: %s at %#llx is invalid\n", xsdt ? "XSDT" : "RSDT",
		       (unsigned long long)root_pa);
		return -EINVAL;
	}
	for (unsigned i = 0;; i++) {
		paddr_t pa = acpi_root_entry(root, root_len, xsdt, i);
		if (!pa)
			return -ENOENT;
		if (pa >= BOOT_MAP_LIMIT - ACPI_HDR_LEN) {
			printk("acpi: warning: table at %#llx is above 4 GiB, skipped\n",
			       (unsigned long long)pa);
			continue;
		}
		if (pa < PAGE_SIZE || memcmp(phys_to_virt(pa), sig, 4))
			continue;
		const void *t = table_at(pa, sig, len);
		if (t) {
			*table = t;
			return 0;
		}
		printk("acpi: warning: %.4s at %#llx has a bad length or checksum\n", sig,
		       (unsigned long long)pa);
	}
}

/* The MADT as parsed at boot (acpi_madt_init); ncpus 0 until then, or without one. */
static struct acpi_madt madt;

/* Append to buf (size bytes, NUL-terminated) as far as it fits. */
static void __printf(3, 4) append(char *buf, size_t size, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + n, size - n, fmt, ap);
	va_end(ap);
}

/* " (apic ids 0,1,2)" for the CPUs whose Enabled flag is `enabled`; past room
 * bytes of line the list ends with "...". */
static void append_ids(char *buf, size_t size, size_t room, bool enabled)
{
	const char *sep = " (apic ids ";
	for (unsigned i = 0; i < madt.ncpus; i++) {
		if (madt.cpu[i].enabled != enabled)
			continue;
		if (strlen(buf) + 16 > room) {
			append(buf, size, "%s...", sep);
			break;
		}
		append(buf, size, "%s%u", sep, madt.cpu[i].apic_id);
		sep = ",";
	}
	append(buf, size, ")");
}

void acpi_madt_init(void)
{
	const void *t;
	uint32_t len;
	int err = acpi_find_table("APIC", &t, &len);
	if (err) {
		printk("acpi: MADT: %s; the boot CPU runs alone\n",
		       err == -ENOENT ? "not found" : "no usable table");
		return;
	}
	if (acpi_parse_madt(t, len, &madt) < 0) {
		printk("acpi: MADT: warning: %u bytes cannot be a MADT; the boot CPU runs alone\n", len);
		return;
	}
	char line[448] = "";
	append(line, sizeof(line), "acpi: MADT: %u CPU%s", madt.nenabled,
	       madt.nenabled == 1 ? "" : "s");
	if (madt.nenabled)
		append_ids(line, sizeof(line), 200, true);
	if (madt.ncpus > madt.nenabled) {
		append(line, sizeof(line), ", %u online-capable", madt.ncpus - madt.nenabled);
		append_ids(line, sizeof(line), 400, false);
	}
	printk("%s, lapic %#llx\n", line, (unsigned long long)madt.lapic);
	for (unsigned i = 0; i < madt.nfindings; i++) {
		acpi_madt_finding_text(&madt.finding[i], line, sizeof(line));
		printk("acpi: MADT: warning: %s\n", line);
	}
	if (madt.findings_lost)
		printk("acpi: MADT: warning: %u more findings not shown\n", madt.findings_lost);
}

int acpi_cpus(const struct acpi_cpu **list)
{
	*list = madt.cpu;
	return (int)madt.ncpus;
}

paddr_t acpi_lapic_addr(void)
{
	return madt.lapic;
}
