//! `hookflow serve` configuration: defaults < `hookflow.toml` < `HOOKFLOW_*` environment <
//! flags. clap merges each flag with its environment twin (the flag wins); whatever is
//! still unset comes from the file, then from the defaults.
//!
//! The file is `--config FILE` when given, otherwise `hookflow.toml` in the data directory
//! if it exists. The data-directory file cannot move the data directory (it would no
//! longer be in it).

use hookflow_definition::duration::IsoDuration;
use serde::Deserialize;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;
use url::Url;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:7071";
pub const DEFAULT_DATA_DIR: &str = "./hookflow-data";
pub const CONFIG_FILE_NAME: &str = "hookflow.toml";
pub const DEFAULT_MAX_BODY_SIZE: u64 = hookflow_server::Settings::DEFAULT_MAX_BODY_SIZE as u64;
pub const DEFAULT_RUN_DURATION_LIMIT: Duration = Duration::from_secs(90 * 24 * 3600);
pub const DEFAULT_RESPONSE_TIMEOUT: Duration = hookflow_server::Settings::DEFAULT_RESPONSE_TIMEOUT;
pub const DEFAULT_LEASE_DURATION: Duration = Duration::from_secs(60);
pub const DEFAULT_IN_FLIGHT_GRACE: Duration = Duration::from_secs(150);

/// Flags of `hookflow serve`; each has an environment twin `HOOKFLOW_<FLAG>`.
#[derive(Debug, Default, Clone, clap::Args)]
pub struct ServeArgs {
    /// A TOML file with any of the settings below (snake_case keys); default:
    /// hookflow.toml in the data directory, if present.
    #[arg(long, env = "HOOKFLOW_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:7071]; port 0 picks a free port.
    #[arg(long, env = "HOOKFLOW_LISTEN", value_name = "ADDR")]
    pub listen: Option<String>,
    /// Directory for the embedded store, the generated admin key and hookflow.toml
    /// [default: ./hookflow-data].
    #[arg(long, env = "HOOKFLOW_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Base of every callback URL handed out [default: derived from --listen].
    #[arg(long, env = "HOOKFLOW_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
    /// sqlite://PATH [default: sqlite://DATA_DIR/hookflow.db] or postgres://….
    #[arg(long, env = "HOOKFLOW_DATABASE", value_name = "URL")]
    pub database: Option<String>,
    /// The management API's Bearer key [default: generated once, kept in DATA_DIR/admin-key].
    #[arg(
        long,
        env = "HOOKFLOW_ADMIN_KEY",
        value_name = "KEY",
        hide_env_values = true
    )]
    pub admin_key: Option<String>,
    /// PEM certificate chain; with --tls-key serves HTTPS (TLS 1.2 minimum).
    #[arg(long, env = "HOOKFLOW_TLS_CERT", value_name = "FILE")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for --tls-cert.
    #[arg(long, env = "HOOKFLOW_TLS_KEY", value_name = "FILE")]
    pub tls_key: Option<PathBuf>,
    /// Largest request body, in bytes or with a unit (100MiB, 512KB) [default: 100MiB].
    #[arg(long, env = "HOOKFLOW_MAX_BODY_SIZE", value_name = "SIZE")]
    pub max_body_size: Option<String>,
    /// Longest a run may take, ISO 8601 (P90D) or seconds [default: P90D].
    #[arg(long, env = "HOOKFLOW_RUN_DURATION_LIMIT", value_name = "DURATION")]
    pub run_duration_limit: Option<String>,
    /// How long a Request trigger waits for its Response, ISO 8601 (PT120S) or seconds
    /// [default: PT120S].
    #[arg(long, env = "HOOKFLOW_RESPONSE_TIMEOUT", value_name = "DURATION")]
    pub response_timeout: Option<String>,
    /// How long a node holds a claimed run before another node may take it over (it is
    /// renewed while held), ISO 8601 or seconds [default: PT60S].
    #[arg(long, env = "HOOKFLOW_LEASE_DURATION", value_name = "DURATION")]
    pub lease_duration: Option<String>,
    /// How long after sending an outbound call a run whose answer was never recorded
    /// (the node died) is picked up again by any node, ISO 8601 or seconds; keep it
    /// longer than outbound timeouts [default: PT150S].
    #[arg(long, env = "HOOKFLOW_IN_FLIGHT_GRACE", value_name = "DURATION")]
    pub in_flight_grace: Option<String>,
}

/// The file's shape: the flags' names in snake_case.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    listen: Option<String>,
    data_dir: Option<PathBuf>,
    public_url: Option<String>,
    database: Option<String>,
    admin_key: Option<String>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    max_body_size: Option<Scalar>,
    run_duration_limit: Option<Scalar>,
    response_timeout: Option<Scalar>,
    lease_duration: Option<Scalar>,
    in_flight_grace: Option<Scalar>,
}

