"""Value types whose checks are cached per value: the cache never changes a verdict."""

from __future__ import annotations

import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from batterypass.model.types import CasNumber, CountryCode, WebUrl

_WHITESPACE = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
web_url = TypeAdapter(WebUrl)


@given(prefix=st.text(max_size=5), space=st.sampled_from(_WHITESPACE), suffix=st.text(max_size=5))
def test_a_url_with_any_white_space_is_refused(prefix, space, suffix):
    url = f"https://host.example/{prefix}{space}{suffix}"
    for _ in range(2):  # and again, once the verdict could have been cached
        with pytest.raises(ValidationError, match="must be an http"):
            web_url.validate_python(url)


@given(path=st.text(st.characters(codec="utf-8", exclude_categories=("Zs", "Zl", "Zp", "Cc")), max_size=20))
def test_urls_without_white_space_keep_their_spelling(path):
    url = "https://host.example/" + path
    if any(c.isspace() for c in path):  # a few spaces are not in the excluded categories
        return
    assert web_url.validate_python(url) == url == web_url.validate_python(url)


@pytest.mark.parametrize(("adapter", "good", "bad"), [
    (TypeAdapter(CountryCode), "DE", "XX"),
    (TypeAdapter(CasNumber), "7439-93-2", "7439-93-3"),
])
def test_cached_checks_refuse_every_time(adapter, good, bad):
    for _ in range(2):
        assert adapter.validate_python(good) == good
        with pytest.raises(ValidationError):
            adapter.validate_python(bad)
