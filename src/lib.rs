//! kubechat-ops: a full-screen terminal operations console for the KubeChat service.
//!
//! The five rules (docs/ARCHITECTURE.md): everything is a [`msg::Msg`]; `shell::update` is
//! the only place state changes, routing to each pane's own update; drawing only reads;
//! only `io` touches the world; read-only is decided in one guard on the effects
//! (`shell::guard`). The simulated cluster is its own crate, used by `main`/`cli`, tests and
//! benchmarks only.

pub mod action;
pub mod app;
pub mod audit;
pub mod cli;
pub mod cluster;
pub mod commands;
pub mod config;
pub mod draw;
pub mod effect;
pub mod feed;
pub mod incident;
pub mod io;
pub mod keymap;
pub mod kpi;
pub mod logging;
pub mod msg;
pub mod panes;
pub mod runbook;
pub mod screens;
pub mod shell;
pub mod terminal;
pub mod text;
pub mod theme;
