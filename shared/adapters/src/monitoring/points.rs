//! A series' points in a ring of [`MAX_POINTS_PER_SERIES`] slots, one item a point.
//!
//! | item | sk | holds |
//! |---|---|---|
//! | chart | `CHART` | beside its document, `seqs`: per series, how many points were ever appended |
//! | point | `POINT#<series>#<seq mod 1000, 4 digits>` | the point of sequence number `seq`, as `<seq> <at> <value>` in its `point` attribute |
//! | series (before the ring) | `SERIES#<series>` | its newest points as two columns |
//!
//! An append takes the next sequence numbers of its series in one conditional update of the
//! chart item (the owner's, every series known; a counter beside the document, so the chart's
//! version is untouched), then puts each point in its slot, overwriting the point 1,000
//! appends older. So concurrent appends never conflict, and an append's writes are its own
//! points (one small item each), whether the series is empty or full. The newest `k` points
//! are the slots of the last `k` numbers: a few are read by key (every series' in one batch),
//! more by one range query (two when it wraps round).
//!
//! A slot's item carries its sequence number, so a reader takes only the numbers it asked
//! for: a slot not written yet (an append still under way) is skipped, not misread.
//!
//! A slot is one string attribute, not a document: a chart's read takes a thousand slots, and
//! each attribute the SDK hands back is a map entry of its own to build and free. Slots
//! written as documents (`data.seq`, `data.at`, `data.value`) before this are still read, until
//! appends overwrite them.
//!
//! Charts from before the ring keep their points in `SERIES#` items and have no `seqs`: they
//! are read that way until their first append, which moves those points into the ring
//! (their numbers before the append's) and deletes the old items.

use super::DynamoMonitoringRepository;
use super::keys::{chart_key, chart_partition};
use crate::store::codec::{DATA, ENTITY};
use crate::store::{
    Condition, Document, Item, Key, Query, SortKey, StoreError, Update, decode, new_item,
};
use anyhow::Context;
use aws_sdk_dynamodb::types::AttributeValue;
use domain::monitoring::{Appended, Chart, MAX_POINTS_PER_SERIES, Point, RecordPoints, Series};
use domain::{ChartId, CustomerId, Slug, Unexpected};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::ops::Range;

/// The attribute of the chart item holding each series' count of appended points.
pub(super) const SEQS: &str = "seqs";

const RING: u64 = MAX_POINTS_PER_SERIES as u64;

/// Runs of at most this many points are read by key rather than by range query.
const READ_BY_KEY_AT_MOST: u64 = 10;

fn slot_key(series: &str, seq: u64) -> String {
    format!("{SLOT_PREFIX}{series}#{:04}", seq % RING)
}

/// The attribute of a slot item holding its point.
const POINT: &str = "point";

/// The sort key's prefix of the slots.
const SLOT_PREFIX: &str = "POINT#";

/// What a reader takes of a slot: the number it holds and its point.
#[derive(Debug)]
struct SlotRead {
    seq: u64,
    point: Point,
}

