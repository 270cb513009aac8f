//! `kubechat-ops audit [-n NS | -A] [--format text|json|md] [--fail-on low|medium|high]`:
//! the security audit without the screen (issue 13). The objects are listed through
//! kube-rs (`io::audit`), the checks are the pure `crate::audit`. Exit 0 nothing at or
//! above the threshold, 1 findings, 2 the audit could not run.

use clap::Args;

use crate::audit::{at_or_above, report, AuditReport, Severity};
use crate::cluster::scope::Scope;

/// Exit code: nothing at or above `--fail-on`.
pub const EXIT_CLEAN: u8 = 0;
/// Exit code: findings at or above `--fail-on`.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code: the cluster could not be read (every list must succeed).
pub const EXIT_CANNOT_AUDIT: u8 = 2;

const AUDIT_HELP: &str = "\
Checks: pods running as root (runAsUser 0, or neither runAsNonRoot nor runAsUser: \"may run \
as root: image default\"), privileged containers (init and ephemeral included), subjects \
bound to cluster-admin (ClusterRoleBindings and RoleBindings), hostPath volumes, \
hostNetwork/hostPID/hostIPC, allowPrivilegeEscalation not false, added capabilities \
(SYS_ADMIN, NET_ADMIN, ALL), images with :latest or no tag, containers without limits, \
Secrets exposed as environment variables, the default service account's token \
automounted, wildcard RBAC rules. ClusterRoleBindings and ClusterRoles are read in every \
scope: they reach every namespace.

Exit codes:
  0  nothing at or above --fail-on (default: low, i.e. no finding at all)
  1  findings at or above --fail-on
  2  the audit could not run (the cluster cannot be read, or a list is forbidden)";

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuditFormat {
    Text,
    Json,
    Md,
}

#[derive(Debug, Clone, Args)]
#[command(after_help = AUDIT_HELP)]
pub struct AuditArgs {
    /// Every namespace (default: the namespace of -n, or kubechat-system).
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: AuditFormat,
    /// Exit 1 only for findings at or above this severity (default: any finding).
    #[arg(long, value_enum, value_name = "SEVERITY", default_value = "low")]
    pub fail_on: Severity,
}

impl AuditArgs {
    pub fn scope(&self, namespace: &str) -> Scope {
        if self.all_namespaces {
            Scope::All
        } else {
            Scope::Namespace(namespace.to_string())
        }
    }
}

/// The report in the asked format; `date` is `YYYYMMDD`.
pub fn render(args: &AuditArgs, report: &AuditReport, scope: &Scope, date: &str) -> String {
    let scope = scope.to_string();
    match args.format {
        AuditFormat::Text => report::text(&report.findings, date, &scope),
        AuditFormat::Json => report::json(&report.findings) + "\n",
        AuditFormat::Md => report::markdown(&report.findings, date, &scope),
    }
}

/// 1 when anything is at or above the threshold, else 0.
pub fn exit_code(report: &AuditReport, fail_on: Severity) -> u8 {
    if at_or_above(&report.findings, fail_on) > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

/// Runs `audit` in `namespace` (`Some` when -n gave it) or the default one; returns the
/// exit code.
pub async fn run(
    args: AuditArgs,
    context: Option<String>,
    namespace: Option<String>,
    default_namespace: &str,
) -> u8 {
    if args.all_namespaces && namespace.is_some() {
        eprintln!("audit: -n and -A cannot be used together");
        return EXIT_CANNOT_AUDIT;
    }
    let scope = args.scope(namespace.as_deref().unwrap_or(default_namespace));
    let client = match client(context).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("audit: {e:#}");
            return EXIT_CANNOT_AUDIT;
        }
    };
    match crate::io::audit::run(&client, &scope).await {
        Ok(report) => {
            let date = jiff::Zoned::now().strftime("%Y%m%d").to_string();
            print!("{}", render(&args, &report, &scope, &date));
            let code = exit_code(&report, args.fail_on);
            if code == EXIT_FINDINGS {
                eprintln!(
                    "audit: {} at or above {}; {} ({} pods read)",
                    at_or_above(&report.findings, args.fail_on),
                    args.fail_on.as_str(),
                    report::summary(&report.findings),
                    report.pods
                );
            }
            code
        }
        Err(e) => {
            eprintln!("audit: could not audit {scope}: {e}");
            EXIT_CANNOT_AUDIT
        }
    }
}

async fn client(context: Option<String>) -> anyhow::Result<kube::Client> {
    super::connect(context).await.map(|(client, _)| client)
}
