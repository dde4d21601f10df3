/* This board's drivers: the shared Xen PV table. */
export * from '../xen-pv-drivers';
