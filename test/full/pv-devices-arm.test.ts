/* Tier 5: netfront and blkfront in the arm32 guest, beside Debian's arm64 Linux dom0 (the Raspberry Pi 4 topology). */
import { pvDeviceCases } from './pv-devices';

pvDeviceCases('qemu-arm64', '10.80.0');
