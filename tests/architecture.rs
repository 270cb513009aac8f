//! DESIGN.md §1's check anyone can run, as a test: `state/` and `ui/` import no tokio,
//! reqwest or kube client; `io/` imports no ratatui; nothing but `main`/`cli` (and tests)
//! uses the simulator (the `kubechat-sim` crate, `sim/`). Test modules (`#[cfg(test)]`
//! onwards, and the `*_tests.rs` files they include) are exempt.
//!
//! The crates' direction: the console → `kubechat-spec` and `kubechat-sim`; the simulator
//! → `kubechat-spec`; `kubechat-spec` → neither. Cargo refuses cycles, not a dependency
//! that should not be there, so the manifests and the sources are checked here.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// The file's code without its test code: a `#[cfg(test)]` line and the one-line item under
/// it (`mod tests;`, `pub(crate) mod test_support;`) are left out, and an inline test module
/// ends the production code (it is the last thing in a file).
fn production_code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = String::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.trim() != "#[cfg(test)]" {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        // skip attributes, then one item: a declaration (`…;`) or an inline module (the end)
        match lines.by_ref().find(|l| !l.trim_start().starts_with("#[")) {
            Some(item) if item.trim_end().ends_with(';') => continue,
            _ => break,
        }
    }
    out
}

/// A test module kept in a file of its own (`#[cfg(test)] #[path = "x_tests.rs"] mod tests`,
/// or `tests.rs` / `test_support.rs` beside a `mod.rs`).
fn is_test_file(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with("_tests.rs") || n == "tests.rs" || n == "test_support.rs")
}

/// The lines of `code` (not comments) that mention any of `forbidden`, as "file:line: text".
fn mentions(file: &Path, code: &str, forbidden: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for (n, line) in code.lines().enumerate() {
        let line = line.trim_start();
        if line.starts_with("//") {
            continue;
        }
        for f in forbidden {
            if line.contains(f) {
                found.push(format!("{}:{}: {}", file.display(), n + 1, line));
            }
        }
    }
    found
}

fn violations(dir: &str, forbidden: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(dir);
    let mut found = Vec::new();
    for file in rust_files(&root) {
        if is_test_file(&file) {
            continue;
        }
        found.extend(mentions(&file, &production_code(&file), forbidden));
    }
    found
}

/// Every crate a manifest depends on (any table: normal, dev, build, per target), by its
/// package name (a renamed dependency's `package`), and where a path dependency points.
fn dependencies(manifest: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(manifest).unwrap();
    let doc: toml::Table = text.parse().unwrap();
    let mut tables: Vec<&toml::Table> = Vec::new();
    let kinds = ["dependencies", "dev-dependencies", "build-dependencies"];
    for kind in kinds {
        tables.extend(doc.get(kind).and_then(|t| t.as_table()));
    }
    if let Some(target) = doc.get("target").and_then(|t| t.as_table()) {
        for cfg in target.values().filter_map(|c| c.as_table()) {
            for kind in kinds {
                tables.extend(cfg.get(kind).and_then(|t| t.as_table()));
            }
        }
    }
    let mut deps = Vec::new();
    for table in tables {
        for (name, spec) in table {
            let spec = spec.as_table();
            let package = spec.and_then(|s| s.get("package")).and_then(|p| p.as_str());
            deps.push(package.unwrap_or(name).to_string());
            if let Some(path) = spec.and_then(|s| s.get("path")).and_then(|p| p.as_str()) {
                deps.push(format!("path {}", path.trim_end_matches('/')));
            }
        }
    }
    deps
}

#[test]
fn shared_data_shell_and_panes_do_no_io() {
    let forbidden = [
        "tokio",
        "reqwest",
        "kube::Client",
        "kube::Api",
        "kube::api",
        "kube::runtime",
        "std::fs",
        "Timestamp::now",
        "SystemTime::now",
        "Instant::now",
    ];
    for dir in [
        "cluster", "kpi", "incident", "runbook", "audit", "shell", "panes",
    ] {
        assert_eq!(violations(dir, &forbidden), Vec::<String>::new(), "{dir}");
        // the world reaches them as messages, never through io's own types
        assert_eq!(
            violations(dir, &["crate::io", "crate::app"]),
            Vec::<String>::new(),
            "{dir}"
        );
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for file in [
        "feed.rs",
        "screens.rs",
        "text.rs",
        "draw.rs",
        "action.rs",
        "msg.rs",
        "effect.rs",
    ] {
        let path = src.join(file);
        let code = production_code(&path);
        assert_eq!(mentions(&path, &code, &forbidden), Vec::<String>::new());
    }
}

/// A pane is one folder that knows nothing of the others: what panes share lives in
/// `cluster/`, `kpi/` and `feed.rs`, and the shell is the only one that knows them all.
#[test]
fn panes_do_not_import_each_other_nor_the_shell() {
    let panes = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/panes");
    let names: Vec<String> = std::fs::read_dir(&panes)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(names.len() >= 3, "{names:?}");
    for name in &names {
        let others: Vec<String> = names
            .iter()
            .filter(|n| *n != name)
            .flat_map(|n| [format!("panes::{n}"), format!("super::super::{n}")])
            .chain(["crate::shell".to_string()])
            .collect();
        let others: Vec<&str> = others.iter().map(String::as_str).collect();
        assert_eq!(
            violations(&format!("panes/{name}"), &others),
            Vec::<String>::new(),
            "panes/{name}"
        );
    }
}

#[test]
fn io_does_not_draw() {
    assert_eq!(violations("io", &["ratatui"]), Vec::<String>::new());
}

#[test]
fn only_main_and_cli_use_the_simulator() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    for file in rust_files(&src) {
        let relative = file.strip_prefix(&src).unwrap();
        if relative == Path::new("main.rs") || relative == Path::new("cli.rs") {
            continue;
        }
        if is_test_file(&file) {
            continue;
        }
        found.extend(mentions(&file, &production_code(&file), &["kubechat_sim"]));
    }
    assert_eq!(found, Vec::<String>::new());
}

#[test]
fn the_simulator_and_the_spec_do_not_use_the_console() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for krate in ["sim", "spec"] {
        let mut found = Vec::new();
        for file in rust_files(&root.join(krate)) {
            let text = std::fs::read_to_string(&file).unwrap();
            found.extend(mentions(&file, &text, &["kubechat_ops"]));
        }
        assert_eq!(found, Vec::<String>::new());
        let deps = dependencies(&root.join(krate).join("Cargo.toml"));
        // the manifest was read: both use serde (so an empty list is not a pass)
        assert!(deps.iter().any(|d| d == "serde"), "{krate}: {deps:?}");
        assert!(
            !deps.iter().any(|d| d == "kubechat-ops" || d == "path .."),
            "{krate}/Cargo.toml depends on the console: {deps:?}"
        );
    }
}

#[test]
fn the_spec_depends_on_neither_the_console_nor_the_simulator() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let deps = dependencies(&root.join("spec").join("Cargo.toml"));
    let forbidden = ["kubechat-ops", "kubechat-sim", "path ..", "path ../sim"];
    let found: Vec<&String> = deps
        .iter()
        .filter(|d| forbidden.contains(&d.as_str()))
        .collect();
    assert_eq!(found, Vec::<&String>::new(), "spec/Cargo.toml: {deps:?}");
    let mut found = Vec::new();
    for file in rust_files(&root.join("spec")) {
        let text = std::fs::read_to_string(&file).unwrap();
        found.extend(mentions(&file, &text, &["kubechat_sim", "kubechat_ops"]));
    }
    assert_eq!(found, Vec::<String>::new());
}
