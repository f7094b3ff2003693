//! The proofs a share carries for items from practitioners' signed records, and the reader's
//! check of them: the doctor's device, not the patient's, decides what reads as verified.
//!
//! The sender's side is [`Prover`]: given the signed records the vault keeps (their signature
//! attachments), it adds to the pack, for each item taken from one, the record's proof with the
//! parts that item shows (a medication line and the prescription's heading; a lab result and
//! the report's heading; a letter's heading, and its text when shared; an allergy's or a
//! condition's whole record) ([`crate::trust::proof`]). Each certificate travels once; an
//! authority the sender's trust store holds travels as its SHA-256.
//!
//! The reader's side is [`check`]: every item's source is set from what the reader verified
//! itself, whatever the sender stated (the pack format's header says what each label proves).

use super::pack::{
    ConsultationPack, PackAllergy, PackCertificate, PackCondition, PackImmunisation, PackLab,
    PackLetter, PackMedication, PackPart, PackProof, Source, severity_code,
};
use crate::crypto::digest;
use crate::model::{LabResult, Medication, Provenance, RecordId, medication_end};
use crate::trust::TrustStore;
use crate::trust::parts::{LabHeader, LetterHeading, Part, PrescriptionHeader};
use crate::trust::proof::{self, CheckedProof, Proof, ProofSigner, Provable};
use chrono::{DateTime, Utc};
use std::collections::{BTreeSet, HashMap};

/// The signed records a share may prove, by record id.
#[derive(Debug, Default)]
pub struct SignedRecords {
    records: HashMap<RecordId, Provable>,
    /// SHA-256 of the authorities the sender's trust store holds.
    known_authorities: BTreeSet<[u8; 32]>,
}

fn sha256(der: &[u8]) -> [u8; 32] {
    digest::sha256(der)
}

impl SignedRecords {
    /// None: every item is the patient's word to the reader.
    pub fn none() -> Self {
        Self::default()
    }

    /// The records whose signed bytes are in `signed` (a format 1 record or one that does not
    /// open is left out: it cannot be proved), with the authorities of `store` sent by
    /// reference.
    pub fn new(signed: impl IntoIterator<Item = (RecordId, Vec<u8>)>, store: &TrustStore) -> Self {
        let records = signed
            .into_iter()
            .filter_map(|(id, bytes)| Provable::open(&bytes).ok().map(|p| (id, p)))
            .collect();
        let known_authorities = store
            .anchors()
            .iter()
            .map(|a| a.der.as_slice())
            .chain(store.intermediates().iter().map(Vec::as_slice))
            .map(sha256)
            .collect();
        Self {
            records,
            known_authorities,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}

/// Gathers the proofs of one pack as its items are built.
pub struct Prover<'s> {
    signed: &'s SignedRecords,
    /// Per record proved, in order of first use: its index and the parts shown.
    shown: Vec<(RecordId, BTreeSet<usize>)>,
}

impl std::fmt::Debug for Prover<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prover")
            .field("proofs", &self.shown.len())
            .finish_non_exhaustive()
    }
}

fn claims_practitioner(provenance: &Provenance) -> bool {
    matches!(provenance, Provenance::Practitioner { .. })
}

impl<'s> Prover<'s> {
    pub fn new(signed: &'s SignedRecords) -> Self {
        Self {
            signed,
            shown: Vec::new(),
        }
    }

    /// Records that `parts` of `record` are shown; the proof's index.
    fn show(&mut self, record: &RecordId, parts: &[usize]) -> Option<u16> {
        let at = match self.shown.iter().position(|(id, _)| id == record) {
            Some(at) => at,
            None => {
                self.shown.push((*record, BTreeSet::new()));
                self.shown.len() - 1
            }
        };
        self.shown[at].1.extend(parts);
        u16::try_from(at).ok()
    }

