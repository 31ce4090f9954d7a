"""Text a provider cannot carry, refused the same way by every channel.

A str can hold what no encoding writes: a lone surrogate (``"\\ud83d"``, half of an emoji whose
UTF-16 or JSON text was cut in two; ``json.loads`` accepts it). Encoding it raises
``UnicodeEncodeError`` deep inside ``urlencode`` or the email package; each channel turns that into
the same :class:`~omnilink.BadRequestError`, which the client returns as a failed, not retried, result.
"""

from __future__ import annotations

from omnilink.exceptions import BadRequestError

__all__ = ["unencodable_error"]


def unencodable_error(exc: UnicodeEncodeError, *, what: str, provider: str) -> BadRequestError:
    """The BadRequestError for ``what`` (``"the Body parameter"``), which ``exc`` failed to encode."""
    bad = exc.object[exc.start : exc.end]
    code = f"U+{ord(bad[0]):04X}" if bad else "?"
    if bad and all(0xD800 <= ord(c) <= 0xDFFF for c in bad):
        why = (
            "a lone surrogate, half of a character such as an emoji whose text was cut in two (often by "
            "truncating UTF-16 or JSON text); no encoding can carry it"
        )
    else:
        why = f"which {exc.encoding} cannot carry"
    return BadRequestError(
        f"{what} contains {code} at position {exc.start}, {why}: fix the text (not sent)",
        provider=provider,
    )
