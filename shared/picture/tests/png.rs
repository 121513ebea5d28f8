//! The PNG as a mail reader sees it: decodable, the scene's size, small, each series drawn
//! where the scene puts it, and its text drawn with the embedded font.
#![cfg(feature = "png")]

use common::{Image, decode};
use picture::{Anchor, Line, Picture, PngError, Primitive, Rect, Scene, colour, draw};

mod common;

// 2025-11-28T00:00:00Z
const MIDNIGHT: i64 = 1_764_288_000_000;
const MINUTE: i64 = 60_000;
const TITLE: &str = "Orders per minute (eu-west-1)";

/// 600x240 like a chart in a report: three series of 500 points in bands that do not
/// overlap, and a threshold between the top two.
fn chart(title: &str) -> Picture {
    let series = |base: f64, period: f64| -> Vec<(i64, f64)> {
        (0..500)
            .map(|i| {
                let x = i as f64;
                (MIDNIGHT + i * MINUTE, base + 8.0 * (x / period).sin())
            })
            .collect()
    };
    let line = |name: &str, points, thresholds| Line {
        name: name.to_owned(),
        points,
        thresholds,
    };
    Picture {
        title: title.to_owned(),
        width: 600,
        height: 240,
        lines: vec![
            line("high", series(80.0, 11.0), vec![65.0]),
            line("middle", series(50.0, 17.0), vec![]),
            line("low", series(20.0, 7.0), vec![]),
        ],
    }
}

fn render(scene: &Scene) -> (usize, Image) {
    let bytes = scene.to_png().expect("a PNG");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    (bytes.len(), decode(&bytes))
}

/// Pixels darker than the lightest text ink (136 grey), hence lighter than gridlines.
fn dark(image: &Image, (x0, y0, x1, y1): (i64, i64, i64, i64)) -> usize {
    (y0..y1)
        .flat_map(|y| (x0..x1).map(move |x| (x, y)))
        .filter(|&(x, y)| {
            image
                .at(x, y)
                .is_some_and(|(r, g, b)| u32::from(r) + u32::from(g) + u32::from(b) < 3 * 200)
        })
        .count()
}

#[test]
fn a_report_chart_is_small_and_the_scenes_size() {
    let picture = chart(TITLE);
    let (size, image) = render(&draw(&picture));
    println!("600x240, 3 x 500 points: {size} bytes");
    assert_eq!((image.width, image.height), (600, 240));
    assert!(size < 60 * 1024, "{size} bytes");
    // Drawn on white: the corners are white and most of the picture is.
    for (x, y) in [(0, 0), (599, 0), (0, 239), (599, 239)] {
        assert_eq!(image.at(x, y), Some((255, 255, 255)), "at {x},{y}");
    }
    let white = image
        .pixels
        .iter()
        .filter(|&&p| p == (255, 255, 255))
        .count();
    let share = white as f64 / image.pixels.len() as f64;
    assert!((0.5..0.97).contains(&share), "{share} white");
}

