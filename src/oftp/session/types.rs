//! The session's inputs and outputs: configuration, negotiated values,
//! actions for the transport, events for the application (RFC 5024 §9.4,
//! §9.5: the User Monitor's "F_…_IND" and "F_…_CF" become [`Event`]s, its
//! "F_…_RQ"/"F_…_RS" are the methods of [`super::Session`]).

use std::fmt;

use crate::oftp::command::{
    CreditCount, Eerp, Efid, Efna, Efpa, ExchangeBufferSize, Nerp, SendReceive, Sfid, Sfna, Ssid,
};
use crate::oftp::error::CodecError;
use crate::oftp::reason::{EfnaReason, EsidReason};
use crate::oftp::Level;

/// What this location offers (RFC 5024 §9.7, "Local Constants").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The highest level offered (the session uses the lower of this and the
    /// Initiator's).
    pub level: Level,
    /// Our SSIDCODE (ServerSSIDCode).
    pub ssid_code: String,
    /// Our SSIDPSWD (ServerPassword).
    pub password: String,
    /// Our SSIDSDEB (Max-buf-size).
    pub buffer_size: ExchangeBufferSize,
    /// Our SSIDCRED (Max-window).
    pub credit: CreditCount,
    /// Our SSIDCMPR (Cap-compression).
    pub compression: bool,
    /// Our SSIDREST (Cap-restart).
    pub restart: bool,
    /// Our SSIDSR (Cap-mode).
    pub send_receive: SendReceive,
    /// Whether secure authentication (2.0, RFC 5024 §4.2.3) is off,
    /// required or follows the Initiator (SecureAuthentication 0, 1, 2).
    /// An SSID the policy does not allow gets ESID 12, as RFC 5024 §9.8
    /// P10 requires ("No negotiation of authentication is allowed").
    pub secure_authentication: AuthPolicy,
    /// Our SSIDUSER.
    pub user_data: String,
    /// Send CDT as soon as the Speaker's credit is used up. With `false` the
    /// application grants it with [`super::Session::grant_credit`] when it has
    /// stored the buffers (RFC 5024 §9.12 Note 1: the timing "will depend on
    /// the User Monitor's capacity to receive data"), which bounds what is
    /// queued for a slow disk to one window.
    pub auto_credit: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            level: Level::V20,
            ssid_code: String::new(),
            password: String::new(),
            buffer_size: ExchangeBufferSize::LARGEST,
            credit: CreditCount::LARGEST,
            compression: true,
            restart: true,
            send_receive: SendReceive::Both,
            secure_authentication: AuthPolicy::Off,
            user_data: String::new(),
            auto_credit: true,
        }
    }
}

/// The SecureAuthentication setting's three values (the reference's 0, 1, 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthPolicy {
    /// 0: an Initiator asking for secure authentication is refused.
    Off,
    /// 1: an Initiator not asking for it (or below 2.0) is refused.
    Required,
    /// 2: whatever the Initiator's SSIDAUTH says.
    Allowed,
}

impl AuthPolicy {
    /// Whether a session at `v2` (2.0 agreed) where the Initiator's SSIDAUTH
    /// says `asked` may go on, and then whether it authenticates.
    pub fn agree(self, v2: bool, asked: bool) -> Option<bool> {
        match (self, v2 && asked) {
            (AuthPolicy::Off, true) | (AuthPolicy::Required, false) => None,
            (_, auth) => Some(auth),
        }
    }
}

/// What the two SSIDs agreed (RFC 5024 §9.6, "Local Variables").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Negotiated {
    /// The lower level.
    pub level: Level,
    /// The smaller Exchange Buffer size (Buf-size).
    pub buffer_size: ExchangeBufferSize,
    /// The smaller credit window (Window).
    pub credit: CreditCount,
    /// Buffer compression, both said 'Y' (Compression).
    pub compression: bool,
    /// Restart, both said 'Y' (Restart).
    pub restart: bool,
    /// Secure authentication agreed (Authentication).
    pub secure_authentication: bool,
    /// The Initiator's SSIDSR.
    pub peer_send_receive: SendReceive,
}

/// The application's answer to [`Event::ConnectRequest`] (F_CONNECT_RS).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectResponse {
    /// `Ok` to accept, `Err(reason)` to refuse with ESID `reason` (03
    /// unknown user, 04 bad password, 10 incompatible, …).
    pub accept: Result<(), EsidReason>,
    /// A level to use instead of the Initiator's (AcceptConnection's
    /// server_version); the session still never goes above the Initiator's.
    pub level: Option<Level>,
    /// An SSIDCODE instead of [`Config::ssid_code`] for this connection.
    pub ssid_code: Option<String>,
    /// An SSIDPSWD instead of [`Config::password`] for this connection.
    pub password: Option<String>,
}

impl ConnectResponse {
    /// Accept with the configured identity.
    pub fn accept() -> Self {
        ConnectResponse { accept: Ok(()), level: None, ssid_code: None, password: None }
    }

