"""On-device text (OCR) on pictures of words built from scikit-image's photographs."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from photopipe.providers import ocr
from tests.support import faces, words

READER = ocr.TextReader()


def preview(image: Image.Image, side: int = 768) -> Image.Image:
    copy = image.copy()
    copy.thumbnail((side, side), Image.Resampling.LANCZOS)
    return copy


def test_the_lines_of_a_sign_are_read_top_to_bottom_with_their_boxes() -> None:
    lines = READER.read(preview(words.sign()))
    assert [line["text"] for line in lines] == list(words.SIGN), lines
    first, second = (line["box"] for line in lines)
    assert first["top"] + first["height"] <= second["top"] + 0.02, "one box per line, in order"
    assert 0.05 <= first["left"] <= 0.12 and 0.3 <= first["top"] <= 0.45, first
    assert all(line["confidence"] >= 80 for line in lines)


def test_a_photographed_page_is_read_line_by_line() -> None:
    lines = READER.read(preview(faces.sample("page.png")))
    assert lines[0]["text"] == words.PAGE_FIRST_LINE, lines[:2]
    assert len(lines) >= 6


@pytest.mark.parametrize("name", ["astronaut.png", "chelsea.png", "rocket.jpg"])
def test_photos_without_words_have_no_text(name: str) -> None:
    assert READER.read(preview(faces.sample(name))) == []


def test_regions_join_8_connected_runs_and_keep_separate_ones_apart() -> None:
    mask = np.zeros((6, 10), dtype=bool)
    mask[0, 0:3] = True  # a bar...
    mask[1, 3] = True  # ...touching this pixel only diagonally
    mask[2, 4:6] = True  # ...and so on down a staircase
    mask[4:6, 8:10] = True  # a separate square
    assert sorted(ocr._regions(mask)) == [(0, 0, 6, 3), (8, 4, 10, 6)]


def test_regions_merge_a_u_shape_whose_arms_meet_only_below() -> None:
    mask = np.zeros((4, 5), dtype=bool)
    mask[0:3, 0] = True
    mask[0:3, 4] = True
    mask[3, 0:5] = True
    assert ocr._regions(mask) == [(0, 0, 5, 4)]


def test_a_page_of_small_print_is_read_within_the_width_budget_largest_lines_first() -> None:
    title = (0, 0, 600, 60)
    small_print = [(0, 70 + 14 * i, 760, 82 + 14 * i) for i in range(60)]  # each read 1920 px wide
    kept = ocr.within_budget([*small_print, title])
    assert kept[0] == title
    assert sum(ocr._line_width(box) for box in kept) <= ocr._MAX_TOTAL_WIDTH
    assert 1 < len(kept) < 10
    assert len(ocr.within_budget([(0, 0, 40, 20)] * 100)) == ocr._MAX_LINES
