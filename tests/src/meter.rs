//! [`Meter`], an SDK interceptor that counts what a DynamoDB client's calls cost: the
//! operations, the IAM actions they need, items read and written, and the read and write
//! request units they consume (estimated from item sizes with DynamoDB's rules:
//! 4 KB per read unit, half for eventually consistent reads, 1 KB per write unit, twice for
//! transactions). [`thread_cpu`] is the clock the benchmark times a call's work with.

use aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemOutput;
use aws_sdk_dynamodb::operation::batch_write_item::BatchWriteItemInput;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemInput;
use aws_sdk_dynamodb::operation::get_item::GetItemOutput;
use aws_sdk_dynamodb::operation::put_item::PutItemInput;
use aws_sdk_dynamodb::operation::query::QueryOutput;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsInput;
use aws_sdk_dynamodb::operation::update_item::UpdateItemInput;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    AfterDeserializationInterceptorContextRef, BeforeSerializationInterceptorContextRef,
};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

type Item = HashMap<String, AttributeValue>;

/// A write whose size is only known once it is done (updates, deletes): its key.
#[derive(Debug, Clone)]
pub struct PendingWrite {
    pub key: Item,
    pub transactional: bool,
}

/// What IAM authorises one call (or one item of a batch or transaction) on: the action, the
/// index (`None` for the table), and the partition key value (`dynamodb:LeadingKeys`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Access {
    pub action: String,
    pub index: Option<String>,
    pub partition: Option<String>,
}

/// Every access a client's calls needed.
pub type IamActions = BTreeSet<Access>;

#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// Operations by name (`GetItem`, `Query`, ...), one per call whatever the retries.
    pub calls: Vec<String>,
    /// What the calls needed of IAM: a transaction needs the action of each of its writes.
    pub actions: IamActions,
    pub items_read: usize,
    pub items_written: usize,
    pub read_units: f64,
    pub write_units: f64,
    pub sized_later: Vec<PendingWrite>,
}

#[derive(Debug, Clone, Default)]
pub struct Meter(Arc<Mutex<Tally>>);

impl Meter {
    /// What was counted since the last take, starting afresh.
    pub fn take(&self) -> Tally {
        std::mem::take(&mut *self.0.lock().unwrap())
    }

    pub fn total(&self) -> usize {
        self.0.lock().unwrap().calls.len()
    }

    pub fn names(&self) -> Vec<String> {
        self.0.lock().unwrap().calls.clone()
    }

    /// Items read from the table: `ScannedCount` of a query, the items a get or batch get
    /// returned.
    pub fn items_read(&self) -> usize {
        self.0.lock().unwrap().items_read
    }

    /// Every IAM action the calls needed since the meter was made.
    pub fn iam_actions(&self) -> IamActions {
        self.0.lock().unwrap().actions.clone()
    }

    /// Starts counting calls and reads afresh, keeping the IAM actions seen.
    pub fn reset(&self) {
        let mut tally = self.0.lock().unwrap();
        let actions = std::mem::take(&mut tally.actions);
        *tally = Tally {
            actions,
            ..Tally::default()
        };
    }
}

/// CPU time of the calling thread, to the nanosecond (`/proc`'s figures are in 10 ms ticks).
/// On a current-thread runtime, as the functions run, that is all of an invocation's work,
/// and none of any other thread's.
pub fn thread_cpu() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime only writes the timespec it is given.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    assert_eq!(
        status, 0,
        "CLOCK_THREAD_CPUTIME_ID is always available on Linux"
    );
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

/// DynamoDB's item size: attribute names plus values (numbers about half their digits).
pub fn item_size(item: &Item) -> usize {
    item.iter()
        .map(|(name, value)| name.len() + value_size(value))
        .sum()
}

fn value_size(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::S(s) => s.len(),
        AttributeValue::N(n) => n.len().div_ceil(2) + 1,
        AttributeValue::B(b) => b.as_ref().len(),
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        AttributeValue::L(list) => 3 + list.iter().map(|v| 1 + value_size(v)).sum::<usize>(),
        AttributeValue::M(map) => {
            3 + map
                .iter()
                .map(|(k, v)| 1 + k.len() + value_size(v))
                .sum::<usize>()
        }
        AttributeValue::Ss(set) => set.iter().map(String::len).sum(),
        AttributeValue::Ns(set) => set.iter().map(|n| n.len().div_ceil(2) + 1).sum(),
        AttributeValue::Bs(set) => set.iter().map(|b| b.as_ref().len()).sum(),
        _ => 1,
    }
}

pub fn write_units(size: usize, transactional: bool) -> f64 {
    let units = size.div_ceil(1024).max(1) as f64;
    if transactional { 2.0 * units } else { units }
}

fn read_units(size: usize, consistent: bool) -> f64 {
    let units = size.div_ceil(4096).max(1) as f64;
    if consistent { units } else { units / 2.0 }
}

