//! Reason codes of ESID (RFC 5024 §5.3.11, RFC 2204 §5.3.11), SFNA (§5.3.5),
//! EFNA (§5.3.10) and NERP (RFC 5024 §5.3.14), with every code of both RFCs,
//! the level that introduced it, and the RFC's text.
//!
//! Each enum keeps an `Other(n)` variant for a well-formed two-digit code that
//! no RFC defines: RFC 5024 §8.2 asks implementations to be "liberal in what is
//! accepted", and a peer's unknown reason still ends the session, refuses the
//! file, etc. The codec never *sends* a code above the negotiated level:
//! [`SfnaReason::for_level`] and its siblings fold such a code into 99.

use super::Level;

macro_rules! reason_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal, $since:ident, $text:literal; )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A two-digit code that neither RFC defines, kept as received.
            Other(u8),
        }

        impl $name {
            /// Every code either RFC defines, in code order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The reason for a two-digit code (0–99); `None` above 99.
            pub fn from_code(code: u8) -> Option<Self> {
                match code {
                    $( $code => Some($name::$variant), )*
                    c if c <= 99 => Some($name::Other(c)),
                    _ => None,
                }
            }

            /// The two-digit code on the wire.
            pub fn code(self) -> u8 {
                match self {
                    $( $name::$variant => $code, )*
                    $name::Other(c) => c,
                }
            }

            /// The RFC's text for this code ("Unknown reason" for `Other`).
            pub fn text(self) -> &'static str {
                match self {
                    $( $name::$variant => $text, )*
                    $name::Other(_) => "Unknown reason",
                }
            }

            /// The first protocol level that defines this code (`None` for
            /// `Other`).
            pub fn since(self) -> Option<Level> {
                match self {
                    $( $name::$variant => Some(Level::$since), )*
                    $name::Other(_) => None,
                }
            }

            /// This code if `level` defines it, else the level's "unspecified"
            /// code 99: what may be sent at `level`.
            pub fn for_level(self, level: Level) -> Self {
                match self.since() {
                    Some(since) if since <= level => self,
                    _ => $name::UNSPECIFIED,
                }
            }
        }
    };
}

reason_enum! {
    /// ESID reason codes (RFC 5024 §5.3.11; 00–10 and 99 are RFC 2204's too).
    EsidReason {
        /// '00' Normal session termination.
        NormalTermination = 0, V12, "Normal session termination";
        /// '01' An Exchange Buffer contains an invalid command code.
        CommandNotRecognised = 1, V12, "Command not recognised";
        /// '02' An Exchange Buffer contains an invalid command for the
        /// current state of the receiver.
        ProtocolViolation = 2, V12, "Protocol violation";
        /// '03' SSID contains an unknown or invalid Identification Code.
        UserCodeNotKnown = 3, V12, "User code not known";
        /// '04' SSID contained an invalid password.
        InvalidPassword = 4, V12, "Invalid password";
        /// '05' The local site has entered an emergency close down mode.
        LocalSiteEmergencyCloseDown = 5, V12, "Local site emergency close down";
        /// '06' A field within a Command Exchange Buffer contains invalid data.
        CommandContainedInvalidData = 6, V12, "Command contained invalid data";
        /// '07' The length given by the STH differs from the length implied by
        /// the command code.
        ExchangeBufferSizeError = 7, V12, "Exchange Buffer size error";
        /// '08' Connection denied due to a resource shortage; retry later.
        ResourcesNotAvailable = 8, V12, "Resources not available";
        /// '09' Time out.
        TimeOut = 9, V12, "Time out";
        /// '10' Mode or capabilities incompatible.
        ModeOrCapabilitiesIncompatible = 10, V12, "Mode or capabilities incompatible";
        /// '11' Invalid challenge response (2.0, secure authentication).
        InvalidChallengeResponse = 11, V20, "Invalid challenge response";
        /// '12' Secure authentication requirements incompatible (2.0).
        SecureAuthenticationRequirementsIncompatible = 12, V20,
            "Secure authentication requirements incompatible";
        /// '99' An error was detected for which no specific code is defined.
        UnspecifiedAbortCode = 99, V12, "Unspecified Abort code";
    }
}

