/* Tier 5: the dns appliance as an arm32 domU on arm64 Xen beside Debian's Linux dom0, probed with dig and compared with NSD. */
import { dnsApplianceCases } from './dns-appliance';

dnsApplianceCases('qemu-arm64', '10.79.3');
