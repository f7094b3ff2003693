//! Signed write-back: a practitioner signs a prescription, letter or lab report for one
//! patient, hands it to the patient by QR code, and the patient's vault stores it as verified.
//!
//! # Format (signed record, QR prefix `CR1:`, frames `CF1:` when large)
//!
//! The signed envelope of [`super::envelope`] with magic `0xC5`.
//!
//! **Version 2** (written now). The signed bytes are a CBOR map:
//!
//! ```text
//! 0 "carnet.signed-record.v2"   1 signing time (Unix seconds)
//! 2 the record's id (16 random bytes, chosen by the signer: the record's id in every vault)
//! 3 SHA-256 of the certificate chain as carried (each DER, length-prefixed)
//! 4 the record's kind ("prescription", "letter", "lab_report", …)
//! 5 the patient: map 0 SHA-256("carnet.patient.v2" || the name's words, folded and sorted ||
//!   the birth date), 1 (optional) SHA-256("carnet.patient.ins.v2" || salt || INS)
//! 6 the digests of the record's parts ([`super::parts`])
//! ```
//!
//! The envelope carries the parts themselves (key 3) and the INS digest's salt (key 4). The
//! record is bound to its patient: an import into a profile with another name and birth date
//! (or another INS, when both have one) is refused, and so is a second import of the same id.
//! The doctor's device can check a shared item against the parts it shows without seeing the
//! others, and sees the patient's name and birth date digest, never the INS or its salt.
//!
//! **Version 1** (read only): signed bytes `0 "carnet.signed-record.v1", 1 signing time,
//! 2 the body as JSON, 3 the chain hash`. Its signature still verifies, but it names no patient
//! and no id: such a record is stored marked "not bound to a patient", and a share cannot prove
//! it to a doctor.
//!
//! The signature covers the exact bytes carried, so nothing is re-encoded before checking
//! (no canonicalisation to get wrong). Binding the chain into what is signed means no byte of
//! the record, certificates included, can change after signing. The chain must verify at the
//! signing time: a certificate that had expired when it signed is refused. Signing sits behind
//! [`Signer`], so a smart card (CPS) or a platform key can do it; [`SoftwareSigner`] holds a
//! PKCS#8 key for the CLI and tests.

use super::{SignedRecordError, TrustStore, VerifiedPractitioner, envelope, parts};
use crate::crypto::digest::Hasher;
use crate::crypto::{ecdsa, random};
use crate::model::{Ins, Profile, RecordBody, RecordId, RecordKind, fold};
use crate::time;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use minicbor::bytes::ByteArray;
use minicbor::{Decode, Encode};
use std::fmt;
use std::str::FromStr;

const MAGIC: u8 = 0xC5;
const VERSION_1: u8 = 1;
const VERSION_2: u8 = 2;
const DOMAIN_V1: &str = "carnet.signed-record.v1";
const DOMAIN_V2: &str = "carnet.signed-record.v2";
/// How far in the future a signing time may be (clocks differ between devices).
const CLOCK_SKEW: TimeDelta = TimeDelta::minutes(10);

/// Something that can sign as a practitioner: a CPS smart card, a platform key, or a
/// software key. Implementations must not call back into the vault.
pub trait Signer: Send + Sync {
    /// The practitioner's certificate first, then intermediates (DER).
    fn certificate_chain(&self) -> Vec<Vec<u8>>;
    /// An ECDSA P-256 / SHA-256 signature over `message`, as 64 bytes (r || s).
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignedRecordError>;
}

/// A signer holding a PKCS#8 P-256 key in memory, for the desktop program and tests.
pub struct SoftwareSigner {
    key: ecdsa::SigningKey,
    chain: Vec<Vec<u8>>,
}

impl fmt::Debug for SoftwareSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SoftwareSigner(<redacted>)")
    }
}

impl SoftwareSigner {
    /// From a PKCS#8 DER or PEM key and the certificate chain.
    pub fn new(pkcs8: &[u8], chain: Vec<Vec<u8>>) -> Result<Self, SignedRecordError> {
        let key = ecdsa::SigningKey::from_pkcs8(pkcs8)
            .map_err(|_| SignedRecordError::Signer("not a PKCS#8 P-256 private key".into()))?;
        Ok(Self { key, chain })
    }
}