/// A size or duration may be written as a number or as text in the file.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Scalar {
    Number(u64),
    Text(String),
}

impl Scalar {
    fn into_text(self) -> String {
        match self {
            Scalar::Number(n) => n.to_string(),
            Scalar::Text(text) => text,
        }
    }
}

/// Where the workflows live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    Sqlite(PathBuf),
    /// Accepted syntactically; the store that uses it is not part of this build yet.
    Postgres(Url),
}

impl Database {
    /// Which store this is, for start-up output, `/api/nodes` and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Database::Sqlite(_) => "SQLite",
            Database::Postgres(_) => "PostgreSQL",
        }
    }

    /// For start-up output: the URL without a password.
    pub fn display(&self) -> String {
        match self {
            Database::Sqlite(path) => format!("sqlite://{}", path.display()),
            Database::Postgres(url) => {
                let mut shown = url.clone();
                if shown.password().is_some() {
                    let _ = shown.set_password(Some("***"));
                }
                shown.to_string()
            }
        }
    }
}

/// Everything `serve` needs, resolved and checked.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// `None`: derived from the bound address once it is known (port 0).
    pub public_url: Option<Url>,
    pub database: Database,
    pub admin_key: Option<String>,
    pub tls: Option<TlsFiles>,
    pub max_body_size: u64,
    pub run_duration_limit: Duration,
    pub response_timeout: Duration,
    pub lease_duration: Duration,
    pub in_flight_grace: Duration,
    /// The file that was read, if any.
    pub file: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Applies the file and the defaults under the flags (already merged with the
/// environment by clap).
pub fn resolve(args: ServeArgs) -> Result<ServeConfig, String> {
    let flag_data_dir = args.data_dir.clone();
    let (file, file_path) = match &args.config {
        Some(path) => (read_file(path)?, Some(path.clone())),
        None => {
            let dir = flag_data_dir
                .clone()
                .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
            let path = dir.join(CONFIG_FILE_NAME);
            if path.is_file() {
                let file = read_file(&path)?;
                if file.data_dir.as_ref().is_some_and(|d| d != &dir) {
                    return Err(format!(
                        "error: {}: data_dir cannot be set in the data directory's own file; \
                         use --config or --data-dir",
                        path.display()
                    ));
                }
                (file, Some(path))
            } else {
                (FileSettings::default(), None)
            }
        }
    };

    let listen_text = args
        .listen
        .or(file.listen)
        .unwrap_or_else(|| DEFAULT_LISTEN.to_string());
    let listen: SocketAddr = listen_text.trim().parse().map_err(|_| {
        format!(
            "error: --listen '{listen_text}' is not an address like 127.0.0.1:7071 or [::]:7071"
        )
    })?;
    let data_dir = flag_data_dir
        .or(file.data_dir)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
    let public_url = args
        .public_url
        .or(file.public_url)
        .map(|text| parse_public_url(&text))
        .transpose()?;
    let database = match args.database.or(file.database) {
        Some(text) => parse_database(&text)?,
        None => Database::Sqlite(data_dir.join("hookflow.db")),
    };
    let admin_key = args.admin_key.or(file.admin_key);
    if admin_key.as_ref().is_some_and(|k| k.trim().is_empty()) {
        return Err("error: --admin-key must not be empty".to_string());
    }
    let tls = match (
        args.tls_cert.or(file.tls_cert),
        args.tls_key.or(file.tls_key),
    ) {
        (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
        (None, None) => None,
        _ => return Err("error: --tls-cert and --tls-key go together".to_string()),
    };
    let max_body_size = match args
        .max_body_size
        .or(file.max_body_size.map(Scalar::into_text))
    {
        Some(text) => parse_size(&text)?,
        None => DEFAULT_MAX_BODY_SIZE,
    };
    let run_duration_limit = match args
        .run_duration_limit
        .or(file.run_duration_limit.map(Scalar::into_text))
    {
        Some(text) => parse_duration("--run-duration-limit", &text)?,
        None => DEFAULT_RUN_DURATION_LIMIT,
    };
    let response_timeout = match args
        .response_timeout
        .or(file.response_timeout.map(Scalar::into_text))
    {
        Some(text) => parse_duration("--response-timeout", &text)?,
        None => DEFAULT_RESPONSE_TIMEOUT,
    };
    let lease_duration = match args
        .lease_duration
        .or(file.lease_duration.map(Scalar::into_text))
    {
        Some(text) => parse_duration("--lease-duration", &text)?,
        None => DEFAULT_LEASE_DURATION,
    };
    let in_flight_grace = match args
        .in_flight_grace
        .or(file.in_flight_grace.map(Scalar::into_text))
    {
        Some(text) => parse_duration("--in-flight-grace", &text)?,
        None => DEFAULT_IN_FLIGHT_GRACE,
    };
    Ok(ServeConfig {
        listen,
        data_dir,
        public_url,
        database,
        admin_key,
        tls,
        max_body_size,
        run_duration_limit,
        response_timeout,
        lease_duration,
        in_flight_grace,
        file: file_path,
    })
}

impl ServeConfig {
    /// `--public-url`, or `http(s)://` + the bound address; an unspecified address
    /// (0.0.0.0, ::) becomes 127.0.0.1, which at least works from this machine.
    pub fn public_url_for(&self, bound: SocketAddr) -> Url {
        if let Some(url) = &self.public_url {
            return url.clone();
        }
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        let ip = if bound.ip().is_unspecified() {
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        } else {
            bound.ip()
        };
        let text = format!("{scheme}://{}", SocketAddr::new(ip, bound.port()));
        Url::parse(&text).expect("a socket address makes a valid URL")
    }
}

fn read_file(path: &Path) -> Result<FileSettings, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("error: cannot read {}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| format!("error: {}: {e}", path.display()))
}

fn parse_public_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text.trim())
        .map_err(|e| format!("error: --public-url '{text}' is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!(
            "error: --public-url '{text}' must be an http:// or https:// URL with a host"
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "error: --public-url '{text}' must not have a query or fragment"
        ));
    }
    Ok(url)
}

