/*
 * Event channels as event-loop sources: a port's events reach its handler
 * through the DriverIO's onEvent, and notify() raises the other end.
 */
import type { EventRegistration } from '../../../kernel/runtime/loop';
import type { XenIO } from '../xen-io';

export interface EventChannel {
  readonly port: number;
  /** Raises the other end (EVTCHNOP_send). */
  notify(): void;
  /** The port's event-loop source: unref() it while nothing waits on the port. */
  readonly registration: EventRegistration;
  /** Stops delivery, and closes the port if this channel allocated it. */
  close(): void;
}

/** A fresh port for `remoteDom` to bind to, delivered to `handler` through the event loop. */
export function allocEventChannel(io: XenIO, remoteDom: number, handler: () => void): EventChannel {
  return bindPort(io, io.xen.evtchnAllocUnbound(remoteDom), handler, true);
}

/** A port the domain has already (the xenstore ring's); `owned` ports are closed by close(). */
export function bindPort(io: XenIO, port: number, handler: () => void, owned: boolean): EventChannel {
  const xen = io.xen;
  const registration = io.onEvent(port, handler);
  xen.evtchnUnmask(port);
  return {
    port,
    registration,
    notify: () => { xen.evtchnSend(port); },
    close: () => {
      registration.close();
      if (owned) { try { xen.evtchnClose(port); } catch (e) { /* already gone */ } }
    },
  };
}