impl Signer for SoftwareSigner {
    fn certificate_chain(&self) -> Vec<Vec<u8>> {
        self.chain.clone()
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignedRecordError> {
        Ok(self.key.sign(message).to_vec())
    }
}

#[derive(Encode, Decode)]
#[cbor(map)]
struct SignedV1 {
    #[n(0)]
    domain: String,
    #[n(1)]
    signed_at: i64,
    #[cbor(n(2), with = "minicbor::bytes")]
    body: Vec<u8>,
    #[cbor(n(3), with = "minicbor::bytes")]
    chain_hash: [u8; 32],
}

#[derive(Encode, Decode, Clone, Debug, PartialEq, Eq)]
#[cbor(map)]
struct PatientDigests {
    #[n(0)]
    name_birth: ByteArray<32>,
    #[n(1)]
    ins: Option<ByteArray<32>>,
}

#[derive(Encode, Decode)]
#[cbor(map)]
struct SignedV2 {
    #[n(0)]
    domain: String,
    #[n(1)]
    signed_at: i64,
    #[n(2)]
    record_id: ByteArray<16>,
    #[n(3)]
    chain_hash: ByteArray<32>,
    #[n(4)]
    kind: String,
    #[n(5)]
    patient: PatientDigests,
    #[n(6)]
    parts: Vec<ByteArray<32>>,
}

fn chain_hash(domain: &str, chain: &[Vec<u8>]) -> [u8; 32] {
    let mut h = Hasher::new(domain);
    for der in chain {
        h.update_with_length(der);
    }
    h.finalize()
}

/// The patient a record is signed for, as the practitioner's device knows them: from the
/// share it read, or typed.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, PartialEq, Eq)]
pub struct Patient {
    pub name: String,
    pub birth_date: NaiveDate,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub ins: Option<Ins>,
}

impl fmt::Debug for Patient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Patient(<redacted>)")
    }
}

impl Patient {
    pub fn of(profile: &Profile) -> Self {
        Self {
            name: profile.display_name.clone(),
            birth_date: profile.birth_date,
            ins: profile.ins.clone(),
        }
    }
}

/// The digest a version 2 record binds its patient's name and birth date with. The name's
/// words are folded (case and accents) and sorted, so "MARTIN Camille" is "Camille Martin".
pub fn name_birth_digest(name: &str, birth_date: NaiveDate) -> [u8; 32] {
    let folded = fold(name);
    let mut words: Vec<&str> = folded.split_whitespace().collect();
    words.sort_unstable();
    let mut h = Hasher::new("carnet.patient.v2");
    h.update_with_length(words.join(" ").as_bytes())
        .update(time::format_date(birth_date).as_bytes());
    h.finalize()
}

fn ins_digest(salt: &[u8; 16], ins: &Ins) -> [u8; 32] {
    let mut h = Hasher::new("carnet.patient.ins.v2");
    h.update(salt).update(ins.as_str().as_bytes());
    h.finalize()
}

/// A signature from a platform key (a smart card, the Android Keystore, the Secure Enclave) in
/// the 64-byte r || s form that Carnet's formats carry. Platforms give either that form
/// (CryptoKit, Java's P1363 format) or DER (the Android Keystore, `SecKeyCreateSignature`, the
/// JDK's default); the `p256` crate parses both.
pub fn platform_signature(signature: &[u8]) -> Result<Vec<u8>, SignedRecordError> {
    ecdsa::normalize_signature(signature)
        .map(|s| s.to_vec())
        .map_err(|_| {
            SignedRecordError::Signer(
                "the signer's output is not an ECDSA P-256 signature (DER or 64 bytes r || s)"
                    .into(),
            )
        })
}