impl EsidReason {
    const UNSPECIFIED: EsidReason = EsidReason::UnspecifiedAbortCode;
}

reason_enum! {
    /// SFNA answer reasons (RFC 5024 §5.3.5; RFC 2204 has 01–13 and 99; 14
    /// came with 1.4, RFC 5024 §1.2; 15–20 with 2.0).
    SfnaReason {
        /// '01' Invalid filename.
        InvalidFilename = 1, V12, "Invalid filename";
        /// '02' Invalid destination.
        InvalidDestination = 2, V12, "Invalid destination";
        /// '03' Invalid origin.
        InvalidOrigin = 3, V12, "Invalid origin";
        /// '04' Storage record format not supported.
        StorageRecordFormatNotSupported = 4, V12, "Storage record format not supported";
        /// '05' Maximum record length not supported.
        MaximumRecordLengthNotSupported = 5, V12, "Maximum record length not supported";
        /// '06' File size is too big.
        FileSizeTooBig = 6, V12, "File size is too big";
        /// '10' Invalid record count.
        InvalidRecordCount = 10, V12, "Invalid record count";
        /// '11' Invalid byte count.
        InvalidByteCount = 11, V12, "Invalid byte count";
        /// '12' Access method failure.
        AccessMethodFailure = 12, V12, "Access method failure";
        /// '13' Duplicate file.
        DuplicateFile = 13, V12, "Duplicate file";
        /// '14' File direction refused (1.4).
        FileDirectionRefused = 14, V14, "File direction refused";
        /// '15' Cipher suite not supported (2.0).
        CipherSuiteNotSupported = 15, V20, "Cipher suite not supported";
        /// '16' Encrypted file not allowed (2.0).
        EncryptedFileNotAllowed = 16, V20, "Encrypted file not allowed";
        /// '17' Unencrypted file not allowed (2.0).
        UnencryptedFileNotAllowed = 17, V20, "Unencrypted file not allowed";
        /// '18' Compression not allowed (2.0).
        CompressionNotAllowed = 18, V20, "Compression not allowed";
        /// '19' Signed file not allowed (2.0).
        SignedFileNotAllowed = 19, V20, "Signed file not allowed";
        /// '20' Unsigned file not allowed (2.0).
        UnsignedFileNotAllowed = 20, V20, "Unsigned file not allowed";
        /// '99' Unspecified reason.
        UnspecifiedReason = 99, V12, "Unspecified reason";
    }
}

impl SfnaReason {
    const UNSPECIFIED: SfnaReason = SfnaReason::UnspecifiedReason;
}

reason_enum! {
    /// EFNA answer reasons (RFC 5024 §5.3.10): SFNA's list plus 21–23.
    /// RFC 2204 §5.3.10 has 01–13 and 99; 14 came with 1.4.
    EfnaReason {
        /// '01' Invalid filename.
        InvalidFilename = 1, V12, "Invalid filename";
        /// '02' Invalid destination.
        InvalidDestination = 2, V12, "Invalid destination";
        /// '03' Invalid origin.
        InvalidOrigin = 3, V12, "Invalid origin";
        /// '04' Storage record format not supported.
        StorageRecordFormatNotSupported = 4, V12, "Storage record format not supported";
        /// '05' Maximum record length not supported.
        MaximumRecordLengthNotSupported = 5, V12, "Maximum record length not supported";
        /// '06' File size is too big.
        FileSizeTooBig = 6, V12, "File size is too big";
        /// '10' Invalid record count.
        InvalidRecordCount = 10, V12, "Invalid record count";
        /// '11' Invalid byte count.
        InvalidByteCount = 11, V12, "Invalid byte count";
        /// '12' Access method failure.
        AccessMethodFailure = 12, V12, "Access method failure";
        /// '13' Duplicate file.
        DuplicateFile = 13, V12, "Duplicate file";
        /// '14' File direction refused (1.4).
        FileDirectionRefused = 14, V14, "File direction refused";
        /// '15' Cipher suite not supported (2.0).
        CipherSuiteNotSupported = 15, V20, "Cipher suite not supported";
        /// '16' Encrypted file not allowed (2.0).
        EncryptedFileNotAllowed = 16, V20, "Encrypted file not allowed";
        /// '17' Unencrypted file not allowed (2.0).
        UnencryptedFileNotAllowed = 17, V20, "Unencrypted file not allowed";
        /// '18' Compression not allowed (2.0).
        CompressionNotAllowed = 18, V20, "Compression not allowed";
        /// '19' Signed file not allowed (2.0).
        SignedFileNotAllowed = 19, V20, "Signed file not allowed";
        /// '20' Unsigned file not allowed (2.0).
        UnsignedFileNotAllowed = 20, V20, "Unsigned file not allowed";
        /// '21' Invalid file signature (2.0).
        InvalidFileSignature = 21, V20, "Invalid file signature";
        /// '22' File decryption failure (2.0).
        FileDecryptionFailure = 22, V20, "File decryption failure";
        /// '23' File decompression failure (2.0).
        FileDecompressionFailure = 23, V20, "File decompression failure";
        /// '99' Unspecified reason.
        UnspecifiedReason = 99, V12, "Unspecified reason";
    }
}

