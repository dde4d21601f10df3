/*
 * XenbusState (public/io/xenbus.h) and a tiny pure front-end connection state machine.
 * It decides; the adapter acts (writes `state` to xenstore, publishes ring-ref/event-channel,
 * tears down). No I/O here.
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

export type FrontEvent =
  | { kind: 'start' } // device found: go to Initialising
  | { kind: 'rings-published' } // ring-ref / event-channel written to xenstore
  | { kind: 'backend'; state: XenbusState } // backend's state node changed
  | { kind: 'close' }; // the guest wants the device gone

export type FrontAction =
  | { kind: 'write-state'; state: XenbusState }
  | { kind: 'publish-rings' } // allocate + grant rings, bind event channel, write keys
  | { kind: 'connected' } // read backend features (e.g. mac, sectors) and start I/O
  | { kind: 'teardown' }; // fail outstanding I/O (buffers back), end grants, close port

export interface FrontStep {
  state: XenbusState;
  actions: FrontAction[];
}

/** One step of the front end: Initialising → Initialised → Connected; Closing/Closed on request or backend. */
export function frontendStep(state: XenbusState, ev: FrontEvent): FrontStep {
  const S = XenbusState;
  const to = (next: XenbusState, extra: FrontAction[] = []): FrontStep => ({
    state: next,
    actions: next === state ? extra : [{ kind: 'write-state', state: next } as FrontAction].concat(extra),
  });
  switch (ev.kind) {
    case 'start':
      if (state === S.Unknown || state === S.Closed) return to(S.Initialising);
      return { state, actions: [] };
    case 'rings-published':
      if (state === S.Initialising) return to(S.Initialised);
      return { state, actions: [] };
    case 'close':
      if (state === S.Closed || state === S.Closing) return { state, actions: [] };
      return to(S.Closing, [{ kind: 'teardown' }]);
    case 'backend':
      switch (ev.state) {
        case S.InitWait:
        case S.Initialised:
          // The backend is ready for our keys.
          if (state === S.Initialising) return { state, actions: [{ kind: 'publish-rings' }] };
          return { state, actions: [] };
        case S.Connected:
          if (state === S.Initialised) return to(S.Connected, [{ kind: 'connected' }]);
          if (state === S.Initialising) return { state, actions: [{ kind: 'publish-rings' }] };
          return { state, actions: [] };
        case S.Closing:
          if (state === S.Closed) return { state, actions: [] };
          if (state === S.Closing) return to(S.Closed);
          return to(S.Closing, [{ kind: 'teardown' }]);
        case S.Closed:
          if (state === S.Closed) return { state, actions: [] };
          if (state === S.Closing) return to(S.Closed);
          return { state: S.Closed, actions: [{ kind: 'teardown' }, { kind: 'write-state', state: S.Closed }] };
        default:
          return { state, actions: [] };
      }
  }
}
