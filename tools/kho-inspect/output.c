/*
 * kho-inspect's outputs (tools/kho-inspect/inspect.h) from a finished report: the
 * readable text, the JSON document (schema "kho-inspect-1", docs/inspect.md: every
 * address a "0x..." string so no value above 2^53 is rounded, counts as numbers),
 * the root FDT through the kernel's kho_fdt_print() (kho/kho_dump.c, over printk),
 * and an SVG picture of physical memory: one bar per RAM segment of the dump, the
 * preserved blocks drawn over it coloured by owner, the tree's pages, a legend with
 * the bytes of each owner. The text and the picture say the same verdict: refused
 * (a handover-level error), accepted with files that would fail to retrieve (only
 * file-level errors), or accepted.
 */
#include <stdlib.h>
#include <string.h>
#include "inspect.h"
#include "../../kho/kho_internal.h"
#include <layout.h>     /* KERNEL_PHYS, KERNEL_SLOT_SIZE */

void kho_fdt_print(const void *fdt);

static const char *const sev_name[] = { "info", "warning", "error" };
static const char *const scope_json[] = {
	[SCOPE_NONE] = "null", [SCOPE_HANDOVER] = "\"handover\"", [SCOPE_FILE] = "\"file\"",
};

/* A verdict with every check name of the file-level errors: at most one of each. */
#define VERDICT_MAX 2048

static void human(char *buf, size_t n, uint64_t bytes)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned u = 0;
	uint64_t whole = bytes, rem = 0;
	while (whole >= 1024 && u < 4) {
		rem = whole % 1024;
		whole /= 1024;
		u++;
	}
	if (u && rem)
		snprintf(buf, n, "%llu.%02llu %s", (unsigned long long)whole,
			 (unsigned long long)(rem * 100 / 1024), unit[u]);
	else
		snprintf(buf, n, "%llu %s", (unsigned long long)whole, unit[u]);
}

/* Marks by owner, then by whose (file, pool, FLB), then by address: the picture
 * merges touching marks of one owner and one file, pool or FLB. */
static int mark_cmp(const void *a, const void *b)
{
	const struct mark *x = a, *y = b;
	if (x->owner != y->owner)
		return x->owner < y->owner ? -1 : 1;
	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	if (x->pool != y->pool)
		return x->pool < y->pool ? -1 : 1;
	if (x->flb != y->flb)
		return x->flb < y->flb ? -1 : 1;
	return x->pa < y->pa ? -1 : x->pa > y->pa;
}

/* Marks by owner, then by address: what one sweep per owner counts. */
static int owner_addr_cmp(const void *a, const void *b)
{
	const struct mark *x = a, *y = b;
	if (x->owner != y->owner)
		return x->owner < y->owner ? -1 : 1;
	return x->pa < y->pa ? -1 : x->pa > y->pa;
}

/* Bytes per owner, overlapping marks of one owner counted once (whoever's they
 * are: a sweep in address order, so a mark below another file's is not lost). */
static void owner_bytes(const struct report *r, uint64_t out[OWN_NR])
{
	memset(out, 0, sizeof(uint64_t) * OWN_NR);
	struct mark *m = malloc((r->marks.n ? r->marks.n : 1) * sizeof(*m));
	if (!m)
		return;
	if (r->marks.n)
		memcpy(m, r->marks.v, r->marks.n * sizeof(*m));
	qsort(m, r->marks.n, sizeof(*m), owner_addr_cmp);
	uint64_t end = 0;
	for (size_t i = 0; i < r->marks.n; i++) {
		if (i == 0 || m[i].owner != m[i - 1].owner)
			end = 0;
		uint64_t s = m[i].pa > end ? m[i].pa : end, e = m[i].pa + m[i].len;
		if (e > s)
			out[m[i].owner] += e - s;
		if (e > end)
			end = e;
	}
	/* Unclaimed: preserved bytes no owner's mark covers (approximation: total
	 * preserved minus what owners other than the tree claim). */
	uint64_t claimed = 0;
	for (unsigned o = OWN_KHO; o < OWN_TREE; o++)
		claimed += out[o];
	out[OWN_UNKNOWN] = r->preserved_bytes > claimed ? r->preserved_bytes - claimed : 0;
	free(m);
}

/* Finding i is file-level, and the first file-level one of its check. */
static bool first_file_error(const struct report *r, size_t i)
{
	if (r->findings.v[i].scope != SCOPE_FILE)
		return false;
	for (size_t k = 0; k < i; k++)
		if (r->findings.v[k].scope == SCOPE_FILE &&
		    !strcmp(r->findings.v[k].check, r->findings.v[i].check))
			return false;
	return true;
}

/* What kernel N+1 would do with the handover, in words: the verdict line of the
 * text and the picture's title (docs/inspect.md, "Output"). With only errors of
 * SCOPE_FILE it takes the handover; the check names of those errors, each once, in
 * the order first found, say which retrieves fail. */