impl EfnaReason {
    const UNSPECIFIED: EfnaReason = EfnaReason::UnspecifiedReason;
}

reason_enum! {
    /// NERP reason codes (RFC 5024 §5.3.14). NERP itself came with 1.4 (RFC
    /// 5024 §1.2); RFC 5024 prints only the 2.0 list, so every code is marked
    /// as 1.4's except those naming a 2.0-only cause (SFNA 15–20, signature,
    /// decompression, decryption).
    NerpReason {
        /// '03' ESID received with reason code 03 (user code not known).
        EsidUserCodeNotKnown = 3, V14, "ESID received with reason code 03 (user code not known)";
        /// '04' ESID received with reason code 04 (invalid password).
        EsidInvalidPassword = 4, V14, "ESID received with reason code 04 (invalid password)";
        /// '09' ESID received with reason code 99 (unspecified reason).
        EsidUnspecifiedReason = 9, V14, "ESID received with reason code 99 (unspecified reason)";
        /// '11' SFNA(RETRY=N) received with reason code 01 (invalid file name).
        SfnaInvalidFilename = 11, V14, "SFNA(RETRY=N) received with reason code 01 (invalid file name)";
        /// '12' SFNA(RETRY=N) received with reason code 02 (invalid destination).
        SfnaInvalidDestination = 12, V14, "SFNA(RETRY=N) received with reason code 02 (invalid destination)";
        /// '13' SFNA(RETRY=N) received with reason code 03 (invalid origin).
        SfnaInvalidOrigin = 13, V14, "SFNA(RETRY=N) received with reason code 03 (invalid origin)";
        /// '14' SFNA(RETRY=N) received with reason code 04 (invalid storage
        /// record format).
        SfnaInvalidStorageRecordFormat = 14, V14,
            "SFNA(RETRY=N) received with reason code 04 (invalid storage record format)";
        /// '15' SFNA(RETRY=N) received with reason code 05 (maximum record
        /// length not supported).
        SfnaMaximumRecordLengthNotSupported = 15, V14,
            "SFNA(RETRY=N) received with reason code 05 (maximum record length not supported)";
        /// '16' SFNA(RETRY=N) received with reason code 06 (file size too big).
        SfnaFileSizeTooBig = 16, V14, "SFNA(RETRY=N) received with reason code 06 (file size too big)";
        /// '20' SFNA(RETRY=N) received with reason code 10 (invalid record count).
        SfnaInvalidRecordCount = 20, V14, "SFNA(RETRY=N) received with reason code 10 (invalid record count)";
        /// '21' SFNA(RETRY=N) received with reason code 11 (invalid byte count).
        SfnaInvalidByteCount = 21, V14, "SFNA(RETRY=N) received with reason code 11 (invalid byte count)";
        /// '22' SFNA(RETRY=N) received with reason code 12 (access method failure).
        SfnaAccessMethodFailure = 22, V14, "SFNA(RETRY=N) received with reason code 12 (access method failure)";
        /// '23' SFNA(RETRY=N) received with reason code 13 (duplicate file).
        SfnaDuplicateFile = 23, V14, "SFNA(RETRY=N) received with reason code 13 (duplicate file)";
        /// '24' SFNA(RETRY=N) received with reason code 14 (file direction refused).
        SfnaFileDirectionRefused = 24, V14, "SFNA(RETRY=N) received with reason code 14 (file direction refused)";
        /// '25' SFNA(RETRY=N) received with reason code 15 (cipher suite not supported).
        SfnaCipherSuiteNotSupported = 25, V20,
            "SFNA(RETRY=N) received with reason code 15 (cipher suite not supported)";
        /// '26' SFNA(RETRY=N) received with reason code 16 (encrypted file not allowed).
        SfnaEncryptedFileNotAllowed = 26, V20,
            "SFNA(RETRY=N) received with reason code 16 (encrypted file not allowed)";
        /// '27' SFNA(RETRY=N) received with reason code 17 (unencrypted file not allowed).
        SfnaUnencryptedFileNotAllowed = 27, V20,
            "SFNA(RETRY=N) received with reason code 17 (unencrypted file not allowed)";
        /// '28' SFNA(RETRY=N) received with reason code 18 (compression not allowed).
        SfnaCompressionNotAllowed = 28, V20, "SFNA(RETRY=N) received with reason code 18 (compression not allowed)";
        /// '29' SFNA(RETRY=N) received with reason code 19 (signed file not allowed).
        SfnaSignedFileNotAllowed = 29, V20, "SFNA(RETRY=N) received with reason code 19 (signed file not allowed)";
        /// '30' SFNA(RETRY=N) received with reason code 20 (unsigned file not allowed).
        SfnaUnsignedFileNotAllowed = 30, V20,
            "SFNA(RETRY=N) received with reason code 20 (unsigned file not allowed)";
        /// '31' File signature not valid.
        FileSignatureNotValid = 31, V20, "File signature not valid";
        /// '32' File decompression failed.
        FileDecompressionFailed = 32, V20, "File decompression failed";
        /// '33' File decryption failed.
        FileDecryptionFailed = 33, V20, "File decryption failed";
        /// '34' File processing failed.
        FileProcessingFailed = 34, V14, "File processing failed";
        /// '35' Not delivered to recipient.
        NotDeliveredToRecipient = 35, V14, "Not delivered to recipient";
        /// '36' Not acknowledged by recipient.
        NotAcknowledgedByRecipient = 36, V14, "Not acknowledged by recipient";
        /// '50' Transmission stopped by the operator.
        TransmissionStoppedByTheOperator = 50, V14, "Transmission stopped by the operator";
        /// '90' File size incompatible with recipient's protocol version.
        FileSizeIncompatible = 90, V14, "File size incompatible with recipient's protocol version";
        /// '99' Unspecified reason.
        UnspecifiedReason = 99, V14, "Unspecified reason";
    }
}

