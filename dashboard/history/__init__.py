"""History: what the cluster looked like at any recorded moment, and the pages that show it.

:mod:`.recorder` writes every published delta from a thread of its own; :mod:`.store` reads and writes the
rows (the models stay in ``dashboard.models``, so the migrations of the ``dashboard`` app keep them) and
rebuilds any moment; :mod:`.replay` is where a replayed state comes from (a stored moment or an imported
snapshot); :mod:`.views` and :mod:`.urls` are the history, diff, import and replay pages and the history API.
"""
