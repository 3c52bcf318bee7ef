//! The sans-I/O core of the TFTP server.

pub mod packet;
