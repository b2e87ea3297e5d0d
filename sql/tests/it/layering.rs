//! The crate's layering, read from its source: no two top-level modules of `sql/src` import
//! each other through a chain (a cycle makes every module in it a prerequisite of the others,
//! so none can be read or changed alone), and nothing imports `session`, which is on top.
//!
//! An import is a `crate::module` path in code (comments and `#[cfg(test)] mod tests`
//! blocks, where a test may use anything, are left out).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Each top-level module and the top-level modules its code (its files and its
/// submodules' files) names.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut modules: BTreeMap<String, String> = BTreeMap::new();
    for entry in std::fs::read_dir(&src).expect("sql/src") {
        let path = entry.expect("an entry").path();
        let Some(name) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if path.extension().is_some_and(|e| e == "rs") && name != "lib" {
            let mut code = code_of(&path);
            let dir = src.join(name);
            if dir.is_dir() {
                for file in rust_files(&dir) {
                    code.push_str(&code_of(&file));
                }
            }
            modules.insert(name.to_string(), code);
        }
    }
    let names: BTreeSet<String> = modules.keys().cloned().collect();
    modules
        .iter()
        .map(|(module, code)| {
            let named = names
                .iter()
                .filter(|other| *other != module && names_module(code, other))
                .cloned()
                .collect();
            (module.clone(), named)
        })
        .collect()
}

fn rust_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("a module directory") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// A file's code ([`code`]).
fn code_of(path: &Path) -> String {
    code(&std::fs::read_to_string(path).expect("a source file"))
}

/// Source text without its unit tests and without comment lines.
fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    text.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .map(|line| format!("{line}\n"))
        .collect()
}

/// Whether `code` names module `module` of the crate: `crate::module::...`, or `module` in
/// a `use crate::{...}` list.
fn names_module(code: &str, module: &str) -> bool {
    let path = format!("crate::{module}");
    let by_path = code.match_indices(&path).any(|(at, _)| {
        let after = code[at + path.len()..].chars().next();
        !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
    });
    by_path
        || code.split("use crate::{").skip(1).any(|list| {
            let list = list.split('}').next().unwrap_or_default();
            list.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|word| word == module)
        })
}

/// The strongly connected components of more than one module (Tarjan's algorithm).
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct Walk<'a> {
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        found: Vec<Vec<String>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, v: &'a str) {
            let i = self.index.len();
            self.index.insert(v, i);
            self.low.insert(v, i);
            self.stack.push(v);
            for w in &self.graph[v] {
                let w = w.as_str();
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.stack.contains(&w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let at = self
                    .stack
                    .iter()
                    .position(|m| *m == v)
                    .expect("on the stack");
                let component: Vec<String> = self.stack.drain(at..).map(str::to_string).collect();
                if component.len() > 1 {
                    self.found.push(component);
                }
            }
        }
    }
    let mut walk = Walk {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !walk.index.contains_key(v.as_str()) {
            walk.visit(v);
        }
    }
    walk.found
}

#[test]
fn no_two_modules_import_each_other() {
    let graph = imports();
    for module in [
        "session", "catalog", "rewrite", "postgres", "pg_types", "calendar",
    ] {
        assert!(graph.contains_key(module), "module {module} was found");
    }
    let found = cycles(&graph);
    let shown: Vec<String> = found
        .iter()
        .map(|component| {
            let mut text = component.join(", ");
            for m in component {
                let inside: Vec<&str> = graph[m]
                    .iter()
                    .filter(|n| component.contains(n))
                    .map(String::as_str)
                    .collect();
                text.push_str(&format!("\n  {m} -> {}", inside.join(", ")));
            }
            text
        })
        .collect();
    assert!(shown.is_empty(), "import cycles:\n{}", shown.join("\n"));
}

#[test]
fn nothing_imports_the_session() {
    let importers: Vec<String> = imports()
        .into_iter()
        .filter(|(module, named)| module != "session" && named.contains("session"))
        .map(|(module, _)| module)
        .collect();
    assert!(importers.is_empty(), "these import session: {importers:?}");
}

#[test]
fn the_reader_sees_an_import() {
    // The check itself: a cycle it could not see would let one in unnoticed.
    let code = code(
        "use crate::{arrow, error::Error};\nfn f() { crate::text::x(); }\n// crate::views\n\
         #[cfg(test)]\nmod tests { use crate::session; }\n",
    );
    assert!(names_module(&code, "arrow"));
    assert!(names_module(&code, "error"));
    assert!(names_module(&code, "text"));
    assert!(!names_module(&code, "views"));
    assert!(!names_module(&code, "session"));
    assert!(!names_module("crate::textual", "text"));
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec!["a"]),
    ]
    .into_iter()
    .map(|(m, to)| (m.to_string(), to.into_iter().map(str::to_string).collect()))
    .collect();
    let mut found = cycles(&graph);
    found[0].sort();
    assert_eq!(found, vec![vec!["a", "b", "c"]]);
}
