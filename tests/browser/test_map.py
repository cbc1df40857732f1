"""The map in real headless Chromium against a real server on the fake cluster."""

from __future__ import annotations

import shutil
import time
from typing import Any

import pytest

from tests.browser.conftest import ARTIFACTS, Server

pytestmark = pytest.mark.browser
RUNNING = (0x1F, 0xAE, 0x86)  # the map's colour for a running pod (legend: Running)
USERS = "name => name.startsWith('users-deployment-')"


def open_map(page: Any, server: Server, query: str = "") -> None:
    page.goto(f"{server.url}/clusters/demo/{query}")
    page.wait_for_selector("body[data-rendered='1']", timeout=20_000)
    page.wait_for_function("window.clusterviz.indicator() === 'live'", timeout=10_000)


def users_pods(page: Any) -> list[dict[str, Any]]:
    pods: list[dict[str, Any]] = page.evaluate(
        f"[...window.clusterviz.state.pods.values()].filter(p => ({USERS})(p.name))"
    )
    return pods


def pixel(page: Any, rect: dict[str, float]) -> tuple[int, int, int]:
    """The colour the canvas really drew at the middle of a rect (CSS px), read back from its pixels."""
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")  # let it draw
    rgb: list[int] = page.evaluate(
        """([x, y]) => {
            const c = document.getElementById('cluster-canvas');
            const k = c.width / c.getBoundingClientRect().width;
            const data = c.getContext('2d').getImageData(Math.floor(x * k), Math.floor(y * k), 1, 1).data;
            return Array.from(data.slice(0, 3));
        }""",
        [rect["x"] + rect["w"] / 2, rect["y"] + rect["h"] / 2],
    )
    return (rgb[0], rgb[1], rgb[2])


def click_rect(page: Any, rect: dict[str, float], dy: float = 0) -> None:
    box = page.locator("#cluster-canvas").bounding_box()
    page.mouse.click(box["x"] + rect["x"] + rect["w"] / 2, box["y"] + rect["y"] + (dy or rect["h"] / 2))


def test_the_map_shows_the_control_plane_the_agents_and_the_demo_pods(page: Any, server: Server) -> None:
    open_map(page, server)
    for process in ("kube-apiserver", "etcd", "kube-scheduler", "kube-controller-manager"):
        chip = page.locator(f"#control-plane [data-process='{process}']")
        assert chip.count() == 1, process
        assert chip.get_attribute("data-health") == "healthy", process
    assert page.locator("#count-nodes").inner_text() == "4"

    pods = users_pods(page)
    assert len(pods) == 2
    for pod in pods:
        assert pod["status"] == "Running"
        rect = page.evaluate("uid => window.clusterviz.layout.podRect(uid)", pod["uid"])
        assert rect is not None, "every demo pod is drawn"
        assert pixel(page, rect) == RUNNING

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map.png"))

    worker = page.evaluate("[...window.clusterviz.state.nodes.values()].find(n => !n.controlPlane).name")
    click_rect(page, page.evaluate("n => window.clusterviz.layout.nodeRect(n)", worker), dy=8)
    panel = page.locator("#side-panel [data-panel='node']")
    panel.wait_for(timeout=5_000)
    assert panel.get_attribute("data-node") == worker
    for agent in ("kubelet", "container-runtime", "kube-proxy"):
        assert panel.locator(f"[data-process='{agent}']").count() == 1, agent


def test_clicking_a_pod_opens_its_containers_and_volumes(page: Any, server: Server) -> None:
    open_map(page, server)
    pod = users_pods(page)[0]
    click_rect(page, page.evaluate("uid => window.clusterviz.layout.podRect(uid)", pod["uid"]))
    panel = page.locator("#side-panel [data-panel='pod']")
    panel.wait_for(timeout=5_000)
    assert panel.get_attribute("data-pod") == f"default/{pod['name']}"
    text = panel.inner_text()
    assert "my-repo/users-application" in text
    assert "Deployment" in text and "users-deployment" in text
    page.keyboard.press("Escape")
    page.wait_for_function("document.getElementById('side-panel').dataset.open === '0'", timeout=5_000)


FOCUS = (255, 210, 63)  # the keyboard focus ring's colour (draw.js C.focus)


