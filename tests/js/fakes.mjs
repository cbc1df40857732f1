// Test doubles for the stream client: a socket the test drives, a state endpoint it answers, and a clock whose
// timers run only when the test says so (no real time passes in these tests).

export function fakeClock() {
  let now = 1_000_000, nextId = 1;
  const timers = new Map(); // id → {at, fn}
  const clock = {
    now: () => now,
    setTimeout: (fn, ms) => { const id = nextId++; timers.set(id, { at: now + ms, fn }); return id; },
    clearTimeout: (id) => { timers.delete(id); },
    random: () => 0.5, // no jitter: delays are exactly the back-off
    pending: () => [...timers.values()].map((t) => t.at - now).sort((a, b) => a - b),
    // advance to the next timer and run it; returns the delay it waited
    async runNext() {
      const [id, t] = [...timers.entries()].sort((a, b) => a[1].at - b[1].at)[0] || [];
      if (!t) throw new Error('no timer pending');
      const waited = t.at - now;
      now = t.at;
      timers.delete(id);
      t.fn();
      await settle();
      return waited;
    },
    async advance(ms) {
      const end = now + ms;
      for (;;) {
        const next = [...timers.entries()].sort((a, b) => a[1].at - b[1].at)[0];
        if (!next || next[1].at > end) break;
        now = next[1].at; timers.delete(next[0]); next[1].fn();
        await settle();
      }
      now = end;
    },
  };
  return clock;
}

// promise callbacks (the fetch chain) run
export const settle = () => new Promise((resolve) => setImmediate(resolve));

export function fakeSockets() {
  const made = [];
  class FakeSocket {
    constructor(url) { this.url = url; made.push(this); }
    open() { this.onopen && this.onopen({ type: 'open' }); }
    send(obj) { this.onmessage && this.onmessage({ type: 'message', data: JSON.stringify(obj) }); }
    close() { this.onclose && this.onclose({ type: 'close' }); }
  }
  return { FakeSocket, made, last: () => made[made.length - 1] };
}

// a state endpoint whose answers the test queues (a state object, or a number: that HTTP status)
export function fakeStateEndpoint() {
  const answers = [], requests = [];
  const fetch = (url) => {
    requests.push(url);
    const a = answers.length ? answers.shift() : 503;
    return Promise.resolve(typeof a === 'number'
      ? { ok: false, status: a, json: () => Promise.reject(new Error('no body')) }
      : { ok: true, status: 200, json: () => Promise.resolve(structuredClone(a)) });
  };
  return { fetch, answers, requests };
}

export const state = (seq, extra = {}) => Object.assign({ type: 'state', seq, revision: seq, nodes: [], pods: [] }, extra);
export const delta = (seq, extra = {}) => Object.assign({ type: 'delta', seq, revision: seq, nodes: { upsert: [], remove: [] }, pods: { upsert: [], remove: [] } }, extra);
