/*
 * ACPI table lookup (model in include/acpi.h): the RSDP copy in boot_info gives the
 * XSDT (or RSDT); each of its entries is checked before its signature is compared.
 * Tables are read through the direct map, so only tables wholly below 4 GiB are
 * used (where firmware puts them on every machine Baton boots on); one above is
 * skipped with a warning. The RSDP copy comes from the loader; when it has none
 * (some PVH set-ups), the BIOS area [0xe0000, 0x100000) is searched on 16-byte
 * boundaries, as ACPI specifies for legacy BIOS machines.
 */
#include <acpi.h>
#include <boot_info.h>
#include <errno.h>
#include <layout.h>
#include <printk.h>
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
