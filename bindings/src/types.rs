//! The few records that cannot derive in the core: generic ones (`Sourced<T>`), ones with
//! `usize` or sets, and the audit log's action (in the vault module). Each converts from its
//! core type and adds nothing.

use carnet_core::model::uniffi_types::{IsoDate, UtcTimestamp};
use carnet_core::model::{
    Allergy, AnalyteTrend, Condition, CurrentMedication, Immunisation, Letter, MedicationHistory,
    PatientSummary, Profile, ProfileId, Provenance, RecordId, RecordKind, SinceLastVisit, Sourced,
};
use carnet_core::share::{self, ShareItem, ShareMode};
use carnet_core::vault::AuditAction as CoreAuditAction;

/// An allergy in a summary, with the record it came from.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SourcedAllergy {
    pub item: Allergy,
    pub date: IsoDate,
    pub record_id: RecordId,
    pub provenance: Provenance,
}

/// An active condition in a summary, with the record it came from.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SourcedCondition {
    pub item: Condition,
    pub date: IsoDate,
    pub record_id: RecordId,
    pub provenance: Provenance,
}

/// A letter in a summary, with the record it came from.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SourcedLetter {
    pub item: Letter,
    pub date: IsoDate,
    pub record_id: RecordId,
    pub provenance: Provenance,
}

macro_rules! sourced_from {
    ($name:ident, $item:ty) => {
        impl From<Sourced<$item>> for $name {
            fn from(s: Sourced<$item>) -> Self {
                Self {
                    item: s.item,
                    date: s.date,
                    record_id: s.record_id,
                    provenance: s.provenance,
                }
            }
        }
    };
}
/// A vaccine given, with the record it came from.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SourcedImmunisation {
    pub item: Immunisation,
    pub date: IsoDate,
    pub record_id: RecordId,
    pub provenance: Provenance,
}

sourced_from!(SourcedAllergy, Allergy);
sourced_from!(SourcedImmunisation, Immunisation);
sourced_from!(SourcedCondition, Condition);
sourced_from!(SourcedLetter, Letter);

/// What a doctor reads first: allergies, active conditions, current medications (and every
/// medication's history), the latest lab values with their trend, the vaccinations, the latest
/// specialist letters, and, when asked with a day, what happened since.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Summary {
    pub profile: Profile,
    pub as_of: IsoDate,
    pub allergies: Vec<SourcedAllergy>,
    pub conditions: Vec<SourcedCondition>,
    pub current_medications: Vec<CurrentMedication>,
    /// Every medication prescribed to date: starts, changes, renewals, stops.
    pub medication_history: Vec<MedicationHistory>,
    pub lab_trends: Vec<AnalyteTrend>,
    pub immunisations: Vec<SourcedImmunisation>,
    /// Every letter, newest first: a summary screen shows the first few (the core's
    /// `SUMMARY_LETTERS`, 3).
    pub latest_letters: Vec<SourcedLetter>,
    /// What is new, changed or stopped since the day given (the last visit).
    pub since_last_visit: Option<SinceVisit>,
}

/// What happened on or after `since`: medications first, then results that moved out of
/// range, then new letters.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SinceVisit {
    pub since: IsoDate,
    /// Each medication with an event since, with those events only.
    pub medications: Vec<MedicationHistory>,
    pub labs_out_of_range: Vec<AnalyteTrend>,
    pub letters: Vec<SourcedLetter>,
}

impl From<SinceLastVisit> for SinceVisit {
    fn from(s: SinceLastVisit) -> Self {
        Self {
            since: s.since,
            medications: s.medications,
            labs_out_of_range: s.labs_out_of_range,
            letters: s.letters.into_iter().map(Into::into).collect(),
        }
    }
}

impl Summary {
    /// The summary, with what happened on or after `since` when given.
    pub fn of(s: PatientSummary, since: Option<IsoDate>) -> Self {
        let since_last_visit = since.map(|day| s.since(day).into());
        Self {
            profile: s.profile,
            as_of: s.as_of,
            allergies: s.allergies.into_iter().map(Into::into).collect(),
            conditions: s.conditions.into_iter().map(Into::into).collect(),
            current_medications: s.current_medications,
            medication_history: s.medication_history,
            lab_trends: s.lab_trends,
            immunisations: s.immunisations.into_iter().map(Into::into).collect(),
            latest_letters: s.latest_letters.into_iter().map(Into::into).collect(),
            since_last_visit,
        }
    }
}

