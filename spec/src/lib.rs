//! What the kubechat-ops console and its simulated cluster must agree on, and nothing of
//! either's internals:
//!
//! - [`kpi::defs`]: the KPI file format (`assets/kpis.yaml`, or a user file)
//! - [`kpi::value`]: a KPI value judged against its thresholds ([`kpi::KpiState`]) and
//!   shown with its unit, as the console's pane and the simulator's alerts say it
//! - [`parse_duration`]: durations as the command line, scenarios and Argo write them
//!
//! It depends on neither the console nor the simulator (tests/architecture.rs).

pub mod duration;
pub mod kpi;

pub use duration::parse_duration;
