//! A signed record proved to a reader who sees only part of it: the doctor's device reads one
//! medication line of a share and checks, against its own trust store, that the cardiologist
//! signed exactly that line, for this patient, without seeing the prescription's other lines,
//! the letter's text or the patient's INS.
//!
//! A [`Proof`] is a version 2 signed record ([`super::signing`]) minus what is not shown: the
//! signed bytes (which hold the digest of every part, the record's id, its kind, the patient's
//! name-and-birth-date digest and the chain hash), the signature, the certificate chain as
//! signed, and the parts shown with their index. Version 1 records cannot be proved: their
//! signature covers the whole body at once and names no patient.
//!
//! [`check`] is what the reader runs: the signature by the chain's first certificate, the
//! chain hash, each shown part against its signed digest, then the chain against the reader's
//! [`TrustStore`] at the signing time. A proof that fails the first checks proves nothing
//! (`Err`); one whose chain this store cannot vouch for is intact but
//! [`ProofSigner::NotVerifiable`].

use super::parts::{self, LetterHeading, Part, PrescriptionHeader};
use super::signing::{self, name_birth_digest};
use super::{ChainError, SignedRecordError, TrustStore, VerifiedPractitioner};
use crate::model::{Letter, Prescription, RecordBody, RecordId, RecordKind};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::BTreeMap;

/// What travels to prove some parts of a signed record. No `Debug`: the parts are health data.
#[derive(Clone, PartialEq, Eq)]
pub struct Proof {
    pub signed: Vec<u8>,
    pub signature: Vec<u8>,
    /// The certificate chain exactly as signed (DER, practitioner first); `None` for an
    /// authority's certificate the reader could not find (it travelled by reference).
    pub chain: Vec<Option<Vec<u8>>>,
    /// The parts shown, by their index in the record.
    pub parts: BTreeMap<usize, Vec<u8>>,
}

/// A signed record opened to prove parts of it: its parts, read, for the sender to pick from.
pub struct Provable {
    signed: Vec<u8>,
    signature: Vec<u8>,
    chain: Vec<Vec<u8>>,
    kind: RecordKind,
    raw_parts: Vec<Vec<u8>>,
    parts: Vec<Part>,
}

impl Provable {
    /// Opens a signed record as the patient's vault keeps it. Its signature must match its own
    /// certificate and its parts their digests; whether anyone trusts the certificate is the
    /// reader's business. A version 1 record is refused: it cannot be proved in parts.
    pub fn open(signed_record: &[u8]) -> Result<Self, SignedRecordError> {
        let opened = signing::open_envelope(signed_record)?;
        if opened.version < 2 {
            return Err(SignedRecordError::Malformed(
                "a format 1 signed record cannot be proved in parts",
            ));
        }
        let contents = signing::signed_contents(&opened.signed, &opened.chain)?;
        let raw_parts = opened
            .extras
            .parts
            .ok_or(SignedRecordError::Malformed("record parts missing"))?;
        let digests: Vec<[u8; 32]> = raw_parts.iter().map(|p| parts::digest(p)).collect();
        if digests != contents.part_digests {
            return Err(SignedRecordError::BadSignature);
        }
        let parts = raw_parts
            .iter()
            .enumerate()
            .map(|(i, p)| parts::read(contents.kind, i, p))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            signed: opened.signed,
            signature: opened.signature,
            chain: opened.chain,
            kind: contents.kind,
            raw_parts,
            parts,
        })
    }

    pub fn kind(&self) -> RecordKind {
        self.kind
    }

    /// The record's parts, in order ([`parts`] says what each index holds).
    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// The certificate chain as signed.
    pub fn chain(&self) -> &[Vec<u8>] {
        &self.chain
    }

    /// The proof of the parts at `shown` (indexes past the end are ignored).
    pub fn proof(&self, shown: impl IntoIterator<Item = usize>) -> Proof {
        Proof {
            signed: self.signed.clone(),
            signature: self.signature.clone(),
            chain: self.chain.iter().cloned().map(Some).collect(),
            parts: shown
                .into_iter()
                .filter_map(|i| self.raw_parts.get(i).map(|p| (i, p.clone())))
                .collect(),
        }
    }
}

/// Who signed a proof, as the reader's trust store sees it.
#[derive(Clone, Debug, PartialEq)]
pub enum ProofSigner {
    /// The chain verified against the reader's own anchors at the signing time.
    Verified(VerifiedPractitioner),
    /// The signature is intact, but this store cannot vouch for the certificate: `claimed` is
    /// what the certificate says, unconfirmed.
    NotVerifiable { claimed: String, reason: ChainError },
}

