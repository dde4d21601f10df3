/*
 * XenbusState (public/io/xenbus.h) and the front end's connection state
 * machine, pure: it decides, the adapter (xenbus.ts) acts — writes our
 * state node, publishes the rings, starts I/O, tears down — and feeds it
 * the backend's state as it reads it. No I/O here.
 *
 *   new --start--> waiting --backend ready--> published --backend Connected--> connected
 *                     |                          |                                 |
 *                     +--backend closing---------+---------------------------------+--> closed
 *
 * One machine per connection attempt: a device that appears again (xl
 * network-attach) gets a new one.
 */

export const XenbusState = {
  Unknown: 0,
  Initialising: 1,
  InitWait: 2,
  Initialised: 3,
  Connected: 4,
  Closing: 5,
  Closed: 6,
  Reconfiguring: 7,
  Reconfigured: 8,
} as const;
export type XenbusState = (typeof XenbusState)[keyof typeof XenbusState];

/** Parse the decimal string xenstore holds; anything else is Unknown. */
export function parseXenbusState(s: string): XenbusState {
  if (!/^[0-8]$/.test(s.trim())) return XenbusState.Unknown;
  return Number(s.trim()) as XenbusState;
}

export type FrontPhase =
  | 'new'
  | 'waiting' // we said Initialising; the backend has not said it is ready
  | 'published' // rings and event channel published; waiting for the backend to connect
  | 'connected' // I/O runs; following the backend until it goes away
  | 'closed'; // done (torn down, or the attempt failed)

export interface Frontend {
  readonly phase: FrontPhase;
  /** What our state node says. */
  readonly state: XenbusState;
  /**
   * What we say with the rings: netfront says Connected at once (netback
   * connects on it), blkfront Initialised (blkback connects on it, and the
   * front end says Connected once it has read the disk's size).
   */
  readonly publishAs: XenbusState;
}

export type FrontEvent =
  | { kind: 'start' } // the device is found: say Initialising
  | { kind: 'backend'; state: XenbusState } // the backend's state node, as read after it changed
  | { kind: 'backend-gone' }; // the backend's state node is not there (not yet, or removed)

export type FrontAction =
  | { kind: 'write-state'; state: XenbusState }
  /** Grant the rings, bind the event channel, and write their keys and our `state`, in one transaction. */
  | { kind: 'publish'; state: XenbusState }
  /** The backend is Connected: read its features and start I/O (the connection attempt succeeds). */
  | { kind: 'connected' }
  /** Fail outstanding I/O (buffers back), end grants, close the port. */
  | { kind: 'teardown'; why: string }
  /** The connection attempt fails. */
  | { kind: 'fail'; why: string };

export interface FrontStep {
  front: Frontend;
  actions: FrontAction[];
}

export function newFrontend(publishAs: XenbusState): Frontend {
  return { phase: 'new', state: XenbusState.Unknown, publishAs };
}

/** One step of the front end. Never throws; events a phase does not expect change nothing. */
export function frontendStep(front: Frontend, ev: FrontEvent): FrontStep {
  const S = XenbusState;
  const go = (phase: FrontPhase, state: XenbusState, actions: FrontAction[]): FrontStep => ({
    front: { phase, state, publishAs: front.publishAs },
    actions,
  });
  const stay: FrontStep = { front, actions: [] };
  const closing = ev.kind === 'backend' && (ev.state === S.Closing || ev.state === S.Closed);
  switch (front.phase) {
    case 'new':
      if (ev.kind !== 'start') return stay;
      return go('waiting', S.Initialising, [{ kind: 'write-state', state: S.Initialising }]);
    case 'waiting':
      if (ev.kind !== 'backend') return stay;
      if (ev.state === S.InitWait || ev.state === S.Initialised || ev.state === S.Connected) {
        return go('published', front.publishAs, [{ kind: 'publish', state: front.publishAs }]);
      }
      // Nothing is published yet: nothing to tear down.
      if (closing) return go('closed', front.state, [{ kind: 'fail', why: 'the backend is closing' }]);
      return stay;
    case 'published':
      if (ev.kind !== 'backend') return stay;
      if (ev.state === S.Connected) {
        const actions: FrontAction[] = [{ kind: 'connected' }];
        if (front.publishAs !== S.Connected) actions.push({ kind: 'write-state', state: S.Connected });
        return go('connected', S.Connected, actions);
      }
      if (closing) {
        const why = 'the backend closed while connecting';
        return go('closed', front.state, [{ kind: 'teardown', why }, { kind: 'fail', why }]);
      }
      return stay;
    case 'connected':
      // The toolstack removed the backend: nobody is left to answer.
      if (ev.kind === 'backend-gone') return go('closed', front.state, [{ kind: 'teardown', why: 'the backend is gone' }]);
      if (ev.kind !== 'backend' || !(closing || ev.state === S.Unknown)) return stay;
      // Closing answered with Closed lets the toolstack finish removing the
      // device (Linux's xenbus_frontend_closed does the same).
      return go('closed', S.Closed, [
        { kind: 'teardown', why: 'the backend is ' + (ev.state === S.Closing ? 'closing' : 'closed') },
        { kind: 'write-state', state: S.Closed },
      ]);
    case 'closed':
      return stay;
  }
}