static void verdict(const struct report *r, char *buf, size_t n)
{
	if (!report_accepted(r)) {
		snprintf(buf, n, "REFUSED (kernel N+1 would boot cold)");
		return;
	}
	if (!r->file_errors) {
		snprintf(buf, n, "accepted");
		return;
	}
	int used = snprintf(buf, n, "accepted; files would fail to retrieve: %llu file-level "
			    "error%s (", (unsigned long long)r->file_errors,
			    r->file_errors == 1 ? "" : "s");
	const char *sep = "";
	for (size_t i = 0; i < r->findings.n && used > 0 && (size_t)used < n; i++)
		if (first_file_error(r, i)) {
			used += snprintf(buf + used, n - used, "%s%s", sep, r->findings.v[i].check);
			sep = ", ";
		}
	if (used > 0 && (size_t)used < n)
		snprintf(buf + used, n - used, ")");
}

/* ---------------- text ---------------- */

/* A baton-virtio-blk-v1 record: the disk, its queue, the blocks it names. */
static void blk_text(const struct report *r, const struct blk_info *b, FILE *f)
{
	const struct baton_virtio_blk_ser *s = &b->s;
	const struct luo_file_info *fi = b->file >= 0 && (size_t)b->file < r->files.n ?
		&r->files.v[b->file] : NULL;
	char a[16], h[32];
	human(h, sizeof(h), s->capacity * 512);
	fprintf(f, "  virtio-blk %#llx (session \"%s\" token %#llx): %s %04x:%04x, %llu sectors "
		"(%s), features %#llx\n", (unsigned long long)b->data,
		fi && fi->session < r->sessions.n ? r->sessions.v[fi->session].name : "?",
		fi ? (unsigned long long)fi->token : 0ull, pci_addr(a, sizeof(a), s->domain, s->bdf),
		s->vendor_id, s->device_id, (unsigned long long)s->capacity, h,
		(unsigned long long)s->features);
	fprintf(f, "    queue %u: size %u, avail %u, used %u, free %u from %u, ", s->queue_index,
		s->queue_size, s->avail_idx, s->last_used, s->num_free, s->free_head);
	if (s->inflight_head == BATON_VIRTIO_BLK_NO_INFLIGHT)
		fprintf(f, "nothing in flight\n");
	else
		fprintf(f, "in flight: head %u, %u descriptors, data %#llx (order %u), sector %llu\n",
			s->inflight_head, s->inflight_len, (unsigned long long)s->inflight_pa,
			s->inflight_order, (unsigned long long)s->inflight_lba);
	fprintf(f, "    ring %#llx (order %u), request page %#llx\n", (unsigned long long)s->ring_pa,
		s->ring_order, (unsigned long long)s->req_pa);
	fprintf(f, "    record %s by virtio_blk_ser_check; the device itself (virtio_blk_ser_match) "
		"needs the live device: not checked here\n", b->record_ok ? "accepted" : "refused");
}

/* The pci-v2 FLB: its header and the entries in use. */
static void pci_text(const struct report *r, FILE *f)
{
	char h[32], a[16];
	human(h, sizeof(h), r->pci_bytes);
	fprintf(f, "pci-v2 %#llx", (unsigned long long)r->pci_pa);
	if (!r->pci_bytes) {
		fprintf(f, ": not a preserved block in the dump\n");
		return;
	}
	fprintf(f, " (%s): max_nr_devices %u, nr_devices %u, %llu in use, %s\n", h, r->pci_max,
		r->pci_nr, (unsigned long long)r->pci_in_use, r->pci_ok ? "accepted" : "refused");
	for (size_t i = 0; i < r->pci_devs.n; i++)
		fprintf(f, "  entry %u: %s refcount %u\n", r->pci_devs.v[i].index,
			pci_addr(a, sizeof(a), r->pci_devs.v[i].domain, r->pci_devs.v[i].bdf),
			r->pci_devs.v[i].refcount);
	if (r->pci_in_use > r->pci_devs.n)
		fprintf(f, "  ... %llu more in use\n",
			(unsigned long long)(r->pci_in_use - r->pci_devs.n));
}

