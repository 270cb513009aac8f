//! Classifying a KPI value against its thresholds, and showing values with their units.
//! Classification and the formats the simulator's alerts share are in `kubechat_spec`;
//! what only the console's screen needs is here.

use super::defs::{Direction, KpiDef};
use kubechat_spec::kpi::value::format_threshold;
pub use kubechat_spec::kpi::value::{classify, format_thresholds, format_value};

/// The thresholds in at most `width` characters, dropping words before numbers (never
/// truncating a number): "target <500 ms · alert >1 s", "target <500 · alert >1000 ms",
/// "<500 · alert >1000 ms".
pub fn format_thresholds_fit(def: &KpiDef, width: usize) -> String {
    let full = format_thresholds(def);
    if full.chars().count() <= width {
        return full;
    }
    let (good, bad) = match def.direction {
        Direction::HigherIsBetter => ('>', '<'),
        Direction::LowerIsBetter => ('<', '>'),
    };
    let alert = format_threshold(def.unit, def.alert);
    // the target in the alert's unit scale, without the unit
    let target = format_threshold(def.unit, def.target);
    let (t_num, a_unit) = match (target.split_once(' '), alert.split_once(' ')) {
        (Some((t, tu)), Some((_, au))) if tu == au => (t.to_string(), Some(au)),
        _ => (target.clone(), None),
    };
    let short = match a_unit {
        Some(_) => format!("target {good}{t_num} · alert {bad}{alert}"),
        None => full,
    };
    if short.chars().count() <= width {
        return short;
    }
    let shorter = format!("{good}{t_num} · alert {bad}{alert}");
    if shorter.chars().count() <= width {
        shorter
    } else {
        format!("alert {bad}{alert}")
    }
}

/// The one value a KPI shows from the latest values of several series: the worst by the
/// KPI's direction (NaN only when nothing else); `None` for no series.
pub fn worst_of(def: &KpiDef, values: impl IntoIterator<Item = f64>) -> Option<f64> {
    values.into_iter().reduce(|a, b| worse(def, a, b))
}

/// The worse of two values by the KPI's direction, NaN losing to a number.
pub fn worse(def: &KpiDef, a: f64, b: f64) -> f64 {
    if a.is_nan() {
        return b;
    }
    if b.is_nan() {
        return a;
    }
    match def.direction {
        Direction::HigherIsBetter => a.min(b),
        Direction::LowerIsBetter => a.max(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kpi::defs::builtin;

    fn def(id: &str) -> KpiDef {
        builtin().into_iter().find(|d| d.id == id).unwrap()
    }

    #[test]
    fn thresholds_fit_and_ages_read_as_in_the_issue() {
        let tp = def("throughput");
        assert_eq!(
            format_thresholds_fit(&tp, 40),
            "target >1000 req/s · alert <500 req/s"
        );
        assert_eq!(
            format_thresholds_fit(&tp, 31),
            "target >1000 · alert <500 req/s"
        );
        assert_eq!(format_thresholds_fit(&tp, 25), ">1000 · alert <500 req/s");
        assert_eq!(format_thresholds_fit(&tp, 10), "alert <500 req/s");
    }
}
