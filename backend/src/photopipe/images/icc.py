"""ICC profiles for RGB spaces given by primaries and a transfer curve (HEIF/AVIF `nclx`).

A HEIC or AVIF may describe its colour with code points (ITU-T H.273: primaries, transfer
characteristics) instead of an embedded ICC profile. littleCMS converts between ICC profiles
only, and Pillow's ImageCms can create sRGB, Lab and XYZ profiles but no RGB profile from
primaries (littleCMS' cmsCreateRGBProfile is not exposed), so the few code points phones write
are turned into a matrix/TRC profile here: a header, a tag table and nine small tags of ICC.1
v4.3. littleCMS does every conversion; this only describes the space.
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Sequence
from dataclasses import dataclass

Matrix = tuple[tuple[float, float, float], tuple[float, float, float], tuple[float, float, float]]
XY = tuple[float, float]

_D65: XY = (0.3127, 0.3290)
_D50_XYZ = (0.9642, 1.0, 0.8249)  # the ICC profile connection space's white
_BRADFORD: Matrix = (
    (0.8951, 0.2664, -0.1614),
    (-0.7502, 1.7135, 0.0367),
    (0.0389, -0.0685, 1.0296),
)


@dataclass(frozen=True)
class Curve:
    """An ICC parametric curve (type 0 or 3): Y = (aX + b)^g for X >= d, else cX."""

    gamma: float
    a: float = 1.0
    b: float = 0.0
    c: float = 0.0
    d: float = 0.0

    def params(self) -> tuple[int, tuple[float, ...]]:
        if self.a == 1.0 and self.b == 0.0 and self.d == 0.0:
            return 0, (self.gamma,)
        return 3, (self.gamma, self.a, self.b, self.c, self.d)


SRGB_CURVE = Curve(2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045)
BT709_CURVE = Curve(1 / 0.45, 1 / 1.099, 0.099 / 1.099, 1 / 4.5, 0.081)
GAMMA_22 = Curve(563 / 256)  # Adobe RGB (1998)
ROMM_CURVE = Curve(1.8, 1.0, 0.0, 1 / 16, 1 / 32)  # ProPhoto: gamma 1.8 with a linear toe
LINEAR = Curve(1.0)


@dataclass(frozen=True)
class RgbSpace:
    name: str
    red: XY
    green: XY
    blue: XY
    white: XY
    curve: Curve


SRGB = RgbSpace("sRGB", (0.64, 0.33), (0.30, 0.60), (0.15, 0.06), _D65, SRGB_CURVE)
DISPLAY_P3 = RgbSpace("Display P3", (0.680, 0.320), (0.265, 0.690), (0.150, 0.060), _D65, SRGB_CURVE)
ADOBE_RGB = RgbSpace("Adobe RGB (1998)", (0.64, 0.33), (0.21, 0.71), (0.15, 0.06), _D65, GAMMA_22)
PROPHOTO_RGB = RgbSpace(
    "ProPhoto RGB", (0.7347, 0.2653), (0.1596, 0.8404), (0.0366, 0.0001), (0.3457, 0.3585), ROMM_CURVE
)
BT2020 = RgbSpace("Rec. 2020", (0.708, 0.292), (0.170, 0.797), (0.131, 0.046), _D65, BT709_CURVE)

# H.273 code points -> what they mean. Only those a camera or phone writes; anything else is
# left unconverted (treated as sRGB), like a file with no colour information at all.
_PRIMARIES = {1: SRGB, 9: BT2020, 12: DISPLAY_P3}
_TRANSFERS = {1: BT709_CURVE, 4: GAMMA_22, 6: BT709_CURVE, 8: LINEAR, 13: SRGB_CURVE, 14: BT709_CURVE, 15: BT709_CURVE}


def space_for_nclx(nclx: dict[str, object]) -> RgbSpace | None:
    """The space an `nclx` box names, or None when it is sRGB or something not converted.

    PQ and HLG (HDR transfers) are not tone-mapped: such a file keeps its primaries with the
    sRGB curve, the nearest SDR reading, rather than being left in the wrong gamut.
    """
    primaries = _PRIMARIES.get(_int(nclx.get("color_primaries")))
    if primaries is None:
        return None
    curve = _TRANSFERS.get(_int(nclx.get("transfer_characteristics")), SRGB_CURVE)
    if primaries is SRGB and curve is SRGB_CURVE:
        return None
    return RgbSpace(
        f"{primaries.name} ({_curve_name(curve)})",
        primaries.red,
        primaries.green,
        primaries.blue,
        primaries.white,
        curve,
    )


def _int(value: object) -> int:
    return value if isinstance(value, int) else -1


def _curve_name(curve: Curve) -> str:
    names = {SRGB_CURVE: "sRGB curve", BT709_CURVE: "BT.709 curve", GAMMA_22: "gamma 2.2", LINEAR: "linear"}
    return names.get(curve, "curve")


@functools.cache
def profile_bytes(space: RgbSpace) -> bytes:
    """A v4 matrix/TRC ICC profile of the space, deterministic byte for byte."""
    to_xyz = _adapted_to_d50(space)
    columns = [tuple(to_xyz[row][col] for row in range(3)) for col in range(3)]
    tags: list[tuple[bytes, bytes]] = [
        (b"desc", _mluc(space.name)),
        (b"cprt", _mluc("No copyright, use freely")),
        (b"wtpt", _xyz(_D50_XYZ)),
        (b"chad", _sf32(_chromatic_adaptation(space.white))),
        (b"rXYZ", _xyz(columns[0])),
        (b"gXYZ", _xyz(columns[1])),
        (b"bXYZ", _xyz(columns[2])),
    ]
    curve = _para(space.curve)
    tags += [(b"rTRC", curve), (b"gTRC", curve), (b"bTRC", curve)]
    return _assemble(tags)


def _assemble(tags: Sequence[tuple[bytes, bytes]]) -> bytes:
    table_size = 4 + 12 * len(tags)
    offset = 128 + table_size
    table = struct.pack(">I", len(tags))
    data = b""
    shared: dict[bytes, int] = {}  # identical tag data is stored once (the three TRCs)
    for signature, body in tags:
        if body not in shared:
            shared[body] = offset + len(data)
            data += body + b"\0" * (-len(body) % 4)
        table += struct.pack(">4sII", signature, shared[body], len(body))
    size = offset + len(data)
    header = struct.pack(
        ">I4sI4s4s4s6H4s4sI4s4s8sI3i4s16s28s",
        size,
        b"\0\0\0\0",  # preferred CMM
        0x04300000,  # version 4.3
        b"mntr",
        b"RGB ",
        b"XYZ ",
        2026,
        1,
        1,
        0,
        0,
        0,  # fixed creation date: the same space gives the same bytes
        b"acsp",
        b"\0\0\0\0",  # platform
        0,  # flags
        b"\0\0\0\0",  # manufacturer
        b"\0\0\0\0",  # model
        b"\0" * 8,  # attributes
        1,  # relative colorimetric
        *(_s15(v) for v in _D50_XYZ),
        b"\0\0\0\0",  # creator
        b"\0" * 16,  # profile id: optional
        b"\0" * 28,
    )
    return header + table + data


def _s15(value: float) -> int:
    return round(value * 65536)


def _xyz(values: Sequence[float]) -> bytes:
    return b"XYZ \0\0\0\0" + struct.pack(">3i", *(_s15(v) for v in values))


def _sf32(matrix: Matrix) -> bytes:
    return b"sf32\0\0\0\0" + struct.pack(">9i", *(_s15(v) for row in matrix for v in row))


def _para(curve: Curve) -> bytes:
    function, params = curve.params()
    return b"para\0\0\0\0" + struct.pack(f">HH{len(params)}i", function, 0, *(_s15(v) for v in params))


def _mluc(text: str) -> bytes:
    encoded = text.encode("utf-16-be")
    return b"mluc\0\0\0\0" + struct.pack(">II2s2sII", 1, 12, b"en", b"US", len(encoded), 28) + encoded


def _xy_to_xyz(xy: XY) -> tuple[float, float, float]:
    x, y = xy
    return x / y, 1.0, (1 - x - y) / y


def _rgb_to_xyz(space: RgbSpace) -> Matrix:
    primaries = [_xy_to_xyz(p) for p in (space.red, space.green, space.blue)]
    columns: Matrix = (
        (primaries[0][0], primaries[1][0], primaries[2][0]),
        (primaries[0][1], primaries[1][1], primaries[2][1]),
        (primaries[0][2], primaries[1][2], primaries[2][2]),
    )
    scale = _apply(_inverse(columns), _xy_to_xyz(space.white))
    return _rows(tuple(tuple(columns[r][c] * scale[c] for c in range(3)) for r in range(3)))


def _chromatic_adaptation(white: XY) -> Matrix:
    """Bradford adaptation from the space's white to D50, as ICC v4 requires."""
    source = _apply(_BRADFORD, _xy_to_xyz(white))
    target = _apply(_BRADFORD, _D50_XYZ)
    gain = _rows(tuple(tuple(target[r] / source[r] if r == c else 0.0 for c in range(3)) for r in range(3)))
    return _multiply(_inverse(_BRADFORD), _multiply(gain, _BRADFORD))


def _adapted_to_d50(space: RgbSpace) -> Matrix:
    return _multiply(_chromatic_adaptation(space.white), _rgb_to_xyz(space))


def _rows(values: Sequence[Sequence[float]]) -> Matrix:
    a, b, c = (tuple(row) for row in values)
    return (a[0], a[1], a[2]), (b[0], b[1], b[2]), (c[0], c[1], c[2])


def _apply(matrix: Matrix, vector: Sequence[float]) -> tuple[float, float, float]:
    a, b, c = (sum(matrix[r][k] * vector[k] for k in range(3)) for r in range(3))
    return a, b, c


def _multiply(left: Matrix, right: Matrix) -> Matrix:
    return _rows([[sum(left[r][k] * right[k][c] for k in range(3)) for c in range(3)] for r in range(3)])


def _inverse(m: Matrix) -> Matrix:
    (a, b, c), (d, e, f), (g, h, i) = m
    det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)
    return _rows(
        [
            [(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det],
            [(f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det],
            [(d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det],
        ]
    )