def ring_drawn(page: Any, rect: dict[str, float]) -> bool:
    """Whether the focus colour is on the canvas just left of a rect (CSS px), where a ring around it passes."""
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    found: bool = page.evaluate(
        """([x, y, rgb]) => {
            const c = document.getElementById('cluster-canvas');
            const k = c.width / c.getBoundingClientRect().width;
            const ctx = c.getContext('2d');
            const row = ctx.getImageData(Math.floor((x - 8) * k), Math.floor(y * k), Math.ceil(10 * k), 1).data;
            const at = (i) => row[i] === rgb[0] && row[i + 1] === rgb[1] && row[i + 2] === rgb[2];
            for (let i = 0; i < row.length; i += 4) if (at(i)) return true;
            return false;
        }""",
        [rect["x"], rect["y"] + rect["h"] / 2, list(FOCUS)],
    )
    return found


def test_a_keyboard_alone_walks_from_the_header_to_a_pods_panel_and_back(page: Any, server: Server) -> None:
    """Tab from the top of the page to the map, the arrows to a pod (a ring shows where, words say what), Enter
    opens its panel, Esc closes it and the map keeps the focus."""
    open_map(page, server)
    for _ in range(150):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "cluster-canvas":
            break
    assert page.evaluate("document.activeElement.id") == "cluster-canvas", "Tab reaches the map"
    page.keyboard.press("ArrowRight")
    first = page.evaluate("window.clusterviz.focus()")
    assert first["kind"] == "card" and first["node"], first
    assert page.inner_text("#map-focus").startswith(f"Node {first['node']}: ")
    rect = page.evaluate("name => window.clusterviz.layout.nodeRect(name)", first["node"])
    assert ring_drawn(page, {**rect, "x": rect["x"] + 6}), "the card's focus ring"
    page.keyboard.press("ArrowDown")  # into the card's pods
    focus = page.evaluate("window.clusterviz.focus()")
    assert focus["kind"] == "pod", focus
    pod = page.evaluate("uid => window.clusterviz.state.pods.get(uid)", focus["pod"])
    assert page.inner_text("#map-focus").startswith(f"Pod {pod['namespace']}/{pod['name']}: {pod['status']}")
    assert ring_drawn(page, page.evaluate("uid => window.clusterviz.layout.podRect(uid)", focus["pod"]))
    page.keyboard.press("ArrowRight")
    second = page.evaluate("window.clusterviz.focus()")
    assert second["kind"] == "pod" and second["pod"] != focus["pod"], "Right: the next pod of the card"
    pod = page.evaluate("uid => window.clusterviz.state.pods.get(uid)", second["pod"])
    page.keyboard.press("Enter")
    panel = page.locator("#side-panel [data-panel='pod']")
    panel.wait_for(timeout=5_000)
    assert panel.get_attribute("data-pod") == f"{pod['namespace']}/{pod['name']}"
    page.keyboard.press("Escape")
    page.wait_for_function("document.getElementById('side-panel').dataset.open === '0'", timeout=5_000)
    assert page.evaluate("document.activeElement.id") == "cluster-canvas", "the map keeps the focus"
    page.keyboard.press("ArrowUp")  # back up, out to the card
    assert page.evaluate("window.clusterviz.focus()")["kind"] == "card"


def test_a_change_in_the_cluster_reaches_the_page_without_reload(page: Any, server: Server) -> None:
    server.log_in(page)
    open_map(page, server)
    page.evaluate("window.__sameDocument = true")
    form = page.locator("#fake-controls form[data-action='scale']")
    form.locator("input[name='replicas']").fill("5")
    form.locator("button").click()
    page.wait_for_function(
        "[...window.clusterviz.state.pods.values()]"
        f".filter(p => ({USERS})(p.name) && p.statusClass === 'running').length === 5",
        timeout=20_000,
    )
    assert page.evaluate("window.__sameDocument") is True, "the page was not reloaded"
    for pod in users_pods(page):
        rect = page.evaluate("uid => window.clusterviz.layout.podRect(uid)", pod["uid"])
        assert rect is not None
        assert pixel(page, rect) == RUNNING


