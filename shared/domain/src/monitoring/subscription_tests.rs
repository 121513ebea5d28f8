//! Subscriptions and the bound on charts, on the in-memory fakes: who is invited, what a
//! token can do, and how long it works.

use super::test_data::{caller, chart_command, clock};
use super::tests::chart;
use super::*;
use crate::Validation;
use crate::fakes::{InMemoryCharts, NoPause, RecordingMailer};

#[tokio::test]
async fn a_customer_owns_at_most_the_configured_number_of_charts() {
    let charts = InMemoryCharts::default();
    let mailer = RecordingMailer::default();
    for _ in 0..3 {
        create_chart(
            &caller("ada"),
            chart_command("x", "a@example.com"),
            3,
            &clock(),
            &charts,
            &mailer,
        )
        .await
        .unwrap();
    }
    assert!(matches!(
        create_chart(
            &caller("ada"),
            chart_command("x", "a@example.com"),
            3,
            &clock(),
            &charts,
            &mailer
        )
        .await,
        Err(CreateChartError::TooManyCharts(3))
    ));
    create_chart(
        &caller("bob"),
        chart_command("x", "a@example.com"),
        3,
        &clock(),
        &charts,
        &mailer,
    )
    .await
    .expect("another customer's count is their own");
}

fn recipients(list: &[&str]) -> ChartChange {
    let mut validation = Validation::new();
    ChartChange::parse(
        ChartChangeInput {
            recipients: Some(list.iter().map(|r| Some(*r)).collect()),
            ..Default::default()
        },
        &mut validation,
    )
    .unwrap()
}

#[tokio::test]
async fn only_new_recipients_are_invited_and_a_removed_ones_link_stops_working() {
    let charts = InMemoryCharts::default();
    let kept = chart(&charts, "ada", "kept@example.com").await;
    let mailer = RecordingMailer::default();
    let (ada, clock, any) = (caller("ada"), clock(), crate::IfMatch::any());
    let change = |list: &'static [&'static str]| {
        update_chart(
            &ada,
            kept.id(),
            recipients(list),
            &any,
            ChartChangeDeps {
                clock: &clock,
                backoff: &NoPause,
                charts: &charts,
                mailer: &mailer,
            },
        )
    };
    let changed = change(&["kept@example.com", "new@example.com"])
        .await
        .unwrap();
    let statuses: Vec<_> = changed.subscriptions().iter().map(|s| s.status()).collect();
    assert_eq!(
        statuses,
        [SubscriptionStatus::Confirmed, SubscriptionStatus::Pending]
    );
    let invited = mailer.invited();
    assert_eq!(invited.len(), 1);
    assert_eq!(invited[0].email().as_str(), "new@example.com");
    let token = invited[0].token().clone();
    assert!(subscription_page(&token, &clock, &charts).await.is_ok());

    change(&["kept@example.com"]).await.unwrap();
    assert!(matches!(
        subscription_page(&token, &clock, &charts).await,
        Err(ManageSubscriptionError::Refused(
            SubscriptionError::NotFound
        ))
    ));
    // Listed again: a new pending subscription and a new invitation, nothing else.
    let again = change(&["kept@example.com", "new@example.com"])
        .await
        .unwrap();
    assert_eq!(
        again.subscriptions()[1].status(),
        SubscriptionStatus::Pending
    );
    assert_eq!(mailer.invited().len(), 2);
    assert_ne!(mailer.invited()[1].token(), &token);
}

#[tokio::test]
async fn a_recipient_confirms_and_unsubscribes_by_their_token_alone() {
    let charts = InMemoryCharts::default();
    let mailer = RecordingMailer::default();
    let created = create_chart(
        &caller("ada"),
        chart_command("API", "a@example.com"),
        100,
        &clock(),
        &charts,
        &mailer,
    )
    .await
    .unwrap();
    let token = mailer.invited()[0].token().clone();
    let now = clock();
    let manage = |request| manage_subscription(&token, request, &now, &NoPause, &charts);
    let page = subscription_page(&token, &clock(), &charts).await.unwrap();
    assert_eq!(
        (page.chart_name.as_str(), page.email.as_str(), page.status),
        ("API", "a@example.com", SubscriptionStatus::Pending)
    );
    let confirmed = manage(SubscriptionRequest::Confirm).await.unwrap();
    assert_eq!(
        (confirmed.status, confirmed.changed),
        (SubscriptionStatus::Confirmed, true)
    );
    assert!(
        !manage(SubscriptionRequest::Confirm).await.unwrap().changed,
        "a repeat is harmless"
    );
    let (stored, _) = charts.get_chart(&created.id()).await.unwrap().unwrap();
    assert_eq!(
        stored.version(),
        2,
        "a confirmation is a change of the chart"
    );
    assert_eq!(stored.confirmed_subscriptions().len(), 1);

    let gone = manage(SubscriptionRequest::Unsubscribe).await.unwrap();
    assert_eq!(gone.status, SubscriptionStatus::Unsubscribed);
    assert!(matches!(
        manage(SubscriptionRequest::Confirm).await,
        Err(ManageSubscriptionError::Refused(
            SubscriptionError::Unsubscribed
        ))
    ));
    let unknown = SubscriptionToken::generate();
    assert!(matches!(
        subscription_page(&unknown, &clock(), &charts).await,
        Err(ManageSubscriptionError::Refused(
            SubscriptionError::NotFound
        ))
    ));
}

#[tokio::test]
async fn an_unconfirmed_link_expires_after_a_week() {
    let charts = InMemoryCharts::default();
    let mailer = RecordingMailer::default();
    create_chart(
        &caller("ada"),
        chart_command("API", "a@example.com"),
        100,
        &clock(),
        &charts,
        &mailer,
    )
    .await
    .unwrap();
    let token = mailer.invited()[0].token().clone();
    let week_later = crate::fakes::FixedClock::at("2026-11-28T10:00:00Z");
    assert!(matches!(
        manage_subscription(
            &token,
            SubscriptionRequest::Confirm,
            &week_later,
            &NoPause,
            &charts
        )
        .await,
        Err(ManageSubscriptionError::Refused(
            SubscriptionError::NotFound
        ))
    ));
    assert!(
        subscription_page(&token, &week_later, &charts)
            .await
            .is_err()
    );
}