/// Signs `body` for `patient` at `signed_at` (format version 2); returns the signed record's
/// bytes. The record gets a fresh random id.
pub fn sign_record(
    body: &RecordBody,
    patient: &Patient,
    signer: &dyn Signer,
    signed_at: DateTime<Utc>,
) -> Result<Vec<u8>, SignedRecordError> {
    body.validate()
        .map_err(|_| SignedRecordError::Malformed("the record is not valid"))?;
    if patient.name.trim().is_empty() {
        return Err(SignedRecordError::Malformed("the patient has no name"));
    }
    let record_parts = parts::split(body)?;
    let chain = signer.certificate_chain();
    let salt: Option<[u8; 16]> = patient.ins.as_ref().map(|_| random::bytes());
    let signed = minicbor::to_vec(SignedV2 {
        domain: DOMAIN_V2.into(),
        signed_at: time::unix(signed_at),
        record_id: ByteArray::from(*RecordId::random().as_bytes()),
        chain_hash: ByteArray::from(chain_hash(DOMAIN_V2, &chain)),
        kind: body.kind().as_str().into(),
        patient: PatientDigests {
            name_birth: ByteArray::from(name_birth_digest(&patient.name, patient.birth_date)),
            ins: match (&patient.ins, &salt) {
                (Some(ins), Some(salt)) => Some(ByteArray::from(ins_digest(salt, ins))),
                _ => None,
            },
        },
        parts: record_parts
            .iter()
            .map(|p| ByteArray::from(parts::digest(p)))
            .collect(),
    })
    .map_err(|_| SignedRecordError::Malformed("encoding"))?;
    let signature = signer.sign(&signed)?;
    envelope::seal(
        MAGIC,
        VERSION_2,
        signed,
        chain,
        signature,
        envelope::Extras {
            parts: Some(record_parts),
            salt,
        },
    )
}

/// Signs `body` in the old format, version 1, which names no patient: only for the frozen
/// test vectors that every later version must still read.
#[cfg(any(test, feature = "test-support"))]
pub fn sign_record_v1(
    body: &RecordBody,
    signer: &dyn Signer,
    signed_at: DateTime<Utc>,
) -> Result<Vec<u8>, SignedRecordError> {
    let chain = signer.certificate_chain();
    let signed = minicbor::to_vec(SignedV1 {
        domain: DOMAIN_V1.into(),
        signed_at: time::unix(signed_at),
        body: serde_json::to_vec(body)
            .map_err(|_| SignedRecordError::Malformed("record encoding"))?,
        chain_hash: chain_hash(DOMAIN_V1, &chain),
    })
    .map_err(|_| SignedRecordError::Malformed("encoding"))?;
    let signature = signer.sign(&signed)?;
    envelope::seal(
        MAGIC,
        VERSION_1,
        signed,
        chain,
        signature,
        Default::default(),
    )
}

/// Whom a version 2 record is for: the digests it was signed with, and the INS digest's salt.
#[derive(Clone, PartialEq, Eq)]
pub struct PatientBinding {
    pub name_birth: [u8; 32],
    pub ins: Option<([u8; 32], [u8; 16])>,
}

impl fmt::Debug for PatientBinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PatientBinding(<redacted>)")
    }
}

impl PatientBinding {
    /// Whether the record is for the person of `profile`: the same name and birth date, and
    /// the same INS when both the record and the profile have one.
    pub fn is_for(&self, profile: &Profile) -> bool {
        if self.name_birth != name_birth_digest(&profile.display_name, profile.birth_date) {
            return false;
        }
        match (&self.ins, &profile.ins) {
            (Some((digest, salt)), Some(ins)) => *digest == ins_digest(salt, ins),
            _ => true,
        }
    }
}

/// What a signed record says beyond its content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedFacts {
    /// The format version (1 or 2).
    pub version: u8,
    pub signed_at: DateTime<Utc>,
    /// The record's id (version 2); none in version 1.
    pub record_id: Option<RecordId>,
    /// Whom it is for (version 2); none in version 1.
    pub patient: Option<PatientBinding>,
}

/// A signed record that verified: its content, who signed it and when, and the anchor.
#[derive(Clone, Debug, PartialEq)]
pub struct VerifiedRecord {
    pub body: RecordBody,
    pub practitioner: VerifiedPractitioner,
    pub facts: SignedFacts,
}

/// What could be read of a signed record whose chain did not verify: the content and who
/// claims to have signed it, to store as unverified if the patient's policy allows.
#[derive(Clone, Debug, PartialEq)]
pub struct UnverifiedRecord {
    pub body: RecordBody,
    pub claimed_signer: String,
    pub facts: SignedFacts,
    pub reason: SignedRecordError,
}

