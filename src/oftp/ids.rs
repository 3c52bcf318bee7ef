//! OFTPServer property and event ids: the ABI (docs/API.md §2). Generated from the
//! tables in `props.rs` by its tests; do not edit (`PIER_BLESS=1 cargo test` rewrites it).
//! cbindgen turns these into the header's constants and their doc comments.

/// OFTPServer property `CertificateEffectiveDate` (text, read-only): The date the certificate becomes valid (`dd-MMM-yyyy HH:mm:ss`, UTC).
pub const PIER_OFTPSERVER_PROP_CERTIFICATEEFFECTIVEDATE: i32 = 1;
/// OFTPServer property `CertificateExpirationDate` (text, read-only): The date the certificate expires (`dd-MMM-yyyy HH:mm:ss`, UTC).
pub const PIER_OFTPSERVER_PROP_CERTIFICATEEXPIRATIONDATE: i32 = 2;
/// OFTPServer property `CertificateExtendedKeyUsage` (text, read-only): Comma-separated extended key usage OIDs.
pub const PIER_OFTPSERVER_PROP_CERTIFICATEEXTENDEDKEYUSAGE: i32 = 3;
/// OFTPServer property `CertificateFingerprint` (text, read-only): MD5 hash of the certificate, hex bytes separated by `:`.
pub const PIER_OFTPSERVER_PROP_CERTIFICATEFINGERPRINT: i32 = 4;
/// OFTPServer property `CertificateFingerprintSHA1` (text, read-only): SHA-1 hash of the certificate, hex bytes separated by `:`.
pub const PIER_OFTPSERVER_PROP_CERTIFICATEFINGERPRINTSHA1: i32 = 5;
/// OFTPServer property `CertificateFingerprintSHA256` (text, read-only): SHA-256 hash of the certificate, hex bytes separated by `:`.
pub const PIER_OFTPSERVER_PROP_CERTIFICATEFINGERPRINTSHA256: i32 = 6;
/// OFTPServer property `CertificateIssuer` (text, read-only): Issuer of the certificate (`CN=..., O=...`).
pub const PIER_OFTPSERVER_PROP_CERTIFICATEISSUER: i32 = 7;
/// OFTPServer property `CertificateKeyPassword` (text): Password of the private key when it is encrypted apart from the store; stored.
pub const PIER_OFTPSERVER_PROP_CERTIFICATEKEYPASSWORD: i32 = 8;
/// OFTPServer property `CertificatePrivateKey` (text, read-only): Never exported: always empty (PrivateKeyAvailable says whether there is a key).
pub const PIER_OFTPSERVER_PROP_CERTIFICATEPRIVATEKEY: i32 = 9;
/// OFTPServer property `CertificatePrivateKeyAvailable` (bool, read-only): Whether the certificate came with its private key.
pub const PIER_OFTPSERVER_PROP_CERTIFICATEPRIVATEKEYAVAILABLE: i32 = 10;
/// OFTPServer property `CertificatePrivateKeyContainer` (text, read-only): No key containers on this platform: always empty.
pub const PIER_OFTPSERVER_PROP_CERTIFICATEPRIVATEKEYCONTAINER: i32 = 11;
/// OFTPServer property `CertificatePublicKey` (text, read-only): The SubjectPublicKeyInfo, Base64 DER.
pub const PIER_OFTPSERVER_PROP_CERTIFICATEPUBLICKEY: i32 = 12;
/// OFTPServer property `CertificatePublicKeyAlgorithm` (text, read-only): RSA, ECDSA, Ed25519, or the algorithm's OID.
pub const PIER_OFTPSERVER_PROP_CERTIFICATEPUBLICKEYALGORITHM: i32 = 13;
/// OFTPServer property `CertificatePublicKeyLength` (int, read-only): Bits of the public key (RSA modulus, EC field size).
pub const PIER_OFTPSERVER_PROP_CERTIFICATEPUBLICKEYLENGTH: i32 = 14;
/// OFTPServer property `CertificateSerialNumber` (text, read-only): Serial number, upper-case hex.
pub const PIER_OFTPSERVER_PROP_CERTIFICATESERIALNUMBER: i32 = 15;
/// OFTPServer property `CertificateSignatureAlgorithm` (text, read-only): Signature algorithm of the certificate (e.g. sha256RSA), or its OID.
pub const PIER_OFTPSERVER_PROP_CERTIFICATESIGNATUREALGORITHM: i32 = 16;
/// OFTPServer property `CertificateStore` (binary, default MY): The certificate store: a file name or the store's bytes, per StoreType.
pub const PIER_OFTPSERVER_PROP_CERTIFICATESTORE: i32 = 17;
/// OFTPServer property `CertificateStorePassword` (text): Password of the certificate store.
pub const PIER_OFTPSERVER_PROP_CERTIFICATESTOREPASSWORD: i32 = 18;
/// OFTPServer property `CertificateStoreType` (int, default 0, 0 to 99): Type of Store (2 PFX file, 3 PFX blob, 6 PEM key file, 7 PEM key blob, 8/9 public key, 11/12 P7B, 99 auto).
pub const PIER_OFTPSERVER_PROP_CERTIFICATESTORETYPE: i32 = 19;
/// OFTPServer property `CertificateSubjectAltNames` (text, read-only): Comma-separated subject alternative names (DNS names, IP addresses, e-mail).
pub const PIER_OFTPSERVER_PROP_CERTIFICATESUBJECTALTNAMES: i32 = 20;
/// OFTPServer property `CertificateThumbprintMD5` (text, read-only): As Fingerprint.
pub const PIER_OFTPSERVER_PROP_CERTIFICATETHUMBPRINTMD5: i32 = 21;
/// OFTPServer property `CertificateThumbprintSHA1` (text, read-only): As FingerprintSHA1.
pub const PIER_OFTPSERVER_PROP_CERTIFICATETHUMBPRINTSHA1: i32 = 22;
/// OFTPServer property `CertificateThumbprintSHA256` (text, read-only): As FingerprintSHA256.
pub const PIER_OFTPSERVER_PROP_CERTIFICATETHUMBPRINTSHA256: i32 = 23;
/// OFTPServer property `CertificateUsage` (text, read-only): Key usage names, comma-separated (Digital Signature, Key Encipherment, ...).
pub const PIER_OFTPSERVER_PROP_CERTIFICATEUSAGE: i32 = 24;
/// OFTPServer property `CertificateUsageFlags` (int, read-only): Key usage bits (0x80 digitalSignature ... 0x8000 decipherOnly).
pub const PIER_OFTPSERVER_PROP_CERTIFICATEUSAGEFLAGS: i32 = 25;
/// OFTPServer property `CertificateVersion` (text, read-only): X.509 version ("V3").
pub const PIER_OFTPSERVER_PROP_CERTIFICATEVERSION: i32 = 26;
/// OFTPServer property `CertificateSubject` (text): Subject of the certificate to select (exact, then substring; "*" = the first); reads back the full subject.
pub const PIER_OFTPSERVER_PROP_CERTIFICATESUBJECT: i32 = 27;
/// OFTPServer property `CertificateEncoded` (binary): The certificate (PEM/Base64); setting it selects the matching certificate of the store.
pub const PIER_OFTPSERVER_PROP_CERTIFICATEENCODED: i32 = 28;
/// OFTPServer property `ConnectionBacklog` (int, default SOMAXCONN, 1 to 2147483647): Maximum number of pending connections kept by the TCP/IP stack (the reference's 5 drops connections under bursts on Linux).
pub const PIER_OFTPSERVER_PROP_CONNECTIONBACKLOG: i32 = 29;
/// OFTPServer property `ConnCount` (int, read-only, default 0): Number of open connections; ConnConnectionId positions run 0..ConnCount-1.
pub const PIER_OFTPSERVER_PROP_CONNCOUNT: i32 = 30;
/// OFTPServer property `ConnCompress` (bool, per connection, default False): Sending: compress outgoing files (CMS CompressedData, 2.0). Receiving: whether the file being received is compressed (SFIDCOMP).
pub const PIER_OFTPSERVER_PROP_CONNCOMPRESS: i32 = 31;
/// OFTPServer property `ConnConnected` (bool, per connection, read-only): Whether the connection is open (use Disconnect to close it).
pub const PIER_OFTPSERVER_PROP_CONNCONNECTED: i32 = 32;
/// OFTPServer property `ConnConnectionId` (text, by position, read-only): The connection id (decimal text) at position index (0..ConnCount-1); 913 beyond.
pub const PIER_OFTPSERVER_PROP_CONNCONNECTIONID: i32 = 33;
/// OFTPServer property `ConnDownloadDirectory` (text, per connection): The directory received files are stored in (set it in ConnectionRequest, Connected or AcceptConnection); files are written under `.oftp-partial/` there and renamed when complete.
pub const PIER_OFTPSERVER_PROP_CONNDOWNLOADDIRECTORY: i32 = 34;
/// OFTPServer property `ConnDownloadStream` (int, per connection, default -1, -1 to 2147483647): A file descriptor received files are written to instead of a file (-1 none); CloseStreamAfterTransfer says whether pier closes it. No restart.
pub const PIER_OFTPSERVER_PROP_CONNDOWNLOADSTREAM: i32 = 35;
/// OFTPServer property `ConnEncryptionAlgorithm` (int, per connection, default 0, 0 to 3): Cipher of files sent encrypted: 0 3DES, 1 and 3 AES-256 (the reference's 1 says AES-128, which no ODETTE suite has), 2 refused for files (AES-192, pier); the secure-authentication challenge uses 1 AES-128, 2 AES-192 (docs/OFTP.md).
pub const PIER_OFTPSERVER_PROP_CONNENCRYPTIONALGORITHM: i32 = 36;
/// OFTPServer property `ConnLocalAddress` (text, per connection, read-only): Local IP address of the interface the connection uses.
pub const PIER_OFTPSERVER_PROP_CONNLOCALADDRESS: i32 = 37;
/// OFTPServer property `ConnMaxRecordSize` (int, per connection, default 0, 0 to 99999): SFIDLRECL of outgoing F and V files (0 for U and T files).
pub const PIER_OFTPSERVER_PROP_CONNMAXRECORDSIZE: i32 = 38;
/// OFTPServer property `ConnReadyToSend` (bool, per connection, read-only, default False): True while the server is the Speaker (after the client's CD): SendFile may be called.
pub const PIER_OFTPSERVER_PROP_CONNREADYTOSEND: i32 = 39;
/// OFTPServer property `ConnRecipientCertStore` (binary, per connection, default MY): The store of the partner's certificate (encryption of outgoing files, verification of signed receipts).
pub const PIER_OFTPSERVER_PROP_CONNRECIPIENTCERTSTORE: i32 = 40;
/// OFTPServer property `ConnRecipientCertStorePassword` (text, per connection): Password of ConnRecipientCertStore.
pub const PIER_OFTPSERVER_PROP_CONNRECIPIENTCERTSTOREPASSWORD: i32 = 41;
/// OFTPServer property `ConnRecipientCertStoreType` (int, per connection, default 0, 0 to 99): Type of ConnRecipientCertStore (as SSLCertStoreType).
pub const PIER_OFTPSERVER_PROP_CONNRECIPIENTCERTSTORETYPE: i32 = 42;
/// OFTPServer property `ConnRecipientCertSubject` (text, per connection): Subject of the partner's certificate in ConnRecipientCertStore.
pub const PIER_OFTPSERVER_PROP_CONNRECIPIENTCERTSUBJECT: i32 = 43;
/// OFTPServer property `ConnRemoteHost` (text, per connection, read-only): IP address of the client.
pub const PIER_OFTPSERVER_PROP_CONNREMOTEHOST: i32 = 44;
/// OFTPServer property `ConnRemotePort` (int, per connection, read-only): TCP port of the client.
pub const PIER_OFTPSERVER_PROP_CONNREMOTEPORT: i32 = 45;
/// OFTPServer property `ConnSFIDCode` (text, per connection): The client's SFID code: SFIDORIG of the last file received; SFIDDEST of files SendFile sends when its ClientSFIDCode is empty.
pub const PIER_OFTPSERVER_PROP_CONNSFIDCODE: i32 = 46;
/// OFTPServer property `ConnSignedReceipt` (bool, per connection, default False): Sending: ask for a signed EERP (SFIDSIGN). Receiving: whether the client asked for one.
pub const PIER_OFTPSERVER_PROP_CONNSIGNEDRECEIPT: i32 = 47;
/// OFTPServer property `ConnSSIDCode` (text, per connection, read-only): The client's SSID code (SSIDCODE of its SSID).
pub const PIER_OFTPSERVER_PROP_CONNSSIDCODE: i32 = 48;
/// OFTPServer property `ConnTimeout` (int, per connection, default DefaultTimeout, 0 to 4294967295): Seconds of silence the session waits for the client (the RFC 5024 §9 response timer; then ESID 09 and Disconnected 10060; 0 = no limit), and that a SendFile may block without progress.
pub const PIER_OFTPSERVER_PROP_CONNTIMEOUT: i32 = 49;
/// OFTPServer property `ConnUploadStream` (int, per connection, default -1, -1 to 2147483647): A file descriptor SendFile reads when its FileName is "" (-1 none); CloseStreamAfterTransfer says whether pier closes it.
pub const PIER_OFTPSERVER_PROP_CONNUPLOADSTREAM: i32 = 50;
/// OFTPServer property `ConnVersion` (int, per connection, read-only, default 3): The session's OFTP level: 0 1.2, 1 1.3, 2 1.4, 3 2.0.
pub const PIER_OFTPSERVER_PROP_CONNVERSION: i32 = 51;
/// OFTPServer property `ConnVirtualFileDate` (text, per connection): The stamp of the next file SendFile sends ("" = now); reads back as `MM/dd/yyyy HH:mm:ss`.
pub const PIER_OFTPSERVER_PROP_CONNVIRTUALFILEDATE: i32 = 52;
/// OFTPServer property `ConnVirtualFileFormat` (int, per connection, default 0, 0 to 3): Format of outgoing files (0 U unstructured, 1 T text, 2 F fixed, 3 V variable); of the file being received.
pub const PIER_OFTPSERVER_PROP_CONNVIRTUALFILEFORMAT: i32 = 53;
/// OFTPServer property `ConnVirtualFileSecurityLevel` (int, per connection, default 0, 0 to 3): Security of outgoing files (0 none, 1 encrypted, 2 signed, 3 both; 2.0); of the file being received.
pub const PIER_OFTPSERVER_PROP_CONNVIRTUALFILESECURITYLEVEL: i32 = 54;
/// OFTPServer property `DefaultTimeout` (int, default 60, 0 to 4294967295): ConnTimeout given to each new connection.
pub const PIER_OFTPSERVER_PROP_DEFAULTTIMEOUT: i32 = 55;
/// OFTPServer property `Listening` (bool, default False): Whether the server is listening; setting it starts or stops listening.
pub const PIER_OFTPSERVER_PROP_LISTENING: i32 = 56;
/// OFTPServer property `LocalHost` (text): Local interface to listen on ("" = every interface); 107 while listening.
pub const PIER_OFTPSERVER_PROP_LOCALHOST: i32 = 57;
/// OFTPServer property `LocalPort` (int, default 3305, 0 to 65535): TCP port to listen on (3305; 6619 is the convention for TLS; 0 = the system picks one, readable once listening); 106 while listening.
pub const PIER_OFTPSERVER_PROP_LOCALPORT: i32 = 58;
/// OFTPServer property `ServerPassword` (text): The server's SSIDPSWD (at most 8 characters).
pub const PIER_OFTPSERVER_PROP_SERVERPASSWORD: i32 = 59;
/// OFTPServer property `ServerSFIDCode` (text): The server's SFID code (at most 25 characters): SFIDORIG of files it sends; files whose SFIDDEST differs are refused with SFNA 02 unless AcceptFile accepts them. Required to listen (673).
pub const PIER_OFTPSERVER_PROP_SERVERSFIDCODE: i32 = 60;
/// OFTPServer property `ServerSSIDCode` (text): The server's SSIDCODE (at most 25 characters). Required to listen (672).
pub const PIER_OFTPSERVER_PROP_SERVERSSIDCODE: i32 = 61;
/// OFTPServer property `SSLAuthenticateClients` (bool, default False): Ask clients for a certificate (see the SSLClientAuthentication event).
pub const PIER_OFTPSERVER_PROP_SSLAUTHENTICATECLIENTS: i32 = 62;
/// OFTPServer property `SSLCertEffectiveDate` (text, read-only): The date the certificate becomes valid (`dd-MMM-yyyy HH:mm:ss`, UTC).
pub const PIER_OFTPSERVER_PROP_SSLCERTEFFECTIVEDATE: i32 = 63;
/// OFTPServer property `SSLCertExpirationDate` (text, read-only): The date the certificate expires (`dd-MMM-yyyy HH:mm:ss`, UTC).
pub const PIER_OFTPSERVER_PROP_SSLCERTEXPIRATIONDATE: i32 = 64;
/// OFTPServer property `SSLCertExtendedKeyUsage` (text, read-only): Comma-separated extended key usage OIDs.
pub const PIER_OFTPSERVER_PROP_SSLCERTEXTENDEDKEYUSAGE: i32 = 65;
/// OFTPServer property `SSLCertFingerprint` (text, read-only): MD5 hash of the certificate, hex bytes separated by `:`.
pub const PIER_OFTPSERVER_PROP_SSLCERTFINGERPRINT: i32 = 66;
/// OFTPServer property `SSLCertFingerprintSHA1` (text, read-only): SHA-1 hash of the certificate, hex bytes separated by `:`.
pub const PIER_OFTPSERVER_PROP_SSLCERTFINGERPRINTSHA1: i32 = 67;
/// OFTPServer property `SSLCertFingerprintSHA256` (text, read-only): SHA-256 hash of the certificate, hex bytes separated by `:`.
pub const PIER_OFTPSERVER_PROP_SSLCERTFINGERPRINTSHA256: i32 = 68;
/// OFTPServer property `SSLCertIssuer` (text, read-only): Issuer of the certificate (`CN=..., O=...`).
pub const PIER_OFTPSERVER_PROP_SSLCERTISSUER: i32 = 69;
/// OFTPServer property `SSLCertKeyPassword` (text): Password of the private key when it is encrypted apart from the store; stored.
pub const PIER_OFTPSERVER_PROP_SSLCERTKEYPASSWORD: i32 = 70;
/// OFTPServer property `SSLCertPrivateKey` (text, read-only): Never exported: always empty (PrivateKeyAvailable says whether there is a key).
pub const PIER_OFTPSERVER_PROP_SSLCERTPRIVATEKEY: i32 = 71;
/// OFTPServer property `SSLCertPrivateKeyAvailable` (bool, read-only): Whether the certificate came with its private key.
pub const PIER_OFTPSERVER_PROP_SSLCERTPRIVATEKEYAVAILABLE: i32 = 72;
/// OFTPServer property `SSLCertPrivateKeyContainer` (text, read-only): No key containers on this platform: always empty.
pub const PIER_OFTPSERVER_PROP_SSLCERTPRIVATEKEYCONTAINER: i32 = 73;
/// OFTPServer property `SSLCertPublicKey` (text, read-only): The SubjectPublicKeyInfo, Base64 DER.
pub const PIER_OFTPSERVER_PROP_SSLCERTPUBLICKEY: i32 = 74;
/// OFTPServer property `SSLCertPublicKeyAlgorithm` (text, read-only): RSA, ECDSA, Ed25519, or the algorithm's OID.
pub const PIER_OFTPSERVER_PROP_SSLCERTPUBLICKEYALGORITHM: i32 = 75;
/// OFTPServer property `SSLCertPublicKeyLength` (int, read-only): Bits of the public key (RSA modulus, EC field size).
pub const PIER_OFTPSERVER_PROP_SSLCERTPUBLICKEYLENGTH: i32 = 76;
/// OFTPServer property `SSLCertSerialNumber` (text, read-only): Serial number, upper-case hex.
pub const PIER_OFTPSERVER_PROP_SSLCERTSERIALNUMBER: i32 = 77;
/// OFTPServer property `SSLCertSignatureAlgorithm` (text, read-only): Signature algorithm of the certificate (e.g. sha256RSA), or its OID.
pub const PIER_OFTPSERVER_PROP_SSLCERTSIGNATUREALGORITHM: i32 = 78;
/// OFTPServer property `SSLCertStore` (binary, default MY): The certificate store: a file name or the store's bytes, per StoreType.
pub const PIER_OFTPSERVER_PROP_SSLCERTSTORE: i32 = 79;
/// OFTPServer property `SSLCertStorePassword` (text): Password of the certificate store.
pub const PIER_OFTPSERVER_PROP_SSLCERTSTOREPASSWORD: i32 = 80;
/// OFTPServer property `SSLCertStoreType` (int, default 0, 0 to 99): Type of Store (2 PFX file, 3 PFX blob, 6 PEM key file, 7 PEM key blob, 8/9 public key, 11/12 P7B, 99 auto).
pub const PIER_OFTPSERVER_PROP_SSLCERTSTORETYPE: i32 = 81;
/// OFTPServer property `SSLCertSubjectAltNames` (text, read-only): Comma-separated subject alternative names (DNS names, IP addresses, e-mail).
pub const PIER_OFTPSERVER_PROP_SSLCERTSUBJECTALTNAMES: i32 = 82;
/// OFTPServer property `SSLCertThumbprintMD5` (text, read-only): As Fingerprint.
pub const PIER_OFTPSERVER_PROP_SSLCERTTHUMBPRINTMD5: i32 = 83;
/// OFTPServer property `SSLCertThumbprintSHA1` (text, read-only): As FingerprintSHA1.
pub const PIER_OFTPSERVER_PROP_SSLCERTTHUMBPRINTSHA1: i32 = 84;
/// OFTPServer property `SSLCertThumbprintSHA256` (text, read-only): As FingerprintSHA256.
pub const PIER_OFTPSERVER_PROP_SSLCERTTHUMBPRINTSHA256: i32 = 85;
/// OFTPServer property `SSLCertUsage` (text, read-only): Key usage names, comma-separated (Digital Signature, Key Encipherment, ...).
pub const PIER_OFTPSERVER_PROP_SSLCERTUSAGE: i32 = 86;
/// OFTPServer property `SSLCertUsageFlags` (int, read-only): Key usage bits (0x80 digitalSignature ... 0x8000 decipherOnly).
pub const PIER_OFTPSERVER_PROP_SSLCERTUSAGEFLAGS: i32 = 87;
/// OFTPServer property `SSLCertVersion` (text, read-only): X.509 version ("V3").
pub const PIER_OFTPSERVER_PROP_SSLCERTVERSION: i32 = 88;
/// OFTPServer property `SSLCertSubject` (text): Subject of the certificate to select (exact, then substring; "*" = the first); reads back the full subject.
pub const PIER_OFTPSERVER_PROP_SSLCERTSUBJECT: i32 = 89;
/// OFTPServer property `SSLCertEncoded` (binary): The certificate (PEM/Base64); setting it selects the matching certificate of the store.
pub const PIER_OFTPSERVER_PROP_SSLCERTENCODED: i32 = 90;
/// OFTPServer property `TrustedCertCount` (int, read-only, default 0): Number of trusted CA certificates (ImportTrustedCerts); TrustedCert<Field> positions run 0..TrustedCertCount-1.
pub const PIER_OFTPSERVER_PROP_TRUSTEDCERTCOUNT: i32 = 91;
/// OFTPServer property `TrustedCertEffectiveDate` (text, by position, read-only): The date the certificate becomes valid (`dd-MMM-yyyy HH:mm:ss`, UTC).
pub const PIER_OFTPSERVER_PROP_TRUSTEDCERTEFFECTIVEDATE: i32 = 92;
/// OFTPServer property `TrustedCertExpirationDate` (text, by position, read-only): The date the certificate expires (`dd-MMM-yyyy HH:mm:ss`, UTC).
pub const PIER_OFTPSERVER_PROP_TRUSTEDCERTEXPIRATIONDATE: i32 = 93;
/// OFTPServer property `TrustedCertExtendedKeyUsage` (text, by position, read-only): Comma-separated extended key usage OIDs.
pub const PIER_OFTPSERVER_PROP_TRUSTEDCERTEXTENDEDKEYUSAGE: i32 = 94;
/// OFTPServer property `TrustedCertFingerprint` (text, by position, read-only): MD5 hash of the certificate, hex bytes separated by `:`.
pub const PIER_OFTPSERVER_PROP_TRUSTEDCERTFINGERPRINT: i32 = 95;
/// OFTPServer property `TrustedCertFingerprintSHA1` (text, by position, read-only): SHA-1 hash of the certificate, hex bytes separated by `:`.
pub const PIER_OFTPSERVER_PROP_TRUSTEDCERTFINGERPRINTSHA1: i32 = 96;
/// OFTPServer property `TrustedCertFingerprintSHA256` (text, by position, read-only): SHA-256 hash of the certificate, hex bytes separated by `:`.
pub const PIER_OFTPSERVER_PROP_TRUSTEDCERTFINGERPRINTSHA256: i32 = 97;
/// OFTPServer property `TrustedCertIssuer` (text, by position, read-only): Issuer of the certificate (`CN=..., O=...`).
pub const PIER_OFTPSERVER_PROP_TRUSTEDCERTISSUER: i32 = 98;
/// OFTPServer property `TrustedCertKeyPassword` (text, by position, read-only): Password of the private key when it is encrypted apart from the store; stored.
pub const PIER_OFTPSERVER_PROP_TRUSTEDCERTKEYPASSWORD: i32 = 99;
/// OFTPServer property `TrustedCertPrivateKey` (text, by position, read-only): Never exported: always empty (PrivateKeyAvailable says whether there is a key).
pub const PIER_OFTPSERVER_PROP_TRUSTEDCERTPRIVATEKEY: i32 = 100;
/// OFTPServer property `TrustedCertPrivateKeyAvailable` (bool, by position, read-only): Whether the certificate came with its private key.
pub const PIER_OFTPSERVER_PROP_TRUSTEDCERTPRIVATEKEYAVAILABLE: i32 = 101;
/// OFTPServer property `TrustedCertPrivateKeyContainer` (text, by position, read-only): No key containers on this platform: always empty.
pub const PIER_OFTPSERVER_PROP_TRUSTEDCERTPRIVATEKEYCONTAINER: i32 = 102;
/// OFTPServer property `TrustedCertPublicKey` (text, by position, read-only): The SubjectPublicKeyInfo, Base64 DER.
pub const PIER_OFTPSERVER_PROP_TRUSTEDCERTPUBLICKEY: i32 = 103;
/// OFTPServer property `TrustedCertPublicKeyAlgorithm` (text, by position, read-only): RSA, ECDSA, Ed25519, or the algorithm's OID.
pub const PIER_OFTPSERVER_PROP_TRUSTEDCERTPUBLICKEYALGORITHM: i32 = 104;
/// OFTPServer property `TrustedCertPublicKeyLength` (int, by position, read-only): Bits of the public key (RSA modulus, EC field size).
pub const PIER_OFTPSERVER_PROP_TRUSTEDCERTPUBLICKEYLENGTH: i32 = 105;
/// OFTPServer property `TrustedCertSerialNumber` (text, by position, read-only): Serial number, upper-case hex.
pub const PIER_OFTPSERVER_PROP_TRUSTEDCERTSERIALNUMBER: i32 = 106;
/// OFTPServer property `TrustedCertSignatureAlgorithm` (text, by position, read-only): Signature algorithm of the certificate (e.g. sha256RSA), or its OID.
pub const PIER_OFTPSERVER_PROP_TRUSTEDCERTSIGNATUREALGORITHM: i32 = 107;
/// OFTPServer property `TrustedCertStore` (binary, by position, read-only): The certificate store: a file name or the store's bytes, per StoreType.
pub const PIER_OFTPSERVER_PROP_TRUSTEDCERTSTORE: i32 = 108;
/// OFTPServer property `TrustedCertStorePassword` (text, by position, read-only): Password of the certificate store.
pub const PIER_OFTPSERVER_PROP_TRUSTEDCERTSTOREPASSWORD: i32 = 109;
/// OFTPServer property `TrustedCertStoreType` (int, by position, read-only): Type of Store (2 PFX file, 3 PFX blob, 6 PEM key file, 7 PEM key blob, 8/9 public key, 11/12 P7B, 99 auto).
pub const PIER_OFTPSERVER_PROP_TRUSTEDCERTSTORETYPE: i32 = 110;
/// OFTPServer property `TrustedCertSubjectAltNames` (text, by position, read-only): Comma-separated subject alternative names (DNS names, IP addresses, e-mail).
pub const PIER_OFTPSERVER_PROP_TRUSTEDCERTSUBJECTALTNAMES: i32 = 111;
/// OFTPServer property `TrustedCertThumbprintMD5` (text, by position, read-only): As Fingerprint.
pub const PIER_OFTPSERVER_PROP_TRUSTEDCERTTHUMBPRINTMD5: i32 = 112;
/// OFTPServer property `TrustedCertThumbprintSHA1` (text, by position, read-only): As FingerprintSHA1.
pub const PIER_OFTPSERVER_PROP_TRUSTEDCERTTHUMBPRINTSHA1: i32 = 113;
/// OFTPServer property `TrustedCertThumbprintSHA256` (text, by position, read-only): As FingerprintSHA256.
pub const PIER_OFTPSERVER_PROP_TRUSTEDCERTTHUMBPRINTSHA256: i32 = 114;
/// OFTPServer property `TrustedCertUsage` (text, by position, read-only): Key usage names, comma-separated (Digital Signature, Key Encipherment, ...).
pub const PIER_OFTPSERVER_PROP_TRUSTEDCERTUSAGE: i32 = 115;
/// OFTPServer property `TrustedCertUsageFlags` (int, by position, read-only): Key usage bits (0x80 digitalSignature ... 0x8000 decipherOnly).
pub const PIER_OFTPSERVER_PROP_TRUSTEDCERTUSAGEFLAGS: i32 = 116;
/// OFTPServer property `TrustedCertVersion` (text, by position, read-only): X.509 version ("V3").
pub const PIER_OFTPSERVER_PROP_TRUSTEDCERTVERSION: i32 = 117;
/// OFTPServer property `TrustedCertSubject` (text, by position, read-only): Subject of the certificate to select (exact, then substring; "*" = the first); reads back the full subject.
pub const PIER_OFTPSERVER_PROP_TRUSTEDCERTSUBJECT: i32 = 118;
/// OFTPServer property `TrustedCertEncoded` (binary, by position, read-only): The certificate (PEM/Base64); setting it selects the matching certificate of the store.
pub const PIER_OFTPSERVER_PROP_TRUSTEDCERTENCODED: i32 = 119;
/// OFTPServer property `UseSSL` (bool, default False): Negotiate TLS with every client at accept (OFTP 2.0 only, unless AllowOFTP14OverTLS).
pub const PIER_OFTPSERVER_PROP_USESSL: i32 = 120;

