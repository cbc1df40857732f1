from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from dashboard import probes, views

urlpatterns = [
    path("", views.index, name="index"),
    path("clusters/<str:cluster>/", views.cluster_map, name="cluster-map"),
    path("clusters/<str:cluster>/nodes/<str:name>/panel", views.node_panel, name="node-panel"),
    path("clusters/<str:cluster>/pods/<str:namespace>/<str:name>/panel", views.pod_panel, name="pod-panel"),
    path("clusters/<str:cluster>/processes/<str:name>/panel", views.process_panel, name="process-panel"),
    path(
        "clusters/<str:cluster>/workloads/<str:kind>/<str:namespace>/<str:name>/panel",
        views.workload_panel,
        name="workload-panel",
    ),
    path("clusters/<str:cluster>/services/<str:namespace>/<str:name>/panel", views.service_panel, name="service-panel"),
    path("clusters/<str:cluster>/claims/<str:namespace>/<str:name>/panel", views.claim_panel, name="claim-panel"),
    path("clusters/<str:cluster>/objects", views.object_list, name="object-list"),
    path("clusters/<str:cluster>/fake/<str:action>", views.fake_control, name="fake-control"),
    path("api/v1/clusters", views.api_clusters, name="api-clusters"),
    path("api/v1/clusters/<str:cluster>/state", views.api_state, name="api-state"),
    path("api/v1/clusters/<str:cluster>/health", views.api_health, name="api-health"),
    path("metrics", views.prometheus_metrics, name="metrics"),
    path("livez", probes.livez, name="livez"),
    path("readyz", probes.readyz, name="readyz"),
    path("", include("dashboard.access.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("wall/", include("dashboard.wall_urls")),
    path("", include("dashboard.history.urls")),
]
