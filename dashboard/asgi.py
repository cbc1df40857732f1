"""ASGI entry point: HTTP through Django, websockets through Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
django_asgi_app = get_asgi_application()  # before importing consumers, which import models and settings

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

from dashboard.access import daphne  # noqa: E402
from dashboard.access.origin import OriginValidator  # noqa: E402
from dashboard.access.websocket import WebsocketAccessMiddleware  # noqa: E402
from dashboard.consumers import ClusterConsumer  # noqa: E402

daphne.harden()  # inbound websocket cap, redacted access log: see dashboard/access/daphne.py

websocket_urlpatterns = [path("ws/clusters/<str:cluster>/", ClusterConsumer.as_asgi())]

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": OriginValidator(AuthMiddlewareStack(WebsocketAccessMiddleware(URLRouter(websocket_urlpatterns)))),
    }
)
