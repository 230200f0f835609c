//! The `hookflow` binary: command-line parsing and wiring. Data goes to stdout,
//! diagnostics to stderr; exit 0 on success, 1 on any error.

mod commands;
mod config;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

// glibc's allocator spent about 40 % of the server's CPU under load (arena locks and
// consolidation across tokio's worker threads); mimalloc's per-thread heaps do not.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(
    name = "hookflow",
    version,
    about = "A self-hosted workflow engine for Logic Apps-style definitions, built around HTTP webhooks"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Work with the expression language.
    Expr {
        #[command(subcommand)]
        command: ExprCommand,
    },
    /// Run a stand-in external service for trying webhooks: it accepts subscriptions,
    /// prints each callback URL, and calls back on demand or after a delay.
    Standin(commands::standin::StandinArgs),
    /// Validate a workflow definition file (bare definition, workflow.json or resource):
    /// prints `valid` or every error with its JSON pointer.
    Validate {
        /// The definition file.
        file: PathBuf,
    },
    /// Serve the management API and callback endpoints until SIGINT/SIGTERM.
    Serve(Box<config::ServeArgs>),
    /// Deploy (create or update) a workflow from a definition file.
    Deploy {
        #[command(flatten)]
        deploy: commands::resources::DeployArgs,
        #[command(flatten)]
        server: commands::api_client::ServerArgs,
    },
    /// List, show, enable, disable or delete workflows.
    Workflows {
        #[command(subcommand)]
        command: commands::resources::WorkflowsCommand,
        #[command(flatten)]
        server: commands::api_client::ServerArgs,
    },
    /// List, show or cancel runs.
    Runs {
        #[command(subcommand)]
        command: commands::resources::RunsCommand,
        #[command(flatten)]
        server: commands::api_client::ServerArgs,
    },
    /// Print a trigger's signed callback URL.
    CallbackUrl {
        /// The workflow.
        workflow: String,
        /// The trigger.
        trigger: String,
        #[command(flatten)]
        server: commands::api_client::ServerArgs,
    },
}

#[derive(Debug, Subcommand)]
enum ExprCommand {
    /// Evaluate VALUE exactly as a JSON string value in a definition and print the result as JSON.
    Eval {
        /// The value, e.g. "@concat('a', 'b')" or "Hi @{variables('x')}".
        value: String,
        /// A JSON file with any of: parameters, variables, trigger, actions, item, workflow, now.
        #[arg(long)]
        context: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Expr {
            command: ExprCommand::Eval { value, context },
        } => commands::expr::eval(&value, context.as_deref()),
        Command::Validate { file } => commands::validate::run(&file),
        Command::Serve(args) => commands::serve::run(*args),
        Command::Standin(args) => commands::standin::run(args),
        Command::Deploy { deploy, server } => {
            commands::resources::deploy(&server, &deploy.file, &deploy.name, deploy.disabled)
        }
        Command::Workflows { command, server } => commands::resources::workflows(&server, &command),
        Command::Runs { command, server } => commands::resources::runs(&server, &command),
        Command::CallbackUrl {
            workflow,
            trigger,
            server,
        } => commands::resources::callback_url(&server, &workflow, &trigger),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("{failure}");
            ExitCode::FAILURE
        }
    }
}
