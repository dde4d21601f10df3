/*
 * Page tables for an x86_64 PV guest. Xen maps only the bootstrap region
 * (image, start_info, its page tables, a stack, at least 512 KiB spare);
 * the kernel maps every other frame it owns 1:1 (virtual = pfn * 4096).
 * A PV guest never writes a page table directly: new tables are zeroed,
 * made read-only, and linked with mmu_update, which Xen validates.
 */
#include <string.h>
#include "x86_64.h"
#include "../../xen/xen.h"

#define L1_PER_BATCH 512

unsigned long x86_mfn_to_pfn(unsigned long mfn) {
	return ((const unsigned long *)MACH2PHYS_VIRT_START)[mfn];
}

static uint64_t *table_at(uint64_t entry) {
	return (uint64_t *)(x86_mfn_to_pfn((entry & PTE_ADDR_MASK) >> 12) << 12);
}

static uint64_t machine_address(const struct x86_memory *m, const void *va) {
	uintptr_t v = (uintptr_t)va;
	return ((uint64_t)m->p2m[v >> 12] << 12) | (v & 4095);
}

static long mmu_update(struct mmu_update *updates, unsigned count) {
	return xen_hypercall4(__HYPERVISOR_mmu_update, (unsigned long)updates, count, 0, DOMID_SELF);
}

long x86_remap(void *va, unsigned long mfn) {
	return xen_hypercall3(__HYPERVISOR_update_va_mapping, (unsigned long)va,
	                      ((uint64_t)mfn << 12) | PTE_DATA, UVMF_INVLPG);
}

/* A new table from the next free frame, which is already mapped: frames are
 * mapped in ascending order and tables are taken far behind that front. */
static const char *link_new_table(struct x86_memory *m, uint64_t *parent_entry) {
	if (m->next_free_pfn >= m->nr_pages) return "no frame left for a page table";
	unsigned long pfn = m->next_free_pfn++;
	void *va = (void *)(pfn << 12);
	uint64_t mfn = m->p2m[pfn];
	memset(va, 0, 4096);
	if (xen_hypercall3(__HYPERVISOR_update_va_mapping, (unsigned long)va, (mfn << 12) | PTE_TABLE_RO, UVMF_INVLPG))
		return "Xen refused to make a page-table frame read-only";
	struct mmu_update link = { machine_address(m, parent_entry) | MMU_NORMAL_PT_UPDATE, (mfn << 12) | PTE_TABLE_LINK };
	if (mmu_update(&link, 1)) return "Xen refused a new page table";
	return NULL;
}

static const char *next_level(struct x86_memory *m, uint64_t *table, unsigned index, uint64_t **out) {
	if (!(table[index] & PTE_PRESENT)) {
		const char *why = link_new_table(m, &table[index]);
		if (why) return why;
	}
	*out = table_at(table[index]);
	return NULL;
}

const char *x86_map_all_memory(struct x86_memory *m) {
	static struct mmu_update batch[L1_PER_BATCH];
	uint64_t *l4 = (uint64_t *)m->pt_base;
	for (unsigned long pfn = 0; pfn < m->nr_pages;) {
		uintptr_t va = pfn << 12;
		uint64_t *l3, *l2, *l1;
		const char *why;
		if ((why = next_level(m, l4, (va >> 39) & 511, &l3))) return why;
		if ((why = next_level(m, l3, (va >> 30) & 511, &l2))) return why;
		if ((why = next_level(m, l2, (va >> 21) & 511, &l1))) return why;
		unsigned n = 0;
		for (unsigned i = (va >> 12) & 511; i < 512 && pfn < m->nr_pages; i++, pfn++) {
			if (l1[i] & PTE_PRESENT) continue;
			batch[n].ptr = machine_address(m, &l1[i]) | MMU_NORMAL_PT_UPDATE;
			batch[n].val = ((uint64_t)m->p2m[pfn] << 12) | PTE_DATA;
			n++;
		}
		if (n && mmu_update(batch, n)) return "Xen refused to map the guest's own memory";
	}
	/* Page 0 unmapped: a null pointer faults instead of reading the pool. */
	if (xen_hypercall3(__HYPERVISOR_update_va_mapping, 0, 0, UVMF_INVLPG)) return "cannot unmap page 0";
	return NULL;
}
