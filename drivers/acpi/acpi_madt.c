/*
 * The MADT parser of include/acpi.h: pure, also built for the host. One walk over
 * the interrupt controller structures, each of which is read only after its
 * length is known to lie inside the table; what is wrong with one is a finding,
 * and only a structure the walk cannot step over (a length below 2, or past the
 * end) stops it. The walk is bounded by the table: every step moves on by at
 * least 2 bytes.
 */
#include <acpi.h>
#include <errno.h>
#include <printk.h>
#include <string.h>
#include "acpi_internal.h"

#define MADT_LAPIC           0      /* Processor Local APIC */
#define MADT_LAPIC_OVERRIDE  5      /* Local APIC Address Override */
#define MADT_X2APIC          9      /* Processor Local x2APIC */
#define MADT_ENABLED         (1u << 0)
#define MADT_ONLINE_CAPABLE  (1u << 1)
#define MADT_ENTRIES         44u    /* after the header, the address and the flags */

struct walk {
	struct acpi_madt *m;
	int too_many;           /* index of the ACPI_MADT_TOO_MANY finding, -1 none yet */
	bool overridden;
};

/* Record a finding about the structure e (NULL: none) at offset off. */
static void find(struct acpi_madt *m, enum acpi_madt_why why, const uint8_t *e, uint32_t off,
		 uint64_t value)
{
	if (m->nfindings == ACPI_MADT_FINDINGS_MAX) {
		m->findings_lost++;
		return;
	}
	m->finding[m->nfindings++] = (struct acpi_madt_finding){
		.why = (uint8_t)why, .entry = e != NULL, .type = e ? e[0] : 0,
		.length = e ? e[1] : 0, .offset = off, .value = value,
	};
}

/* A local APIC address Baton could map: non-zero, 4 KiB-aligned, below 2^52. */
static bool lapic_usable(uint64_t a)
{
	return a && !(a & 0xfff) && a < (1ull << 52);
}

static void add_cpu(struct walk *w, const uint8_t *e, uint32_t off, struct acpi_cpu cpu,
		    uint32_t flags)
{
	struct acpi_madt *m = w->m;
	if (!(flags & (MADT_ENABLED | MADT_ONLINE_CAPABLE)))
		return;                                  /* not there: a socket left empty */
	if (cpu.apic_id == (cpu.x2apic ? 0xffffffffu : 0xffu)) {
		find(m, ACPI_MADT_INVALID_ID, e, off, cpu.apic_id);
		return;
	}
	for (unsigned i = 0; i < m->ncpus; i++)
		if (m->cpu[i].apic_id == cpu.apic_id) {
			find(m, ACPI_MADT_DUPLICATE_ID, e, off, cpu.apic_id);
			return;
		}
	if (m->ncpus == ACPI_CPU_MAX) {
		if (w->too_many >= 0) {
			m->finding[w->too_many].value++;
		} else if (w->too_many == -1) {
			w->too_many = m->nfindings < ACPI_MADT_FINDINGS_MAX ? (int)m->nfindings : -2;
			find(m, ACPI_MADT_TOO_MANY, e, off, 1);
		}
		return;
	}
	cpu.enabled = flags & MADT_ENABLED;
	m->cpu[m->ncpus++] = cpu;
	m->nenabled += cpu.enabled;
}

static void override(struct walk *w, const uint8_t *e, uint32_t off)
{
	uint64_t a = acpi_le(e + 4, 8);
	if (!lapic_usable(a))
		find(w->m, ACPI_MADT_BAD_OVERRIDE, e, off, a);
	else if (w->overridden)
		find(w->m, ACPI_MADT_EXTRA_OVERRIDE, e, off, a);
	else
		w->m->lapic = a;
	w->overridden |= lapic_usable(a);
}

/* The length a structure of this type must have, or 0 for a type Baton passes over. */
static unsigned want_length(uint8_t type)
{
	return type == MADT_LAPIC ? 8 : type == MADT_X2APIC ? 16 : type == MADT_LAPIC_OVERRIDE ? 12 : 0;
}

