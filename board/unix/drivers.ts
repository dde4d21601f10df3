/* The unix board's drivers: the kernel as a Linux process (a tap NIC, file-backed disks, the host's files). */
import { stackNetwork } from '../../net/network';
import { createTap } from '../../drivers/unix/tap';

export { createConsole as console } from '../../drivers/console/kernel-console';
export { createFileBlock as block } from '../../drivers/unix/file-block';
export { createHostFiles as files } from '../../drivers/unix/host-files';
export { createTap as netif };
export const network = /* @__PURE__ */ stackNetwork(createTap);
