/* Tier 5: the homepage appliance as an arm32 domU on arm64 Xen beside Debian's Linux dom0, probed with curl and Chromium. */
import { homepageApplianceCases } from './homepage-appliance';

homepageApplianceCases('qemu-arm64', '10.79.6');
