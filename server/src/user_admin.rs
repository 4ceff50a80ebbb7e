//! `server user ...`: accounts from the host's shell, so an agency whose
//! only admin is locked out can still recover (issue 18, CLI parity).
//! Passwords come on standard input, never as arguments (they would show in
//! `ps` and the shell's history).

use crate::auth::{hash_password, random_token};
use crate::cli::UserCommand;
use crate::credentials::{check_new_username, check_password, normalize_username};
use crate::store::Store;
use crate::store::directory::{User, new_id};
use anyhow::{Context, bail};
use client_core::{Role, SchoolId, UserId};
use std::io::Read;

pub async fn run(
    store: &Store,
    settings: &crate::settings::Settings,
    command: UserCommand,
) -> anyhow::Result<()> {
    match command {
        UserCommand::Add {
            username,
            role,
            schools,
            supervisor,
        } => add(store, &username, &role, &schools, supervisor.as_deref()).await,
        UserCommand::Unlock { username } => {
            let user = existing(store, &username).await?;
            store.set_locked_until(user.id, None).await?;
            let cleared = store.clear_login_failures(&user.username).await?;
            println!(
                "unlocked {} ({cleared} failed sign-ins cleared)",
                user.username
            );
            Ok(())
        }
        UserCommand::Disable { username } => {
            let user = existing(store, &username).await?;
            store.set_disabled(user.id, true).await?;
            println!("disabled {}: every session ended", user.username);
            Ok(())
        }
        UserCommand::Enable { username } => {
            let user = existing(store, &username).await?;
            store.set_disabled(user.id, false).await?;
            println!("enabled {}", user.username);
            Ok(())
        }
        UserCommand::Passwd { username } => {
            let user = existing(store, &username).await?;
            let password = read_password(&user.username)?;
            store
                .set_password(user.id, &hash_password(&password)?)
                .await?;
            store.clear_login_failures(&user.username).await?;
            println!("new password for {}: every session ended", user.username);
            Ok(())
        }
        UserCommand::ResetMfa { username } => {
            let user = existing(store, &username).await?;
            let log = crate::store::audit::Entry {
                at: chrono::Utc::now().timestamp_millis(),
                user: None,
                role: None,
                event: "admin_mfa_reset".into(),
                record: None,
                student_refs: vec![],
                fields: vec![],
                endpoint: "server user reset-mfa".into(),
                purpose: format!("user={} role={}", user.id, user.role),
            };
            match store.reset_mfa(user.id, log).await? {
                crate::store::mfa::Reset::Done => {
                    println!(
                        "second factor of {} removed: every session ended",
                        user.username
                    )
                }
                crate::store::mfa::Reset::NotEnrolled => {
                    bail!("{} has no second factor to reset", user.username)
                }
            }
            Ok(())
        }
        UserCommand::Link {
            username,
            provider,
            subject,
        } => {
            let user = existing(store, &username).await?;
            let p = settings
                .oidc
                .iter()
                .find(|p| p.id == provider)
                .with_context(|| format!("no identity provider {provider:?} in the settings"))?;
            let account = client_core::identity::Account {
                user: user.id,
                role: user.role,
                organization: user.organization,
                disabled: user.disabled,
            };
            // The deployment's own administrator: only the organisation
            // must match (an admin's own account is theirs to link here).
            if let Err(e) = client_core::identity::may_link(None, false, account, p.organization_id)
            {
                bail!("{e}");
            }
            let log = shell_entry("identity_linked", "server user link", &user);
            let now = chrono::Utc::now().timestamp_millis();
            if !store.link_identity(p, &subject, user.id, now, log).await? {
                bail!(
                    "{} already has an identity at {provider}, or that identity opens another account: unlink first",
                    user.username
                );
            }
            println!("{} is linked to {subject} at {provider}", user.username);
            Ok(())
        }
        UserCommand::Unlink { username, provider } => {
            let user = existing(store, &username).await?;
            let log = shell_entry("identity_unlinked", "server user unlink", &user);
            if !store.unlink_identity(&provider, user.id, log).await? {
                bail!("{} has no identity at {provider}", user.username);
            }
            println!("{} is no longer linked at {provider}", user.username);
            Ok(())
        }
    }
}

fn shell_entry(event: &str, endpoint: &str, user: &User) -> crate::store::audit::Entry {
    crate::store::audit::Entry {
        at: chrono::Utc::now().timestamp_millis(),
        user: None,
        role: None,
        event: event.into(),
        record: None,
        student_refs: vec![],
        fields: vec![],
        endpoint: endpoint.into(),
        purpose: format!("user={} role={}", user.id, user.role),
    }
}

async fn existing(store: &Store, username: &str) -> anyhow::Result<User> {
    let name = normalize_username(username);
    store
        .user_by_name(&name)
        .await?
        .with_context(|| format!("no user {name:?}"))
}

/// The password on standard input (one line; its newline is not part of it).
fn read_password(username: &str) -> anyhow::Result<String> {
    let mut password = String::new();
    std::io::stdin().read_to_string(&mut password)?;
    let password = password.trim_end_matches(['\n', '\r']).to_owned();
    check_password(&password, username)
        .map_err(|e| anyhow::anyhow!("the password (on standard input): {e}"))?;
    Ok(password)
}

async fn add(
    store: &Store,
    username: &str,
    role: &str,
    schools: &[String],
    supervisor: Option<&str>,
) -> anyhow::Result<()> {
    let role = Role::parse(role).with_context(|| {
        format!(
            "--role {role:?} is not one of sro, supervisor, school_leader, analyst, admin, auditor"
        )
    })?;
    let taken = store.usernames().await?;
    let username = check_new_username(username, taken.iter().map(String::as_str))
        .map_err(|e| anyhow::anyhow!("--username: {e}"))?;
    let password = read_password(&username)?;
    let mut school_ids = Vec::new();
    for s in schools {
        let id: SchoolId = s
            .parse()
            .map_err(|_| anyhow::anyhow!("--school {s:?} is not a school id"))?;
        if !store.school_exists(id).await? {
            bail!("--school {id}: no such school");
        }
        school_ids.push(id);
    }
    let supervisor = match supervisor {
        Some(name) => Some(existing(store, name).await?.id),
        None => None,
    };
    if store.user_by_name(&username).await?.is_some() {
        bail!("user {username:?} already exists");
    }
    let id = UserId(new_id());
    store
        .add_user(
            id,
            &username,
            role,
            &hash_password(&password)?,
            &random_token(),
            &school_ids,
            supervisor,
            chrono::Utc::now().timestamp_millis(),
        )
        .await?;
    store
        .settle_organizations(crate::store::admin::FIRST_ORGANIZATIONS)
        .await?;
    println!("{id}");
    Ok(())
}
