/* clusterviz — opens the map's websocket while the page is still loading.
 *
 * Loaded from the head (no defer, no async): the server starts building and sending the state, tens of MB at
 * 150,000 pods, while the browser is still fetching and compiling map.js. map.js takes the socket over with
 * window.clustervizEarly.adopt(), which hands it the socket and every event the socket had seen, in order.
 * Without this script (or without a websocket path) map.js opens its own socket as before.
 */
(() => {
  'use strict';
  const tag = document.currentScript;
  const path = tag && tag.dataset.wsPath;
  if (!path || typeof WebSocket !== 'function') return;
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  let sock;
  try { sock = new WebSocket(proto + '//' + location.host + path); } catch (e) { return; }
  const TYPES = ['open', 'message', 'close', 'error'];
  const events = [];
  const keep = (ev) => { events.push(ev); };
  for (const t of TYPES) sock.addEventListener(t, keep);
  window.clustervizEarly = {
    path,
    adopt() {
      window.clustervizEarly = null; // once: a reconnect opens a socket of its own
      for (const t of TYPES) sock.removeEventListener(t, keep);
      return { sock, events };
    },
  };
})();