fn parse_database(text: &str) -> Result<Database, String> {
    let text = text.trim();
    if let Some(path) = text.strip_prefix("sqlite://") {
        if path.is_empty() {
            return Err("error: --database sqlite:// needs a file path".to_string());
        }
        return Ok(Database::Sqlite(PathBuf::from(path)));
    }
    if text.starts_with("postgres://") || text.starts_with("postgresql://") {
        let url = Url::parse(text).map_err(|e| format!("error: --database: {e}"))?;
        return Ok(Database::Postgres(url));
    }
    Err(format!(
        "error: --database '{}' is not supported: use sqlite://PATH or postgres://…",
        // Never echo a password: show only the scheme part.
        text.split("://").next().unwrap_or(text)
    ))
}

/// Bytes, or a number with a unit: B, KB/MB/GB (powers of 1000), KiB/MiB/GiB (of 1024).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1000,
        "mb" => 1000 * 1000,
        "gb" => 1000 * 1000 * 1000,
        "kib" => 1024,
        "mib" => 1024 * 1024,
        "gib" => 1024 * 1024 * 1024,
        _ => u64::MAX,
    };
    let size = number
        .parse::<u64>()
        .ok()
        .filter(|_| multiplier != u64::MAX)
        .and_then(|n| n.checked_mul(multiplier))
        .filter(|n| *n > 0 && usize::try_from(*n).is_ok());
    size.ok_or_else(|| {
        format!("error: --max-body-size '{text}' is not a size like 104857600, 100MiB or 512KB")
    })
}