def test_filters_dim_what_does_not_match_and_live_in_the_url(page: Any, server: Server) -> None:
    open_map(page, server, "?ns=default")
    assert page.locator("#filter-ns").input_value() == "default"
    page.locator("#filter-selector").fill("app=users")
    page.locator("#filter-selector").press("Enter")
    page.wait_for_function("location.search.includes('selector=app%3Dusers')", timeout=5_000)
    assert "Filter matches 2 pods" in page.locator("#map-summary").inner_text()
    matching = users_pods(page)[0]
    other = page.evaluate(
        "[...window.clusterviz.state.pods.values()]"
        ".find(p => p.namespace === 'kube-system' && p.node && p.statusClass === 'running')"
    )
    assert pixel(page, page.evaluate("uid => window.clusterviz.layout.podRect(uid)", matching["uid"])) == RUNNING
    assert pixel(page, page.evaluate("uid => window.clusterviz.layout.podRect(uid)", other["uid"])) != RUNNING

    page.reload()
    page.wait_for_selector("body[data-rendered='1']", timeout=20_000)
    assert page.locator("#filter-selector").input_value() == "app=users", "a bookmarked filter comes back"
    page.wait_for_function("document.getElementById('map-summary').textContent.includes('Filter matches 2 pods')")


def test_grouping_by_zone_is_kept_in_the_url(page: Any, server: Server) -> None:
    open_map(page, server, "?group=topology.kubernetes.io/zone")
    assert page.locator("#filter-group").input_value() == "topology.kubernetes.io/zone"
    page.locator("#filter-group").fill("")
    page.locator("#filter-group").press("Enter")
    page.wait_for_function("!location.search.includes('group=')", timeout=5_000)


def test_the_indicator_says_when_the_stream_stops_and_recovers(page: Any, server: Server) -> None:
    open_map(page, server)
    server.stop()
    page.wait_for_function("window.clusterviz.indicator() !== 'live'", timeout=20_000)
    assert page.locator("#live-indicator").get_attribute("data-state") in ("reconnecting", "stale")
    server.start()
    page.wait_for_function("window.clusterviz.indicator() === 'live'", timeout=30_000)
    assert len(users_pods(page)) == 2


def test_hostile_cluster_text_stays_text(page: Any, server: Server) -> None:
    open_map(page, server)
    hostile = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
    page.evaluate(
        """h => {
            const s = window.clusterviz.state;
            const node = [...s.nodes.values()].find(n => !n.controlPlane);
            window.clusterviz.applyDelta({type: 'delta', cluster: 'demo', seq: s.seq + 1, revision: s.revision + 1,
              at: s.at, source: s.source, nodes: {upsert: [], remove: []},
              pods: {upsert: [{...[...s.pods.values()][0], uid: 'hostile', name: h, namespace: h,
                               node: node.name, labels: {[h]: h}, message: h}], remove: []}});
        }""",
        hostile,
    )
    page.locator("#filter-ns").select_option(hostile)
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None
    assert page.locator("img[src='x']").count() == 0


def test_screenshot_for_the_readme(page: Any, server: Server) -> None:
    """Keeps README's picture honest: it is this page, taken by this test (copied by hand when it changes)."""
    open_map(page, server)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "screenshot.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000
    shutil.copyfile(path, ARTIFACTS / "screenshot-latest.png")


def test_a_state_larger_than_a_mebibyte_reaches_the_page(page: Any, tmp_path: Any) -> None:
    """Daphne caps websocket messages at 1 MiB by default; the first message is the whole state."""
    server = Server(tmp_path, CLUSTERVIZ_FAKE_WORKERS="300", CLUSTERVIZ_FAKE_PODS_PER_NODE="30")  # ~1.7 MB as a table
    server.start()
    try:
        frames: list[int] = []
        page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(len(payload))))
        open_map(page, server)
        assert page.evaluate("window.clusterviz.state.pods.size") > 9000
        assert frames and max(frames) > 1024 * 1024, "the state came whole over the websocket"
        assert page.evaluate("window.clusterviz.stats.resyncs || 0") == 0
    finally:
        server.stop()


