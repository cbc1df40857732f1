"""Behaviour checks for the map page (static/clusterviz/map.js) in headless Chromium (no Django server needed).

Renders the real template with a websocket path and a state URL, replaces window.WebSocket with a mock the
test drives, and checks what needs the page: live indicator states, canvas hover and click → htmx panel request,
Escape closes the panel, filters ↔ URL. The stream client's rules (seq, gap resync, reconnect back-off, heartbeat
ahead) and label-selector semantics, once checked here, are the JavaScript tier's now (tests/js, `make test-js`).

    python bench/frontend/checks.py [--screenshot bench/out/checks.png]
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import frontend_render as fr

MOCK_WS = """
window.__sockets = [];
class MockWS {
  constructor(url) { this.url = url; this.readyState = 0; window.__sockets.push(this);
    setTimeout(() => { if (this.readyState === 0) { this.readyState = 1; this.onopen && this.onopen({}); } }, 5); }
  send() {}
  close() { if (this.readyState === 3) return; this.readyState = 3; this.onclose && this.onclose({code: 1006}); }
}
MockWS.OPEN = 1;
window.WebSocket = MockWS;
window.__emit = (obj) => { const s = window.__sockets[window.__sockets.length - 1]; s.onmessage({data: JSON.stringify(obj)}); };
"""

failures: list[str] = []


def check(cond: bool, what: str) -> None:
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--screenshot")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    state = fr.make_state(8, 10)
    resync_state = copy.deepcopy(state)
    resync_state["seq"] = 110
    resync_state["revision"] = 2000
    server = fr.Server(state_url="/fixture/resync.json", ws_path=f"/ws/clusters/{fr.CLUSTER}/")
    server.files["/fixture/resync.json"] = (json.dumps(resync_state).encode(), "application/json")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=fr.CHROMIUM, args=fr.CHROME_ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.add_init_script(MOCK_WS)
            page.goto(server.url + "?ns=web&q=api")
            page.wait_for_function("window.clusterviz && window.__sockets.length === 1")
            check(
                page.evaluate("window.__sockets[0].url").endswith(f"/ws/clusters/{fr.CLUSTER}/"),
                "websocket URL from data-ws-path",
            )
            check(
                page.evaluate("clusterviz.indicator()") == "reconnecting",
                "indicator 'reconnecting' before the first state",
            )
            check(
                page.input_value("#filter-ns") == "web" and page.input_value("#filter-q") == "api",
                "filters read from the URL",
            )

            page.evaluate("(st) => window.__emit(Object.assign({type: 'state'}, st))", state)
            page.wait_for_function("document.body.dataset.rendered === '1'")
            check(page.evaluate("clusterviz.indicator()") == "live", "indicator 'live' after the state")
            check(page.get_attribute("#live-indicator", "data-state") == "live", "#live-indicator[data-state=live]")
            check(
                page.evaluate("clusterviz.state.nodes.size") == 8 and page.evaluate("clusterviz.state.seq") == 100,
                "state applied",
            )
            check(
                page.locator("#control-plane [data-process='etcd'][data-health='degraded']").count() == 1,
                "control-plane chip data-process/data-health",
            )

            # source not live → stale with the reason
            page.evaluate(
                "(s) => window.__emit({type: 'heartbeat', seq: 111, source: s})",
                dict(state["source"], state="error", reason="watch failed: connection refused"),
            )
            check(page.evaluate("clusterviz.indicator()") == "stale", "indicator 'stale' when source.state != live")
            check(
                "watch failed" in page.inner_text("#live-indicator")
                and "stale since" in page.inner_text("#live-indicator"),
                "stale text shows the time and the reason",
            )
            page.evaluate("(s) => window.__emit({type: 'heartbeat', seq: 111, source: s})", state["source"])
            check(page.evaluate("clusterviz.indicator()") == "live", "back to live on a live heartbeat")
            # no message for > 10 s
            stale = page.evaluate("""() => { const real = Date.now; const t = real() + 11000; Date.now = () => t;
                const st = clusterviz.indicator(); const txt = document.getElementById('live-indicator').textContent; Date.now = real; clusterviz.indicator(); return [st, txt]; }""")
            check(
                stale[0] == "stale" and "stale since" in stale[1],
                "indicator 'stale since HH:MM:SS' after 10 s of silence",
            )

            # close → reconnecting (the reconnect itself, its back-off and the resync are tests/js/stream.test.mjs)
            page.evaluate("window.__sockets[0].close()")
            check(page.evaluate("clusterviz.indicator()") == "reconnecting", "indicator 'reconnecting' after close")

            # filters → URL
            page.select_option("#filter-ns", "")
            page.fill("#filter-q", "")
            page.fill("#filter-selector", "app in (api,web),!canary")
            page.wait_for_timeout(400)
            qs = parse_qs(urlsplit(page.url).query)
            check(
                qs.get("selector") == ["app in (api,web),!canary"] and "ns" not in qs and "q" not in qs,
                "filters written to the URL with replaceState",
            )
            page.fill("#filter-selector", "app in (api")
            page.wait_for_timeout(400)
            check(
                page.get_attribute("#filter-selector", "aria-invalid") == "true"
                and page.inner_text("#selector-error") != "",
                "invalid selector flagged",
            )
            page.fill("#filter-selector", "")
            page.fill("#filter-group", "topology.kubernetes.io/zone")
            page.wait_for_timeout(400)
            check(
                parse_qs(urlsplit(page.url).query).get("group") == ["topology.kubernetes.io/zone"],
                "group-by in the URL",
            )

            # click a pod → htmx GET of its panel; Escape restores the empty panel
            page.evaluate("clusterviz.fit()")
            page.wait_for_timeout(100)
            target = next(p for p in state["pods"] if p["node"])
            r = page.evaluate(f"clusterviz.layout.podRect('{target['uid']}')")
            box = page.locator("#cluster-canvas").bounding_box()
            page.mouse.move(box["x"] + r["x"] + r["w"] / 2, box["y"] + r["y"] + r["h"] / 2)
            page.wait_for_timeout(50)
            check(
                page.is_visible("#map-tooltip") and target["name"] in page.inner_text("#map-tooltip"),
                "hover tooltip names the pod",
            )
            page.mouse.click(box["x"] + r["x"] + r["w"] / 2, box["y"] + r["y"] + r["h"] / 2)
            page.wait_for_selector("#side-panel .bench-panel", timeout=3000)
            want = f"/clusters/{fr.CLUSTER}/pods/{target['namespace']}/{target['name']}/panel"
            check(any(q.startswith(want) for q in server.requests), f"pod click → GET {want}")
            node = state["nodes"][4]["name"]
            nr = page.evaluate(f"clusterviz.layout.nodeRect('{node}')")
            page.mouse.click(box["x"] + nr["x"] + 20, box["y"] + nr["y"] + 5)
            page.wait_for_timeout(300)
            check(
                any(q.startswith(f"/clusters/{fr.CLUSTER}/nodes/{node}/panel") for q in server.requests),
                "node click → node panel",
            )
            page.click("#control-plane [data-process='etcd'] .cv-chip-main")
            page.wait_for_timeout(300)
            check(
                any(q.startswith(f"/clusters/{fr.CLUSTER}/processes/etcd/panel?node=") for q in server.requests),
                "process chip → process panel",
            )
            if args.screenshot:
                page.screenshot(path=args.screenshot)
            page.keyboard.press("Escape")
            check(
                page.locator("#side-panel .cv-panel-empty").count() == 1
                and page.get_attribute("#side-panel", "data-open") == "0",
                "Escape closes the panel",
            )
            hdr = page.evaluate("document.querySelector('body').getAttribute('hx-headers')")
            check("X-CSRFToken" in (hdr or ""), "hx-headers carries the CSRF header")
            check(
                page.locator("script:not([src]):not([type='application/json'])").count() == 0,
                "no inline scripts (CSP-ready)",
            )
            check(not errors, f"no page errors {errors}")
            browser.close()
    finally:
        server.close()
    print(f"{len(failures)} failure(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
