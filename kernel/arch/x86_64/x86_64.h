/* The x86_64 PV platform's private pieces: Xen's PV ABI as this kernel
 * uses it (from xen/include/public/xen.h and arch-x86/xen-x86_64.h). */
#ifndef NYMOTE_X86_64_H
#define NYMOTE_X86_64_H
#include <stddef.h>
#include <stdint.h>

#define __HYPERVISOR_set_trap_table 0
#define __HYPERVISOR_mmu_update 1
#define __HYPERVISOR_set_callbacks 4
#define __HYPERVISOR_fpu_taskswitch 5
#define __HYPERVISOR_set_timer_op 15
#define __HYPERVISOR_update_va_mapping 14
#define __HYPERVISOR_vcpu_op 24
#define VCPUOP_stop_periodic_timer 7

#define SIF_INITDOMAIN (1u << 1)
#define UVMF_INVLPG 2u
#define MMU_NORMAL_PT_UPDATE 0u
#define EVTCHNOP_bind_virq 1
#define VIRQ_TIMER 0

/* Page-table entry bits; Xen sets _PAGE_USER on our "kernel" mappings anyway. */
#define PTE_PRESENT 0x001ull
#define PTE_RW 0x002ull
#define PTE_USER 0x004ull
#define PTE_ACCESSED 0x020ull
#define PTE_DIRTY 0x040ull
#define PTE_ADDR_MASK 0x000ffffffffff000ull
#define PTE_DATA (PTE_PRESENT | PTE_RW | PTE_USER | PTE_ACCESSED | PTE_DIRTY)
#define PTE_TABLE_RO (PTE_PRESENT | PTE_USER | PTE_ACCESSED)
#define PTE_TABLE_LINK (PTE_PRESENT | PTE_RW | PTE_USER | PTE_ACCESSED | PTE_DIRTY)

/* The read-only machine-to-physical table every PV guest sees. */
#define MACH2PHYS_VIRT_START 0xffff800000000000ull

struct start_info {
	char magic[32];
	unsigned long nr_pages;
	unsigned long shared_info; /* machine address */
	uint32_t flags;
	unsigned long store_mfn;
	uint32_t store_evtchn;
	union {
		struct { unsigned long mfn; uint32_t evtchn; } domU;
		struct { uint32_t info_off, info_size; } dom0;
	} console;
	unsigned long pt_base; /* virtual */
	unsigned long nr_pt_frames;
	unsigned long mfn_list; /* virtual */
	unsigned long mod_start, mod_len;
	char cmd_line[1024];
	unsigned long first_p2m_pfn, nr_p2m_frames;
};

struct mmu_update { uint64_t ptr, val; };

struct trap_info {
	uint8_t vector, flags;
	uint16_t cs;
	unsigned long address;
};
#define FLAT_KERNEL_CS 0xe033u

/* The PV console ring (io/console.h). */
struct xencons_interface {
	char in[1024];
	char out[2048];
	uint32_t in_cons, in_prod, out_cons, out_prod;
};

/* What trap_common in start.S pushed. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error, rip, cs, rflags, rsp, ss;
};

/* mm.c */
struct x86_memory {
	const unsigned long *p2m; /* pfn -> mfn, from start_info */
	unsigned long nr_pages;
	unsigned long pt_base; /* virtual address of the L4 table */
	unsigned long next_free_pfn; /* page-table frames are taken from here */
};
/* Maps every pseudo-physical frame at virtual = pfn * 4096 and unmaps page
 * 0. Returns NULL or why it could not. */
const char *x86_map_all_memory(struct x86_memory *m);
/* Maps machine frame mfn at the page-aligned virtual address va. */
long x86_remap(void *va, unsigned long mfn);
unsigned long x86_mfn_to_pfn(unsigned long mfn);

#endif
