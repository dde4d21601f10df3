/*
 * The driver table every Xen board shares (each board/<name>/drivers.ts
 * re-exports it): the kernel console, and the PV devices a Linux dom0 with
 * netback/blkback and xenstore offers (nymote boot --full, a real Xen host,
 * a card).
 */
import { stackNetwork } from '../net/network';
import { createNetfront } from '../drivers/xen/netif/device';

export { createConsole as console } from '../drivers/console/kernel-console';
export { createBlkfront as block } from '../drivers/xen/blkif/device';
export { createNetfront as netif };
export const network = /* @__PURE__ */ stackNetwork(createNetfront);
