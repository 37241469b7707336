"""The unified social credit code (统一社会信用代码, GB 32100-2015): normalise and verify.

An 18-character code is 1 registration-authority character, 1 organisation-type character,
a 6-digit administrative division code, the 9-character organisation code and a check
character. The check character is computed over the first 17 characters with the weights
``3**i mod 31`` (1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28) over the 31-character
alphabet ``0-9 A-H J-N P-R T-U W-Y`` (I, O, S, V, Z are not used):
``check = ALPHABET[(31 - sum(value(c_i) * w_i) mod 31) mod 31]``.

Worked by hand for ``91340700MA2N00000``: the values 9 1 3 4 0 7 0 0 M=21 A=10 2 N=22 0 0 0 0 0
times the weights give 9+3+27+108+0+182+0+0+420+290+50+286 = 1375; 1375 mod 31 = 11; 31 - 11 = 20,
the character L.

>>> check_character("91340700MA2N00000")
'L'
>>> is_valid("91340700MA2N00000L"), is_valid("91340700MA2N00000G")
(True, False)
>>> normalise(" ９１３４ 0700ma2n00000l ")
'91340700MA2N00000L'
"""

from __future__ import annotations

import unicodedata

import numpy as np

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {c: i for i, c in enumerate(ALPHABET)}


def normalise(code: object) -> str:
    """Upper-case, half-width, without spaces or hyphens (as registry exports often add them)."""
    if code is None or (isinstance(code, float) and code != code):
        return ""
    text = unicodedata.normalize("NFKC", str(code))
    return "".join(ch for ch in text if not ch.isspace() and ch not in "-_").upper()


def normalise_many(codes: list[object]) -> list[str]:
    """:func:`normalise` of every code; codes already plain (ASCII letters and digits) only upper-cased.

    >>> normalise_many(["91340700ma2n00000l", " ９１３４-07 ", None])
    ['91340700MA2N00000L', '913407', '']
    """
    return [c if c == "" else c.upper() if type(c) is str and c.isascii() and c.isalnum() else normalise(c)
            for c in codes]


def check_character(first17: str) -> str:
    """The GB 32100-2015 check character for the first 17 characters of a code."""
    if len(first17) != 17 or any(c not in _VALUE for c in first17):
        raise ValueError(f"{first17!r}: need 17 characters from {ALPHABET}")
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def problem(code: str) -> str | None:
    """Why a normalised code is not a valid credit code, or None when it is."""
    if len(code) != 18:
        return f"has {len(code)} characters, a unified social credit code has 18"
    bad = sorted({c for c in code if c not in _VALUE})
    if bad:
        return f"contains {', '.join(repr(c) for c in bad)}, not allowed in a credit code (I, O, S, V, Z never occur)"
    want = check_character(code[:17])
    if code[17] != want:
        return f"check character is {code[17]!r} but GB 32100-2015 gives {want!r}; a character is mistyped"
    return None


def valid_mask(codes: np.ndarray | list[str]) -> np.ndarray:
    """Vectorised :func:`problem` is None for already normalised codes (one numpy pass).

    >>> valid_mask(["91340700MA2N00000L", "91340700MA2N00000G", ""]).tolist()
    [True, False, False]
    """
    arr = np.asarray(codes, dtype=object)
    out = np.zeros(len(arr), dtype=bool)
    lens = np.fromiter((len(c) if isinstance(c, str) else 0 for c in arr), dtype=np.int64, count=len(arr))
    idx = np.flatnonzero(lens == 18)
    if not len(idx):
        return out
    points = np.array(arr[idx].tolist(), dtype="U18").view(np.uint32).reshape(-1, 18)  # code points
    table = np.full(128, -1, dtype=np.int64)
    for ch, v in _VALUE.items():
        table[ord(ch)] = v
    vals = np.where(points < 128, table[points & 127], -1)
    ok = (vals >= 0).all(axis=1)
    total = vals[:, :17] @ np.asarray(WEIGHTS, dtype=np.int64)
    out[idx] = ok & (vals[:, 17] == (31 - total % 31) % 31)
    return out


def is_valid(code: object) -> bool:
    """True when ``code`` (after :func:`normalise`) is an 18-character code with a correct check character."""
    return problem(normalise(code)) is None
