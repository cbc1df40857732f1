// The stream client (static/clusterviz/stream.js): sequence numbers, gaps, resyncs and the reconnect back-off.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createStream } from '../../static/clusterviz/stream.js';
import { delta, fakeClock, fakeSockets, fakeStateEndpoint, settle, state } from './fakes.mjs';

function client(options = {}) {
  const clock = fakeClock(), sockets = fakeSockets(), endpoint = fakeStateEndpoint();
  const applied = [];
  const stream = createStream(Object.assign({
    stateUrl: '/api/v1/clusters/demo/state', wsUrl: 'ws://test/ws/clusters/demo/',
    WebSocket: sockets.FakeSocket, fetch: endpoint.fetch,
    now: clock.now, setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout, random: clock.random,
    onState: (st) => applied.push('state ' + st.seq),
    onDelta: (d) => applied.push('delta ' + d.seq),
  }, options));
  stream.start();
  return { stream, clock, sockets, endpoint, applied };
}

test('a state, then deltas in sequence; a delta the client already has is ignored', () => {
  const { stream, sockets, applied, endpoint } = client();
  const sock = sockets.last();
  sock.open();
  sock.send(state(100));
  sock.send(delta(101));
  sock.send(delta(102));
  sock.send(delta(102));
  sock.send(delta(101));
  assert.deepEqual(applied, ['state 100', 'delta 101', 'delta 102']);
  assert.equal(stream.seq, 102);
  assert.equal(endpoint.requests.length, 0, 'nothing lost: no state fetched');
});

test('a gap loads the state again and applies only the deltas it does not cover', async () => {
  const { stream, sockets, applied, endpoint } = client();
  const sock = sockets.last();
  sock.open();
  sock.send(state(100));
  endpoint.answers.push(state(104));
  sock.send(delta(103)); // 101 and 102 were lost
  sock.send(delta(104)); // covered by the state that is coming
  sock.send(delta(105));
  assert.equal(endpoint.requests.length, 1);
  assert.equal(stream.resyncing, true);
  await settle();
  assert.deepEqual(applied, ['state 100', 'state 104', 'delta 105']);
  assert.equal(stream.seq, 105);
  assert.equal(stream.stats.lastResync, 'gap: expected 101, got 103');
  sock.send(delta(106));
  assert.equal(stream.seq, 106, 'deltas continue after the resync');
});

test('deltas buffered while the state loads are dropped when the state covers them', async () => {
  const { stream, sockets, applied, endpoint } = client();
  const sock = sockets.last();
  sock.open();
  sock.send(state(10));
  endpoint.answers.push(state(15));
  stream.resync('test');
  for (let seq = 11; seq <= 18; seq++) sock.send(delta(seq));
  assert.deepEqual(applied, ['state 10'], 'nothing applied while the state is loading');
  await settle();
  assert.deepEqual(applied, ['state 10', 'state 15', 'delta 16', 'delta 17', 'delta 18']);
});

test('a hole among the buffered deltas after a resync loads the state once more', async () => {
  const { stream, sockets, applied, endpoint } = client();
  const sock = sockets.last();
  sock.open();
  sock.send(state(10));
  endpoint.answers.push(state(12), state(20));
  stream.resync('test');
  sock.send(delta(13));
  sock.send(delta(15)); // 14 lost too
  await settle();
  await settle();
  assert.equal(endpoint.requests.length, 2);
  assert.deepEqual(applied, ['state 10', 'state 12', 'delta 13', 'state 20']);
});

test('a heartbeat ahead of the client means a lost delta: the state is loaded; one level with it does nothing', async () => {
  const { stream, sockets, endpoint } = client();
  const sock = sockets.last();
  sock.open();
  sock.send(state(50));
  sock.send({ type: 'heartbeat', seq: 50, source: { state: 'live' } });
  assert.equal(endpoint.requests.length, 0);
  endpoint.answers.push(state(51));
  sock.send({ type: 'heartbeat', seq: 51, source: { state: 'live' } });
  assert.equal(endpoint.requests.length, 1);
  assert.equal(stream.stats.lastResync, 'heartbeat ahead');
  await settle();
  assert.equal(stream.seq, 51);
});

test("a heartbeat's source reaches onSource", () => {
  const sources = [];
  const { sockets } = client({ onSource: (s) => sources.push(s.state) });
  const sock = sockets.last();
  sock.open();
  sock.send(state(1));
  sock.send({ type: 'heartbeat', seq: 1, source: { state: 'stale' } });
  assert.deepEqual(sources, ['stale']);
});

test('the back-off keeps doubling across sockets that open and close without a state (a watcher handover)', async () => {
  const { clock, sockets } = client({ initialBackoff: 1000, maxBackoff: 30000, firstStateMs: 1e9 });
  const waits = [];
  for (let i = 0; i < 6; i++) {
    const sock = sockets.last();
    sock.open();  // accepted …
    sock.close(); // … and dropped before any state
    const pending = clock.pending();
    waits.push(pending[0]); // the reconnect (the HTTP resync's retry waits for its own answer)
    while (sockets.made.length === i + 1) await clock.runNext();
  }
  assert.deepEqual(waits, [1000, 2000, 4000, 8000, 16000, 30000]);
});

