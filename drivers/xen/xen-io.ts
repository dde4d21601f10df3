/*
 * The IO every Xen driver uses: the DriverIO its factory received, with the
 * kernel's Xen natives found once. A PV device on another platform, or on a
 * Xen whose shared info is not mapped, fails here with why.
 */
import { DeviceError, type DriverIO } from '../interfaces';

export interface XenIO extends DriverIO {
  readonly xen: NymoteXenNatives;
}

export function xenIO(io: DriverIO, device: string): XenIO {
  const xen = io.kernel.xen;
  if (!xen) throw new DeviceError(device, 'needs a Xen platform (this is ' + io.kernel.platform + ')');
  if (!xen.events) throw new DeviceError(device, "Xen's shared info is not mapped: no event channels");
  return { kernel: io.kernel, xen, onEvent: (id, handler) => io.onEvent(id, handler) };
}
