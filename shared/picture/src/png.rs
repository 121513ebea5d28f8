//! Writes a `Scene` as PNG, for e-mail reports where mail clients show no SVG. The SVG from
//! `to_svg` is rasterised by resvg with a font embedded in the binary, so that the picture
//! looks the same on every machine (a Lambda has no system fonts).

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use resvg::tiny_skia::{Color, Pixmap, Transform};
use resvg::usvg::{self, fontdb};

use crate::scene::Scene;

/// DejaVu Sans cut down to Latin-1 and the ellipsis (see fonts/README.md).
const REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans-Latin1.ttf");
/// Titles are bold; without a bold face the regular one would be used as is.
const BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold-Latin1.ttf");
const FAMILY: &str = "DejaVu Sans";
/// 4096x4096: past this a bitmap would take more memory than a chart is worth (64 MiB).
const MAX_PIXELS: u64 = 1 << 24;

/// Why a scene could not be written as PNG.
#[derive(Debug, thiserror::Error)]
pub enum PngError {
    /// The scene's SVG could not be read back: a bug in `to_svg`, or a zero size.
    #[error("cannot rasterise the chart's SVG: {0}")]
    Svg(#[from] usvg::Error),
    /// The size is too large for a bitmap.
    #[error("cannot make a {width}x{height} bitmap")]
    Size { width: u32, height: u32 },
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
        let options = usvg::Options {
            font_family: FAMILY.to_owned(),
            fontdb: fonts(),
            ..usvg::Options::default()
        };
        let tree = usvg::Tree::from_str(&self.to_svg(), &options)?;
        let mut pixmap = Pixmap::new(self.width, self.height).ok_or_else(size_error)?;
        pixmap.fill(Color::WHITE);
        resvg::render(&tree, Transform::identity(), &mut pixmap.as_mut());
        encode(&pixmap)
    }
}

/// The embedded fonts, loaded once: parsing them on every call would cost more than drawing.
fn fonts() -> Arc<fontdb::Database> {
    static FONTS: OnceLock<Arc<fontdb::Database>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut db = fontdb::Database::new();
            for data in [REGULAR, BOLD] {
                db.load_font_source(fontdb::Source::Binary(Arc::new(data)));
            }
            db.set_sans_serif_family(FAMILY);
            Arc::new(db)
        })
        .clone()
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
