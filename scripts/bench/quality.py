"""Section `quality`: bytes and SSIM of each default variant next to libvips' defaults."""

from __future__ import annotations

import io
import time
from typing import Any

from PIL import Image

from bench.common import photo_jpeg
from bench.engine import run_engine, run_vips
from photopipe.images import engine
from photopipe.images.variants import DEFAULT_VARIANTS


def edges_jpeg(width: int, height: int) -> bytes:
    """Hard edges and flat colour (shapes, text-like bars): where chroma subsampling and low
    quality show, unlike photo_jpeg's noise."""
    from PIL import ImageDraw

    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for i in range(40):
        x, y = (i * 397) % width, (i * 263) % height
        draw.ellipse((x, y, x + width // 10, y + height // 10), fill=((i * 53) % 256, (i * 97) % 256, 40))
        draw.rectangle((0, i * height // 40, width, i * height // 40 + 6), fill=(255, 0, 0) if i % 2 else (0, 0, 160))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=95, subsampling=0)
    return buffer.getvalue()


def ssim(image: Image.Image, reference: Image.Image) -> float:
    """Mean SSIM on luma (Wang et al. 2004: 11-tap Gaussian, sigma 1.5, K1 0.01, K2 0.03)."""
    import numpy as np

    def luma(img: Image.Image) -> Any:
        return np.asarray(img.convert("L"), dtype=np.float64)

    def blur(values: Any) -> Any:
        taps = np.exp(-((np.arange(11) - 5) ** 2) / (2 * 1.5**2))
        taps /= taps.sum()
        rows = np.apply_along_axis(lambda r: np.convolve(r, taps, mode="valid"), 1, values)
        return np.apply_along_axis(lambda c: np.convolve(c, taps, mode="valid"), 0, rows)

    x, y = luma(image), luma(reference)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mx, my = blur(x), blur(y)
    vx, vy, cov = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
    score = ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
    return float(score.mean())


def _reference(full: Image.Image, size: tuple[int, int]) -> Image.Image:
    return full.resize(size, Image.Resampling.LANCZOS)  # no draft, no reduce(): the best Pillow does


def _jpeg(image: Image.Image, **params: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", **params)
    return buffer.getvalue()


def quality_section() -> dict[str, Any]:
    try:
        import numpy  # noqa: F401
        import pyvips  # noqa: F401
    except ImportError:
        return {"skipped": "needs the bench extra (numpy, pyvips): `make bench` installs it"}
    sources = {"photo": photo_jpeg(4000, 3000), "edges": edges_jpeg(4000, 3000)}
    result: dict[str, Any] = {"reference": "Pillow Lanczos from the full 8-bit decode, per output size"}
    for label, data in sources.items():
        full = Image.open(io.BytesIO(data)).convert("RGB")
        ours = run_engine(data)
        theirs = run_vips(data, quality=None)
        for spec, mine, vips_bytes in zip(DEFAULT_VARIANTS, ours, theirs, strict=True):
            vips_image = Image.open(io.BytesIO(vips_bytes))
            ours_image = Image.open(io.BytesIO(mine.body))
            ours_ssim = ssim(ours_image, _reference(full, ours_image.size))
            vips_ssim = ssim(vips_image, _reference(full, vips_image.size))
            key = f"{label}_{spec.name}"
            result[f"{key}_bytes"] = len(mine.body)
            result[f"{key}_vips_bytes"] = len(vips_bytes)
            result[f"{key}_bytes_vs_vips"] = round(len(mine.body) / len(vips_bytes), 3)
            result[f"{key}_ssim"] = round(ours_ssim, 4)
            result[f"{key}_vips_ssim"] = round(vips_ssim, 4)
        # The sweep behind JPEG_QUALITY: the 1024 px variant at each setting.
        medium = _reference(full, engine.fit_within(full.size, 1024))
        for quality in (70, 75, 80, 82, 85, 90):
            for subsampling, name in ((2, "420"), (0, "444")):
                body = _jpeg(medium, quality=quality, subsampling=subsampling, optimize=True)
                score = ssim(Image.open(io.BytesIO(body)), medium)
                result[f"{label}_sweep_q{quality}_{name}"] = f"{len(body)} B, SSIM {score:.4f}"
        for fmt in ("webp", "avif"):
            started = time.perf_counter()
            body, _, _ = engine.encode(medium, fmt)
            took = (time.perf_counter() - started) * 1000
            score = ssim(Image.open(io.BytesIO(body)), medium)
            result[f"{label}_medium_{fmt}"] = f"{len(body)} B, SSIM {score:.4f}, {took:.0f} ms"
        large = _reference(full, engine.fit_within(full.size, 2048))
        baseline = len(_jpeg(large, quality=engine.JPEG_QUALITY, optimize=True))
        progressive = len(_jpeg(large, quality=engine.JPEG_QUALITY, progressive=True))
        result[f"{label}_large_progressive_vs_baseline"] = round(progressive / baseline, 3)
    return result