/// A proof that held: the parts it shows are exactly as signed. No `Debug`: health data.
pub struct CheckedProof {
    pub kind: RecordKind,
    pub record_id: RecordId,
    pub signed_at: DateTime<Utc>,
    pub parts: BTreeMap<usize, Part>,
    pub signer: ProofSigner,
    name_birth: [u8; 32],
}

impl CheckedProof {
    /// Whether the record was signed for the person of this name and birth date (the share's
    /// patient).
    pub fn is_for(&self, name: &str, birth_date: NaiveDate) -> bool {
        self.name_birth == name_birth_digest(name, birth_date)
    }

    /// Whether the practitioner the shown heading names (a prescription's prescriber, a
    /// letter's author) is the one whose certificate verified. True for a record that names
    /// nobody; false when the heading is not shown or the signer is not verified.
    pub fn names_its_signer(&self) -> bool {
        let ProofSigner::Verified(practitioner) = &self.signer else {
            return false;
        };
        let named = match self.parts.get(&0) {
            Some(Part::PrescriptionHeader(PrescriptionHeader {
                prescriber,
                date,
                notes,
            })) => RecordBody::Prescription(Prescription {
                prescriber: prescriber.clone(),
                date: *date,
                medications: vec![],
                notes: notes.clone(),
            }),
            Some(Part::LetterHeading(LetterHeading {
                author,
                specialty,
                date,
                subject,
            })) => RecordBody::Letter(Letter {
                author: author.clone(),
                specialty: specialty.clone(),
                date: *date,
                subject: subject.clone(),
                body: String::new(),
            }),
            Some(Part::Whole(body)) => body.clone(),
            Some(Part::LabHeader(_)) => return true,
            _ => return false,
        };
        signing::names_signer(&named, &practitioner.identity)
    }
}

impl std::fmt::Debug for Proof {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proof")
            .field("parts_shown", &self.parts.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Provable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provable")
            .field("kind", &self.kind)
            .field("parts", &self.parts.len())
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for CheckedProof {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckedProof")
            .field("kind", &self.kind)
            .field("record_id", &self.record_id)
            .field("signed_at", &self.signed_at)
            .field("signer", &self.signer)
            .finish_non_exhaustive()
    }
}

/// Checks `proof` against the reader's `store` at `now` (which bounds the signing time).
pub fn check(
    proof: &Proof,
    store: &TrustStore,
    now: DateTime<Utc>,
) -> Result<CheckedProof, SignedRecordError> {
    let leaf = match proof.chain.first() {
        Some(Some(der)) => der,
        _ => {
            return Err(SignedRecordError::Malformed(
                "no practitioner's certificate",
            ));
        }
    };
    super::verify_by_leaf(std::slice::from_ref(leaf), &proof.signed, &proof.signature)?;
    let missing = proof.chain.iter().position(Option::is_none);
    let chain: Vec<Vec<u8>> = proof.chain.iter().flatten().cloned().collect();
    let contents = match missing {
        None => signing::signed_contents(&proof.signed, &chain)?,
        // The chain hash cannot be recomputed without the missing authority; the signature
        // still covers what is read, and the signer can only be "not verifiable here".
        Some(_) => signing::signed_contents_unbound(&proof.signed)?,
    };
    if contents.signed_at > signing::latest_signing_time(now) {
        return Err(SignedRecordError::SignedInTheFuture);
    }
    let mut read = BTreeMap::new();
    for (&index, bytes) in &proof.parts {
        let signed = contents
            .part_digests
            .get(index)
            .ok_or(SignedRecordError::Malformed("no such record part"))?;
        if parts::digest(bytes) != *signed {
            return Err(SignedRecordError::BadSignature);
        }
        read.insert(index, parts::read(contents.kind, index, bytes)?);
    }
    let verdict = match missing {
        None => store.verify(&chain, contents.signed_at),
        Some(position) => Err(ChainError::UnknownIssuer {
            position: position.saturating_sub(1),
        }),
    };
    let signer = match verdict {
        Ok(practitioner) => ProofSigner::Verified(practitioner),
        Err(reason) => ProofSigner::NotVerifiable {
            claimed: super::claimed_identity(std::slice::from_ref(leaf)),
            reason,
        },
    };
    Ok(CheckedProof {
        kind: contents.kind,
        record_id: contents.record_id,
        signed_at: contents.signed_at,
        parts: read,
        signer,
        name_birth: contents.name_birth,
    })
}
