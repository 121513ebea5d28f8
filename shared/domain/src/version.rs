//! Client-visible versions of a resource and the `If-Match` precondition on them.

/// What a change may apply to: any version (no `If-Match`, or `*`), or only one of those named.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IfMatch(Option<Vec<u64>>);

impl IfMatch {
    pub fn any() -> Self {
        Self(None)
    }

    /// Only these versions; none at all (an `If-Match` naming no version of ours) matches
    /// nothing.
    pub fn versions(versions: Vec<u64>) -> Self {
        Self(Some(versions))
    }

    pub fn allows(&self, current: u64) -> bool {
        self.0.as_ref().is_none_or(|v| v.contains(&current))
    }

    /// `Err` naming the current version when the precondition does not hold.
    pub fn check(&self, current: u64) -> Result<(), VersionMismatch> {
        if self.allows(current) {
            Ok(())
        } else {
            Err(VersionMismatch { current })
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the resource is at version {current}, which If-Match does not name")]
pub struct VersionMismatch {
    pub current: u64,
}

pub(crate) fn first_version() -> u64 {
    1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_names_the_versions_a_change_may_apply_to() {
        assert!(IfMatch::any().allows(7));
        assert!(IfMatch::versions(vec![6, 7]).allows(7));
        assert_eq!(
            IfMatch::versions(vec![6]).check(7),
            Err(VersionMismatch { current: 7 })
        );
        assert!(!IfMatch::versions(vec![]).allows(1));
    }
}
