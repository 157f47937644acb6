/*
 * libFuzzer target for tools/kho-inspect's dump parser and checks: a guest memory
 * dump is untrusted bytes. The input is
 *
 *   byte 0      mode: bit 0 = wrap as an ELF core, bit 1 = name the root FDT (--fdt)
 *               at physical 0 instead of scanning, bit 2 = --all
 *   byte 1      PT_LOAD headers (mod 5) taken from the following 24-byte records
 *               {u64 p_paddr; u64 p_offset; u64 p_filesz}, LE (ELF mode only)
 *   the rest    the raw image, or the ELF file body after the headers
 *
 * inspect() runs, then every output (text, JSON, SVG to /dev/null, the FDT through
 * kho_fdt_print into the printk capture). Findings: any sanitizer report (the buffer
 * is exactly the input's size, so a read past the dump is caught), a verdict that
 * disagrees with the error counts (accepted exactly when every error is file-level),
 * a finding whose scope disagrees with its severity. Seeds: tests/host/corpus/inspect/; elf-luo-disk, a
 * whole handover with every record the inspector decodes (memfd, hugetlb, pci-v2, a
 * virtio-blk disk), is written by test_inspect (its test_seed says how).
 */
#include "fuzz_check.h"
#include <elf.h>
#include <stdlib.h>
#include <string.h>
#include "../../tools/kho-inspect/inspect.h"

static FILE *devnull;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	if (!devnull)
		devnull = fopen("/dev/null", "w");
	uint8_t mode = data[0];
	unsigned nph = data[1] % 5;
	data += 2;
	size -= 2;
	struct inspect_opts o = { .have_fdt = mode & 2, .fdt_pa = 0, .all = mode & 4 };
	uint8_t *buf;
	size_t len;
	if (mode & 1) {
		if (size < nph * 24)
			return 0;
		size_t hdr = sizeof(Elf64_Ehdr) + (nph + 1) * sizeof(Elf64_Phdr);
		len = hdr + size - nph * 24;
		buf = malloc(len);
		Elf64_Ehdr eh = { .e_type = ET_CORE, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
				  .e_phoff = sizeof(Elf64_Ehdr), .e_ehsize = sizeof(Elf64_Ehdr),
				  .e_phentsize = sizeof(Elf64_Phdr), .e_phnum = (uint16_t)(nph + 1) };
		memcpy(eh.e_ident, ELFMAG, SELFMAG);
		eh.e_ident[EI_CLASS] = ELFCLASS64;
		eh.e_ident[EI_DATA] = ELFDATA2LSB;
		memcpy(buf, &eh, sizeof(eh));
		Elf64_Phdr note = { .p_type = PT_NOTE };
		memcpy(buf + sizeof(eh), &note, sizeof(note));
		for (unsigned i = 0; i < nph; i++) {
			Elf64_Phdr ph = { .p_type = PT_LOAD };
			memcpy(&ph.p_paddr, data + i * 24, 8);
			memcpy(&ph.p_offset, data + i * 24 + 8, 8);
			memcpy(&ph.p_filesz, data + i * 24 + 16, 8);
			ph.p_paddr &= ~0xfffull;          /* page-aligned, so the scan meets headers */
			ph.p_offset = hdr + ph.p_offset % (size + 1);
			ph.p_memsz = ph.p_filesz;
			memcpy(buf + sizeof(eh) + (i + 1) * sizeof(ph), &ph, sizeof(ph));
		}
		memcpy(buf + hdr, data + nph * 24, size - nph * 24);
	} else {
		if (!size)
			return 0;
		len = size;
		buf = malloc(len);
		memcpy(buf, data, len);
		o.force_raw = true;
	}
	struct report r;
	bool ok = inspect(buf, len, &o, &r);
	fuzz_check(r.file_errors <= r.errors && ok == (r.errors == r.file_errors), "fuzz_inspect",
		   "verdict disagrees with the errors", r.errors);
	for (size_t i = 0; i < r.findings.n; i++)
		fuzz_check((r.findings.v[i].sev == SEV_ERROR) == (r.findings.v[i].scope != SCOPE_NONE),
			   "fuzz_inspect", "a finding's scope disagrees with its severity", i);
	report_text(&r, devnull);
	report_json(&r, devnull);
	report_svg(&r, NULL, devnull);
	report_svg(&r, &(struct dump_seg){ 0, 1 << 20, 0 }, devnull);
	report_dts(&r);
	report_free(&r);
	free(buf);
	return 0;
}
