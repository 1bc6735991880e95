"""What a photo's EXIF says about its capture, for its owner: when, with what, which way up.

Read before orientation is applied (which rewrites the EXIF) and never written to an output.
Metadata is best effort: a malformed or hostile EXIF block yields nothing, never a failed job.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from datetime import datetime

from PIL import ExifTags, Image

logger = logging.getLogger(__name__)

_MAX_TEXT = 128
_OFFSET = re.compile(r"^[+-](?:[01]\d|2[0-3]):[0-5]\d$")
_SUBSEC = re.compile(r"^\d{1,9}$")


@dataclass(frozen=True)
class Capture:
    captured_at: str | None = None
    make: str | None = None
    model: str | None = None
    lens: str | None = None
    orientation: int = 1  # EXIF 1..8, as the file said before it was applied
    latitude: float | None = None
    longitude: float | None = None

    def as_analysis(self, expose_location: bool) -> dict[str, object]:
        fields: dict[str, object] = {"orientation": self.orientation}
        if self.captured_at:
            fields["capturedAt"] = self.captured_at
        camera = {k: v for k, v in (("make", self.make), ("model", self.model), ("lens", self.lens)) if v}
        if camera:
            fields["camera"] = camera
        if expose_location and self.latitude is not None and self.longitude is not None:
            fields["location"] = {"latitude": self.latitude, "longitude": self.longitude}
        return fields


def read_capture(image: Image.Image) -> Capture:
    try:
        return _read(image)
    except Exception:  # a hostile EXIF block may raise anything from Pillow's parser
        logger.info("ignoring EXIF that cannot be parsed", exc_info=True)
        return Capture(orientation=_orientation(image, None))


def _read(image: Image.Image) -> Capture:
    exif = image.getexif()
    details = exif.get_ifd(ExifTags.IFD.Exif)
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    latitude = _coordinate(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef), 90)
    longitude = _coordinate(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef), 180)
    return Capture(
        captured_at=_timestamp(
            details.get(ExifTags.Base.DateTimeOriginal),
            details.get(ExifTags.Base.OffsetTimeOriginal),
            details.get(ExifTags.Base.SubsecTimeOriginal),
        ),
        make=_text(exif.get(ExifTags.Base.Make)),
        model=_text(exif.get(ExifTags.Base.Model)),
        lens=_text(details.get(ExifTags.Base.LensModel)),
        orientation=_orientation(image, exif),
        latitude=latitude if longitude is not None else None,
        longitude=longitude if latitude is not None else None,
    )


def _orientation(image: Image.Image, exif: Image.Exif | None) -> int:
    # pillow-heif applies a HEIF's irot/imir itself and resets the EXIF tag, keeping the original.
    value = image.info.get("original_orientation")
    if value is None and exif is not None:
        value = exif.get(ExifTags.Base.Orientation)
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    cleaned = "".join(ch for ch in value if ch.isprintable()).strip()
    return cleaned[:_MAX_TEXT] or None


def _timestamp(value: object, offset: object, subsec: object) -> str | None:
    """EXIF "YYYY:MM:DD HH:MM:SS" (+ offset, + fraction) as ISO 8601; None when not a real date."""
    text = _text(value)
    if text is None:
        return None
    try:
        moment = datetime.strptime(text, "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None  # "0000:00:00 00:00:00" and worse
    result = moment.isoformat()
    fraction = _text(subsec)
    if fraction and _SUBSEC.match(fraction):
        result += "." + fraction[:3].ljust(3, "0")
    zone = _text(offset)
    if zone and _OFFSET.match(zone):
        result += zone
    return result


def _coordinate(value: object, ref: object, limit: int) -> float | None:
    """Degrees, minutes, seconds (EXIF rationals) and N/S/E/W as signed decimal degrees."""
    if not isinstance(value, tuple) or len(value) != 3:
        return None
    try:
        degrees, minutes, seconds = (float(part) for part in value)
    except (ValueError, ZeroDivisionError, OverflowError, TypeError):
        return None
    decimal = degrees + minutes / 60 + seconds / 3600
    if not (math.isfinite(decimal) and 0 <= decimal <= limit):  # a zero denominator reads as NaN
        return None
    if _text(ref) in ("S", "W"):
        decimal = -decimal
    return round(decimal, 6)
