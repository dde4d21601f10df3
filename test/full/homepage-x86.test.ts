/* Tier 5: the homepage appliance as an x86_64 PV domU beside Debian's Linux dom0, probed with curl and Chromium. */
import { homepageApplianceCases } from './homepage-appliance';

homepageApplianceCases('qemu-x86-xen', '10.79.5');
