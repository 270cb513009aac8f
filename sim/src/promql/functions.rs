//! PromQL's numeric functions, ported from Prometheus 2.x `promql/functions.go` and
//! `quantile.go` so the simulator agrees with the real engine.

/// `rate` (`is_rate`) or `increase` of a counter over `[start_ms, end_ms]`, extrapolated
/// to the window's edges as Prometheus does. `None` with fewer than two samples.
pub fn extrapolated_rate(
    points: &[(i64, f64)],
    start_ms: i64,
    end_ms: i64,
    is_rate: bool,
) -> Option<f64> {
    if points.len() < 2 {
        return None;
    }
    let (first_t, first_v) = points[0];
    let (last_t, last_v) = points[points.len() - 1];
    let mut result = last_v - first_v;
    // counter resets: add back the value before each drop
    let mut prev = 0.0;
    for &(_, v) in points {
        if v < prev {
            result += prev;
        }
        prev = v;
    }
    let mut to_start = (first_t - start_ms) as f64 / 1000.0;
    let to_end = (end_ms - last_t) as f64 / 1000.0;
    let sampled = (last_t - first_t) as f64 / 1000.0;
    let average_step = sampled / (points.len() - 1) as f64;
    if result > 0.0 && first_v >= 0.0 {
        // a counter does not extrapolate below zero
        let to_zero = sampled * (first_v / result);
        if to_zero < to_start {
            to_start = to_zero;
        }
    }
    let threshold = average_step * 1.1;
    let mut interval = sampled;
    interval += if to_start < threshold {
        to_start
    } else {
        average_step / 2.0
    };
    interval += if to_end < threshold {
        to_end
    } else {
        average_step / 2.0
    };
    let mut factor = interval / sampled;
    if is_rate {
        factor /= (end_ms - start_ms) as f64 / 1000.0;
    }
    Some(result * factor)
}

/// `irate`: the per-second rate between the last two samples.
pub fn irate(points: &[(i64, f64)]) -> Option<f64> {
    let n = points.len();
    if n < 2 {
        return None;
    }
    let (pt, pv) = points[n - 2];
    let (lt, lv) = points[n - 1];
    let dt = (lt - pt) as f64 / 1000.0;
    if dt == 0.0 {
        return None;
    }
    let diff = if lv < pv { lv } else { lv - pv };
    Some(diff / dt)
}

/// The `q` quantile from cumulative `(upper_bound, count)` buckets, interpolating linearly
/// within the bucket (Prometheus' `bucketQuantile`).
pub fn bucket_quantile(q: f64, mut buckets: Vec<(f64, f64)>) -> f64 {
    if q.is_nan() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    if buckets.last().is_none_or(|b| b.0 != f64::INFINITY) {
        return f64::NAN;
    }
    // coalesce equal bounds
    let mut merged: Vec<(f64, f64)> = Vec::with_capacity(buckets.len());
    for (ub, c) in buckets {
        match merged.last_mut() {
            Some(last) if last.0 == ub => last.1 += c,
            _ => merged.push((ub, c)),
        }
    }
    // ensure monotonic counts
    let mut max = f64::NEG_INFINITY;
    for b in &mut merged {
        if b.1 > max {
            max = b.1;
        } else {
            b.1 = max;
        }
    }
    if merged.len() < 2 {
        return f64::NAN;
    }
    let observations = merged[merged.len() - 1].1;
    if observations == 0.0 {
        return f64::NAN;
    }
    let mut rank = q * observations;
    let last = merged.len() - 1;
    let b = merged[..last].partition_point(|x| x.1 < rank);
    if b == last {
        return merged[last - 1].0;
    }
    if b == 0 && merged[0].0 <= 0.0 {
        return merged[0].0;
    }
    let (mut start, end, mut count) = (0.0, merged[b].0, merged[b].1);
    if b > 0 {
        start = merged[b - 1].0;
        count -= merged[b - 1].1;
        rank -= merged[b - 1].1;
    }
    start + (end - start) * (rank / count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_of_a_steady_counter_is_its_slope() {
        // 10/s sampled every 15 s across a 5 m window that starts 7 s before the first sample
        let start = 0;
        let pts: Vec<(i64, f64)> = (0..20)
            .map(|i| (7_000 + i * 15_000, 1000.0 + 150.0 * i as f64))
            .collect();
        let end = 300_000;
        let r = extrapolated_rate(&pts, start, end, true).unwrap();
        assert!((r - 10.0).abs() < 1e-9, "{r}");
        let inc = extrapolated_rate(&pts, start, end, false).unwrap();
        assert!((inc - 3000.0).abs() < 1e-6, "{inc}");
    }

    #[test]
    fn rate_handles_resets_and_zero_extrapolation() {
        // a reset from 50 to 5: 15 - 0, plus the 50 lost at the reset
        let pts = vec![(0, 0.0), (10_000, 50.0), (20_000, 5.0), (30_000, 15.0)];
        let inc = extrapolated_rate(&pts, 0, 30_000, false).unwrap();
        assert!((inc - 65.0).abs() < 1e-9, "{inc}");
        // a counter that starts near zero does not extrapolate below zero
        let pts = vec![(20_000, 1.0), (30_000, 11.0)];
        let inc = extrapolated_rate(&pts, 0, 30_000, false).unwrap();
        // extrapolating 20 s back would go below zero: only the 1 s to zero is added
        assert!((inc - 11.0).abs() < 1e-9, "{inc}");
        assert_eq!(extrapolated_rate(&pts[..1], 0, 30_000, true), None);
    }

    #[test]
    fn irate_uses_the_last_two_samples() {
        assert_eq!(
            irate(&[(0, 0.0), (10_000, 100.0), (20_000, 300.0)]),
            Some(20.0)
        );
        assert_eq!(irate(&[(0, 100.0), (10_000, 30.0)]), Some(3.0));
        assert_eq!(irate(&[(0, 1.0)]), None);
    }

    #[test]
    fn quantile_interpolates_within_the_bucket() {
        let b = vec![
            (0.1, 50.0),
            (0.5, 90.0),
            (1.0, 100.0),
            (f64::INFINITY, 100.0),
        ];
        // rank 95 falls in (0.5, 1.0]: 0.5 + 0.5 * (5 / 10)
        assert!((bucket_quantile(0.95, b.clone()) - 0.75).abs() < 1e-12);
        // rank 50 is exactly the first bucket's count
        assert!((bucket_quantile(0.5, b.clone()) - 0.1).abs() < 1e-12);
        assert!(
            bucket_quantile(0.95, vec![(0.1, 1.0)]).is_nan(),
            "no +Inf bucket"
        );
        assert!(bucket_quantile(0.95, vec![(0.1, 0.0), (f64::INFINITY, 0.0)]).is_nan());
        // beyond the last finite bucket: its upper bound
        let b = vec![(0.1, 0.0), (1.0, 0.0), (f64::INFINITY, 10.0)];
        assert_eq!(bucket_quantile(0.5, b), 1.0);
        assert_eq!(bucket_quantile(1.5, vec![]), f64::INFINITY);
    }
}
