//! Booklet §12.3: audit logging of every statement with its parameters into
//! audit.sql_history. The hook runs on the sending task, so it only pushes
//! to a channel; a writer task stores the entries (its own insert is not
//! audited, or it would audit itself forever). With no hook installed the
//! runtime pays one atomic load per statement.

mod common;

use quarry::{AuditEvent, Error, query};

#[tokio::main]
async fn main() {
    let Some(url) = common::database_url("audit_log") else {
        return;
    };
    common::exit_on_error(run(&url).await);
}

const WRITER_ID_SUFFIX: &str = "ex_audit_write";

async fn run(url: &str) -> Result<(), Error> {
    let pool = quarry::Pool::new(url)?;
    common::install_schema(&mut *pool.get().await?).await?;

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(String, String)>();
    quarry::set_audit_hook(move |e: &AuditEvent<'_>| {
        if e.statement.id.ends_with(WRITER_ID_SUFFIX) {
            return;
        }
        let params: Vec<String> = e
            .params()
            .map(|p| format!("{:?}", p.as_column_data()))
            .collect();
        let _ = tx.send((
            e.statement.sql.to_owned(),
            format!("[{}]", params.join(", ")),
        ));
    });

    let writer_pool = pool.clone();
    let writer = tokio::spawn(async move {
        let mut written = 0u32;
        while let Some((statement, parameters)) = rx.recv().await {
            query!(ex_audit_write: insert audit.sql_history { statement: $statement, parameters: $parameters })
                .execute(&writer_pool)
                .await?;
            written += 1;
        }
        Ok::<u32, Error>(written)
    });

    // Ordinary application work, audited transparently.
    let name = "ex_audit_user";
    query!(ex_audit_cleanup: delete users where username == $name)
        .execute(&pool)
        .await?;
    let id = query!(ex_audit_create: insert users { username: $name, fullname: "Audited User" } returning id)
        .fetch_one(&pool)
        .await?
        .id;
    let _ = query!(ex_audit_read: select users { username } where id == $id)
        .fetch_one(&pool)
        .await?;
    query!(ex_audit_delete: delete users where id == $id)
        .execute(&pool)
        .await?;

    // Stop auditing, let the writer drain.
    quarry::clear_audit_hook();
    let written = match writer.await {
        Ok(result) => result?,
        Err(e) => {
            return Err(Error::Usage {
                message: format!("writer task failed: {e}"),
            });
        }
    };
    println!("wrote {written} audit entries");

    let entries = query!(ex_audit_recent: select audit.sql_history { id, statement, parameters } order by id desc limit 4)
        .fetch_all(&pool)
        .await?;
    for e in entries.iter().rev() {
        let sql = e.statement.as_deref().unwrap_or("");
        println!(
            "#{}: {}... {}",
            e.id,
            sql.chars().take(60).collect::<String>(),
            e.parameters.as_deref().unwrap_or("")
        );
    }
    println!("audit_log: done");
    Ok(())
}
