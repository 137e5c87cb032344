//! Observability: every statement runs in a `tracing` span
//! (`quarry.statement` with `id`, `variant`, `kind`, `rows`,
//! `duration_us`), and an optional audit hook sees every statement with its
//! parameters before it is sent (booklet §12.3).
//!
//! The hook is off by default; when off, the cost per statement is one
//! relaxed atomic load.
//!
//! ```
//! use quarry_runtime::observe::{set_audit_hook, clear_audit_hook, AuditEvent};
//!
//! set_audit_hook(|e: &AuditEvent<'_>| {
//!     let params: Vec<String> = e.params().map(|p| format!("{p:?}")).collect();
//!     eprintln!("[audit] {} on {} {:?}", e.statement.id, e.server, params);
//! });
//! clear_audit_hook();
//! ```

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use crate::connection::Connection;
use crate::{Param, Statement};

/// What the audit hook sees: one statement about to be sent.
#[derive(Debug)]
pub struct AuditEvent<'e> {
    /// The static statement (id, SQL text, declarations).
    pub statement: &'static Statement,
    /// The server it goes to (`host:port`).
    pub server: &'e str,
    /// Whether it runs inside a transaction.
    pub in_transaction: bool,
    args: &'e [Param<'e>],
}

impl<'e> AuditEvent<'e> {
    /// The bound values in `@P1..@Pn` order.
    pub fn params(&self) -> impl Iterator<Item = &Param<'e>> + '_ {
        self.statement
            .args
            .iter()
            .filter_map(|&i| self.args.get(i as usize))
    }
}

/// The hook's type.
pub type AuditHook = Arc<dyn Fn(&AuditEvent<'_>) + Send + Sync>;

static ENABLED: AtomicBool = AtomicBool::new(false);
static HOOK: RwLock<Option<AuditHook>> = RwLock::new(None);

/// Installs the audit hook, replacing any previous one. It runs on the
/// task that sends the statement, before sending: keep it fast (push to a
/// channel to write an audit table).
pub fn set_audit_hook(hook: impl Fn(&AuditEvent<'_>) + Send + Sync + 'static) {
    let mut slot = HOOK.write().unwrap_or_else(|p| p.into_inner());
    *slot = Some(Arc::new(hook));
    ENABLED.store(true, Ordering::Release);
}

/// Removes the audit hook.
pub fn clear_audit_hook() {
    ENABLED.store(false, Ordering::Release);
    let mut slot = HOOK.write().unwrap_or_else(|p| p.into_inner());
    *slot = None;
}

/// True while a hook is installed.
pub fn audit_enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Calls the hook, if any.
#[inline]
pub(crate) fn audit(statement: &'static Statement, args: &[Param<'_>], conn: &Connection) {
    if !ENABLED.load(Ordering::Relaxed) {
        return;
    }
    call_hook(statement, args, conn.server(), conn.in_transaction());
}

#[cold]
fn call_hook(
    statement: &'static Statement,
    args: &[Param<'_>],
    server: &str,
    in_transaction: bool,
) {
    let hook = HOOK.read().unwrap_or_else(|p| p.into_inner()).clone();
    if let Some(hook) = hook {
        hook(&AuditEvent {
            statement,
            server,
            in_transaction,
            args,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::statement::StatementKind;
    use std::sync::Mutex;

    static ST: Statement = Statement {
        id: "tests::audit",
        variant: 0,
        sql: "SELECT 1 WHERE @P1 = @P2",
        param_decls: "@P1 int, @P2 int",
        args: &[1, 0],
        columns: &[],
        kind: StatementKind::Select,
        file: "observe.rs",
        line: 1,
    };

    #[test]
    fn hook_sees_params_in_declaration_order_and_can_be_cleared() {
        let seen: Arc<Mutex<Vec<String>>> = Arc::default();
        let sink = seen.clone();
        set_audit_hook(move |e| {
            let p: Vec<String> = e
                .params()
                .map(|p| format!("{:?}", p.as_column_data()))
                .collect();
            sink.lock()
                .unwrap()
                .push(format!("{} {} {}", e.statement.id, e.server, p.join(",")));
        });
        assert!(audit_enabled());
        let args = [
            Param(tiberius::ColumnData::I32(Some(10))),
            Param(tiberius::ColumnData::I32(Some(20))),
        ];
        call_hook(&ST, &args, "db:1433", false);
        clear_audit_hook();
        assert!(!audit_enabled());
        call_hook(&ST, &args, "db:1433", false);
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0], "tests::audit db:1433 I32(Some(20)),I32(Some(10))");
    }
}
