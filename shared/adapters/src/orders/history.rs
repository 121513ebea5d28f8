//! A customer's orders, newest first, from the index written with each order: all of them
//! (gsi1 `ORDERS#<customer>`) or those of one status (gsi2
//! `ORDERS_BY_STATUS#<status>#<customer>`, moved by the write that changes the status). A page
//! reads its own orders and one more, whatever the customer's history.

use super::DynamoOrderRepository;
use super::placing::{customer_partition, status_partition};
use crate::store::{Index, Query, StoreError};
use domain::order::{Order, OrderFilter, OrderHistory};
use domain::{Cursor, Limit, Page, PageError};

impl OrderHistory for DynamoOrderRepository {
    async fn orders_page(
        &self,
        filter: &OrderFilter,
        limit: Limit,
        cursor: Option<&Cursor>,
    ) -> Result<Page<Order>, PageError> {
        let query = match filter.status {
            None => Query::index(Index::Gsi1, customer_partition(&filter.customer_id)),
            Some(status) => {
                Query::index(Index::Gsi2, status_partition(&filter.customer_id, status))
            }
        }
        .descending();
        let page = self
            .store
            .query::<Order>(&query, limit, cursor)
            .await
            .map_err(|e| match e {
                StoreError::InvalidCursor(_) => PageError::InvalidCursor,
                e => PageError::Unexpected(e.into()),
            })?;
        Ok(Page {
            items: page.items.into_iter().map(|v| v.doc).collect(),
            next_cursor: page.next_cursor,
        })
    }
}