/// OFTPServer event `AcceptConnection` (params: `pier_oftpserver_acceptconnection_params`): Fired when the client's SSID arrives; ServerVersion, Accept, ErrorCode (the ESID reason) and ErrorDescription are writable.
pub const PIER_OFTPSERVER_EVENT_ACCEPTCONNECTION: i32 = 1;
/// OFTPServer event `AcceptFile` (params: `pier_oftpserver_acceptfile_params`): Fired for the client's SFID; Accept, FileName, Overwrite, ErrorCode (the SFNA reason, default 99) and ErrorDescription are writable.
pub const PIER_OFTPSERVER_EVENT_ACCEPTFILE: i32 = 2;
/// OFTPServer event `CertificateReceived` (params: `pier_oftpserver_certificatereceived_params`): Fired when the client delivered a certificate (RFC 5024 §6.4 certificate exchange).
pub const PIER_OFTPSERVER_EVENT_CERTIFICATERECEIVED: i32 = 3;
/// OFTPServer event `Connected` (params: `pier_oftpserver_connected_params`): Fired when the OFTP session is up (the SSIDs agreed), or with the error it failed with.
pub const PIER_OFTPSERVER_EVENT_CONNECTED: i32 = 4;
/// OFTPServer event `ConnectionRequest` (params: `pier_oftpserver_connectionrequest_params`): Fired when a client asks to connect (before TLS and SSRM); Accept is writable.
pub const PIER_OFTPSERVER_EVENT_CONNECTIONREQUEST: i32 = 5;
/// OFTPServer event `Disconnected` (params: `pier_oftpserver_disconnected_params`): Fired when a connection ends: 0 after an orderly ESID 00, else the error (671 protocol, 675/677 a refused identity, 10060 a time-out, ...).
pub const PIER_OFTPSERVER_EVENT_DISCONNECTED: i32 = 6;
/// OFTPServer event `EndResponse` (params: `pier_oftpserver_endresponse_params`): Fired for each EERP or NERP received (Direction 0), or sent with FireEndResponseOnSend (Direction 1); FileHash is writable.
pub const PIER_OFTPSERVER_EVENT_ENDRESPONSE: i32 = 7;
/// OFTPServer event `EndTransfer` (params: `pier_oftpserver_endtransfer_params`): Fired when a file was received or sent (ReasonCode 0) or failed; SendEndResponse is writable.
pub const PIER_OFTPSERVER_EVENT_ENDTRANSFER: i32 = 8;
/// OFTPServer event `Error` (params: `pier_oftpserver_error_params`): Fired for failures no return value can report (a protocol violation by the client, a failed write).
pub const PIER_OFTPSERVER_EVENT_ERROR: i32 = 9;
/// OFTPServer event `Log` (params: `pier_oftpserver_log_params`): Fired for log lines at or under LogLevel (LogType "Info" or "OFTP").
pub const PIER_OFTPSERVER_EVENT_LOG: i32 = 10;
/// OFTPServer event `PITrail` (params: `pier_oftpserver_pitrail_params`): Fired for every command sent and received: the raw Exchange Buffer, its command octet and name.
pub const PIER_OFTPSERVER_EVENT_PITRAIL: i32 = 11;
/// OFTPServer event `ReadyToSend` (params: `pier_oftpserver_readytosend_params`): Fired when the client hands the server the turn to speak (its CD): SendFile may be called.
pub const PIER_OFTPSERVER_EVENT_READYTOSEND: i32 = 12;
/// OFTPServer event `SSLClientAuthentication` (params: `pier_oftpserver_sslclientauthentication_params`): Fired when the client presents its certificate; Accept is writable.
pub const PIER_OFTPSERVER_EVENT_SSLCLIENTAUTHENTICATION: i32 = 13;
/// OFTPServer event `SSLConnectionRequest` (params: `pier_oftpserver_sslconnectionrequest_params`): Fired when a TLS ClientHello arrives; the certificate fields are writable.
pub const PIER_OFTPSERVER_EVENT_SSLCONNECTIONREQUEST: i32 = 14;
/// OFTPServer event `SSLStatus` (params: `pier_oftpserver_sslstatus_params`): Fired with TLS handshake progress messages.
pub const PIER_OFTPSERVER_EVENT_SSLSTATUS: i32 = 15;
/// OFTPServer event `StartTransfer` (params: `pier_oftpserver_starttransfer_params`): Fired when a file starts to be received or sent; LocalFile is writable.
pub const PIER_OFTPSERVER_EVENT_STARTTRANSFER: i32 = 16;
/// OFTPServer event `Transfer` (params: `pier_oftpserver_transfer_params`): Fired as file data is received or sent: BytesTransferred so far, and the data.
pub const PIER_OFTPSERVER_EVENT_TRANSFER: i32 = 17;
