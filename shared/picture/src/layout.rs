//! Lays a `Picture` out as a `Scene`: title, axes with gridlines, thresholds, series, legend.

use crate::scene::{Anchor, Primitive, Projection, Rect, Rgb, Scene};
use crate::ticks::{labels, value_axis};
use crate::time_axis::{label, time_axis};
use crate::{Picture, colour};

const WHITE: Rgb = (255, 255, 255);
const TITLE_INK: Rgb = (34, 34, 34);
const LABEL_INK: Rgb = (85, 85, 85);
const NO_DATA_INK: Rgb = (136, 136, 136);
const GRID: Rgb = (230, 230, 230);
const FRAME: Rgb = (187, 187, 187);

const TITLE_SIZE: f64 = 14.0;
const LABEL_SIZE: f64 = 11.0;
/// Average glyph widths of a sans-serif font, as a share of its size: text cannot be
/// measured without the font, and an estimate is enough to keep labels apart.
const LABEL_CHAR: f64 = LABEL_SIZE * 0.6;
const TITLE_CHAR: f64 = TITLE_SIZE * 0.65;

const MARGIN: f64 = 10.0;
const RIGHT_MARGIN: f64 = 16.0;
/// From the plot's bottom to the first legend row: room for the time labels.
const TIME_LABELS: f64 = 22.0;
const LEGEND_ROW: f64 = 16.0;
const SWATCH: f64 = 14.0;
/// More points than this many per pixel column of the plot are thinned out.
const POINTS_PER_COLUMN: f64 = 4.0;

/// Lays `picture` out. Never panics; non-finite values and thresholds are left out.
pub fn draw(picture: &Picture) -> Scene {
    let (width, height) = (f64::from(picture.width), f64::from(picture.height));
    let mut out = vec![Primitive::Rect {
        rect: Rect {
            x: 0.0,
            y: 0.0,
            width,
            height,
        },
        fill: Some(WHITE),
        stroke: None,
    }];

    let title = picture.title.trim();
    let top = if title.is_empty() {
        MARGIN
    } else {
        let fit = ((width - 2.0 * MARGIN) / TITLE_CHAR).floor();
        out.push(text(
            width / 2.0,
            MARGIN + TITLE_SIZE,
            truncate(title, fit),
            TITLE_SIZE,
            TITLE_INK,
            Anchor::Middle,
            true,
        ));
        MARGIN + TITLE_SIZE + 10.0
    };

    let series: Vec<Vec<(i64, f64)>> = picture
        .lines
        .iter()
        .map(|line| {
            line.points
                .iter()
                .copied()
                .filter(|(_, v)| v.is_finite())
                .collect()
        })
        .collect();
    let times = series.iter().flatten().map(|&(t, _)| t);
    let (Some(first), Some(last)) = (times.clone().min(), times.max()) else {
        return no_data(picture, out, top);
    };

    // A single instant gets an hour around it, so that it sits mid-chart.
    let (start, end) = if first < last {
        (first, last)
    } else {
        (
            first.saturating_sub(30 * 60_000),
            last.saturating_add(30 * 60_000),
        )
    };
    let values = series.iter().flatten().map(|&(_, v)| v).chain(
        picture
            .lines
            .iter()
            .flat_map(|l| l.thresholds.iter().copied())
            .filter(|v| v.is_finite()),
    );
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });

    let legend = legend(picture, width, height, top);
    let bottom = TIME_LABELS + legend.rows as f64 * LEGEND_ROW + 4.0;
    let plot_top = top.round() + 0.5;
    let plot_height = (height - plot_top - bottom).round().max(1.0);

    let target = ((plot_height / 28.0).floor() as usize).clamp(2, 5);
    let axis = value_axis(lo, hi, target);
    let value_labels = labels(&axis.ticks, axis.step);
    let widest = value_labels
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(1);
    let plot_left = (MARGIN + widest as f64 * LABEL_CHAR + 6.0).round() + 0.5;
    let plot = Rect {
        x: plot_left,
        y: plot_top,
        width: (width - plot_left - RIGHT_MARGIN).round().max(1.0),
        height: plot_height,
    };
    let projection = Projection {
        plot,
        times: (start, end),
        values: (axis.min, axis.max),
    };

    // Gridlines and labels of the value axis.
    for (tick, label_text) in axis.ticks.iter().zip(value_labels) {
        let (_, y) = projection.position(start, *tick);
        let y = crisp(y);
        out.push(line((plot.x, y), (plot.right(), y), GRID, 1.0, None));
        out.push(text(
            plot.x - 6.0,
            y + LABEL_SIZE * 0.35,
            label_text,
            LABEL_SIZE,
            LABEL_INK,
            Anchor::End,
            false,
        ));
    }
    // Gridlines and labels of the time axis; labels are kept inside the picture.
    let time = time_axis(start, end, plot.width, LABEL_CHAR);
    for &tick in &time.ticks {
        let (x, _) = projection.position(tick, axis.min);
        let x = crisp(x);
        out.push(line((x, plot.y), (x, plot.bottom()), GRID, 1.0, None));
        let label_text = label(tick, time.format);
        let half = label_text.chars().count() as f64 * LABEL_CHAR / 2.0;
        let centre = x.min(width - half - 2.0).max(half + 2.0);
        out.push(text(
            centre,
            plot.bottom() + 15.0,
            label_text,
            LABEL_SIZE,
            LABEL_INK,
            Anchor::Middle,
            false,
        ));
    }
    out.push(frame(plot));

    // Thresholds under the series, so that a series running along one stays visible.
    for (index, l) in picture.lines.iter().enumerate() {
        for &threshold in l.thresholds.iter().filter(|v| v.is_finite()) {
            let (_, y) = projection.position(start, threshold);
            out.push(line(
                (plot.x, y),
                (plot.right(), y),
                colour(index),
                1.5,
                Some((6.0, 4.0)),
            ));
        }
    }
    for (index, points) in series.iter().enumerate() {
        if let Some(primitive) = series_primitive(&projection, points, colour(index)) {
            out.push(primitive);
        }
    }
    out.extend(legend.primitives(plot.bottom() + TIME_LABELS));

    Scene {
        width: picture.width,
        height: picture.height,
        primitives: out,
        plot,
        projection: Some(projection),
    }
}

