//! Writes a `Scene` as a standalone SVG document. Kept to plain attributes (no CSS, no
//! external fonts) so that simple rasterisers render it as browsers do.

use std::fmt::Write;

use crate::scene::{Anchor, Primitive, Rgb, Scene};

const FONT_FAMILY: &str = "sans-serif";

impl Scene {
    /// The scene as an SVG document (UTF-8, well-formed XML, SVG namespace).
    pub fn to_svg(&self) -> String {
        let mut out = String::with_capacity(4096);
        let _ = write!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{w}" height="{h}" viewBox="0 0 {w} {h}">"#,
            w = self.width,
            h = self.height
        );
        out.push('\n');
        for primitive in &self.primitives {
            write_primitive(&mut out, primitive);
            out.push('\n');
        }
        out.push_str("</svg>\n");
        out
    }
}

fn write_primitive(out: &mut String, primitive: &Primitive) {
    // Writing to a String cannot fail, hence the ignored results.
    match primitive {
        Primitive::Rect { rect, fill, stroke } => {
            let _ = write!(
                out,
                r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{}""#,
                num(rect.x),
                num(rect.y),
                num(rect.width.max(0.0)),
                num(rect.height.max(0.0)),
                fill.map_or_else(|| "none".to_owned(), hex)
            );
            if let Some(stroke) = stroke {
                let _ = write!(out, r#" stroke="{}" stroke-width="1""#, hex(*stroke));
            }
            out.push_str("/>");
        }
        Primitive::Polyline {
            points,
            stroke,
            width,
        } => {
            out.push_str(r#"<polyline points=""#);
            for (i, (x, y)) in points.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                let _ = write!(out, "{},{}", num(*x), num(*y));
            }
            let _ = write!(
                out,
                r#"" fill="none" stroke="{}" stroke-width="{}" stroke-linejoin="round" stroke-linecap="round"/>"#,
                hex(*stroke),
                num(*width)
            );
        }
        Primitive::Line {
            from,
            to,
            stroke,
            width,
            dash,
        } => {
            let _ = write!(
                out,
                r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="{}""#,
                num(from.0),
                num(from.1),
                num(to.0),
                num(to.1),
                hex(*stroke),
                num(*width)
            );
            if let Some((on, off)) = dash {
                let _ = write!(out, r#" stroke-dasharray="{},{}""#, num(*on), num(*off));
            }
            out.push_str("/>");
        }
        Primitive::Circle {
            centre,
            radius,
            fill,
        } => {
            let _ = write!(
                out,
                r#"<circle cx="{}" cy="{}" r="{}" fill="{}"/>"#,
                num(centre.0),
                num(centre.1),
                num(radius.max(0.0)),
                hex(*fill)
            );
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
            let anchor = match anchor {
                Anchor::Start => "start",
                Anchor::Middle => "middle",
                Anchor::End => "end",
            };
            let _ = write!(
                out,
                r#"<text x="{}" y="{}" font-family="{FONT_FAMILY}" font-size="{}" fill="{}" text-anchor="{anchor}""#,
                num(*x),
                num(*y),
                num(*size),
                hex(*fill)
            );
            if *bold {
                out.push_str(r#" font-weight="bold""#);
            }
            out.push('>');
            out.push_str(&escape(text));
            out.push_str("</text>");
        }
    }
}

/// `#rrggbb`.
pub fn hex((r, g, b): Rgb) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// A coordinate with at most one decimal (enough for pixels, and it keeps big charts small);
/// never NaN or infinite, never `-0`.
pub fn num(value: f64) -> String {
    if !value.is_finite() {
        return "0".to_owned();
    }
    let tenths = (value * 10.0).round();
    if tenths == 0.0 {
        return "0".to_owned();
    }
    // A picture writes thousands of these: whole tenths as integers cost a fraction of a
    // float's formatting to one decimal. Far beyond any picture's size, floats write them.
    if tenths.abs() < 1e15 {
        let tenths = tenths as i64;
        let (whole, tenth) = (tenths / 10, (tenths % 10).abs());
        let sign = if tenths < 0 && whole == 0 { "-" } else { "" };
        return if tenth == 0 {
            whole.to_string()
        } else {
            format!("{sign}{whole}.{tenth}")
        };
    }
    if tenths % 10.0 == 0.0 {
        format!("{}", tenths / 10.0)
    } else {
        format!("{:.1}", tenths / 10.0)
    }
}

/// Text made safe for XML content and attribute values. Characters that XML 1.0 forbids even
/// as references (most control characters) are dropped, as they would make the document
/// unreadable.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_have_at_most_one_decimal() {
        assert_eq!(num(12.0), "12");
        assert_eq!(num(12.34), "12.3");
        assert_eq!(num(12.96), "13");
        assert_eq!(num(-0.04), "0");
        assert_eq!(num(-3.25), "-3.3");
        assert_eq!(num(f64::NAN), "0");
        assert_eq!(num(f64::INFINITY), "0");
    }

    proptest::proptest! {
        #[test]
        fn numbers_are_written_as_floats_to_one_decimal_would_be(
            value in proptest::prop_oneof![-2000.0..2000.0f64, -1e17..1e17f64],
        ) {
            let tenths = (value * 10.0).round();
            let expected = if tenths == 0.0 {
                "0".to_owned()
            } else if tenths % 10.0 == 0.0 {
                format!("{}", tenths / 10.0)
            } else {
                format!("{:.1}", tenths / 10.0)
            };
            proptest::prop_assert_eq!(num(value), expected);
        }
    }

    #[test]
    fn escapes_markup_and_drops_forbidden_characters() {
        assert_eq!(escape(r#"<b>&"'"#), "&lt;b&gt;&amp;&quot;&apos;");
        assert_eq!(escape("a\u{1}b\u{FFFF}"), "ab");
        assert_eq!(escape("é ✓"), "é ✓");
    }

    #[test]
    fn colours_are_hex() {
        assert_eq!(hex((255, 0, 16)), "#ff0010");
    }
}