void report_text(const struct report *r, FILE *f)
{
	char h[32];
	human(h, sizeof(h), r->dump.len);
	fprintf(f, "dump: %s, %s, %u segment%s\n", r->dump.elf ? "ELF core" : "raw image", h,
		r->dump.nsegs, r->dump.nsegs == 1 ? "" : "s");
	for (unsigned i = 0; i < r->dump.nsegs; i++) {
		human(h, sizeof(h), r->dump.segs[i].size);
		fprintf(f, "  RAM %#llx-%#llx (%s)\n", (unsigned long long)r->dump.segs[i].pa,
			(unsigned long long)(r->dump.segs[i].pa + r->dump.segs[i].size - 1), h);
	}
	for (unsigned i = 0; i < r->nscratch; i++) {
		human(h, sizeof(h), r->scratch[i].size);
		fprintf(f, "  scratch %#llx-%#llx (%s)\n", (unsigned long long)r->scratch[i].addr,
			(unsigned long long)(r->scratch[i].addr + r->scratch[i].size - 1), h);
	}
	if (r->fdt_valid) {
		fprintf(f, "root FDT: %#llx (kho-v4), preserved-memory-map %#llx\n",
			(unsigned long long)r->fdt_pa, (unsigned long long)r->radix_root);
		for (size_t i = 1; i < r->handovers.n; i++)
			fprintf(f, "  also a valid kho-v4 root FDT at %#llx\n",
				(unsigned long long)r->handovers.v[i]);
		for (size_t i = 0; i < r->subtrees.n; i++)
			fprintf(f, "  subtree %-16s %#llx, %llu bytes\n", r->subtrees.v[i].name,
				(unsigned long long)r->subtrees.v[i].pa,
				(unsigned long long)r->subtrees.v[i].size);
		human(h, sizeof(h), r->preserved_bytes);
		fprintf(f, "radix tree: %llu pages, %llu blocks, %s preserved%s\n",
			(unsigned long long)r->ntree_pages, (unsigned long long)r->blocks, h,
			r->tree_walked ? "" : " (walk refused: incomplete)");
		for (unsigned o = 0; o <= KHO_MAX_ORDER; o++)
			if (r->blocks_by_order[o]) {
				human(h, sizeof(h), 4096ull << o);
				fprintf(f, "  order %2u (%s): %llu\n", o, h,
					(unsigned long long)r->blocks_by_order[o]);
			}
	}
	if (r->have_meta)
		fprintf(f, "kexec-metadata: version %u, previous release \"%s\", kexec count %u\n",
			r->meta_version, r->meta_release, r->meta_count);
	if (r->have_timeline)
		fprintf(f, "baton-timeline: exec %llu, serialized +%llu, jump +%llu (TSC)\n",
			(unsigned long long)r->tl_exec,
			(unsigned long long)(r->tl_serialized - r->tl_exec),
			(unsigned long long)(r->tl_jump - r->tl_serialized));
	if (r->have_luo) {
		fprintf(f, "LUO: %#llx, %s, liveupdate_num %llu, %zu sessions, %zu files, %zu FLBs\n",
			(unsigned long long)r->luo_pa, r->luo_ok ? "accepted" : "refused",
			(unsigned long long)r->liveupdate_num, r->sessions.n, r->files.n, r->flbs.n);
		for (size_t i = 0; i < r->flbs.n; i++)
			fprintf(f, "  FLB %s data %#llx count %llu\n", r->flbs.v[i].name,
				(unsigned long long)r->flbs.v[i].data, (unsigned long long)r->flbs.v[i].count);
		for (size_t i = 0, k = 0; i < r->sessions.n; i++) {
			fprintf(f, "  session \"%s\": %llu files\n", r->sessions.v[i].name,
				(unsigned long long)r->sessions.v[i].nfiles);
			for (; k < r->files.n && r->files.v[k].session == i; k++)
				fprintf(f, "    file %s token %#llx data %#llx\n", r->files.v[k].compatible,
					(unsigned long long)r->files.v[k].token,
					(unsigned long long)r->files.v[k].data);
		}
		for (size_t i = 0; i < r->memfds.n; i++) {
			const struct memfd_info *m = &r->memfds.v[i];
			human(h, sizeof(h), m->folio_bytes);
			fprintf(f, "  %s %#llx: size %llu, seals %#x, %llu folios (%s checked)\n",
				m->huge ? "hugememfd" : "memfd", (unsigned long long)m->data,
				(unsigned long long)m->size, m->seals, (unsigned long long)m->nr_folios, h);
		}
		for (size_t i = 0; i < r->blks.n; i++)
			blk_text(r, &r->blks.v[i], f);
	}
	if (r->have_hugetlb)
		for (unsigned p = 0; p < r->hugetlb_pools; p++)
			fprintf(f, "hugetlb pool %u: order %u, %llu folios, %u in use\n", p,
				r->pools[p].order, (unsigned long long)r->pools[p].nr_folios,
				r->pools[p].nr_user);
	if (r->have_pci)
		pci_text(r, f);
	fprintf(f, "findings: %llu errors", (unsigned long long)r->errors);
	if (r->file_errors)
		fprintf(f, " (%llu file-level)", (unsigned long long)r->file_errors);
	fprintf(f, ", %llu warnings\n", (unsigned long long)r->warnings);
	for (size_t i = 0; i < r->findings.n; i++) {
		const struct finding *x = &r->findings.v[i];
		fprintf(f, "  %-10s %-26s", x->scope == SCOPE_FILE ? "file error" : sev_name[x->sev],
			x->check);
		if (x->addr || x->len)
			fprintf(f, " %#llx+%#llx", (unsigned long long)x->addr, (unsigned long long)x->len);
		fprintf(f, " %s\n", x->msg);
	}
	char v[VERDICT_MAX];
	verdict(r, v, sizeof(v));
	fprintf(f, "verdict: %s\n", v);
}

