"""PNG pictures for a report (docs/targeting.md), drawn with Pillow: a choropleth of one
targeting indicator per kab/kota, and a region's desil distribution as bars. Labels come from
the ``maps`` message catalogue (Indonesian by default, English with ``language="en"``).

A rate is coloured by fixed fifths of 0–100 % (so maps of two periods compare by colour);
a kab/kota without a value is hatched grey, neighbours without data are drawn pale.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

from PIL import Image, ImageDraw, ImageFont

from gateway.service_layer.maps import Projection, kabkota_boundaries, union
from schema.geo import boundary
from schema.i18n import Translator

#: light to dark (ColorBrewer YlOrRd, 5 classes), one per fifth of 0–100 %
CLASS_COLOURS = ((255, 255, 178), (254, 204, 92), (253, 141, 60), (240, 59, 32),
                 (189, 0, 38))
NO_VALUE = (200, 200, 200)
NEIGHBOUR = (240, 240, 240)
OUTLINE = (90, 90, 90)
BACKGROUND = (255, 255, 255)
TEXT = (20, 20, 20)
BAR = (49, 130, 189)
BAR_NO_DESIL = (150, 150, 150)
TITLE_HEIGHT = 48
LEGEND_HEIGHT = 56


def colour_of(value: float | None) -> tuple[int, int, int]:
    if value is None:
        return NO_VALUE
    return CLASS_COLOURS[min(len(CLASS_COLOURS) - 1, max(0, int(value * len(CLASS_COLOURS))))]


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def indicator_label(indicator: str, language: str) -> str:
    t = Translator("maps", language)
    kind, _, program = indicator.partition(".")
    label = {"exclusion_error": t("Exclusion error (desil 1–2 in no program)"),
             "inclusion_error": t("Inclusion error (recipients above the eligible desil)"),
             "coverage": t("Coverage (recipients in eligible deciles)")}[kind]
    return f"{label} {program}".strip()


def map_layout(codes: Sequence[str], width: int, height: int) -> Projection:
    """Where the choropleth of ``codes`` draws (the renderer and the tests share it)."""
    extent = union(b.bbox for b in (boundary(c) for c in codes) if b is not None)
    return Projection.fit(extent, width, height - TITLE_HEIGHT - LEGEND_HEIGHT,
                          top=TITLE_HEIGHT)


def render_choropleth(values: Mapping[str, float | None], indicator: str, period: str, *,
                      width: int = 1200, height: int = 800, language: str = "id") -> bytes:
    """A PNG of ``values`` (kab/kota code → rate) over the extent of those regencies."""
    t = Translator("maps", language)
    projection = map_layout(list(values), width, height)
    image = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    for found in kabkota_boundaries(projection.extent):
        fill = colour_of(values[found.code]) if found.code in values else NEIGHBOUR
        for outer, *holes in found.polygons:
            draw.polygon(projection.ring(outer), fill=fill, outline=OUTLINE)
            for hole in holes:
                draw.polygon(projection.ring(hole), fill=BACKGROUND, outline=OUTLINE)
    draw.rectangle((0, 0, width, TITLE_HEIGHT), fill=BACKGROUND)
    _text(draw, (12, 10), f"{indicator_label(indicator, language)} — {t('period')} {period}",
              fill=TEXT, font=_font(20))
    _legend(draw, t, width, height)
    return _png(image)


def _legend(draw: ImageDraw.ImageDraw, t: Translator, width: int, height: int) -> None:
    top = height - LEGEND_HEIGHT
    draw.rectangle((0, top, width, height), fill=BACKGROUND)
    font = _font(14)
    x = 12
    for index, colour in enumerate(CLASS_COLOURS):
        low, high = index * 20, (index + 1) * 20
        draw.rectangle((x, top + 14, x + 28, top + 34), fill=colour, outline=OUTLINE)
        _text(draw, (x + 34, top + 16), f"{low}–{high} %", fill=TEXT, font=font)
        x += 120
    draw.rectangle((x, top + 14, x + 28, top + 34), fill=NO_VALUE, outline=OUTLINE)
    _text(draw, (x + 34, top + 16), t("no value"), fill=TEXT, font=font)


def render_deciles(counts: Mapping[int | None, int], title: str, *, width: int = 900,
                   height: int = 500, language: str = "id") -> bytes:
    """Bars of households per desil 1–10 and one for households without a desil."""
    t = Translator("maps", language)
    image = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    _text(draw, (12, 10), title, fill=TEXT, font=_font(20))
    keys: list[int | None] = [*range(1, 11), None]
    top, bottom, left = TITLE_HEIGHT + 20, height - 50, 60
    tallest = max([counts.get(k, 0) for k in keys] + [1])
    slot = (width - left - 20) / len(keys)
    font = _font(14)
    draw.line((left, bottom, width - 20, bottom), fill=TEXT)
    for index, key in enumerate(keys):
        count = counts.get(key, 0)
        x0 = left + index * slot + slot * 0.15
        x1 = left + (index + 1) * slot - slot * 0.15
        y0 = bottom - (bottom - top) * count / tallest
        draw.rectangle((x0, y0, x1, bottom), fill=BAR if key is not None else BAR_NO_DESIL)
        _text(draw, (x0, y0 - 18), f"{count:,}".replace(",", "."), fill=TEXT, font=font)
        label = str(key) if key is not None else t("none")
        _text(draw, (x0, bottom + 6), label, fill=TEXT, font=font)
    _text(draw, (left, height - 22), t("desil (1 = poorest); bars: households"), fill=TEXT,
              font=font)
    return _png(image)


def _text(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, *,
          fill: tuple[int, int, int], font: ImageFont.FreeTypeFont | ImageFont.ImageFont
          ) -> None:
    """Pillow's built-in font has no dashes: drawn as hyphens."""
    draw.text(xy, text.replace("–", "-").replace("—", "-"), fill=fill, font=font)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
