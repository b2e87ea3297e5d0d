//! `driftdb token create|list|revoke`: access tokens for services (a superuser's to manage).

use anyhow::Result;
use clap::Subcommand;
use driftdb_client::Client;

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Make a token for a role; prints it once (the server keeps only its hash).
    Create {
        /// The role the token acts as.
        #[arg(long)]
        role: String,
        /// What the token is for.
        #[arg(long, default_value = "")]
        description: String,
    },
    /// List the tokens in force: id, role, creation time, description.
    List,
    /// Revoke a token by id.
    Revoke { id: String },
}

pub(super) async fn run(client: &Client, command: TokenCommand) -> Result<()> {
    let tokens = client.access_tokens();
    match command {
        TokenCommand::Create { role, description } => {
            let (token, info) = tokens.create(&role, &description).await?;
            eprintln!(
                "created token {} for role {}; it is shown only now:",
                info.id, info.role
            );
            println!("{token}");
        }
        TokenCommand::List => {
            for info in tokens.list().await? {
                let created = chrono::DateTime::from_timestamp_micros(info.created_micros)
                    .map_or_else(String::new, |t| {
                        t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
                    });
                println!(
                    "{}\t{}\t{created}\t{}",
                    info.id, info.role, info.description
                );
            }
        }
        TokenCommand::Revoke { id } => {
            tokens.revoke(&id).await?;
            eprintln!("revoked token {id}");
        }
    }
    Ok(())
}
