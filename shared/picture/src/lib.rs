//! Draws a monitoring chart (numeric time series as lines) as a picture.
//!
//! `draw` lays the chart out as a [`Scene`] of simple primitives, independent of any output
//! format; [`Scene::to_svg`] writes it as a standalone SVG document that browsers and SVG
//! rasterisers render alike; with the `png` feature, `Scene::to_png` rasterises it.

mod layout;
#[cfg(feature = "png")]
mod png;
mod scene;
mod svg;
mod ticks;
mod time_axis;

#[cfg(feature = "png")]
pub use self::png::PngError;
pub use scene::{Anchor, Primitive, Projection, Rect, Rgb, Scene};
pub use svg::escape;

/// A chart to draw.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Picture {
    /// The chart's name, shown at the top.
    pub title: String,
    /// Pixels; 200..=2000 in practice.
    pub width: u32,
    /// Pixels; 100..=1000 in practice.
    pub height: u32,
    pub lines: Vec<Line>,
}

/// One series of the chart.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Line {
    /// Shown in the legend.
    pub name: String,
    /// (unix time in milliseconds, value), oldest first. Non-finite values are skipped.
    pub points: Vec<(i64, f64)>,
    /// Alert thresholds on this series: dashed horizontal lines in the series' colour.
    pub thresholds: Vec<f64>,
}

/// Lays `picture` out as a scene: title, value and time axes with gridlines, thresholds,
/// one line per series and a legend; or the empty frame with "no data" when there are no
/// points at all.
pub fn draw(picture: &Picture) -> Scene {
    layout::draw(picture)
}

/// Saturated colours that stay apart from each other and from the greys of the frame
/// (Tableau's palette with its grey swapped for a dark indigo).
const PALETTE: [Rgb; 10] = [
    (0x1f, 0x77, 0xb4),
    (0xff, 0x7f, 0x0e),
    (0x2c, 0xa0, 0x2c),
    (0xd6, 0x27, 0x28),
    (0x94, 0x67, 0xbd),
    (0x8c, 0x56, 0x4b),
    (0xe3, 0x77, 0xc2),
    (0xbc, 0xbd, 0x22),
    (0x17, 0xbe, 0xcf),
    (0x39, 0x3b, 0x79),
];

/// The colour of the `index`-th line; the palette repeats after ten lines.
pub fn colour(index: usize) -> Rgb {
    PALETTE[index % PALETTE.len()]
}
