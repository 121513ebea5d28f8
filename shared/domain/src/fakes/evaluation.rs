//! The scheduled evaluation's side of [`InMemoryCharts`]: the shards' listing, the tick's
//! claims, and the states it stores.

use super::monitoring::InMemoryCharts;
use super::support::{Broken, broken, lock};
use crate::monitoring::{
    Alert, ChartContents, EvaluationStore, MAX_POINTS_PER_SERIES, Series, Tick, TickClaim, shard_of,
};
use crate::{ChartId, Cursor, Slug, Unexpected};

impl EvaluationStore for InMemoryCharts {
    async fn charts_with_alerts(
        &self,
        shard: u8,
        cursor: Option<Cursor>,
    ) -> Result<(Vec<ChartId>, Option<Cursor>), Unexpected> {
        self.failures.check("charts_with_alerts")?;
        // One page holds a whole shard here; the cursor only has to end the walk.
        if cursor.is_some() {
            return Ok((Vec::new(), None));
        }
        Ok((
            lock(&self.charts)
                .values()
                .filter(|(c, _)| c.alert_count() > 0 && shard_of(&c.id()) == shard)
                .map(|(c, _)| c.id())
                .collect(),
            None,
        ))
    }

    async fn load_for_evaluation(&self, id: &ChartId) -> Result<Option<ChartContents>, Unexpected> {
        self.failures.check("load_for_evaluation")?;
        let Some((chart, _)) = lock(&self.charts).get(id).cloned() else {
            return Ok(None);
        };
        let series = chart
            .series_names()
            .iter()
            .filter_map(|name| self.series_of(*id, name, MAX_POINTS_PER_SERIES))
            .collect();
        let alerts = lock(&self.alerts)
            .values()
            .filter(|(a, _)| a.chart_id() == *id)
            .map(|(a, _)| a.clone())
            .collect();
        Ok(Some(ChartContents {
            chart,
            series,
            alerts,
            claim: lock(&self.ticks).get(id).cloned(),
        }))
    }

    async fn claim_tick(
        &self,
        chart: &ChartId,
        tick: &Tick,
        last: Option<&TickClaim>,
    ) -> Result<bool, Unexpected> {
        self.failures.check("claim_tick")?;
        let mut ticks = lock(&self.ticks);
        if ticks.get(chart) != last {
            return Ok(false);
        }
        ticks.insert(
            *chart,
            TickClaim {
                tick: tick.id.clone(),
                at: tick.now,
                settled: false,
            },
        );
        Ok(true)
    }

    async fn release_tick(&self, chart: &ChartId, tick: &Tick) -> Result<(), Unexpected> {
        self.failures.check("release_tick")?;
        if let Some(claim) = lock(&self.ticks)
            .get_mut(chart)
            .filter(|c| c.tick == tick.id)
        {
            claim.settled = true;
        }
        Ok(())
    }

    async fn save_states(
        &self,
        chart: &ChartId,
        alerts: &[Alert],
        tick: &Tick,
    ) -> Result<bool, Unexpected> {
        self.failures.check("save_states")?;
        let mut ticks = lock(&self.ticks);
        let Some(claim) = ticks.get_mut(chart).filter(|c| c.tick == tick.id) else {
            return Ok(false);
        };
        let mut stored = lock(&self.alerts);
        let unchanged = alerts.iter().all(|alert| {
            stored
                .get(&alert.id())
                .is_some_and(|(a, _)| a.version() == alert.version())
        });
        if !unchanged {
            return Ok(false);
        }
        for alert in alerts {
            if let Some((current, version)) = stored.get_mut(&alert.id()) {
                current.keep_evaluation_of(alert);
                *version += 1;
            }
        }
        claim.settled = true;
        Ok(true)
    }

    async fn recent_points(
        &self,
        chart: &ChartId,
        names: &[Slug],
        newest: usize,
    ) -> Result<Vec<Series>, Unexpected> {
        self.failures.check("recent_points")?;
        Ok(names
            .iter()
            .filter_map(|name| self.series_of(*chart, name, newest))
            .collect())
    }
}

impl EvaluationStore for Broken {
    async fn charts_with_alerts(
        &self,
        _: u8,
        _: Option<Cursor>,
    ) -> Result<(Vec<ChartId>, Option<Cursor>), Unexpected> {
        Err(broken())
    }

    async fn load_for_evaluation(&self, _: &ChartId) -> Result<Option<ChartContents>, Unexpected> {
        Err(broken())
    }

    async fn claim_tick(
        &self,
        _: &ChartId,
        _: &Tick,
        _: Option<&TickClaim>,
    ) -> Result<bool, Unexpected> {
        Err(broken())
    }

    async fn release_tick(&self, _: &ChartId, _: &Tick) -> Result<(), Unexpected> {
        Err(broken())
    }

    async fn save_states(&self, _: &ChartId, _: &[Alert], _: &Tick) -> Result<bool, Unexpected> {
        Err(broken())
    }

    async fn recent_points(
        &self,
        _: &ChartId,
        _: &[Slug],
        _: usize,
    ) -> Result<Vec<Series>, Unexpected> {
        Err(broken())
    }
}
