//! Reading a PNG back as pixels, and finding a colour among them: shared by the browser's
//! screenshots and the crate's own PNG output.

use picture::Rgb;

/// How far (per channel) an anti-aliased pixel may be from the colour it was drawn in.
pub const TOLERANCE: i32 = 40;

pub struct Image {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<Rgb>,
}

impl Image {
    pub fn at(&self, x: i64, y: i64) -> Option<Rgb> {
        if x < 0 || y < 0 || x >= i64::from(self.width) || y >= i64::from(self.height) {
            return None;
        }
        self.pixels
            .get((y * i64::from(self.width) + x) as usize)
            .copied()
    }

    /// Pixels of `ink` within the rectangle x0..x1, y0..y1 (clipped to the image).
    pub fn count(&self, ink: Rgb, rect: (i64, i64, i64, i64)) -> usize {
        self.count_within(ink, rect, TOLERANCE)
    }

    /// Pixels within `tolerance` of `ink` (per channel) in the rectangle x0..x1, y0..y1.
    pub fn count_within(
        &self,
        ink: Rgb,
        (x0, y0, x1, y1): (i64, i64, i64, i64),
        tolerance: i32,
    ) -> usize {
        (y0..y1)
            .flat_map(|y| (x0..x1).map(move |x| (x, y)))
            .filter(|&(x, y)| self.at(x, y).is_some_and(|p| near(p, ink, tolerance)))
            .count()
    }
}

fn near(a: Rgb, b: Rgb, tolerance: i32) -> bool {
    let d = |x: u8, y: u8| (i32::from(x) - i32::from(y)).abs() <= tolerance;
    d(a.0, b.0) && d(a.1, b.1) && d(a.2, b.2)
}

/// Any PNG (grey, RGB, indexed, with or without alpha) as RGB pixels; alpha is dropped, as
/// both sources draw on an opaque background.
pub fn decode(png_bytes: &[u8]) -> Image {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buffer = vec![0; reader.output_buffer_size().expect("a PNG of sane size")];
    let info = reader.next_frame(&mut buffer).expect("a PNG frame");
    let samples = info.color_type.samples();
    let pixels = buffer[..info.buffer_size()]
        .chunks_exact(samples)
        .map(|p| match samples {
            1 | 2 => (p[0], p[0], p[0]),
            _ => (p[0], p[1], p[2]),
        })
        .collect();
    Image {
        width: info.width,
        height: info.height,
        pixels,
    }
}
