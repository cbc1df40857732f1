from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = "clusterviz dashboard"

    def ready(self) -> None:
        from dashboard import recorder

        recorder.install()  # registers a hub listener; the writer thread starts with the first message