impl Intercept for Meter {
    fn name(&self) -> &'static str {
        "Meter"
    }

    fn read_before_serialization(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        config: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let mut tally = self.0.lock().unwrap();
        let operation = config
            .load::<Metadata>()
            .map_or("unknown", |m| m.name())
            .to_owned();
        let input = context.input();
        tally.actions.extend(iam_actions(&operation, input));
        tally.calls.push(operation);
        let later = |tally: &mut Tally, key: Option<&Item>, transactional: bool| {
            tally.items_written += 1;
            if let Some(key) = key {
                tally.sized_later.push(PendingWrite {
                    key: key.clone(),
                    transactional,
                });
            }
        };
        if let Some(put) = input.downcast_ref::<PutItemInput>() {
            tally.items_written += 1;
            tally.write_units += write_units(put.item.as_ref().map_or(0, item_size), false);
        } else if let Some(update) = input.downcast_ref::<UpdateItemInput>() {
            later(&mut tally, update.key.as_ref(), false);
        } else if input.downcast_ref::<DeleteItemInput>().is_some() {
            // A deleted item's size is gone with it: counted as one unit.
            tally.items_written += 1;
            tally.write_units += 1.0;
        } else if let Some(batch) = input.downcast_ref::<BatchWriteItemInput>() {
            for request in batch
                .request_items
                .iter()
                .flat_map(|r| r.values())
                .flatten()
            {
                tally.items_written += 1;
                tally.write_units += match &request.put_request {
                    Some(put) => write_units(item_size(&put.item), false),
                    None => 1.0,
                };
            }
        } else if let Some(transaction) = input.downcast_ref::<TransactWriteItemsInput>() {
            for item in transaction.transact_items.iter().flatten() {
                if let Some(put) = &item.put {
                    tally.items_written += 1;
                    tally.write_units += write_units(item_size(&put.item), true);
                } else if let Some(update) = &item.update {
                    later(&mut tally, Some(&update.key), true);
                } else if item.delete.is_some() {
                    tally.items_written += 1;
                    tally.write_units += 2.0;
                } else if item.condition_check.is_some() {
                    tally.write_units += 2.0;
                }
            }
        }
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _config: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Ok(output) = context.output_or_error() else {
            return Ok(());
        };
        let mut tally = self.0.lock().unwrap();
        // Our code reads items consistently and queries eventually consistently.
        if let Some(get) = output.downcast_ref::<GetItemOutput>() {
            tally.items_read += usize::from(get.item.is_some());
            tally.read_units += read_units(get.item.as_ref().map_or(0, item_size), true);
        } else if let Some(batch) = output.downcast_ref::<BatchGetItemOutput>() {
            for item in batch.responses.iter().flat_map(|r| r.values()).flatten() {
                tally.items_read += 1;
                tally.read_units += read_units(item_size(item), true);
            }
        } else if let Some(query) = output.downcast_ref::<QueryOutput>() {
            // A query is charged for what it scanned, filtered out or not: scanned items are
            // taken to be the size of the returned ones on average.
            let scanned = usize::try_from(query.scanned_count).unwrap_or(0);
            let returned: Vec<usize> = query.items.iter().flatten().map(item_size).collect();
            let average = returned
                .iter()
                .sum::<usize>()
                .checked_div(returned.len())
                .unwrap_or(1024);
            tally.items_read += scanned;
            tally.read_units += read_units(average * scanned, false);
        }
        Ok(())
    }
}

fn pk(item: &Item) -> Option<String> {
    match item.get("pk") {
        Some(AttributeValue::S(pk)) => Some(pk.clone()),
        _ => None,
    }
}

fn iam_actions(
    operation: &str,
    input: &aws_smithy_runtime_api::client::interceptors::context::Input,
) -> Vec<Access> {
    use aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemInput;
    use aws_sdk_dynamodb::operation::get_item::GetItemInput;
    use aws_sdk_dynamodb::operation::query::QueryInput;
    let access = |action: &str, index: Option<String>, partition: Option<String>| Access {
        action: format!("dynamodb:{action}"),
        index,
        partition,
    };
    if let Some(query) = input.downcast_ref::<QueryInput>() {
        let values = query.expression_attribute_values.as_ref();
        let partition = match values.and_then(|v| v.get(":pk")) {
            Some(AttributeValue::S(pk)) => Some(pk.clone()),
            _ => None,
        };
        return vec![access("Query", query.index_name.clone(), partition)];
    }
    if let Some(get) = input.downcast_ref::<GetItemInput>() {
        return vec![access("GetItem", None, get.key.as_ref().and_then(pk))];
    }
    if let Some(put) = input.downcast_ref::<PutItemInput>() {
        return vec![access("PutItem", None, put.item.as_ref().and_then(pk))];
    }
    if let Some(update) = input.downcast_ref::<UpdateItemInput>() {
        return vec![access("UpdateItem", None, update.key.as_ref().and_then(pk))];
    }
    if let Some(delete) = input.downcast_ref::<DeleteItemInput>() {
        return vec![access("DeleteItem", None, delete.key.as_ref().and_then(pk))];
    }
    if let Some(batch) = input.downcast_ref::<BatchGetItemInput>() {
        return batch
            .request_items
            .iter()
            .flat_map(|r| r.values())
            .flat_map(|keys| keys.keys.iter())
            .map(|key| access("BatchGetItem", None, pk(key)))
            .collect();
    }
    if let Some(batch) = input.downcast_ref::<BatchWriteItemInput>() {
        return batch
            .request_items
            .iter()
            .flat_map(|r| r.values())
            .flatten()
            .map(|request| {
                let key = match (&request.put_request, &request.delete_request) {
                    (Some(put), _) => pk(&put.item),
                    (_, Some(delete)) => pk(&delete.key),
                    _ => None,
                };
                access("BatchWriteItem", None, key)
            })
            .collect();
    }
    if let Some(transaction) = input.downcast_ref::<TransactWriteItemsInput>() {
        return transaction
            .transact_items
            .iter()
            .flatten()
            .map(|item| {
                if let Some(put) = &item.put {
                    access("PutItem", None, pk(&put.item))
                } else if let Some(update) = &item.update {
                    access("UpdateItem", None, pk(&update.key))
                } else if let Some(delete) = &item.delete {
                    access("DeleteItem", None, pk(&delete.key))
                } else {
                    let key = item.condition_check.as_ref().map(|c| &c.key);
                    access("ConditionCheckItem", None, key.and_then(pk))
                }
            })
            .collect();
    }
    vec![access(operation, None, None)]
}
