//! The one place where each use case's errors become problem responses.

use super::problem::Problem;
use domain::FieldError;
use domain::catalog::{
    ChangeRefused, CreateProductError, GetProductError, SearchError, UpdateProductError,
};
use domain::monitoring::{
    AlertError, ChangeChartError, CreateAlertError, CreateChartError, GetChartError,
    ListAlertsError, ListChartsError, MuteAlertError, RecordPointsError,
};
use domain::order::{
    CancelOrderError, CreateOrderError, FulfilOrderError, GetOrderError, ListOrdersError,
    OrderRefusal,
};

impl From<Vec<FieldError>> for Problem {
    fn from(errors: Vec<FieldError>) -> Self {
        Problem::invalid_fields(errors)
    }
}

impl From<OrderRefusal> for Problem {
    fn from(refusal: OrderRefusal) -> Self {
        match &refusal {
            OrderRefusal::UnknownProducts { product_ids } => {
                Problem::unprocessable(refusal.to_string())
                    .with("product_ids", serde_json::json!(product_ids))
            }
            OrderRefusal::InsufficientStock { shortages } => Problem::conflict(refusal.to_string())
                .with("shortages", serde_json::json!(shortages)),
        }
    }
}

/// `From<E> for Problem` for each use case's error enum: each variant listed becomes the
/// problem its function makes of the error's message; `Unexpected` is logged with its cause
/// and becomes a 500 (a 503 when storage was busy).
macro_rules! problems {
    ($($error:ident { $($variant:ident => $make:expr),* $(,)? })*) => {$(
        impl From<$error> for Problem {
            fn from(error: $error) -> Self {
                match &error {
                    $($error::$variant { .. } => $make(error.to_string()),)*
                    $error::Unexpected { .. } => Problem::unexpected(&error),
                }
            }
        }
    )*};
}

problems! {
    CreateProductError { Forbidden => Problem::forbidden, DuplicateName => Problem::conflict }
    GetProductError { NotFound => Problem::not_found }

    SearchError { InvalidCursor => invalid_cursor }
    CreateOrderError { KeyReused => Problem::unprocessable, InFlight => Problem::conflict }
    GetOrderError { NotFound => Problem::not_found }
    CancelOrderError { NotFound => Problem::not_found, NotPending => Problem::conflict }
    FulfilOrderError {
        Forbidden => Problem::forbidden,
        NotFound => Problem::not_found,
        WrongStatus => Problem::conflict,
    }
    ListOrdersError { Forbidden => Problem::forbidden, InvalidCursor => invalid_cursor }
    CreateChartError { TooManyCharts => Problem::conflict }
    RecordPointsError {
        ChartNotFound => Problem::not_found,
        TooManySeries => Problem::conflict,
        Contended => busy,
    }
    CreateAlertError {
        ChartNotFound => Problem::not_found,
        TooManyAlerts => Problem::conflict,
        Contended => busy,
    }
    ListAlertsError { ChartNotFound => Problem::not_found, InvalidCursor => invalid_cursor }
    MuteAlertError { AlertNotFound => Problem::not_found }
    ListChartsError { InvalidCursor => invalid_cursor }
    GetChartError { ChartNotFound => Problem::not_found }
    ChangeChartError {
        ChartNotFound => Problem::not_found,
        VersionMismatch => Problem::precondition_failed,
        Contended => busy,
    }
    AlertError {
        AlertNotFound => Problem::not_found,
        VersionMismatch => Problem::precondition_failed,
        Contended => busy,
    }
}

/// A change refused by the catalog's rules names what the client needs: a price falling too
/// far is a 422 with the current price, a stock leaving its bounds a 409 with the stock left.
impl From<UpdateProductError> for Problem {
    fn from(error: UpdateProductError) -> Self {
        let detail = error.to_string();
        match &error {
            UpdateProductError::Forbidden => Problem::forbidden(detail),
            UpdateProductError::NotFound(_) => Problem::not_found(detail),
            UpdateProductError::VersionMismatch(_) => Problem::precondition_failed(detail),
            UpdateProductError::Refused(ChangeRefused::PriceDrop { current }) => {
                Problem::unprocessable(detail).with("current_price", serde_json::json!(current))
            }
            UpdateProductError::Refused(ChangeRefused::StockOutOfRange { left }) => {
                Problem::conflict(detail).with("stock", serde_json::json!(left))
            }
            UpdateProductError::DuplicateName(_) => Problem::conflict(detail),
            UpdateProductError::Contended => Problem::busy(),
            UpdateProductError::Unexpected(_) => Problem::unexpected(&error),
        }
    }
}

/// 503: the use case gave up on a contended write after its retries.
fn busy(_detail: String) -> Problem {
    Problem::busy()
}

/// 400 naming the `cursor` parameter.
fn invalid_cursor(_detail: String) -> Problem {
    Problem::invalid_fields(vec![FieldError {
        field: "cursor".into(),
        message: "was not made for this list".into(),
    }])
}
