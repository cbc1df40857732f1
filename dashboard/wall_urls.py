"""The wall's addresses; included at ``wall/`` by dashboard/urls.py."""

from django.urls import path

from dashboard import wall

urlpatterns = [
    path("", wall.index, name="wall-index"),
    path("<str:cluster>/", wall.wall, name="wall"),
]
