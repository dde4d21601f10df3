/*
 * __kernel.xen natives shared by every Xen platform: event channels. A
 * port that fires is reported by block() with the port number as event id.
 * Errors from Xen are thrown as Error with .code = the negative errno.
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

static const duk_function_list_entry xen_natives[] = {
	{"evtchnAllocUnbound", evtchn_alloc_unbound, 1},
	{"evtchnBindInterdomain", evtchn_bind_interdomain, 2},
	{"evtchnSend", evtchn_send, 1},
	{"evtchnUnmask", evtchn_unmask, 1},
	{"evtchnClose", evtchn_close, 1},
	{NULL, NULL, 0},
};

void xen_install_natives(duk_context *ctx, duk_idx_t xen_obj) {
	duk_put_function_list(ctx, xen_obj, xen_natives);
	duk_push_boolean(ctx, xen_shared_info() != 0);
	duk_put_prop_string(ctx, xen_obj, "events");
}
