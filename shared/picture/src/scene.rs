//! The format-independent drawing: what `draw` lays out and `to_svg` (or a rasteriser) writes.

/// A colour as red, green and blue.
pub type Rgb = (u8, u8, u8);

/// An axis-aligned rectangle in pixels, `(x, y)` being its top-left corner.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

impl Rect {
    pub fn right(&self) -> f64 {
        self.x + self.width
    }

    pub fn bottom(&self) -> f64 {
        self.y + self.height
    }
}

/// Where a text's `x` lies on it: its start, its middle or its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

/// One drawing instruction. Coordinates are pixels from the top-left corner.
#[derive(Debug, Clone, PartialEq)]
pub enum Primitive {
    /// A rectangle, filled and/or outlined.
    Rect {
        rect: Rect,
        fill: Option<Rgb>,
        stroke: Option<Rgb>,
    },
    /// Connected line segments, never filled.
    Polyline {
        points: Vec<(f64, f64)>,
        stroke: Rgb,
        width: f64,
    },
    /// A straight segment; `dash` is (dash length, gap length) when dashed.
    Line {
        from: (f64, f64),
        to: (f64, f64),
        stroke: Rgb,
        width: f64,
        dash: Option<(f64, f64)>,
    },
    /// A filled disc: how a series of a single point is shown.
    Circle {
        centre: (f64, f64),
        radius: f64,
        fill: Rgb,
    },
    /// Text whose baseline passes through `y`.
    Text {
        x: f64,
        y: f64,
        text: String,
        size: f64,
        fill: Rgb,
        anchor: Anchor,
        bold: bool,
    },
}

/// How data maps to pixels in the plot area: kept so that callers (and tests) can find where
/// a point was drawn without repeating the layout.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Projection {
    pub plot: Rect,
    /// The time axis's range, unix milliseconds; `times.0 < times.1`.
    pub times: (i64, i64),
    /// The value axis's range; `values.0 < values.1`, both finite.
    pub values: (f64, f64),
}

impl Projection {
    /// The pixel at which `(time, value)` is drawn. Always finite: out-of-range input lands
    /// outside the plot area, and what cannot be computed lands on its edge or middle.
    pub fn position(&self, time: i64, value: f64) -> (f64, f64) {
        // i128 so that the span of any two i64 times cannot overflow.
        let span = (i128::from(self.times.1) - i128::from(self.times.0)) as f64;
        let dt = (i128::from(time) - i128::from(self.times.0)) as f64;
        let fx = finite_ratio(dt / span);
        let fy = finite_ratio((value - self.values.0) / (self.values.1 - self.values.0));
        (
            self.plot.x + fx * self.plot.width,
            self.plot.bottom() - fy * self.plot.height,
        )
    }
}

/// Keeps a ratio usable as a coordinate: NaN becomes the middle, and far-out values are
/// bounded so that no coordinate grows huge.
fn finite_ratio(ratio: f64) -> f64 {
    if ratio.is_nan() {
        0.5
    } else {
        ratio.clamp(-100.0, 100.0)
    }
}

/// A laid-out picture: its size and what to draw, in order (later primitives on top).
#[derive(Debug, Clone, PartialEq)]
pub struct Scene {
    pub width: u32,
    pub height: u32,
    pub primitives: Vec<Primitive>,
    /// The area inside the axes.
    pub plot: Rect,
    /// None when there was no data to draw (the "no data" picture).
    pub projection: Option<Projection>,
}

impl Scene {
    /// The pixel at which `(time, value)` is drawn, None when nothing was plotted.
    pub fn position(&self, time: i64, value: f64) -> Option<(f64, f64)> {
        self.projection.map(|p| p.position(time, value))
    }
}
