//! OFTPServer's declaration: its 120 properties (ids in the OFTPServer
//! reference's order after flattening, docs/API.md §2: Connections →
//! ConnCount + Conn<Field>; the Certificate, SSLCert and TrustedCerts
//! objects → <Property><Field>, the 28 fields of the Certificate type in its
//! order), its 17 events and its config settings. The header's ids
//! (`ids.rs`) and docs/reference/oftpserver.md are generated from these rows;
//! the tests below keep them fresh. Decisions: docs/OFTP.md.

pub use super::ids::*;
/// `get`, `set` and `config` of the component's server.
pub use crate::core::component::Declared;
use crate::core::props::{event, prop, setting, EventDef, PerConn, PropDef, SettingDef, Tables, I32, U32};
use crate::core::reference::Component;
use crate::core::value::PropType::{self, Binary, Bool, Int, Text};
use crate::stream::props::{BASE_SETTINGS, SSL_SETTINGS, TCP_SETTINGS};
use crate::stream::StreamProp as S;
use crate::tls::certinfo::CertField;

/// Which certificate object a `<Property><Field>` row reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertRole {
    /// `Certificate`: the server's own, for secure authentication, signing
    /// and decryption (RFC 5024 §6; the security issue gives it effect).
    Own,
    /// `SSLCert`: the TLS certificate (its store fields are the stream
    /// transport's).
    Ssl,
    /// `TrustedCerts`: indexed by position 0..TrustedCertCount-1.
    Trusted,
}

/// OFTPServer's names for its properties: the shared stream properties and
/// its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OftpProp {
    Stream(S),
    /// A field of one of the three certificate objects.
    Cert(CertRole, CertField),
    TrustedCertCount,
    Compress,
    DownloadDirectory,
    DownloadStream,
    EncryptionAlgorithm,
    MaxRecordSize,
    /// ConnReadyToSend: the session's turn to speak (not the out queue's).
    SessionReadyToSend,
    RecipientCertStore,
    RecipientCertStorePassword,
    RecipientCertStoreType,
    RecipientCertSubject,
    SfidCode,
    SignedReceipt,
    SsidCode,
    UploadStream,
    Version,
    VirtualFileDate,
    VirtualFileFormat,
    VirtualFileSecurityLevel,
    ServerPassword,
    ServerSfidCode,
    ServerSsidCode,
    UseSsl,
}
use OftpProp::*;

/// The 28 names of `<prefix><Field>`, in the Certificate type's order.
macro_rules! cert_names {
    ($p:literal) => {
        [
            concat!($p, "EffectiveDate"),
            concat!($p, "ExpirationDate"),
            concat!($p, "ExtendedKeyUsage"),
            concat!($p, "Fingerprint"),
            concat!($p, "FingerprintSHA1"),
            concat!($p, "FingerprintSHA256"),
            concat!($p, "Issuer"),
            concat!($p, "KeyPassword"),
            concat!($p, "PrivateKey"),
            concat!($p, "PrivateKeyAvailable"),
            concat!($p, "PrivateKeyContainer"),
            concat!($p, "PublicKey"),
            concat!($p, "PublicKeyAlgorithm"),
            concat!($p, "PublicKeyLength"),
            concat!($p, "SerialNumber"),
            concat!($p, "SignatureAlgorithm"),
            concat!($p, "Store"),
            concat!($p, "StorePassword"),
            concat!($p, "StoreType"),
            concat!($p, "SubjectAltNames"),
            concat!($p, "ThumbprintMD5"),
            concat!($p, "ThumbprintSHA1"),
            concat!($p, "ThumbprintSHA256"),
            concat!($p, "Usage"),
            concat!($p, "UsageFlags"),
            concat!($p, "Version"),
            concat!($p, "Subject"),
            concat!($p, "Encoded"),
        ]
    };
}

