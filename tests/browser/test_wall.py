"""The wall in real Chromium: kiosk page, header of what is wrong, staleness, its address. The screen used at
every size and the control-plane strip: test_wall_screen.py; every cluster at once: test_wall_fleet.py."""

from __future__ import annotations

import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import ROOT, Server

pytestmark = pytest.mark.browser


def csp_violation(text: str) -> bool:
    """A reported CSP violation of the page's own (Playwright's polling eval is not the page's)."""
    return "Content Security Policy" in text and "unsafe-eval" not in text


FIXTURE = """// nodes x podsPerNode pods, seq far above the live stream's: the server's deltas and heartbeats are
// ignored while the test feeds its own.
(([nodes, podsPerNode, zones]) => {
  const STATUS = ['running', 'pending', 'succeeded', 'failed', 'terminating', 'unknown'];
  const node = (i) => ({
    name: 'node-' + String(i).padStart(5, '0'), controlPlane: false, ready: i % 97 === 3 ? 'False' : 'True',
    labels: zones ? { 'topology.kubernetes.io/zone': 'zone-' + (i % zones) } : {}, agents: [], roles: [],
  });
  const pod = (uid, n, k) => ({
    uid: 'u' + uid, name: 'pod-' + uid, namespace: k % 3 ? 'shop' : 'default', node: n.name,
    status: k % 50 === 7 ? 'CrashLoopBackOff' : 'Running', statusClass: k % 50 === 7 ? 'failed' : 'running',
    failing: k % 50 === 7,
    restarts: 0, readyContainers: 1, totalContainers: 1, labels: { app: 'a' + (k % 7) },
  });
  const ns = Array.from({ length: nodes }, (_, i) => node(i));
  const pods = [];
  let uid = 0;
  for (const n of ns) for (let k = 0; k < podsPerNode; k++) pods.push(pod(uid++, n, k));
  const st = {
    type: 'state', cluster: 'demo', revision: 1, seq: 1e9, at: 0, nodes: ns, pods, controlPlane: [],
    source: { kind: 'fake', state: 'live', reason: '', lastEventAt: null, resourceVersion: '1' },
  };
  window.clusterviz.applyState(st);
  window.__fixture = { nodes: ns, next: uid, seq: 1e9, STATUS };
  return pods.length;
})
"""
"""A synthetic cluster for the wall: ``(FIXTURE)([nodes, podsPerNode, zones])`` in the page."""


def watch_csp(page: Any) -> list[str]:
    """Console reports of anything the Content-Security-Policy blocked."""
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if csp_violation(m.text) else None)
    return violations


def open_wall(page: Any, server: Server, query: str = "") -> None:
    page.goto(f"{server.url}/wall/demo/{query}")
    page.wait_for_selector("body[data-rendered='1']", timeout=20_000)
    page.wait_for_function("window.clusterviz.freshness() === 'live'", timeout=10_000)


def test_the_wall_shows_the_cluster_and_what_is_wrong(page: Any, server: Server) -> None:
    violations = watch_csp(page)
    open_wall(page, server, "?animate=0")
    assert page.locator("#wall-cluster").inner_text() == "demo"
    assert page.locator("#wall-nodes").inner_text() == "4"
    assert int(page.locator("#wall-pods").inner_text()) > 5
    assert page.locator("#wall-problems li[data-kind='ok']").count() == 1
    assert page.locator("button, input, select, a").count() == 0, "a kiosk has no controls"
    assert page.evaluate("document.getElementById('wall').classList.contains('wall-still')")
    page.evaluate(  # a worker breaks: the header says so
        """() => { const s = window.clusterviz.state; const n = [...s.nodes.values()].find(n => !n.controlPlane);
                   window.clusterviz.applyDelta({type: 'delta', seq: s.seq + 1, revision: s.revision + 1,
                     nodes: {upsert: [{...n, ready: 'False'}], remove: []}, pods: {upsert: [], remove: []}}); }"""
    )
    page.wait_for_selector("#wall-problems li[data-kind='node']", timeout=5_000)
    assert page.locator("#wall-notready").inner_text() == "1"
    assert not violations, violations


