//! The house rules of `ARCHITECTURE.md`, checked on the source itself:
//!
//! - core's top-level modules use each other one way only: the `use crate::…` edges between
//!   them form no cycle (run with `--nocapture` to see the edges);
//! - no two files of a crate use each other, directly or round a longer circle;
//! - only `core/src/crypto` names the primitive cryptography crates.
//!
//! `cargo test -p carnet-tests --test architecture -- --nocapture` prints the module map.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The source without comments (doc links name modules too) and without string literals.
fn code_only(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    for line in source.lines() {
        let mut in_string = false;
        let mut previous = ' ';
        let mut kept = String::new();
        for c in line.chars() {
            if !in_string && c == '/' && previous == '/' {
                kept.pop();
                break;
            }
            if c == '"' && previous != '\\' {
                in_string = !in_string;
            } else if !in_string {
                kept.push(c);
            }
            previous = c;
        }
        out.push_str(&kept);
        out.push('\n');
    }
    out
}

/// The module path of a file of a crate rooted at `src`: `share::reader` for
/// `src/share/reader.rs`, `share` for `src/share/mod.rs`, empty for the crate root.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).unwrap_or(file);
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The paths a file's code names: `crate::a::b` gives `[a, b]`, `super::x` the parent's path
/// then `x`, grouped imports `crate::{a, b::c}` each of theirs.
fn referenced_paths(module: &[String], is_folder_root: bool, code: &str) -> Vec<Vec<String>> {
    let chars: Vec<char> = code.chars().collect();
    let ident = |at: usize| -> (String, usize) {
        let mut end = at;
        while end < chars.len() && (chars[end].is_alphanumeric() || chars[end] == '_') {
            end += 1;
        }
        (chars[at..end].iter().collect(), end)
    };
    // A path from `at`: identifiers separated by `::`, stopping at a group or anything else.
    fn path_from(
        chars: &[char],
        mut at: usize,
        ident: &dyn Fn(usize) -> (String, usize),
        base: Vec<String>,
        out: &mut Vec<Vec<String>>,
    ) {
        let mut path = base;
        loop {
            if chars.get(at) == Some(&'{') {
                // A group: each comma-separated member at this depth.
                let mut depth = 0;
                let mut member_start = at + 1;
                let mut i = at;
                while i < chars.len() {
                    match chars[i] {
                        '{' => depth += 1,
                        '}' | ',' if depth == 1 => {
                            let mut s = member_start;
                            while s < i && chars[s].is_whitespace() {
                                s += 1;
                            }
                            path_from(chars, s, ident, path.clone(), out);
                            member_start = i + 1;
                            if chars[i] == '}' {
                                return;
                            }
                        }
                        '}' => depth -= 1,
                        _ => {}
                    }
                    i += 1;
                }
                return;
            }
            let (name, end) = ident(at);
            if name.is_empty() || name == "self" {
                out.push(path);
                return;
            }
            path.push(name);
            if chars.get(end) == Some(&':') && chars.get(end + 1) == Some(&':') {
                at = end + 2;
            } else {
                out.push(path);
                return;
            }
        }
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let boundary = i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if boundary {
            let (word, end) = ident(i);
            let follows = chars.get(end) == Some(&':') && chars.get(end + 1) == Some(&':');
            if follows && (word == "crate" || word == "super") {
                let base = if word == "crate" {
                    Vec::new()
                } else {
                    // `super` from a folder's root (mod.rs) or from a file: one level up
                    // from the module that holds it.
                    let mut parent = module.to_vec();
                    if !is_folder_root || !parent.is_empty() {
                        parent.pop();
                    }
                    parent
                };
                path_from(&chars, end + 2, &ident, base, &mut out);
                i = end;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// One file of a crate: its module, and the paths its code names.
struct SourceFile {
    module: Vec<String>,
    uses: Vec<Vec<String>>,
}

fn read_crate(src: &Path) -> Vec<SourceFile> {
    rust_files(src)
        .into_iter()
        .map(|path| {
            let module = module_of(src, &path);
            let is_folder_root = path
                .file_name()
                .is_some_and(|n| n == "mod.rs" || n == "lib.rs" || n == "main.rs");
            let source = std::fs::read_to_string(&path).unwrap_or_default();
            let uses = referenced_paths(&module, is_folder_root, &code_only(&source));
            SourceFile { module, uses }
        })
        .collect()
}

/// A cycle in `edges`, if there is one.
fn find_cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_owned(), 1);
        stack.push(node.to_owned());
        for next in edges.get(node).into_iter().flatten() {
            match state.get(next.as_str()).copied().unwrap_or(0) {
                1 => {
                    let from = stack.iter().position(|n| n == next).unwrap_or(0);
                    let mut cycle = stack[from..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                0 => {
                    if let Some(c) = visit(next, edges, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(node.to_owned(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in edges.keys() {
        if state.get(node.as_str()).copied().unwrap_or(0) == 0 {
            let mut stack = Vec::new();
            if let Some(c) = visit(node, edges, &mut state, &mut stack) {
                return Some(c);
            }
        }
    }
    None
}

#[test]
fn core_modules_use_each_other_one_way() {
    let src = workspace().join("core/src");
    let files = read_crate(&src);
    let top: BTreeSet<String> = files
        .iter()
        .filter_map(|f| f.module.first().cloned())
        .collect();
    assert!(
        top.len() >= 10,
        "the core's modules were not found in {}",
        src.display()
    );
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let Some(from) = file.module.first() else {
            continue;
        };
        for used in &file.uses {
            if let Some(to) = used.first().filter(|t| top.contains(*t) && *t != from) {
                edges.entry(from.clone()).or_default().insert(to.clone());
            }
        }
    }
    println!("core: which top-level module uses which");
    for module in &top {
        let used: Vec<&str> = edges
            .get(module)
            .map(|s| s.iter().map(String::as_str).collect())
            .unwrap_or_default();
        println!("  {module:<8} -> {}", used.join(", "));
    }
    assert_eq!(find_cycle(&edges), None, "core's modules form a cycle");
    // The floors of ARCHITECTURE.md: the ground uses nothing above it.
    for ground in ["time", "files", "model", "crypto"] {
        let above: Vec<&String> = edges
            .get(ground)
            .into_iter()
            .flatten()
            .filter(|t| !["time", "files", "model", "crypto"].contains(&t.as_str()))
            .collect();
        assert!(above.is_empty(), "{ground} uses {above:?}, above its floor");
    }
    assert!(
        !edges.get("qr").is_some_and(|s| {
            s.iter()
                .any(|t| ["share", "trust", "vault", "backup"].contains(&t.as_str()))
        }),
        "qr must know nothing of what it carries"
    );
}

#[test]
fn no_two_files_of_a_crate_use_each_other() {
    for krate in ["core/src", "cli/src", "bindings/src", "desk/src"] {
        let src = workspace().join(krate);
        if !src.is_dir() {
            assert_ne!(krate, "core/src", "core not found");
            continue;
        }
        let files = read_crate(&src);
        let known: BTreeSet<Vec<String>> = files.iter().map(|f| f.module.clone()).collect();
        let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for file in &files {
            for used in &file.uses {
                // The longest prefix of the path that is a module of this crate.
                let Some(target) = (1..=used.len())
                    .rev()
                    .map(|n| used[..n].to_vec())
                    .find(|p| known.contains(p))
                else {
                    continue;
                };
                // A folder's root (mod.rs) is its front door: a file naming its own folder's
                // items is not a circle with it.
                if file.module.starts_with(&target) {
                    continue;
                }
                edges
                    .entry(file.module.join("::"))
                    .or_default()
                    .insert(target.join("::"));
            }
        }
        if let Some(cycle) = find_cycle(&edges) {
            panic!("{krate}: files that use each other: {}", cycle.join(" -> "));
        }
    }
}

/// The primitive crates, as their paths appear in code.
const PRIMITIVES: [&str; 9] = [
    "chacha20poly1305",
    "chacha20",
    "ring",
    "x25519_dalek",
    "hkdf",
    "p256",
    "argon2",
    "sha2",
    "rand",
];

#[test]
fn only_crypto_names_the_primitive_crates() {
    let root = workspace();
    let mut offenders = Vec::new();
    let mut read = 0;
    for krate in ["core/src", "cli/src", "bindings/src", "desk/src"] {
        for path in rust_files(&root.join(krate)) {
            if path.starts_with(root.join("core/src/crypto")) {
                continue;
            }
            read += 1;
            let code = code_only(&std::fs::read_to_string(&path).unwrap_or_default());
            for primitive in PRIMITIVES {
                let named = code.match_indices(primitive).any(|(at, _)| {
                    let before = code[..at].chars().next_back().unwrap_or(' ');
                    !(before.is_alphanumeric() || before == '_')
                        && code[at + primitive.len()..].starts_with("::")
                });
                if named {
                    offenders.push(format!("{} names {primitive}", path.display()));
                }
            }
        }
    }
    assert!(
        read > 40,
        "the sources were not found under {}",
        root.display()
    );
    assert!(
        offenders.is_empty(),
        "only core/src/crypto may use the primitive crates:\n{}",
        offenders.join("\n")
    );
    // The other crates do not depend on them either.
    for manifest in ["cli/Cargo.toml", "bindings/Cargo.toml", "desk/Cargo.toml"] {
        let Ok(text) = std::fs::read_to_string(root.join(manifest)) else {
            continue;
        };
        for primitive in PRIMITIVES {
            let dependency = primitive.replace('_', "-");
            assert!(
                !text
                    .lines()
                    .any(|l| l.trim_start().starts_with(&format!("{dependency} "))
                        || l.trim_start().starts_with(&format!("{dependency}."))
                        || l.trim_start().starts_with(&format!("{dependency}="))),
                "{manifest} depends on {dependency}"
            );
        }
    }
}

#[test]
fn the_path_reader_reads_what_rust_writes() {
    let code = code_only(
        "use crate::{model::{Record, fold}, qr::QrMatrix};\n\
         use super::rows::{self, stored_id};\n\
         // use crate::share::Nothing;\n\
         let x = crate::time::now(); let s = \"crate::vault\";",
    );
    let paths = referenced_paths(&["vault".into(), "records".into()], false, &code);
    let names: Vec<String> = paths.iter().map(|p| p.join("::")).collect();
    assert_eq!(
        names,
        [
            "model::Record",
            "model::fold",
            "qr::QrMatrix",
            "vault::rows",
            "vault::rows::stored_id",
            "time::now"
        ]
    );
    let mut cyclic = BTreeMap::new();
    cyclic.insert("a".to_owned(), BTreeSet::from(["b".to_owned()]));
    cyclic.insert("b".to_owned(), BTreeSet::from(["a".to_owned()]));
    assert!(find_cycle(&cyclic).is_some());
    cyclic.insert("b".to_owned(), BTreeSet::new());
    assert!(find_cycle(&cyclic).is_none());
}
