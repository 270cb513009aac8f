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

/// "4s", "3m", "2h", "5d": how long ago.
pub fn format_age(secs: i64) -> String {
    let secs = secs.max(0);
    match secs {
        0..=59 => format!("{secs}s"),
        60..=3599 => format!("{}m", secs / 60),
        3600..=86_399 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86_400),
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
        assert_eq!(format_age(4), "4s");
        assert_eq!(format_age(125), "2m");
        assert_eq!(format_age(7200), "2h");
    }
}
