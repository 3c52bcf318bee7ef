//! What the components share: errors, values, config parsing, the reactor,
//! connection ids, listening sockets and allow/block lists.

pub mod error;