#[test]
fn series_are_drawn_where_the_scene_puts_them() {
    let picture = chart(TITLE);
    let scene = draw(&picture);
    let (_, image) = render(&scene);

    for (index, line) in picture.lines.iter().enumerate() {
        let ink = colour(index);
        // Every 10th point has the series' colour within 2 px of where the scene put it.
        let missed: Vec<_> = line
            .points
            .iter()
            .step_by(10)
            .filter(|&&(t, v)| {
                let (x, y) = scene.position(t, v).unwrap();
                let (x, y) = (x.round() as i64, y.round() as i64);
                image.count(ink, (x - 2, y - 2, x + 3, y + 3)) == 0
            })
            .collect();
        assert!(missed.is_empty(), "series {index} not drawn at {missed:?}");
    }
    // Each colour keeps to its band inside the plot: not just drawn everywhere.
    let plot = scene.plot;
    let (left, right) = (plot.x.ceil() as i64 + 2, plot.right().floor() as i64 - 2);
    let row = |value: f64| scene.position(MIDNIGHT, value).unwrap().1.round() as i64;
    let (top, bottom) = (plot.y.ceil() as i64 + 1, plot.bottom().floor() as i64 - 1);
    // (colour, band's top row, band's bottom row); the threshold at 65 has the first colour.
    let bands = [
        (colour(0), row(90.0) - 3, row(70.0) + 3),
        (colour(1), row(60.0) - 3, row(40.0) + 3),
        (colour(2), row(30.0) - 3, row(10.0) + 3),
    ];
    for (index, (ink, band_top, band_bottom)) in bands.into_iter().enumerate() {
        assert!(image.count(ink, (left, band_top, right, band_bottom)) > 500);
        let above = image.count(ink, (left, top, right, band_top));
        let below_from = if index == 0 {
            row(65.0) + 3
        } else {
            band_bottom
        };
        let below = image.count(ink, (left, below_from, right, bottom));
        assert_eq!((above, below), (0, 0), "series {index} out of its band");
    }
    // The dashed threshold at 65: about 60% of its row is the first series' colour. Being
    // 1.5 px wide and off the pixel grid, it covers two rows by 75%, hence the paler ink.
    let threshold_rows = (left, row(65.0) - 1, right, row(65.0) + 2);
    let threshold = image.count_within(colour(0), threshold_rows, 70);
    let width = (right - left) as usize;
    assert!(
        threshold > width / 3 && threshold < 3 * width,
        "{threshold}"
    );
    // The legend swatches, under the plot.
    for index in 0..3 {
        assert!(image.count(colour(index), (0, bottom + 20, 600, 240)) > 20);
    }
}

#[test]
fn the_title_is_drawn_in_bold() {
    let scene = draw(&chart(TITLE));
    // Above the plot, right of the value axis's labels.
    let band = (
        scene.plot.x.ceil() as i64,
        0,
        600,
        scene.plot.y.floor() as i64 - 1,
    );
    let is_title = |p: &Primitive| matches!(p, Primitive::Text { text, .. } if text == TITLE);
    assert!(scene.primitives.iter().any(is_title));

    // The same scene with the title left out, then drawn in the regular weight.
    let mut untitled = scene.clone();
    untitled.primitives.retain(|p| !is_title(p));
    let mut regular = scene.clone();
    for p in &mut regular.primitives {
        if let Primitive::Text { text, bold, .. } = p
            && text == TITLE
        {
            *bold = false;
        }
    }
    let (_, titled) = render(&scene);
    let (_, untitled) = render(&untitled);
    let (_, regular) = render(&regular);
    let (bold_ink, regular_ink) = (dark(&titled, band), dark(&regular, band));
    println!("title: {bold_ink} dark pixels in bold, {regular_ink} in regular");
    assert_eq!(dark(&untitled, band), 0);
    assert!(regular_ink > 200, "{regular_ink}");
    assert!(bold_ink as f64 > 1.2 * regular_ink as f64, "{bold_ink}");
    // Only the title differs.
    assert_eq!(titled.pixels.len(), untitled.pixels.len());
    let differ = (0..titled.pixels.len()).filter(|&i| titled.pixels[i] != untitled.pixels[i]);
    assert!(differ.map(|i| i as i64 / 600).all(|y| y < band.3));
}

/// `text` alone, in black from 4 px from the left edge.
fn text_alone(text: &str) -> Image {
    text_at(text, 4.0, Anchor::Start)
}

/// `text` alone, in black, placed on `x` by `anchor`, in a 120x40 picture.
fn text_at(text: &str, x: f64, anchor: Anchor) -> Image {
    let scene = Scene {
        width: 120,
        height: 40,
        primitives: vec![Primitive::Text {
            x,
            y: 28.0,
            text: text.to_owned(),
            size: 20.0,
            fill: (0, 0, 0),
            anchor,
            bold: false,
        }],
        plot: Rect {
            x: 0.0,
            y: 0.0,
            width: 120.0,
            height: 40.0,
        },
        projection: None,
    };
    render(&scene).1
}

