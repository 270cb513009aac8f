//! One formatter of each kind for what the console prints: ages, countdowns, durations and
//! image names, and where a byte offset falls in a file (for error messages). Panes, the
//! status bar, the headless commands and the config readers all use these.

/// "5s", "4m", "2h", "3d".
pub fn short_age(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m", s / 60),
        3600..=86_399 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

/// "4m12s" for countdowns.
pub fn countdown(secs: i64) -> String {
    let s = secs.max(0);
    if s >= 3600 {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    } else if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

/// A step's duration: "2m", "90s", "1h".
pub fn duration_label(secs: i64) -> String {
    match secs {
        s if s >= 3600 && s % 3600 == 0 => format!("{}h", s / 3600),
        s if s >= 60 && s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// An image without its registry: "harbor.company.com/kubechat/api-gateway:v2" → "api-gateway:v2".
pub fn short_image(image: &str) -> &str {
    image.rsplit('/').next().unwrap_or(image)
}

/// 1-based line of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// A qualified name (`namespace/name`, all-namespaces scope) without its namespace.
pub fn plain_name(qualified: &str) -> &str {
    qualified.rsplit_once('/').map_or(qualified, |(_, n)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(short_age(4), "4s");
        assert_eq!(short_age(125), "2m");
        assert_eq!(short_age(7200), "2h");
        assert_eq!(countdown(252), "4m12s");
        assert_eq!(duration_label(300), "5m");
        assert_eq!(duration_label(90), "90s");
        assert_eq!(
            short_image("harbor.company.com/kubechat/api-gateway:v2"),
            "api-gateway:v2"
        );
    }
}
