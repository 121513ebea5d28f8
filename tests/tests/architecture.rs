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

/// No two modules of the shared crates import each other, directly or round a circle: the
/// layers stay one-way. Each file's imports are read from its `use` items and its
/// `crate::`/`super::` paths (tests left out), resolved to the file that defines the item,
/// through `pub use` re-exports.
#[test]
fn the_shared_crates_have_no_import_cycle() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    for krate in ["domain", "adapters"] {
        let graph = imports::graph(&root.join(krate).join("src"));
        assert!(
            graph.len() > 10,
            "read the modules of {krate}: {:?}",
            graph.keys()
        );
        let cycles = imports::cycles(&graph);
        assert!(cycles.is_empty(), "{krate} has import cycles: {cycles:#?}");
    }
}

#[test]
fn the_cycle_check_sees_a_cycle() {
    let graph = imports::Graph::from([
        ("a".to_owned(), ["b".to_owned()].into()),
        ("b".to_owned(), ["c".to_owned()].into()),
        ("c".to_owned(), ["a".to_owned()].into()),
        ("d".to_owned(), ["a".to_owned()].into()),
    ]);
    assert_eq!(imports::cycles(&graph), [vec!["a", "b", "c"]]);
}

mod imports {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    /// Module (`catalog::product`, `` for the crate root) -> the modules it imports from.
    pub type Graph = BTreeMap<String, BTreeSet<String>>;

    struct Module {
        /// The file's text before its tests.
        code: String,
        /// Names it re-exports (`pub use x::Y`) -> the full path they come from.
        reexports: BTreeMap<String, Vec<String>>,
    }