test('the back-off starts over only after a socket delivered its state and stayed open', async () => {
  const { stream, clock, sockets } = client({ initialBackoff: 500, healthyMs: 5000, firstStateMs: 1e9 });
  for (let i = 0; i < 3; i++) { sockets.last().close(); while (sockets.made.length === i + 1) await clock.runNext(); }
  assert.equal(stream.backoff, 4000);
  const sock = sockets.last();
  sock.open();
  sock.send(state(1));
  sock.close(); // a state, but closed at once: not healthy
  assert.equal(stream.backoff, 8000);
  while (sockets.made.length === 4) await clock.runNext();
  const healthy = sockets.last();
  healthy.open();
  healthy.send(state(2));
  await clock.advance(4999);
  assert.equal(stream.backoff, 8000, 'not yet');
  await clock.advance(1);
  assert.equal(stream.backoff, 500, 'healthy for 5 s: back to the shortest interval');
});

test('a socket that closes before sending the state: the state is loaded over HTTP meanwhile', async () => {
  const { stream, sockets, endpoint, applied } = client();
  endpoint.answers.push(state(7));
  sockets.last().close();
  assert.equal(endpoint.requests.length, 1);
  assert.equal(stream.stats.lastResync, 'websocket closed before sending the state');
  await settle();
  assert.deepEqual(applied, ['state 7']);
});

test('no state from the socket within a few seconds: the state is loaded over HTTP', async () => {
  const { stream, clock, sockets, endpoint } = client({ firstStateMs: 4000 });
  sockets.last().open();
  endpoint.answers.push(state(3));
  await clock.advance(3999);
  assert.equal(endpoint.requests.length, 0);
  await clock.advance(1);
  assert.equal(endpoint.requests.length, 1);
  assert.equal(stream.stats.lastResync, 'no state from websocket');
  assert.equal(stream.seq, 3);
});

test("the socket's own state wins over an HTTP answer still on its way", async () => {
  const { stream, sockets, endpoint, applied } = client();
  const sock = sockets.last();
  sock.open();
  sock.send(state(100));
  endpoint.answers.push(state(90)); // older than what the socket is about to send
  stream.resync('test');
  sock.send(state(120));
  await settle();
  assert.deepEqual(applied, ['state 100', 'state 120']);
  assert.equal(stream.seq, 120);
});

test('a failed resync is tried again after the back-off', async () => {
  const { stream, clock, sockets, endpoint } = client();
  const sock = sockets.last();
  sock.open();
  sock.send(state(1));
  endpoint.answers.push(503, state(9));
  stream.resync('test');
  await settle();
  assert.equal(stream.resyncing, false);
  assert.equal(clock.pending()[0], 500);
  await clock.runNext();
  assert.equal(endpoint.requests.length, 2);
  assert.equal(stream.seq, 9);
});

test('paused (a replay): live messages are not applied; resuming loads the live state', async () => {
  const { stream, sockets, endpoint, applied } = client();
  const sock = sockets.last();
  sock.open();
  sock.send(state(1));
  stream.pause();
  sock.send(delta(2));
  sock.send({ type: 'heartbeat', seq: 5 });
  assert.deepEqual(applied, ['state 1']);
  assert.equal(endpoint.requests.length, 0);
  endpoint.answers.push(state(6));
  stream.resume();
  await settle();
  assert.deepEqual(applied, ['state 1', 'state 6']);
  assert.equal(stream.stats.lastResync, 'back to live');
});

test('offered states and deltas (a replay, a test) follow the same sequence rules', () => {
  const { stream, applied } = client();
  assert.equal(stream.offerDelta(delta(1)), 'buffered', 'no state yet');
  stream.offerState(state(10));
  assert.equal(stream.offerDelta(delta(10)), 'ignored');
  assert.equal(stream.offerDelta(delta(11)), 'applied');
  assert.deepEqual(applied, ['state 10', 'delta 11']);
});

test('a socket opened early (early.js) is adopted with the events it saw', () => {
  const sockets = fakeSockets();
  const early = new sockets.FakeSocket('ws://test/early');
  const events = [{ type: 'open' }, { type: 'message', data: JSON.stringify(state(42)) }];
  const applied = [];
  const stream = createStream({
    wsUrl: 'ws://test/ws/', stateUrl: '/state', WebSocket: sockets.FakeSocket, fetch: () => new Promise(() => {}),
    setTimeout: () => 0, clearTimeout: () => {}, adopt: () => ({ sock: early, events }),
    onState: (st) => applied.push(st.seq),
  });
  stream.start();
  assert.equal(sockets.made.length, 1, 'no second socket');
  assert.equal(stream.open, true);
  assert.deepEqual(applied, [42]);
});
