/*
 * The slice of Xen's guest ABI the kernel uses, written from Xen's public
 * headers (xen.h, sched.h, memory.h, event_channel.h): hypercall numbers,
 * shared-info layout and the event-channel helpers every Xen platform shares.
 * The arch header defines xen_hypercall{1..3} and the two layout knobs.
 */
#ifndef NYMOTE_XEN_H
#define NYMOTE_XEN_H
#include <stdint.h>
#include "xen_arch.h"

#define __HYPERVISOR_memory_op 12
#define __HYPERVISOR_xen_version 17
#define __HYPERVISOR_console_io 18
#define __HYPERVISOR_sched_op 29
#define __HYPERVISOR_grant_table_op 20
#define __HYPERVISOR_event_channel_op 32
#define __HYPERVISOR_hvm_op 34

#define CONSOLEIO_write 0
#define SCHEDOP_yield 0
#define SCHEDOP_block 1
#define SCHEDOP_shutdown 2
#define SHUTDOWN_poweroff 0
#define SHUTDOWN_crash 3
#define XENMEM_add_to_physmap 7
#define XENMAPSPACE_shared_info 0
#define XENMAPSPACE_grant_table 1
#define EVTCHNOP_send 4
#define EVTCHNOP_alloc_unbound 6
#define EVTCHNOP_unmask 9
#define DOMID_SELF 0x7ff0u

typedef uint64_t xen_ulong_t; /* 64 bits on arm32 and x86_64 alike */

struct xen_vcpu_time_info {
	uint32_t version, pad0;
	uint64_t tsc_timestamp, system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags, pad1[2];
};

struct xen_vcpu_info {
	uint8_t evtchn_upcall_pending, evtchn_upcall_mask;
	xen_ulong_t evtchn_pending_sel __attribute__((aligned(8)));
	uint8_t arch[XEN_ARCH_VCPU_INFO_BYTES];
	struct xen_vcpu_time_info time;
};

#define XEN_EVTCHN_WORDS (sizeof(xen_ulong_t) * 8)
struct xen_shared_info {
	struct xen_vcpu_info vcpu_info[XEN_LEGACY_MAX_VCPUS];
	xen_ulong_t evtchn_pending[XEN_EVTCHN_WORDS];
	xen_ulong_t evtchn_mask[XEN_EVTCHN_WORDS];
	uint32_t wc_version, wc_sec, wc_nsec, wc_sec_hi;
};

struct xen_add_to_physmap {
	uint16_t domid, size;
	uint32_t space;
	xen_ulong_t idx;
	uint64_t gpfn;
};

struct xen_evtchn_alloc_unbound { uint16_t dom, remote_dom; uint32_t port; };
struct xen_evtchn_port { uint32_t port; };

/* kernel/xen/xen.c */
void xen_set_shared_info(struct xen_shared_info *s);
struct xen_shared_info *xen_shared_info(void);
/* Ports that fired since the last call (pending and unmasked), cleared. */
int xen_events_take(uint32_t *ports, int max);
int xen_events_pending(void);
/* Wall clock at boot plus the monotonic time since, in ms. */
double xen_wall_clock_ms(double monotonic_ms);
/* A port the kernel consumes itself (a timer VIRQ): cleared, never reported. */
void xen_events_keep_private(uint32_t port);
long xen_evtchn_send(uint32_t port);
long xen_evtchn_unmask(uint32_t port);
long xen_console_io_write(const char *s, unsigned len);
void xen_shutdown(unsigned reason);
void xen_sched_block(void);

/* kernel/xen/grant.c: grant table v1 over XEN_GRANT_FRAMES frames the
 * platform mapped at `frames` (2048 entries; 8 are the toolstack's). */
#define XEN_GRANT_FRAMES 4u
void xen_grant_init(void *frames);
int xen_grant_ready(void);
/* 0 and *ref set, or a negative errno. */
long xen_grant_access(uint16_t domid, uint64_t frame, int read_only, uint32_t *ref);
/* 1: ended; 0: still mapped by the other side (try again later); <0: errno. */
int xen_grant_end(uint32_t ref);

/* Per platform: the frame number a grant entry names for the page at va
 * (x86 PV: the machine frame; ARM: the guest frame), and the xenstore ring
 * (0 when this domain has none: dom0less, or the fast x86 dom0 topology). */
uint64_t xen_platform_frame(const void *va);
int xen_platform_xenstore(void **page, uint32_t *port);

/* kernel/xen/natives.c: __kernel.xen's event-channel natives onto the object at xen_obj. */
#include "duktape.h"
void xen_install_natives(duk_context *ctx, duk_idx_t xen_obj);

#endif
