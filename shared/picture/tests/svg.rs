//! The SVG as a reader sees it: well-formed, escaped, finite, small, with what a chart needs.

use picture::{Line, Picture, Primitive, colour, draw};
use roxmltree::{Document, Node};

const SVG_NS: &str = "http://www.w3.org/2000/svg";
// 2025-11-28T00:00:00Z
const MIDNIGHT: i64 = 1_764_288_000_000;
const MINUTE: i64 = 60_000;

fn line(name: &str, points: Vec<(i64, f64)>, thresholds: Vec<f64>) -> Line {
    Line {
        name: name.to_owned(),
        points,
        thresholds,
    }
}

fn picture(title: &str, lines: Vec<Line>) -> Picture {
    Picture {
        title: title.to_owned(),
        width: 800,
        height: 300,
        lines,
    }
}

/// `n` points a minute apart from midnight, values from `f`.
fn series(n: usize, f: impl Fn(usize) -> f64) -> Vec<(i64, f64)> {
    (0..n)
        .map(|i| (MIDNIGHT + i as i64 * MINUTE, f(i)))
        .collect()
}

fn hex((r, g, b): (u8, u8, u8)) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// Parses the SVG and checks what every chart must have; returns the text.
fn checked_svg(picture: &Picture) -> String {
    let svg = draw(picture).to_svg();
    let doc = Document::parse(&svg).unwrap_or_else(|e| panic!("not well-formed XML: {e}\n{svg}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(root.tag_name().namespace(), Some(SVG_NS));
    let (w, h) = (picture.width.to_string(), picture.height.to_string());
    assert_eq!(root.attribute("width"), Some(w.as_str()));
    assert_eq!(root.attribute("height"), Some(h.as_str()));
    assert_eq!(
        root.attribute("viewBox"),
        Some(format!("0 0 {w} {h}").as_str())
    );
    assert_coordinates_finite(&doc);
    svg
}

fn assert_coordinates_finite(doc: &Document) {
    const NUMERIC: [&str; 12] = [
        "x",
        "y",
        "x1",
        "y1",
        "x2",
        "y2",
        "cx",
        "cy",
        "r",
        "width",
        "height",
        "font-size",
    ];
    for node in doc.descendants().filter(Node::is_element) {
        for attr in node.attributes() {
            let values: Vec<&str> = match attr.name() {
                "points" | "stroke-dasharray" => attr.value().split([' ', ',']).collect(),
                name if NUMERIC.contains(&name) => vec![attr.value()],
                _ => continue,
            };
            for v in values {
                let parsed: f64 = v
                    .parse()
                    .unwrap_or_else(|_| panic!("{}={:?} is not a number", attr.name(), v));
                assert!(parsed.is_finite(), "{}={v}", attr.name());
                assert!(
                    !v.contains('.') || v.split('.').nth(1).unwrap().len() <= 1,
                    "{v}"
                );
            }
        }
    }
}

fn texts(svg: &str) -> Vec<String> {
    let doc = Document::parse(svg).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name((SVG_NS, "text")))
        .map(|n| n.text().unwrap_or("").to_owned())
        .collect()
}

fn elements<'a>(doc: &'a Document, tag: &str) -> Vec<Node<'a, 'a>> {
    doc.descendants()
        .filter(|n| n.has_tag_name((SVG_NS, tag)))
        .collect()
}

