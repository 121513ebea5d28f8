//! A chart's answer as JSON text, its points written by hand: for a thousand points, serde's
//! piece-by-piece writes and the escaping of every key and time were a third of the read's
//! own work. The text is the same as serde_json writes of [`ChartDataView`].

use super::ports::{ChartDataView, PointView};
use serde::ser::Error as _;

/// Bytes of a usual point, `{"at":"2026-11-21T11:59:00.123Z","value":12.25}`, to size the
/// text once.
const POINT_BYTES: usize = 48;

impl ChartDataView<'_> {
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        let points: usize = self.series.iter().map(|s| s.points.len()).sum();
        let mut out = Vec::with_capacity(1024 + points * POINT_BYTES);
        // The chart's fields, then the series, in one object.
        serde_json::to_writer(&mut out, &self.chart)?;
        if out.pop() != Some(b'}') {
            return Err(serde_json::Error::custom(
                "a chart is not written as an object",
            ));
        }
        if out.last() != Some(&b'{') {
            out.push(b',');
        }
        out.extend_from_slice(b"\"series\":[");
        for (i, series) in self.series.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(b"{\"name\":");
            serde_json::to_writer(&mut out, series.name)?;
            out.extend_from_slice(b",\"points\":[");
            for (j, point) in series.points.iter().enumerate() {
                if j > 0 {
                    out.push(b',');
                }
                point.write_json(&mut out)?;
            }
            out.extend_from_slice(b"]}");
        }
        out.extend_from_slice(b"]}");
        String::from_utf8(out).map_err(serde_json::Error::custom)
    }
}

impl PointView {
    /// `{"at":"<RFC 3339>","value":<number>}`: the time needs no escaping, and the number is
    /// serde_json's own.
    fn write_json(&self, out: &mut Vec<u8>) -> Result<(), serde_json::Error> {
        let mut buf = [0; crate::clock::RFC3339_MAX_LEN];
        let at = crate::Timestamp::write_unix_millis(self.at_millis, &mut buf)
            .ok_or_else(|| serde_json::Error::custom(PointView::OUT_OF_RANGE))?;
        out.extend_from_slice(b"{\"at\":\"");
        out.extend_from_slice(at.as_bytes());
        out.extend_from_slice(b"\",\"value\":");
        serde_json::to_writer(&mut *out, &self.value)?;
        out.push(b'}');
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::ChartData;
    use super::super::series::{Point, Series};
    use super::super::test_data::{chart, slug};
    use proptest::prelude::*;

    fn data(series: Vec<Series>) -> ChartData {
        ChartData {
            chart: chart("Latency"),
            series,
            alerts: Vec::new(),
            points_appended: 0,
        }
    }

    fn any_point() -> impl Strategy<Value = Point> {
        let at = prop_oneof![
            1_700_000_000_000i64..1_900_000_000_000,
            any::<i64>(),
            Just(-62_167_219_200_000i64),
            Just(253_402_300_799_999i64),
        ];
        let value = prop_oneof![
            any::<f64>(),
            -1e6f64..1e6,
            Just(0.0),
            Just(-0.0),
            Just(f64::MAX),
            Just(f64::MIN_POSITIVE),
            Just(f64::NAN),
        ];
        (at, value).prop_map(|(at_millis, value)| Point { at_millis, value })
    }

    proptest! {
        #[test]
        fn writes_what_serde_json_writes(
            series in prop::collection::vec(prop::collection::vec(any_point(), 0..40), 0..4)
        ) {
            let series = series
                .into_iter()
                .enumerate()
                .map(|(i, points)| Series::new(slug(&format!("s{i}")), points))
                .collect();
            let data = data(series);
            let view = data.view();
            prop_assert_eq!(view.to_json().unwrap(), serde_json::to_string(&view).unwrap());
        }
    }

    #[test]
    fn a_chart_without_series_answers_an_empty_list() {
        let data = data(Vec::new());
        let text = data.view().to_json().unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["series"], serde_json::json!([]));
        assert_eq!(value["name"], "Latency");
    }
}
