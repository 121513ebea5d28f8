//! Failures the domain passes on without interpreting them.

/// A storage failure the domain cannot interpret: it travels up with its cause chain and becomes
/// a 500 at the edge.
pub type Unexpected = Box<dyn std::error::Error + Send + Sync + 'static>;

/// An error with its whole cause chain, `outer: cause: root cause`, for logs.
pub struct Causes<'a>(pub &'a (dyn std::error::Error + 'static));

impl std::fmt::Display for Causes<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn causes_lists_the_whole_chain() {
        #[derive(Debug, thiserror::Error)]
        #[error("could not save")]
        struct Outer(#[source] std::io::Error);
        let error = Outer(std::io::Error::other("disk full"));
        assert_eq!(
            super::Causes(&error).to_string(),
            "could not save: disk full"
        );
    }
}