impl SlotRead {
    /// The item's paths a range query projects: the point, or a document slot's fields.
    const PATHS: [&'static str; 4] = [POINT, "data.seq", "data.at", "data.value"];

    /// The point's text: the value is written as text so that any finite `f64` round-trips,
    /// where a stored number would be limited to DynamoDB's range (about ±1e125).
    fn text(seq: u64, point: &Point) -> String {
        format!("{seq} {} {}", point.at_millis, point.value)
    }

    /// Read by hand, taking the attributes as they come: looking each name up costs a hash
    /// where a comparison does, and a chart's read decodes a thousand of these.
    fn of(item: Item) -> Result<Self, StoreError> {
        for (name, value) in item {
            match (name.as_str(), value) {
                (POINT, AttributeValue::S(text)) => return Self::parse(&text),
                (DATA, AttributeValue::M(data)) => return Self::of_document(data),
                _ => {}
            }
        }
        Err(anyhow::anyhow!("a point slot without its point").into())
    }

    fn parse(text: &str) -> Result<Self, StoreError> {
        // Two `split_once`s rather than `splitn(3, ' ')`, whose general iterator was a
        // twentieth of a 1,000-point chart's own instructions.
        let fields = text
            .split_once(' ')
            .and_then(|(seq, rest)| Some((seq, rest.split_once(' ')?)));
        let Some((seq, (at, value))) = fields else {
            return Err(anyhow::anyhow!("a point slot's point is not `<seq> <at> <value>`").into());
        };
        Self::of_fields(seq, at, value)
    }

    /// A slot written as a document, before slots were one attribute.
    fn of_document(data: HashMap<String, AttributeValue>) -> Result<Self, StoreError> {
        let (mut seq, mut at, mut value) = (None, None, None);
        for (name, field) in data {
            match (name.as_str(), field) {
                ("seq", AttributeValue::N(n)) => seq = Some(n),
                ("at", AttributeValue::N(n)) => at = Some(n),
                ("value", AttributeValue::S(text)) => value = Some(text),
                _ => {}
            }
        }
        let (Some(seq), Some(at), Some(value)) = (seq, at, value) else {
            return Err(anyhow::anyhow!("a point slot without its seq, at or value").into());
        };
        Self::of_fields(&seq, &at, &value)
    }

    fn of_fields(seq: &str, at: &str, value: &str) -> Result<Self, StoreError> {
        Ok(Self {
            seq: seq.parse().context("a point slot's seq")?,
            point: Point {
                at_millis: at.parse().context("a point slot's at")?,
                value: value.parse().context("a point slot's value")?,
            },
        })
    }
}

/// The series a slot item belongs to, from its sort key.
fn series_of_slot(item: &Item) -> Result<&str, StoreError> {
    item.get(crate::store::SK)
        .and_then(|sk| sk.as_s().ok())
        .and_then(|sk| sk.strip_prefix(SLOT_PREFIX))
        .and_then(|rest| rest.rsplit_once('#'))
        .map(|(series, _)| series)
        .ok_or_else(|| anyhow::anyhow!("a point slot without its sort key").into())
}

/// A series as stored before the ring: its newest points as two columns.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ColumnSeries {
    chart_id: ChartId,
    name: Slug,
    at: Vec<i64>,
    values: Vec<String>,
}

impl Document for ColumnSeries {
    const ENTITY: &'static str = "series";
    const SCHEMA_VERSION: u32 = 1;

    fn key(&self) -> Key {
        column_key(&self.chart_id, &self.name)
    }
}

fn column_key(chart: &ChartId, name: &Slug) -> Key {
    Key::new(chart_partition(chart), format!("SERIES#{name}"))
}

impl ColumnSeries {
    fn points(&self) -> Result<Vec<Point>, Unexpected> {
        self.at
            .iter()
            .zip(&self.values)
            .map(|(at, value)| {
                Ok(Point {
                    at_millis: *at,
                    value: value.parse()?,
                })
            })
            .collect()
    }
}

/// The slot items of `points`, numbered from `first`.
fn slot_items(chart: &ChartId, series: &Slug, first: u64, points: &[Point]) -> Vec<Item> {
    (first..)
        .zip(points)
        .map(|(seq, point)| {
            let mut item =
                Key::new(chart_partition(chart), slot_key(series.as_str(), seq)).into_item();
            item.insert(ENTITY.to_owned(), AttributeValue::S("point".to_owned()));
            item.insert(
                POINT.to_owned(),
                AttributeValue::S(SlotRead::text(seq, point)),
            );
            item
        })
        .collect()
}

/// The series' counts of appended points, from a chart item; `None` for a chart from before
/// the ring.
pub(super) fn seqs_of(chart_item: &Item) -> Option<HashMap<String, u64>> {
    let Some(AttributeValue::M(seqs)) = chart_item.get(SEQS) else {
        return None;
    };
    Some(
        seqs.iter()
            .filter_map(|(name, count)| match count {
                AttributeValue::N(n) => n.parse().ok().map(|n| (name.clone(), n)),
                _ => None,
            })
            .collect(),
    )
}

/// The attributes a new chart's item holds beside its document: no series counted yet.
pub(super) fn new_chart_attributes() -> Item {
    Item::from([(SEQS.to_owned(), AttributeValue::M(HashMap::new()))])
}

/// The items of a chart with points already (for loading data in bulk): the chart with its
/// counts, and each series' newest points in their slots.
pub fn seeded_items(chart: &Chart, series: &[Series]) -> Result<Vec<Item>, StoreError> {
    let mut chart_item = new_item(chart)?;
    let mut seqs = HashMap::new();
    let mut items = Vec::new();
    for s in series {
        let points: Vec<Point> = s.points().collect();
        seqs.insert(
            s.name().to_string(),
            AttributeValue::N(points.len().to_string()),
        );
        items.extend(slot_items(&chart.id(), s.name(), 0, &points));
    }
    chart_item.insert(SEQS.to_owned(), AttributeValue::M(seqs));
    items.push(chart_item);
    Ok(items)
}

