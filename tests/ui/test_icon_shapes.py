"""The tray icons tell every state apart for everyone: rendered at 22 px (a tray's size)
through a deuteranopia and a protanopia simulation (Machado, Oliveira and Fernandes 2009,
full severity), every two states still differ; with the colour taken away altogether
(luminance only) they still differ in shape; and each stands out on a light and a dark panel.

Seen before: warning and critical merged under the deuteranopia simulation, and
acknowledged, snoozed and off call differed only by a 9 px badge.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

from shiftbell.ui.icons import icons_dir
from shiftbell.ui.tray_state import TrayIconName

SIZE = 22
PANELS = {"light": (0.94, 0.94, 0.94), "dark": (0.16, 0.16, 0.16)}
SIMULATIONS = {
    "deuteranopia": np.array(
        [
            [0.367322, 0.860646, -0.227968],
            [0.280085, 0.672501, 0.047413],
            [-0.01182, 0.04294, 0.968881],
        ]
    ),
    "protanopia": np.array(
        [
            [0.152286, 1.052583, -0.204868],
            [0.114503, 0.786281, 0.099216],
            [-0.003882, -0.048116, 1.051998],
        ]
    ),
}
# Mean difference per pixel and channel, on a 0-255 scale, over the whole 22 px icon.
DISTINCT = 12.0
DISTINCT_IN_SHAPE = 10.0


def rendered(name: str, panel: tuple[float, float, float]) -> tuple[np.ndarray, np.ndarray]:
    """The icon at SIZE px over `panel`, as sRGB floats, and its coverage (alpha)."""
    image = QImage(SIZE, SIZE, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    QSvgRenderer(str(icons_dir() / f"{name}.svg")).render(painter, QRectF(0, 0, SIZE, SIZE))
    painter.end()
    bgra = np.frombuffer(image.constBits(), np.uint8).reshape(SIZE, SIZE, 4) / 255.0
    alpha = bgra[..., 3:4]
    return bgra[..., 2::-1] + (1 - alpha) * np.array(panel), alpha[..., 0]


def linear(srgb: np.ndarray) -> np.ndarray:
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def gamma(lin: np.ndarray) -> np.ndarray:
    lin = np.clip(lin, 0, 1)
    return np.where(lin <= 0.0031308, lin * 12.92, 1.055 * lin ** (1 / 2.4) - 0.055)


def seen(name: str, panel: str, vision: str) -> np.ndarray:
    rgb, _ = rendered(name, PANELS[panel])
    if vision == "luminance":
        return gamma(linear(rgb) @ np.array([0.2126, 0.7152, 0.0722]))
    return gamma(linear(rgb) @ SIMULATIONS[vision].T)


STATES = [n.value for n in TrayIconName]


@pytest.mark.parametrize("panel", PANELS)
@pytest.mark.parametrize("vision", [*SIMULATIONS, "luminance"])
def test_every_two_states_stay_apart(qapp: QApplication, vision: str, panel: str) -> None:
    images = {name: seen(name, panel, vision) for name in STATES}
    least = DISTINCT_IN_SHAPE if vision == "luminance" else DISTINCT
    closest = min(
        (float(np.abs(images[a] - images[b]).mean() * 255), a, b)
        for a, b in itertools.combinations(STATES, 2)
    )
    print(f"{vision} on {panel}: closest {closest[1]} / {closest[2]} at {closest[0]:.1f}")
    assert closest[0] >= least, closest


@pytest.mark.parametrize("panel", PANELS)
def test_each_icon_stands_out_on_the_panel(qapp: QApplication, panel: str) -> None:
    colour = np.array(PANELS[panel])
    for name in STATES:
        rgb, alpha = rendered(name, PANELS[panel])
        covered = alpha > 0.5
        contrast = float(np.abs(rgb[covered] - colour).mean() * 255)
        assert contrast > 40, (name, panel, contrast)
