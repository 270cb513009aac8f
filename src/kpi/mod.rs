//! KPI definitions, evaluation and history (owner: kpi). STUB.

#[derive(Debug, Clone, PartialEq)]
pub enum KpiMsg {}
