//! The `server` binary's subcommands (API.md "Server binary").

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(name = "server", about = "Fieldlog's sync server")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (migrates first).
    Serve {
        #[arg(long)]
        config: Option<PathBuf>,
        /// Create the demo district first if the database has no users.
        #[arg(long)]
        demo_if_empty: bool,
    },
    /// Apply database migrations.
    Migrate,
    /// Manage schools.
    School {
        #[command(subcommand)]
        command: SchoolCommand,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Create the demo district and print its logins.
    Demo,
    /// Write a consistent copy of the database to a new SQLite file while
    /// the server runs (secrets are not in it: back up the secrets folder
    /// apart).
    Backup {
        #[arg(long)]
        to: PathBuf,
    },
    /// Copy a backup into an empty data folder or database.
    Restore {
        #[arg(long)]
        from: PathBuf,
    },
    /// Print the OpenAPI document (the web app's API types are generated from it).
    Openapi,
    /// The agency's shared settings.
    Settings {
        #[command(subcommand)]
        command: SettingsCommand,
    },
    /// Manage the token signing keys (in the secrets folder, or the data folder).
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Print the key ids, oldest first; the last one signs.
    List,
    /// Add a key that signs from each server's next start; the older keys
    /// still verify, so no one is signed out. Prints the key ids.
    Rotate,
    /// Stop accepting tokens signed by this key (not the signing key).
    Retire { kid: String },
}

#[derive(Debug, Subcommand)]
pub enum SettingsCommand {
    /// How many review periods of synced records a phone keeps (the current
    /// one and those before it; 2 by default). Older records leave phones at
    /// their next sync and are read online.
    DeviceRetention {
        #[arg(long, value_parser = clap::value_parser!(u8).range(1..=20))]
        periods: u8,
    },
}

#[derive(Debug, Subcommand)]
pub enum SchoolCommand {
    /// Create a school; prints its id alone.
    Add {
        #[arg(long)]
        name: String,
        /// IANA time zone, e.g. America/Chicago: hours of day in every view
        /// are the school's own.
        #[arg(long, default_value = "UTC")]
        time_zone: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user; the password is read from standard input.
    Add {
        #[arg(long)]
        username: String,
        #[arg(long)]
        role: String,
        #[arg(long = "school")]
        schools: Vec<String>,
        #[arg(long)]
        supervisor: Option<String>,
    },
    /// Lift a login lockout.
    Unlock {
        #[arg(long)]
        username: String,
    },
    /// Disable an account: its next request answers 401 `account_disabled`
    /// and every refresh token is revoked at once.
    Disable {
        #[arg(long)]
        username: String,
    },
    /// Enable a disabled account again.
    Enable {
        #[arg(long)]
        username: String,
    },
    /// Set a new password (read from standard input); every session ends.
    Passwd {
        #[arg(long)]
        username: String,
    },
    /// Remove a second factor (a lost phone), an admin's included, which
    /// only the deployment's administrator may; every session ends.
    ResetMfa {
        #[arg(long)]
        username: String,
    },
    /// Link an identity at an identity provider (its `sub`) to the account,
    /// so that signing in there opens it; the one way an admin's or an
    /// auditor's account is linked.
    Link {
        #[arg(long)]
        username: String,
        /// The provider's id in the settings (`oidc`).
        #[arg(long)]
        provider: String,
        #[arg(long)]
        subject: String,
    },
    /// Remove the account's link at an identity provider.
    Unlink {
        #[arg(long)]
        username: String,
        #[arg(long)]
        provider: String,
    },
}
