//! Renders charts in a real browser (Debian's Chromium, headless) and checks the pixels: the
//! SVG must not only parse but draw each series where the scene says it is.
//!
//! `infra/chromium.sh` installs Chromium when it is missing; where it cannot, these tests say
//! so and pass, since the rest of the crate's tests do not need a browser.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{Image, decode};
use picture::{Line, Picture, Rgb, Scene, colour, draw};

mod common;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../infra/chromium.sh");
const TIMEOUT: Duration = Duration::from_secs(60);
// 2025-11-28T00:00:00Z
const MIDNIGHT: i64 = 1_764_288_000_000;
const MINUTE: i64 = 60_000;

/// The browser's path, or why it could not be installed; found once for all tests.
fn chromium() -> &'static Result<PathBuf, String> {
    static BROWSER: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BROWSER.get_or_init(|| {
        let output = Command::new("bash")
            .arg(SCRIPT)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {SCRIPT}: {e}"))?;
        if !output.status.success() {
            return Err(String::from_utf8_lossy(&output.stderr).trim().to_owned());
        }
        let path = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        if path.is_empty() {
            return Err(format!("{SCRIPT} printed no path"));
        }
        Ok(PathBuf::from(path))
    })
}

/// A fresh path in the temp directory for this process.
fn temp_path(name: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("picture-browser-{}-{n}-{name}", std::process::id()))
}

/// Chromium's screenshot of `svg` at the scene's size; None (after saying why) when
/// Chromium could not be installed.
fn screenshot(scene: &Scene) -> Option<Image> {
    let browser = match chromium() {
        Ok(path) => path,
        Err(why) => {
            println!("skipped: Chromium could not be installed: {why}");
            eprintln!("skipped: Chromium could not be installed: {why}");
            return None;
        }
    };
    let svg_path = temp_path("chart.svg");
    let png_path = temp_path("shot.png");
    let profile = temp_path("profile");
    let log_path = temp_path("chromium.log");
    std::fs::write(&svg_path, scene.to_svg()).expect("write the SVG");
    let log = std::fs::File::create(&log_path).expect("create the log");

    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            "--no-first-run",
            "--no-default-browser-check",
            "--force-device-scale-factor=1",
        ])
        .arg(format!("--window-size={},{}", scene.width, scene.height))
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", png_path.display()))
        .arg(format!("file://{}", svg_path.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", browser.display()));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for Chromium") {
            break status;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "Chromium took over {TIMEOUT:?}; its log:\n{}",
                read_log(&log_path)
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        status.success() && png_path.exists(),
        "Chromium failed ({status}); its log:\n{}",
        read_log(&log_path)
    );
    let image = decode(&std::fs::read(&png_path).expect("read the screenshot"));
    for path in [&svg_path, &png_path, &log_path] {
        let _ = std::fs::remove_file(path);
    }
    let _ = std::fs::remove_dir_all(&profile);
    Some(image)
}

fn read_log(path: &Path) -> String {
    let log = std::fs::read_to_string(path).unwrap_or_default();
    // The end says why; the dbus noise before it does not.
    let start = log.len().saturating_sub(4000);
    log.get(start..).unwrap_or(&log).to_owned()
}

/// The image is a drawing: many colours, mostly white background, but far from all white.
fn assert_not_blank(image: &Image, min_ink: f64) {
    let colours: std::collections::HashSet<Rgb> = image.pixels.iter().copied().collect();
    let ink = image
        .pixels
        .iter()
        .filter(|&&p| p != (255, 255, 255))
        .count() as f64
        / image.pixels.len() as f64;
    println!(
        "{} distinct colours, {:.1}% not white",
        colours.len(),
        ink * 100.0
    );
    assert!(colours.len() >= 20, "only {} colours", colours.len());
    assert!(
        ink >= min_ink && ink <= 0.6,
        "{:.1}% not white",
        ink * 100.0
    );
}

