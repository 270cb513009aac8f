//! Guided runbooks (pure): the model, the YAML format (the console's own and the seed's
//! blocks as they are), placeholders and their shell quoting, the kubectl verb that decides
//! whether a command writes, and a run's state. Reading files and running steps is `io`'s
//! (`io::runbook_files`, `io::runbook_runner`).

pub mod builtin;
pub mod model;
pub mod mutates;
pub mod parse;
pub mod placeholder;
pub mod run;

pub use model::{Check, Cmp, Expect, NativeAction, Runbook, Section, Step, What};
pub use parse::parse;

#[cfg(test)]
mod tests;
