//! Serves `GET /proxy?url=…`: fetches the URL and answers with its status and length as JSON.

use anyhow::Result;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use clap::Parser;
use serde::{Deserialize, Serialize};
use tower_http::trace::TraceLayer;

#[derive(Parser)]
struct Args {
    /// The address to listen on.
    #[arg(long, env = "LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
}

#[derive(Deserialize)]
struct Request {
    url: String,
}

#[derive(Serialize)]
struct Answer {
    status: u16,
    bytes: usize,
}

async fn proxy(
    State(client): State<reqwest::Client>,
    Query(request): Query<Request>,
) -> Result<Json<Answer>, String> {
    let response = client.get(&request.url).send().await.map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let body = response.bytes().await.map_err(|e| e.to_string())?;
    Ok(Json(Answer {
        status,
        bytes: body.len(),
    }))
}

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let args = Args::parse();
    let app = Router::new()
        .route("/proxy", get(proxy))
        .layer(TraceLayer::new_for_http())
        .with_state(reqwest::Client::new());
    let listener = tokio::net::TcpListener::bind(&args.listen).await?;
    tracing::info!("listening on {}", args.listen);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
