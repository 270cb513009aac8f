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

/// The file's code before its test module.
fn production_code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    match text.find("#[cfg(test)]") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// A test module kept in a file of its own (`#[cfg(test)] #[path = "x_tests.rs"] mod tests`).
fn is_test_file(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with("_tests.rs"))
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
fn state_and_ui_do_no_io() {
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
    assert_eq!(violations("state", &forbidden), Vec::<String>::new());
    assert_eq!(violations("ui", &forbidden), Vec::<String>::new());
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