/// Type and doc of each Certificate field, in the type's order.
const CERT_FIELDS: [(PropType, &str); 28] = [
    (Text, "The date the certificate becomes valid (`dd-MMM-yyyy HH:mm:ss`, UTC)."),
    (Text, "The date the certificate expires (`dd-MMM-yyyy HH:mm:ss`, UTC)."),
    (Text, "Comma-separated extended key usage OIDs."),
    (Text, "MD5 hash of the certificate, hex bytes separated by `:`."),
    (Text, "SHA-1 hash of the certificate, hex bytes separated by `:`."),
    (Text, "SHA-256 hash of the certificate, hex bytes separated by `:`."),
    (Text, "Issuer of the certificate (`CN=..., O=...`)."),
    (Text, "Password of the private key when it is encrypted apart from the store; stored."),
    (Text, "Never exported: always empty (PrivateKeyAvailable says whether there is a key)."),
    (Bool, "Whether the certificate came with its private key."),
    (Text, "No key containers on this platform: always empty."),
    (Text, "The SubjectPublicKeyInfo, Base64 DER."),
    (Text, "RSA, ECDSA, Ed25519, or the algorithm's OID."),
    (Int, "Bits of the public key (RSA modulus, EC field size)."),
    (Text, "Serial number, upper-case hex."),
    (Text, "Signature algorithm of the certificate (e.g. sha256RSA), or its OID."),
    (Binary, "The certificate store: a file name or the store's bytes, per StoreType."),
    (Text, "Password of the certificate store."),
    (
        Int,
        "Type of Store (2 PFX file, 3 PFX blob, 6 PEM key file, 7 PEM key blob, 8/9 public key, 11/12 P7B, 99 auto).",
    ),
    (Text, "Comma-separated subject alternative names (DNS names, IP addresses, e-mail)."),
    (Text, "As Fingerprint."),
    (Text, "As FingerprintSHA1."),
    (Text, "As FingerprintSHA256."),
    (Text, "Key usage names, comma-separated (Digital Signature, Key Encipherment, ...)."),
    (Int, "Key usage bits (0x80 digitalSignature ... 0x8000 decipherOnly)."),
    (Text, "X.509 version (\"V3\")."),
    (
        Text,
        "Subject of the certificate to select (exact, then substring; \"*\" = the first); reads back the full subject.",
    ),
    (Binary, "The certificate (PEM/Base64); setting it selects the matching certificate of the store."),
];

/// The fields an application sets to choose a certificate (the others are
/// read from it).
const fn selects(f: CertField) -> bool {
    matches!(
        f,
        CertField::KeyPassword
            | CertField::Store
            | CertField::StorePassword
            | CertField::StoreType
            | CertField::Subject
            | CertField::Encoded
    )
}

