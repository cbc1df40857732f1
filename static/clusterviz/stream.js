/* clusterviz — the one stream client: a cluster's websocket, its sequence numbers and the way back after a loss.
 *
 * The server sends {type: "state"} first, then {type: "delta"} with consecutive seq, and {type: "heartbeat"}
 * when nothing changed. The channel layer delivers at most once, so whatever breaks the sequence — a gap, a
 * heartbeat whose seq is ahead of ours, a socket that closed before its state, no state at all within a few
 * seconds — loads the state endpoint again; deltas that arrived meanwhile are kept, and the ones the state
 * already covers are dropped. A closed socket is opened again after a back-off with jitter that doubles on every
 * attempt and is reset only once a socket has delivered its state and stayed open for `healthyMs`: a server that
 * accepts and then drops sockets (a watcher handover, a message over its size limit) is not hammered.
 *
 * The map, the replay bar (through the map), the wall and each of the fleet wall's clusters use this module.
 * Nothing here touches the DOM; the socket, fetch and the clock can be injected (tests/js/stream.test.mjs).
 */

const DEFAULTS = { initialBackoff: 500, maxBackoff: 10000, healthyMs: 5000, firstStateMs: 4000, maxBuffered: 1000 };

// ws: or wss: URL of a websocket path on this page's host
export function wsUrlOf(path) {
  const loc = globalThis.location;
  return (loc.protocol === 'https:' ? 'wss:' : 'ws:') + '//' + loc.host + path;
}

function environment(opts) {
  const g = globalThis;
  return {
    WebSocket: opts.WebSocket || g.WebSocket,
    fetch: opts.fetch || ((url, init) => g.fetch(url, init)),
    setTimeout: opts.setTimeout || ((fn, ms) => g.setTimeout(fn, ms)),
    clearTimeout: opts.clearTimeout || ((id) => g.clearTimeout(id)),
    now: opts.now || (() => Date.now()),
    random: opts.random || Math.random,
  };
}

const bySeq = (a, b) => a.seq - b.seq;
const noop = () => {};

/**
 * createStream({stateUrl, wsUrl, onState, onDelta, onSource, onStatus, adopt, …}) → the client.
 * onState(state) and onDelta(delta) apply in order; onSource(source) gets a heartbeat's source; onStatus() is
 * called when the connection changes or a message came. adopt() may hand over a socket opened early
 * ({sock, events}: static/clusterviz/early.js).
 */
