//! The QR exchange: the patient's share of a vault's profile, the doctor's session and hello,
//! the reader, QR drawing, access receipts, the emergency card and the printable page.

use crate::CarnetError;
use crate::trust::{Signer, TrustStore, core_signer, store_or_empty};
use crate::types::{HelloInfo, PreparedShare, QrCode, ShareSelection};
use crate::vault::{Vault, today_or};
use carnet_core::model::ProfileId;
use carnet_core::model::uniffi_types::{IsoDate, UtcTimestamp};
use carnet_core::qr::{QrMatrix, ReadProgress};
use carnet_core::share::emergency::{self, VerifiedCard};
use carnet_core::share::hello::Recipient;
use carnet_core::share::printable::{self, Lang};
use carnet_core::share::receipt::{self, Receipt};
use carnet_core::share::{self, Hello, OpenedShare, ShareItem};
use carnet_core::time::{Clock, SystemClock};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use zeroize::Zeroizing;

/// The doctor's side of a hello: a fresh X25519 session key whose public half the doctor's
/// screen shows first, so the patient's share is sealed to this device only. The secret
/// stays in memory (zeroized when the object is released) unless the app exports it.
#[derive(Debug, uniffi::Object)]
pub struct DoctorSession {
    inner: share::DoctorSession,
}

impl DoctorSession {
    /// A copy for a reader (the core's reader owns its sessions).
    fn duplicate(&self) -> share::DoctorSession {
        share::DoctorSession::from_secret(*self.inner.secret_bytes(), self.inner.hello().expires_at)
    }
}

#[uniffi::export]
impl DoctorSession {
    /// A new session valid for `lifetime_seconds` from now (15 minutes is the usual). Its
    /// hello does not say who the doctor is: patients are warned that the recipient is
    /// unverified. Use `signed` when the device holds a practitioner key. A lifetime beyond
    /// what a hello can carry (year 2106) is `MalformedCode`.
    #[uniffi::constructor]
    pub fn new(lifetime_seconds: u64) -> Result<Arc<Self>, CarnetError> {
        Ok(Arc::new(Self {
            inner: share::DoctorSession::new(
                SystemClock.now(),
                Duration::from_secs(lifetime_seconds),
            )?,
        }))
    }

    /// A new session whose hello carries the practitioner's certificate and a signature by
    /// its key over the session key and expiry, so the patient sees "Dr X, …, verified by
    /// <anchor>" before sharing.
    #[uniffi::constructor]
    pub fn signed(
        lifetime_seconds: u64,
        signer: Arc<dyn Signer>,
    ) -> Result<Arc<Self>, CarnetError> {
        let mut inner =
            share::DoctorSession::new(SystemClock.now(), Duration::from_secs(lifetime_seconds))?;
        inner.sign_hello(&core_signer(signer)?)?;
        Ok(Arc::new(Self { inner }))
    }

    /// Restores a session the app kept in its own protected storage (`export_secret`); with
    /// `signer`, its hello is signed again.
    #[uniffi::constructor(default(signer = None))]
    pub fn restore(
        secret: Vec<u8>,
        expires_at: UtcTimestamp,
        signer: Option<Arc<dyn Signer>>,
    ) -> Result<Arc<Self>, CarnetError> {
        let secret = Zeroizing::new(secret);
        let bytes: [u8; 32] = secret
            .as_slice()
            .try_into()
            .map_err(|_| CarnetError::invalid("a session secret is 32 bytes"))?;
        let bytes = Zeroizing::new(bytes);
        let mut inner = share::DoctorSession::from_secret(*bytes, expires_at);
        if let Some(signer) = signer {
            inner.sign_hello(&core_signer(signer)?)?;
        }
        Ok(Arc::new(Self { inner }))
    }

    /// The hello as QR text (`CH1:` …), to show as a code with `qr_code`/`qr_png`/`qr_svg`.
    pub fn hello_text(&self) -> String {
        self.inner.hello().to_text()
    }

    /// The key id both screens can show, to compare: `3F2A-91C0-…`.
    pub fn fingerprint(&self) -> String {
        self.inner.hello().fingerprint()
    }

    pub fn expires_at(&self) -> UtcTimestamp {
        self.inner.hello().expires_at
    }

    /// The 32-byte secret, for the app's own protected storage only (Keystore, Keychain).
    pub fn export_secret(&self) -> Vec<u8> {
        self.inner.secret_bytes().to_vec()
    }
}

