//! STUB

pub mod prom;
