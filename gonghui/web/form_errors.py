"""Showing a refused action on the form that asked for it."""

from django import forms

from gonghui.core.errors import DomainError


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    placed = False
    for name, messages in error.fields.items():
        if name in form.fields:
            for message in messages:
                form.add_error(name, message)
            placed = True
    if not placed or not error.fields:
        form.add_error(None, str(error.message))