/// Reads a doctor's hello scanned from the doctor's screen (the patient's side), to show
/// before sharing: who the recipient is, checked against `trust` (none: nobody is verified),
/// the fingerprint and the expiry. An expired hello is `HelloExpired`; one whose signature
/// does not match its certificate is `SignatureInvalid`.
#[uniffi::export(default(trust = None))]
pub fn parse_hello(text: String, trust: Option<Arc<TrustStore>>) -> Result<HelloInfo, CarnetError> {
    let now = SystemClock.now();
    let hello = Hello::parse(&text, now)?;
    let recipient = hello.recipient(&store_or_empty(trust.as_ref()), now);
    Ok(HelloInfo {
        fingerprint: hello.fingerprint(),
        expires_at: hello.expires_at,
        recipient: recipient.describe(),
        practitioner: match recipient {
            Recipient::Verified(p) => Some(p),
            Recipient::Unverified { .. } => None,
        },
    })
}

/// One reading on the doctor's device: feed it every text the camera or desk scanner returns
/// (one code, or animated frames in any order) until `complete`, then take the `result`.
/// Thread-safe: the camera callback and the UI may call it from different threads.
#[derive(Debug, uniffi::Object)]
pub struct ReaderSession {
    inner: Mutex<share::ReaderSession>,
}

impl ReaderSession {
    fn reader(&self) -> std::sync::MutexGuard<'_, share::ReaderSession> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[uniffi::export]
impl ReaderSession {
    /// `sessions` are the doctor sessions whose hellos this device showed; with none, only
    /// open shares can be read. `trust` is this device's trust store: an item reads as a
    /// practitioner's, verified, only when its signature verifies against it (with none,
    /// signed items read as "signed, not verifiable here").
    #[uniffi::constructor(default(trust = None))]
    pub fn new(sessions: Vec<Arc<DoctorSession>>, trust: Option<Arc<TrustStore>>) -> Arc<Self> {
        let sessions = sessions.iter().map(|s| s.duplicate()).collect();
        Arc::new(Self {
            inner: Mutex::new(share::ReaderSession::new(
                sessions,
                store_or_empty(trust.as_ref()),
            )),
        })
    }

    /// Takes one scanned text. A refused frame throws and leaves the session as it was, so
    /// scanning can go on.
    pub fn push_text(&self, scanned: String) -> Result<ReadProgress, CarnetError> {
        Ok(self.reader().push_text(&scanned, SystemClock.now())?)
    }

    /// Reads every QR code in an image (PNG) and feeds it.
    pub fn push_image(&self, png: Vec<u8>) -> Result<ReadProgress, CarnetError> {
        Ok(self.reader().push_image(&png, SystemClock.now())?)
    }

    /// Where the reading stands.
    pub fn progress(&self) -> ReadProgress {
        self.reader().progress()
    }

    /// The verified, decrypted share once complete; none before.
    pub fn result(&self) -> Option<OpenedShare> {
        self.reader().result().cloned()
    }
}

/// The printable page of an opened share: one self-contained HTML page (no script, no
/// external asset), labels in French (`lang` "fr", the default) or English ("en").
#[uniffi::export(default(lang = None))]
pub fn printable_html(share: OpenedShare, lang: Option<String>) -> Result<String, CarnetError> {
    let lang: Lang = match lang {
        Some(l) => l.parse().map_err(CarnetError::invalid)?,
        None => Lang::default(),
    };
    let now = SystemClock.now();
    Ok(printable::render(
        &share,
        now.date_naive(),
        &now.format("%Y-%m-%d %H:%M UTC").to_string(),
        lang,
    ))
}

/// Encodes `text` as a QR code of at most `max_version` (1–40), as a module matrix. Text that
/// is not plain ASCII (an emergency card) carries the UTF-8 ECI designator.
#[uniffi::export]
pub fn qr_code(text: String, max_version: i16) -> Result<QrCode, CarnetError> {
    let m = QrMatrix::encode_text(&text, max_version)?;
    Ok(QrCode {
        version: m.version,
        width: u32::try_from(m.width).unwrap_or(u32::MAX),
        dark: m.dark,
    })
}

/// Encodes `text` as a QR code (any version) drawn as a PNG, `scale` pixels per module.
#[uniffi::export]
pub fn qr_png(text: String, scale: u32) -> Result<Vec<u8>, CarnetError> {
    Ok(QrMatrix::encode_text(&text, 40)?.to_png(scale.clamp(1, 64) as usize))
}

/// Encodes `text` as a QR code (any version) drawn as an SVG document.
#[uniffi::export]
pub fn qr_svg(text: String) -> Result<String, CarnetError> {
    Ok(QrMatrix::encode_text(&text, 40)?.to_svg())
}

/// Checks an emergency card scanned as text: its check line must match. `today` (default:
/// the device's date) gives the card's age.
#[uniffi::export(default(today = None))]
pub fn verify_emergency_card(
    text: String,
    today: Option<IsoDate>,
) -> Result<VerifiedCard, CarnetError> {
    Ok(emergency::verify(&text, today_or(today))?)
}

/// Checks a date typed in a form: returns it as `YYYY-MM-DD`, or `InvalidInput`. Dates that
/// reach a record unchecked and malformed fail at the boundary instead (see the README).
#[uniffi::export]
pub fn validate_date(text: String) -> Result<String, CarnetError> {
    carnet_core::time::parse_date(&text)
        .map(carnet_core::time::format_date)
        .map_err(|_| CarnetError::invalid("a date is written YYYY-MM-DD"))
}

/// Checks an INS typed in a form (spaces allowed, control key checked): returns it compact,
/// or `InvalidInput` saying what is wrong (never the value).
#[uniffi::export]
pub fn validate_ins(text: String) -> Result<String, CarnetError> {
    Ok(carnet_core::model::Ins::parse(&text)?.as_str().to_owned())
}

/// Checks a practitioner's RPPS number (11 digits, Luhn check digit): returns it compact, or
/// `InvalidInput`.
#[uniffi::export]
pub fn validate_rpps(text: String) -> Result<String, CarnetError> {
    Ok(carnet_core::model::Rpps::parse(&text)?.as_str().to_owned())
}

// ---- the patient's side: sharing a profile, keeping receipts ----------------------------

#[uniffi::export]
impl Vault {
    /// Every item a share of this profile could hold, each marked included or not by
    /// `selection`: the preview the patient checks before showing the code.
    #[uniffi::method(default(today = None))]
    pub fn share_preview(
        &self,
        profile: ProfileId,
        selection: ShareSelection,
        today: Option<IsoDate>,
    ) -> Result<Vec<ShareItem>, CarnetError> {
        let summary = self.open()?.summary(&profile, today_or(today))?;
        Ok(share::selection::candidates(&summary, &selection.into()))
    }