impl DynamoMonitoringRepository {
    pub(super) async fn append(
        &self,
        owner: &CustomerId,
        chart: &ChartId,
        points: &RecordPoints,
    ) -> Result<Appended, Unexpected> {
        // A chart from before the ring is moved into it once, then appended to.
        for _ in 0..2 {
            let mut set = Vec::new();
            let mut condition = Condition::new("")
                .name("#seqs", SEQS)
                .name("#data", "data")
                .name("#owner", "owner_id")
                .name("#series", "series")
                .value(":owner", AttributeValue::S(owner.to_string()))
                .value(":zero", AttributeValue::N("0".into()));
            let mut clauses = vec!["attribute_exists(#seqs) AND #data.#owner = :owner".to_owned()];
            for (i, (name, added)) in points.by_series.iter().enumerate() {
                set.push(format!(
                    "#seqs.#s{i} = if_not_exists(#seqs.#s{i}, :zero) + :n{i}"
                ));
                clauses.push(format!("contains(#data.#series, :name{i})"));
                condition = condition
                    .name(&format!("#s{i}"), name.as_str())
                    .value(
                        &format!(":n{i}"),
                        AttributeValue::N(added.len().to_string()),
                    )
                    .value(&format!(":name{i}"), AttributeValue::S(name.to_string()));
            }
            condition.expression = clauses.join(" AND ");
            let update = Update::beside(
                chart_key(chart),
                &format!("SET {}", set.join(", ")),
                condition,
            );
            let counted = match self.store.update_attributes(update).await? {
                Ok(attributes) => attributes,
                Err(None) => return Ok(Appended::NoChart),
                Err(Some(found)) => {
                    let stored = decode::<Chart>(found.clone())?.doc;
                    if !stored.is_owned_by(owner) {
                        return Ok(Appended::NoChart);
                    }
                    if seqs_of(&found).is_some() {
                        return Ok(Appended::UnknownSeries);
                    }
                    self.move_into_ring(&stored).await?;
                    continue;
                }
            };
            let seqs = seqs_of(&counted).unwrap_or_default();
            let mut items = Vec::new();
            for (name, added) in &points.by_series {
                let after = seqs.get(name.as_str()).copied().unwrap_or(0);
                let first = after.saturating_sub(added.len() as u64);
                // Of a call's own points, only the newest 1,000 can be kept.
                let skip = added.len().saturating_sub(MAX_POINTS_PER_SERIES);
                items.extend(slot_items(chart, name, first + skip as u64, &added[skip..]));
            }
            self.store.batch_put(items).await?;
            return Ok(Appended::Done);
        }
        Err(anyhow::anyhow!("chart {chart} could not be moved into the ring").into())
    }

    /// Moves a chart's column series into the ring: their points become the first of each
    /// series, the chart gets its counts, and the old items go. Safe to run twice at once:
    /// both write the same slots, one sets the counts, the other leaves them.
    async fn move_into_ring(&self, chart: &Chart) -> Result<(), Unexpected> {
        let keys: Vec<Key> = chart
            .series_names()
            .iter()
            .map(|name| column_key(&chart.id(), name))
            .collect();
        let columns = self.store.batch_get::<ColumnSeries>(&keys).await?;
        let mut items = Vec::new();
        let mut counts = HashMap::new();
        for column in &columns {
            let points = column.doc.points()?;
            counts.insert(
                column.doc.name.to_string(),
                AttributeValue::N(points.len().to_string()),
            );
            items.extend(slot_items(&chart.id(), &column.doc.name, 0, &points));
        }
        self.store.batch_put(items).await?;
        let update = Update::beside(
            chart_key(&chart.id()),
            "SET #seqs = :counts",
            Condition::new("attribute_not_exists(#seqs)")
                .name("#seqs", SEQS)
                .value(":counts", AttributeValue::M(counts)),
        );
        if self.store.update_attributes(update).await?.is_ok() {
            let old: Vec<Key> = columns.iter().map(|c| c.doc.key()).collect();
            self.store.batch_delete(&old).await?;
        }
        Ok(())
    }

