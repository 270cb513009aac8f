//! The headless subcommands: gates for scripts and CI that print and exit with a code.

pub mod audit;
pub mod backup;
pub mod check;
pub mod incident;
pub mod rollout_status;
pub mod runbook;
pub mod snapshot;