/// How many records of one kind.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct KindCount {
    pub kind: RecordKind,
    pub count: u64,
}

/// What the patient chose to share. The default shares everything but the opt-in items
/// (`identity:ins`, `identity:emergency_contact`).
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct ShareSelection {
    /// Item keys (from `share_preview`) left out.
    #[uniffi(default)]
    pub excluded: Vec<String>,
    /// Opt-in item keys put in.
    #[uniffi(default)]
    pub included: Vec<String>,
    /// Mark items dated on or after this day as new.
    #[uniffi(default)]
    pub changes_since: Option<IsoDate>,
    /// How many of the latest letters go in (default 3).
    #[uniffi(default)]
    pub letters: Option<u32>,
    /// How many earlier values per analyte go in (default 1).
    #[uniffi(default)]
    pub lab_history: Option<u32>,
    /// Share the vaccinations: unset shares a child's and leaves an adult's out.
    #[uniffi(default)]
    pub immunisations: Option<bool>,
    /// Include the letters' full text (usually makes the share several frames).
    #[uniffi(default)]
    pub letter_text: bool,
}

impl From<ShareSelection> for share::Selection {
    fn from(s: ShareSelection) -> Self {
        Self {
            excluded: s.excluded.into_iter().collect(),
            included: s.included.into_iter().collect(),
            changes_since: s.changes_since,
            letters: s.letters.map(|n| n as usize),
            lab_history: s.lab_history.map(|n| n as usize),
            immunisations: s.immunisations,
            letter_text: s.letter_text,
        }
    }
}

/// A share ready to show: one QR text, or several frames to animate in a loop.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PreparedShare {
    pub mode: ShareMode,
    pub expires_at: UtcTimestamp,
    /// One text for a single code, several for an animated sequence. Draw each with
    /// `qr_code`, `qr_png` or `qr_svg`.
    pub codes: Vec<String>,
    /// The QR version of the single code; none when animated.
    pub version: Option<i16>,
    /// What went in, for the preview and the audit log.
    pub items: Vec<ShareItem>,
    /// Bytes of the sealed share.
    pub sealed_len: u64,
    /// What the app must say before showing an open share; none for a sealed one.
    pub warning: Option<String>,
    /// Who the hello said it was, as checked against the patient's trust store.
    pub recipient: Option<String>,
    /// Show it beside the code: the doctor's screen shows the same once it read the share,
    /// or the share went through another device. None for an open share.
    pub comparison_code: Option<String>,
    /// How many items carry their practitioner's signature for the doctor's device to check.
    pub proved_items: u64,
}

impl From<share::PreparedShare> for PreparedShare {
    fn from(p: share::PreparedShare) -> Self {
        let warning = p.warning().map(str::to_owned);
        Self {
            mode: p.mode,
            expires_at: p.expires_at,
            codes: p.codes,
            version: p.version,
            items: p.items,
            sealed_len: p.sealed_len as u64,
            warning,
            recipient: p.recipient.as_ref().map(share::Recipient::describe),
            comparison_code: p.comparison_code,
            proved_items: p.proved_items as u64,
        }
    }
}

/// A QR code as a square matrix of modules, for apps that draw it themselves.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct QrCode {
    pub version: i16,
    /// Modules per side, without the quiet zone (leave 4 light modules around it).
    pub width: u32,
    /// `width * width` modules, row by row, `true` for dark.
    pub dark: Vec<bool>,
}