/* ---------------- JSON ---------------- */

static void jstr(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void jhex(FILE *f, uint64_t v)
{
	fprintf(f, "\"0x%llx\"", (unsigned long long)v);
}

/* A member after the first: ,"key": then null if the section is absent. True if it
 * is present: the caller writes its value. */
static bool jmember(FILE *f, const char *key, bool present)
{
	fprintf(f, ",\"%s\":%s", key, present ? "" : "null");
	return present;
}

/* One baton-virtio-blk-v1 record, as read (docs/inspect.md). */
static void blk_json(const struct report *r, const struct blk_info *b, size_t i, FILE *f)
{
	const struct baton_virtio_blk_ser *s = &b->s;
	const struct luo_file_info *fi = b->file >= 0 && (size_t)b->file < r->files.n ?
		&r->files.v[b->file] : NULL;
	char a[16];
	fprintf(f, "%s{\"data\":", i ? "," : "");
	jhex(f, b->data);
	fprintf(f, ",\"session\":");
	jstr(f, fi && fi->session < r->sessions.n ? r->sessions.v[fi->session].name : "");
	fprintf(f, ",\"token\":");
	jhex(f, fi ? fi->token : 0);
	fprintf(f, ",\"record_ok\":%s,\"address\":\"%s\",\"vendor_id\":%u,\"device_id\":%u,"
		"\"queue_size\":%u,\"avail_idx\":%u,\"last_used\":%u,\"free_head\":%u,"
		"\"num_free\":%u,\"inflight_head\":%u,\"inflight_len\":%u,\"features\":",
		b->record_ok ? "true" : "false", pci_addr(a, sizeof(a), s->domain, s->bdf),
		s->vendor_id, s->device_id, s->queue_size, s->avail_idx, s->last_used, s->free_head,
		s->num_free, s->inflight_head, s->inflight_len);
	jhex(f, s->features);
	fprintf(f, ",\"capacity\":%llu,\"ring_pa\":", (unsigned long long)s->capacity);
	jhex(f, s->ring_pa);
	fprintf(f, ",\"ring_order\":%u,\"req_pa\":", s->ring_order);
	jhex(f, s->req_pa);
	fprintf(f, ",\"inflight_pa\":");
	jhex(f, s->inflight_pa);
	fprintf(f, ",\"inflight_order\":%u,\"inflight_lba\":%llu}", s->inflight_order,
		(unsigned long long)s->inflight_lba);
}

void report_json(const struct report *r, FILE *f)
{
	fprintf(f, "{\"schema\":\"kho-inspect-1\",\"accepted\":%s,",
		report_accepted(r) ? "true" : "false");
	fprintf(f, "\"dump\":{\"format\":\"%s\",\"size\":%zu,\"segments\":[",
		r->dump.elf ? "elf" : "raw", r->dump.len);
	for (unsigned i = 0; i < r->dump.nsegs; i++) {
		fprintf(f, "%s{\"pa\":", i ? "," : "");
		jhex(f, r->dump.segs[i].pa);
		fprintf(f, ",\"size\":%llu}", (unsigned long long)r->dump.segs[i].size);
	}
	fprintf(f, "]}");
	if (jmember(f, "fdt", r->fdt_valid)) {
		fprintf(f, "{\"pa\":");
		jhex(f, r->fdt_pa);
		fprintf(f, ",\"radix_root\":");
		jhex(f, r->radix_root);
		fprintf(f, ",\"others\":[");
		for (size_t i = 1; i < r->handovers.n; i++) {
			fprintf(f, "%s", i > 1 ? "," : "");
			jhex(f, r->handovers.v[i]);
		}
		fprintf(f, "],\"subtrees\":[");
		for (size_t i = 0; i < r->subtrees.n; i++) {
			fprintf(f, "%s{\"name\":", i ? "," : "");
			jstr(f, r->subtrees.v[i].name);
			fprintf(f, ",\"pa\":");
			jhex(f, r->subtrees.v[i].pa);
			fprintf(f, ",\"size\":%llu}", (unsigned long long)r->subtrees.v[i].size);
		}
		fprintf(f, "]}");
	}
	if (jmember(f, "radix", r->fdt_valid)) {
		fprintf(f, "{\"complete\":%s,\"tree_pages\":%llu,\"blocks\":%llu,"
			"\"preserved_bytes\":%llu,\"by_order\":[", r->tree_walked ? "true" : "false",
			(unsigned long long)r->ntree_pages, (unsigned long long)r->blocks,
			(unsigned long long)r->preserved_bytes);
		bool first = true;
		for (unsigned o = 0; o <= KHO_MAX_ORDER; o++)
			if (r->blocks_by_order[o]) {
				fprintf(f, "%s{\"order\":%u,\"blocks\":%llu}", first ? "" : ",", o,
					(unsigned long long)r->blocks_by_order[o]);
				first = false;
			}
		fprintf(f, "]}");
	}
	if (jmember(f, "kexec_metadata", r->have_meta)) {
		fprintf(f, "{\"version\":%u,\"previous_release\":", r->meta_version);
		jstr(f, r->meta_release);
		fprintf(f, ",\"kexec_count\":%u}", r->meta_count);
	}
	if (jmember(f, "timeline", r->have_timeline))
		fprintf(f, "{\"magic\":%u,\"version\":%u,\"tsc_exec\":%llu,\"tsc_serialized\":%llu,"
			"\"tsc_jump\":%llu}", r->tl_magic, r->tl_version, (unsigned long long)r->tl_exec,
			(unsigned long long)r->tl_serialized, (unsigned long long)r->tl_jump);
	if (jmember(f, "luo", r->have_luo)) {
		fprintf(f, "{\"pa\":");
		jhex(f, r->luo_pa);
		fprintf(f, ",\"accepted\":%s,\"liveupdate_num\":%llu,\"flbs\":[",
			r->luo_ok ? "true" : "false", (unsigned long long)r->liveupdate_num);
		for (size_t i = 0; i < r->flbs.n; i++) {
			fprintf(f, "%s{\"name\":", i ? "," : "");
			jstr(f, r->flbs.v[i].name);
			fprintf(f, ",\"data\":");
			jhex(f, r->flbs.v[i].data);
			fprintf(f, ",\"count\":%llu}", (unsigned long long)r->flbs.v[i].count);
		}
		fprintf(f, "],\"sessions\":[");
		for (size_t i = 0, k = 0; i < r->sessions.n; i++) {
			fprintf(f, "%s{\"name\":", i ? "," : "");
			jstr(f, r->sessions.v[i].name);
			fprintf(f, ",\"files\":[");
			for (size_t j = 0; k < r->files.n && r->files.v[k].session == i; k++, j++) {
				fprintf(f, "%s{\"compatible\":", j ? "," : "");
				jstr(f, r->files.v[k].compatible);
				fprintf(f, ",\"token\":");
				jhex(f, r->files.v[k].token);
				fprintf(f, ",\"data\":");
				jhex(f, r->files.v[k].data);
				fprintf(f, "}");
			}
			fprintf(f, "]}");
		}
		fprintf(f, "],\"memfds\":[");
		for (size_t i = 0; i < r->memfds.n; i++) {
			const struct memfd_info *m = &r->memfds.v[i];
			fprintf(f, "%s{\"kind\":\"%s\",\"data\":", i ? "," : "",
				m->huge ? "baton-hugememfd-v1" : "memfd-v2");
			jhex(f, m->data);
			fprintf(f, ",\"size\":%llu,\"pos\":%llu,\"seals\":%u,\"order\":%u,"
				"\"nr_folios\":%llu,\"folio_bytes\":%llu}", (unsigned long long)m->size,
				(unsigned long long)m->pos, m->seals, m->order,
				(unsigned long long)m->nr_folios, (unsigned long long)m->folio_bytes);
		}
		fprintf(f, "],\"virtio_blks\":[");
		for (size_t i = 0; i < r->blks.n; i++)
			blk_json(r, &r->blks.v[i], i, f);
		fprintf(f, "]}");
	}
	if (jmember(f, "hugetlb", r->have_hugetlb)) {
		fprintf(f, "{\"pools\":[");
		for (unsigned p = 0; p < r->hugetlb_pools; p++)
			fprintf(f, "%s{\"order\":%u,\"nr_folios\":%llu,\"nr_user\":%u,\"users_seen\":%llu}",
				p ? "," : "", r->pools[p].order, (unsigned long long)r->pools[p].nr_folios,
				r->pools[p].nr_user, (unsigned long long)r->pools[p].users_seen);
		fprintf(f, "]}");
	}
	if (jmember(f, "pci", r->have_pci)) {
		fprintf(f, "{\"data\":");
		jhex(f, r->pci_pa);
		fprintf(f, ",\"bytes\":%llu,\"max_nr_devices\":%u,\"nr_devices\":%u,\"in_use\":%llu,"
			"\"accepted\":%s,\"devices\":[", (unsigned long long)r->pci_bytes, r->pci_max,
			r->pci_nr, (unsigned long long)r->pci_in_use, r->pci_ok ? "true" : "false");
		for (size_t i = 0; i < r->pci_devs.n; i++) {
			const struct pci_entry_info *e = &r->pci_devs.v[i];
			char a[16];
			fprintf(f, "%s{\"index\":%u,\"address\":\"%s\",\"domain\":%u,\"bdf\":%u,"
				"\"refcount\":%u}", i ? "," : "", e->index,
				pci_addr(a, sizeof(a), e->domain, e->bdf), e->domain, e->bdf, e->refcount);
		}
		fprintf(f, "]}");
	}
	if (jmember(f, "scratch", r->nscratch != 0)) {
		for (unsigned i = 0; i < r->nscratch; i++) {
			fprintf(f, "%s{\"pa\":", i ? "," : "[");
			jhex(f, r->scratch[i].addr);
			fprintf(f, ",\"size\":%llu}", (unsigned long long)r->scratch[i].size);
		}
		fprintf(f, "]");
	}
	uint64_t ob[OWN_NR];
	owner_bytes(r, ob);
	fprintf(f, ",\"owners\":{");
	for (unsigned o = 0; o < OWN_NR; o++)
		fprintf(f, "%s\"%s\":%llu", o ? "," : "", owner_name[o], (unsigned long long)ob[o]);
	fprintf(f, "},\"errors\":%llu,\"file_errors\":%llu,\"warnings\":%llu,\"findings\":[",
		(unsigned long long)r->errors, (unsigned long long)r->file_errors,
		(unsigned long long)r->warnings);
	for (size_t i = 0; i < r->findings.n; i++) {
		const struct finding *x = &r->findings.v[i];
		fprintf(f, "%s{\"severity\":\"%s\",\"scope\":%s,\"check\":", i ? "," : "",
			sev_name[x->sev], scope_json[x->scope]);
		jstr(f, x->check);
		fprintf(f, ",\"addr\":");
		jhex(f, x->addr);
		fprintf(f, ",\"len\":%llu,\"message\":", (unsigned long long)x->len);
		jstr(f, x->msg);
		fprintf(f, "}");
	}
	fprintf(f, "]}\n");
}

/* ---------------- DTS ---------------- */

bool report_dts(const struct report *r)
{
	if (!r->fdt_valid)
		return false;
	kho_fdt_print(dump_at(&r->dump, r->fdt_pa, KHO_FDT_SIZE) ? dump_at(&r->dump, r->fdt_pa, 1)
								: NULL);
	return true;
}

/* ---------------- SVG ---------------- */

static const char *const colour[OWN_NR] = {
	[OWN_UNKNOWN] = "#9e9e9e", [OWN_KHO] = "#1565c0", [OWN_LUO] = "#6a1b9a",
	[OWN_MEMFD] = "#2e7d32", [OWN_HUGETLB] = "#ef6c00", [OWN_TIMELINE] = "#c62828",
	[OWN_BLK] = "#6d4c41", [OWN_TREE] = "#000000",
};

#define SVG_W     1000
#define SVG_BAR   28
#define SVG_ROW   56
#define SVG_LEFT  10

/* x of pa in a row for segment s (width SVG_W). */
static double xpos(const struct dump_seg *s, uint64_t pa)
{
	return SVG_LEFT + (double)(pa - s->pa) * SVG_W / (double)s->size;
}

static void rect(FILE *f, const struct dump_seg *s, unsigned row, uint64_t pa, uint64_t len,
		 const char *fill, const char *title)
{
	uint64_t end = pa + len, segend = s->pa + s->size;
	if (end <= s->pa || pa >= segend)
		return;
	if (pa < s->pa)
		pa = s->pa;
	if (end > segend)
		end = segend;
	double x = xpos(s, pa), w = xpos(s, end) - x;
	if (w < 1)
		w = 1;              /* every block stays visible */
	fprintf(f, "<rect x=\"%.2f\" y=\"%u\" width=\"%.2f\" height=\"%u\" fill=\"%s\">"
		"<title>%s %#llx+%#llx</title></rect>\n", x, 30 + row * SVG_ROW, w, SVG_BAR, fill,
		title, (unsigned long long)pa, (unsigned long long)(end - pa));
}

/* src as XML text: &, <, >, " escaped, bytes outside printable ASCII as '?';
 * cut to fit dst. */
static void xml(char *dst, size_t size, const char *src)
{
	size_t n = 0;
	for (; *src; src++) {
		const char *e = *src == '&' ? "&amp;" : *src == '<' ? "&lt;" : *src == '>' ? "&gt;"
			: *src == '"' ? "&quot;" : NULL;
		char one[2] = { *src >= 0x20 && *src < 0x7f ? *src : '?', 0 };
		size_t len = strlen(e ? e : one);
		if (n + len >= size)
			break;
		memcpy(dst + n, e ? e : one, len);
		n += len;
	}
	dst[n] = 0;
}

/* A mark's title: its owner, and the session and file or the pool it belongs to. */
static const char *whose(const struct report *r, const struct mark *m)
{
	static char t[512];
	if (m->file >= 0 && (size_t)m->file < r->files.n) {
		const struct luo_file_info *fi = &r->files.v[m->file];
		char sess[200], compat[200];             /* names from the dump: escaped */
		xml(sess, sizeof(sess), fi->session < r->sessions.n ?
		    r->sessions.v[fi->session].name : "?");
		xml(compat, sizeof(compat), fi->compatible);
		snprintf(t, sizeof(t), "%s of session &quot;%s&quot; token %#llx (%s)",
			 owner_name[m->owner], sess, (unsigned long long)fi->token, compat);
	} else if (m->pool >= 0) {
		snprintf(t, sizeof(t), "%s pool %d", owner_name[m->owner], m->pool);
	} else if (m->flb >= 0 && (size_t)m->flb < r->flbs.n) {
		char name[200];
		xml(name, sizeof(name), r->flbs.v[m->flb].name);
		snprintf(t, sizeof(t), "%s FLB %s", owner_name[m->owner], name);
	} else {
		snprintf(t, sizeof(t), "%s", owner_name[m->owner]);
	}
	return t;
}

#define SCRATCH_COLOUR "#00acc1"

static void band(FILE *f, const struct dump_seg *s, unsigned row, uint64_t pa, uint64_t len)
{
	uint64_t end = pa + len, segend = s->pa + s->size;
	if (end <= s->pa || pa >= segend)
		return;
	pa = pa < s->pa ? s->pa : pa;
	end = end > segend ? segend : end;
	double x = xpos(s, pa), w = xpos(s, end) - x;
	fprintf(f, "<rect x=\"%.2f\" y=\"%u\" width=\"%.2f\" height=\"4\" fill=\"%s\">"
		"<title>scratch %#llx+%#llx</title></rect>\n", x, 30 + row * SVG_ROW + SVG_BAR,
		w < 1 ? 1 : w, SCRATCH_COLOUR, (unsigned long long)pa,
		(unsigned long long)(end - pa));
}

/* The kernel slot (include/layout.h): where every kernel of the chain runs. */
static void slot(FILE *f, const struct dump_seg *s, unsigned row)
{
	if (KERNEL_PHYS < s->pa || KERNEL_PHYS + KERNEL_SLOT_SIZE > s->pa + s->size)
		return;
	double x = xpos(s, KERNEL_PHYS), w = xpos(s, KERNEL_PHYS + KERNEL_SLOT_SIZE) - x;
	fprintf(f, "<rect x=\"%.2f\" y=\"%u\" width=\"%.2f\" height=\"%u\" fill=\"none\" "
		"stroke=\"#c62828\" stroke-dasharray=\"3,2\"><title>kernel slot %#x+%#x</title>"
		"</rect>\n", x < 1 ? 1 : x, 30 + row * SVG_ROW, w < 2 ? 2 : w, SVG_BAR,
		(unsigned)KERNEL_PHYS, (unsigned)KERNEL_SLOT_SIZE);
}

void report_svg(const struct report *r, const struct dump_seg *zoom, FILE *f)
{
	unsigned rows = r->dump.nsegs + (zoom && zoom->size);
	if (zoom && !zoom->size)
		zoom = NULL;
	uint64_t ob[OWN_NR];
	owner_bytes(r, ob);
	/* Owners' marks sorted by owner then address, touching ones merged: one
	 * rectangle per stretch, not per folio. */
	size_t nm = 0;
	struct mark *m = malloc((r->marks.n ? r->marks.n : 1) * sizeof(*m));
	if (m) {
		if (r->marks.n)
			memcpy(m, r->marks.v, r->marks.n * sizeof(*m));
		qsort(m, r->marks.n, sizeof(*m), mark_cmp);
		for (size_t i = 0; i < r->marks.n; i++) {
			if (nm && m[nm - 1].owner == m[i].owner && m[nm - 1].file == m[i].file &&
			    m[nm - 1].pool == m[i].pool && m[nm - 1].flb == m[i].flb &&
			    m[i].pa <= m[nm - 1].pa + m[nm - 1].len) {
				uint64_t e = m[i].pa + m[i].len;
				if (e > m[nm - 1].pa + m[nm - 1].len)
					m[nm - 1].len = e - m[nm - 1].pa;
			} else {
				m[nm++] = m[i];
			}
		}
	}
	unsigned height = 40 + rows * SVG_ROW + 20 * (OWN_NR + 4);
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\" height=\"%u\" "
		"font-family=\"monospace\" font-size=\"12\">\n", SVG_W + 2 * SVG_LEFT, height);
	char v[VERDICT_MAX];
	verdict(r, v, sizeof(v));                /* check names only: nothing to escape */
	fprintf(f, "<text x=\"%u\" y=\"18\">kho-inspect: physical memory, root FDT %#llx, %s</text>\n",
		SVG_LEFT, (unsigned long long)r->fdt_pa, v);
	for (unsigned s = 0; s < rows; s++) {
		bool zoomed = s == r->dump.nsegs;      /* the last row, with a zoom */
		const struct dump_seg *g = zoomed ? zoom : &r->dump.segs[s];
		char h[32];
		human(h, sizeof(h), g->size);
		fprintf(f, "<rect x=\"%u\" y=\"%u\" width=\"%u\" height=\"%u\" fill=\"%s\" "
			"stroke=\"#888\"/>\n", SVG_LEFT, 30 + s * SVG_ROW, SVG_W, SVG_BAR,
			zoomed ? "#ffffff" : "#e8f5e9");
		for (unsigned k = 0; zoomed && k < r->dump.nsegs; k++)     /* RAM in the window */
			rect(f, g, s, r->dump.segs[k].pa, r->dump.segs[k].size, "#e8f5e9", "RAM");
		fprintf(f, "<text x=\"%u\" y=\"%u\">%s %#llx-%#llx (%s)</text>\n", SVG_LEFT,
			30 + s * SVG_ROW + SVG_BAR + 14, zoomed ? "zoom on" : "RAM",
			(unsigned long long)g->pa, (unsigned long long)(g->pa + g->size - 1), h);
		/* preserved blocks first (unclaimed colour), owners over them */
		for (size_t i = 0; i < r->runs.n; i++)
			rect(f, g, s, r->runs.v[i].pa, r->runs.v[i].n << (12 + r->runs.v[i].order),
			     colour[OWN_UNKNOWN], "preserved");
		for (size_t i = 0; i < nm; i++)
			if (m[i].owner != OWN_UNKNOWN)
				rect(f, g, s, m[i].pa, m[i].len, colour[m[i].owner], whose(r, &m[i]));
		/* scratch as a band under the bar; the kernel slot outlined over it */
		for (unsigned i = 0; i < r->nscratch; i++)
			band(f, g, s, r->scratch[i].addr, r->scratch[i].size);
		slot(f, g, s);
	}
	unsigned y = 40 + rows * SVG_ROW;
	static const char *const label[OWN_NR] = {
		[OWN_UNKNOWN] = "preserved, owner not known here",
		[OWN_KHO] = "KHO metadata (root FDT, kexec-metadata, subtrees)",
		[OWN_LUO] = "LUO metadata (luo_ser, chains, FLB page, records, folio lists)",
		[OWN_MEMFD] = "memfd folios", [OWN_HUGETLB] = "hugetlb pool folios",
		[OWN_TIMELINE] = "blackout timeline",
		[OWN_BLK] = "disk queues (virtio-blk ring, request page, in-flight data)",
		[OWN_TREE] = "radix tree pages (not preserved)",
	};
	for (unsigned o = 0; o < OWN_NR; o++, y += 20) {
		char h[32];
		human(h, sizeof(h), ob[o]);
		fprintf(f, "<rect x=\"%u\" y=\"%u\" width=\"14\" height=\"14\" fill=\"%s\"/>"
			"<text x=\"%u\" y=\"%u\">%s: %s</text>\n", SVG_LEFT, y, colour[o],
			SVG_LEFT + 20, y + 12, label[o], h);
	}
	uint64_t sb = 0;
	for (unsigned i = 0; i < r->nscratch; i++)
		sb += r->scratch[i].size;
	char h[32];
	human(h, sizeof(h), sb);
	fprintf(f, "<rect x=\"%u\" y=\"%u\" width=\"14\" height=\"4\" fill=\"%s\"/>"
		"<text x=\"%u\" y=\"%u\">scratch (under the bar): %s%s</text>\n", SVG_LEFT, y + 5,
		SCRATCH_COLOUR, SVG_LEFT + 20, y + 12, h, r->nscratch ? "" : " (not given: --scratch)");
	y += 20;
	fprintf(f, "<rect x=\"%u\" y=\"%u\" width=\"14\" height=\"14\" fill=\"none\" "
		"stroke=\"#c62828\" stroke-dasharray=\"3,2\"/><text x=\"%u\" y=\"%u\">kernel "
		"slot %#x+%#x</text>\n", SVG_LEFT, y, SVG_LEFT + 20, y + 12, (unsigned)KERNEL_PHYS,
		(unsigned)KERNEL_SLOT_SIZE);
	y += 20;
	human(h, sizeof(h), r->preserved_bytes);
	fprintf(f, "<text x=\"%u\" y=\"%u\">%llu blocks, %s preserved; %llu tree pages</text>\n",
		SVG_LEFT, y + 12, (unsigned long long)r->blocks, h, (unsigned long long)r->ntree_pages);
	fprintf(f, "</svg>\n");
	free(m);
}
