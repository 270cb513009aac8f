//! Classifying a KPI value against its thresholds, and showing values with their units.

use super::defs::{Direction, KpiDef, Unit};

/// How a KPI stands against its target and thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KpiState {
    Ok,
    Warn,
    Alert,
    Stale,
    Error,
}

impl KpiState {
    pub fn as_str(self) -> &'static str {
        match self {
            KpiState::Ok => "ok",
            KpiState::Warn => "warn",
            KpiState::Alert => "alert",
            KpiState::Stale => "stale",
            KpiState::Error => "error",
        }
    }
}

/// True when `value` is strictly on the bad side of `threshold`.
fn beyond(direction: Direction, value: f64, threshold: f64) -> bool {
    match direction {
        Direction::HigherIsBetter => value < threshold,
        Direction::LowerIsBetter => value > threshold,
    }
}

/// Ok, Warn or Alert for a known value; `None` for NaN (nothing to judge).
pub fn classify(def: &KpiDef, value: f64) -> Option<KpiState> {
    if value.is_nan() {
        return None;
    }
    Some(if beyond(def.direction, value, def.alert) {
        KpiState::Alert
    } else if beyond(def.direction, value, def.warn_at()) {
        KpiState::Warn
    } else {
        KpiState::Ok
    })
}

/// A value with its unit, short: "312 ms", "1.25 s", "99.95 %", "1234 req/s", "17".
pub fn format_value(unit: Unit, v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    match unit {
        Unit::Seconds if v.abs() < 1.0 => format!("{} ms", trim(v * 1000.0, 0)),
        Unit::Seconds => format!("{} s", trim(v, 2)),
        Unit::Percent => format!("{} %", trim(v, if v.abs() >= 99.0 { 2 } else { 1 })),
        Unit::Rps => format!("{} req/s", trim(v, if v.abs() < 10.0 { 1 } else { 0 })),
        Unit::Count => trim(v, 0),
    }
}

/// A threshold with its unit, without spaces in the number ("500 ms", "1 s", "99.9 %").
pub fn format_threshold(unit: Unit, v: f64) -> String {
    match unit {
        Unit::Seconds if v.abs() < 1.0 => format!("{} ms", trim(v * 1000.0, 1)),
        Unit::Seconds => format!("{} s", trim(v, 2)),
        Unit::Percent => format!("{} %", trim(v, 2)),
        Unit::Rps => format!("{} req/s", trim(v, 1)),
        Unit::Count => trim(v, 1),
    }
}

/// "target <500 ms · alert >1 s".
pub fn format_thresholds(def: &KpiDef) -> String {
    let (good, bad) = match def.direction {
        Direction::HigherIsBetter => ('>', '<'),
        Direction::LowerIsBetter => ('<', '>'),
    };
    format!(
        "target {good}{} · alert {bad}{}",
        format_threshold(def.unit, def.target),
        format_threshold(def.unit, def.alert)
    )
}

/// Rounds to at most `decimals` places and drops trailing zeros.
fn trim(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" {
        "0".into()
    } else {
        s
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
    fn lower_is_better_classifies_each_band() {
        let p95 = def("p95_latency"); // target <0.5, alert >1
        assert_eq!(classify(&p95, 0.312), Some(KpiState::Ok));
        assert_eq!(classify(&p95, 0.5), Some(KpiState::Ok));
        assert_eq!(classify(&p95, 0.7), Some(KpiState::Warn));
        assert_eq!(classify(&p95, 1.0), Some(KpiState::Warn));
        assert_eq!(classify(&p95, 1.2), Some(KpiState::Alert));
        assert_eq!(classify(&p95, f64::INFINITY), Some(KpiState::Alert));
        assert_eq!(classify(&p95, f64::NAN), None);
    }

    #[test]
    fn higher_is_better_classifies_each_band() {
        let av = def("availability"); // target >99.9, alert <99.5
        assert_eq!(classify(&av, 100.0), Some(KpiState::Ok));
        assert_eq!(classify(&av, 99.9), Some(KpiState::Ok));
        assert_eq!(classify(&av, 99.7), Some(KpiState::Warn));
        assert_eq!(classify(&av, 99.5), Some(KpiState::Warn));
        assert_eq!(classify(&av, 99.4), Some(KpiState::Alert));
        assert_eq!(classify(&av, f64::NEG_INFINITY), Some(KpiState::Alert));
    }

    #[test]
    fn explicit_warn_threshold_is_used() {
        let mut d = def("throughput"); // target >1000, alert <500
        d.warn = Some(800.0);
        assert_eq!(classify(&d, 900.0), Some(KpiState::Ok));
        assert_eq!(classify(&d, 700.0), Some(KpiState::Warn));
        assert_eq!(classify(&d, 499.0), Some(KpiState::Alert));
    }

    #[test]
    fn values_and_thresholds_read_as_in_the_issue() {
        assert_eq!(format_value(Unit::Seconds, 0.312), "312 ms");
        assert_eq!(format_value(Unit::Seconds, 1.25), "1.25 s");
        assert_eq!(format_value(Unit::Percent, 99.953), "99.95 %");
        assert_eq!(format_value(Unit::Percent, 2.34), "2.3 %");
        assert_eq!(format_value(Unit::Rps, 1234.4), "1234 req/s");
        assert_eq!(format_value(Unit::Count, 17.0), "17");
        assert_eq!(format_value(Unit::Count, f64::NAN), "NaN");
        assert_eq!(format_value(Unit::Seconds, f64::INFINITY), "+Inf");
        assert_eq!(
            format_thresholds(&def("p95_latency")),
            "target <500 ms · alert >1 s"
        );
        assert_eq!(
            format_thresholds(&def("availability")),
            "target >99.9 % · alert <99.5 %"
        );
    }
}