impl NerpReason {
    const UNSPECIFIED: NerpReason = NerpReason::UnspecifiedReason;

    /// The NERP reason for a received SFNA with Retry = N or an EFNA (RFC
    /// 5024 §5.3.14: "SFNA(RETRY=N) … should be interpreted as EFNA or
    /// SFNA(RETRY=N)"): 01–06 map to 11–16, 10–20 to 20–30, others to 99.
    pub fn from_refusal(code: u8) -> NerpReason {
        let nerp = match code {
            1..=6 => code + 10,
            10..=20 => code + 10,
            _ => 99,
        };
        NerpReason::from_code(nerp).unwrap_or(NerpReason::UnspecifiedReason)
    }

    /// The NERP reason for a received ESID (03 → 03, 04 → 04, 99 → 09, else
    /// 99), RFC 5024 §5.3.14.
    pub fn from_esid(reason: EsidReason) -> NerpReason {
        match reason {
            EsidReason::UserCodeNotKnown => NerpReason::EsidUserCodeNotKnown,
            EsidReason::InvalidPassword => NerpReason::EsidInvalidPassword,
            EsidReason::UnspecifiedAbortCode => NerpReason::EsidUnspecifiedReason,
            _ => NerpReason::UnspecifiedReason,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_code_round_trips_and_has_text() {
        fn check<T: Copy + PartialEq + std::fmt::Debug>(
            all: &[T],
            code: fn(T) -> u8,
            from: fn(u8) -> Option<T>,
            text: fn(T) -> &'static str,
        ) {
            for &r in all {
                assert_eq!(from(code(r)), Some(r));
                assert!(!text(r).is_empty() && text(r) != "Unknown reason", "{r:?}");
            }
        }
        check(EsidReason::ALL, EsidReason::code, EsidReason::from_code, EsidReason::text);
        check(SfnaReason::ALL, SfnaReason::code, SfnaReason::from_code, SfnaReason::text);
        check(EfnaReason::ALL, EfnaReason::code, EfnaReason::from_code, EfnaReason::text);
        check(NerpReason::ALL, NerpReason::code, NerpReason::from_code, NerpReason::text);
        // The counts of both RFCs: ESID 00–12 + 99, SFNA 17 + 99, EFNA 20 + 99,
        // NERP 28 + 99.
        assert_eq!(EsidReason::ALL.len(), 14);
        assert_eq!(SfnaReason::ALL.len(), 18);
        assert_eq!(EfnaReason::ALL.len(), 21);
        assert_eq!(NerpReason::ALL.len(), 29);
    }

    #[test]
    fn unknown_codes_are_kept_and_large_ones_refused() {
        assert_eq!(EsidReason::from_code(42), Some(EsidReason::Other(42)));
        assert_eq!(EsidReason::Other(42).code(), 42);
        assert_eq!(EsidReason::Other(42).since(), None);
        assert_eq!(SfnaReason::from_code(100), None);
    }

    #[test]
    fn texts_are_the_rfc_texts() {
        assert_eq!(EsidReason::ProtocolViolation.text(), "Protocol violation");
        assert_eq!(EsidReason::CommandContainedInvalidData.text(), "Command contained invalid data");
        assert_eq!(EsidReason::TimeOut.code(), 9);
        assert_eq!(SfnaReason::FileDirectionRefused.text(), "File direction refused");
        assert_eq!(EfnaReason::FileDecompressionFailure.code(), 23);
        assert_eq!(NerpReason::FileSizeIncompatible.code(), 90);
    }

    #[test]
    fn codes_above_the_level_fold_into_99() {
        assert_eq!(SfnaReason::FileDirectionRefused.for_level(Level::V13), SfnaReason::UnspecifiedReason);
        assert_eq!(SfnaReason::FileDirectionRefused.for_level(Level::V14), SfnaReason::FileDirectionRefused);
        assert_eq!(SfnaReason::CompressionNotAllowed.for_level(Level::V14), SfnaReason::UnspecifiedReason);
        assert_eq!(EsidReason::InvalidChallengeResponse.for_level(Level::V14), EsidReason::UnspecifiedAbortCode);
        assert_eq!(EfnaReason::Other(50).for_level(Level::V20), EfnaReason::UnspecifiedReason);
        assert_eq!(EsidReason::TimeOut.for_level(Level::V12), EsidReason::TimeOut);
    }

    #[test]
    fn nerp_reasons_follow_the_refusal_that_caused_them() {
        assert_eq!(NerpReason::from_refusal(1), NerpReason::SfnaInvalidFilename);
        assert_eq!(NerpReason::from_refusal(6), NerpReason::SfnaFileSizeTooBig);
        assert_eq!(NerpReason::from_refusal(13), NerpReason::SfnaDuplicateFile);
        assert_eq!(NerpReason::from_refusal(20), NerpReason::SfnaUnsignedFileNotAllowed);
        assert_eq!(NerpReason::from_refusal(21), NerpReason::UnspecifiedReason);
        assert_eq!(NerpReason::from_esid(EsidReason::UnspecifiedAbortCode), NerpReason::EsidUnspecifiedReason);
        assert_eq!(NerpReason::from_esid(EsidReason::InvalidPassword), NerpReason::EsidInvalidPassword);
        assert_eq!(NerpReason::from_esid(EsidReason::TimeOut), NerpReason::UnspecifiedReason);
    }
}
