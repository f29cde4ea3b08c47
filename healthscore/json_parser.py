"""The API's only request parser: JSON with a nesting limit, UTF-8 checked, no NaN/Infinity.

Python's json module answers deeply nested input with a RecursionError (a 500), and what it does
parse can still be too deep for the code that walks it afterwards. This parser refuses JSON nested
deeper than ``MAX_JSON_DEPTH`` levels with a 400 naming the body. The body's size is capped before
parsing (DATA_UPLOAD_MAX_MEMORY_SIZE → 413, see healthscore.errors).
"""

from __future__ import annotations

import json

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# Our own payloads nest 3 levels; helpdesk webhooks about 8 (Intercom's conversation parts).
MAX_JSON_DEPTH = 32


def json_depth_exceeds(value, limit: int) -> bool:
    """Is ``value`` nested deeper than ``limit`` containers? Breadth-first, no recursion."""
    level = [value] if isinstance(value, dict | list) else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        below = []
        for node in level:
            children = node.values() if isinstance(node, dict) else node
            below.extend(child for child in children if isinstance(child, dict | list))
        level = below
    return False


def _strict_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        # DRF hands JSON parsers request.body, which Django caps at DATA_UPLOAD_MAX_MEMORY_SIZE
        # (RequestDataTooBig, answered 413 by healthscore.errors) — so the read is bounded.
        raw = stream.read()
        # DRF puts the Content-Type's charset here (default: DEFAULT_CHARSET).
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            raise ParseError(f"body: not valid {encoding} text.") from None
        try:
            data = json.loads(text, parse_constant=_strict_constant)
        except RecursionError:
            raise ParseError(f"body: JSON nested deeper than {MAX_JSON_DEPTH} levels.") from None
        except ValueError as exc:
            raise ParseError(f"body: JSON parse error - {exc}") from None
        if json_depth_exceeds(data, MAX_JSON_DEPTH):
            raise ParseError(f"body: JSON nested deeper than {MAX_JSON_DEPTH} levels.")
        return data