/// The empty frame with "no data" in its middle.
fn no_data(picture: &Picture, mut out: Vec<Primitive>, top: f64) -> Scene {
    let (width, height) = (f64::from(picture.width), f64::from(picture.height));
    let plot = Rect {
        x: MARGIN + 0.5,
        y: top.round() + 0.5,
        width: (width - 2.0 * MARGIN).round().max(1.0),
        height: (height - top - MARGIN).round().max(1.0),
    };
    out.push(frame(plot));
    out.push(text(
        plot.x + plot.width / 2.0,
        plot.y + plot.height / 2.0 + TITLE_SIZE * 0.35,
        "no data".to_owned(),
        TITLE_SIZE,
        NO_DATA_INK,
        Anchor::Middle,
        false,
    ));
    Scene {
        width: picture.width,
        height: picture.height,
        primitives: out,
        plot,
        projection: None,
    }
}

/// A series as a polyline, or as a dot when all its points land on one spot.
fn series_primitive(projection: &Projection, points: &[(i64, f64)], ink: Rgb) -> Option<Primitive> {
    let projected: Vec<(f64, f64)> = points
        .iter()
        .map(|&(t, v)| projection.position(t, v))
        .collect();
    let projected = if projected.len() as f64 > POINTS_PER_COLUMN * projection.plot.width {
        thin(&projected, projection.plot.x)
    } else {
        projected
    };
    // Rounded as the SVG writes them, so that repeats (flat stretches at one pixel) go.
    let mut kept: Vec<(f64, f64)> = Vec::with_capacity(projected.len());
    for (x, y) in projected {
        let point = ((x * 10.0).round() / 10.0, (y * 10.0).round() / 10.0);
        if kept.last() != Some(&point) {
            kept.push(point);
        }
    }
    match kept.len() {
        0 => None,
        1 => Some(Primitive::Circle {
            centre: kept[0],
            radius: 3.0,
            fill: ink,
        }),
        _ => Some(Primitive::Polyline {
            points: kept,
            stroke: ink,
            width: 2.0,
        }),
    }
}

/// Keeps, of each run of points in one pixel column, the first, the lowest, the highest and
/// the last (in their order): the drawn line looks the same with far fewer points.
fn thin(points: &[(f64, f64)], left: f64) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    let mut run_start = 0;
    while run_start < points.len() {
        let column = (points[run_start].0 - left).floor();
        let run_end = points[run_start..]
            .iter()
            .position(|p| (p.0 - left).floor() != column)
            .map_or(points.len(), |n| run_start + n);
        let run = &points[run_start..run_end];
        let by_y = |a: &&(f64, f64), b: &&(f64, f64)| a.1.total_cmp(&b.1);
        let low = run.iter().min_by(by_y).copied();
        let high = run.iter().max_by(by_y).copied();
        let mut picks: Vec<usize> = [Some(run[0]), low, high, run.last().copied()]
            .into_iter()
            .flatten()
            .filter_map(|p| run.iter().position(|q| *q == p))
            .collect();
        picks.sort_unstable();
        picks.dedup();
        out.extend(picks.into_iter().map(|i| run[i]));
        run_start = run_end;
    }
    out
}

