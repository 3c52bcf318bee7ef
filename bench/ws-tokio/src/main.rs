//! tokio-tungstenite echo server, one thread (current_thread runtime):
//! `ws-tokio-echo PORT` prints `listening on N`, then echoes every message.
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpListener;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let port: u16 = std::env::args().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
    let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    println!("listening on {}", listener.local_addr().unwrap().port());
    loop {
        let (sock, _) = listener.accept().await.unwrap();
        let _ = sock.set_nodelay(true);
        tokio::spawn(async move {
            let Ok(mut ws) = tokio_tungstenite::accept_async(sock).await else { return };
            while let Some(Ok(msg)) = ws.next().await {
                if (msg.is_text() || msg.is_binary()) && ws.send(msg).await.is_err() {
                    break;
                }
            }
        });
    }
}
