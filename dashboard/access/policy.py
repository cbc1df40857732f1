"""The one place that decides who may see what. Pure functions: the middlewares gather the facts.

Viewers:
* staff — a logged-in staff user: everything, including the display-token pages;
* user — any other logged-in user: every cluster, read and the fake cluster's controls;
* token — a display token (walls): read-only, its clusters and namespaces only;
* anonymous — nobody logged in while ``CLUSTERVIZ_ANONYMOUS_READ`` is on: reads like a user, changes nothing
  (not even the fake cluster: whoever presses a button is someone logged in);
* outsider — everyone else: the login page, static files and the JavaScript catalog, and nothing that names a cluster.

A token scoped to namespaces reaches only the routes known to filter pods by namespace
(:data:`NAMESPACE_SAFE_ROUTES`); every other route is refused to it, so a route added later is closed to it
until someone makes it safe and lists it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Literal

from dashboard.access.scope import EVERYTHING, Scope

Kind = Literal["staff", "user", "token", "anonymous", "outsider"]

PUBLIC_ROUTES = frozenset(
    {"login", "logout", "set_language", "javascript-catalog", "display-link", "display-exchange", "livez", "readyz"}
)
"""Open to everyone, outsiders too: nothing here names a cluster (the JavaScript catalog holds only UI words; the
display link's exchange answers only whether the token it was given is valid; the probes say only ok or failing,
for the kubelet)."""
STAFF_ROUTE_PREFIX = "access-"
STAFF_ROUTES = frozenset({"history-import", "history-import-delete"})
"""Imports are staff-only: an upload costs the server ~6x its size in memory while it is parsed."""
NAMESPACE_SAFE_ROUTES = frozenset(
    {
        "index",
        "cluster-map",
        "pod-panel",
        "process-panel",
        "node-panel",
        "workload-panel",
        "service-panel",
        "claim-panel",
        "object-list",
        "api-clusters",
        "api-state",
        "ws-cluster",
        "wall",
        "wall-index",
    }
)
"""Routes whose responses hold only pods a namespace-scoped viewer may see (filtered, or none at all)."""
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Decision(Enum):
    ALLOW = "allow"
    LOGIN = "login"  # not authenticated: log in (pages) or 401 (API, websocket)
    FORBIDDEN = "forbidden"  # authenticated, but not for this
    NOT_FOUND = "not_found"  # out of scope: answered exactly as a cluster that does not exist


@dataclass(frozen=True, slots=True)
class Viewer:
    kind: Kind
    scope: Scope = EVERYTHING
    token_id: int | None = None
    username: str = ""
    user_id: int | None = None

    @property
    def reads(self) -> bool:
        return self.kind != "outsider"


OUTSIDER = Viewer("outsider")


@dataclass(frozen=True, slots=True)
class Route:
    name: str | None  # the URL pattern's name; None when nothing matches
    cluster: str | None = None
    namespace: str | None = None
    static: bool = False

    @property
    def public(self) -> bool:
        return self.static or self.name in PUBLIC_ROUTES

    @property
    def staff_only(self) -> bool:
        return bool(self.name and (self.name.startswith(STAFF_ROUTE_PREFIX) or self.name in STAFF_ROUTES))


def decide(viewer: Viewer, route: Route, method: str) -> Decision:
    if route.public:
        return Decision.ALLOW
    if not viewer.reads:
        return Decision.LOGIN
    if route.staff_only:
        return _staff_only(viewer)
    if viewer.kind == "token":
        return _token(viewer, route, method)
    if viewer.kind == "anonymous" and method not in SAFE_METHODS:
        return Decision.LOGIN
    return Decision.ALLOW


def _staff_only(viewer: Viewer) -> Decision:
    if viewer.kind == "staff":
        return Decision.ALLOW
    return Decision.NOT_FOUND if viewer.kind == "token" else Decision.FORBIDDEN


def _token(viewer: Viewer, route: Route, method: str) -> Decision:
    scope = viewer.scope
    if route.name is None:
        return Decision.NOT_FOUND
    if route.cluster is not None and not scope.sees_cluster(route.cluster):
        return Decision.NOT_FOUND
    if route.namespace is not None and not scope.sees_namespace(route.namespace):
        return Decision.NOT_FOUND
    if method not in SAFE_METHODS:
        return Decision.FORBIDDEN
    if scope.narrowed and route.name not in NAMESPACE_SAFE_ROUTES:
        return Decision.FORBIDDEN
    return Decision.ALLOW