int acpi_parse_madt(const void *madt, uint32_t len, struct acpi_madt *out)
{
	const uint8_t *t = madt;
	if (len < ACPI_MADT_LEN_MIN || memcmp(t, "APIC", 4))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->lapic = acpi_le(t + 36, 4);
	out->flags = (uint32_t)acpi_le(t + 40, 4);
	struct walk w = { .m = out, .too_many = -1 };
	for (uint32_t off = MADT_ENTRIES; off < len;) {
		const uint8_t *e = t + off;
		if (len - off < 2) {
			find(out, ACPI_MADT_PAST_END, NULL, off, len);
			break;
		}
		if (e[1] < 2) {
			find(out, ACPI_MADT_SHORT_ENTRY, e, off, 0);
			break;
		}
		if (e[1] > len - off) {
			find(out, ACPI_MADT_PAST_END, e, off, len);
			break;
		}
		unsigned want = want_length(e[0]);
		if (want && e[1] != want)
			find(out, ACPI_MADT_BAD_LENGTH, e, off, want);
		else if (e[0] == MADT_LAPIC)
			add_cpu(&w, e, off, (struct acpi_cpu){ .apic_id = e[3], .uid = e[2] },
				(uint32_t)acpi_le(e + 4, 4));
		else if (e[0] == MADT_X2APIC)
			add_cpu(&w, e, off,
				(struct acpi_cpu){ .apic_id = (uint32_t)acpi_le(e + 4, 4),
						   .uid = (uint32_t)acpi_le(e + 12, 4), .x2apic = true },
				(uint32_t)acpi_le(e + 8, 4));
		else if (e[0] == MADT_LAPIC_OVERRIDE)
			override(&w, e, off);
		off += e[1];
	}
	if (!lapic_usable(out->lapic)) {
		find(out, ACPI_MADT_BAD_LAPIC, NULL, 0, out->lapic);
		out->lapic = 0;
	}
	if (!out->nenabled)
		find(out, ACPI_MADT_NO_CPU, NULL, 0, 0);
	return (int)out->nenabled;
}

#define STR_(x) #x
#define STR(x) STR_(x)

/* What each finding says after its place; each has at most one conversion, of the
 * finding's value (an unsigned long long). */
static const char *const why_text[] = {
	[ACPI_MADT_SHORT_ENTRY] = "walk stopped",
	[ACPI_MADT_PAST_END] = "runs past the table end (%llu bytes); walk stopped",
	[ACPI_MADT_BAD_LENGTH] = "wrong length (its type has %llu); skipped",
	[ACPI_MADT_INVALID_ID] = "invalid apic id 0x%llx; skipped",
	[ACPI_MADT_DUPLICATE_ID] = "apic id %llu listed before; skipped (the first one wins)",
	[ACPI_MADT_TOO_MANY] = "more than " STR(ACPI_CPU_MAX) " CPUs: %llu from here on ignored",
	[ACPI_MADT_BAD_OVERRIDE] = "unusable address 0x%llx; skipped",
	[ACPI_MADT_EXTRA_OVERRIDE] = "a second override (0x%llx); skipped",
	[ACPI_MADT_BAD_LAPIC] = "local APIC address 0x%llx is unusable",
	[ACPI_MADT_NO_CPU] = "no enabled CPU; the boot CPU runs alone",
};

void acpi_madt_finding_text(const struct acpi_madt_finding *f, char *buf, size_t size)
{
	int n = 0;
	if (f->why >= ARRAY_SIZE(why_text)) {
		snprintf(buf, size, "finding %u", f->why);
		return;
	}
	if (f->entry)
		n = snprintf(buf, size, "type %u entry at offset %u, length %u: ", f->type, f->offset,
			     f->length);
	else if (f->offset)
		n = snprintf(buf, size, "entry at offset %u: ", f->offset);
	if (n >= 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, why_text[f->why], (unsigned long long)f->value);
}