    fn provable(&self, record: &RecordId, provenance: &Provenance) -> Option<&'s Provable> {
        claims_practitioner(provenance)
            .then(|| self.signed.records.get(record))
            .flatten()
    }

    /// A medication line of a signed prescription.
    pub fn medication(
        &mut self,
        record: &RecordId,
        provenance: &Provenance,
        medication: &Medication,
    ) -> Option<u16> {
        let provable = self.provable(record, provenance)?;
        let line = provable
            .parts()
            .iter()
            .position(|p| matches!(p, Part::Medication(m) if m == medication))?;
        self.show(record, &[0, line])
    }

    /// A result of a signed lab report: the line of `analyte` with this value.
    pub fn lab_result(
        &mut self,
        record: &RecordId,
        provenance: &Provenance,
        matches: impl Fn(&LabResult) -> bool,
    ) -> Option<u16> {
        let provable = self.provable(record, provenance)?;
        let line = provable
            .parts()
            .iter()
            .position(|p| matches!(p, Part::LabResult(r) if matches(r)))?;
        self.show(record, &[0, line])
    }

    /// A signed letter's heading, and its text when it is shared.
    pub fn letter(
        &mut self,
        record: &RecordId,
        provenance: &Provenance,
        with_text: bool,
    ) -> Option<u16> {
        self.provable(record, provenance)?;
        self.show(record, if with_text { &[0, 1] } else { &[0] })
    }

    /// A signed record shown whole (an allergy, a condition).
    pub fn whole(&mut self, record: &RecordId, provenance: &Provenance) -> Option<u16> {
        let provable = self.provable(record, provenance)?;
        matches!(provable.parts(), [Part::Whole(_)]).then_some(())?;
        self.show(record, &[0])
    }

    /// Puts the proofs and their certificates in `pack`.
    pub fn finish(self, pack: &mut ConsultationPack) {
        let mut certificates: Vec<PackCertificate> = Vec::new();
        let mut index_of = |der: &[u8], is_leaf: bool| -> u16 {
            let digest = sha256(der);
            let entry = if !is_leaf && self.signed.known_authorities.contains(&digest) {
                PackCertificate {
                    der: None,
                    sha256: Some(digest.to_vec()),
                }
            } else {
                PackCertificate {
                    der: Some(der.to_vec()),
                    sha256: None,
                }
            };
            let at = certificates
                .iter()
                .position(|c| *c == entry)
                .unwrap_or_else(|| {
                    certificates.push(entry);
                    certificates.len() - 1
                });
            u16::try_from(at).unwrap_or(u16::MAX)
        };
        let mut proofs = Vec::new();
        for (record, shown) in &self.shown {
            let Some(provable) = self.signed.records.get(record) else {
                continue;
            };
            let proof = provable.proof(shown.iter().copied());
            proofs.push(PackProof {
                signed: proof.signed,
                signature: proof.signature,
                chain: provable
                    .chain()
                    .iter()
                    .enumerate()
                    .map(|(i, der)| index_of(der, i == 0))
                    .collect(),
                parts: proof
                    .parts
                    .into_iter()
                    .filter_map(|(index, bytes)| {
                        u8::try_from(index)
                            .ok()
                            .map(|index| PackPart { index, bytes })
                    })
                    .collect(),
            });
        }
        pack.proofs = proofs;
        pack.certificates = certificates;
    }
}

/// What the reader found for one proof of a share.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProofOutcome {
    /// Intact, for this patient, and its signer verified against this device's anchors.
    VerifiedHere,
    /// Intact and for this patient, but this device cannot vouch for the signer.
    NotVerifiableHere,
    /// Broken, for another patient, or naming another practitioner than its signer: its items
    /// read as the patient's.
    DoesNotHold,
}

/// One proof as the reader checked it: for the doctor's screen and page.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ProofCheck {
    pub outcome: ProofOutcome,
    /// Who signed: verified ("Karim Benali, Médecin, RPPS …, verified by …") or as the
    /// certificate claims it. Empty when the proof does not hold.
    pub signer: String,
    /// The verified signer's name and RPPS, on their own (for an export that names them).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub signer_name: Option<String>,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub signer_rpps: Option<String>,
    pub signed_at: Option<DateTime<Utc>>,
    /// Why it is not verified here, or does not hold.
    pub reason: Option<String>,
}

