"""clusterviz core: the cluster model, mapping from Kubernetes objects, diffs, the fake cluster.

Nothing in this package imports Django (an import-linter contract enforces it).
"""
