//! The TCPServer component (tcpserver-reference.txt).

mod conn;
pub mod core;
pub mod event;
pub mod framing;
pub mod props;
pub mod server;
pub mod settings;

pub use event::TcpEvent;
pub use server::TcpServer;
