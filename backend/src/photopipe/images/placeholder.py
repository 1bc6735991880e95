"""The placeholder an app paints before the first byte of a variant arrives: a ThumbHash.

ThumbHash is encoded here, following the reference implementation (github.com/evanw/thumbhash,
`rgbaToThumbHash`) step for step: the PyPI ports either pin Pillow below 11 with a CLI
framework (`thumbhash-python`), mis-handle alpha (`thumbhash` 0.1.2) or have no arm64 wheel
(the Rust bindings). tests/unit/images/test_placeholder.py checks it against vectors made by the
reference npm package. No BlurHash: ThumbHash carries more (aspect ratio, alpha) in fewer bytes,
and the one C-backed BlurHash wheel reads pixels through an API Pillow 14 removes.
"""

from __future__ import annotations

import base64
import math
from operator import mul

from PIL import Image

from photopipe.images.engine import fit_within

# The hash keeps at most 7 cosine terms a side, which 32 samples resolve as well as the
# reference's 100 do; at 32 px encoding takes about 1.5 ms of pure Python instead of 15.
_INPUT_SIDE = 32


def placeholders(image: Image.Image) -> dict[str, str]:
    """{"thumbhash": base64} of an sRGB image of any size (it is reduced here)."""
    size = fit_within(image.size, _INPUT_SIDE) if max(image.size) > _INPUT_SIDE else image.size
    small = image.resize(size, Image.Resampling.BOX, reducing_gap=3.0).convert("RGBA")
    return {"thumbhash": base64.b64encode(thumbhash(small.width, small.height, small.tobytes())).decode("ascii")}


def _round(value: float) -> int:
    return math.floor(value + 0.5)  # JavaScript's Math.round, which the reference uses


def _encode_channel(
    channel: list[float], width: int, height: int, nx: int, ny: int
) -> tuple[float, list[float], float]:
    """The DC term, the AC terms scaled into 0..1, and their scale, of one channel's DCT.

    The DCT is separable: each row is projected on the x cosine once per cx, and the projections
    summed against the y cosine, instead of the reference's w*h loop per term."""
    count = width * height
    rows = [channel[y * width : (y + 1) * width] for y in range(height)]
    dc, ac, scale = 0.0, [], 0.0
    projections: dict[int, list[float]] = {}
    for cy in range(ny):
        fy = [math.cos(math.pi / height * cy * (y + 0.5)) for y in range(height)]
        cx = 0
        while cx * ny < nx * (ny - cy):
            if cx not in projections:
                fx = [math.cos(math.pi / width * cx * (x + 0.5)) for x in range(width)]
                projections[cx] = [sum(map(mul, row, fx)) for row in rows]
            f = sum(map(mul, projections[cx], fy)) / count
            if cx or cy:
                ac.append(f)
                scale = max(scale, abs(f))
            else:
                dc = f
            cx += 1
    if scale:
        ac = [0.5 + 0.5 / scale * f for f in ac]
    return dc, ac, scale


def thumbhash(width: int, height: int, rgba: bytes) -> bytes:
    """The ThumbHash of an RGBA image (not premultiplied) of at most 100x100 pixels."""
    if not (0 < width <= 100 and 0 < height <= 100) or len(rgba) != width * height * 4:
        raise ValueError(f"{width}x{height} with {len(rgba)} bytes is no RGBA image within 100x100")
    count = width * height
    alphas = [value / 255 for value in rgba[3::4]]
    reds, greens, blues = rgba[0::4], rgba[1::4], rgba[2::4]
    total_alpha = sum(alphas)
    avg = [sum(a / 255 * c for a, c in zip(alphas, channel, strict=True)) for channel in (reds, greens, blues)]
    if total_alpha:
        avg = [value / total_alpha for value in avg]
    has_alpha = total_alpha < count
    l_limit = 5 if has_alpha else 7  # fewer luminance terms when alpha takes some of the bytes
    lx = max(1, _round(l_limit * width / max(width, height)))
    ly = max(1, _round(l_limit * height / max(width, height)))

    lum, yellow_blue, red_green = [], [], []
    for i in range(count):  # composite atop the average colour, then RGB -> LPQ
        alpha = alphas[i]
        r = avg[0] * (1 - alpha) + alpha / 255 * reds[i]
        g = avg[1] * (1 - alpha) + alpha / 255 * greens[i]
        b = avg[2] * (1 - alpha) + alpha / 255 * blues[i]
        lum.append((r + g + b) / 3)
        yellow_blue.append((r + g) / 2 - b)
        red_green.append(r - g)

    l_dc, l_ac, l_scale = _encode_channel(lum, width, height, max(3, lx), max(3, ly))
    p_dc, p_ac, p_scale = _encode_channel(yellow_blue, width, height, 3, 3)
    q_dc, q_ac, q_scale = _encode_channel(red_green, width, height, 3, 3)
    landscape = width > height
    header24 = (
        _round(63 * l_dc)
        | (_round(31.5 + 31.5 * p_dc) << 6)
        | (_round(31.5 + 31.5 * q_dc) << 12)
        | (_round(31 * l_scale) << 18)
        | (int(has_alpha) << 23)
    )
    header16 = (
        (ly if landscape else lx) | (_round(63 * p_scale) << 3) | (_round(63 * q_scale) << 9) | (int(landscape) << 15)
    )
    out = [header24 & 255, (header24 >> 8) & 255, header24 >> 16, header16 & 255, header16 >> 8]
    factors = [l_ac, p_ac, q_ac]
    if has_alpha:
        a_dc, a_ac, a_scale = _encode_channel(alphas, width, height, 5, 5)
        out.append(_round(15 * a_dc) | (_round(15 * a_scale) << 4))
        factors.append(a_ac)
    start = len(out)
    index = 0
    for channel_ac in factors:
        for f in channel_ac:
            position = start + (index >> 1)
            if position == len(out):
                out.append(0)
            out[position] |= _round(15 * f) << ((index & 1) << 2)
            index += 1
    return bytes(out)
