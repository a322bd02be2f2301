//! Operator commands: migrate, demo, backup, user add.

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use emas_domain::access::{Role, Scope};
use emas_store::agencies::{AgencyKind, NewAgency, create_agency};
use emas_store::audit::{self, AuditEntry};
use emas_store::demo::{self, DemoOutcome};
use emas_store::secret::one_time_password;
use emas_store::users::{NewUser, create_user};

use crate::db_args::DbArgs;

#[derive(Args, Debug)]
pub struct DbOnly {
    #[command(flatten)]
    pub db: DbArgs,
}

pub async fn migrate(args: DbOnly) -> anyhow::Result<()> {
    let db = args.db.open().await?;
    println!(
        "Database is up to date ({} {}).",
        if db.is_sqlite() {
            "SQLite"
        } else {
            "PostgreSQL"
        },
        db.server_version().await?
    );
    Ok(())
}

pub async fn demo(args: DbOnly) -> anyhow::Result<()> {
    let db = args.db.open().await?;
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
                "Demo data loaded: {agencies} agencies, {accounts} accounts, {people}, {history}."
            )
        }
        DemoOutcome::AlreadyLoaded => println!("Demo data is already loaded; nothing changed."),
    }
    Ok(())
}

#[derive(Args, Debug)]
pub struct BackupArgs {
    #[command(flatten)]
    db: DbArgs,
    /// The file to write the copy to; it must not exist.
    #[arg(long)]
    out: std::path::PathBuf,
}

pub async fn backup(args: BackupArgs) -> anyhow::Result<()> {
    let db = args.db.open().await?;
    db.backup_to(&args.out)
        .await
        .with_context(|| format!("backup to {} failed", args.out.display()))?;
    println!("Backup written to {}.", args.out.display());
    Ok(())
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create an account; its one-time password is printed once.
    Add(UserAddArgs),
}

#[derive(Args, Debug)]
pub struct UserAddArgs {
    #[command(flatten)]
    db: DbArgs,
    #[arg(long)]
    username: String,
    /// The name people see.
    #[arg(long)]
    name: String,
    /// admin, registrar, programme_officer, trainer, mentor, case_worker, analyst, coordinator,
    /// moderator, partner_officer or participant.
    #[arg(long)]
    role: String,
    /// `national`, a province code (36) or a regency/city code (36.04).
    #[arg(long, default_value = "national")]
    scope: String,
    /// The code of the agency the account belongs to.
    #[arg(long, default_value = "emas-operator")]
    agency: String,
}

pub async fn user(cmd: UserCommand) -> anyhow::Result<()> {
    let UserCommand::Add(args) = cmd;
    let role: Role = args.role.parse().map_err(|_| {
        let known: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
        anyhow::anyhow!(
            "unknown role {:?}; known roles: {}",
            args.role,
            known.join(", ")
        )
    })?;
    let scope =
        Scope::parse(&args.scope).with_context(|| format!("bad --scope {:?}", args.scope))?;
    let db = args.db.open().await?;
    if let Scope::Region(code) = &scope
        && db.region(code).await?.is_none()
    {
        bail!("--scope {code} is not a region in the reference data");
    }
    let now = emas_store::now();
    let mut tx = db.begin().await?;
    let agency_id = match db.agency_by_code(&args.agency).await? {
        Some(a) => a.id,
        None if args.agency == "emas-operator" => {
            create_agency(
                &mut tx,
                &NewAgency {
                    code: "emas-operator",
                    name: "Pengelola EMAS",
                    kind: AgencyKind::Operator,
                    region_code: None,
                },
                now,
            )
            .await?
        }
        None => bail!("no agency has the code {:?}", args.agency),
    };
    let password = one_time_password();
    let new = NewUser {
        username: &args.username,
        display_name: &args.name,
        password: &password,
        role,
        scope,
        agency_id,
        must_change_password: true,
    };
    let id = create_user(&mut tx, &new, now)
        .await
        .with_context(|| format!("cannot create {:?}", args.username))?;
    let entry = AuditEntry {
        actor_user_id: None,
        actor: "cli".into(),
        action: "user.create".into(),
        entity: "user".into(),
        entity_id: id.to_string(),
        detail: String::new(),
        request_id: String::new(),
    };
    audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    println!(
        "Created {}. One-time password (shown once; change it at first sign-in):\n\n    {password}\n",
        args.username.trim().to_lowercase()
    );
    Ok(())
}