/// Checks a signed record: its signature over the carried bytes by the practitioner's key, and
/// the chain up to an anchor at the signing time. `now` bounds the signing time.
pub fn verify_record(
    bytes: &[u8],
    store: &TrustStore,
    now: DateTime<Utc>,
) -> Result<VerifiedRecord, SignedRecordError> {
    match read(bytes, store, now)? {
        Ok(v) => Ok(v),
        Err(u) => Err(u.reason),
    }
}

/// The content of a version 1 record's signed bytes.
fn read_v1(
    signed_bytes: &[u8],
    chain: &[Vec<u8>],
) -> Result<(RecordBody, SignedFacts), SignedRecordError> {
    let signed: SignedV1 = minicbor::decode(signed_bytes)
        .map_err(|_| SignedRecordError::Malformed("signed content"))?;
    if signed.domain != DOMAIN_V1 {
        return Err(SignedRecordError::Malformed("not a signed record"));
    }
    if signed.chain_hash != chain_hash(DOMAIN_V1, chain) {
        return Err(SignedRecordError::BadSignature);
    }
    let body: RecordBody =
        serde_json::from_slice(&signed.body).map_err(|_| SignedRecordError::Malformed("record"))?;
    let signed_at =
        time::from_unix(signed.signed_at).ok_or(SignedRecordError::Malformed("signing time"))?;
    Ok((
        body,
        SignedFacts {
            version: VERSION_1,
            signed_at,
            record_id: None,
            patient: None,
        },
    ))
}

/// What the signed bytes of a version 2 record say, before its parts are read.
pub(crate) struct SignedContents {
    pub kind: RecordKind,
    pub signed_at: DateTime<Utc>,
    pub record_id: RecordId,
    pub name_birth: [u8; 32],
    pub ins_digest: Option<[u8; 32]>,
    pub part_digests: Vec<[u8; 32]>,
}

/// Reads the signed bytes of a version 2 record, whose certificate `chain` (as carried) they
/// must bind.
pub(crate) fn signed_contents(
    signed: &[u8],
    chain: &[Vec<u8>],
) -> Result<SignedContents, SignedRecordError> {
    let (decoded, contents) = decode_v2(signed)?;
    if *decoded.chain_hash != chain_hash(DOMAIN_V2, chain) {
        return Err(SignedRecordError::BadSignature);
    }
    Ok(contents)
}

/// Reads the signed bytes of a version 2 record without checking the chain they bind: only
/// for a reader who lacks part of the chain, and so can never call its signer verified.
pub(crate) fn signed_contents_unbound(signed: &[u8]) -> Result<SignedContents, SignedRecordError> {
    decode_v2(signed).map(|(_, contents)| contents)
}

fn decode_v2(signed: &[u8]) -> Result<(SignedV2, SignedContents), SignedRecordError> {
    let signed: SignedV2 =
        minicbor::decode(signed).map_err(|_| SignedRecordError::Malformed("signed content"))?;
    if signed.domain != DOMAIN_V2 {
        return Err(SignedRecordError::Malformed("not a signed record"));
    }
    if signed.parts.is_empty() || signed.parts.len() > parts::MAX_PARTS {
        return Err(SignedRecordError::Malformed("record parts"));
    }
    let contents = SignedContents {
        kind: RecordKind::from_str(&signed.kind)
            .map_err(|_| SignedRecordError::Malformed("record kind"))?,
        signed_at: time::from_unix(signed.signed_at)
            .ok_or(SignedRecordError::Malformed("signing time"))?,
        record_id: RecordId::from_bytes(*signed.record_id),
        name_birth: *signed.patient.name_birth,
        ins_digest: signed.patient.ins.map(|d| *d),
        part_digests: signed.parts.iter().map(|d| **d).collect(),
    };
    Ok((signed, contents))
}

