//! One Table column: the [`Column`] type and its constructors, the small value helpers
//! cells are written with, and ages as kubectl prints them (`HumanDuration`). The columns per
//! kind ([`super::columns`]), the cells that need more ([`super::cells`]) and the Table
//! assembly ([`super::table`]) all build on this.

use jiff::Timestamp;
use serde_json::{json, Value};

type Cell = Box<dyn Fn(&Value, Timestamp) -> Value + Send + Sync>;

pub struct Column {
    pub name: &'static str,
    pub kind: &'static str,
    pub format: &'static str,
    pub description: &'static str,
    pub priority: u8,
    pub cell: Cell,
}

pub(super) fn c(
    name: &'static str,
    priority: u8,
    cell: impl Fn(&Value, Timestamp) -> Value + Send + Sync + 'static,
) -> Column {
    let (kind, format) = match name {
        "Name" | "NAME" => ("string", "name"),
        _ => ("string", ""),
    };
    Column {
        name,
        kind,
        format,
        description: "",
        priority,
        cell: Box::new(cell),
    }
}

pub(super) fn int(
    name: &'static str,
    priority: u8,
    cell: impl Fn(&Value, Timestamp) -> Value + Send + Sync + 'static,
) -> Column {
    Column {
        kind: "integer",
        ..c(name, priority, cell)
    }
}

pub(super) fn s(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

pub(super) fn or_none(v: &str) -> Value {
    json!(if v.is_empty() { "<none>" } else { v })
}

pub(super) fn n(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

pub(super) fn age_col() -> Column {
    c("Age", 0, |o, now| {
        json!(age(o["metadata"].get("creationTimestamp"), now))
    })
}

/// Kubernetes' `HumanDuration` (apimachinery/pkg/util/duration).
pub fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".into();
    }
    let s = seconds.max(0);
    if s < 120 {
        return format!("{s}s");
    }
    let minutes = s / 60;
    if minutes < 10 {
        let rem = s % 60;
        return if rem == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{rem}s")
        };
    }
    if minutes < 180 {
        return format!("{minutes}m");
    }
    let hours = s / 3600;
    if hours < 8 {
        let rem = minutes % 60;
        return if rem == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{rem}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let rem = hours % 24;
        return if rem == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{rem}h", hours / 24)
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    let years = hours / 24 / 365;
    if hours < 24 * 365 * 8 {
        let days = (hours / 24) % 365;
        return if days == 0 {
            format!("{years}y")
        } else {
            format!("{years}y{days}d")
        };
    }
    format!("{years}y")
}

/// Age of an RFC 3339 timestamp at `now`, `<unknown>` when missing or malformed.
pub fn age(ts: Option<&Value>, now: Timestamp) -> String {
    let Some(t) = ts
        .and_then(Value::as_str)
        .and_then(|s| s.parse::<Timestamp>().ok())
    else {
        return "<unknown>".into();
    };
    human_duration(now.duration_since(t).as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_durations_match_kubectl() {
        let cases = [
            (5, "5s"),
            (119, "119s"),
            (150, "2m30s"),
            (600, "10m"),
            (3 * 3600 + 60, "3h1m"),
            (9 * 3600, "9h"),
            (50 * 3600, "2d2h"),
            (10 * 86400, "10d"),
            (800 * 86400, "2y70d"),
        ];
        for (s, want) in cases {
            assert_eq!(human_duration(s), want, "{s}");
        }
    }
}
