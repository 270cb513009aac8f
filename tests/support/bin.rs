//! The binary under test: cargo's (`CARGO_BIN_EXE_kubechat-ops`), unless `KUBECHAT_OPS_BIN`
//! names another. Worktrees that share one `CARGO_TARGET_DIR` overwrite
//! `target/debug/kubechat-ops` with each other's build; the variable lets a run point at
//! its own (`target/debug/deps/kubechat_ops-HASH`).

#![allow(dead_code)]

pub fn bin() -> String {
    std::env::var("KUBECHAT_OPS_BIN")
        .ok()
        .filter(|b| !b.is_empty())
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_kubechat-ops").to_string())
}
