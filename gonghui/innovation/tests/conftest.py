"""Fixtures for the innovation pages: the review mechanism's own (a 五小 call with a rubric,
members who sign in, an entry maker), shared rather than copied."""

from gonghui.reviews.tests.conftest import call, entry_of, make_call, make_member

__all__ = ["call", "entry_of", "make_call", "make_member"]
