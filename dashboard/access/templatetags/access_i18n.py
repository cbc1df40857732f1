from __future__ import annotations

from django import template

from dashboard.access import evidence, i18n

register = template.Library()


@register.filter
def localized_explanations(english: dict[str, str]) -> dict[str, str]:
    """``{{ explanations|localized_explanations }}``: the map's explanations in the active language."""
    return {**english, **{k: v for k, v in i18n.explanations().items() if k in english}}


@register.filter
def localized_explanation(english: str, name: str) -> str:
    """``{{ explanation|localized_explanation:process.name }}``."""
    return i18n.explanation(name, english)


@register.filter
def localized_evidence(text: str) -> str:
    """``{{ e|localized_evidence }}``: an evidence line or a source's reason in the active language."""
    return evidence.localize(text)


@register.simple_tag
def evidence_patterns() -> list[tuple[str, str]]:
    """``{% evidence_patterns as p %}{{ p|json_script:"evidence-i18n" }}``: the same table for the scripts."""
    return evidence.for_scripts()