/// The proofs of `pack` checked against `store` at `now`, each item's source set from them:
/// verified here, signed but not verifiable here, or the patient's. Returns one check per
/// proof, in the pack's order.
pub fn check(
    pack: &mut ConsultationPack,
    store: &TrustStore,
    now: DateTime<Utc>,
) -> Vec<ProofCheck> {
    let authorities: HashMap<[u8; 32], &[u8]> = store
        .anchors()
        .iter()
        .map(|a| a.der.as_slice())
        .chain(store.intermediates().iter().map(Vec::as_slice))
        .map(|der| (sha256(der), der))
        .collect();
    let certificate = |i: &u16| -> Option<Vec<u8>> {
        let c = pack.certificates.get(usize::from(*i))?;
        match (&c.der, &c.sha256) {
            (Some(der), None) => Some(der.clone()),
            (None, Some(digest)) => {
                let digest: [u8; 32] = digest.as_slice().try_into().ok()?;
                authorities.get(&digest).map(|der| der.to_vec())
            }
            _ => None,
        }
    };
    let patient = (&pack.patient.name, pack.patient.birth_date.to_date());
    let checked: Vec<Result<CheckedProof, String>> = pack
        .proofs
        .iter()
        .map(|p| {
            let proof = Proof {
                signed: p.signed.clone(),
                signature: p.signature.clone(),
                chain: p.chain.iter().map(certificate).collect(),
                parts: p
                    .parts
                    .iter()
                    .map(|part| (usize::from(part.index), part.bytes.clone()))
                    .collect(),
            };
            let checked = proof::check(&proof, store, now).map_err(|e| e.to_string())?;
            if !checked.is_for(patient.0, patient.1) {
                return Err("signed for another patient than this share's".into());
            }
            if matches!(checked.signer, ProofSigner::Verified(_)) && !checked.names_its_signer() {
                return Err("it names another practitioner than its signer".into());
            }
            Ok(checked)
        })
        .collect();
    let verdict =
        |index: Option<u16>, holds: &dyn Fn(&CheckedProof) -> bool| -> (Source, Option<u16>) {
            let Some(i) = index else {
                return (Source::Patient, None);
            };
            match checked.get(usize::from(i)) {
                Some(Ok(proof)) if holds(proof) => match proof.signer {
                    ProofSigner::Verified(_) => (Source::PractitionerVerified, Some(i)),
                    ProofSigner::NotVerifiable { .. } => (Source::PractitionerUnverified, Some(i)),
                },
                _ => (Source::Patient, None),
            }
        };
    // A claim the sender made without a proof is the patient's word; a file import stays one.
    let unproved = |s: Source| {
        if s == Source::File {
            Source::File
        } else {
            Source::Patient
        }
    };
    let settle = |claimed: Source, (source, proof): (Source, Option<u16>)| match proof {
        Some(_) => (source, proof),
        None => (unproved(claimed), None),
    };
    for item in &mut pack.allergies {
        (item.source, item.proof) = settle(
            item.source,
            verdict(item.proof, &|p| allergy_holds(item, p)),
        );
    }
    for item in &mut pack.conditions {
        (item.source, item.proof) = settle(
            item.source,
            verdict(item.proof, &|p| condition_holds(item, p)),
        );
    }
    for item in &mut pack.medications {
        (item.source, item.proof) = settle(
            item.source,
            verdict(item.proof, &|p| medication_holds(item, p)),
        );
    }
    for item in &mut pack.labs {
        (item.source, item.proof) =
            settle(item.source, verdict(item.proof, &|p| lab_holds(item, p)));
    }
    for item in pack.immunisations.iter_mut().flatten() {
        (item.source, item.proof) = settle(
            item.source,
            verdict(item.proof, &|p| immunisation_holds(item, p)),
        );
    }
    for item in &mut pack.letters {
        (item.source, item.proof) =
            settle(item.source, verdict(item.proof, &|p| letter_holds(item, p)));
    }
    // No proof travels with a stop: whoever the sender says stopped it, it is their word.
    for item in &mut pack.stopped {
        item.source = unproved(item.source);
    }
    checked
        .into_iter()
        .map(|c| match c {
            Ok(proof) => match proof.signer {
                ProofSigner::Verified(v) => ProofCheck {
                    outcome: ProofOutcome::VerifiedHere,
                    signer: v.describe(),
                    signer_name: Some(v.identity.display_name.clone()),
                    signer_rpps: v.identity.rpps.as_ref().map(|r| r.as_str().to_owned()),
                    signed_at: Some(proof.signed_at),
                    reason: None,
                },
                ProofSigner::NotVerifiable { claimed, reason } => ProofCheck {
                    outcome: ProofOutcome::NotVerifiableHere,
                    signer: claimed,
                    signer_name: None,
                    signer_rpps: None,
                    signed_at: Some(proof.signed_at),
                    reason: Some(reason.to_string()),
                },
            },
            Err(reason) => ProofCheck {
                outcome: ProofOutcome::DoesNotHold,
                signer: String::new(),
                signer_name: None,
                signer_rpps: None,
                signed_at: None,
                reason: Some(reason),
            },
        })
        .collect()
}

