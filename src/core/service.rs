//! `Service<C>`: the Rust API every component has — its engine, the
//! handler its events go to, DoEvents, StartListening / StopListening — once
//! for all. A component is `Service<ItsCore>` plus its own methods
//! (`TftpServer = Service<TftpCore>`, `StreamServer<P> = Service<Transport<P>>`).

use std::sync::Arc;

use mio::{Registry, Waker};

use super::engine::{Component, Engine, Handler};
use super::error::Result;

pub struct Service<C: Component> {
    engine: Arc<Engine<C>>,
}

/// A component that listens (binds a port at StartListening).
pub trait Listens {
    fn start_listening(&mut self) -> Result<()>;
    fn stop_listening(&mut self);
}

impl<C: Component> Service<C> {
    /// Creates the engine and the component on it.
    pub fn with(make: impl FnOnce(Registry, Arc<Waker>) -> C) -> Result<Self> {
        Ok(Service { engine: Engine::new(make)? })
    }

    /// Sets the function every event is passed to. It runs with no lock held
    /// and may call any method of this server.
    pub fn set_handler(&self, handler: Option<Handler<C::Event>>) {
        self.engine.set_handler(handler);
    }

    pub fn engine(&self) -> &Arc<Engine<C>> {
        &self.engine
    }

    /// `DoEvents`: handles ready I/O and due timers, firing events; waits up
    /// to SelectWaitMillis when nothing is ready.
    pub fn do_events(&self) -> Result<()> {
        self.engine.do_events()
    }
}

impl<C: Component + Listens> Service<C> {
    /// `StartListening`: binds LocalHost:LocalPort (104 if already listening).
    pub fn start_listening(&self) -> Result<()> {
        self.engine.lock().start_listening()
    }

    /// `StopListening`: the listening socket closes; what is open goes on.
    pub fn stop_listening(&self) -> Result<()> {
        self.engine.lock().stop_listening();
        Ok(())
    }
}

impl<C: Component> Drop for Service<C> {
    fn drop(&mut self) {
        self.engine.close();
    }
}
