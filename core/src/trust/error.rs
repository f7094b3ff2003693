use thiserror::Error;

/// Why a certificate chain was refused: one reason each, as a person or a log can read it.
/// The position says which certificate: 0 is the practitioner's, then up toward the anchor.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ChainError {
    #[error("certificate {position} is malformed")]
    Malformed { position: usize },
    #[error("certificate {position} has expired")]
    Expired { position: usize },
    #[error("certificate {position} is not yet valid")]
    NotYetValid { position: usize },
    #[error("no trusted authority issued certificate {position}")]
    UnknownIssuer { position: usize },
    #[error("the signature on certificate {position} does not verify")]
    BadSignature { position: usize },
    #[error("certificate {position} signs others but is not a certification authority")]
    NotACa { position: usize },
    #[error("certificate {position} is not allowed this use (key usage)")]
    KeyUsage { position: usize },
    #[error("certificate {position} allows fewer intermediate authorities below it (path length)")]
    PathLength { position: usize },
    #[error("certificate {position} uses an algorithm or key size that is not allowed")]
    UnsupportedAlgorithm { position: usize },
    #[error("certificate {position} has a critical extension this reader does not enforce")]
    UnknownCriticalExtension { position: usize },
    #[error("the practitioner's certificate is a certification authority's, not a person's")]
    LeafIsCa,
    #[error(
        "the certificate is not meant for a person's signature (its extended key usages are for other uses)"
    )]
    ExtendedKeyUsage,
    #[error(
        "the certificate carries no policy or key usage that makes it a practitioner's (a server's or an organisation's?)"
    )]
    NotAPractitionerPolicy,
    #[error("the certificate names no RPPS: it is not a practitioner's")]
    NoRpps,
    #[error("certificate {position} was revoked by its authority")]
    Revoked { position: usize },
    #[error("the revocation list is malformed or not signed by a trusted authority")]
    BadCrl,
    #[error("the chain is longer than {max} certificates")]
    TooDeep { max: usize },
    #[error("the trust anchor is malformed")]
    BadAnchor,
}

/// Why signing or a signed record failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SignedRecordError {
    #[error("this is not a signed Carnet record")]
    NotASignedRecord,
    #[error("signed record format {0} is newer than this version reads")]
    UnsupportedVersion(u8),
    #[error("the signed record is malformed: {0}")]
    Malformed(&'static str),
    #[error(
        "the signature does not match the record and the certificate (modified after signing, or signed with another key)"
    )]
    BadSignature,
    #[error("the signing time is in the future")]
    SignedInTheFuture,
    #[error("the practitioner's certificate: {0}")]
    Chain(#[from] ChainError),
    #[error("the signer failed: {0}")]
    Signer(String),
}
