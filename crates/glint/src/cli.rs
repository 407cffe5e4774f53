//! The command line: `glint serve` and the admin commands, with the options every command shares.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::Overrides;

/// Glint: a cloud image service with image sharing between accounts.
#[derive(Debug, Parser)]
#[command(name = "glint", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options of every command: where the configuration and data are.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// A TOML configuration file (see config/glint.example.toml).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// The data folder (default ./glint-data).
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    /// The metadata store: sqlite://… or postgres://… (default: SQLite in the data folder).
    #[arg(long, global = true)]
    pub database_url: Option<String>,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the APIs and the panel.
    Serve {
        /// Address to listen on (default 127.0.0.1:9292; port 0 picks a free one).
        #[arg(long)]
        listen: Option<String>,
    },
    /// Regions.
    #[command(subcommand)]
    Region(RegionCommand),
    /// Accounts (the APIs' projects).
    #[command(subcommand)]
    Account(AccountCommand),
    /// Users.
    #[command(subcommand)]
    User(UserCommand),
    /// Reports of suspicious images.
    #[command(subcommand)]
    Report(ReportCommand),
    /// The operators' quarantine of images.
    #[command(subcommand)]
    Image(ImageCommand),
    /// Load the configuration, check that the database and every region's image store can be
    /// reached, and print what was found; exits non-zero when a check fails. The database is
    /// not migrated.
    CheckConfig,
}

/// `glint region …`
#[derive(Debug, Subcommand)]
pub enum RegionCommand {
    /// Create a region.
    Create { name: String },
    /// List regions.
    List,
}

/// `glint account …`
#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Create an account.
    Create {
        name: String,
        /// The account number (default: a new 6–8 digit number).
        #[arg(long = "id")]
        number: Option<String>,
        /// Comma-separated regions the account may use (default: all).
        #[arg(long, value_delimiter = ',')]
        regions: Option<Vec<String>>,
    },
    /// List accounts.
    List,
    /// Enable or disable an account: a disabled account cannot sign in and its tokens stop.
    #[command(group = clap::ArgGroup::new("state").required(true))]
    Set {
        /// Account name or number.
        account: String,
        /// Let the account sign in again.
        #[arg(long, group = "state")]
        enable: bool,
        /// Stop the account signing in; its tokens stop working.
        #[arg(long, group = "state")]
        disable: bool,
    },
    /// Delete an account and its users; refused while the account owns images.
    Delete {
        /// Account name or number.
        account: String,
    },
    /// Replace the regions an account may use.
    SetRegions {
        /// Account name or number.
        account: String,
        /// Comma-separated regions (empty: none).
        #[arg(value_delimiter = ',', num_args = 0..=1, default_value = "")]
        regions: Vec<String>,
    },
}

/// `glint user …`
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user; the password is read from standard input.
    Create {
        username: String,
        /// Account name or number.
        #[arg(long)]
        account: String,
        /// reader, member, manager or admin.
        #[arg(long)]
        role: String,
    },
    /// List users, of every account or of one.
    List {
        /// Account name or number.
        #[arg(long)]
        account: Option<String>,
    },
    /// Change a user: enable (which also unlocks) or disable it, or set its password (read
    /// from standard input). Disabling or a new password ends the user's tokens.
    #[command(group = clap::ArgGroup::new("change").required(true).multiple(true))]
    Set {
        username: String,
        /// Let the user sign in again (and forget its failed sign-ins).
        #[arg(long, group = "change", conflicts_with = "disable")]
        enable: bool,
        /// Stop the user signing in; its tokens stop working.
        #[arg(long, group = "change")]
        disable: bool,
        /// Set a new password, read from standard input.
        #[arg(long, group = "change")]
        password_stdin: bool,
    },
    /// Delete a user and its tokens.
    Delete { username: String },
    /// Unlock a user locked out by failed sign-ins: its right password works again at once.
    Unlock {
        username: String,
        /// Account name or number.
        #[arg(long)]
        account: String,
    },
}

