//! The JSON-document repository against the local AWS-protocol server.

use adapters::store::{
    ClientToken, Condition, Document, DocumentStore, Index, IndexKeys, Key, Query, SortKey,
    StoreError, Update, Versioned, Write, decode,
};
use aws_sdk_dynamodb::types::AttributeValue;
use domain::{Cursor, Limit};
use integration_tests::Stack;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashSet;

/// A small aggregate for exercising the store: schema 2 renamed `body` to `text` and added
/// `revision`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Note {
    id: String,
    owner: String,
    text: String,
    revision: u32,
}

impl Document for Note {
    const ENTITY: &'static str = "note";
    const SCHEMA_VERSION: u32 = 2;

    fn key(&self) -> Key {
        note_key(&self.id)
    }

    fn indexes(&self) -> IndexKeys {
        IndexKeys {
            gsi1: Some(Key::new(
                format!("OWNER#{}", self.owner),
                format!("NOTE#{}", self.id),
            )),
            gsi2: None,
        }
    }

    fn upgrade(from: u32, mut data: serde_json::Value) -> anyhow::Result<serde_json::Value> {
        anyhow::ensure!(from == 1, "unknown schema {from}");
        let body = data["body"].take();
        let object = data
            .as_object_mut()
            .ok_or_else(|| anyhow::anyhow!("not an object"))?;
        object.remove("body");
        object.insert("text".into(), body);
        object.insert("revision".into(), json!(0));
        Ok(data)
    }
}

fn note_key(id: &str) -> Key {
    Key::new(format!("NOTE#{id}"), "NOTE")
}

fn note(owner: &str, text: &str) -> Note {
    Note {
        id: uuid::Uuid::now_v7().to_string(),
        owner: owner.into(),
        text: text.into(),
        revision: 0,
    }
}

/// The note as stored now, with its version.
async fn stored(stack: &Stack, note: &Note) -> Versioned<Note> {
    let found = stack.store().get::<Note>(&note.key()).await.unwrap();
    found.expect("the note is stored")
}

fn limit(n: u16) -> Limit {
    Limit::new(n).unwrap()
}

#[tokio::test]
async fn create_twice_is_a_conflict() {
    let store = Stack::new().await.store();
    let first = note("ada", "first");
    let created = store.create(&first).await.unwrap();
    assert_eq!(created.version, 1);

    let again = Note {
        text: "second".into(),
        ..first.clone()
    };
    assert!(matches!(
        store.create(&again).await,
        Err(StoreError::AlreadyExists)
    ));
    let stored = store.get::<Note>(&first.key()).await.unwrap().unwrap();
    assert_eq!(stored.doc, first);
}

#[tokio::test]
async fn get_of_a_missing_key_is_none() {
    let stack = Stack::new().await;
    let missing = stack.store().get::<Note>(&note_key("nope")).await.unwrap();
    assert_eq!(missing, None);
}

#[tokio::test]
async fn a_stale_save_is_a_conflict_and_changes_nothing() {
    let store = Stack::new().await.store();
    let original = note("ada", "v1");
    store.create(&original).await.unwrap();

    let read = store.get::<Note>(&original.key()).await.unwrap().unwrap();
    let edited = Note {
        text: "v2".into(),
        ..read.doc.clone()
    };
    assert_eq!(store.save(&edited, read.version).await.unwrap(), 2);

    let stale = Note {
        text: "stale".into(),
        ..read.doc
    };
    assert!(matches!(
        store.save(&stale, read.version).await,
        Err(StoreError::VersionConflict)
    ));
    let stored = store.get::<Note>(&original.key()).await.unwrap().unwrap();
    assert_eq!((stored.doc.text.as_str(), stored.version), ("v2", 2));
}