#[test]
fn text_is_placed_on_its_x_by_its_anchor_as_in_svg() {
    let ink = |anchor, columns: (i64, i64)| {
        dark(
            &text_at("Chart", 60.0, anchor),
            (columns.0, 0, columns.1, 40),
        )
    };
    // Start: the text begins at x; End: it ends there; Middle: it straddles it evenly.
    assert_eq!(ink(Anchor::Start, (0, 59)), 0);
    assert!(ink(Anchor::Start, (60, 120)) > 20);
    assert_eq!(ink(Anchor::End, (61, 120)), 0);
    assert!(ink(Anchor::End, (0, 60)) > 20);
    let (left, right) = (ink(Anchor::Middle, (0, 60)), ink(Anchor::Middle, (60, 120)));
    println!("middle: {left} dark pixels left of x, {right} right");
    assert!(left > 20 && right > 20);
    assert!(left.abs_diff(right) * 3 < left + right);
}

#[test]
fn latin1_and_the_ellipsis_are_drawn_and_other_characters_left_out() {
    let ink = |text: &str| dark(&text_alone(text), (0, 0, 120, 40));
    for text in ["Ag", "é ÿ", "±µ", "…"] {
        assert!(ink(text) > 10, "{text:?} not drawn");
    }
    assert_eq!(ink(""), 0);
    // Outside the embedded font: no glyph, and no failure.
    assert_eq!(ink("温度✓"), 0);
    assert_eq!(text_alone("ok 温度").pixels, text_alone("ok ").pixels);
}

#[test]
fn no_data_renders_the_frame_and_its_message() {
    let mut picture = chart("nothing yet");
    for line in &mut picture.lines {
        line.points.clear();
    }
    let scene = draw(&picture);
    assert!(scene.projection.is_none());
    let (_, image) = render(&scene);
    assert_eq!((image.width, image.height), (600, 240));
    // "no data" mid-picture, and no series drawn.
    assert!(dark(&image, (200, 90, 400, 170)) > 30);
    for index in 0..3 {
        assert_eq!(image.count(colour(index), (0, 0, 600, 240)), 0);
    }
}

#[test]
fn sizes_that_cannot_be_drawn_are_errors_with_their_cause() {
    let mut empty = draw(&chart(TITLE));
    empty.width = 0;
    let err = empty.to_png().expect_err("a zero width");
    assert!(
        matches!(
            err,
            PngError::Size {
                width: 0,
                height: 240
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("0x240"), "{err}");

    let mut huge = draw(&chart(TITLE));
    (huge.width, huge.height) = (100_000, 100_000);
    let err = huge.to_png().expect_err("too many pixels");
    assert!(matches!(err, PngError::Size { .. }), "{err:?}");
}

#[test]
fn more_colours_than_a_palette_holds_are_kept_exactly() {
    // 400 squares of 5x5 px, each of its own colour.
    let fill = |i: u32| (i as u8, (i / 2) as u8, 255 - (i / 3) as u8);
    let primitives = (0..400u32)
        .map(|i| Primitive::Rect {
            rect: Rect {
                x: f64::from(i % 40 * 5),
                y: f64::from(i / 40 * 5),
                width: 5.0,
                height: 5.0,
            },
            fill: Some(fill(i)),
            stroke: None,
        })
        .collect();
    let scene = Scene {
        width: 200,
        height: 50,
        primitives,
        plot: Rect {
            x: 0.0,
            y: 0.0,
            width: 200.0,
            height: 50.0,
        },
        projection: None,
    };
    let (_, image) = render(&scene);
    for i in 0..400 {
        let (x, y) = (i64::from(i % 40 * 5 + 2), i64::from(i / 40 * 5 + 2));
        assert_eq!(image.at(x, y), Some(fill(i)), "square {i}");
    }
}
