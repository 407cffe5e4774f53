//! The admin commands: each opens the same store the server uses (safe while it runs), does one
//! thing, and prints what it did in one line.

use std::io::Read;

use anyhow::{Context, Result, bail};
use glint_app::AdminService;
use glint_core::{Account, Role};

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
                user.role.map_or("none", Role::as_str)
            );
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