#[tokio::test]
async fn saving_a_document_that_is_gone_is_a_conflict() {
    let stack = Stack::new().await;
    let ghost = note("ada", "never created");
    assert!(matches!(
        stack.store().save(&ghost, 1).await,
        Err(StoreError::VersionConflict)
    ));
    assert_eq!(stack.store().get::<Note>(&ghost.key()).await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_saves_of_one_version_have_exactly_one_winner() {
    let stack = Stack::new().await;
    let original = note("ada", "original");
    stack.store().create(&original).await.unwrap();

    let mut tasks = tokio::task::JoinSet::new();
    for writer in 0..8 {
        // Each writer has its own client, as separate Lambda instances would.
        let store = stack.store();
        let doc = Note {
            text: format!("writer {writer}"),
            ..original.clone()
        };
        tasks.spawn(async move { (doc.text.clone(), store.save(&doc, 1).await) });
    }
    let mut winners = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined.unwrap() {
            (text, Ok(version)) => winners.push((text, version)),
            (_, Err(StoreError::VersionConflict)) => {}
            (_, Err(other)) => panic!("unexpected error: {other}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one save of version 1 wins");
    let stored = stored(&stack, &original).await;
    assert_eq!(stored.doc.text, winners[0].0);
    assert_eq!(stored.version, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writers_that_retry_on_conflict_lose_no_update() {
    let stack = Stack::new().await;
    let original = note("ada", "counter");
    stack.store().create(&original).await.unwrap();

    let writers = 6;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..writers {
        let store = stack.store();
        let key = original.key();
        tasks.spawn(async move {
            loop {
                let read = store.get::<Note>(&key).await.unwrap().unwrap();
                let next = Note {
                    revision: read.doc.revision + 1,
                    ..read.doc
                };
                match store.save(&next, read.version).await {
                    Ok(_) => return,
                    Err(StoreError::VersionConflict) => continue,
                    Err(other) => panic!("unexpected error: {other}"),
                }
            }
        });
    }
    while let Some(joined) = tasks.join_next().await {
        joined.unwrap();
    }
    let stored = stored(&stack, &original).await;
    assert_eq!(stored.doc.revision, writers);
    assert_eq!(stored.version, 1 + u64::from(writers));
}

/// Creates `count` notes for `owner`, returning their ids in creation (= id) order.
async fn notes_of(store: &DocumentStore, owner: &str, count: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..count {
        let doc = note(owner, &format!("note {i}"));
        store.create(&doc).await.unwrap();
        ids.push(doc.id);
    }
    ids
}

#[tokio::test]
async fn cursor_pages_walk_a_partition_without_repeats_or_gaps() {
    let store = Stack::new().await.store();
    let ada = notes_of(&store, "ada", 25).await;
    notes_of(&store, "bob", 5).await;

    let query = Query::index(Index::Gsi1, "OWNER#ada");
    let mut seen = Vec::new();
    let mut sizes = Vec::new();
    let mut cursor: Option<Cursor> = None;
    loop {
        let page = store
            .query::<Note>(&query, limit(7), cursor.as_ref())
            .await
            .unwrap();
        sizes.push(page.items.len());
        seen.extend(page.items.into_iter().map(|v| v.doc.id));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
        assert!(sizes.len() < 10, "pagination does not end");
    }
    assert_eq!(sizes, [7, 7, 7, 4]);
    assert_eq!(seen, ada, "every note once, in sort-key order");
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 25);

    // Descending order walks the same set backwards.
    let descending = query.clone().descending();
    let first = store
        .query::<Note>(&descending, limit(3), None)
        .await
        .unwrap();
    let ids: Vec<_> = first.items.iter().map(|v| v.doc.id.clone()).collect();
    assert_eq!(ids, ada.iter().rev().take(3).cloned().collect::<Vec<_>>());
}

#[tokio::test]
async fn a_page_that_ends_the_partition_has_no_cursor() {
    let store = Stack::new().await.store();
    notes_of(&store, "ada", 4).await;
    let query = Query::index(Index::Gsi1, "OWNER#ada");
    let page = store.query::<Note>(&query, limit(4), None).await.unwrap();
    assert_eq!(page.items.len(), 4);
    assert_eq!(page.next_cursor, None, "no cursor to an empty page");

    let sorted = Query::index(Index::Gsi1, "OWNER#ada").sort(SortKey::BeginsWith("NOTE#".into()));
    let page = store.query::<Note>(&sorted, limit(10), None).await.unwrap();
    assert_eq!(page.items.len(), 4);
}

#[tokio::test]
async fn tampered_or_foreign_cursors_are_typed_errors() {
    let store = Stack::new().await.store();
    notes_of(&store, "ada", 5).await;
    notes_of(&store, "bob", 5).await;
    let ada = Query::index(Index::Gsi1, "OWNER#ada");
    let page = store.query::<Note>(&ada, limit(2), None).await.unwrap();
    let cursor = page.next_cursor.expect("a second page");

    let mut flipped = cursor.as_str().to_owned().into_bytes();
    let middle = flipped.len() / 2;
    flipped[middle] = if flipped[middle] == b'A' { b'B' } else { b'A' };
    let tampered = Cursor::new(String::from_utf8(flipped).unwrap());
    let bob = Query::index(Index::Gsi1, "OWNER#bob");
    for (query, bad) in [
        (&ada, tampered),
        (&ada, Cursor::new("not a cursor".into())),
        (&ada, Cursor::new(String::new())),
        (&bob, cursor.clone()),
    ] {
        let result = store.query::<Note>(query, limit(2), Some(&bad)).await;
        assert!(
            matches!(result, Err(StoreError::InvalidCursor(_))),
            "{bad:?}: {result:?}"
        );
    }
    // The untouched cursor still works.
    let next = store
        .query::<Note>(&ada, limit(2), Some(&cursor))
        .await
        .unwrap();
    assert_eq!(next.items.len(), 2);
}

#[tokio::test]
async fn a_transaction_whose_condition_fails_applies_nothing() {
    let store = Stack::new().await.store();
    let taken = note("ada", "already here");
    store.create(&taken).await.unwrap();
    let fresh = note("ada", "would be new");
    let table = store.table();

    let result = store
        .transact(
            || {
                Ok(vec![
                    Write::create(&fresh, table)?,
                    Write::create(&taken, table)?,
                ])
            },
            &ClientToken::of(&["two notes"]),
        )
        .await;
    let Err(StoreError::TransactionCancelled(reasons)) = result else {
        panic!("expected a cancelled transaction, got {result:?}");
    };
    assert_eq!(reasons.len(), 2);
    assert!(!reasons[0].condition_failed());
    assert!(reasons[1].condition_failed());
    let old = decode::<Note>(reasons[1].item.clone().expect("the old item")).unwrap();
    assert_eq!(old.doc, taken);
    assert_eq!(store.get::<Note>(&fresh.key()).await.unwrap(), None);
}

#[tokio::test]
async fn conditional_updates_in_a_transaction_bump_the_version() {
    let store = Stack::new().await.store();
    let doc = Note {
        revision: 5,
        ..note("ada", "stocked")
    };
    store.create(&doc).await.unwrap();
    let take = |n: u32| {
        let update = Update::new(
            doc.key(),
            "SET #data.#revision = #data.#revision - :n",
            Condition::new("#data.#revision >= :n")
                .name("#data", "data")
                .name("#revision", "revision")
                .value(":n", AttributeValue::N(n.to_string())),
        );
        Write::update(update, store.table()).unwrap()
    };

    store
        .transact(|| Ok(vec![take(3)]), &ClientToken::of(&["take", "first"]))
        .await
        .unwrap();
    let after = store.get::<Note>(&doc.key()).await.unwrap().unwrap();
    assert_eq!((after.doc.revision, after.version), (2, 2));

    let Err(StoreError::TransactionCancelled(reasons)) = store
        .transact(|| Ok(vec![take(3)]), &ClientToken::of(&["take", "second"]))
        .await
    else {
        panic!("taking more than is left must fail");
    };
    let left = decode::<Note>(reasons[0].item.clone().unwrap()).unwrap();
    assert_eq!(left.doc.revision, 2, "the reason carries what is left");
    let unchanged = store.get::<Note>(&doc.key()).await.unwrap().unwrap();
    assert_eq!(unchanged, after);
}

#[tokio::test]
async fn a_document_of_an_older_schema_is_upgraded_on_read() {
    let stack = Stack::new().await;
    let store = stack.store();
    let key = note_key("legacy");
    let data = serde_dynamo::aws_sdk_dynamodb_1::to_attribute_value(json!({
        "id": "legacy", "owner": "ada", "body": "written by schema 1"
    }))
    .unwrap();
    stack
        .dynamodb()
        .put_item()
        .table_name(&stack.table)
        .item("pk", AttributeValue::S(key.pk.clone()))
        .item("sk", AttributeValue::S(key.sk.clone()))
        .item("entity", AttributeValue::S("note".into()))
        .item("schema_version", AttributeValue::N("1".into()))
        .item("version", AttributeValue::N("3".into()))
        .item(
            "created_at",
            AttributeValue::S("2025-01-01T00:00:00Z".into()),
        )
        .item(
            "updated_at",
            AttributeValue::S("2025-01-01T00:00:00Z".into()),
        )
        .item("data", data)
        .send()
        .await
        .unwrap();

    let read = store.get::<Note>(&key).await.unwrap().unwrap();
    assert_eq!(read.doc.text, "written by schema 1");
    assert_eq!(read.doc.revision, 0);
    assert_eq!(read.version, 3);

    // Saving writes the current schema back.
    store.save(&read.doc, read.version).await.unwrap();
    let raw = stack
        .dynamodb()
        .get_item()
        .table_name(&stack.table)
        .set_key(Some(
            [
                ("pk".to_owned(), AttributeValue::S(key.pk.clone())),
                ("sk".to_owned(), AttributeValue::S(key.sk.clone())),
            ]
            .into(),
        ))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert_eq!(raw["schema_version"], AttributeValue::N("2".into()));
    assert_eq!(
        raw["created_at"],
        AttributeValue::S("2025-01-01T00:00:00Z".into())
    );
}

#[tokio::test]
async fn batch_get_reads_many_keys_in_few_round_trips() {
    let stack = Stack::new().await;
    let (store, calls) = stack.counted_store();
    let ids = notes_of(&store, "ada", 120).await;
    calls.reset();

    let mut keys: Vec<Key> = ids.iter().map(|id| note_key(id)).collect();
    keys.push(note_key("missing"));
    let found = store.batch_get::<Note>(&keys).await.unwrap();
    let found_ids: HashSet<_> = found.into_iter().map(|v| v.doc.id).collect();
    assert_eq!(found_ids, ids.into_iter().collect::<HashSet<_>>());
    assert_eq!(
        calls.names(),
        ["BatchGetItem", "BatchGetItem"],
        "one call per 100 keys"
    );
}
