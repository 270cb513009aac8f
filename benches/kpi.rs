//! KPI bench (prints figures; targets from issue 5):
//! - one poll-and-draw cycle for 20 KPIs: parse 20 Prometheus answers, apply them to the
//!   board, render the pane to a 160×48 TestBackend — target ≤ 5 ms of CPU;
//! - the history for 24 h at a 15 s step for 20 KPIs — target ≤ 2 MiB.
//!
//! Run: `cargo bench --bench kpi` (optimised), or on the shared 2-core machine
//! `cargo bench --bench kpi --profile dev` (no release build of the dependencies; the
//! figures are then an upper bound).

use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use kubechat_ops::io::prom::json::{data_of, query_result};
use kubechat_ops::kpi::board::DEFAULT_HISTORY;
use kubechat_ops::kpi::defs::{builtin, KpiDef};
use kubechat_ops::kpi::value::worst_of;
use kubechat_ops::kpi::{KpiBoard, KpiMsg};
use kubechat_ops::panes::kpis::view::KpiPane;
use kubechat_ops::theme::Theme;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

/// CPU time of this thread (Linux: /proc/thread-self/schedstat), else wall time.
fn cpu_now() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .map(Duration::from_nanos)
        .unwrap_or_else(|| {
            static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
            START.get_or_init(Instant::now).elapsed()
        })
}

fn twenty_kpis() -> Vec<KpiDef> {
    let base = builtin();
    (0..20)
        .map(|i| {
            let mut d = base[i % base.len()].clone();
            if i >= base.len() {
                d.id = format!("{}_{i}", d.id);
                d.title = format!("{} #{i}", d.title);
            }
            d
        })
        .collect()
}

/// What Prometheus answers for a KPI: a one-sample vector.
fn answer(i: usize, t: f64) -> String {
    format!(
        r#"{{"status":"success","data":{{"resultType":"vector","result":[{{"metric":{{"job":"kubechat-api-gateway"}},"value":[{t},"{}"]}}]}}}}"#,
        0.1 + i as f64 * 7.3
    )
}

fn main() {
    let defs = twenty_kpis();
    let t0 = Timestamp::from_second(1_800_000_000).expect("timestamp");
    let step = SignedDuration::from_secs(15);

    // memory: 24 h at 15 s for 20 KPIs
    let mut board = KpiBoard::new(defs.clone());
    for (i, d) in defs.iter().enumerate() {
        let points = (0..DEFAULT_HISTORY as i64)
            .map(|k| (t0 + step * k as i32, (i * 3 + (k as usize % 17)) as f64))
            .collect();
        board.apply(
            KpiMsg::Backfill {
                id: d.id.clone(),
                points,
            },
            t0,
        );
    }
    let points: usize = board.entries().iter().map(|e| e.history.len()).sum();
    let bytes = board.history_bytes();
    println!(
        "history: {} KPIs × {} points (24 h at 15 s) = {points} points, {bytes} bytes = {:.2} MiB (target ≤ 2 MiB)",
        defs.len(),
        DEFAULT_HISTORY,
        bytes as f64 / (1024.0 * 1024.0)
    );

    // one poll-and-draw cycle
    let theme = Theme::default();
    let mut term = Terminal::new(TestBackend::new(160, 48)).expect("terminal");
    let now0 = t0 + step * DEFAULT_HISTORY as i32;
    let mut cycle = |n: usize| {
        let now = now0 + step * n as i32;
        let t = now.as_second() as f64;
        for (i, d) in defs.iter().enumerate() {
            let body = answer(i, t);
            let value = data_of(200, &body)
                .and_then(|data| query_result(&data))
                .ok()
                .and_then(|r| worst_of(d, r.latest_values()));
            board.apply(
                KpiMsg::Sample {
                    id: d.id.clone(),
                    value,
                    at: now,
                },
                now,
            );
        }
        board.tick(now);
        term.draw(|f| {
            let pane = KpiPane {
                board: &board,
                theme: &theme,
                now,
                selected: Some(3),
                marks: &[],
            };
            f.render_widget(pane, f.area());
        })
        .expect("draw");
    };
    for n in 0..20 {
        cycle(n); // warm up
    }
    let runs = 500;
    let (cpu0, wall0) = (cpu_now(), Instant::now());
    for n in 0..runs {
        cycle(20 + n);
    }
    let cpu = (cpu_now() - cpu0) / runs as u32;
    let wall = wall0.elapsed() / runs as u32;
    println!(
        "poll-and-draw cycle, 20 KPIs, 160×48: {:.3} ms CPU, {:.3} ms wall per cycle over {runs} runs (target ≤ 5 ms CPU)",
        cpu.as_secs_f64() * 1000.0,
        wall.as_secs_f64() * 1000.0
    );
}
