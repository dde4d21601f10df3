/* Tier 5: netfront and blkfront in the x86_64 PV guest, beside Debian's Linux dom0. */
import { pvDeviceCases } from './pv-devices';

pvDeviceCases('qemu-x86-xen', '10.79.0');
