//! The console in tmux, as the end-to-end tests start it: its files kept in the test's
//! directory (no real kubeconfig or config seen), and a skip (a failure under CI) where
//! tmux is missing.
//!
//! Include with `support/bin.rs`, `support/skip.rs` and `common/tmux.rs` beside it.

#![allow(dead_code)]

use std::path::Path;

use super::tmux::{self, Tmux};
use super::{bin, skip};

/// Environment that keeps the console's files in `dir` and hides any real kubeconfig.
pub fn isolated_env(dir: &Path) -> Vec<(String, String)> {
    let d = |s: &str| dir.join(s).display().to_string();
    vec![
        ("HOME".into(), d("home")),
        ("XDG_CONFIG_HOME".into(), d("config")),
        ("XDG_DATA_HOME".into(), d("data")),
        ("XDG_STATE_HOME".into(), d("state")),
        ("TERM".into(), "xterm-256color".into()),
    ]
}

/// The console with `args` in a 160×48 tmux session, `extra_env` over the isolated one.
pub fn start(dir: &Path, args: &str, extra_env: &[(&str, String)]) -> Tmux {
    let mut env = isolated_env(dir);
    env.extend(extra_env.iter().map(|(k, v)| (k.to_string(), v.clone())));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    Tmux::start(dir, &format!("{} {args}", bin::bin()), &env, 160, 48)
}

/// True (after saying why, or failing under CI) when there is no tmux to test with.
pub fn skip_without_tmux() -> bool {
    if !tmux::available() {
        skip::skip("tmux is not installed (scripts/test installs it)");
        return true;
    }
    false
}