/// The legend's items placed in rows under the time labels.
struct Legend {
    rows: usize,
    /// (row, x, index of the line, shown name)
    items: Vec<(usize, f64, usize, String)>,
    /// "+N more" and where it goes, when not every line fits.
    more: Option<(usize, f64, String)>,
}

fn legend(picture: &Picture, width: f64, height: f64, top: f64) -> Legend {
    let (left, right) = (MARGIN, width - MARGIN);
    // The plot keeps at least a third of the picture (and 30 px) whatever the legend needs.
    let room = height - top - TIME_LABELS - 4.0 - (height / 3.0).max(30.0);
    let max_rows = ((room / LEGEND_ROW).floor() as usize).max(1);
    let name_fit = ((right - left - SWATCH - 4.0) / LABEL_CHAR).floor();
    let item_width = |name: &str| SWATCH + 4.0 + name.chars().count() as f64 * LABEL_CHAR + 14.0;

    let mut items = Vec::new();
    let (mut row, mut x) = (0, left);
    for (index, line) in picture.lines.iter().enumerate() {
        let name = line.name.trim();
        let name = if name.is_empty() {
            format!("series {}", index + 1)
        } else {
            truncate(name, name_fit)
        };
        let w = item_width(&name);
        if x > left && x + w - 14.0 > right {
            row += 1;
            x = left;
        }
        if row >= max_rows {
            break;
        }
        items.push((row, x, index, name));
        x += w;
    }

    let mut more = None;
    if items.len() < picture.lines.len() {
        // Make room on the last row for the count of those left out.
        loop {
            let hidden = picture.lines.len() - items.len();
            let label = format!("+{hidden} more");
            let end = items
                .last()
                .map_or(left, |(_, x, _, name)| x + item_width(name));
            if end + label.chars().count() as f64 * LABEL_CHAR <= right || items.is_empty() {
                more = Some((items.last().map_or(0, |i| i.0), end, label));
                break;
            }
            items.pop();
        }
    }
    let rows = items
        .last()
        .map_or(0, |i| i.0 + 1)
        .max(usize::from(more.is_some()));
    Legend { rows, items, more }
}

impl Legend {
    fn primitives(&self, top: f64) -> Vec<Primitive> {
        let mut out = Vec::new();
        let middle = |row: usize| top + row as f64 * LEGEND_ROW + LEGEND_ROW / 2.0;
        for (row, x, index, name) in &self.items {
            let y = middle(*row);
            out.push(Primitive::Rect {
                rect: Rect {
                    x: *x,
                    y: y - 2.0,
                    width: SWATCH,
                    height: 4.0,
                },
                fill: Some(colour(*index)),
                stroke: None,
            });
            out.push(text(
                x + SWATCH + 4.0,
                y + LABEL_SIZE * 0.35,
                name.clone(),
                LABEL_SIZE,
                LABEL_INK,
                Anchor::Start,
                false,
            ));
        }
        if let Some((row, x, label)) = &self.more {
            out.push(text(
                *x,
                middle(*row) + LABEL_SIZE * 0.35,
                label.clone(),
                LABEL_SIZE,
                LABEL_INK,
                Anchor::Start,
                false,
            ));
        }
        out
    }
}

/// Centred on a pixel, so that 1 px lines are sharp rather than smeared over two.
fn crisp(v: f64) -> f64 {
    v.floor() + 0.5
}

/// At most `fit` characters, the last one an ellipsis when cut.
fn truncate(text: &str, fit: f64) -> String {
    let fit = if fit.is_finite() {
        fit.max(1.0) as usize
    } else {
        1
    };
    if text.chars().count() <= fit {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(fit - 1).collect();
        cut.push('…');
        cut
    }
}

fn frame(plot: Rect) -> Primitive {
    Primitive::Rect {
        rect: plot,
        fill: None,
        stroke: Some(FRAME),
    }
}

fn line(
    from: (f64, f64),
    to: (f64, f64),
    stroke: Rgb,
    width: f64,
    dash: Option<(f64, f64)>,
) -> Primitive {
    Primitive::Line {
        from,
        to,
        stroke,
        width,
        dash,
    }
}

fn text(
    x: f64,
    y: f64,
    text: String,
    size: f64,
    fill: Rgb,
    anchor: Anchor,
    bold: bool,
) -> Primitive {
    Primitive::Text {
        x,
        y,
        text,
        size,
        fill,
        anchor,
        bold,
    }
}