/// The content of a version 2 record: its signed bytes, and the parts and salt beside them.
fn read_v2(opened: &envelope::Opened) -> Result<(RecordBody, SignedFacts), SignedRecordError> {
    let contents = signed_contents(&opened.signed, &opened.chain)?;
    let carried = opened
        .extras
        .parts
        .as_deref()
        .ok_or(SignedRecordError::Malformed("record parts missing"))?;
    // Every part carried is the part signed: the body is made of authenticated bytes only.
    let digests: Vec<[u8; 32]> = carried.iter().map(|p| parts::digest(p)).collect();
    if digests != contents.part_digests {
        return Err(SignedRecordError::BadSignature);
    }
    let body = parts::join(contents.kind, carried)?;
    let ins = match (contents.ins_digest, opened.extras.salt) {
        (Some(digest), Some(salt)) => Some((digest, salt)),
        (None, _) => None,
        (Some(_), None) => return Err(SignedRecordError::Malformed("INS salt missing")),
    };
    Ok((
        body,
        SignedFacts {
            version: VERSION_2,
            signed_at: contents.signed_at,
            record_id: Some(contents.record_id),
            patient: Some(PatientBinding {
                name_birth: contents.name_birth,
                ins,
            }),
        },
    ))
}

/// Opens a signed record's envelope (its signature checked by its own certificate), for
/// [`super::proof`].
pub(crate) fn open_envelope(bytes: &[u8]) -> Result<envelope::Opened, SignedRecordError> {
    envelope::open(bytes, MAGIC, VERSION_2, "envelope")
}

/// How far in the future a signing time may be, for readers of proofs.
pub(crate) fn latest_signing_time(now: DateTime<Utc>) -> DateTime<Utc> {
    now.checked_add_signed(CLOCK_SKEW).unwrap_or(now)
}

/// Like [`verify_record`], but a record that is well formed and whose signature matches its own
/// certificate is returned as [`UnverifiedRecord`] when the chain fails (unknown anchor,
/// expired certificate…), so the caller can apply its policy. A modified record is never
/// returned at all.
pub fn read(
    bytes: &[u8],
    store: &TrustStore,
    now: DateTime<Utc>,
) -> Result<Result<VerifiedRecord, UnverifiedRecord>, SignedRecordError> {
    // The signature must match the certificate it carries before anything else is believed.
    let opened = open_envelope(bytes)?;
    let (body, facts) = match opened.version {
        VERSION_1 => read_v1(&opened.signed, &opened.chain)?,
        _ => read_v2(&opened)?,
    };
    if facts.signed_at > latest_signing_time(now) {
        return Err(SignedRecordError::SignedInTheFuture);
    }
    body.validate()
        .map_err(|_| SignedRecordError::Malformed("record"))?;
    match store.verify(&opened.chain, facts.signed_at) {
        Ok(practitioner) => Ok(Ok(VerifiedRecord {
            body,
            practitioner,
            facts,
        })),
        Err(e) => Ok(Err(UnverifiedRecord {
            body,
            claimed_signer: super::claimed_identity(&opened.chain),
            facts,
            reason: SignedRecordError::Chain(e),
        })),
    }
}

/// The words of a practitioner's name that identify them: folded, titles dropped, sorted.
fn name_words(name: &str) -> Vec<String> {
    const TITLES: [&str; 6] = ["dr", "dr.", "docteur", "pr", "pr.", "professeur"];
    let mut words: Vec<String> = fold(name)
        .split_whitespace()
        .filter(|w| !TITLES.contains(w))
        .map(str::to_owned)
        .collect();
    words.sort_unstable();
    words
}

/// Whether the practitioner a body names (a prescription's prescriber, a letter's author, an
/// immunisation's practitioner) is the one who signed it: the same RPPS when the body gives
/// one, else the same name. A body that names nobody (a lab report, an allergy) passes.
pub fn names_signer(body: &RecordBody, signer: &super::PractitionerIdentity) -> bool {
    let (name, rpps) = match body {
        RecordBody::Prescription(p) => {
            (Some(p.prescriber.name.as_str()), p.prescriber.rpps.as_ref())
        }
        RecordBody::Letter(l) => (Some(l.author.as_str()), None),
        RecordBody::Immunisation(i) => (i.administered_by.as_deref(), None),
        _ => (None, None),
    };
    match (rpps, &signer.rpps) {
        (Some(named), Some(signing)) => named == signing,
        (Some(_), None) => false,
        (None, _) => name.is_none_or(|n| name_words(n) == name_words(&signer.display_name)),
    }
}
