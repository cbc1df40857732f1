from __future__ import annotations

from datetime import datetime, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dashboard.access.models import clean_names

MAX_DAYS = 3650


def split_names(value: str) -> list[str]:
    return [part for part in value.replace(",", " ").split() if part]


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("Where the token is used, e.g. 'ops wall'."))
    clusters = forms.CharField(
        label=_("Clusters"), required=False, help_text=_("Comma-separated; empty means every cluster.")
    )
    namespaces = forms.CharField(
        label=_("Namespaces"), required=False, help_text=_("Comma-separated; empty means every namespace.")
    )
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=MAX_DAYS, initial=90)

    def _names(self, field: str, what: str) -> list[str]:
        try:
            return clean_names(split_names(self.cleaned_data.get(field, "")), what)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_clusters(self) -> list[str]:
        return self._names("clusters", "cluster")

    def clean_namespaces(self) -> list[str]:
        return self._names("namespaces", "namespace")

    def expires_at(self) -> datetime:
        return timezone.now() + timedelta(days=int(self.cleaned_data["days"]))