    /// Refuse with ESID `reason`.
    pub fn refuse(reason: EsidReason) -> Self {
        ConnectResponse { accept: Err(reason), ..ConnectResponse::accept() }
    }
}

/// What the session asks of the transport.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Write these octets (one Stream Transmission Buffer: STH + command).
    Send(Vec<u8>),
    /// Tell the application (see [`Event`]).
    Event(Event),
    /// (Re)start the inactivity timer (RFC 5024 §9.8.3 Action 2); when it
    /// runs out, call [`super::Session::on_timeout`].
    StartTimer,
    /// Stop the inactivity timer (Action 4).
    StopTimer,
    /// Close the connection once the queued octets are written (N_DISC_RQ).
    Disconnect,
}

/// What the application is told (RFC 5024 §9.5's User Monitor output events).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The Initiator's SSID arrived (F_CONNECT_IND): answer with
    /// [`super::Session::accept_connection`].
    ConnectRequest(Ssid),
    /// The session is up, the Initiator speaks first (F_CONNECT_CF).
    Connected(Negotiated),
    /// Secure authentication was agreed: SECD, AUCH and AURP go to the
    /// security layer as [`Event::Security`] until it calls
    /// [`super::Session::finish_authentication`].
    AuthenticationStarted,
    /// A secure-authentication command from the peer.
    Security(crate::oftp::command::Command),
    /// SFID (F_START_FILE_IND): answer with
    /// [`super::Session::accept_file`] or [`super::Session::refuse_file`].
    StartFile(Sfid),
    /// A DATA buffer of the open file (F_DATA_IND), already checked to frame
    /// into subrecords (DATABUF, without the `'D'`); store it with
    /// [`crate::oftp::subrecord::subrecords`] or a
    /// [`crate::oftp::record::RecordReader`].
    Data(Vec<u8>),
    /// A DATA buffer of the open file, checked, whose records went to the
    /// sink of [`super::Session::on_exchange_buffer_with`] (F_DATA_IND
    /// without a copy).
    DataChecked {
        /// DATABUF's length (without the `'D'`).
        len: usize,
    },
    /// EFID (F_CLOSE_FILE_IND): `check` is what the record counts say
    /// (`Err` = the EFNA reason); answer with
    /// [`super::Session::close_file_response`].
    EndFile {
        /// The EFID.
        efid: Efid,
        /// The session's count check (EFNA 05, 10, 11).
        check: Result<(), EfnaReason>,
    },
    /// EERP received (F_EERP_IND): answer with [`super::Session::ready_to_receive`].
    EndResponse(Eerp),
    /// NERP received (F_NERP_IND): answer with [`super::Session::ready_to_receive`].
    NegativeEndResponse(Nerp),
    /// The peer's CD: we are the Speaker (F_CD_IND): send files, receipts,
    /// CD, or end the session.
    ReadyToSend,
    /// SFPA for our SFID (F_START_FILE_CF(+)): send DATA from `restart`.
    FileAccepted {
        /// SFPAACNT.
        restart: u64,
    },
    /// SFNA for our SFID (F_START_FILE_CF(-)).
    FileRefused(Sfna),
    /// CDT: more DATA may be sent.
    Credit,
    /// The peer's credit is used up and [`Config::auto_credit`] is off: call
    /// [`super::Session::grant_credit`] to let it send more.
    CreditExhausted,
    /// EFPA for our EFID (F_CLOSE_FILE_CF(+)); with `change_direction` the
    /// session has sent CD and listens again.
    FileDelivered(Efpa),
    /// EFNA for our EFID (F_CLOSE_FILE_CF(-)).
    FileFailed(Efna),
    /// RTR for our EERP/NERP (F_RTR_CF).
    ReadyToReceive,
    /// The session ended: by the peer's ESID (`by_peer`) or ours.
    Ended {
        /// The ESID reason.
        reason: EsidReason,
        /// The ESID's text (2.0), or what went wrong locally.
        text: String,
        /// Whether the peer sent the ESID.
        by_peer: bool,
        /// The component error for the Error/Disconnected events: 0 when the
        /// session ended as asked (ESID 00 either way, or an ESID the
        /// application requested), 675/677 for a received ESID 03/04, 680 for
        /// a bad date, 10060 for the time-out, else 671.
        error_code: i32,
    },
}

/// A request the session's state does not allow (RFC 5024 §9.2: a "User
/// Error", a local matter: nothing is sent), or a value it cannot encode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionError {
    /// `request` is not valid in `state`.
    WrongState {
        /// The method called.
        request: &'static str,
        /// The state's RFC name.
        state: &'static str,
    },
    /// A parameter is out of range (e.g. an SFPA count above SFIDREST).
    Invalid(String),
    /// The command cannot be encoded at the session's level.
    Codec(CodecError),
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionError::WrongState { request, state } => write!(f, "{request} is not allowed in state {state}"),
            SessionError::Invalid(why) => f.write_str(why),
            SessionError::Codec(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for SessionError {}

impl From<CodecError> for SessionError {
    fn from(e: CodecError) -> Self {
        SessionError::Codec(e)
    }
}
