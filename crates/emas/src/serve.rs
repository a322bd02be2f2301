//! `emas serve`: the web server.

use std::net::SocketAddr;

use anyhow::Context;
use clap::Args;
use emas_store::audit::AuditWriter;
use emas_store::demo::{self, DemoOutcome};
use emas_web::{App, Config};

use crate::db_args::DbArgs;

#[derive(Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Address and port to listen on.
    #[arg(long, env = "EMAS_BIND", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Load the demo data (once) and show the demo accounts on the sign-in page.
    #[arg(long, env = "EMAS_DEMO")]
    demo: bool,
    /// The address people reach EMAS at; an https URL makes cookies Secure.
    #[arg(long, env = "EMAS_PUBLIC_URL")]
    public_url: Option<String>,
    /// Largest request body accepted, in bytes.
    #[arg(long, env = "EMAS_BODY_LIMIT", default_value_t = 10 * 1024 * 1024)]
    body_limit: usize,
}

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let db = args.db.open().await?;
    if args.demo {
        match demo::load(&db, emas_store::now()).await? {
            DemoOutcome::Loaded { agencies, accounts } => {
                let people = crate::demo_data::load(&db, emas_store::now()).await?;
                // The programme history needs the demo's people: not over a real registry.
                let history = match people {
                    emas::demo_data::DemoPeople::Loaded(_) => {
                        emas::demo_programme::load_history(&db, emas_store::now()).await?
                    }
                    emas::demo_data::DemoPeople::RegistryNotEmpty => "no programme history".into(),
                };
                println!(
                    "Demo data loaded: {agencies} agencies, {accounts} accounts, {people}, {history} (password: {}).",
                    demo::DEMO_PASSWORD
                );
            }
            DemoOutcome::AlreadyLoaded => println!("Demo data is already loaded; nothing changed."),
        }
    }
    if let Some((username, password)) = demo::ensure_first_admin(&db, emas_store::now()).await? {
        // Printed once, to the terminal only: never to the log.
        println!(
            "First start: created the account '{username}' with the one-time password\n\n    {password}\n\nSign in and choose a new password; it is not shown again."
        );
    }
    let (audit, audit_task) = AuditWriter::start(db.clone());
    let config = Config {
        demo: args.demo,
        secure_cookies: args
            .public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://")),
        body_limit: args.body_limit,
        ..Config::default()
    };
    let purge_db = db.clone();
    let purge = tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            every.tick().await;
            if let Err(e) = purge_db.purge_expired_sessions(emas_store::now()).await {
                tracing::warn!(error = %e, "could not purge expired sessions");
            }
        }
    });
    let app = App::new(db.clone(), audit, config);
    let router = emas_web::router(app);
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .with_context(|| format!("cannot listen on {}", args.bind))?;
    tracing::info!(address = %args.bind, database = if db.is_sqlite() { "sqlite" } else { "postgres" }, "EMAS is listening");
    println!("EMAS is running at http://{}", args.bind);
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    purge.abort();
    // The router (and every AuditWriter clone in it) is gone: write what reads are queued.
    audit_task.finish().await;
    db.close().await;
    tracing::info!("EMAS stopped");
    Ok(())
}

/// Ctrl-C or SIGTERM (what systemd and container runtimes send).
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
