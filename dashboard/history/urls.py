"""History routes (the project's urls.py includes them at the root)."""

from django.urls import path

from dashboard.history import views

urlpatterns = [
    path("api/v1/clusters/<str:cluster>/history/state", views.api_state, name="history-state"),
    path("api/v1/clusters/<str:cluster>/history/deltas", views.api_deltas, name="history-deltas"),
    path("api/v1/clusters/<str:cluster>/history/range", views.api_range, name="history-range"),
    path("api/v1/clusters/<str:cluster>/history/timeline", views.api_timeline, name="history-timeline"),
    path("api/v1/clusters/<str:cluster>/history/series", views.api_series, name="history-series"),
    path("api/v1/clusters/<str:cluster>/export", views.export_snapshot, name="history-export"),
    path("clusters/import", views.import_page, name="history-import"),
    path("clusters/import/<str:name>/delete", views.import_delete, name="history-import-delete"),
    path("clusters/<str:cluster>/history/", views.history_page, name="history-page"),
    path("clusters/<str:cluster>/diff", views.diff_page, name="history-diff"),
    path("replays/<str:cluster>/", views.replay_map, name="replay-map"),
    path("replays/<str:cluster>/nodes/<str:name>/panel", views.replay_node_panel, name="replay-node-panel"),
    path("replays/<str:cluster>/processes/<str:name>/panel", views.replay_process_panel, name="replay-process-panel"),
    path(
        "replays/<str:cluster>/pods/<str:namespace>/<str:name>/panel",
        views.replay_pod_panel,
        name="replay-pod-panel",
    ),
    path(
        "replays/<str:cluster>/workloads/<str:kind>/<str:namespace>/<str:name>/panel",
        views.replay_workload_panel,
        name="replay-workload-panel",
    ),
    path(
        "replays/<str:cluster>/services/<str:namespace>/<str:name>/panel",
        views.replay_service_panel,
        name="replay-service-panel",
    ),
    path(
        "replays/<str:cluster>/claims/<str:namespace>/<str:name>/panel",
        views.replay_claim_panel,
        name="replay-claim-panel",
    ),
]
