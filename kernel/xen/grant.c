/*
 * Grant table v1, the guest side: the table's frames are mapped by the
 * platform (x86 PV: GNTTABOP_setup_table then a remap; ARM: add_to_physmap),
 * entries are handed out from a free list and ended only when the other
 * domain no longer reads or writes the page.
 */
#include "xen.h"

#define GTF_permit_access 1u
#define GTF_readonly (1u << 2)
#define GTF_reading (1u << 3)
#define GTF_writing (1u << 4)
/* Refs 0-7 are the toolstack's (console, xenstore): never handed out. */
#define RESERVED_REFS 8u

struct grant_entry_v1 { uint16_t flags, domid; uint32_t frame; };

#define CAPACITY (XEN_GRANT_FRAMES * (4096 / sizeof(struct grant_entry_v1)))

static struct grant_entry_v1 *table;
static uint32_t free_list[CAPACITY]; /* a stack of free refs */
static uint32_t free_count;

void xen_grant_init(void *frames) {
	table = frames;
	free_count = 0;
	for (uint32_t ref = CAPACITY; ref-- > RESERVED_REFS;) free_list[free_count++] = ref;
}

int xen_grant_ready(void) { return table != 0; }

long xen_grant_access(uint16_t domid, uint64_t frame, int read_only, uint32_t *ref_out) {
	if (!table) return -38; /* ENOSYS */
	if (free_count == 0) return -28; /* ENOSPC */
	if (frame > 0xffffffffu) return -75; /* EOVERFLOW: v1 entries hold 32-bit frames */
	uint32_t ref = free_list[--free_count];
	struct grant_entry_v1 *e = &table[ref];
	e->domid = domid;
	e->frame = (uint32_t)frame;
	/* The other side may map the entry as soon as flags say so. */
	__atomic_store_n(&e->flags, (uint16_t)(GTF_permit_access | (read_only ? GTF_readonly : 0)), __ATOMIC_RELEASE);
	*ref_out = ref;
	return 0;
}

/* 1: ended and free again; 0: the other domain still has it mapped. */
int xen_grant_end(uint32_t ref) {
	if (!table || ref < RESERVED_REFS || ref >= CAPACITY) return -22; /* EINVAL */
	struct grant_entry_v1 *e = &table[ref];
	uint16_t flags = __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE);
	do {
		if (!(flags & GTF_permit_access)) return -22; /* not granted */
		if (flags & (GTF_reading | GTF_writing)) return 0;
	} while (!__atomic_compare_exchange_n(&e->flags, &flags, 0, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	free_list[free_count++] = ref;
	return 1;
}
