/*
 * kho-inspect: check the KHO/LUO handover in a guest memory dump from the host
 * (docs/inspect.md). The file is mapped read-only; everything else is the library
 * (tools/kho-inspect/inspect.h). printk, which the kernel's kho_fdt_print() uses
 * for --dts, writes to stdout here.
 *
 *   kho-inspect [--raw] [--all] [--fdt ADDR [--fdt-size N] [--scratch ADDR,SIZE]]
 *               [--json | --dts] [--svg FILE [--zoom ADDR,SIZE]] DUMP
 *
 * Exit status: 0 the handover would be accepted with no error, 1 it would be refused
 * (or none was found), 2 usage or I/O error, 3 it would be accepted but files would
 * fail to retrieve (every error is file-level).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "inspect.h"
#include <printk.h>

int vprintk(const char *fmt, va_list ap)
{
	return vfprintf(stdout, fmt, ap);
}

int printk(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vprintk(fmt, ap);
	va_end(ap);
	return n;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: kho-inspect [--raw] [--all] [--fdt ADDR [--fdt-size N] [--scratch ADDR,SIZE]]\n"
		"                   [--json | --dts] [--svg FILE [--zoom ADDR,SIZE]] DUMP\n"
		"  DUMP        QEMU dump-guest-memory ELF core, or a raw physical image (pmemsave)\n"
		"  --raw       treat DUMP as a raw image even if it starts like an ELF file\n"
		"  --fdt ADDR  the root FDT is at guest physical ADDR (no scan)\n"
		"  --fdt-size N, --scratch ADDR,SIZE  the rest of the handover tag, as\n"
		"              `kexec finalize` prints it: checked as the next kernel checks it\n"
		"  --all       scan every page and list every valid kho-v4 root FDT\n"
		"  --json      the report as JSON (schema in docs/inspect.md)\n"
		"  --dts       the root FDT, decoded (as `kho dump` prints it)\n"
		"  --svg FILE  a picture of physical memory and what is preserved in it\n"
		"  --zoom ADDR,SIZE  and a row more in it: [ADDR, ADDR+SIZE) across the width\n"
		"exit: 0 accepted, 1 refused or not found, 2 usage or I/O error,\n"
		"      3 accepted but files would fail to retrieve (file-level errors only)\n");
}

static int number(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	*out = strtoull(s, &end, 0);
	if (errno || *end || end == s) {
		fprintf(stderr, "kho-inspect: bad number %s\n", s);
		return -1;
	}
	return 0;
}

/* ADDR,SIZE into *pa and *size; -1 after a message. */
static int range(char *s, const char *opt, uint64_t *pa, uint64_t *size)
{
	char *comma = strchr(s, ',');
	if (!comma) {
		fprintf(stderr, "kho-inspect: %s wants ADDR,SIZE\n", opt);
		return -1;
	}
	*comma = 0;
	return number(s, pa) || number(comma + 1, size) ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct inspect_opts o = { 0 };
	bool json = false, dts = false;
	const char *svg = NULL, *path = NULL;
	struct dump_seg zoom = { 0 };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--raw")) {
			o.force_raw = true;
		} else if (!strcmp(a, "--all")) {
			o.all = true;
		} else if (!strcmp(a, "--json")) {
			json = true;
		} else if (!strcmp(a, "--dts")) {
			dts = true;
		} else if (!strcmp(a, "--svg") && i + 1 < argc) {
			svg = argv[++i];
		} else if (!strcmp(a, "--fdt") && i + 1 < argc) {
			char *end;
			errno = 0;
			o.fdt_pa = strtoull(argv[++i], &end, 0);
			if (errno || *end || end == argv[i]) {
				fprintf(stderr, "kho-inspect: bad address %s\n", argv[i]);
				return 2;
			}
			o.have_fdt = true;
		} else if (!strcmp(a, "--fdt-size") && i + 1 < argc) {
			if (number(argv[++i], &o.fdt_size))
				return 2;
			o.have_fdt_size = true;
		} else if (!strcmp(a, "--zoom") && i + 1 < argc) {
			if (range(argv[++i], "--zoom", &zoom.pa, &zoom.size))
				return 2;
			if (!zoom.size || zoom.pa + zoom.size < zoom.pa) {
				fprintf(stderr, "kho-inspect: --zoom: an empty or wrapping window\n");
				return 2;
			}
		} else if (!strcmp(a, "--scratch") && i + 1 < argc) {
			if (range(argv[++i], "--scratch", &o.scratch_pa, &o.scratch_size))
				return 2;
			o.have_scratch = true;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (a[0] == '-' || path) {
			usage(stderr);
			return 2;
		} else {
			path = a;
		}
	}
	if (!path || (json && dts)) {
		usage(stderr);
		return 2;
	}
	int fd = open(path, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st)) {
		fprintf(stderr, "kho-inspect: %s: %s\n", path, strerror(errno));
		return 2;
	}
	if (st.st_size <= 0) {
		fprintf(stderr, "kho-inspect: %s: empty\n", path);
		return 2;
	}
	void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		fprintf(stderr, "kho-inspect: %s: mmap: %s\n", path, strerror(errno));
		return 2;
	}
	/* Only the pages the checks need are read (docs/inspect.md): no read-ahead
	 * around them, so a dump of a big guest costs what its handover holds. */
	madvise(map, (size_t)st.st_size, MADV_RANDOM);
	struct report r;
	int status = !inspect(map, (size_t)st.st_size, &o, &r) ? 1 : r.file_errors ? 3 : 0;
	if (json)
		report_json(&r, stdout);
	else if (dts) {
		if (!report_dts(&r))
			fprintf(stderr, "kho-inspect: no valid root FDT to print\n");
	} else
		report_text(&r, stdout);
	if (svg) {
		FILE *f = fopen(svg, "w");
		if (!f) {
			fprintf(stderr, "kho-inspect: %s: %s\n", svg, strerror(errno));
			status = 2;
		} else {
			report_svg(&r, &zoom, f);
			fclose(f);
		}
	}
	report_free(&r);
	munmap(map, (size_t)st.st_size);
	return status;
}
