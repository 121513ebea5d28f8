//! A chart as a picture: its series as lines with each alert's threshold on its series,
//! drawn by the `picture` crate, answered as SVG.

use crate::http::{QueryParams, bounded};
use domain::Validation;
use domain::monitoring::ChartData;
use lambda_http::http::{StatusCode, header};
use lambda_http::{Body, Response};

/// Pixels: `?width=` 200..2000 (default 800), `?height=` 100..1000 (default 300).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub width: u32,
    pub height: u32,
}

pub fn size(params: &QueryParams, validation: &mut Validation) -> Option<Size> {
    let width = bounded(params, "width", 200..=2000, 800, validation);
    let height = bounded(params, "height", 100..=1000, 300, validation);
    Some(Size {
        width: u32::try_from(width?).ok()?,
        height: u32::try_from(height?).ok()?,
    })
}

/// What the picture shows of a chart: its name, each series read, the thresholds of the
/// alerts on it.
pub fn of_chart(data: &ChartData, size: Size) -> picture::Picture {
    picture::Picture {
        title: data.chart.name().as_str().to_owned(),
        width: size.width,
        height: size.height,
        lines: data
            .series
            .iter()
            .map(|series| picture::Line {
                name: series.name().as_str().to_owned(),
                points: series.points().map(|p| (p.at_millis, p.value)).collect(),
                thresholds: data
                    .alerts
                    .iter()
                    .filter_map(|alert| alert.threshold_on(series.name()))
                    .collect(),
            })
            .collect(),
    }
}

/// A report's picture of one series: its recent points and its reported alerts' thresholds.
pub fn of_report(
    chart_name: &str,
    picture: &domain::monitoring::evaluation::ReportPicture,
    (width, height): (u32, u32),
) -> picture::Picture {
    let series = &picture.series;
    picture::Picture {
        title: format!("{chart_name}: {}", series.name()),
        width,
        height,
        lines: vec![picture::Line {
            name: series.name().as_str().to_owned(),
            points: series.points().map(|p| (p.at_millis, p.value)).collect(),
            thresholds: picture.thresholds.clone(),
        }],
    }
}

/// 200 `image/svg+xml`.
pub fn svg_response(data: &ChartData, size: Size) -> Response<Body> {
    let svg = picture::draw(&of_chart(data, size)).to_svg();
    let mut response = Response::new(Body::Text(svg));
    *response.status_mut() = StatusCode::OK;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("image/svg+xml"),
    );
    response
}
