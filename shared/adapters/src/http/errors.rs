//! The one place where each use case's errors become problem responses.

use super::problem::Problem;
use domain::FieldError;
use domain::catalog::{CreateProductError, GetProductError, SearchError};
use domain::monitoring::{
    CreateAlertError, CreateChartError, ListAlertsError, MuteAlertError, RecordPointsError,
};
use domain::order::{CancelOrderError, CreateOrderError, GetOrderError, OrderRefusal};

impl From<Vec<FieldError>> for Problem {
    fn from(errors: Vec<FieldError>) -> Self {
        Problem::invalid_fields(errors)
    }
}

impl From<CreateProductError> for Problem {
    fn from(error: CreateProductError) -> Self {
        match error {
            CreateProductError::Forbidden => Problem::forbidden(error.to_string()),
            CreateProductError::DuplicateName(_) => Problem::conflict(error.to_string()),
            CreateProductError::Unexpected(_) => Problem::unexpected(&error),
        }
    }
}

impl From<GetProductError> for Problem {
    fn from(error: GetProductError) -> Self {
        match error {
            GetProductError::NotFound(_) => Problem::not_found(error.to_string()),
            GetProductError::Unexpected(_) => Problem::unexpected(&error),
        }
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

impl From<CreateOrderError> for Problem {
    fn from(error: CreateOrderError) -> Self {
        match error {
            CreateOrderError::KeyReused => Problem::unprocessable(error.to_string()),
            CreateOrderError::InFlight => Problem::conflict(error.to_string()),
            CreateOrderError::Unexpected(_) => Problem::unexpected(&error),
        }
    }
}

impl From<GetOrderError> for Problem {
    fn from(error: GetOrderError) -> Self {
        match error {
            GetOrderError::NotFound(_) => Problem::not_found(error.to_string()),
            GetOrderError::Unexpected(_) => Problem::unexpected(&error),
        }
    }
}

impl From<CancelOrderError> for Problem {
    fn from(error: CancelOrderError) -> Self {
        match error {
            CancelOrderError::NotFound(_) => Problem::not_found(error.to_string()),
            CancelOrderError::NotPending(_) => Problem::conflict(error.to_string()),
            CancelOrderError::Unexpected(_) => Problem::unexpected(&error),
        }
    }
}

impl From<CreateChartError> for Problem {
    fn from(error: CreateChartError) -> Self {
        match error {
            CreateChartError::Unexpected(_) => Problem::unexpected(&error),
        }
    }
}

impl From<RecordPointsError> for Problem {
    fn from(error: RecordPointsError) -> Self {
        match error {
            RecordPointsError::ChartNotFound(_) => Problem::not_found(error.to_string()),
            RecordPointsError::TooManySeries(_) => Problem::conflict(error.to_string()),
            RecordPointsError::Contended => Problem::busy(),
            RecordPointsError::Unexpected(_) => Problem::unexpected(&error),
        }
    }
}

impl From<CreateAlertError> for Problem {
    fn from(error: CreateAlertError) -> Self {
        match error {
            CreateAlertError::ChartNotFound(_) => Problem::not_found(error.to_string()),
            CreateAlertError::TooManyAlerts(_) => Problem::conflict(error.to_string()),
            CreateAlertError::Contended => Problem::busy(),
            CreateAlertError::Unexpected(_) => Problem::unexpected(&error),
        }
    }
}

impl From<ListAlertsError> for Problem {
    fn from(error: ListAlertsError) -> Self {
        match error {
            ListAlertsError::ChartNotFound(_) => Problem::not_found(error.to_string()),
            ListAlertsError::InvalidCursor => invalid_cursor("is not a cursor of this list"),
            ListAlertsError::Unexpected(_) => Problem::unexpected(&error),
        }
    }
}

impl From<MuteAlertError> for Problem {
    fn from(error: MuteAlertError) -> Self {
        match error {
            MuteAlertError::AlertNotFound(_) => Problem::not_found(error.to_string()),
            MuteAlertError::Unexpected(_) => Problem::unexpected(&error),
        }
    }
}

/// 400 naming the `cursor` parameter.
fn invalid_cursor(message: &str) -> Problem {
    Problem::invalid_fields(vec![FieldError {
        field: "cursor".into(),
        message: message.into(),
    }])
}

impl From<SearchError> for Problem {
    fn from(error: SearchError) -> Self {
        match error {
            SearchError::InvalidCursor => invalid_cursor("is not a cursor of this search"),
            SearchError::Unexpected(_) => Problem::unexpected(&error),
        }
    }
}