    /// The newest points of each series named, as many as its window, given the chart's item.
    pub(super) async fn read_series(
        &self,
        chart_item: &Item,
        chart: &ChartId,
        windows: &[(Slug, usize)],
    ) -> Result<Vec<Series>, Unexpected> {
        let window_of = |name: &Slug| windows.iter().find(|(n, _)| n == name).map(|(_, w)| *w);
        let Some(seqs) = seqs_of(chart_item) else {
            let keys: Vec<Key> = windows
                .iter()
                .map(|(name, _)| column_key(chart, name))
                .collect();
            let columns = self.store.batch_get::<ColumnSeries>(&keys).await?;
            return columns
                .into_iter()
                .map(|c| {
                    let points = c.doc.points()?;
                    let newest = window_of(&c.doc.name).unwrap_or(0);
                    let skip = points.len().saturating_sub(newest);
                    Ok(Series::new(c.doc.name, points.into_iter().skip(skip)))
                })
                .collect();
        };
        let wanted: Vec<(&Slug, Range<u64>)> = windows
            .iter()
            .filter_map(|(name, newest)| {
                let count = *seqs.get(name.as_str())?;
                let k = (*newest as u64).min(count).min(RING);
                Some((name, count - k..count))
            })
            .collect();
        // A few points (an alert's window) are read by their keys, every series' in one
        // batch; longer runs by a range query, which costs less per point.
        let (by_key, by_range): (Vec<_>, Vec<_>) = wanted
            .iter()
            .partition(|(_, seqs)| seqs.end - seqs.start <= READ_BY_KEY_AT_MOST);
        let keys: Vec<Key> = by_key
            .iter()
            .flat_map(|(name, seqs)| {
                seqs.clone()
                    .map(|seq| Key::new(chart_partition(chart), slot_key(name.as_str(), seq)))
            })
            .collect();
        let by_key = async {
            self.store
                .batch_get_items(&keys, &[])
                .await?
                .into_iter()
                .map(|item| {
                    let series = series_of_slot(&item)?.to_owned();
                    Ok((series, SlotRead::of(item)?))
                })
                .collect::<Result<Vec<_>, Unexpected>>()
        };
        // Every series' range at once: a chart's read takes one round trip, not one a series.
        let range_reads = futures_util::future::try_join_all(
            by_range
                .iter()
                .map(|(name, seqs)| self.slots_in_range(chart, name, seqs)),
        );
        let (key_slots, ranges) = futures_util::future::try_join(by_key, range_reads).await?;
        wanted
            .iter()
            .map(|(name, seqs)| {
                let by_key = key_slots
                    .iter()
                    .filter(|(series, _)| series == name.as_str())
                    .map(|(_, slot)| slot);
                let in_range = by_range
                    .iter()
                    .zip(&ranges)
                    .filter(|((series, _), _)| *series == *name)
                    .flat_map(|(_, slots)| slots);
                let mut own: Vec<&SlotRead> = by_key
                    .chain(in_range)
                    .filter(|slot| seqs.contains(&slot.seq))
                    .collect();
                own.sort_by_key(|slot| slot.seq);
                let points = own.into_iter().map(|slot| slot.point);
                Ok(Series::new((*name).clone(), points))
            })
            .collect()
    }

    /// The slots holding the points numbered `seqs` of a series: one range query, two when
    /// the numbers wrap round the ring. A slot may hold another number (not written yet).
    async fn slots_in_range(
        &self,
        chart: &ChartId,
        name: &Slug,
        seqs: &Range<u64>,
    ) -> Result<Vec<SlotRead>, Unexpected> {
        let (first, last) = (seqs.start % RING, (seqs.end - 1) % RING);
        let ranges = if first <= last {
            vec![(first, last)]
        } else {
            vec![(first, RING - 1), (0, last)]
        };
        let mut slots = Vec::with_capacity((seqs.end - seqs.start) as usize);
        for (low, high) in ranges {
            let query = Query::table(chart_partition(chart))
                .sort(SortKey::Between(
                    slot_key(name.as_str(), low),
                    slot_key(name.as_str(), high),
                ))
                .project(&SlotRead::PATHS);
            let mut start = None;
            loop {
                let (items, next) = self.store.query_items(&query, 1000, start).await?;
                for item in items {
                    slots.push(SlotRead::of(item)?);
                }
                match next {
                    Some(key) => start = Some(key),
                    None => break,
                }
            }
        }
        Ok(slots)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_reads_back_its_point_and_refuses_any_other_shape() {
        let point = Point {
            at_millis: 1_795_000_000_123,
            value: -1.5e300,
        };
        let slot = SlotRead::parse(&SlotRead::text(7, &point)).unwrap();
        assert_eq!(slot.seq, 7);
        assert_eq!(slot.point, point);
        for bad in [
            "",
            "7",
            "7 1795000000000",
            "7 1795000000000 1 2",
            "x 1 2",
            "7 1.5 2",
        ] {
            assert!(SlotRead::parse(bad).is_err(), "{bad:?}");
        }
    }
}
