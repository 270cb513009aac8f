//! kubechat-ops: a full-screen terminal operations console for the KubeChat service.
//!
//! The five rules (docs/ARCHITECTURE.md): everything is a [`msg::Msg`]; `state::update` is
//! the only place state changes; `ui` only draws; only `io` touches the world; read-only
//! is decided in one guard. The simulated cluster is the `kubechat-sim` crate, used by
//! `main`/`cli` (`--demo`, `kubechat-ops sim`), tests and benchmarks only.

pub mod action;
pub mod app;
pub mod cli;
pub mod config;
pub mod effect;
pub mod io;
pub mod keymap;
pub mod kpi;
pub mod logging;
pub mod msg;
pub mod rollout_cmd;
pub mod state;
pub mod terminal;
pub mod theme;
pub mod ui;
