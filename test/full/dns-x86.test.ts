/* Tier 5: the dns appliance as an x86_64 PV domU beside Debian's Linux dom0, probed with dig and compared with NSD. */
import { dnsApplianceCases } from './dns-appliance';

dnsApplianceCases('qemu-x86-xen', '10.79.2');
