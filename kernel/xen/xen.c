/* Arch-neutral Xen services: event channels over shared info, the wall
 * clock Xen publishes there, console_io and shutdown. */
#include "xen.h"

static struct xen_shared_info *shared;

void xen_set_shared_info(struct xen_shared_info *s) { shared = s; }
struct xen_shared_info *xen_shared_info(void) { return shared; }

int xen_events_pending(void) {
	return shared && shared->vcpu_info[0].evtchn_upcall_pending;
}

#define MAX_PRIVATE_PORTS 4
static uint32_t private_ports[MAX_PRIVATE_PORTS];
static int private_count;

void xen_events_keep_private(uint32_t port) {
	if (private_count < MAX_PRIVATE_PORTS) private_ports[private_count++] = port;
}

static int is_private(uint32_t port) {
	for (int i = 0; i < private_count; i++) if (private_ports[i] == port) return 1;
	return 0;
}

int xen_events_take(uint32_t *ports, int max) {
	if (!shared) return 0;
	struct xen_vcpu_info *v = &shared->vcpu_info[0];
	int n = 0;
	v->evtchn_upcall_pending = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	xen_ulong_t sel = __atomic_exchange_n(&v->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
	for (unsigned w = 0; sel && w < XEN_EVTCHN_WORDS; w++) {
		if (!(sel & ((xen_ulong_t)1 << w))) continue;
		xen_ulong_t ready = shared->evtchn_pending[w] & ~shared->evtchn_mask[w];
		for (unsigned b = 0; ready && b < 64; b++) {
			xen_ulong_t bit = (xen_ulong_t)1 << b;
			if (!(ready & bit)) continue;
			ready &= ~bit;
			uint32_t port = w * 64 + b;
			if (is_private(port)) {
				__atomic_and_fetch(&shared->evtchn_pending[w], ~bit, __ATOMIC_SEQ_CST);
				continue;
			}
			if (n == max) {
				/* No room: leave it pending and flagged for the next call. */
				__atomic_or_fetch(&v->evtchn_pending_sel, (xen_ulong_t)1 << w, __ATOMIC_SEQ_CST);
				v->evtchn_upcall_pending = 1;
				continue;
			}
			__atomic_and_fetch(&shared->evtchn_pending[w], ~bit, __ATOMIC_SEQ_CST);
			ports[n++] = port;
		}
	}
	return n;
}

double xen_wall_clock_ms(double monotonic_ms) {
	if (!shared) return monotonic_ms;
	uint32_t version, sec, nsec, hi;
	do {
		version = __atomic_load_n(&shared->wc_version, __ATOMIC_ACQUIRE);
		sec = shared->wc_sec;
		nsec = shared->wc_nsec;
		hi = shared->wc_sec_hi;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while ((version & 1) || version != __atomic_load_n(&shared->wc_version, __ATOMIC_ACQUIRE));
	double boot_s = (double)(((uint64_t)hi << 32) | sec);
	return boot_s * 1e3 + nsec / 1e6 + monotonic_ms;
}

long xen_evtchn_send(uint32_t port) {
	struct xen_evtchn_port arg = { port };
	return xen_hypercall2(__HYPERVISOR_event_channel_op, EVTCHNOP_send, (unsigned long)&arg);
}

long xen_evtchn_unmask(uint32_t port) {
	struct xen_evtchn_port arg = { port };
	return xen_hypercall2(__HYPERVISOR_event_channel_op, EVTCHNOP_unmask, (unsigned long)&arg);
}

long xen_console_io_write(const char *s, unsigned len) {
	return xen_hypercall3(__HYPERVISOR_console_io, CONSOLEIO_write, len, (unsigned long)s);
}

void xen_shutdown(unsigned reason) {
	struct { uint32_t reason; } arg = { reason };
	xen_hypercall2(__HYPERVISOR_sched_op, SCHEDOP_shutdown, (unsigned long)&arg);
}

void xen_sched_block(void) {
	xen_hypercall2(__HYPERVISOR_sched_op, SCHEDOP_block, 0);
}
