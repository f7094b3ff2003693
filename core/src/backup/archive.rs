//! The backup archive format, version 1: one file, streamed in and out with bounded memory.
//!
//! ```text
//! [0..8]      magic "CARNETBK"
//! [8]         format version = 1
//! [9..11]     header length N, u16 big-endian
//! [11..11+N]  header, JSON: {"protection": "recovery" | "passphrase",
//!                            "salt": hex(16), "kdf": {"m_kib","t","p"} (passphrase only),
//!                            "nonce_prefix": hex(19), "created_at": RFC 3339}
//! [..+57]     key check: a sealed envelope (crypto::envelope v1) of "carnet backup v1"
//!             under the archive key, with bytes 0..11+N as associated data
//! [...]       STREAM chunks (crypto::stream): 64 KiB of plaintext each, the last shorter or
//!             equal, each with a 16-byte tag; every chunk's associated data is SHA-256 of all
//!             bytes before the first chunk, so the header is authenticated with the data
//! ```
//!
//! The archive key: with the recovery key, `HKDF-SHA256(recovery secret, salt,
//! "carnet.backup.v1.recovery")`; with a backup passphrase, Argon2id with the vault's minimum
//! parameters, then `HKDF-SHA256(that, salt, "carnet.backup.v1.passphrase")`.
//!
//! The plaintext is a sequence of entries `[tag u8][length u32 BE][payload]`:
//!
//! | tag | payload |
//! |-----|---------|
//! | 1 | info (JSON): Carnet version, vault schema, creation time |
//! | 2 | a profile (JSON, `model::Profile`) |
//! | 3 | a record (JSON, `model::Record`, attachments listed) |
//! | 4 | an attachment starts (JSON: record id and `model::Attachment`) |
//! | 5 | attachment bytes, at most 64 KiB |
//! | 6 | the attachment ends |
//! | 127 | end (JSON): counts of profiles, records and attachments, checked by the reader |
//!
//! A reader refuses an entry longer than its limit before allocating it, and an archive that
//! ends without the end entry, so memory stays bounded and a cut archive is never taken for a
//! whole one.

use super::BackupError;
use crate::crypto::envelope::{self, AssociatedData};
use crate::crypto::stream::{CHUNK_SIZE, NONCE_PREFIX_LEN, StreamChunks, StreamKey};
use crate::crypto::{
    KdfParams, KdfPolicy, Passphrase, RecoveryKey, SecretKey, digest, kdf, random,
};
use crate::model::{Attachment, Profile, Record, RecordId};
use crate::vault::ImportItem;
use data_encoding::HEXLOWER;
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use zeroize::Zeroizing;

pub const MAGIC: &[u8; 8] = b"CARNETBK";
pub const FORMAT_V1: u8 = 1;
const KEY_CHECK: &[u8] = b"carnet backup v1";
const KEY_CHECK_LEN: usize = envelope::OVERHEAD + 16;
const SEALED_CHUNK: usize = CHUNK_SIZE + 16;
const MAX_HEADER: usize = 4096;
/// The longest JSON entry accepted (a record with a very long letter).
const MAX_JSON_ENTRY: usize = 16 * 1024 * 1024;

const TAG_INFO: u8 = 1;
const TAG_PROFILE: u8 = 2;
const TAG_RECORD: u8 = 3;
const TAG_ATTACHMENT_START: u8 = 4;
const TAG_ATTACHMENT_DATA: u8 = 5;
const TAG_ATTACHMENT_END: u8 = 6;
const TAG_END: u8 = 127;