    fn module_path(src: &Path, file: &Path) -> Vec<String> {
        let relative = file.strip_prefix(src).unwrap().with_extension("");
        let mut parts: Vec<String> = relative
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
            parts.pop();
        }
        parts
    }

    fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// `a::{b, c::{d, e as f}}` -> `a::b`, `a::c::d`, `a::c::e`.
    fn expand(tree: &str, prefix: &str, out: &mut Vec<String>) {
        let tree = tree.trim();
        match tree.find('{') {
            None => {
                for item in tree.split(',').map(str::trim).filter(|i| !i.is_empty()) {
                    let item = item.split(" as ").next().unwrap().trim();
                    out.push(format!("{prefix}{item}"));
                }
            }
            Some(open) => {
                let head = &tree[..open];
                let close = tree.rfind('}').unwrap();
                let inner = &tree[open + 1..close];
                // Split the inner list at top-level commas.
                let (mut depth, mut start) = (0, 0);
                for (i, c) in inner.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            expand(&inner[start..i], &format!("{prefix}{head}"), out);
                            start = i + 1;
                        }
                        _ => {}
                    }
                }
                expand(&inner[start..], &format!("{prefix}{head}"), out);
            }
        }
    }

    /// Every `use` item's paths, with whether it is a `pub use`.
    fn uses(code: &str) -> Vec<(bool, String)> {
        let mut found = Vec::new();
        let mut rest = code;
        while let Some(at) = rest.find("use ") {
            let before = &rest[..at];
            let line_start = before.rfind('\n').map_or(0, |i| i + 1);
            let lead = before[line_start..].trim();
            let is_item = lead.is_empty() || lead.starts_with("pub");
            let end = rest[at..].find(';').map_or(rest.len(), |e| at + e);
            if is_item {
                let mut paths = Vec::new();
                expand(&rest[at + 4..end], "", &mut paths);
                found.extend(paths.into_iter().map(|p| (!lead.is_empty(), p)));
            }
            rest = &rest[end.min(rest.len() - 1) + 1..];
        }
        found
    }

    /// Paths written out in code: `crate::a::b`, `super::c`.
    fn inline_paths(code: &str) -> Vec<String> {
        let mut found = Vec::new();
        for start in ["crate::", "super::"] {
            let mut rest = code;
            while let Some(at) = rest.find(start) {
                let path: String = rest[at..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                    .collect();
                found.push(path.trim_end_matches(':').to_owned());
                rest = &rest[at + start.len()..];
            }
        }
        found
    }

    /// An import path made absolute (segments from the crate root).
    fn absolute(
        path: &str,
        here: &[String],
        modules: &BTreeMap<Vec<String>, Module>,
    ) -> Vec<String> {
        let segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
        let mut base: Vec<String> = here.to_vec();
        let mut rest = &segments[..];
        match rest.first() {
            Some(&"crate") | Some(&"$crate") => {
                base.clear();
                rest = &rest[1..];
            }
            Some(&"self") => rest = &rest[1..],
            Some(&"super") => {
                while rest.first() == Some(&"super") {
                    base.pop();
                    rest = &rest[1..];
                }
            }
            // A child module named without `self::`; anything else is another crate's.
            Some(first) => {
                let mut child = here.to_vec();
                child.push((*first).to_owned());
                if !modules.contains_key(&child) {
                    return Vec::new();
                }
            }
            None => return Vec::new(),
        }
        base.extend(rest.iter().map(|s| (*s).to_owned()));
        base
    }

    /// The module that defines what `path` names, following re-exports.
    fn resolve(
        path: &[String],
        modules: &BTreeMap<Vec<String>, Module>,
        depth: usize,
    ) -> Option<Vec<String>> {
        let module = (0..=path.len())
            .rev()
            .map(|n| path[..n].to_vec())
            .find(|prefix| modules.contains_key(prefix))?;
        if depth < 8
            && let Some(name) = path.get(module.len())
            && let Some(target) = modules[&module].reexports.get(name)
        {
            let mut full = target.clone();
            full.extend(path[module.len() + 1..].iter().cloned());
            return resolve(&full, modules, depth + 1);
        }
        Some(module)
    }

    pub fn graph(src: &Path) -> Graph {
        let mut paths = Vec::new();
        files(src, &mut paths);
        let mut modules: BTreeMap<Vec<String>, Module> = BTreeMap::new();
        for file in &paths {
            let text = std::fs::read_to_string(file).unwrap();
            let code = text
                .split("#[cfg(test)]")
                .next()
                .unwrap()
                .lines()
                .map(|line| line.split("//").next().unwrap())
                .collect::<Vec<_>>()
                .join("\n");
            modules.insert(
                module_path(src, file),
                Module {
                    code,
                    reexports: BTreeMap::new(),
                },
            );
        }
        let names: Vec<Vec<String>> = modules.keys().cloned().collect();
        for here in &names {
            let reexports: BTreeMap<String, Vec<String>> = uses(&modules[here].code)
                .into_iter()
                .filter(|(public, _)| *public)
                .filter_map(|(_, path)| {
                    let full = absolute(&path, here, &modules);
                    Some((full.last()?.clone(), full))
                })
                .filter(|(name, _)| name != "*")
                .collect();
            modules.get_mut(here).unwrap().reexports = reexports;
        }
        let mut graph = Graph::new();
        for here in &names {
            let code = &modules[here].code;
            let imported = uses(code)
                .into_iter()
                .map(|(_, p)| p)
                .chain(inline_paths(code));
            let targets = graph.entry(here.join("::")).or_default();
            for path in imported {
                let full = absolute(&path, here, &modules);
                if full.is_empty() {
                    continue;
                }
                if let Some(target) = resolve(&full, &modules, 0)
                    && &target != here
                {
                    targets.insert(target.join("::"));
                }
            }
        }
        graph
    }

    /// The strongly connected groups of more than one module (Tarjan), each sorted.
    pub fn cycles(graph: &Graph) -> Vec<Vec<String>> {
        struct State<'a> {
            graph: &'a Graph,
            index: BTreeMap<&'a str, usize>,
            low: BTreeMap<&'a str, usize>,
            stack: Vec<&'a str>,
            found: Vec<Vec<String>>,
        }
        fn visit<'a>(node: &'a str, s: &mut State<'a>) {
            let i = s.index.len();
            s.index.insert(node, i);
            s.low.insert(node, i);
            s.stack.push(node);
            for next in s.graph.get(node).into_iter().flatten() {
                let next = next.as_str();
                if !s.index.contains_key(next) {
                    visit(next, s);
                    let low = s.low[next].min(s.low[node]);
                    s.low.insert(node, low);
                } else if s.stack.contains(&next) {
                    let low = s.index[next].min(s.low[node]);
                    s.low.insert(node, low);
                }
            }
            if s.low[node] == s.index[node] {
                let mut group = Vec::new();
                while let Some(member) = s.stack.pop() {
                    group.push(member.to_owned());
                    if member == node {
                        break;
                    }
                }
                if group.len() > 1 {
                    group.sort();
                    s.found.push(group);
                }
            }
        }
        let mut state = State {
            graph,
            index: BTreeMap::new(),
            low: BTreeMap::new(),
            stack: Vec::new(),
            found: Vec::new(),
        };
        for node in graph.keys() {
            if !state.index.contains_key(node.as_str()) {
                visit(node, &mut state);
            }
        }
        state.found
    }
}
