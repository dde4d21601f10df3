/* The node board's drivers: the app's TypeScript under Node, on the host's sockets and files. */
export { createConsole as console } from '../../drivers/console/kernel-console';
export { createFileBlock as block } from '../../drivers/node/file-block';
export { createHostFiles as files } from '../../drivers/unix/host-files';
export { createHostNetwork as network } from '../../net/host-sockets/network';
