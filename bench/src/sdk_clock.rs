//! [`SdkClock`]: the CPU this thread spends inside AWS SDK operations, from the start of each
//! operation to its end.
//!
//! An SDK interceptor's first hook runs only once the operation has built its configuration
//! (a few dozen layers of settings, every call), and its last before that configuration is
//! dropped: 10 to 30 µs of every call happened outside an interceptor's window, and was
//! counted as the function's own work. Every operation of the SDK runs inside its own
//! tracing span (`DynamoDB.GetItem`, with the field `rpc.system`), entered when the operation
//! starts and closed when it returns: that span is the window.

use integration_tests::meter::thread_cpu;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tracing::span::{Attributes, Id};
use tracing::subscriber::Interest;
use tracing::{Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

#[derive(Debug, Default)]
struct State {
    spent: Duration,
    /// Operations started and not yet returned: concurrent ones count once.
    open: usize,
    since: Duration,
}

/// Clocks SDK operations on the thread that runs them (the bench's one thread).
#[derive(Debug, Clone, Default)]
pub struct SdkClock(Arc<Mutex<State>>);

/// Marks a span that the clock has seen entered.
struct Started;

impl SdkClock {
    /// Installs the clock as this process's tracing subscriber; nothing else is traced.
    pub fn install() -> anyhow::Result<Self> {
        use tracing_subscriber::layer::SubscriberExt;
        let clock = Self::default();
        let subscriber = tracing_subscriber::registry().with(clock.clone());
        tracing::subscriber::set_global_default(subscriber)?;
        Ok(clock)
    }

    /// The CPU spent in SDK operations since the last take.
    pub fn take(&self) -> Duration {
        std::mem::take(&mut self.0.lock().unwrap().spent)
    }
}

fn is_operation(metadata: &Metadata<'_>) -> bool {
    metadata.is_span() && metadata.fields().field("rpc.system").is_some()
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for SdkClock {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if is_operation(metadata) {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>, _: Context<'_, S>) -> bool {
        is_operation(metadata)
    }

    fn on_new_span(&self, _: &Attributes<'_>, _: &Id, _: Context<'_, S>) {}

    fn on_enter(&self, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut extensions = span.extensions_mut();
        if extensions.get_mut::<Started>().is_some() {
            return;
        }
        extensions.insert(Started);
        let mut state = self.0.lock().unwrap();
        if state.open == 0 {
            state.since = thread_cpu();
        }
        state.open += 1;
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let started = ctx
            .span(&id)
            .is_some_and(|span| span.extensions().get::<Started>().is_some());
        if !started {
            return;
        }
        let mut state = self.0.lock().unwrap();
        state.open -= 1;
        if state.open == 0 {
            let spent = thread_cpu().saturating_sub(state.since);
            state.spent += spent;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::layer::SubscriberExt;

    /// Some CPU work that the optimiser keeps.
    fn spin() {
        let mut x = 0u64;
        for i in 0..2_000_000u64 {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i));
        }
    }

    fn with_clock(f: impl FnOnce()) -> Duration {
        let clock = SdkClock::default();
        let subscriber = tracing_subscriber::registry().with(clock.clone());
        tracing::subscriber::with_default(subscriber, f);
        clock.take()
    }

    #[test]
    fn an_operation_span_is_clocked_from_its_first_entry_to_its_close() {
        let inside = with_clock(|| {
            let span = tracing::debug_span!("DynamoDB.GetItem", "rpc.system" = "aws-api");
            // Entered and left several times, as a future polled several times is.
            span.in_scope(spin);
            span.in_scope(spin);
            spin();
            spin();
            drop(span);
        });
        let one_spin = with_clock(|| {
            let span = tracing::debug_span!("DynamoDB.GetItem", "rpc.system" = "aws-api");
            span.in_scope(spin);
        });
        // Four spins against one: a wide margin, since this machine's speed varies.
        assert!(
            inside > one_spin.mul_f64(2.0),
            "every spin before the close counts: {inside:?} against {one_spin:?}"
        );
    }

    #[test]
    fn other_spans_and_work_outside_operations_are_not_clocked() {
        let outside = with_clock(|| {
            tracing::debug_span!("handler").in_scope(spin);
            spin();
        });
        assert_eq!(outside, Duration::ZERO);
    }

    #[test]
    fn overlapping_operations_count_once() {
        let three = with_clock(|| {
            let spans: Vec<_> = (0..3)
                .map(|_| tracing::debug_span!("DynamoDB.Query", "rpc.system" = "aws-api"))
                .collect();
            for span in &spans {
                span.in_scope(|| {});
            }
            spin();
            drop(spans);
        });
        let one = with_clock(|| {
            tracing::debug_span!("DynamoDB.Query", "rpc.system" = "aws-api").in_scope(spin);
        });
        // Counted once per operation, three operations over one spin would read three spins.
        assert!(three < one.mul_f64(2.0), "{three:?} against {one:?}");
    }
}
