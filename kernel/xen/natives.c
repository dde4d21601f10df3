/*
 * __kernel.xen natives shared by every Xen platform: event channels, grant
 * access to pages and the xenstore ring. A port that fires is reported by
 * block() with the port number as event id. Errors from Xen are thrown as
 * Error with .code = the negative errno.
 */
#include "nymote/kernel.h"
#include "xen.h"

#define EVTCHNOP_bind_interdomain 0
#define EVTCHNOP_close 3

struct xen_evtchn_bind_interdomain { uint16_t remote_dom; uint32_t remote_port, local_port; };

static duk_ret_t throw_xen(duk_context *ctx, const char *what, long rc) {
	duk_push_error_object(ctx, DUK_ERR_ERROR, "%s failed: Xen error %ld", what, rc);
	duk_push_int(ctx, (duk_int_t)rc);
	duk_put_prop_string(ctx, -2, "code");
	return duk_throw(ctx);
}

static uint16_t domid_arg(duk_context *ctx, duk_idx_t i) {
	return duk_is_undefined(ctx, i) ? (uint16_t)DOMID_SELF : (uint16_t)duk_require_uint(ctx, i);
}

static duk_ret_t evtchn_alloc_unbound(duk_context *ctx) {
	struct xen_evtchn_alloc_unbound op = { .dom = DOMID_SELF, .remote_dom = domid_arg(ctx, 0) };
	long rc = xen_hypercall2(__HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, (unsigned long)&op);
	if (rc) return throw_xen(ctx, "evtchnAllocUnbound", rc);
	duk_push_uint(ctx, op.port);
	return 1;
}

static duk_ret_t evtchn_bind_interdomain(duk_context *ctx) {
	struct xen_evtchn_bind_interdomain op = { .remote_dom = domid_arg(ctx, 0), .remote_port = duk_require_uint(ctx, 1) };
	long rc = xen_hypercall2(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_interdomain, (unsigned long)&op);
	if (rc) return throw_xen(ctx, "evtchnBindInterdomain", rc);
	duk_push_uint(ctx, op.local_port);
	return 1;
}

static duk_ret_t port_op(duk_context *ctx, int op, const char *what) {
	struct xen_evtchn_port arg = { .port = duk_require_uint(ctx, 0) };
	long rc = xen_hypercall2(__HYPERVISOR_event_channel_op, (unsigned long)op, (unsigned long)&arg);
	if (rc) return throw_xen(ctx, what, rc);
	return 0;
}

static duk_ret_t evtchn_send(duk_context *ctx) { return port_op(ctx, EVTCHNOP_send, "evtchnSend"); }
static duk_ret_t evtchn_unmask(duk_context *ctx) { return port_op(ctx, EVTCHNOP_unmask, "evtchnUnmask"); }
static duk_ret_t evtchn_close(duk_context *ctx) { return port_op(ctx, EVTCHNOP_close, "evtchnClose"); }

/* The page a buffer (ArrayBuffer or view) starts on; it must start a page. */
static const void *page_arg(duk_context *ctx, duk_idx_t i) {
	duk_size_t len;
	const uint8_t *p = duk_require_buffer_data(ctx, i, &len);
	if (((uintptr_t)p & 4095) || len < 4096) {
		(void)duk_error(ctx, DUK_ERR_RANGE_ERROR, "grantAccess: the buffer must start on a page and hold one (4096 bytes)");
	}
	return p;
}

static duk_ret_t grant_access(duk_context *ctx) {
	uint16_t domid = (uint16_t)duk_require_uint(ctx, 0);
	const void *page = page_arg(ctx, 1);
	uint32_t ref;
	long rc = xen_grant_access(domid, xen_platform_frame(page), duk_to_boolean(ctx, 2), &ref);
	if (rc) return throw_xen(ctx, "grantAccess", rc);
	duk_push_uint(ctx, ref);
	return 1;
}

static duk_ret_t grant_end(duk_context *ctx) {
	int rc = xen_grant_end(duk_require_uint(ctx, 0));
	if (rc < 0) return throw_xen(ctx, "grantEnd", rc);
	duk_push_boolean(ctx, rc == 1);
	return 1;
}

/* Orders our accesses to shared pages against the other domain's CPU. */
static duk_ret_t fence(duk_context *ctx) {
	(void)ctx;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return 0;
}

static const duk_function_list_entry xen_natives[] = {
	{"evtchnAllocUnbound", evtchn_alloc_unbound, 1},
	{"evtchnBindInterdomain", evtchn_bind_interdomain, 2},
	{"evtchnSend", evtchn_send, 1},
	{"evtchnUnmask", evtchn_unmask, 1},
	{"evtchnClose", evtchn_close, 1},
	{"grantAccess", grant_access, 3},
	{"grantEnd", grant_end, 1},
	{"fence", fence, 0},
	{NULL, NULL, 0},
};

/* __kernel.xen.xenstore = { page: ArrayBuffer over the ring, port }. */
static void push_xenstore(duk_context *ctx, duk_idx_t xen_obj) {
	void *page;
	uint32_t port;
	if (!xen_platform_xenstore(&page, &port)) return;
	duk_push_object(ctx);
	duk_push_external_buffer(ctx);
	duk_config_buffer(ctx, -1, page, 4096);
	duk_push_buffer_object(ctx, -1, 0, 4096, DUK_BUFOBJ_ARRAYBUFFER);
	duk_put_prop_string(ctx, -3, "page");
	duk_pop(ctx);
	duk_push_uint(ctx, port);
	duk_put_prop_string(ctx, -2, "port");
	duk_put_prop_string(ctx, xen_obj, "xenstore");
}

void xen_install_natives(duk_context *ctx, duk_idx_t xen_obj) {
	duk_put_function_list(ctx, xen_obj, xen_natives);
	duk_push_boolean(ctx, xen_shared_info() != 0);
	duk_put_prop_string(ctx, xen_obj, "events");
	duk_push_boolean(ctx, xen_grant_ready());
	duk_put_prop_string(ctx, xen_obj, "grants");
	push_xenstore(ctx, xen_obj);
}
