//! DESIGN.md §1's check anyone can run, as a test: `state/` and `ui/` import no tokio,
//! reqwest or kube client; `io/` imports no ratatui; nothing but `main`/`cli` (and tests)
//! imports `sim/`. Test modules (`#[cfg(test)]` onwards) are exempt.

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

fn violations(dir: &str, forbidden: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(dir);
    let mut found = Vec::new();
    for file in rust_files(&root) {
        let code = production_code(&file);
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
    }
    found
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
    for dir in ["state", "ui", "io", "kpi"] {
        assert_eq!(
            violations(dir, &["crate::sim", "kubechat_ops::sim"]),
            Vec::<String>::new()
        );
    }
    for file in [
        "app.rs",
        "msg.rs",
        "effect.rs",
        "action.rs",
        "keymap.rs",
        "theme.rs",
        "config.rs",
    ] {
        let code = production_code(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(file));
        assert!(!code.contains("crate::sim"), "{file} uses the simulator");
    }
}
