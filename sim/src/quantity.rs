//! Kubernetes resource quantities: read from specs ("250m", "512Mi", "1Gi") as numbers, and
//! written back the way metrics-server writes usage (CPU in nanocores, memory in KiB).

use serde_json::Value;

/// A Kubernetes quantity ("500m", "1", "512Mi", "2G", 1.5) as a number.
pub fn parse(v: &Value) -> Option<f64> {
    if let Some(n) = v.as_f64() {
        return Some(n);
    }
    let s = v.as_str()?.trim();
    const SUFFIXES: [(&str, f64); 13] = [
        ("Ki", 1024.0),
        ("Mi", 1048576.0),
        ("Gi", 1073741824.0),
        ("Ti", 1099511627776.0),
        ("Pi", 1125899906842624.0),
        ("Ei", 1152921504606846976.0),
        ("n", 1e-9),
        ("u", 1e-6),
        ("m", 1e-3),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
    ];
    let (number, factor) = SUFFIXES
        .iter()
        .find_map(|(suffix, f)| s.strip_suffix(suffix).map(|n| (n, *f)))
        .unwrap_or((s, 1.0));
    let n: f64 = number.parse().ok()?;
    n.is_finite().then_some(n * factor)
}

/// CPU cores as metrics-server writes them: whole nanocores ("12345678n").
pub fn nanocores(cores: f64) -> String {
    format!("{}n", (cores.max(0.0) * 1e9).round() as u64)
}

/// Bytes as metrics-server writes memory: whole KiB ("262144Ki").
pub fn kibibytes(bytes: f64) -> String {
    format!("{}Ki", (bytes.max(0.0) / 1024.0).round() as u64)
}

/// Bytes as a person reads them in a log line ("251Mi").
pub fn mebibytes(bytes: f64) -> String {
    format!("{}Mi", (bytes.max(0.0) / 1048576.0).round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn quantities_in_kubernetes_notation() {
        assert_eq!(parse(&json!("250m")), Some(0.25));
        assert_eq!(parse(&json!("1")), Some(1.0));
        assert_eq!(parse(&json!(2)), Some(2.0));
        assert_eq!(parse(&json!("512Mi")), Some(512.0 * 1024.0 * 1024.0));
        assert_eq!(parse(&json!("2G")), Some(2e9));
        assert_eq!(parse(&json!("lots")), None);
        assert_eq!(parse(&json!(null)), None);
    }

    #[test]
    fn usage_is_written_in_nanocores_and_kibibytes() {
        assert_eq!(nanocores(0.25), "250000000n");
        assert_eq!(kibibytes(256.0 * 1048576.0), "262144Ki");
        assert_eq!(mebibytes(251.3 * 1048576.0), "251Mi");
        assert_eq!(parse(&json!(kibibytes(1e6))), Some(977.0 * 1024.0));
    }
}
