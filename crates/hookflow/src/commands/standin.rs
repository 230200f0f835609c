//! `hookflow standin`: the stand-in webhook service, for trying HttpWebhook triggers and
//! actions without a real external service.

use hookflow_standin::{bind, Standin, StandinConfig};
use std::net::SocketAddr;
use std::time::Duration;

#[derive(Debug, clap::Args)]
pub struct StandinArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(
        long,
        default_value = "127.0.0.1:7080",
        env = "HOOKFLOW_STANDIN_LISTEN"
    )]
    listen: SocketAddr,
    /// Call every new subscription back by itself after this many seconds.
    #[arg(long, value_name = "SECONDS")]
    callback_after: Option<f64>,
    /// JSON body of automatic callbacks.
    #[arg(long, value_name = "JSON", default_value = r#"{"status":"done"}"#)]
    callback_body: String,
    /// Answer the first N subscribe requests with 500 (to try retries and refusals).
    #[arg(long, value_name = "N", default_value_t = 0)]
    fail_subscribes: u32,
}

pub fn run(args: StandinArgs) -> Result<(), String> {
    let callback_body = serde_json::from_str(&args.callback_body)
        .map_err(|e| format!("error: --callback-body is not JSON: {e}"))?;
    let callback_after = args
        .callback_after
        .map(|s| {
            Duration::try_from_secs_f64(s).map_err(|_| {
                format!("error: --callback-after must be a number of seconds ≥ 0, not {s}")
            })
        })
        .transpose()?;
    let config = StandinConfig {
        callback_after,
        callback_body,
        fail_subscribes: args.fail_subscribes,
        verbose: true,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("error: cannot start the async runtime: {e}"))?;
    runtime.block_on(async move {
        let (listener, addr) = bind(args.listen).await.map_err(|e| format!("error: {e}"))?;
        // Data on stdout: the base URL first, so scripts can read it.
        println!("stand-in listening on http://{addr}");
        println!("  subscribe:   POST http://{addr}/subscribe   (body with \"callbackUrl\")");
        println!("  call back:   POST http://{addr}/subscriptions/{{id}}/callback   (body = callback body)");
        println!("  all:         POST http://{addr}/events");
        println!("  inspect:     GET  http://{addr}/subscriptions, GET http://{addr}/requests");
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        Standin::new(config)
            .serve(listener, shutdown)
            .await
            .map_err(|e| format!("error: {e}"))
    })
}
