//! Writes a `Scene` as PNG, for e-mail reports where mail clients show no SVG. The scene's
//! primitives are drawn straight onto a tiny-skia bitmap, text as the outlines of a font
//! embedded in the binary, so that the picture looks the same on every machine (a Lambda has
//! no system fonts). No SVG is parsed on the way: a reader of SVG and a text shaper would
//! double the size of the function that sends reports.

use std::collections::HashMap;

use tiny_skia::{
    Color, FillRule, LineCap, LineJoin, Paint, Path, PathBuilder, Pixmap, Stroke, StrokeDash,
    Transform,
};
use ttf_parser::{Face, OutlineBuilder};

use crate::scene::{Anchor, Primitive, Rgb, Scene};

/// DejaVu Sans cut down to Latin-1 and the ellipsis (see fonts/README.md).
const REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans-Latin1.ttf");
/// Titles are bold.
const BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold-Latin1.ttf");
/// 4096x4096: past this a bitmap would take more memory than a chart is worth (64 MiB).
const MAX_PIXELS: u64 = 1 << 24;

/// Why a scene could not be written as PNG.
#[derive(Debug, thiserror::Error)]
pub enum PngError {
    /// The size is zero or too large for a bitmap.
    #[error("cannot make a {width}x{height} bitmap")]
    Size { width: u32, height: u32 },
    /// An embedded font cannot be read: a broken build, never input.
    #[error("cannot read the embedded font: {0}")]
    Font(#[from] ttf_parser::FaceParsingError),
    /// Writing the PNG itself failed (not expected with valid sizes).
    #[error("cannot encode the chart as PNG: {0}")]
    Encode(#[from] png::EncodingError),
}

impl Scene {
    /// The scene as a PNG image of `width` x `height` pixels on a white background, drawn as
    /// `to_svg` describes it. Text is in an embedded DejaVu Sans; characters outside Latin-1
    /// (and the ellipsis) are left out. About 10 KiB for a 600x240 chart.
    pub fn to_png(&self) -> Result<Vec<u8>, PngError> {
        let size_error = || PngError::Size {
            width: self.width,
            height: self.height,
        };
        if u64::from(self.width) * u64::from(self.height) > MAX_PIXELS {
            return Err(size_error());
        }
        let mut pixmap = Pixmap::new(self.width, self.height).ok_or_else(size_error)?;
        pixmap.fill(Color::WHITE);
        let fonts = Fonts {
            regular: Face::parse(REGULAR, 0)?,
            bold: Face::parse(BOLD, 0)?,
        };
        for primitive in &self.primitives {
            draw(&mut pixmap, primitive, &fonts);
        }
        encode(&pixmap)
    }
}

struct Fonts<'a> {
    regular: Face<'a>,
    bold: Face<'a>,
}

fn paint(rgb: Rgb) -> Paint<'static> {
    let mut paint = Paint::default();
    paint.set_color_rgba8(rgb.0, rgb.1, rgb.2, 255);
    paint
}

/// One primitive, as SVG draws it (`svg.rs` writes the same attributes).
fn draw(pixmap: &mut Pixmap, primitive: &Primitive, fonts: &Fonts) {
    let identity = Transform::identity();
    // A shape with no area or length (None from tiny-skia) draws nothing, as in SVG.
    match primitive {
        Primitive::Rect { rect, fill, stroke } => {
            let Some(shape) = tiny_skia::Rect::from_xywh(
                rect.x as f32,
                rect.y as f32,
                rect.width.max(0.0) as f32,
                rect.height.max(0.0) as f32,
            ) else {
                return;
            };
            let path = PathBuilder::from_rect(shape);
            if let Some(fill) = fill {
                pixmap.fill_path(&path, &paint(*fill), FillRule::Winding, identity, None);
            }
            if let Some(stroke) = stroke {
                pixmap.stroke_path(&path, &paint(*stroke), &Stroke::default(), identity, None);
            }
        }
        Primitive::Polyline {
            points,
            stroke,
            width,
        } => {
            let Some(path) = polyline(points) else { return };
            let style = Stroke {
                width: *width as f32,
                line_cap: LineCap::Round,
                line_join: LineJoin::Round,
                ..Stroke::default()
            };
            pixmap.stroke_path(&path, &paint(*stroke), &style, identity, None);
        }
        Primitive::Line {
            from,
            to,
            stroke,
            width,
            dash,
        } => {
            let Some(path) = polyline(&[*from, *to]) else {
                return;
            };
            let style = Stroke {
                width: *width as f32,
                dash: dash.and_then(|(on, off)| StrokeDash::new(vec![on as f32, off as f32], 0.0)),
                ..Stroke::default()
            };
            pixmap.stroke_path(&path, &paint(*stroke), &style, identity, None);
        }
        Primitive::Circle {
            centre,
            radius,
            fill,
        } => {
            if let Some(path) =
                PathBuilder::from_circle(centre.0 as f32, centre.1 as f32, radius.max(0.0) as f32)
            {
                pixmap.fill_path(&path, &paint(*fill), FillRule::Winding, identity, None);
            }
        }
        Primitive::Text {
            x,
            y,
            text,
            size,
            fill,
            anchor,
            bold,
        } => {
            let face = if *bold { &fonts.bold } else { &fonts.regular };
            if let Some(path) = text_path(face, text, *x, *y, *size, *anchor) {
                pixmap.fill_path(&path, &paint(*fill), FillRule::Winding, identity, None);
            }
        }
    }
}