export function createStream(opts) {
  const o = Object.assign({}, DEFAULTS, opts);
  const env = environment(o);
  const onState = o.onState || noop, onDelta = o.onDelta || noop, onSource = o.onSource || noop, onStatus = o.onStatus || noop;
  const stats = { reconnects: 0, resyncs: 0, lastResync: '', deltas: 0 };
  const s = { seq: -1, have: false, open: false, resyncing: false, paused: false, lastMsgAt: 0, backoff: o.initialBackoff, stats };
  let ws = null, buffered = [], stateGen = 0;
  let reconnectTimer = 0, firstStateTimer = 0, healthyTimer = 0;

  function applyState(st) {
    s.seq = typeof st.seq === 'number' ? st.seq : 0;
    s.have = true;
    onState(st);
  }
  function applyDelta(d) {
    s.seq = d.seq;
    stats.deltas++;
    onDelta(d);
  }
  function buffer(d) {
    if (buffered.length < o.maxBuffered) buffered.push(d); // beyond: the resync under way covers it, or finds the gap
  }
  // After a state: the buffered deltas it does not cover, in order; a hole among them means loading again.
  function drain() {
    const buf = buffered.sort(bySeq);
    buffered = [];
    for (let i = 0; i < buf.length; i++) {
      const d = buf[i];
      if (d.seq <= s.seq) continue;
      if (d.seq !== s.seq + 1) { buffered = buf.slice(i); resync('gap after resync'); return; }
      applyDelta(d);
    }
  }

  function offerDelta(d) {
    if (s.resyncing || !s.have) { buffer(d); return 'buffered'; }
    if (d.seq <= s.seq) return 'ignored';
    if (d.seq !== s.seq + 1) {
      buffer(d);
      resync('gap: expected ' + (s.seq + 1) + ', got ' + d.seq);
      return 'gap';
    }
    applyDelta(d);
    return 'applied';
  }

  function resync(why) {
    if (s.resyncing || !o.stateUrl || s.paused) return;
    s.resyncing = true;
    stats.resyncs++;
    stats.lastResync = why;
    const gen = ++stateGen;
    env.fetch(o.stateUrl, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then((r) => { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
      .then((st) => {
        if (gen !== stateGen) return; // a socket's state (or a return to live) came meanwhile
        s.resyncing = false;
        if (s.paused) return;
        s.lastMsgAt = env.now();
        applyState(st);
        drain();
        onStatus();
      })
      .catch(() => {
        if (gen !== stateGen) return;
        s.resyncing = false;
        env.setTimeout(() => resync('retry'), Math.min(o.maxBackoff, s.backoff));
      });
  }

  function onSocketState(msg) {
    ++stateGen;
    s.resyncing = false;
    applyState(msg);
    drain();
  }
  function onMessage(sock, text) {
    s.lastMsgAt = env.now();
    if (s.paused) return;
    let msg;
    try { msg = JSON.parse(text); } catch (e) { return; }
    if (msg.type === 'state') {
      sock.gotState = true;
      env.clearTimeout(firstStateTimer);
      env.clearTimeout(healthyTimer);
      healthyTimer = env.setTimeout(() => { if (ws === sock) s.backoff = o.initialBackoff; }, o.healthyMs);
      onSocketState(msg);
    } else if (msg.type === 'delta') {
      offerDelta(msg);
    } else if (msg.type === 'heartbeat') {
      if (msg.source) onSource(msg.source);
      if (s.have && !s.resyncing && typeof msg.seq === 'number' && msg.seq > s.seq) resync('heartbeat ahead');
    }
  }
  function onClose(sock) {
    s.open = false; ws = null;
    env.clearTimeout(healthyTimer);
    onStatus();
    // a socket that closed before its state could not deliver it: load the state over HTTP meanwhile
    if (!sock.gotState && !s.paused) resync('websocket closed before sending the state');
    scheduleReconnect();
  }
  function wire(sock) {
    sock.gotState = false;
    sock.onopen = () => { if (ws === sock) { s.open = true; onStatus(); } };
    sock.onmessage = (ev) => { if (ws === sock) { onMessage(sock, ev.data); onStatus(); } };
    sock.onclose = () => { if (ws === sock) onClose(sock); };
    sock.onerror = noop; // a close follows
  }

  function connect() {
    if (!o.wsUrl) return;
    const early = o.adopt ? o.adopt() : null;
    let sock;
    if (early) sock = early.sock;
    else {
      try { sock = new env.WebSocket(o.wsUrl); } catch (e) { scheduleReconnect(); return; }
    }
    ws = sock;
    wire(sock);
    env.clearTimeout(firstStateTimer);
    if (!s.have) firstStateTimer = env.setTimeout(() => { if (!s.have) resync('no state from websocket'); }, o.firstStateMs);
    if (early) replayEarly(sock, early.events);
  }
  // the events an early socket saw before this client took it over, in order
  function replayEarly(sock, events) {
    for (const ev of events) {
      if (ws !== sock) break; // a replayed close already moved on
      const handler = sock['on' + ev.type];
      if (handler) handler(ev);
    }
  }
  function scheduleReconnect() {
    env.clearTimeout(reconnectTimer);
    const delay = s.backoff * (0.75 + env.random() * 0.5);
    s.backoff = Math.min(o.maxBackoff, s.backoff * 2);
    stats.reconnects++;
    reconnectTimer = env.setTimeout(connect, delay);
  }

  return Object.assign(s, {
    start() { if (o.wsUrl) connect(); else if (o.stateUrl) resync('initial load'); },
    // a state or delta from elsewhere (a replay, a test): the same rules as the socket's
    offerState(st) { s.lastMsgAt = env.now(); applyState(st); },
    offerDelta(d) { s.lastMsgAt = env.now(); return offerDelta(d); },
    resync,
    // replay: live messages are not applied until resume(), which loads the live state again
    pause() { s.paused = true; buffered = []; },
    resume(why) { s.paused = false; buffered = []; s.resyncing = false; ++stateGen; resync(why || 'back to live'); },
    buffered: () => buffered.length,
  });
}