/// 800x300 like a real chart; headless Chromium 148 leaves windows as small as 200x100 blank,
/// so the smallest sizes cannot be checked this way.
fn chart() -> Picture {
    let series = |f: fn(f64) -> f64| -> Vec<(i64, f64)> {
        (0..120)
            .map(|i| (MIDNIGHT + i * MINUTE, f(i as f64)))
            .collect()
    };
    Picture {
        title: "browser check <&>".to_owned(),
        width: 800,
        height: 300,
        lines: vec![
            Line {
                name: "high".to_owned(),
                points: series(|i| 85.0 + 10.0 * (i / 9.0).sin()),
                thresholds: vec![50.0],
            },
            Line {
                name: "low".to_owned(),
                points: series(|i| 15.0 + 10.0 * (i / 13.0).cos()),
                thresholds: vec![],
            },
        ],
    }
}

#[test]
fn series_are_drawn_where_the_scene_puts_them() {
    let picture = chart();
    let scene = draw(&picture);
    let Some(image) = screenshot(&scene) else {
        return;
    };
    assert_eq!((image.width, image.height), (picture.width, picture.height));
    assert_not_blank(&image, 0.02);

    let plot = scene.plot;
    let (left, right) = (plot.x.ceil() as i64 + 2, plot.right().floor() as i64 - 2);
    let threshold_y = scene.position(MIDNIGHT, 50.0).unwrap().1.round() as i64;
    for (index, line) in picture.lines.iter().enumerate() {
        let ink = colour(index);
        // Every 10th point has the series' colour within 2 px of where the scene put it.
        let sampled: Vec<_> = line.points.iter().step_by(10).collect();
        let missed: Vec<_> = sampled
            .iter()
            .filter(|&&&(t, v)| {
                let (x, y) = scene.position(t, v).unwrap();
                let (x, y) = (x.round() as i64, y.round() as i64);
                image.count(ink, (x - 2, y - 2, x + 3, y + 3)) == 0
            })
            .collect();
        assert!(missed.is_empty(), "series {index} not drawn at {missed:?}");
    }
    // High values above the threshold, low ones below the middle: each colour keeps to its
    // band (the legend, under the plot, is left out).
    let (high, low) = (colour(0), colour(1));
    let middle = ((plot.y + plot.bottom()) / 2.0) as i64;
    let plot_top = plot.y.ceil() as i64 + 1;
    let plot_bottom = plot.bottom().floor() as i64 - 1;
    assert!(image.count(high, (left, plot_top, right, threshold_y - 3)) > 500);
    assert_eq!(
        image.count(high, (left, threshold_y + 3, right, plot_bottom)),
        0
    );
    assert!(image.count(low, (left, middle, right, plot_bottom)) > 500);
    assert_eq!(image.count(low, (left, plot_top, right, middle)), 0);
    // The dashed threshold: about 60% of its row is the series' colour.
    let dashes = image.count(high, (left, threshold_y - 1, right, threshold_y + 2));
    let width = (right - left) as usize;
    assert!(
        dashes > width / 3 && dashes < 3 * width,
        "{dashes} threshold pixels"
    );
    // The legend swatches, under the plot.
    for ink in [high, low] {
        assert!(image.count(ink, (0, plot_bottom + 20, 800, 300)) > 20);
    }
}

#[test]
fn no_data_draws_the_frame_and_text_only() {
    let picture = Picture {
        title: "nothing yet".to_owned(),
        width: 800,
        height: 300,
        lines: vec![
            Line {
                name: "high".to_owned(),
                points: vec![],
                thresholds: vec![50.0],
            },
            Line {
                name: "low".to_owned(),
                points: vec![(MIDNIGHT, f64::NAN)],
                thresholds: vec![],
            },
        ],
    };
    let scene = draw(&picture);
    let Some(image) = screenshot(&scene) else {
        return;
    };
    assert_eq!((image.width, image.height), (800, 300));
    assert_not_blank(&image, 0.005);
    // "no data" in the middle: dark pixels there.
    let dark = (250..550)
        .flat_map(|x| (120..190).map(move |y| (x, y)))
        .filter(|&(x, y)| image.at(x, y).is_some_and(|p| p.0 < 200))
        .count();
    assert!(dark > 50, "{dark} text pixels in the middle");
    for ink in [colour(0), colour(1)] {
        assert_eq!(image.count(ink, (0, 0, 800, 300)), 0, "{ink:?} drawn");
    }
}
