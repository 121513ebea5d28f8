//! Exponential backoff with full jitter (AWS's recommendation for clients that retry): a
//! random pause up to 25 ms before the first retry, 50 ms before the second, and so on, up to
//! 800 ms, so that writers that collided spread apart.

use std::time::Duration;

/// The domain's [`domain::Backoff`], pausing on the Tokio timer.
#[derive(Debug, Clone, Copy, Default)]
pub struct JitteredBackoff;

impl domain::Backoff for JitteredBackoff {
    async fn pause(&self, attempt: u32) {
        tokio::time::sleep(pause(attempt)).await;
    }
}

/// The pause after attempt `attempt` (1 for the first): random in `0..=25 ms << (attempt-1)`.
pub(crate) fn pause(attempt: u32) -> Duration {
    let cap = 25u64 << attempt.saturating_sub(1).min(5);
    Duration::from_millis(jitter(cap))
}

/// A number in `0..=max`, random enough to spread retries apart.
fn jitter(max: u64) -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    u64::from(nanos) % (max + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_grow_exponentially_up_to_a_cap() {
        for attempt in 1..10 {
            let cap = 25u64 << (attempt - 1).min(5);
            for _ in 0..20 {
                assert!(pause(attempt) <= Duration::from_millis(cap));
            }
        }
        assert!(pause(100) <= Duration::from_millis(800));
    }
}
