"""Who may see what: logins, display tokens for walls, namespace scoping, and the security headers.

Every rule lives in :mod:`dashboard.access.policy`; the HTTP middleware and the websocket middleware only
ask it. Views and consumers stay unaware of access control, except through the response and frame filters
this package applies for namespace-scoped viewers.
"""