/// `glint report …`
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// List reports, newest first, with the image's trust report warnings.
    List {
        /// open, dismissed, quarantined or all.
        #[arg(long, default_value = "open")]
        status: String,
    },
    /// Dismiss an open report.
    Dismiss {
        /// The report's id.
        id: String,
        /// A note on the decision, kept with the report.
        #[arg(long, default_value = "")]
        note: String,
    },
}

/// `glint image …`
#[derive(Debug, Subcommand)]
pub enum ImageCommand {
    /// Quarantine an image: deactivated for everyone but the admin, its open reports closed,
    /// every consumer and the producer told with the note.
    Quarantine {
        /// The image's id.
        id: String,
        /// The note every consumer and the producer read.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Lift an image's quarantine: it is active again.
    Release {
        /// The image's id.
        id: String,
    },
}

impl Cli {
    /// The command-line values that override configuration.
    pub fn overrides(&self) -> Overrides {
        let listen = match &self.command {
            Command::Serve { listen } => listen.clone(),
            _ => None,
        };
        Overrides {
            listen,
            data_dir: self.global.data_dir.clone(),
            database_url: self.global.database_url.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn parses_admin_commands() {
        let cli = Cli::try_parse_from([
            "glint",
            "account",
            "create",
            "acme",
            "--regions",
            "DFW,IAD",
            "--data-dir",
            "d",
        ]);
        let Ok(cli) = cli else {
            panic!("parse failed: {cli:?}")
        };
        assert!(matches!(
            cli.command,
            Command::Account(AccountCommand::Create { ref regions, .. })
                if regions.as_deref() == Some(&["DFW".to_owned(), "IAD".to_owned()][..])
        ));
        assert_eq!(cli.overrides().data_dir, Some(PathBuf::from("d")));
    }

    #[test]
    fn user_set_needs_a_change_and_takes_one_state() {
        let parse = |args: &[&str]| Cli::try_parse_from([&["glint", "user", "set"], args].concat());
        assert!(parse(&["alice"]).is_err(), "a change is required");
        assert!(parse(&["alice", "--enable", "--disable"]).is_err());
        let Ok(cli) = parse(&["alice", "--disable", "--password-stdin"]) else {
            panic!("parse failed")
        };
        assert!(matches!(
            cli.command,
            Command::User(UserCommand::Set {
                disable: true,
                password_stdin: true,
                enable: false,
                ..
            })
        ));
    }

    #[test]
    fn account_set_takes_exactly_one_state() {
        let parse =
            |args: &[&str]| Cli::try_parse_from([&["glint", "account", "set"], args].concat());
        assert!(parse(&["acme"]).is_err());
        assert!(parse(&["acme", "--enable", "--disable"]).is_err());
        assert!(parse(&["acme", "--disable"]).is_ok());
    }

    #[test]
    fn report_and_image_commands_parse() {
        let cli = Cli::try_parse_from(["glint", "report", "list"]);
        assert!(matches!(
            cli.map(|c| c.command),
            Ok(Command::Report(ReportCommand::List { ref status })) if status == "open"
        ));
        let cli = Cli::try_parse_from(["glint", "image", "quarantine", "x", "--note", "bad"]);
        assert!(matches!(
            cli.map(|c| c.command),
            Ok(Command::Image(ImageCommand::Quarantine { ref note, .. })) if note == "bad"
        ));
    }

    #[test]
    fn user_unlock_takes_the_username_and_its_account() {
        let cli = Cli::try_parse_from(["glint", "user", "unlock", "alice", "--account", "acme"]);
        let Ok(cli) = cli else {
            panic!("parse failed: {cli:?}")
        };
        assert!(matches!(
            cli.command,
            Command::User(UserCommand::Unlock { ref username, ref account })
                if username == "alice" && account == "acme"
        ));
        let missing = Cli::try_parse_from(["glint", "user", "unlock", "alice"]);
        assert!(missing.is_err(), "the account is required");
    }
}
