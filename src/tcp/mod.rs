//! The TCPServer component (the TCPServer reference; docs/reference/tcpserver.md):
//! a protocol on the stream transport (src/stream/) that frames what
//! arrives into DataIn.

pub mod event;
pub mod framing;
pub mod ids;
pub mod props;
pub mod protocol;
pub mod server;

pub use event::TcpEvent;
pub use protocol::TcpProtocol;
pub use server::TcpServer;
