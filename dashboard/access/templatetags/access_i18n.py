from __future__ import annotations

from django import template

from dashboard.access import i18n

register = template.Library()


@register.filter
def localized_explanations(english: dict[str, str]) -> dict[str, str]:
    """``{{ explanations|localized_explanations }}``: the map's explanations in the active language."""
    return {**english, **{k: v for k, v in i18n.explanations().items() if k in english}}


@register.filter
def localized_explanation(english: str, name: str) -> str:
    """``{{ explanation|localized_explanation:process.name }}``."""
    return i18n.explanation(name, english)