    /// The patient shares a profile: its summary as of today, `selection` applied, sealed to
    /// the doctor's hello (the text scanned from the doctor's screen) or, with no hello, open
    /// to anyone who scans it. Valid `lifetime_seconds` from now. Items from practitioners'
    /// signed records carry their proof for the doctor's device to check. A hello that does
    /// not verify against `trust` is refused (`UnverifiedRecipient`) before anything is sealed,
    /// unless `accept_unverified_doctor` says the patient confirmed with the doctor; show the
    /// result's `comparison_code` beside the code. The audit log keeps what was shared, to
    /// which hello, who it said it was, and the key that signed it.
    #[uniffi::method(default(trust = None, accept_unverified_doctor = false))]
    pub fn share_profile(
        &self,
        profile: ProfileId,
        selection: ShareSelection,
        hello: Option<String>,
        lifetime_seconds: u64,
        trust: Option<Arc<TrustStore>>,
        accept_unverified_doctor: bool,
    ) -> Result<PreparedShare, CarnetError> {
        let now = SystemClock.now();
        let hello = hello.map(|text| Hello::parse(&text, now)).transpose()?;
        let store = store_or_empty(trust.as_ref());
        let vault = self.open()?;
        let prepared = share::share_profile(
            &vault,
            &share::ShareRequest {
                profile,
                selection: &selection.into(),
                hello: hello.as_ref(),
                trust: &store,
                unverified_hello_accepted: accept_unverified_doctor,
                today: SystemClock.today(),
                now,
                lifetime: Duration::from_secs(lifetime_seconds),
            },
        )?;
        Ok(prepared.into())
    }

    /// The emergency card text for a profile: plain text any camera reads (allergies,
    /// conditions, medications, blood group, emergency contact), with a check line.
    #[uniffi::method(default(today = None))]
    pub fn emergency_card(
        &self,
        profile: ProfileId,
        today: Option<IsoDate>,
    ) -> Result<String, CarnetError> {
        Ok(share::emergency_card(
            &*self.open()?,
            &profile,
            today_or(today),
        )?)
    }

    /// Keeps a receipt scanned from the doctor's screen (`CK1:` …) in the audit log. A receipt
    /// whose signature does not match is refused; one whose certificate does not verify is
    /// kept marked NOT verified. `trust` is required: the outcome is kept for good.
    pub fn keep_receipt(
        &self,
        scanned: String,
        trust: Arc<TrustStore>,
    ) -> Result<Receipt, CarnetError> {
        let store = trust.snapshot();
        Ok(receipt::keep_receipt(&*self.open()?, &scanned, &store)?)
    }

    /// The receipts kept, oldest first: who viewed what, and when.
    pub fn receipts(&self) -> Result<Vec<Receipt>, CarnetError> {
        Ok(receipt::receipts(&*self.open()?)?)
    }
}

/// After reading a share, the doctor's device signs a receipt for the patient: which share,
/// which items, when. Returns the QR text (`CK1:` …) to show.
#[uniffi::export]
pub fn receipt_code(share: OpenedShare, signer: Arc<dyn Signer>) -> Result<String, CarnetError> {
    let signer = core_signer(signer)?;
    Ok(receipt::receipt_code(&share, &signer, SystemClock.now())?)
}