#[test]
fn title_and_names_are_escaped() {
    let p = picture(
        r#"<b>&""#,
        vec![
            line("a<b", series(10, |i| i as f64), vec![]),
            line("x'y&z", series(3, |_| 1.0), vec![]),
        ],
    );
    let svg = checked_svg(&p);
    let texts = texts(&svg);
    assert!(texts.iter().any(|t| t == r#"<b>&""#), "{texts:?}");
    assert!(texts.iter().any(|t| t == "a<b"), "{texts:?}");
    assert!(texts.iter().any(|t| t == "x'y&z"), "{texts:?}");
    assert!(!svg.contains("<b>"));
}

#[test]
fn control_characters_do_not_break_the_document() {
    let p = picture(
        "tab\there\u{1}",
        vec![line("\u{0}\u{1b}[31m", series(5, |i| i as f64), vec![])],
    );
    checked_svg(&p);
}

#[test]
fn empty_charts_say_no_data() {
    let cases = [
        picture("empty", vec![]),
        picture("", vec![line("a", vec![], vec![])]),
        picture("thresholds only", vec![line("a", vec![], vec![10.0, 20.0])]),
        picture(
            "not finite",
            vec![line(
                "a",
                vec![(MIDNIGHT, f64::NAN), (MIDNIGHT, f64::INFINITY)],
                vec![],
            )],
        ),
    ];
    for p in &cases {
        let svg = checked_svg(p);
        assert!(texts(&svg).iter().any(|t| t == "no data"), "{svg}");
        assert!(draw(p).projection.is_none());
        // No series colour anywhere: neither lines nor legend nor thresholds.
        assert!(!svg.contains(&hex(colour(0))), "{svg}");
        assert!(!svg.contains("polyline"));
    }
}

#[test]
fn charts_with_data_do_not_say_no_data() {
    let cases = [
        picture("one point", vec![line("a", vec![(MIDNIGHT, 5.0)], vec![])]),
        picture(
            "one of two",
            vec![
                line("a", vec![], vec![]),
                line("b", series(3, |i| i as f64), vec![]),
            ],
        ),
        picture(
            "many",
            (0..12)
                .map(|k| line(&format!("s{k}"), series(50, |i| (i * k) as f64), vec![]))
                .collect(),
        ),
    ];
    for p in &cases {
        let svg = checked_svg(p);
        assert!(!texts(&svg).iter().any(|t| t == "no data"), "{svg}");
    }
}

#[test]
fn a_single_point_is_a_dot() {
    let p = picture("one", vec![line("a", vec![(MIDNIGHT, 42.0)], vec![])]);
    let svg = checked_svg(&p);
    let doc = Document::parse(&svg).unwrap();
    let circles = elements(&doc, "circle");
    assert_eq!(circles.len(), 1);
    assert_eq!(circles[0].attribute("fill"), Some(hex(colour(0)).as_str()));
    // Mid-chart: the time axis is widened around the single instant.
    let scene = draw(&p);
    let (x, y) = scene.position(MIDNIGHT, 42.0).unwrap();
    let plot = scene.plot;
    assert!((x - (plot.x + plot.width / 2.0)).abs() < 1.0);
    assert!(y > plot.y && y < plot.bottom());
}

#[test]
fn equal_values_draw_a_flat_line_inside_the_plot() {
    let p = picture("flat", vec![line("a", series(30, |_| 7.0), vec![])]);
    let svg = checked_svg(&p);
    let scene = draw(&p);
    let (_, y) = scene.position(MIDNIGHT, 7.0).unwrap();
    assert!(y > scene.plot.y + 5.0 && y < scene.plot.bottom() - 5.0);
    assert!(svg.contains("<polyline"));
}

#[test]
fn series_get_distinct_colours_and_a_legend() {
    let lines: Vec<Line> = (0..3)
        .map(|k| {
            line(
                &format!("series-{k}"),
                series(20, |i| (i + k) as f64),
                vec![],
            )
        })
        .collect();
    let p = picture("three", lines);
    let svg = checked_svg(&p);
    let doc = Document::parse(&svg).unwrap();
    let polylines = elements(&doc, "polyline");
    assert_eq!(polylines.len(), 3);
    for (k, polyline) in polylines.iter().enumerate() {
        let ink = hex(colour(k));
        assert_eq!(polyline.attribute("stroke"), Some(ink.as_str()));
        assert_eq!(polyline.attribute("fill"), Some("none"));
        assert_eq!(polyline.attribute("stroke-width"), Some("2"));
        // The legend's swatch.
        assert!(
            elements(&doc, "rect")
                .iter()
                .any(|r| r.attribute("fill") == Some(ink.as_str()))
        );
        assert!(texts(&svg).contains(&format!("series-{k}")));
    }
    let distinct: std::collections::HashSet<_> = (0..10).map(colour).collect();
    assert_eq!(distinct.len(), 10);
    assert_eq!(colour(10), colour(0));
    for (r, g, b) in distinct {
        let spread = r.max(g).max(b) - r.min(g).min(b);
        assert!(spread >= 60, "not saturated: {r},{g},{b}");
    }
}

#[test]
fn polylines_pass_through_the_projected_points() {
    let points = series(10, |i| (i * i) as f64);
    let p = picture("squares", vec![line("a", points.clone(), vec![])]);
    let scene = draw(&p);
    let Some(Primitive::Polyline { points: drawn, .. }) = scene
        .primitives
        .iter()
        .find(|p| matches!(p, Primitive::Polyline { .. }))
    else {
        panic!("no polyline");
    };
    assert_eq!(drawn.len(), points.len());
    for (&(t, v), &(x, y)) in points.iter().zip(drawn) {
        let (ex, ey) = scene.position(t, v).unwrap();
        assert!((ex - x).abs() <= 0.05 && (ey - y).abs() <= 0.05);
        let plot = scene.plot;
        assert!(
            x >= plot.x - 0.1
                && x <= plot.right() + 0.1
                && y >= plot.y - 0.1
                && y <= plot.bottom() + 0.1
        );
    }
}

#[test]
fn thresholds_are_dashed_in_the_series_colour_and_in_range() {
    let p = picture(
        "alerts",
        vec![
            line("a", series(10, |i| i as f64), vec![50.0]),
            line("b", series(10, |i| i as f64 * 2.0), vec![-5.0, f64::NAN]),
        ],
    );
    let svg = checked_svg(&p);
    let doc = Document::parse(&svg).unwrap();
    let dashed: Vec<_> = elements(&doc, "line")
        .into_iter()
        .filter(|l| l.attribute("stroke-dasharray").is_some())
        .collect();
    assert_eq!(dashed.len(), 2, "the NaN threshold is skipped");
    assert_eq!(dashed[0].attribute("stroke"), Some(hex(colour(0)).as_str()));
    assert_eq!(dashed[1].attribute("stroke"), Some(hex(colour(1)).as_str()));

    // Both thresholds, though beyond the data, lie inside the plot.
    let scene = draw(&p);
    for threshold in [50.0, -5.0] {
        let (_, y) = scene.position(MIDNIGHT, threshold).unwrap();
        assert!(
            y > scene.plot.y && y < scene.plot.bottom(),
            "{threshold} at {y}"
        );
    }
}

#[test]
fn axes_have_nice_labels() {
    let p = picture(
        "cpu",
        vec![line("a", series(60, |i| i as f64 * 1.5 + 3.0), vec![])],
    );
    let svg = checked_svg(&p);
    let texts = texts(&svg);
    for label in ["0", "20", "40", "60", "80", "100"] {
        assert!(texts.iter().any(|t| t == label), "{label} in {texts:?}");
    }
    // One hour of data from midnight: HH:MM labels.
    assert!(texts.iter().any(|t| t == "00:00"), "{texts:?}");
    assert!(texts.iter().any(|t| t == "00:30"), "{texts:?}");

    let p = picture(
        "bytes",
        vec![line("a", series(10, |i| i as f64 * 250_000.0), vec![])],
    );
    let texts = self::texts(&checked_svg(&p));
    assert!(texts.iter().any(|t| t == "1M"), "{texts:?}");
    assert!(texts.iter().all(|t| t.len() < 20), "{texts:?}");
}

#[test]
fn odd_input_never_yields_odd_coordinates() {
    let cases = [
        vec![line(
            "huge",
            vec![(0, f64::MAX), (1, -f64::MAX), (2, 1e300)],
            vec![f64::MAX],
        )],
        vec![line(
            "negative",
            series(5, |i| -1e9 * i as f64),
            vec![-1e12],
        )],
        vec![line(
            "times",
            vec![(i64::MIN, 1.0), (i64::MAX, 2.0), (0, f64::NAN)],
            vec![],
        )],
        vec![line(
            "same time",
            vec![(5, 1.0), (5, 2.0), (5, 3.0)],
            vec![],
        )],
        vec![line(
            "tiny",
            vec![(0, 1e-300), (1, 2e-300), (2, f64::MIN_POSITIVE)],
            vec![],
        )],
        vec![line("", vec![(MIDNIGHT, 0.0)], vec![0.0])],
        vec![line(
            "unordered",
            vec![
                (MIDNIGHT, 1.0),
                (MIDNIGHT - 1000, 2.0),
                (MIDNIGHT - 50, 0.5),
            ],
            vec![],
        )],
    ];
    for lines in cases {
        for (width, height) in [(800, 300), (200, 100), (2000, 1000), (0, 0), (1, 1)] {
            let p = Picture {
                title: "odd".to_owned(),
                width,
                height,
                lines: lines.clone(),
            };
            checked_svg(&p);
        }
    }
}

#[test]
fn empty_names_get_a_placeholder_and_long_ones_are_cut() {
    let long = "x".repeat(500);
    let p = picture(
        &"t".repeat(300),
        vec![
            line("", series(3, |i| i as f64), vec![]),
            line(&long, series(3, |_| 1.0), vec![]),
        ],
    );
    let svg = checked_svg(&p);
    let texts = texts(&svg);
    assert!(texts.iter().any(|t| t == "series 1"), "{texts:?}");
    assert!(texts.iter().all(|t| t.chars().count() < 130), "{texts:?}");
}

#[test]
fn many_series_fit_a_small_chart() {
    let lines: Vec<Line> = (0..40)
        .map(|k| {
            line(
                &format!("host-{k:02}.example"),
                series(10, |i| (i + k) as f64),
                vec![],
            )
        })
        .collect();
    let p = Picture {
        title: "crowded".to_owned(),
        width: 300,
        height: 150,
        lines,
    };
    let svg = checked_svg(&p);
    let scene = draw(&p);
    assert!(scene.plot.height >= 30.0, "{:?}", scene.plot);
    assert!(
        texts(&svg)
            .iter()
            .any(|t| t.starts_with('+') && t.ends_with(" more"))
    );
}

#[test]
fn twenty_series_of_a_thousand_points_stay_under_a_mebibyte() {
    let lines: Vec<Line> = (0..20)
        .map(|k| {
            let points = (0..1000)
                .map(|i| {
                    (
                        MIDNIGHT + i * 15_000,
                        1000.0 * ((i as f64 / 37.0 + k as f64).sin() + 1.0) + k as f64 * 137.77,
                    )
                })
                .collect();
            line(&format!("series {k}"), points, vec![2500.0 + k as f64])
        })
        .collect();
    for (width, height) in [(800, 300), (2000, 1000)] {
        let p = Picture {
            title: "load".to_owned(),
            width,
            height,
            lines: lines.clone(),
        };
        let svg = checked_svg(&p);
        println!("20 x 1000 points at {width}x{height}: {} bytes", svg.len());
        assert!(svg.len() < 1024 * 1024, "{} bytes", svg.len());
        assert_eq!(svg.matches("<polyline").count(), 20);
    }
}

#[test]
fn dense_series_are_thinned_but_keep_their_extremes() {
    // A spike in a million points must still show.
    let mut points = series(1_000_000, |i| (i % 7) as f64);
    points[500_000].1 = 1000.0;
    let p = picture("dense", vec![line("a", points, vec![])]);
    let svg = checked_svg(&p);
    assert!(svg.len() < 200 * 1024, "{} bytes", svg.len());
    let scene = draw(&p);
    let top = scene.position(MIDNIGHT, 1000.0).unwrap().1;
    let Some(Primitive::Polyline { points: drawn, .. }) = scene
        .primitives
        .iter()
        .find(|p| matches!(p, Primitive::Polyline { .. }))
    else {
        panic!("no polyline");
    };
    assert!(drawn.iter().any(|&(_, y)| (y - top).abs() < 0.1));
}
