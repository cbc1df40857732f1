from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = "clusterviz dashboard"

    def ready(self) -> None:
        from dashboard import memory
        from dashboard.history import recorder

        memory.fix_mmap_threshold()  # every process: web, watcher, commands (see dashboard/memory.py)

        recorder.install()  # registers a hub listener; the writer thread starts with the first message