fn polyline(points: &[(f64, f64)]) -> Option<Path> {
    let (first, rest) = points.split_first()?;
    let mut path = PathBuilder::new();
    path.move_to(first.0 as f32, first.1 as f32);
    for (x, y) in rest {
        path.line_to(*x as f32, *y as f32);
    }
    path.finish()
}

/// `text` set in `face` at `size` pixels, its baseline through `y`, placed on `x` by
/// `anchor`. Glyphs follow one another by their advances; characters the font lacks are
/// left out.
fn text_path(face: &Face, text: &str, x: f64, y: f64, size: f64, anchor: Anchor) -> Option<Path> {
    let scale = (size / f64::from(face.units_per_em())) as f32;
    let glyphs: Vec<_> = text.chars().filter_map(|c| face.glyph_index(c)).collect();
    let advance = |glyph| f32::from(face.glyph_hor_advance(glyph).unwrap_or(0)) * scale;
    let width: f32 = glyphs.iter().map(|&glyph| advance(glyph)).sum();
    let mut pen = Pen {
        path: PathBuilder::new(),
        x: match anchor {
            Anchor::Start => x as f32,
            Anchor::Middle => x as f32 - width / 2.0,
            Anchor::End => x as f32 - width,
        },
        y: y as f32,
        scale,
    };
    for glyph in glyphs {
        face.outline_glyph(glyph, &mut pen);
        pen.x += advance(glyph);
    }
    pen.path.finish()
}

/// Writes a glyph's outline (font units, y up) into a path in pixels (y down) at the pen.
struct Pen {
    path: PathBuilder,
    x: f32,
    y: f32,
    scale: f32,
}

impl Pen {
    fn at(&self, x: f32, y: f32) -> (f32, f32) {
        (self.x + x * self.scale, self.y - y * self.scale)
    }
}

impl OutlineBuilder for Pen {
    fn move_to(&mut self, x: f32, y: f32) {
        let (x, y) = self.at(x, y);
        self.path.move_to(x, y);
    }

    fn line_to(&mut self, x: f32, y: f32) {
        let (x, y) = self.at(x, y);
        self.path.line_to(x, y);
    }

    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        let ((x1, y1), (x, y)) = (self.at(x1, y1), self.at(x, y));
        self.path.quad_to(x1, y1, x, y);
    }

    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        let ((x1, y1), (x2, y2), (x, y)) = (self.at(x1, y1), self.at(x2, y2), self.at(x, y));
        self.path.cubic_to(x1, y1, x2, y2, x, y);
    }

    fn close(&mut self) {
        self.path.close();
    }
}

/// The opaque pixmap as the smallest of PNG's lossless forms that is cheap to make: indexed
/// when it has at most 256 colours, else RGB without the (always opaque) alpha.
fn encode(pixmap: &Pixmap) -> Result<Vec<u8>, PngError> {
    // On a white background every pixel is opaque, so premultiplied is plain RGB.
    let rgb: Vec<[u8; 3]> = pixmap
        .pixels()
        .iter()
        .map(|p| [p.red(), p.green(), p.blue()])
        .collect();
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, pixmap.width(), pixmap.height());
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::High);
    let data = match palette(&rgb) {
        Some((palette, indices)) => {
            encoder.set_color(png::ColorType::Indexed);
            encoder.set_palette(palette);
            // Filters do not pay on indexed data: 9.5 KiB unfiltered against 11.7 KiB adaptive.
            encoder.set_filter(png::Filter::NoFilter);
            indices
        }
        None => {
            encoder.set_color(png::ColorType::Rgb);
            encoder.set_filter(png::Filter::Adaptive);
            rgb.concat()
        }
    };
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&data)?;
    writer.finish()?;
    Ok(out)
}

/// The palette and each pixel's index in it, or None past 256 colours.
fn palette(pixels: &[[u8; 3]]) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut index: HashMap<[u8; 3], u8> = HashMap::new();
    let mut palette = Vec::new();
    let mut indices = Vec::with_capacity(pixels.len());
    for pixel in pixels {
        let i = match index.get(pixel) {
            Some(&i) => i,
            None => {
                let i = u8::try_from(index.len()).ok()?;
                index.insert(*pixel, i);
                palette.extend_from_slice(pixel);
                i
            }
        };
        indices.push(i);
    }
    Some((palette, indices))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_palette_holds_at_most_256_colours() {
        let colours: Vec<[u8; 3]> = (0..=256u16).map(|i| [i as u8, (i >> 8) as u8, 7]).collect();
        let (entries, indices) = palette(&colours[..256]).expect("256 colours fit");
        assert_eq!(entries.len(), 3 * 256);
        assert_eq!(indices[255], 255);
        assert_eq!(&entries[3 * 255..], &[255, 0, 7]);
        assert!(palette(&colours).is_none());
        // Repeated colours share an entry.
        let (entries, indices) = palette(&[[1, 2, 3], [4, 5, 6], [1, 2, 3]]).unwrap();
        assert_eq!((entries, indices), (vec![1, 2, 3, 4, 5, 6], vec![0, 1, 0]));
    }
}
