//! KPIs as data and their values judged and shown.

pub mod defs;
pub mod value;

pub use defs::KpiDef;
pub use value::KpiState;
