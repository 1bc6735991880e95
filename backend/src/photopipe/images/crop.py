"""Where to cut: an exact-size window over an image, placed on its faces or its most salient part.

`focus` is "center", "faces" (every detected face inside the window when they fit in it, else
the largest face) or "attention" (the window holding the most edge, colour and skin energy,
libvips' `attention` strategy in spirit). Faces or attention that cannot decide fall back to
the centre. Faces are boxes as ratios (0..1) of the image, as the analysis reports them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PIL import Image, ImageFilter

CENTER, FACES, ATTENTION = "center", "faces", "attention"

Box = tuple[float, float, float, float]  # left, top, right, bottom, in pixels
_ATTENTION_SIDE = 96  # the energy map is computed on a copy this small: placement, not detail


def cover_box(image: Image.Image, target: tuple[int, int], focus: str, faces: Sequence[Mapping[str, float]]) -> Box:
    """The largest window of target's aspect ratio inside the image, placed by focus."""
    width, height = image.size
    scale = max(target[0] / width, target[1] / height)
    window = (min(width, target[0] / scale), min(height, target[1] / scale))
    return window_box(image, window, focus, faces)


def window_box(
    image: Image.Image, window: tuple[float, float], focus: str, faces: Sequence[Mapping[str, float]]
) -> Box:
    """A window of the given size (in pixels, at most the image's) placed by focus."""
    width, height = image.size
    crop_w, crop_h = min(window[0], width), min(window[1], height)
    centre = (width / 2, height / 2)
    if focus == FACES and faces:
        centre = _faces_centre(faces, (width, height), (crop_w, crop_h)) or centre
    elif focus == ATTENTION and (crop_w < width or crop_h < height):
        centre = _attention_centre(image, (crop_w, crop_h)) or centre
    left = min(max(centre[0] - crop_w / 2, 0.0), width - crop_w)
    top = min(max(centre[1] - crop_h / 2, 0.0), height - crop_h)
    return left, top, left + crop_w, top + crop_h


def smart_square(image: Image.Image, faces: Sequence[Mapping[str, float]]) -> dict[str, object]:
    """The largest square a crop keeps: on the faces where there are any, else on the most
    salient part. As ratios of the image, for clients that crop (or preview a crop) themselves."""
    width, height = image.size
    focus = FACES if faces else ATTENTION
    left, top, right, bottom = window_box(image, (min(width, height), min(width, height)), focus, faces)
    box = {
        "left": left / width,
        "top": top / height,
        "width": (right - left) / width,
        "height": (bottom - top) / height,
    }
    return {"focus": focus, "box": {k: round(v, 4) for k, v in box.items()}}


def _faces_centre(
    faces: Sequence[Mapping[str, float]], size: tuple[int, int], window: tuple[float, float]
) -> tuple[float, float] | None:
    boxes = []
    for face in faces:
        try:
            left, top = float(face["left"]) * size[0], float(face["top"]) * size[1]
            boxes.append((left, top, left + float(face["width"]) * size[0], top + float(face["height"]) * size[1]))
        except (KeyError, TypeError, ValueError):
            continue
    if not boxes:
        return None
    union = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
    if union[2] - union[0] <= window[0] and union[3] - union[1] <= window[1]:
        chosen = union
    else:
        chosen = max(boxes, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))
    return (chosen[0] + chosen[2]) / 2, (chosen[1] + chosen[3]) / 2


def _attention_centre(image: Image.Image, window: tuple[float, float]) -> tuple[float, float] | None:
    """The centre of the window-sized region with the most energy, searched on a small copy."""
    small = image.convert("RGB")
    small.thumbnail((_ATTENTION_SIDE, _ATTENTION_SIDE), Image.Resampling.BOX)
    scale = small.width / image.width
    energy = _energy(small)
    win_w = max(1, min(small.width, round(window[0] * scale)))
    win_h = max(1, min(small.height, round(window[1] * scale)))
    # Summed-area table: every window's energy in constant time.
    w, h = small.size
    table = [[0.0] * (w + 1) for _ in range(h + 1)]
    for y in range(h):
        row_sum = 0.0
        for x in range(w):
            row_sum += energy[y * w + x]
            table[y + 1][x + 1] = table[y][x + 1] + row_sum
    totals = {}
    for top in range(h - win_h + 1):
        for left in range(w - win_w + 1):
            below, right = top + win_h, left + win_w
            totals[(left, top)] = table[below][right] - table[top][right] - table[below][left] + table[top][left]
    best_at = max(totals, key=lambda at: totals[at])
    # Nothing stands out (a flat or evenly busy picture): the centre is as good as any, and
    # steadier than wherever rounding put the maximum.
    if totals[best_at] <= min(totals.values()) * 1.05 + 1e-9:
        return None
    return (best_at[0] + win_w / 2) / scale, (best_at[1] + win_h / 2) / scale


def _energy(small: Image.Image) -> list[float]:
    """Per pixel: edge strength + saturation + a skin-tone bonus, each 0..1."""
    # (FIND_EDGES leaves the frame's outermost pixels as they were: not edges, so not counted)
    edges = bytearray(small.convert("L").filter(ImageFilter.FIND_EDGES).tobytes())
    w, h = small.size
    for y in range(h):
        edges[y * w] = edges[y * w + w - 1] = 0
    edges[:w] = bytes(w)
    edges[(h - 1) * w :] = bytes(w)
    saturation = small.convert("HSV").getchannel("S").tobytes()
    rgb = small.tobytes()
    energy = []
    for i in range(small.width * small.height):
        r, g, b = rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]
        # The classic RGB skin rule (Kovac et al.): faces draw the eye as much as edges do.
        skin = r > 95 and g > 40 and b > 20 and r > g and r > b and r - min(g, b) > 15 and abs(r - g) > 15
        energy.append(edges[i] / 255 + saturation[i] / 510 + (0.75 if skin else 0.0))
    return energy
