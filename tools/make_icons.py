"""Generate Shiftbell's tray and app icons into ``resources/icons/``.

Why generated: every tray state is the same bell with a different colour and
badge, so writing the SVG from one small description keeps all states
consistent (same silhouette, same outline widths, same badge position) and
makes a design change a one-line edit. The SVG files are committed, so a build
needs neither this script nor Qt.

Readability on light *and* dark panels: every shape is drawn as a union
silhouette in three layers -- a light halo, a dark outline inside it, then the
fill -- so the icon keeps a visible edge whatever the panel colour. Badge
glyphs are drawn as paths, not text, so they do not depend on installed fonts.

``python tools/make_icons.py`` writes the SVGs; ``--preview sheet.png`` also
renders a contact sheet (22/32/64 px on a light and a dark panel) with
PySide6's QSvgRenderer, for looking at them; do not commit the preview.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "resources" / "icons"

HALO = "#ffffff"
OUTLINE = "#1b1f24"
HALO_WIDTH = 9.5  # total stroke width; the halo shows (HALO_WIDTH - OUTLINE_WIDTH) / 2 outside
OUTLINE_WIDTH = 6.0

# The bell, drawn to leave the bottom-right corner to the badge.
BELL_BODY = (
    "M29 7 C19.5 7 14 14.5 14 24 L14 33 C14 38 11.5 41.5 8 44 L8 48 L50 48 L50 44"
    " C46.5 41.5 44 38 44 33 L44 24 C44 14.5 38.5 7 29 7 Z"
)
BELL_KNOB = "M29 2.5 A3.5 3.5 0 1 1 28.99 2.5 Z"
BELL_CLAPPER = "M22.5 48 A6.5 6.5 0 0 0 35.5 48 Z"
# Short "ringing" strokes either side of the bell's shoulders: one pair for a warning, a
# second, longer pair for a critical, so severity shows in the shape, not only the colour.
RING_LEFT = "M8.5 10 C5.5 13.5 4 17.5 4 22"
RING_RIGHT = "M49.5 10 C52.5 13.5 54 17.5 54 22"
RING_LEFT_OUTER = "M4.5 3.5 C0.5 9 -0.5 15 0.5 23"
RING_RIGHT_OUTER = "M53.5 3.5 C57.5 9 58.5 15 57.5 23"

BADGE_CX, BADGE_CY, BADGE_R = 47.0, 46.0, 13.5

# Glyphs inside the badge, as (kind, data): "fill" paths or "stroke" polylines.
GLYPH_BANG: list[tuple[str, str]] = [
    ("fill", "M44.6 36.5 L49.4 36.5 L48.6 48.5 L45.4 48.5 Z"),
    ("fill", "M47 50.2 A2.6 2.6 0 1 1 46.99 50.2 Z"),
]
GLYPH_INFO: list[tuple[str, str]] = [
    ("fill", "M47 35.6 A2.6 2.6 0 1 1 46.99 35.6 Z"),
    ("fill", "M44.8 42 L49.2 42 L49.2 55 L44.8 55 Z"),
]
GLYPH_CHECK: list[tuple[str, str]] = [("stroke", "M40.5 46.5 L45 51 L53.5 41")]
GLYPH_Z: list[tuple[str, str]] = [("stroke", "M41.5 39.5 L52.5 39.5 L41.5 52.5 L52.5 52.5")]
# A crescent moon (off call): the badge's circle less a circle offset to the upper right,
# from where the two circles cross, round the outer edge and back along the cut.
GLYPH_MOON: list[tuple[str, str]] = [
    ("fill", "M45.75 38.5 A7.6 7.6 0 1 0 54.26 48.24 A6.6 6.6 0 0 1 45.75 38.5 Z"),
]

# Warning triangle for feed errors (sits where the round badge would).
TRIANGLE = "M47 31.5 L61 57 L33 57 Z"
GLYPH_TRIANGLE_BANG: list[tuple[str, str]] = [
    ("fill", "M45.2 39 L48.8 39 L48.2 49 L45.8 49 Z"),
    ("fill", "M47 51 A2.2 2.2 0 1 1 46.99 51 Z"),
]


# Badge outlines besides the circle, each centred on the badge's centre: what tells the
# states apart for someone who cannot tell red from amber, or blue from purple.
DIAMOND = "M47 30.5 L62.5 46 L47 61.5 L31.5 46 Z"
OCTAGON = (
    "M41.4 32.5 L52.6 32.5 L60.5 40.4 L60.5 51.6 L52.6 59.5 L41.4 59.5 L33.5 51.6 L33.5 40.4 Z"
)
SQUARE = "M38 33 L56 33 Q60 33 60 37 L60 55 Q60 59 56 59 L38 59 Q34 59 34 55 L34 37 Q34 33 38 33 Z"


@dataclass(frozen=True)
class Badge:
    """A badge in the bottom-right corner: its shape (a path; None: a circle), colour and
    glyph."""

    fill: str
    glyph: list[tuple[str, str]]
    glyph_colour: str = "#ffffff"
    shape: str | None = None


@dataclass(frozen=True)
class IconSpec:
    """One tray state: bell fill colour, optional badge, ringing strokes."""

    bell_fill: str
    clapper_fill: str
    badge: Badge | None = None
    rings: int = 0  # pairs of ringing strokes: 1 warning, 2 critical
    background: bool = False
    dimmed: bool = False  # the bell's fill mostly see-through: "quieter", off call


RED = "#e5322d"
AMBER = "#f7a81b"
BLUE = "#3d8fe0"
GREEN = "#2f9e44"
PURPLE = "#7c5cd6"
ORANGE = "#f28c1e"
LIGHT = "#f4f5f7"
GREY = "#9aa1a9"
GOLD = "#f6c343"
NAVY = "#2c3e66"
MOONLIGHT = "#ffe27a"
DIM_OPACITY = 0.35

ICONS: dict[str, IconSpec] = {
    "clear": IconSpec(LIGHT, "#c9ced6"),
    # Off call and all clear: the clear bell dimmed, with a moon, so on call and off call
    # differ at a glance on light and dark panels alike (the dimming alone does not show
    # on a light panel).
    "clear-off-call": IconSpec(LIGHT, "#c9ced6", Badge(NAVY, GLYPH_MOON, MOONLIGHT), dimmed=True),
    # Severity in three ways: colour, badge shape (circle, diamond, octagon) and ringing
    # strokes (none, one pair, two pairs).
    "firing-info": IconSpec(BLUE, "#245f9c", Badge(BLUE, GLYPH_INFO)),
    "firing-warning": IconSpec(
        AMBER, "#b8760a", Badge(AMBER, GLYPH_BANG, OUTLINE, DIAMOND), rings=1
    ),
    "firing-critical": IconSpec(RED, "#9c1b17", Badge(RED, GLYPH_BANG, shape=OCTAGON), rings=2),
    "acknowledged": IconSpec(LIGHT, "#c9ced6", Badge(GREEN, GLYPH_CHECK)),
    "feed-error": IconSpec(GREY, "#6b7178", Badge(ORANGE, GLYPH_TRIANGLE_BANG, OUTLINE, TRIANGLE)),
    # Snoozed keeps the colour and the rings of what is held back, with the square Z badge.
    "snoozed-info": IconSpec(BLUE, "#245f9c", Badge(PURPLE, GLYPH_Z, shape=SQUARE)),
    "snoozed-warning": IconSpec(AMBER, "#b8760a", Badge(PURPLE, GLYPH_Z, shape=SQUARE), rings=1),
    "snoozed-critical": IconSpec(RED, "#9c1b17", Badge(PURPLE, GLYPH_Z, shape=SQUARE), rings=2),
    "shiftbell": IconSpec(GOLD, "#b8860b", rings=1, background=True),
}


def _layered(
    paths: Sequence[str], fill: str, *, closed: bool = True, opacity: float = 1.0
) -> list[str]:
    """Halo, outline and fill passes for a group of paths, drawn as one silhouette.

    Drawing all halos, then all outlines, then all fills hides the inner edges
    where the paths overlap (the clapper under the bell), leaving one outline
    around the union.
    """
    join = 'stroke-linejoin="round" stroke-linecap="round"'
    out = []
    for d in paths:
        out.append(
            f'<path d="{d}" fill="none" stroke="{HALO}" stroke-width="{HALO_WIDTH}" {join}/>'
        )
    for d in paths:
        out.append(
            f'<path d="{d}" fill="none" stroke="{OUTLINE}" stroke-width="{OUTLINE_WIDTH}" {join}/>'
        )
    if closed:
        see_through = f' fill-opacity="{opacity}"' if opacity < 1 else ""
        for d in paths:
            out.append(f'<path d="{d}" fill="{fill}"{see_through}/>')
    return out


def _glyph(glyph: Sequence[tuple[str, str]], colour: str) -> list[str]:
    out = []
    for kind, d in glyph:
        if kind == "fill":
            out.append(f'<path d="{d}" fill="{colour}"/>')
        else:
            out.append(
                f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="3.6"'
                ' stroke-linejoin="round" stroke-linecap="round"/>'
            )
    return out


def _circle(cx: float, cy: float, r: float) -> str:
    """A circle as a path (two arcs), so it goes through the same layering as the bell."""
    return f"M{cx - r} {cy} A{r} {r} 0 1 0 {cx + r} {cy} A{r} {r} 0 1 0 {cx - r} {cy} Z"


def render_svg(name: str, spec: IconSpec) -> str:
    """The SVG document for one icon (64x64 viewBox)."""
    body: list[str] = []
    if spec.background:
        body.append('<rect x="1" y="1" width="62" height="62" rx="14" fill="#22344d"/>')
        body.append(
            '<rect x="1" y="1" width="62" height="62" rx="14" fill="none"'
            ' stroke="#ffffff" stroke-opacity="0.25" stroke-width="2"/>'
        )
    strokes = [RING_LEFT, RING_RIGHT, RING_LEFT_OUTER, RING_RIGHT_OUTER][: 2 * spec.rings]
    if strokes:
        for d in strokes:
            # On the app icon's own dark tile a halo would only add noise.
            if not spec.background:
                body += _layered([d], "none", closed=False)
            width = 3.5 if spec.background else 2
            body.append(
                f'<path d="{d}" fill="none" stroke="{spec.bell_fill}" stroke-width="{width}"'
                ' stroke-linecap="round"/>'
            )
    opacity = DIM_OPACITY if spec.dimmed else 1.0
    body += _layered([BELL_CLAPPER], spec.clapper_fill, opacity=opacity)
    body += _layered([BELL_BODY, BELL_KNOB], spec.bell_fill, opacity=opacity)
    if not spec.dimmed:
        # A lighter highlight on the bell's left flank gives it some volume.
        body.append(
            '<path d="M19 30 L19 24 C19 18 22 13.5 26 11.8" fill="none" stroke="#ffffff"'
            ' stroke-opacity="0.55" stroke-width="2.6" stroke-linecap="round"/>'
        )
    if spec.badge is not None:
        badge = spec.badge
        shape = badge.shape or _circle(BADGE_CX, BADGE_CY, BADGE_R)
        body += _layered([shape], badge.fill)
        body += _glyph(badge.glyph, badge.glyph_colour)
    if spec.background:
        # Shift the bell into the middle of the tile: it is drawn left of centre for the badge.
        body = [body[0], body[1], '<g transform="translate(3 4)">', *body[2:], "</g>"]
    title = f"Shiftbell: {name}"
    lines = [
        '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">',
        f"  <title>{title}</title>",
        *(f"  {line}" for line in body),
        "</svg>",
        "",
    ]
    return "\n".join(lines)


def render_preview(svg_dir: Path, target: Path) -> None:
    """Render every icon at 22, 32 and 64 px on light, dark and coloured panels into one PNG.

    Imports PySide6 lazily: generating the SVGs must not need Qt. The 22 and
    32 px renderings are also shown magnified (nearest neighbour) so single
    pixels can be judged.
    """
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([])
    panels = [QColor("#eeeeee"), QColor("#2b2b2b"), QColor("#3465a4")]
    cell_w, cell_h = 280, 170
    sheet = QImage(len(ICONS) * cell_w, len(panels) * cell_h, QImage.Format.Format_ARGB32)
    painter = QPainter(sheet)
    for row, panel in enumerate(panels):
        for col, name in enumerate(ICONS):
            renderer = QSvgRenderer(str(svg_dir / f"{name}.svg"))
            if not renderer.isValid():
                raise RuntimeError(f"invalid SVG: {name}")
            x0, y0 = col * cell_w, row * cell_h
            painter.fillRect(x0, y0, cell_w, cell_h, panel)
            x = x0 + 4
            for size, zoom in ((22, 4), (32, 3), (64, 1)):
                img = QImage(size, size, QImage.Format.Format_ARGB32)
                img.fill(panel)
                p = QPainter(img)
                p.setRenderHint(QPainter.RenderHint.Antialiasing)
                renderer.render(p, QRectF(0, 0, size, size))
                p.end()
                painter.drawImage(x, y0 + 4, img)
                if zoom > 1:
                    big = img.scaled(
                        size * zoom, size * zoom, mode=Qt.TransformationMode.FastTransformation
                    )
                    painter.drawImage(x, y0 + 70, big)
                x += size * zoom + 6 if zoom > 1 else size
    painter.end()
    if not sheet.save(str(target)):
        raise RuntimeError(f"could not write {target}")


def main(argv: Sequence[str] | None = None) -> int:
    """Write every icon's SVG into ``--out``; optionally render a preview sheet."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    parser.add_argument("--preview", type=Path, help="also render a PNG contact sheet here")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, spec in ICONS.items():
        path = args.out / f"{name}.svg"
        path.write_text(render_svg(name, spec), encoding="utf-8")
        print(path)
    if args.preview:
        render_preview(args.out, args.preview)
        print(args.preview)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
