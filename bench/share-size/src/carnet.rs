//! (a) Carnet: the real pipeline, `carnet_core::share::prepare` sealed to a doctor's hello,
//! then read back by the doctor's reader to prove the code carries the pack.

use crate::{BoxError, Encoded, qr};
use carnet_core::model::PatientSummary;
use carnet_core::qr::text::{self, CodeKind};
use carnet_core::share::{
    self, ConsultationPack, DEFAULT_SHARE_LIFETIME, DoctorSession, ReaderSession, Selection,
    compress, hello, pack, seal, selection,
};

/// What Carnet shows for one summary.
#[derive(Debug)]
pub struct CarnetShare {
    pub encoded: Encoded,
    /// Pack CBOR deflated without the preset dictionary, to show what the dictionary buys.
    pub deflated_without_dictionary: usize,
    /// The QR version of the same share had the pack been deflated without the dictionary
    /// (same header, key and tag): how much of Carnet's lead is the French dictionary's.
    pub version_without_dictionary: Option<i16>,
    /// The same pack written as version 1 (before the codebook): compressed bytes and the
    /// QR version of its single code, to show what version 2 buys.
    pub version_1_compressed: usize,
    pub version_1_version: Option<i16>,
    /// How many frames the app animates when the share does not fit one code (0 when it does).
    pub frames: usize,
    /// The largest QR version among the frames.
    pub frame_version: Option<i16>,
}

/// Shares `summary` with the default selection, sealed to a fresh hello at `now`.
pub fn encode(
    summary: &PatientSummary,
    now: u64,
) -> Result<(ConsultationPack, CarnetShare), BoxError> {
    encode_with(summary, now, &Selection::default())
}

/// Shares `summary` with `selection`, sealed to a fresh hello at `now`.
pub fn encode_with(
    summary: &PatientSummary,
    now: u64,
    selection: &Selection,
) -> Result<(ConsultationPack, CarnetShare), BoxError> {
    let pack = selection::build(summary, selection);
    let cbor = pack::encode(&pack);
    let compressed = compress::compress(&cbor);
    let now = carnet_core::time::from_unix_unsigned(now).ok_or("time out of range")?;
    let session = DoctorSession::new(now, hello::DEFAULT_HELLO_LIFETIME)?;
    let expires_at =
        carnet_core::time::after(now, DEFAULT_SHARE_LIFETIME).ok_or("time out of range")?;
    let prepared = share::prepare(
        summary,
        selection,
        &share::SignedRecords::none(),
        Some(session.hello()),
        expires_at,
    )?;

    // The single code the app would show if there were no frame fallback: the same sealed
    // share (its length does not depend on the random ephemeral key), in one code.
    let single = match prepared.codes.as_slice() {
        [one] => one.clone(),
        _ => text::encode(
            CodeKind::Share,
            &seal::seal(&pack, Some(session.hello()), expires_at)?,
        ),
    };
    let (frames, frame_version) = if prepared.is_animated() {
        let max = prepared
            .codes
            .iter()
            .map(|c| qr::version_at_m(c))
            .max()
            .flatten();
        (prepared.codes.len(), max)
    } else {
        (0, None)
    };

    // The doctor's side reads what the app shows and must get the same pack back.
    let mut reader = ReaderSession::new(vec![session], carnet_core::trust::TrustStore::new());
    for code in &prepared.codes {
        if reader.push_text(code, now)?.complete {
            break;
        }
    }
    let opened = reader.into_result()?;
    if opened.pack != pack {
        return Err("Carnet: the reader did not get the pack back".into());
    }

    // Method byte + plain raw DEFLATE in place of the dictionary one; base45 turns 2 bytes
    // into 3 characters, and an alphanumeric code's version depends only on its length.
    let without = crate::raw_deflate(&cbor)?.len() + 1;
    let sealed_without = prepared.sealed_len - compressed.len() + without;
    let chars = 4 + sealed_without / 2 * 3 + sealed_without % 2 * 2;
    let version_without_dictionary = qr::version_at_m(&"A".repeat(chars));

    let v1 = compress::compress(&pack::encode_v1(&pack)).len();
    let sealed_v1 = prepared.sealed_len - compressed.len() + v1;
    let version_1_version =
        qr::version_at_m(&"A".repeat(4 + sealed_v1 / 2 * 3 + sealed_v1 % 2 * 2));

    let share = CarnetShare {
        encoded: Encoded {
            content_bytes: cbor.len(),
            compressed_bytes: compressed.len(),
            payload_bytes: prepared.sealed_len,
            version: qr::version_at_m(&single),
            mode: qr::mode_of(&single),
            text: single,
        },
        deflated_without_dictionary: without - 1,
        version_1_compressed: v1,
        version_1_version,
        version_without_dictionary,
        frames,
        frame_version,
    };
    Ok((pack, share))
}