fn code_text(code: &Option<crate::model::CodedConcept>) -> Option<String> {
    code.as_ref().map(|k| format!("{}:{}", k.system, k.code))
}

fn medication_holds(item: &PackMedication, proof: &CheckedProof) -> bool {
    let Some(Part::PrescriptionHeader(PrescriptionHeader {
        prescriber, date, ..
    })) = proof.parts.get(&0)
    else {
        return false;
    };
    let same = |m: &Medication| {
        m.name == item.name
            && m.strength == item.strength
            && m.instructions == item.instructions
            && m.notes == item.notes
            && code_text(&m.code) == item.code
            && medication_end(m, *date) == item.ends_on.to_date()
    };
    prescriber.name == item.prescriber
        && *date == item.prescribed_on.to_date()
        && proof
            .parts
            .values()
            .any(|p| matches!(p, Part::Medication(m) if same(m)))
}

fn lab_holds(item: &PackLab, proof: &CheckedProof) -> bool {
    let Some(Part::LabHeader(LabHeader {
        collection_date, ..
    })) = proof.parts.get(&0)
    else {
        return false;
    };
    let same = |r: &LabResult| {
        r.analyte == item.analyte
            && r.loinc == item.loinc
            && r.unit == item.unit
            && r.value.to_string() == item.latest.value
            && r.abnormal == item.latest.abnormal
            && r.reference_range
                .as_ref()
                .map(|range| range.to_string())
                .filter(|s| !s.is_empty())
                == item.reference_range
    };
    *collection_date == item.latest.date.to_date()
        && proof
            .parts
            .values()
            .any(|p| matches!(p, Part::LabResult(r) if same(r)))
}

fn letter_holds(item: &PackLetter, proof: &CheckedProof) -> bool {
    let Some(Part::LetterHeading(LetterHeading {
        author,
        specialty,
        date,
        subject,
    })) = proof.parts.get(&0)
    else {
        return false;
    };
    let body_holds = match (&item.body, proof.parts.get(&1)) {
        (None, _) => true,
        (Some(text), Some(Part::LetterBody(signed))) => text == signed,
        (Some(_), _) => false,
    };
    *author == item.author
        && *specialty == item.specialty
        && *date == item.date.to_date()
        && *subject == item.subject
        && body_holds
}

fn allergy_holds(item: &PackAllergy, proof: &CheckedProof) -> bool {
    let Some(Part::Whole(crate::model::RecordBody::Allergy(a))) = proof.parts.get(&0) else {
        return false;
    };
    let severity = a.severity.map(severity_code);
    a.substance == item.substance
        && a.reaction == item.reaction
        && severity == item.severity
        && a.noted_on == item.date.map(|d| d.to_date())
}

fn condition_holds(item: &PackCondition, proof: &CheckedProof) -> bool {
    let Some(Part::Whole(crate::model::RecordBody::Condition(c))) = proof.parts.get(&0) else {
        return false;
    };
    c.name == item.name
        && code_text(&c.code) == item.code
        && c.onset == item.since.map(|d| d.to_date())
}

fn immunisation_holds(item: &PackImmunisation, proof: &CheckedProof) -> bool {
    let Some(Part::Whole(crate::model::RecordBody::Immunisation(i))) = proof.parts.get(&0) else {
        return false;
    };
    i.vaccine == item.vaccine
        && code_text(&i.code) == item.code
        && i.date == item.date.to_date()
        && i.dose == item.dose
        && i.lot == item.lot
}
