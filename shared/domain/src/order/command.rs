//! The command to place an order, parsed from a request's lines.

use crate::{ProductId, Validation};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const MAX_LINES: usize = 25;
pub const MAX_QUANTITY: u32 = 1000;

/// A line as asked for: one product, 1 to 1000 units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineRequest {
    pub product_id: ProductId,
    pub quantity: u32,
}

/// The command to order: 1 to 25 lines as sent, merged per product (in order of first
/// appearance), each merged quantity 1 to 1000.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateOrder {
    lines: Vec<LineRequest>,
}

/// One line of a request body before validation; `None` where the field was missing or of
/// the wrong type (already reported).
#[derive(Debug, Clone, Default)]
pub struct LineInput<'a> {
    pub product_id: Option<&'a str>,
    pub quantity: Option<i64>,
}

impl CreateOrder {
    pub fn parse(lines: Option<&[LineInput<'_>]>, validation: &mut Validation) -> Option<Self> {
        let Some(lines) = lines else {
            validation.push("items", "is required");
            return None;
        };
        if lines.is_empty() || lines.len() > MAX_LINES {
            validation.push("items", format!("must hold 1 to {MAX_LINES} lines"));
            return None;
        }
        let mut merged: Vec<LineRequest> = Vec::new();
        let mut valid = true;
        for (i, line) in lines.iter().enumerate() {
            let id = validation.required(
                format!("items[{i}].product_id"),
                line.product_id,
                ProductId::parse,
            );
            let quantity =
                validation.required(format!("items[{i}].quantity"), line.quantity, |q| {
                    u32::try_from(q)
                        .ok()
                        .filter(|q| (1..=MAX_QUANTITY).contains(q))
                        .ok_or_else(|| format!("must be an integer from 1 to {MAX_QUANTITY}"))
                });
            let (Some(product_id), Some(quantity)) = (id, quantity) else {
                valid = false;
                continue;
            };
            match merged.iter_mut().find(|l| l.product_id == product_id) {
                Some(existing) => {
                    existing.quantity += quantity;
                    if existing.quantity > MAX_QUANTITY {
                        validation.push(
                            format!("items[{i}].quantity"),
                            format!("lines of one product may add up to at most {MAX_QUANTITY}"),
                        );
                        valid = false;
                    }
                }
                None => merged.push(LineRequest {
                    product_id,
                    quantity,
                }),
            }
        }
        valid.then_some(Self { lines: merged })
    }

    pub fn lines(&self) -> &[LineRequest] {
        &self.lines
    }

    /// What identifies the request for idempotency: the merged lines in product order, so
    /// the same order written differently is the same request.
    pub fn fingerprint(&self) -> String {
        let lines: BTreeMap<String, u32> = self
            .lines
            .iter()
            .map(|l| (l.product_id.to_string(), l.quantity))
            .collect();
        serde_json::to_string(&lines).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(pairs: &[(&str, i64)]) -> Vec<(String, i64)> {
        pairs.iter().map(|(id, q)| (id.to_string(), *q)).collect()
    }

    fn parse(pairs: &[(String, i64)]) -> (Option<CreateOrder>, Vec<String>) {
        let inputs: Vec<LineInput<'_>> = pairs
            .iter()
            .map(|(id, q)| LineInput {
                product_id: Some(id),
                quantity: Some(*q),
            })
            .collect();
        let mut validation = Validation::new();
        let parsed = CreateOrder::parse(Some(&inputs), &mut validation);
        let fields = validation
            .into_errors()
            .into_iter()
            .map(|e| e.field)
            .collect();
        (parsed, fields)
    }

    fn id(n: u8) -> String {
        format!("0190b6c8-6f4e-7c3a-9a6f-2f1d3c4b5a{n:02x}")
    }

    #[test]
    fn lines_of_one_product_are_merged() {
        let (parsed, errors) = parse(&lines(&[(&id(1), 2), (&id(2), 1), (&id(1), 3)]));
        assert!(errors.is_empty());
        let parsed = parsed.unwrap();
        let merged: Vec<(String, u32)> = parsed
            .lines()
            .iter()
            .map(|l| (l.product_id.to_string(), l.quantity))
            .collect();
        assert_eq!(merged, [(id(1), 5), (id(2), 1)]);
    }

    #[test]
    fn line_and_quantity_bounds() {
        let many: Vec<(String, i64)> = (0..25).map(|i| (id(i), 1000)).collect();
        assert!(parse(&many).0.is_some());
        let too_many: Vec<(String, i64)> = (0..26).map(|i| (id(i), 1)).collect();
        assert_eq!(parse(&too_many).1, ["items"]);
        assert_eq!(parse(&[]).1, ["items"]);
        let (_, errors) = parse(&lines(&[(&id(1), 0), (&id(2), 1001), ("nope", 1)]));
        assert_eq!(
            errors,
            [
                "items[0].quantity",
                "items[1].quantity",
                "items[2].product_id"
            ]
        );
        let (_, errors) = parse(&lines(&[(&id(1), 600), (&id(1), 401)]));
        assert_eq!(errors, ["items[1].quantity"]);
    }

    #[test]
    fn the_fingerprint_ignores_how_the_same_order_is_written() {
        let a = parse(&lines(&[(&id(1), 2), (&id(2), 1)])).0.unwrap();
        let b = parse(&lines(&[(&id(2), 1), (&id(1), 1), (&id(1), 1)]))
            .0
            .unwrap();
        let c = parse(&lines(&[(&id(1), 3), (&id(2), 1)])).0.unwrap();
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_ne!(a.fingerprint(), c.fingerprint());
    }
}
