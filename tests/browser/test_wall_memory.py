"""The wall runs for days without growing: 200,000 deltas through a real Chromium, the JS heap stays flat.

The page is loaded with a synthetic cluster (500 nodes, 10,000 pods) and then fed deltas in batches, each
delta changing 8 pods, deleting 2 and creating 2 new ones with new uids (churn, as Jobs and rollouts make).
After every 20,000 deltas the test forces a garbage collection through the DevTools protocol and reads the
used JS heap. The first sample is warm-up (JIT code, inline caches, the first frames); growth from the 2nd
to any later sample must stay under BOUND.

Why 1 MB: between the 2nd and the last sample come 180,000 deltas, which create 360,000 pods that are deleted
again and 1.8 million pod objects in all. The smallest thing a leak can keep per delta is one V8 object
(12 bytes with pointer compression) plus the 4-byte reference to it: 16 bytes x 180,000 = 2.9 MB, nearly
three times the bound (checked: keeping ``{s: seq}`` per delta grows the heap by 3.3 MB and fails). A leak
of the deltas or the deleted pods themselves (hundreds of bytes each) would grow it by 50 MB or more. The
flat heap moves by about 0.1 MB between samples.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import Server
from tests.browser.test_wall import FIXTURE

pytestmark = pytest.mark.browser
DELTAS = 200_000
BATCH = 2_000
SAMPLE_EVERY = 20_000
BOUND = 1024 * 1024

PUSH = """(count) => {
  const f = window.__fixture;
  const pods = window.clusterviz.state.pods;
  let applied = 0;
  for (let i = 0; i < count; i++) {
    f.seq++;
    const remove = [];
    const it = pods.keys();
    for (let k = 0; k < 2; k++) remove.push(it.next().value);
    const upsert = [];
    for (let k = 0; k < 8; k++) {
      const n = f.nodes[(f.seq * 7 + k * 131) % f.nodes.length];
      const uid = 'u' + ((f.seq * 13 + k * 977) % f.next);
      const old = pods.get(uid);
      if (!old || remove.includes(uid)) continue;
      const status = f.seq % 11 === k ? 'CrashLoopBackOff' : 'Running';
      const statusClass = status === 'Running' ? 'running' : 'failed';
      upsert.push({...old, node: n.name, status, statusClass, failing: statusClass === 'failed',
                   restarts: old.restarts + 1});
    }
    for (let k = 0; k < 2; k++) {
      const uid = f.next++;
      const n = f.nodes[uid % f.nodes.length];
      upsert.push({uid: 'u' + uid, name: 'pod-' + uid, namespace: 'shop', node: n.name, status: 'Running',
                   statusClass: 'running', failing: false, restarts: 0, readyContainers: 1, totalContainers: 1,
                   labels: {}});
    }
    const delta = {type: 'delta', seq: f.seq, revision: f.seq, nodes: {upsert: [], remove: []}, pods: {upsert, remove}};
    const r = window.clusterviz.applyDelta(delta);
    if (r === 'applied') applied++;
  }
  return applied;
}"""


def used_heap(cdp: Any) -> int:
    cdp.send("HeapProfiler.collectGarbage")
    cdp.send("HeapProfiler.collectGarbage")
    return int(cdp.send("Runtime.getHeapUsage")["usedSize"])


def frame(page: Any) -> None:
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def test_the_wall_heap_stays_flat_under_200000_deltas(page: Any, server: Server) -> None:
    page.goto(f"{server.url}/wall/demo/")
    page.wait_for_selector("body[data-rendered='1']", timeout=20_000)
    pods = page.evaluate(f"({FIXTURE})([500, 20, 4])")
    cdp = page.context.new_cdp_session(page)
    cdp.send("HeapProfiler.enable")
    samples: list[int] = []
    for pushed in range(BATCH, DELTAS + 1, BATCH):
        assert page.evaluate(PUSH, BATCH) == BATCH, "every delta applies in order"
        frame(page)  # the wall draws what it was given, as it would live
        if pushed % SAMPLE_EVERY == 0:
            samples.append(used_heap(cdp))
    assert page.evaluate("window.clusterviz.state.pods.size") == pods, "churn keeps the pod count"
    assert page.evaluate("window.clusterviz.stats.deltas") == DELTAS
    assert page.evaluate("window.clusterviz.stats.draws") >= DELTAS // BATCH // 2
    growth = max(samples[1:]) - samples[1]
    mb = [round(s / 2**20, 2) for s in samples]
    assert growth < BOUND, f"the heap grew by {growth / 2**20:.1f} MB: {mb} MB"
    print(f"heap after every {SAMPLE_EVERY} deltas (MB): {mb}")
