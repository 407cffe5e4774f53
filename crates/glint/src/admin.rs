//! The admin commands: each opens the same store the server uses (safe while it runs), does one
//! thing, and prints what it did in one line.

use std::io::Read;

use anyhow::{Context, Result, bail};
use glint_app::{AdminService, UserUpdate};
use glint_core::{Account, Role, User};

use crate::cli::{AccountCommand, RegionCommand, UserCommand};

fn describe(account: &Account) -> String {
    let regions: Vec<_> = account.regions.iter().map(|r| r.as_str()).collect();
    let regions = if regions.is_empty() {
        "no regions".to_owned()
    } else {
        format!("regions {}", regions.join(", "))
    };
    format!(
        "account {} (number {}) with {regions}",
        account.name, account.id
    )
}

/// `glint region …`
pub async fn region(admin: &AdminService, command: RegionCommand) -> Result<()> {
    match command {
        RegionCommand::Create { name } => {
            let region = admin.create_region(&name).await?;
            println!("created region {}", region.name);
        }
        RegionCommand::List => {
            for region in admin.list_regions().await? {
                println!("{}", region.name);
            }
        }
    }
    Ok(())
}

/// `glint account …`
pub async fn account(admin: &AdminService, command: AccountCommand) -> Result<()> {
    match command {
        AccountCommand::Create {
            name,
            number,
            regions,
        } => {
            let account = admin
                .create_account(&name, number.as_deref(), regions.as_deref())
                .await?;
            println!("created {}", describe(&account));
        }
        AccountCommand::List => {
            println!("{:<10} {:<24} REGIONS", "NUMBER", "NAME");
            for account in admin.list_accounts().await? {
                let regions: Vec<_> = account.regions.iter().map(|r| r.as_str()).collect();
                println!(
                    "{:<10} {:<24} {}",
                    account.id,
                    account.name,
                    regions.join(",")
                );
            }
        }
        AccountCommand::Set {
            account, enable, ..
        } => {
            let account = admin.set_account_enabled(&account, enable).await?;
            let state = if account.enabled {
                "enabled"
            } else {
                "disabled"
            };
            println!("{state} {}", describe(&account));
        }
        AccountCommand::Delete { account } => {
            let account = admin.delete_account(&account).await?;
            println!("deleted {} and its users", describe(&account));
        }
        AccountCommand::SetRegions { account, regions } => {
            let account = admin.set_account_regions(&account, &regions).await?;
            println!("updated {}", describe(&account));
        }
    }
    Ok(())
}

/// `glint user …`
pub async fn user(admin: &AdminService, command: UserCommand) -> Result<()> {
    match command {
        UserCommand::Create {
            username,
            account,
            role,
        } => {
            let role: Role = role.parse()?;
            let password = read_password()?;
            let user = admin
                .create_user(&username, &account, role, password)
                .await?;
            println!(
                "created user {} in account {} with role {}",
                user.name,
                user.account_id,
                role_name(&user)
            );
        }
        UserCommand::List { account } => list_users(admin, account.as_deref()).await?,
        UserCommand::Set {
            username,
            enable,
            disable,
            password_stdin,
        } => {
            let update = UserUpdate {
                name: None,
                enabled: (enable || disable).then_some(enable),
                password: if password_stdin {
                    Some(read_password()?)
                } else {
                    None
                },
            };
            let user = admin.set_user(&username, update).await?;
            let state = if user.enabled { "enabled" } else { "disabled" };
            println!(
                "updated user {} in account {}: {state}",
                user.name, user.account_id
            );
        }
        UserCommand::Delete { username } => {
            let user = admin.delete_user(&username).await?;
            println!("deleted user {} of account {}", user.name, user.account_id);
        }
        UserCommand::Unlock { username, account } => {
            let user = admin.unlock_user(&username, &account).await?;
            println!(
                "unlocked user {} in account {}: its failed sign-ins are forgotten",
                user.name, user.account_id
            );
        }
    }
    Ok(())
}

/// `glint user list`: one line per user.
async fn list_users(admin: &AdminService, account: Option<&str>) -> Result<()> {
    println!(
        "{:<24} {:<10} {:<8} {:<8} ID",
        "NAME", "ACCOUNT", "ROLE", "ENABLED"
    );
    for user in admin.list_users(account).await? {
        println!(
            "{:<24} {:<10} {:<8} {:<8} {}",
            user.name,
            user.account_id,
            role_name(&user),
            if user.enabled { "yes" } else { "no" },
            user.id
        );
    }
    Ok(())
}

/// The role a user holds, or "none".
fn role_name(user: &User) -> &'static str {
    user.role.map_or("none", Role::as_str)
}

/// The password from standard input: the first line, without its line ending.
fn read_password() -> Result<String> {
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .context("reading the password from standard input")?;
    let password = input.lines().next().unwrap_or("").to_owned();
    if password.is_empty() {
        bail!("the password must not be empty: give it on standard input");
    }
    Ok(password)
}
