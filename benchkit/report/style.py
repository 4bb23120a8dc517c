"""Figure styling and export shared by the ``fig_*`` modules: palette, safe labels, inline data URIs.

Every string that reaches a figure may come from the data (column names, category values), so it
goes through :func:`label`: shortened, and with ``$`` escaped so matplotlib never parses it as
mathtext. Figures are embedded as ``data:`` URIs inside ``<img>`` elements: an image never runs
script, and matplotlib's SVG writer escapes the text it writes.
"""

from __future__ import annotations

import base64
import io
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

import matplotlib

matplotlib.use("Agg", force=False)
import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402

REAL = "real"
REAL_COLOR = "#222222"
MAX_LABEL = 28

_rc = {
    "svg.fonttype": "none",  # keep text as (escaped) text: small, searchable SVG
    "svg.hashsalt": "benchkit",  # stable element ids: same results -> same report bytes
    "figure.dpi": 100,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "font.family": "DejaVu Sans",
}


@dataclass
class Figure:
    """A rendered figure: a data URI for an ``<img>``, its alternative text and a caption."""

    uri: str
    alt: str
    caption: str = ""


def label(text: object, width: int = MAX_LABEL) -> str:
    """A data-derived string made safe for matplotlib text: shortened, ``$`` escaped (no mathtext)."""
    s = str(text)
    if len(s) > width:
        s = s[: width - 1] + "\u2026"
    return s.replace("\\", "\\\\").replace("$", r"\$")


def _compact(v: float, _pos: object = None) -> str:
    a = abs(v)
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if a >= div:
            return f"{v / div:g}{suffix}"
    return f"{v:g}"


def compact_ticks(ax, axis: str = "x", n: int = 6) -> None:
    """At most ``n`` ticks on a linear axis, large numbers written 25k, 1.5M (they never overlap)."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    target = ax.xaxis if axis == "x" else ax.yaxis
    if target.get_scale() != "linear":
        return
    target.set_major_locator(MaxNLocator(n))
    target.set_major_formatter(FuncFormatter(_compact))


def palette(generators: list[str]) -> dict[str, str]:
    """One stable colour per source: ``real`` dark grey, generators from a colour-blind palette."""
    colors = sns.color_palette("colorblind", max(len(generators), 1)).as_hex()
    out = {REAL: REAL_COLOR}
    out.update({g: colors[i % len(colors)] for i, g in enumerate(generators)})
    return out


@contextmanager
def style() -> Iterator[None]:
    """The report's matplotlib/seaborn style; a ``fig_*`` module builds and exports inside it."""
    with plt.rc_context(_rc), sns.axes_style("whitegrid", {"font.family": "DejaVu Sans"}):
        yield


def new_figure(width: float, height: float, ncols: int = 1, nrows: int = 1, **kwargs):
    """A figure and a 2-D array of its axes (call inside :func:`style`)."""
    return plt.subplots(nrows, ncols, figsize=(width, height), squeeze=False, **kwargs)


def export(fig, alt: str, caption: str = "", fmt: str = "svg") -> Figure:
    """Encode ``fig`` as an inline data URI (SVG for line art, PNG for dense plots) and close it."""
    buf = io.BytesIO()
    try:
        with warnings.catch_warnings():
            # glyphs DejaVu lacks (e.g. CJK) still reach an SVG as text; a PNG shows boxes for them
            warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
            fig.savefig(buf, format=fmt, bbox_inches="tight", dpi=100,
                        metadata={"Date": None} if fmt == "svg" else {"Software": None})
    finally:
        plt.close(fig)
    mime = "image/svg+xml" if fmt == "svg" else "image/png"
    uri = f"data:{mime};base64," + base64.b64encode(buf.getvalue()).decode("ascii")
    return Figure(uri=uri, alt=alt, caption=caption)