/// The 28 rows of one certificate object, ids `first`.. in the type's order.
const fn cert_rows(first: i32, names: [&'static str; 28], role: CertRole) -> [PropDef<OftpProp>; 28] {
    let mut rows = [prop(0, "", Text, TrustedCertCount); 28];
    let mut i = 0;
    while i < 28 {
        let field = CertField::ALL[i];
        let (ty, doc) = CERT_FIELDS[i];
        // SSLCert's store fields are the stream transport's own properties.
        let key = match (role, field) {
            (CertRole::Ssl, CertField::Store) => Stream(S::SslCertStore),
            (CertRole::Ssl, CertField::StorePassword) => Stream(S::SslCertStorePassword),
            (CertRole::Ssl, CertField::StoreType) => Stream(S::SslCertStoreType),
            (CertRole::Ssl, CertField::Subject) => Stream(S::SslCertSubject),
            (CertRole::Ssl, CertField::Encoded) => Stream(S::SslCertEncoded),
            _ => Cert(role, field),
        };
        let mut row = prop(first + i as i32, names[i], ty, key).doc(doc);
        row = match role {
            CertRole::Trusted => row.by_position().read_only(),
            _ if selects(field) => row,
            _ => row.read_only(),
        };
        if matches!(field, CertField::Store) && !matches!(role, CertRole::Trusted) {
            row = row.default("MY");
        }
        if matches!(field, CertField::StoreType) && !matches!(role, CertRole::Trusted) {
            row = row.default("0").range(0, 99);
        }
        rows[i] = row;
        i += 1;
    }
    rows
}

const CERTIFICATE: [PropDef<OftpProp>; 28] = cert_rows(1, cert_names!("Certificate"), CertRole::Own);

const SERVER: [PropDef<OftpProp>; 34] = [
    prop(29, "ConnectionBacklog", Int, Stream(S::ConnectionBacklog)).default("SOMAXCONN").range(1, I32).doc("Maximum number of pending connections kept by the TCP/IP stack (the reference's 5 drops connections under bursts on Linux)."),
    prop(30, "ConnCount", Int, Stream(S::ConnectionCount)).read_only().default("0").doc("Number of open connections; ConnConnectionId positions run 0..ConnCount-1."),
    prop(31, "ConnCompress", Bool, Compress).per_conn().default("False").doc("Sending: compress outgoing files (CMS CompressedData, 2.0). Receiving: whether the file being received is compressed (SFIDCOMP)."),
    prop(32, "ConnConnected", Bool, Stream(S::Connected)).per_conn().read_only().doc("Whether the connection is open (use Disconnect to close it)."),
    prop(33, "ConnConnectionId", Text, Stream(S::ConnectionId)).by_position().read_only().doc("The connection id (decimal text) at position index (0..ConnCount-1); 913 beyond."),
    prop(34, "ConnDownloadDirectory", Text, DownloadDirectory).per_conn().doc("The directory received files are stored in (set it in ConnectionRequest, Connected or AcceptConnection); files are written under `.oftp-partial/` there and renamed when complete."),
    prop(35, "ConnDownloadStream", Int, DownloadStream).per_conn().default("-1").range(-1, I32).doc("A file descriptor received files are written to instead of a file (-1 none); CloseStreamAfterTransfer says whether pier closes it. No restart."),
    prop(36, "ConnEncryptionAlgorithm", Int, EncryptionAlgorithm).per_conn().default("0").range(0, 3).doc("Cipher of files sent encrypted: 0 3DES, 1 and 3 AES-256 (the reference's 1 says AES-128, which no ODETTE suite has), 2 refused for files (AES-192, pier); the secure-authentication challenge uses 1 AES-128, 2 AES-192 (docs/OFTP.md)."),
    prop(37, "ConnLocalAddress", Text, Stream(S::LocalAddress)).per_conn().read_only().doc("Local IP address of the interface the connection uses."),
    prop(38, "ConnMaxRecordSize", Int, MaxRecordSize).per_conn().default("0").range(0, 99999).doc("SFIDLRECL of outgoing F and V files (0 for U and T files)."),
    prop(39, "ConnReadyToSend", Bool, SessionReadyToSend).per_conn().read_only().default("False").doc("True while the server is the Speaker (after the client's CD): SendFile may be called."),
    prop(40, "ConnRecipientCertStore", Binary, RecipientCertStore).per_conn().default("MY").doc("The store of the partner's certificate (encryption of outgoing files, verification of signed receipts)."),
    prop(41, "ConnRecipientCertStorePassword", Text, RecipientCertStorePassword).per_conn().doc("Password of ConnRecipientCertStore."),
    prop(42, "ConnRecipientCertStoreType", Int, RecipientCertStoreType).per_conn().default("0").range(0, 99).doc("Type of ConnRecipientCertStore (as SSLCertStoreType)."),
    prop(43, "ConnRecipientCertSubject", Text, RecipientCertSubject).per_conn().doc("Subject of the partner's certificate in ConnRecipientCertStore."),
    prop(44, "ConnRemoteHost", Text, Stream(S::RemoteHost)).per_conn().read_only().doc("IP address of the client."),
    prop(45, "ConnRemotePort", Int, Stream(S::RemotePort)).per_conn().read_only().doc("TCP port of the client."),
    prop(46, "ConnSFIDCode", Text, SfidCode).per_conn().doc("The client's SFID code: SFIDORIG of the last file received; SFIDDEST of files SendFile sends when its ClientSFIDCode is empty."),
    prop(47, "ConnSignedReceipt", Bool, SignedReceipt).per_conn().default("False").doc("Sending: ask for a signed EERP (SFIDSIGN). Receiving: whether the client asked for one."),
    prop(48, "ConnSSIDCode", Text, SsidCode).per_conn().read_only().doc("The client's SSID code (SSIDCODE of its SSID)."),
    prop(49, "ConnTimeout", Int, Stream(S::Timeout)).per_conn().default("DefaultTimeout").range(0, U32).doc("Seconds of silence the session waits for the client (the RFC 5024 §9 response timer; then ESID 09 and Disconnected 10060; 0 = no limit), and that a SendFile may block without progress."),
    prop(50, "ConnUploadStream", Int, UploadStream).per_conn().default("-1").range(-1, I32).doc("A file descriptor SendFile reads when its FileName is \"\" (-1 none); CloseStreamAfterTransfer says whether pier closes it."),
    prop(51, "ConnVersion", Int, Version).per_conn().read_only().default("3").doc("The session's OFTP level: 0 1.2, 1 1.3, 2 1.4, 3 2.0."),
    prop(52, "ConnVirtualFileDate", Text, VirtualFileDate).per_conn().doc("The stamp of the next file SendFile sends (\"\" = now); reads back as `MM/dd/yyyy HH:mm:ss`."),
    prop(53, "ConnVirtualFileFormat", Int, VirtualFileFormat).per_conn().default("0").range(0, 3).doc("Format of outgoing files (0 U unstructured, 1 T text, 2 F fixed, 3 V variable); of the file being received."),
    prop(54, "ConnVirtualFileSecurityLevel", Int, VirtualFileSecurityLevel).per_conn().default("0").range(0, 3).doc("Security of outgoing files (0 none, 1 encrypted, 2 signed, 3 both; 2.0); of the file being received."),
    prop(55, "DefaultTimeout", Int, Stream(S::DefaultTimeout)).default("60").range(0, U32).doc("ConnTimeout given to each new connection."),
    prop(56, "Listening", Bool, Stream(S::Listening)).default("False").doc("Whether the server is listening; setting it starts or stops listening."),
    prop(57, "LocalHost", Text, Stream(S::LocalHost)).doc("Local interface to listen on (\"\" = every interface); 107 while listening."),
    prop(58, "LocalPort", Int, Stream(S::LocalPort)).default("3305").range(0, 65535).doc("TCP port to listen on (3305; 6619 is the convention for TLS; 0 = the system picks one, readable once listening); 106 while listening."),
    prop(59, "ServerPassword", Text, ServerPassword).doc("The server's SSIDPSWD (at most 8 characters)."),
    prop(60, "ServerSFIDCode", Text, ServerSfidCode).doc("The server's SFID code (at most 25 characters): SFIDORIG of files it sends; files whose SFIDDEST differs are refused with SFNA 02 unless AcceptFile accepts them. Required to listen (673)."),
    prop(61, "ServerSSIDCode", Text, ServerSsidCode).doc("The server's SSIDCODE (at most 25 characters). Required to listen (672)."),
    prop(62, "SSLAuthenticateClients", Bool, Stream(S::SslAuthenticateClients)).default("False").doc("Ask clients for a certificate (see the SSLClientAuthentication event)."),
];

const SSL_CERT: [PropDef<OftpProp>; 28] = cert_rows(63, cert_names!("SSLCert"), CertRole::Ssl);

const TRUSTED_COUNT: [PropDef<OftpProp>; 1] = [prop(91, "TrustedCertCount", Int, TrustedCertCount)
    .read_only()
    .default("0")
    .doc("Number of trusted CA certificates (ImportTrustedCerts); TrustedCert<Field> positions run 0..TrustedCertCount-1.")];

const TRUSTED: [PropDef<OftpProp>; 28] = cert_rows(92, cert_names!("TrustedCert"), CertRole::Trusted);

const USE_SSL: [PropDef<OftpProp>; 1] = [prop(120, "UseSSL", Bool, UseSsl)
    .default("False")
    .doc("Negotiate TLS with every client at accept (OFTP 2.0 only, unless AllowOFTP14OverTLS).")];

/// The rows of `parts`, one after the other.
const fn join<const N: usize>(parts: &[&[PropDef<OftpProp>]]) -> [PropDef<OftpProp>; N] {
    let mut out = [parts[0][0]; N];
    let (mut n, mut p) = (0, 0);
    while p < parts.len() {
        let mut i = 0;
        while i < parts[p].len() {
            out[n] = parts[p][i];
            n += 1;
            i += 1;
        }
        p += 1;
    }
    assert!(n == N, "the parts do not add up to N rows");
    out
}

const ALL_PROPS: [PropDef<OftpProp>; 120] =
    join(&[&CERTIFICATE, &SERVER, &SSL_CERT, &TRUSTED_COUNT, &TRUSTED, &USE_SSL]);

pub static PROPS: &[PropDef<OftpProp>] = &ALL_PROPS;

pub static EVENTS: &[EventDef] = &[
    event(1, "AcceptConnection", "Fired when the client's SSID arrives; ServerVersion, Accept, ErrorCode (the ESID reason) and ErrorDescription are writable."),
    event(2, "AcceptFile", "Fired for the client's SFID; Accept, FileName, Overwrite, ErrorCode (the SFNA reason, default 99) and ErrorDescription are writable."),
    event(3, "CertificateReceived", "Fired when the client delivered a certificate (RFC 5024 §6.4 certificate exchange)."),
    event(4, "Connected", "Fired when the OFTP session is up (the SSIDs agreed), or with the error it failed with."),
    event(5, "ConnectionRequest", "Fired when a client asks to connect (before TLS and SSRM); Accept is writable."),
    event(6, "Disconnected", "Fired when a connection ends: 0 after an orderly ESID 00, else the error (671 protocol, 675/677 a refused identity, 10060 a time-out, ...)."),
    event(7, "EndResponse", "Fired for each EERP or NERP received (Direction 0), or sent with FireEndResponseOnSend (Direction 1); FileHash is writable."),
    event(8, "EndTransfer", "Fired when a file was received or sent (ReasonCode 0) or failed; SendEndResponse is writable."),
    event(9, "Error", "Fired for failures no return value can report (a protocol violation by the client, a failed write)."),
    event(10, "Log", "Fired for log lines at or under LogLevel (LogType \"Info\" or \"OFTP\")."),
    event(11, "PITrail", "Fired for every command sent and received: the raw Exchange Buffer, its command octet and name."),
    event(12, "ReadyToSend", "Fired when the client hands the server the turn to speak (its CD): SendFile may be called."),
    event(13, "SSLClientAuthentication", "Fired when the client presents its certificate; Accept is writable."),
    event(14, "SSLConnectionRequest", "Fired when a TLS ClientHello arrives; the certificate fields are writable."),
    event(15, "SSLStatus", "Fired with TLS handshake progress messages."),
    event(16, "StartTransfer", "Fired when a file starts to be received or sent; LocalFile is writable."),
    event(17, "Transfer", "Fired as file data is received or sent: BytesTransferred so far, and the data."),
];

/// The OFTPServer config settings (OFTPServer reference, "OFTPServer Config
/// Settings"), then pier's own.
pub static OFTP_SETTINGS: &[SettingDef] = &[
    setting("AllowRetry", Bool).per_conn(PerConn::Optional).default("False").doc("SFNARRTR of a refused file: whether the client may retry it later."),
    setting("CDAfterSendEndResponse", Bool).per_conn(PerConn::Optional).default("False").doc("Send CD after an EERP/NERP sent by SendEndResponse (hands the turn back to the client)."),
    setting("CertificateStore", Binary).per_conn(PerConn::Required).doc("The store of our certificate for one connection instead of Certificate, for the uses CertificateType[ConnectionId] allows (docs/OFTP.md, Security)."),
    setting("CertificateStorePassword", Text).per_conn(PerConn::Required).doc("Password of CertificateStore[ConnectionId]."),
    setting("CertificateStoreType", Int).per_conn(PerConn::Required).default("0").range(0, 99).doc("Type of CertificateStore[ConnectionId] (SSLCertStoreType's values)."),
    setting("CertificateSubject", Text).per_conn(PerConn::Required).doc("Subject of the certificate in CertificateStore[ConnectionId] (`*` or empty: the first)."),
    setting("CertificateType", Int).per_conn(PerConn::Optional).default("0").range(0, 4).doc("What Certificate (CertificateType) or CertificateStore[ConnectionId] is for: 0 all, 1 session authentication, 2 decryption, 3 signing, 4 receipt signing."),
    setting("ConnectionType", Int).per_conn(PerConn::Optional).default("0").range(0, 2).doc("The SSIDSR the server sends: 0 both, 1 send only, 2 receive only (set it in AcceptConnection for one connection)."),
    setting("DecompressionLimit", Int).default("0").range(0, i64::MAX).doc("pier: the most octets a received file's CompressedData may expand to, else EFNA 23 and Error 684 (0: twice SFIDOSIZ plus 1 MiB, or 1032 times SFIDFSIZ plus 1 MiB when SFIDOSIZ is 0)."),
    setting("CreditCount", Int).per_conn(PerConn::Optional).default("999").range(1, 999).doc("The SSIDCRED the server offers; the smaller of both is used and reads back per connection once agreed."),
    setting("DefaultIdleTimeout", Int).default("0").range(0, U32).doc("Seconds without data before a connection is closed (0 = none); IdleTimeout[ConnectionId] for one."),
    setting("DefaultReceiptHashAlgorithm", Int).default("0").range(0, 2).doc("Digest of signed receipts for files whose SFIDCIPH names no suite, and of the suite a plain file sent with ConnSignedReceipt names: 0 SHA-1, 1 SHA-256, 2 SHA-512."),
    setting("DeleteOnError", Bool).default("True").doc("True: a file whose EFID failed (EFNA) is deleted; partial files a restart needs are kept either way."),
    setting("DisconnectAfterEndSession", Bool).default("True").doc("True: the socket closes as soon as the ESID is out; False: the server waits for the client to close (up to ConnTimeout)."),
    setting("ExchangeBufferSize", Int).per_conn(PerConn::Optional).default("99999").range(128, 99999).doc("The SSIDSDEB the server offers; the smaller of both is used and reads back per connection once agreed."),
    setting("ExchangeCertStoreType", Int).default("99").range(0, 99).doc("Store type of the certificate ExchangeCertificate sends (stored)."),
    setting("ExchangeCertSubject", Text).default("*").doc("Subject of the certificate ExchangeCertificate sends (stored)."),
    setting("FailOnUntrustedCert", Bool).default("True").doc("With TrustedCerts imported: a partner certificate that does not validate (dates, key usage, chain) fails with 690."),
    setting("FileDescription", Text).per_conn(PerConn::Required).doc("SFIDDESC of the next file SendFile sends (2.0)."),
    setting("FileCompressionLevel", Int).default("6").range(0, 9).doc("pier: the zlib level of the CompressedData of files sent with ConnCompress (1 fastest, 9 smallest; docs/PERFORMANCE.md measures 1 and 6)."),
    setting("FileHashAlgorithm", Int).per_conn(PerConn::Optional).default("1").range(0, 2).doc("Digest of the signature of files sent signed (and so of their suite): 0 SHA-1, 1 SHA-256, 2 SHA-512."),
    setting("FireEndResponseOnSend", Bool).default("False").doc("Fire EndResponse (Direction 1) for EERPs and NERPs the server sends."),
    setting("FollowRedirects", Int).default("0").range(0, 2).doc("Accepted and stored; no effect: pier fetches nothing over the network."),
    setting("FriendlyLogFormat", Bool).default("False").doc("PITrail's CommandDescription and the OFTP Log lines name the fields of each command (`SFID DSN=... DEST=...`; never the SSID password) instead of giving the command's name only."),
    setting("IdleTimeout", Int).per_conn(PerConn::Required).default("0").range(0, U32).doc("Seconds without data before this connection is closed (0 = none)."),
    setting("KeepAlive", Bool).default("False").doc("SO_KEEPALIVE on new connections."),
    setting("Linger", Bool).default("True").doc("True: a close sends what is queued first; False: a reset."),
    setting("LogLevel", Int).default("1").range(0, 3).doc("Which Log events fire: 0 none, 1 Info (commands), 2 Verbose (fields), 3 Debug (bytes)."),
    setting("ReceivedConnectionType", Int).read_only().per_conn(PerConn::Required).doc("The client's SSIDSR: 0 both, 1 send only, 2 receive only."),
    setting("ReceivedFileDateTime", Text).read_only().per_conn(PerConn::Required).doc("The stamp of the file being (or last) received, in VirtualFileDateFormat."),
    setting("ReceivedFileDescription", Text).read_only().per_conn(PerConn::Required).doc("SFIDDESC of the file being (or last) received."),
    setting("ReceivedFileEncryptionAlg", Int).read_only().per_conn(PerConn::Required).default("-1").doc("Cipher of the file being received (0 3DES, 1 AES-128, 2 AES-192, 3 AES-256, -1 none)."),
    setting("ReceivedFileName", Text).read_only().per_conn(PerConn::Required).doc("The local path of the file being (or last) received."),
    setting("ReceivedFileNameFormat", Text).per_conn(PerConn::Optional).default("%VirtualFileName%").doc("The name a received file gets in DownloadDirectory, with the macros %VirtualFileName%, %VirtualFileDate[:format]%, %Originator%, %Destination%, %UserData%, %CurrentTime%, %GUID% (network text cannot leave the directory)."),
    setting("RecipientCertificateType", Int).default("0").range(0, 4).doc("What ConnRecipientCert* is for: 0 all, 1 session authentication, 2 encryption, 3 signature verification, 4 receipt verification."),
    setting("Retry", Bool).read_only().per_conn(PerConn::Required).doc("SFNARRTR of the last SFNA the client sent: whether it allows a retry."),
    setting("SecureAuthentication", Int).default("2").range(0, 2).doc("0 disallowed, 1 required, 2 automatic: as the client's SSID asks (RFC 5024 §4.2.3; a policy the SSID does not meet is ESID 12)."),
    setting("SendCDAfterEFPA", Bool).default("False").doc("Always send CD after the client's EFPA, whether or not it asked for it."),
    setting("ServerPassword", Text).per_conn(PerConn::Required).doc("The SSIDPSWD sent to this connection (set it in AcceptConnection)."),
    setting("ServerSFIDCode", Text).per_conn(PerConn::Required).doc("The SFID code used with this connection."),
    setting("ServerSSIDCode", Text).per_conn(PerConn::Required).doc("The SSIDCODE sent to this connection (set it in AcceptConnection)."),
    setting("TempPath", Text).per_conn(PerConn::Optional).doc("Where files being received are written until complete (\"\" = DownloadDirectory/.oftp-partial)."),
    setting("TrustedCertsData", Text).doc("What ImportTrustedCerts reads: a directory of certificate files, a file, or the data itself (PEM bundle, DER, base64, PKCS#7)."),
    setting("VirtualFileDateFormat", Text).default("MM/dd/yyyy HH:mm:ss").doc("Format of the VirtualFileDate event parameters (yyyy, yy, MM, dd, HH, mm, ss, ffff)."),
    setting("CloseStreamAfterTransfer", Bool).default("True").doc("True: pier closes ConnDownloadStream / ConnUploadStream after the transfer."),
    setting("PreferredDHGroupBits", Int).default("2048").range(0, I32).doc("Accepted and stored; no effect (rustls offers no finite-field DH)."),
    setting("SSLContextProtocol", Text).default("TLS").doc("Accepted and stored; no effect (a Java setting)."),
    setting("SSLTrustManagerFactoryAlgorithm", Text).default("PKIX").doc("Accepted and stored; no effect (a Java setting)."),
    setting("GUIAvailable", Bool).default("True").doc("Accepted, stored, read back; no effect."),
    setting("MaskSensitiveData", Bool).default("True").doc("Stored and read back; pier logs no secrets either way."),
    setting("UseDaemonThreads", Bool).default("False").doc("Accepted, stored, read back; no effect (pier starts no threads)."),
    setting("UseFIPSCompliantAPI", Bool).default("False").doc("Accepted, stored, read back; rustls with ring either way."),
    setting("AllowOFTP14OverTLS", Bool).default("False").doc("pier: with UseSSL, also admit OFTP 1.4 sessions (the reference admits 2.0 only; some 1.4 peers run over TLS)."),
    setting("BufferCompression", Bool).per_conn(PerConn::Optional).default("True").doc("pier: answer SSIDCMPR Y when the client offers buffer compression (RFC 5024 §7.2)."),
    setting("EnableRestart", Bool).per_conn(PerConn::Optional).default("True").doc("pier: answer SSIDREST Y when the client offers restart (RFC 5024 §5.3.2)."),
];

/// The error codes OFTPServer raises, for its reference page (docs/OFTP.md
/// "Errors": 100–102, 112 and 116 are TCPServer's and never raised here).
pub static ERRORS: &[i32] = &[
    0, 104, 106, 107, 108, 126, 270, 271, 272, 273, 274, 275, 276, 280, 281, 282, 283, 284, 671, 672, 673, 675, 676,
    677, 678, 679, 680, 681, 682, 683, 684, 685, 686, 687, 688, 689, 690, 691, 900, 901, 902, 903, 904, 905, 906, 907,
    908, 909, 910, 911, 912, 913, 914, 10004, 10013, 10022, 10024, 10035, 10048, 10049, 10050, 10051, 10053, 10054,
    10055, 10057, 10060, 10061, 10064, 10065,
];

/// The declaration: what the checks, the header's ids and the reference
/// page come from.
pub static TABLES: Tables<OftpProp> = Tables {
    props: PROPS,
    events: EVENTS,
    settings: &[
        ("OFTPServer settings", OFTP_SETTINGS),
        ("TCP settings", TCP_SETTINGS),
        ("SSL settings", SSL_SETTINGS),
        ("Base settings", BASE_SETTINGS),
    ],
};

/// The generators' view of the tables.
pub fn component() -> Component<'static, OftpProp> {
    Component {
        title: "OFTPServer",
        prefix: "OFTPSERVER",
        intro: "An ODETTE FTP responder (OFTP 1.2, 1.3, 1.4 and 2.0: RFC 5024, RFC 2204) for many \
                connections, plain or over TLS: the client's identity decided by the application \
                (AcceptConnection), files received into a directory only once complete, files sent \
                when the client hands over the turn (ReadyToSend), end-to-end responses, restart. \
                Decisions: docs/OFTP.md.",
        tables: &TABLES,
        errors: ERRORS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::props::check_ids;
    use crate::core::reference::check_component;

    #[test]
    fn ids_follow_the_reference_order() {
        let p: Vec<_> = PROPS.iter().map(|d| (d.id, d.name)).collect();
        check_ids(&p, false).unwrap();
        let e: Vec<_> = EVENTS.iter().map(|d| (d.id, d.name)).collect();
        check_ids(&e, false).unwrap();
        assert_eq!(PROPS.len(), 120);
        assert_eq!(EVENTS.len(), 17);
        let want: Vec<_> = CertField::ALL.iter().map(|f| f.name()).collect();
        for (first, prefix) in [(0, "Certificate"), (62, "SSLCert"), (91, "TrustedCert")] {
            let got: Vec<_> = PROPS[first..first + 28].iter().map(|d| d.name.trim_start_matches(prefix)).collect();
            assert_eq!(got, want, "{prefix}<Field>");
        }
        let id = |name: &str| PROPS.iter().find(|d| d.name == name).map(|d| d.id);
        assert_eq!(id("ConnectionBacklog"), Some(29));
        assert_eq!(id("ConnVirtualFileSecurityLevel"), Some(54));
        assert_eq!(id("DefaultTimeout"), Some(55));
        assert_eq!(id("SSLAuthenticateClients"), Some(62));
        assert_eq!(id("SSLCertEffectiveDate"), Some(63));
        assert_eq!(id("SSLCertEncoded"), Some(90));
        assert_eq!(id("TrustedCertCount"), Some(91));
        assert_eq!(id("UseSSL"), Some(120));
    }

    #[test]
    fn generated_ids_and_reference_page_are_fresh_and_documented() {
        check_component(&component(), "src/oftp/ids.rs", "docs/reference/oftpserver.md").unwrap();
    }
}