/// What happened, in the audit log.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum AuditAction {
    VaultCreated,
    Unlocked {
        method: String,
    },
    PassphraseChanged,
    KeySlotAdded {
        kind: String,
    },
    ProfileAdded {
        profile_id: ProfileId,
    },
    ProfileUpdated {
        profile_id: ProfileId,
    },
    ProfileDeleted {
        profile_id: ProfileId,
    },
    RecordAdded {
        record_id: RecordId,
        profile_id: ProfileId,
        kind: RecordKind,
    },
    /// Records added together (an import, a batch), each named.
    RecordsAdded {
        records: Vec<AddedRecord>,
    },
    RecordUpdated {
        record_id: RecordId,
        profile_id: ProfileId,
        kind: RecordKind,
    },
    RecordDeleted {
        record_id: RecordId,
        profile_id: ProfileId,
    },
    AttachmentAdded {
        attachment_id: carnet_core::model::AttachmentId,
        record_id: RecordId,
    },
    /// Part of an import: how many rows it had written (their digests are kept for
    /// `verify_history`).
    RowsImported {
        count: u64,
    },
    /// Records came in from a backup or another caregiver's handover.
    Imported {
        records_added: u64,
        records_updated: u64,
        records_skipped: u64,
    },
    /// A consultation pack was shown as a QR code: which items, to which doctor's hello (its
    /// fingerprint; none for an open share), valid until when.
    Shared {
        profile_id: ProfileId,
        items: Vec<String>,
        recipient: Option<String>,
        expires_at: UtcTimestamp,
        /// Who the doctor's hello said it was, as the patient was shown it.
        practitioner: Option<String>,
        /// SHA-256 (hex) of the key that signed the hello: receipts must come from it.
        hello_signer: Option<String>,
    },
    /// A doctor's device confirmed reading a share (a signed access receipt).
    ReceiptReceived {
        receipt: carnet_core::vault::Receipt,
    },
}

/// A record a batch added.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AddedRecord {
    pub record_id: RecordId,
    pub profile_id: ProfileId,
    pub kind: RecordKind,
}

impl From<CoreAuditAction> for AuditAction {
    fn from(a: CoreAuditAction) -> Self {
        match a {
            CoreAuditAction::VaultCreated => Self::VaultCreated,
            CoreAuditAction::Unlocked { method } => Self::Unlocked { method },
            CoreAuditAction::PassphraseChanged => Self::PassphraseChanged,
            CoreAuditAction::KeySlotAdded { kind } => Self::KeySlotAdded { kind },
            CoreAuditAction::ProfileAdded { profile_id } => Self::ProfileAdded { profile_id },
            CoreAuditAction::ProfileUpdated { profile_id } => Self::ProfileUpdated { profile_id },
            CoreAuditAction::ProfileDeleted { profile_id } => Self::ProfileDeleted { profile_id },
            CoreAuditAction::RecordAdded {
                record_id,
                profile_id,
                kind,
            } => Self::RecordAdded {
                record_id,
                profile_id,
                kind,
            },
            CoreAuditAction::RecordsAdded { records } => Self::RecordsAdded {
                records: records
                    .into_iter()
                    .map(|r| AddedRecord {
                        record_id: r.record_id,
                        profile_id: r.profile_id,
                        kind: r.kind,
                    })
                    .collect(),
            },
            CoreAuditAction::RecordUpdated {
                record_id,
                profile_id,
                kind,
            } => Self::RecordUpdated {
                record_id,
                profile_id,
                kind,
            },
            CoreAuditAction::RecordDeleted {
                record_id,
                profile_id,
            } => Self::RecordDeleted {
                record_id,
                profile_id,
            },
            CoreAuditAction::AttachmentAdded {
                attachment_id,
                record_id,
            } => Self::AttachmentAdded {
                attachment_id,
                record_id,
            },
            CoreAuditAction::RowsImported { count } => Self::RowsImported {
                count: count as u64,
            },
            CoreAuditAction::Imported {
                records_added,
                records_updated,
                records_skipped,
            } => Self::Imported {
                records_added: records_added as u64,
                records_updated: records_updated as u64,
                records_skipped: records_skipped as u64,
            },
            CoreAuditAction::Shared {
                profile_id,
                items,
                recipient,
                expires_at,
                practitioner,
                hello_signer,
            } => Self::Shared {
                profile_id,
                items,
                recipient,
                expires_at,
                practitioner,
                hello_signer,
            },
            CoreAuditAction::ReceiptReceived(receipt) => Self::ReceiptReceived { receipt },
        }
    }
}

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AuditEntry {
    pub at: UtcTimestamp,
    pub action: AuditAction,
}

/// What the patient's app shows after scanning a doctor's hello, before sharing.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HelloInfo {
    /// The key id as both screens can show it: `3F2A-91C0-…`.
    pub fingerprint: String,
    pub expires_at: UtcTimestamp,
    /// The line to show before sharing: "Karim Benali, Médecin, RPPS …, verified by <anchor>",
    /// or "UNVERIFIED recipient (…)" with the reason, which the app must show as a warning.
    pub recipient: String,
    /// The verified practitioner; none when the recipient is not verified.
    pub practitioner: Option<carnet_core::trust::VerifiedPractitioner>,
}