/// What protects an archive.
#[derive(Clone, Copy, Debug)]
pub enum Protection<'a> {
    /// The vault's recovery key, written on paper at creation.
    RecoveryKey(&'a RecoveryKey),
    /// A passphrase chosen for this backup (Argon2id, the vault's minimum parameters).
    Passphrase(&'a Passphrase),
}

/// The key of an archive, owned (zeroized on drop) for the length of a call: what the
/// program and the bindings hold before lending it as a [`Protection`].
#[derive(Debug)]
pub enum ArchiveKey {
    RecoveryKey(RecoveryKey),
    Passphrase(Passphrase),
}

impl ArchiveKey {
    pub fn protection(&self) -> Protection<'_> {
        match self {
            Self::RecoveryKey(k) => Protection::RecoveryKey(k),
            Self::Passphrase(p) => Protection::Passphrase(p),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Header {
    protection: String,
    salt: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kdf: Option<KdfParams>,
    nonce_prefix: String,
    created_at: String,
}

#[derive(Serialize, Deserialize)]
struct Info {
    carnet_version: String,
    vault_schema: u32,
}

#[derive(Serialize, Deserialize, Default, Debug, PartialEq, Eq)]
pub(crate) struct Counts {
    pub profiles: u64,
    pub records: u64,
    pub attachments: u64,
}

#[derive(Serialize, Deserialize)]
struct AttachmentStart {
    record: RecordId,
    attachment: Attachment,
}

fn archive_key(
    protection: &Protection<'_>,
    salt: &[u8],
    params: &KdfParams,
    policy: &KdfPolicy,
) -> Result<SecretKey, BackupError> {
    Ok(match protection {
        Protection::RecoveryKey(rk) => rk.derive(salt, b"carnet.backup.v1.recovery")?,
        Protection::Passphrase(p) => {
            let stretched = kdf::derive_key(p, salt, params, policy)?;
            kdf::derive_subkey(
                stretched.as_bytes(),
                Some(salt),
                b"carnet.backup.v1.passphrase",
            )?
        }
    })
}

/// Writes entries into sealed 64 KiB chunks.
pub(crate) struct ArchiveWriter<'w> {
    out: &'w mut dyn Write,
    chunks: StreamChunks,
    position: u32,
    buf: Zeroizing<Vec<u8>>,
    pub counts: Counts,
    pub bytes: u64,
}

impl<'w> ArchiveWriter<'w> {
    pub fn start(
        out: &'w mut dyn Write,
        protection: Protection<'_>,
        kdf_params: &KdfParams,
        policy: &KdfPolicy,
    ) -> Result<Self, BackupError> {
        let salt: [u8; 16] = random::bytes();
        let nonce_prefix: [u8; NONCE_PREFIX_LEN] = random::bytes();
        let key = archive_key(&protection, &salt, kdf_params, policy)?;
        let header = Header {
            protection: match protection {
                Protection::RecoveryKey(_) => "recovery".into(),
                Protection::Passphrase(_) => "passphrase".into(),
            },
            salt: HEXLOWER.encode(&salt),
            kdf: matches!(protection, Protection::Passphrase(_)).then_some(*kdf_params),
            nonce_prefix: HEXLOWER.encode(&nonce_prefix),
            created_at: crate::time::now().to_rfc3339(),
        };
        let header = serde_json::to_vec(&header).map_err(|_| BackupError::Damaged("header"))?;
        let mut preamble = MAGIC.to_vec();
        preamble.push(FORMAT_V1);
        preamble.extend_from_slice(
            &u16::try_from(header.len())
                .map_err(|_| BackupError::Damaged("header"))?
                .to_be_bytes(),
        );
        preamble.extend_from_slice(&header);
        let check = envelope::seal(
            &key,
            &AssociatedData::new("backup.key-check").with(&preamble),
            KEY_CHECK,
        )?;
        preamble.extend_from_slice(&check);
        out.write_all(&preamble)?;
        let stream_key = StreamKey { key, nonce_prefix };
        let chunks = StreamChunks::new(&stream_key, digest::sha256(&preamble).to_vec());
        let bytes = preamble.len() as u64;
        Ok(Self {
            out,
            chunks,
            position: 0,
            buf: Zeroizing::new(Vec::with_capacity(CHUNK_SIZE)),
            counts: Counts::default(),
            bytes,
        })
    }

    fn put(&mut self, mut data: &[u8]) -> Result<(), BackupError> {
        while !data.is_empty() {
            if self.buf.len() == CHUNK_SIZE {
                let sealed = self.chunks.seal(self.position, false, &self.buf)?;
                self.out.write_all(&sealed)?;
                self.bytes += sealed.len() as u64;
                self.position = self
                    .position
                    .checked_add(1)
                    .ok_or(BackupError::Damaged("archive too long"))?;
                self.buf.clear();
            }
            let room = CHUNK_SIZE - self.buf.len();
            let (now, rest) = data.split_at(room.min(data.len()));
            self.buf.extend_from_slice(now);
            data = rest;
        }
        Ok(())
    }

    fn entry(&mut self, tag: u8, payload: &[u8]) -> Result<(), BackupError> {
        let len =
            u32::try_from(payload.len()).map_err(|_| BackupError::Damaged("entry too long"))?;
        let mut head = [0u8; 5];
        head[0] = tag;
        head[1..].copy_from_slice(&len.to_be_bytes());
        self.put(&head)?;
        self.put(payload)
    }

    fn json_entry<T: Serialize>(&mut self, tag: u8, value: &T) -> Result<(), BackupError> {
        let json = Zeroizing::new(
            serde_json::to_vec(value).map_err(|_| BackupError::Damaged("encoding"))?,
        );
        self.entry(tag, &json)
    }

    pub fn info(&mut self, vault_schema: u32) -> Result<(), BackupError> {
        self.json_entry(
            TAG_INFO,
            &Info {
                carnet_version: env!("CARGO_PKG_VERSION").into(),
                vault_schema,
            },
        )
    }

    pub fn profile(&mut self, p: &Profile) -> Result<(), BackupError> {
        self.counts.profiles += 1;
        self.json_entry(TAG_PROFILE, p)
    }

    pub fn record(&mut self, r: &Record) -> Result<(), BackupError> {
        self.counts.records += 1;
        self.json_entry(TAG_RECORD, r)
    }

    pub fn attachment_start(
        &mut self,
        record: &RecordId,
        attachment: &Attachment,
    ) -> Result<(), BackupError> {
        self.counts.attachments += 1;
        self.json_entry(
            TAG_ATTACHMENT_START,
            &AttachmentStart {
                record: *record,
                attachment: attachment.clone(),
            },
        )
    }

    pub fn attachment_data(&mut self, bytes: &[u8]) -> Result<(), BackupError> {
        for piece in bytes.chunks(CHUNK_SIZE) {
            self.entry(TAG_ATTACHMENT_DATA, piece)?;
        }
        Ok(())
    }

    pub fn attachment_end(&mut self) -> Result<(), BackupError> {
        self.entry(TAG_ATTACHMENT_END, &[])
    }

    /// Writes the end entry and seals the last chunk.
    pub fn finish(mut self) -> Result<(Counts, u64), BackupError> {
        let counts = std::mem::take(&mut self.counts);
        self.json_entry(TAG_END, &counts)?;
        let sealed = self.chunks.seal(self.position, true, &self.buf)?;
        self.out.write_all(&sealed)?;
        self.out.flush()?;
        Ok((counts, self.bytes + sealed.len() as u64))
    }
}

fn read_full(input: &mut dyn Read, buf: &mut Vec<u8>, want: usize) -> Result<(), BackupError> {
    buf.clear();
    let mut taken = input.take(want as u64);
    taken.read_to_end(buf)?;
    Ok(())
}

/// Reads an archive entry by entry; the chunk under decoding and one looked-ahead chunk are all
/// it holds.
pub(crate) struct ArchiveReader<'r> {
    input: &'r mut dyn Read,
    chunks: StreamChunks,
    position: u32,
    next_sealed: Vec<u8>,
    plain: Zeroizing<Vec<u8>>,
    at: usize,
    last_opened: bool,
    counts: Counts,
    ended: bool,
}

impl<'r> ArchiveReader<'r> {
    pub fn open(
        input: &'r mut dyn Read,
        protection: Protection<'_>,
        policy: &KdfPolicy,
    ) -> Result<Self, BackupError> {
        let mut fixed = Vec::new();
        read_full(input, &mut fixed, 11)?;
        if fixed.len() < 8 || fixed.get(..8) != Some(&MAGIC[..]) {
            return Err(BackupError::NotABackup);
        }
        let version = *fixed.get(8).ok_or(BackupError::Truncated)?;
        if version != FORMAT_V1 {
            return Err(if version > FORMAT_V1 {
                BackupError::NewerVersion(version)
            } else {
                BackupError::Damaged("format version")
            });
        }
        let len_bytes: [u8; 2] = fixed
            .get(9..11)
            .and_then(|b| b.try_into().ok())
            .ok_or(BackupError::Truncated)?;
        let header_len = usize::from(u16::from_be_bytes(len_bytes));
        if header_len > MAX_HEADER {
            return Err(BackupError::Damaged("header length"));
        }
        let mut header_bytes = Vec::new();
        read_full(input, &mut header_bytes, header_len)?;
        if header_bytes.len() < header_len {
            return Err(BackupError::Truncated);
        }
        let header: Header =
            serde_json::from_slice(&header_bytes).map_err(|_| BackupError::Damaged("header"))?;
        let salt = HEXLOWER
            .decode(header.salt.as_bytes())
            .map_err(|_| BackupError::Damaged("header"))?;
        let prefix = HEXLOWER
            .decode(header.nonce_prefix.as_bytes())
            .map_err(|_| BackupError::Damaged("header"))?;
        let nonce_prefix: [u8; NONCE_PREFIX_LEN] = prefix
            .try_into()
            .map_err(|_| BackupError::Damaged("header"))?;
        let key = match (header.protection.as_str(), &protection, header.kdf) {
            ("recovery", Protection::RecoveryKey(_), None) => {
                archive_key(&protection, &salt, &KdfParams::MINIMUM, policy)?
            }
            ("passphrase", Protection::Passphrase(_), Some(params)) => {
                policy.check(&params)?;
                archive_key(&protection, &salt, &params, policy)?
            }
            ("recovery" | "passphrase", _, _) => return Err(BackupError::WrongKey),
            _ => return Err(BackupError::Damaged("header")),
        };
        let mut preamble = fixed;
        preamble.extend_from_slice(&header_bytes);
        let mut check = Vec::new();
        read_full(input, &mut check, KEY_CHECK_LEN)?;
        if check.len() < KEY_CHECK_LEN {
            return Err(BackupError::Truncated);
        }
        match envelope::open(
            &key,
            &AssociatedData::new("backup.key-check").with(&preamble),
            &check,
        ) {
            Ok(text) if text.as_slice() == KEY_CHECK => {}
            // The check opens only under the right key with the header as written: a wrong
            // key and a modified header look the same, and both are refused here.
            _ => return Err(BackupError::WrongKey),
        }
        preamble.extend_from_slice(&check);
        let chunks = StreamChunks::new(
            &StreamKey { key, nonce_prefix },
            digest::sha256(&preamble).to_vec(),
        );
        let mut reader = Self {
            input,
            chunks,
            position: 0,
            next_sealed: Vec::with_capacity(SEALED_CHUNK),
            plain: Zeroizing::new(Vec::new()),
            at: 0,
            last_opened: false,
            counts: Counts::default(),
            ended: false,
        };
        read_full(reader.input, &mut reader.next_sealed, SEALED_CHUNK)?;
        match reader.next_entry()? {
            Some((TAG_INFO, payload)) => {
                let info: Info =
                    serde_json::from_slice(&payload).map_err(|_| BackupError::Damaged("info"))?;
                if info.vault_schema > crate::vault::schema::SCHEMA_VERSION {
                    return Err(BackupError::NewerVersion(
                        u8::try_from(info.vault_schema).unwrap_or(u8::MAX),
                    ));
                }
            }
            _ => return Err(BackupError::Damaged("no info entry")),
        }
        Ok(reader)
    }

    /// Decrypts the next chunk into `plain`.
    fn refill(&mut self) -> Result<(), BackupError> {
        if self.last_opened {
            return Err(BackupError::Truncated);
        }
        let current = std::mem::take(&mut self.next_sealed);
        if current.is_empty() {
            return Err(BackupError::Truncated);
        }
        let mut following = Vec::with_capacity(SEALED_CHUNK);
        read_full(self.input, &mut following, SEALED_CHUNK)?;
        let is_last = following.is_empty();
        if !is_last && current.len() < SEALED_CHUNK {
            return Err(BackupError::Damaged("short chunk before the end"));
        }
        let opened = self.chunks.open(self.position, is_last, &current);
        let plain = match opened {
            Ok(p) => p,
            // At the end of the input, a chunk that opens as "not last" means the file was cut.
            Err(_) if is_last && self.chunks.open(self.position, false, &current).is_ok() => {
                return Err(BackupError::Truncated);
            }
            Err(_) => return Err(BackupError::Damaged("a chunk failed its integrity check")),
        };
        let rest = self.plain.split_off(self.at);
        self.plain = Zeroizing::new(rest);
        self.plain.extend_from_slice(&plain);
        self.at = 0;
        self.next_sealed = following;
        self.last_opened = is_last;
        self.position = self
            .position
            .checked_add(1)
            .ok_or(BackupError::Damaged("archive too long"))?;
        Ok(())
    }

    fn take_bytes(&mut self, n: usize) -> Result<Vec<u8>, BackupError> {
        while self.plain.len() - self.at < n {
            self.refill()?;
        }
        let out = self
            .plain
            .get(self.at..self.at + n)
            .ok_or(BackupError::Truncated)?
            .to_vec();
        self.at += n;
        Ok(out)
    }

    fn next_entry(&mut self) -> Result<Option<(u8, Vec<u8>)>, BackupError> {
        if self.ended {
            return Ok(None);
        }
        let head = self.take_bytes(5)?;
        let tag = head[0];
        let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
        let limit = if tag == TAG_ATTACHMENT_DATA {
            CHUNK_SIZE
        } else {
            MAX_JSON_ENTRY
        };
        if len > limit {
            return Err(BackupError::Damaged("entry longer than its limit"));
        }
        let payload = self.take_bytes(len)?;
        Ok(Some((tag, payload)))
    }

    /// The next item to import; `None` after the end entry, once the counts matched and
    /// nothing follows it.
    pub fn next_item(&mut self) -> Result<Option<ImportItem>, BackupError> {
        let Some((tag, payload)) = self.next_entry()? else {
            return Ok(None);
        };
        let json = |what| move |_| BackupError::Damaged(what);
        Ok(Some(match tag {
            TAG_PROFILE => {
                self.counts.profiles += 1;
                ImportItem::Profile(serde_json::from_slice(&payload).map_err(json("profile"))?)
            }
            TAG_RECORD => {
                self.counts.records += 1;
                ImportItem::Record(serde_json::from_slice(&payload).map_err(json("record"))?)
            }
            TAG_ATTACHMENT_START => {
                self.counts.attachments += 1;
                let start: AttachmentStart =
                    serde_json::from_slice(&payload).map_err(json("attachment"))?;
                ImportItem::AttachmentStart {
                    record: start.record,
                    attachment: start.attachment,
                }
            }
            TAG_ATTACHMENT_DATA => ImportItem::AttachmentData(payload),
            TAG_ATTACHMENT_END => ImportItem::AttachmentEnd,
            TAG_END => {
                let announced: Counts = serde_json::from_slice(&payload).map_err(json("end"))?;
                if announced != self.counts {
                    return Err(BackupError::Damaged("counts do not match"));
                }
                let trailing =
                    self.plain.len() > self.at || !self.next_sealed.is_empty() || !self.last_opened;
                if trailing {
                    return Err(BackupError::Damaged("data after the end"));
                }
                self.ended = true;
                return Ok(None);
            }
            _ => return Err(BackupError::Damaged("unknown entry")),
        }))
    }
}

/// Fuzzing entry point, built only with `--cfg fuzzing` (see `fuzz/`): reads `data` as an
/// archive file, then as the plaintext entries of an archive sealed under a fixed recovery key.
#[cfg(fuzzing)]
pub fn fuzz_read(data: &[u8]) {
    let key = RecoveryKey::from_secret([7u8; 16]);
    let policy = KdfPolicy::production();
    let mut input = data;
    if let Ok(mut reader) = ArchiveReader::open(&mut input, Protection::RecoveryKey(&key), &policy)
    {
        while let Ok(Some(_)) = reader.next_item() {}
    }
    let mut sealed = Vec::new();
    let Ok(mut writer) = ArchiveWriter::start(
        &mut sealed,
        Protection::RecoveryKey(&key),
        &KdfParams::MINIMUM,
        &policy,
    ) else {
        return;
    };
    if writer.put(data).is_err() {
        return;
    }
    let Ok(last) = writer.chunks.seal(writer.position, true, &writer.buf) else {
        return;
    };
    drop(writer);
    sealed.extend_from_slice(&last);
    let mut input = &sealed[..];
    if let Ok(mut reader) = ArchiveReader::open(&mut input, Protection::RecoveryKey(&key), &policy)
    {
        while let Ok(Some(_)) = reader.next_item() {}
    }
}