def test_a_small_cluster_gets_a_tile_per_node(page: Any, server: Server) -> None:
    open_wall(page, server)
    assert page.evaluate("window.clusterviz.stats.mode") == "nodes"
    assert page.evaluate("window.clusterviz.stats.tiles") == 4


def test_the_stale_banner_appears_when_the_stream_stops(page: Any, server: Server) -> None:
    open_wall(page, server)
    assert page.locator("#wall-stale").is_hidden()
    server.stop()
    page.wait_for_selector("#wall-stale:not([hidden])", timeout=20_000)
    assert "—" in page.locator("#wall-stale").inner_text()
    assert page.locator("#wall-live").get_attribute("data-state") == "stale"


def test_namespaces_rotate_on_the_wall(page: Any, server: Server) -> None:
    open_wall(page, server, "?rotate=namespaces&every=3600")
    namespaces = page.evaluate("[...new Set([...window.clusterviz.state.pods.values()].map(p => p.namespace))]")
    seen = []
    for _ in range(len(namespaces) + 1):
        page.evaluate("window.clusterviz.rotate(); window.clusterviz.redraw()")
        seen.append(page.locator("#wall-scope").inner_text())
    assert sorted(set(seen)) == sorted(f"namespace {ns}" for ns in namespaces)
    assert seen[0] == seen[-1], "and round again"


def test_a_bad_wall_address_says_what_is_wrong(server: Server) -> None:
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(f"{server.url}/wall/demo/?rotate=sideways", timeout=10)
    assert error.value.code == 400
    assert "rotate must be one of clusters, namespaces, groups" in error.value.read().decode()


def create_token(server: Server, *args: str) -> str:
    out = subprocess.run(
        [sys.executable, "manage.py", "display_token", "create", "tv", *args],
        cwd=ROOT,
        env=server.env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return out.split("wall link: ")[1].split()[0]


@pytest.fixture
def private_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A server with anonymous read off; it is ready when its login page answers (its API refuses outsiders)."""
    import tests.browser.conftest as conftest

    original = conftest.wait_for
    monkeypatch.setattr(
        conftest, "wait_for", lambda url, timeout=30: original(url.split("/api/")[0] + "/accounts/login/")
    )
    server = Server(tmp_path, CLUSTERVIZ_ANONYMOUS_READ="0")
    server.start()
    yield server
    server.stop()


def test_a_wall_with_a_namespace_token_shows_only_its_namespace(page: Any, private_server: Server) -> None:
    """The wall link carries its secret in the fragment: the page's script trades it for a session without any
    CSP violation, and the secret is in no address the browser requested, the server logged or the bar shows."""
    link = create_token(private_server, "--cluster", "demo", "--namespace", "default")
    assert link.startswith("/access/display/?next=%2Fwall%2Fdemo%2F#token=cvz_")
    page.goto(f"{private_server.url}/wall/demo/")
    assert "/accounts/login/" in page.url, "without the token: the login page"
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    violations = watch_csp(page)
    page.goto(f"{private_server.url}{link}")
    page.wait_for_url(f"{private_server.url}/wall/demo/", timeout=20_000)
    page.wait_for_selector("body[data-rendered='1']", timeout=20_000)
    page.wait_for_function("window.clusterviz.freshness() === 'live'", timeout=10_000)
    assert "token" not in page.url and page.evaluate("history.length") >= 1
    secret = link.split("#token=")[1]
    assert requested and not [u for u in requested if secret in u], "no request carries the secret in its address"
    assert secret not in private_server.log.read_text()
    assert not violations, violations
    namespaces = page.evaluate("[...new Set([...window.clusterviz.state.pods.values()].map(p => p.namespace))]")
    assert namespaces == ["default"]
