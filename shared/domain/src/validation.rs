//! Collecting every invalid field of a request at once.

use serde::Serialize;

/// One invalid field, named by its path in the request (`items[0].quantity`, `limit`,
/// `header:idempotency-key`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// Accumulates field errors while a request is parsed, so the answer lists all of them (the
/// first [`Validation::MAX_ERRORS`]: a large body of bad elements costs time linear in its
/// size and an answer of bounded size).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Validation {
    errors: Vec<FieldError>,
    /// Invalid fields past the first `MAX_ERRORS`, counted but not kept.
    omitted: usize,
}

impl Validation {
    /// Invalid fields a request's answer lists at most.
    pub const MAX_ERRORS: usize = 100;

    pub fn new() -> Self {
        Self::default()
    }

    /// Records why `field` is invalid; only the first reason per field is kept, so a field
    /// of the wrong type is not also reported as missing.
    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        let field = field.into();
        if self.errors.iter().any(|e| e.field == field) {
            return;
        }
        if self.errors.len() == Self::MAX_ERRORS {
            self.omitted += 1;
            return;
        }
        self.errors.push(FieldError {
            field,
            message: message.into(),
        });
    }

    /// How many invalid fields were found beyond the ones kept.
    pub fn omitted(&self) -> usize {
        self.omitted
    }

    /// Keeps the parsed value, or records why it was refused under `field`.
    pub fn check<T, E: std::fmt::Display>(
        &mut self,
        field: impl Into<String>,
        parsed: Result<T, E>,
    ) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(reason) => {
                self.push(field, reason.to_string());
                None
            }
        }
    }

    /// A value that must be present: parsed by `parse`, or recorded as `is required`.
    pub fn required<V, T, E: std::fmt::Display>(
        &mut self,
        field: impl Into<String>,
        value: Option<V>,
        parse: impl FnOnce(V) -> Result<T, E>,
    ) -> Option<T> {
        let field = field.into();
        match value {
            Some(value) => self.check(field, parse(value)),
            None => {
                self.push(field, "is required");
                None
            }
        }
    }

    /// The names of the invalid fields, in the order they were recorded.
    pub fn fields(&self) -> Vec<&str> {
        self.errors.iter().map(|e| e.field.as_str()).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn errors(&self) -> &[FieldError] {
        &self.errors
    }

    pub fn into_errors(self) -> Vec<FieldError> {
        self.errors
    }

    /// `Ok(value)` when nothing was recorded; the recorded errors otherwise.
    pub fn finish<T>(self, value: impl FnOnce() -> Option<T>) -> Result<T, Vec<FieldError>> {
        if !self.errors.is_empty() {
            return Err(self.errors);
        }
        // Every `None` comes from a failed `check`, which recorded an error.
        value().ok_or_else(|| {
            vec![FieldError {
                field: String::new(),
                message: "invalid request".into(),
            }]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finish_returns_all_errors_in_order() {
        let mut v = Validation::new();
        let a: Option<u8> = v.check("a", Err::<u8, _>("bad a"));
        let b: Option<u8> = v.check("b", Ok::<u8, &str>(2));
        let c: Option<u8> = v.check("c", Err::<u8, _>("bad c"));
        let errors = v.finish(|| Some((a?, b?, c?))).unwrap_err();
        assert_eq!(
            errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(),
            ["a", "c"]
        );
        assert_eq!(errors[0].message, "bad a");
    }

    #[test]
    fn keeps_the_first_reason_per_field() {
        let mut v = Validation::new();
        v.push("name", "must be a string");
        v.push("name", "is required");
        assert_eq!(v.errors().len(), 1);
        assert_eq!(v.errors()[0].message, "must be a string");
    }

    #[test]
    fn keeps_at_most_a_hundred_errors_and_counts_the_rest() {
        let mut v = Validation::new();
        for i in 0..32_000 {
            v.push(format!("points[{i}].value"), "is required");
        }
        assert_eq!(v.errors().len(), Validation::MAX_ERRORS);
        assert_eq!(v.omitted(), 32_000 - Validation::MAX_ERRORS);
        assert_eq!(v.errors()[99].field, "points[99].value");
    }

    #[test]
    fn finish_returns_the_value_when_nothing_failed() {
        let mut v = Validation::new();
        let a = v.check("a", Ok::<u8, &str>(1));
        assert_eq!(v.finish(|| a), Ok(1));
    }
}
