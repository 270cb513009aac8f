//! A real Prometheus (Debian's /usr/bin/prometheus) on 127.0.0.1:<free port>, scraping one
//! target every second, with the KubeChatHighErrorRate rule; killed by PID on drop.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const BINARY: &str = "/usr/bin/prometheus";

pub struct Prometheus {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    l.local_addr().expect("local addr").port()
}

impl Prometheus {
    /// Starts Prometheus scraping `target` ("127.0.0.1:PORT"); `None` when the binary is
    /// not installed (a skip with the reason; a failure under CI: see [`super::skip`]).
    pub fn start(target: std::net::SocketAddr) -> Option<Self> {
        if !Path::new(BINARY).exists() {
            super::skip::skip(&format!(
                "{BINARY} is not installed (apt-get install prometheus)"
            ));
            return None;
        }
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("kpi-prometheus-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("data")).expect("temp dir");
        let error_rate = kubechat_ops::kpi::defs::builtin()
            .into_iter()
            .find(|d| d.id == "error_rate")
            .expect("error_rate KPI")
            .query;
        std::fs::write(
            dir.join("rules.yml"),
            format!(
                "groups:\n  - name: kubechat\n    rules:\n      - alert: KubeChatHighErrorRate\n        expr: '{error_rate} > 1'\n        labels: {{severity: warning}}\n        annotations: {{summary: '5xx ratio above 1 %'}}\n"
            ),
        )
        .expect("rules");
        std::fs::write(
            dir.join("prometheus.yml"),
            format!(
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files: ['{}']\nscrape_configs:\n  - job_name: sim\n    honor_labels: true\n    static_configs:\n      - targets: ['{target}']\n",
                dir.join("rules.yml").display()
            ),
        )
        .expect("config");
        let mut p = Prometheus {
            child: None,
            port: free_port(),
            dir,
        };
        p.spawn();
        Some(p)
    }

    fn spawn(&mut self) {
        let log = std::fs::File::create(self.dir.join("prometheus.log")).expect("log file");
        let child = Command::new(BINARY)
            .arg(format!(
                "--config.file={}",
                self.dir.join("prometheus.yml").display()
            ))
            .arg(format!(
                "--storage.tsdb.path={}",
                self.dir.join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{}", self.port))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start prometheus");
        self.child = Some(child);
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Waits (bounded) until `/-/ready` answers 200.
    pub async fn wait_ready(&self) {
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = http.get(format!("{}/-/ready", self.url())).send().await {
                if r.status().is_success() {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "prometheus not ready: {}",
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Kills the process (by its PID) and waits for it.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port with the same data.
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.join("prometheus.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(5)..].join("\n")
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