/// ISO 8601 (`P90D`, `PT120S`) or whole seconds.
pub fn parse_duration(flag: &str, text: &str) -> Result<Duration, String> {
    let trimmed = text.trim();
    let duration = match trimmed.parse::<u64>() {
        Ok(seconds) => Duration::from_secs(seconds),
        Err(_) => IsoDuration::parse(trimmed)
            .map_err(|e| format!("error: {flag}: {e}"))?
            .approx(),
    };
    if duration.is_zero() {
        return Err(format!("error: {flag} must be longer than zero"));
    }
    Ok(duration)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_contract() {
        let dir = tempfile::tempdir().expect("dir");
        let config = resolve(ServeArgs {
            data_dir: Some(dir.path().to_path_buf()),
            ..ServeArgs::default()
        })
        .expect("valid");
        assert_eq!(config.listen, "127.0.0.1:7071".parse().expect("addr"));
        assert_eq!(
            config.database,
            Database::Sqlite(dir.path().join("hookflow.db"))
        );
        assert_eq!(
            config.public_url_for(config.listen).as_str(),
            "http://127.0.0.1:7071/"
        );
        assert_eq!(config.max_body_size, 100 * 1024 * 1024);
        assert_eq!(config.run_duration_limit, Duration::from_secs(90 * 86400));
        assert_eq!(config.response_timeout, Duration::from_secs(120));
        assert_eq!(config.lease_duration, Duration::from_secs(60));
        assert_eq!(config.in_flight_grace, Duration::from_secs(150));
        assert!(config.tls.is_none() && config.file.is_none());
    }

    #[test]
    fn lease_and_grace_come_from_the_file_and_flags() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(
            dir.path().join(CONFIG_FILE_NAME),
            "lease_duration = \"PT10S\"\nin_flight_grace = 30\n",
        )
        .expect("file");
        let config = resolve(ServeArgs {
            data_dir: Some(dir.path().to_path_buf()),
            lease_duration: Some("2".into()),
            ..ServeArgs::default()
        })
        .expect("valid");
        assert_eq!(
            config.lease_duration,
            Duration::from_secs(2),
            "the flag wins"
        );
        assert_eq!(
            config.in_flight_grace,
            Duration::from_secs(30),
            "from the file"
        );
        let refused = resolve(ServeArgs {
            data_dir: Some(dir.path().to_path_buf()),
            lease_duration: Some("0".into()),
            ..ServeArgs::default()
        });
        assert!(refused.is_err_and(|e| e.contains("--lease-duration")));
    }

    #[test]
    fn the_data_dir_file_sits_under_flags() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(
            dir.path().join(CONFIG_FILE_NAME),
            "listen = \"127.0.0.1:9000\"\nadmin_key = \"from-file\"\nmax_body_size = 2048\n\
             response_timeout = \"PT30S\"\n",
        )
        .expect("write");
        let config = resolve(ServeArgs {
            data_dir: Some(dir.path().to_path_buf()),
            admin_key: Some("from-flag".into()),
            ..ServeArgs::default()
        })
        .expect("valid");
        assert_eq!(config.listen.port(), 9000);
        assert_eq!(config.admin_key.as_deref(), Some("from-flag"));
        assert_eq!(config.max_body_size, 2048);
        assert_eq!(config.response_timeout, Duration::from_secs(30));
        assert_eq!(config.file, Some(dir.path().join(CONFIG_FILE_NAME)));
    }

    #[test]
    fn bad_values_are_clear_errors() {
        for (args, needle) in [
            (
                ServeArgs {
                    listen: Some("nowhere".into()),
                    ..Default::default()
                },
                "--listen",
            ),
            (
                ServeArgs {
                    database: Some("mysql://u:secret@h/db".into()),
                    ..Default::default()
                },
                "mysql",
            ),
            (
                ServeArgs {
                    public_url: Some("ftp://x".into()),
                    ..Default::default()
                },
                "--public-url",
            ),
            (
                ServeArgs {
                    tls_cert: Some("c.pem".into()),
                    ..Default::default()
                },
                "--tls-key",
            ),
            (
                ServeArgs {
                    max_body_size: Some("10 parsecs".into()),
                    ..Default::default()
                },
                "--max-body-size",
            ),
            (
                ServeArgs {
                    response_timeout: Some("soon".into()),
                    ..Default::default()
                },
                "--response-timeout",
            ),
            (
                ServeArgs {
                    admin_key: Some(" ".into()),
                    ..Default::default()
                },
                "--admin-key",
            ),
        ] {
            let dir = tempfile::tempdir().expect("dir");
            let err = resolve(ServeArgs {
                data_dir: Some(dir.path().to_path_buf()),
                ..args
            })
            .expect_err(needle);
            assert!(err.contains(needle), "{err}");
            assert!(!err.contains("secret"), "{err}");
        }
    }

    #[test]
    fn sizes_durations_and_database_urls() {
        assert_eq!(parse_size("100MiB"), Ok(100 * 1024 * 1024));
        assert_eq!(parse_size("512 KB"), Ok(512_000));
        assert_eq!(parse_size("42"), Ok(42));
        assert!(parse_size("0").is_err());
        assert_eq!(
            parse_duration("x", "P90D"),
            Ok(Duration::from_secs(90 * 86400))
        );
        assert_eq!(parse_duration("x", "120"), Ok(Duration::from_secs(120)));
        assert!(parse_duration("x", "PT0S").is_err());
        let pg = parse_database("postgres://user:pw@db:5432/hookflow").expect("pg");
        assert!(!pg.display().contains("pw"), "{}", pg.display());
        assert_eq!(
            parse_database("sqlite:///var/lib/hookflow.db"),
            Ok(Database::Sqlite(PathBuf::from("/var/lib/hookflow.db")))
        );
    }

    #[test]
    fn an_unspecified_listen_address_derives_a_local_public_url() {
        let config = resolve(ServeArgs {
            listen: Some("0.0.0.0:0".into()),
            data_dir: Some(PathBuf::from("/nonexistent-hookflow")),
            ..ServeArgs::default()
        })
        .expect("valid");
        let url = config.public_url_for("0.0.0.0:4321".parse().expect("addr"));
        assert_eq!(url.as_str(), "http://127.0.0.1:4321/");
    }
}
