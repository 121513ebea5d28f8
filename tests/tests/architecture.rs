//! Rules about the code's shape that the compiler alone does not keep.

use std::process::Command;

/// The domain crate stays pure: nothing from the AWS SDK or the Lambda runtime in its
/// dependency tree (normal and dev dependencies alike).
#[test]
fn the_domain_crate_depends_on_no_aws_or_lambda_crate() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "tree",
            "-p",
            "domain",
            "--prefix",
            "none",
            "--edges",
            "normal,dev",
        ])
        .args(["--format", "{p}"])
        .output()
        .expect("running cargo tree");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tree = String::from_utf8(output.stdout).unwrap();
    assert!(
        tree.lines().count() > 5,
        "cargo tree listed the domain's dependencies"
    );
    let offending: Vec<&str> = tree
        .lines()
        .filter(|line| line.starts_with("aws") || line.starts_with("lambda"))
        .collect();
    assert!(offending.is_empty(), "domain depends on {offending:?}");
}
