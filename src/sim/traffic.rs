//! Simulated KubeChat service traffic and its Prometheus metrics (owner: sim-controllers).
//! STUB: `Series` and `Traffic::series` are the contract the Prometheus query API reads.

use super::scenario::Scenario;

/// One time series' current value. Histograms appear as their `_bucket` (with `le`),
/// `_sum` and `_count` series, as in the Prometheus text format.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub labels: Vec<(String, String)>,
    pub value: f64,
}

#[derive(Debug, Default)]
pub struct Traffic {}

impl Traffic {
    /// PLACEHOLDER (sim-api): the controllers helper's real traffic replaces this at merge.
    pub fn new(_scenario: &Scenario) -> Traffic {
        Traffic {}
    }

    /// A snapshot of every series now (counters are cumulative, as scraped).
    pub fn series(&self) -> Vec<Series> {
        Vec::new()
    }

    /// PLACEHOLDER (sim-api): the Prometheus text exposition of every series.
    pub fn render_text(&self) -> String {
        "# PLACEHOLDER (sim-api)\nup 1\n".to_string()
    }
}
