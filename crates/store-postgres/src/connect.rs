//! Opening connections: the URL's settings plus the schema (search_path) this store
//! lives in, and the session settings every connection needs.

use hookflow_store::{Error, Result};
use tokio_postgres::{Client, Config, NoTls};

use crate::codec::Sql;

/// Where to connect.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub config: Config,
    pub schema: Option<String>,
}

impl Target {
    pub(crate) fn parse(url: &str, schema: Option<String>) -> Result<Self> {
        let config: Config = url
            .parse()
            .map_err(|e| Error::invalid("PostgreSQL URL", format!("{e}")))?;
        if let Some(name) = &schema {
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                return Err(Error::invalid(
                    "schema",
                    format!("'{name}': use lower-case letters, digits and '_'"),
                ));
            }
        }
        Ok(Target { config, schema })
    }

    /// A new connection; its driver task runs on the current tokio runtime until the
    /// client is dropped or the server goes away.
    pub(crate) async fn connect(&self) -> Result<Client> {
        // Loopback and private networks only for now: no TLS (see the README).
        let (client, connection) = self.config.connect(NoTls).await.sql()?;
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::warn!(%error, "PostgreSQL connection ended");
            }
        });
        // A 202 means committed: never let a server default turn synchronous commit off.
        let mut setup = String::from("SET synchronous_commit = on;");
        if let Some(schema) = &self.schema {
            // The name was checked to be [a-z0-9_]+, so quoting it is enough.
            setup.push_str(&format!("SET search_path = \"{schema}\";"));
        }
        client.batch_execute(&setup).await.sql()?;
        Ok(client)
    }
}
