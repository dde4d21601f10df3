import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { frontendStep, newFrontend, parseXenbusState, XenbusState, type FrontAction, type FrontEvent, type Frontend } from './state';

const S = XenbusState;

/** Feeds events one by one; the actions of each step, as short strings. */
function walker(publishAs: XenbusState) {
  let front: Frontend = newFrontend(publishAs);
  const show = (a: FrontAction) => a.kind === 'write-state' || a.kind === 'publish' ? a.kind + ' ' + a.state : a.kind === 'connected' ? a.kind : a.kind + ': ' + a.why;
  return {
    get front() { return front; },
    step: (ev: FrontEvent) => {
      const r = frontendStep(front, ev);
      front = r.front;
      return r.actions.map(show);
    },
    backend: (state: XenbusState) => {
      const r = frontendStep(front, { kind: 'backend', state });
      front = r.front;
      return r.actions.map(show);
    },
  };
}

describe('xenbus front-end state machine', () => {
  it('netfront: says Initialising, publishes saying Connected, starts when netback connects, answers Closing with Closed', () => {
    const w = walker(S.Connected);
    expect(w.step({ kind: 'start' })).toEqual(['write-state 1']);
    expect(w.front).toMatchObject({ phase: 'waiting', state: S.Initialising });
    expect(w.backend(S.Initialising)).toEqual([]);
    expect(w.backend(S.InitWait)).toEqual(['publish 4']);
    expect(w.front).toMatchObject({ phase: 'published', state: S.Connected });
    expect(w.backend(S.InitWait)).toEqual([]);
    expect(w.backend(S.Connected)).toEqual(['connected']);
    expect(w.front).toMatchObject({ phase: 'connected', state: S.Connected });
    expect(w.backend(S.Connected)).toEqual([]);
    expect(w.backend(S.Closing)).toEqual(['teardown: the backend is closing', 'write-state 6']);
    expect(w.front).toMatchObject({ phase: 'closed', state: S.Closed });
    expect(w.backend(S.Closed)).toEqual([]);
    expect(w.backend(S.InitWait)).toEqual([]);
    expect(w.step({ kind: 'start' })).toEqual([]);
  });

  it('blkfront: publishes saying Initialised and says Connected itself once started', () => {
    const w = walker(S.Initialised);
    expect(w.step({ kind: 'start' })).toEqual(['write-state 1']);
    expect(w.backend(S.InitWait)).toEqual(['publish 3']);
    expect(w.front.state).toBe(S.Initialised);
    expect(w.backend(S.Connected)).toEqual(['connected', 'write-state 4']);
    expect(w.backend(S.Closed)).toEqual(['teardown: the backend is closed', 'write-state 6']);
  });

  it('publishes once the backend is ready, whichever ready state it is found in', () => {
    for (const ready of [S.InitWait, S.Initialised, S.Connected]) {
      const w = walker(S.Connected);
      w.step({ kind: 'start' });
      expect(w.backend(ready)).toEqual(['publish 4']);
    }
  });

  it('waits for a backend not there yet, and ignores everything before start', () => {
    const w = walker(S.Connected);
    expect(w.backend(S.InitWait)).toEqual([]);
    expect(w.step({ kind: 'backend-gone' })).toEqual([]);
    expect(w.front.phase).toBe('new');
    w.step({ kind: 'start' });
    expect(w.step({ kind: 'backend-gone' })).toEqual([]);
    expect(w.backend(S.Unknown)).toEqual([]);
    expect(w.front.phase).toBe('waiting');
  });

  it('fails without tearing down when the backend closes before anything is published', () => {
    const w = walker(S.Connected);
    w.step({ kind: 'start' });
    expect(w.backend(S.Closing)).toEqual(['fail: the backend is closing']);
    expect(w.front).toMatchObject({ phase: 'closed', state: S.Initialising });
  });

  it('tears down and fails when the backend closes between publishing and connecting', () => {
    const w = walker(S.Initialised);
    w.step({ kind: 'start' });
    w.backend(S.InitWait);
    expect(w.backend(S.Closed)).toEqual(['teardown: the backend closed while connecting', 'fail: the backend closed while connecting']);
    expect(w.front.phase).toBe('closed');
  });

  it('tears down without writing when the backend is removed, and says Closed to an Unknown one', () => {
    const gone = walker(S.Connected);
    gone.step({ kind: 'start' }); gone.backend(S.InitWait); gone.backend(S.Connected);
    expect(gone.step({ kind: 'backend-gone' })).toEqual(['teardown: the backend is gone']);
    const unknown = walker(S.Connected);
    unknown.step({ kind: 'start' }); unknown.backend(S.InitWait); unknown.backend(S.Connected);
    expect(unknown.backend(S.Unknown)).toEqual(['teardown: the backend is closed', 'write-state 6']);
  });

  it('parses state nodes', () => {
    expect(parseXenbusState('4\n')).toBe(S.Connected);
    expect(parseXenbusState(' 6')).toBe(S.Closed);
    expect(parseXenbusState('x')).toBe(S.Unknown);
    expect(parseXenbusState('9')).toBe(S.Unknown);
    expect(parseXenbusState('')).toBe(S.Unknown);
  });

  it('in any order of backend events: publishes, connects, tears down and fails at most once, in order, and its node says its state', () => {
    const event = fc.oneof(
      fc.constant<FrontEvent>({ kind: 'start' }),
      fc.constant<FrontEvent>({ kind: 'backend-gone' }),
      fc.integer({ min: 0, max: 8 }).map((s): FrontEvent => ({ kind: 'backend', state: s as XenbusState })),
    );
    fc.assert(fc.property(fc.constantFrom(S.Initialised, S.Connected), fc.array(event, { maxLength: 40 }), (publishAs, evs) => {
      const order = ['new', 'waiting', 'published', 'connected', 'closed'];
      let front = newFrontend(publishAs);
      let node: XenbusState = S.Unknown;
      const seen: string[] = [];
      for (const ev of [{ kind: 'start' } as FrontEvent, ...evs]) {
        const before = front;
        const r = frontendStep(front, ev);
        front = r.front;
        expect(order.indexOf(front.phase)).toBeGreaterThanOrEqual(order.indexOf(before.phase));
        if (before.phase === 'closed') expect(r.actions).toEqual([]);
        for (const a of r.actions) {
          if (a.kind === 'write-state' || a.kind === 'publish') node = a.state;
          if (a.kind !== 'write-state') {
            expect(seen).not.toContain(a.kind);
            seen.push(a.kind);
          }
        }
        expect(front.state).toBe(node);
      }
      // publish before connected; teardown only of something published; no failure once connected
      const at = (k: string) => seen.indexOf(k);
      if (at('connected') >= 0) expect(at('publish')).toBeLessThan(at('connected'));
      if (at('teardown') >= 0) expect(at('publish')).toBeGreaterThanOrEqual(0);
      if (at('fail') >= 0) expect(at('connected')).toBe(-1);
      if (at('connected') >= 0 && at('teardown') >= 0) expect(at('connected')).toBeLessThan(at('teardown'));
    }));
  });
});