def test_the_page_reads_the_pod_table_into_the_same_pods_as_the_state_endpoint(page: Any, server: Server) -> None:
    """The page asks for ``?pods=table`` and rebuilds PodSummary objects from it: they must be the object
    form's pods, field for field (the demo cluster moves, so the two are taken at one revision)."""
    requests: list[str] = []
    page.on("websocket", lambda ws: requests.append(ws.url))
    open_map(page, server)
    assert any("pods=table" in url for url in requests), requests
    for _ in range(10):
        page.evaluate("window.clusterviz.pauseLive()")  # the model stops moving while it is compared
        model = page.evaluate(
            """async () => {
                const s = window.clusterviz.state;
                const r = await fetch('/api/v1/clusters/demo/state', {headers: {Accept: 'application/json'}});
                return {revision: s.revision, pods: [...s.pods.values()], state: await r.json()};
            }"""
        )
        page.evaluate("window.clusterviz.resumeLive()")
        if model["state"]["revision"] == model["revision"]:
            break
        page.wait_for_timeout(300)
    else:
        raise AssertionError("the cluster never stood still between the page's model and a state")
    by_uid = {p["uid"]: p for p in model["state"]["pods"]}
    assert len(model["pods"]) == len(by_uid) > 10
    for pod in model["pods"]:
        assert pod == by_uid[pod["uid"]]


def hold_back(page: Any, pattern: str, seconds: float = 1.5) -> None:
    """A slow network for the files matching ``pattern``: each is answered ``seconds`` late."""
    def slow(route: Any) -> None:
        time.sleep(seconds)
        route.continue_()

    page.route(pattern, slow)


def test_the_socket_opens_before_the_stylesheets_have_loaded(page: Any, server: Server) -> None:
    """A classic script waits for the stylesheets before it; early.js comes before them, so a slow stylesheet
    does not hold back the socket (and with it the state, tens of MB at 150,000 pods)."""
    page.add_init_script(
        """(() => {
            const Native = window.WebSocket;
            window.WebSocket = function (url, protocols) {
                window.__socketAt ??= performance.now();
                return protocols === undefined ? new Native(url) : new Native(url, protocols);
            };
            window.WebSocket.prototype = Native.prototype;
        })()"""
    )

    hold_back(page, "**/static/clusterviz/map.css*")
    page.goto(f"{server.url}/clusters/demo/")
    page.wait_for_selector("body[data-rendered='1']", timeout=20_000)
    timing = page.evaluate(
        """() => ({socket: window.__socketAt,
                   css: performance.getEntriesByType('resource').find(e => e.name.includes('map.css')).responseEnd})"""
    )
    assert timing["socket"] < timing["css"] - 1000, f"the socket waited for the stylesheet: {timing}"


def test_the_socket_opened_while_the_page_loads_is_adopted_with_what_it_received(page: Any, server: Server) -> None:
    """early.js opens the websocket from the head; map.js, held back here by a slow network, takes it over and
    replays the state that arrived meanwhile: one socket, no HTTP resync, the map live."""
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    page.add_init_script(
        """(() => {
            const Native = window.WebSocket;
            window.WebSocket = function (url, protocols) {
                const s = protocols === undefined ? new Native(url) : new Native(url, protocols);
                s.addEventListener('message', () => { window.__firstMessageAt ??= performance.now(); });
                return s;
            };
            window.WebSocket.prototype = Native.prototype;
        })()"""
    )

    hold_back(page, "**/static/clusterviz/map.js*")
    page.goto(f"{server.url}/clusters/demo/")
    page.wait_for_selector("body[data-rendered='1']", timeout=20_000)
    page.wait_for_function("window.clusterviz.indicator() === 'live'", timeout=10_000)
    assert len(sockets) == 1, sockets
    timing = page.evaluate(
        """() => ({message: window.__firstMessageAt,
                   mapJs: performance.getEntriesByType('resource').find(e => e.name.includes('map.js')).responseEnd})"""
    )
    assert timing["message"] < timing["mapJs"], f"the state came before map.js did: {timing}"
    assert page.evaluate("window.clustervizEarly") is None, "map.js adopted the early socket"
    assert page.evaluate("window.clusterviz.stats.resyncs || 0") == 0
    assert len(users_pods(page)) == 2
