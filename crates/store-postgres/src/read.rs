//! Read connections. A tokio-postgres client pipelines the requests sent to it, so reads
//! share a few connections round-robin instead of checking one out each; each connection
//! keeps its prepared statements, so a read is one round trip. A connection that broke
//! is replaced at its next use.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use hookflow_store::Result;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Row, Statement};

use crate::codec::Sql;
use crate::connect::Target;

#[derive(Debug)]
struct ReadConnection {
    client: Client,
    statements: Mutex<HashMap<&'static str, Statement>>,
}

#[derive(Debug)]
pub(crate) struct Readers {
    target: Target,
    slots: Vec<tokio::sync::Mutex<Arc<ReadConnection>>>,
    next: AtomicUsize,
    count: AtomicU64,
}

impl Readers {
    pub(crate) async fn open(target: Target, connections: usize) -> Result<Self> {
        let mut slots = Vec::new();
        for _ in 0..connections.max(1) {
            let client = target.connect().await?;
            slots.push(tokio::sync::Mutex::new(Arc::new(ReadConnection {
                client,
                statements: Mutex::new(HashMap::new()),
            })));
        }
        Ok(Readers {
            target,
            slots,
            next: AtomicUsize::new(0),
            count: AtomicU64::new(0),
        })
    }

    pub(crate) fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    async fn connection(&self) -> Result<Arc<ReadConnection>> {
        let index = self.next.fetch_add(1, Ordering::Relaxed) % self.slots.len();
        let mut slot = self.slots[index].lock().await;
        if slot.client.is_closed() {
            let client = self.target.connect().await?;
            *slot = Arc::new(ReadConnection {
                client,
                statements: Mutex::new(HashMap::new()),
            });
        }
        Ok(slot.clone())
    }

    /// Runs one query (prepared once per connection) and returns its rows.
    pub(crate) async fn query(
        &self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>> {
        self.count.fetch_add(1, Ordering::Relaxed);
        let connection = self.connection().await?;
        let cached = connection
            .statements
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(sql)
            .cloned();
        let statement = match cached {
            Some(statement) => statement,
            None => {
                let statement = connection.client.prepare(sql).await.sql()?;
                connection
                    .statements
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(sql, statement.clone());
                statement
            }
        };
        connection.client.query(&statement, params).await.sql()
    }

    pub(crate) async fn query_opt(
        &self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>> {
        Ok(self.query(sql, params).await?.into_iter().next())
    }
}
