"""The story of a change in the browser: during a rollout the map tells old pods from new, and the feed beside it
says what happened, in words that link to the objects."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import ARTIFACTS, Server
from tests.browser.test_map import open_map

CARD = (0x19, 0x20, 0x2A)  # a card's background: the band that crosses out an old revision's pod
STATUS = {"running": (0x1F, 0xAE, 0x86), "pending": (0xEC, 0xDC, 0x4F)}  # the legend's Running and Pending
USERS = "p => p.name.startsWith('users-deployment-') && p.statusClass !== 'terminating'"
# Waits until a rollout is drawn: every old pod's centre crossed out, and returns each users pod's revision,
# status class and the colour the canvas drew at its centre.
DRAWN_ROLLOUT = f"""(() => {{
  const cv = window.clusterviz, st = cv.state, r = st.rollouts.get('default/users-deployment');
  if (r === undefined) return false;
  const c = document.getElementById('cluster-canvas'), k = c.width / c.getBoundingClientRect().width;
  const g = c.getContext('2d');
  const centre = (uid) => {{
    const b = cv.layout.podRect(uid);
    if (!b) return null;
    const x = Math.floor((b.x + b.w / 2) * k), y = Math.floor((b.y + b.h / 2) * k);
    return Array.from(g.getImageData(x, y, 1, 1).data.slice(0, 3));
  }};
  const pods = [...st.pods.values()].filter({USERS})
    .map(p => ({{ name: p.name, revision: p.revision, status: p.statusClass, rgb: centre(p.uid) }}));
  const old = pods.filter(p => p.revision < r), now = pods.filter(p => p.revision === r);
  const card = {list(CARD)}.join();
  return old.length && now.length && old.every(p => p.rgb && p.rgb.join() === card) && {{ rollingTo: r, pods }};
}})()"""


def test_old_and_new_pods_are_told_apart_during_a_rollout(browser: Any, server: Server) -> None:
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    server.log_in(page)
    open_map(page, server)
    scale = page.locator("#fake-controls form[data-action='scale']")
    scale.locator("input[name='replicas']").fill("4")
    scale.locator("button").click()
    page.wait_for_function(f"[...window.clusterviz.state.pods.values()].filter({USERS}).length === 4", timeout=30_000)

    page.locator("#fake-controls form[data-action='rolling-update'] button").click()
    drawn = page.wait_for_function(DRAWN_ROLLOUT, timeout=30_000).json_value()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "rollout-1920x1080.png"))
    page.set_viewport_size({"width": 1280, "height": 720})
    page.screenshot(path=str(ARTIFACTS / "rollout-1280x720.png"))

    new = [p for p in drawn["pods"] if p["revision"] == drawn["rollingTo"]]
    old = [p for p in drawn["pods"] if p["revision"] < drawn["rollingTo"]]
    assert drawn["rollingTo"] == 2 and old and new
    assert all(tuple(p["rgb"]) == STATUS[p["status"]] for p in new), new  # the new ones keep their colour
    told = ", ".join(f"#change-feed .cv-feed-item[data-kind='{kind}']" for kind in ("rollout", "rolled-out"))
    entry = page.locator(told)  # the rollout's one entry: in progress, or done by now
    text = entry.first.inner_text()
    assert "Deployment default/users-deployment" in text and "my-repo/users-application:v2" in text
    assert "revision 2" in text

    entry.first.locator("button").click()  # the entry links to the Deployment: its panel, and the map lights its pods
    page.locator("#side-panel [data-panel='workload'][data-object='Deployment/default/users-deployment']").wait_for(
        timeout=10_000
    )
    page.wait_for_function("location.search.includes('show=Deployment%2Fdefault%2Fusers-deployment')", timeout=5_000)
    context.close()
    assert not errors, errors


def test_a_feed_entry_selects_its_pod(page: Any, server: Server) -> None:
    server.log_in(page)
    open_map(page, server)
    page.locator("#fake-controls form[data-action='crash'] button").click()
    failed = page.locator("#change-feed .cv-feed-item[data-kind='pod-failed'] button").first
    failed.wait_for(timeout=30_000)
    assert "failed: Error (" in failed.inner_text() and "exit code" in failed.inner_text()
    failed.click()
    page.wait_for_function("document.getElementById('side-panel').dataset.open === '1'", timeout=5_000)
    name = failed.inner_text().split(" ")[1].split("/")[1]
    page.wait_for_function(f"document.getElementById('side-panel').textContent.includes({name!r})", timeout=10_000)
