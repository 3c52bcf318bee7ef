//! The sans-I/O core of the TFTP server.

pub mod netascii;
pub mod options;
pub mod packet;
pub mod path;
