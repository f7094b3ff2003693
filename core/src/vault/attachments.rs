//! Attachments: scans, photos and PDFs, streamed in and out in 64 KiB chunks so a 50 MB scan
//! never sits whole in memory.
//!
//! `attachments.header` is sealed with the vault key (bound to the attachment and its record)
//! and holds the attachment's own stream key, nonce prefix, file name, media type, size and
//! chunk count. `attachment_chunks` holds the STREAM-sealed chunks ([`crate::crypto::stream`]).

use super::audit::{self, AuditAction};
use super::cipher::RowCipher;
use super::rows::stored_id;
use super::{Vault, VaultError};
use crate::crypto::SecretKey;
use crate::crypto::stream::{CHUNK_SIZE, ChunkOpener, ChunkSealer, NONCE_PREFIX_LEN, StreamKey};
use crate::model::{Attachment, AttachmentId, ProfileId, RecordId};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::{Read, Write};
use zeroize::Zeroizing;

/// Attachment lists keyed by record, used when listing.
pub(crate) type AttachmentsByRecord = HashMap<RecordId, Vec<Attachment>>;

const TABLE: &str = "attachments";
const KEY_LEN: usize = SecretKey::LEN + NONCE_PREFIX_LEN;

#[derive(Serialize, Deserialize)]
struct HeaderMeta {
    file_name: String,
    media_type: String,
    size: u64,
    chunk_count: u64,
}

struct Header {
    stream_key: StreamKey,
    meta: HeaderMeta,
}

fn seal_header(
    cipher: &RowCipher,
    id: &AttachmentId,
    record: &RecordId,
    header: &Header,
) -> Result<Vec<u8>, VaultError> {
    let mut plain = Zeroizing::new(Vec::with_capacity(KEY_LEN + 128));
    plain.extend_from_slice(header.stream_key.key.as_bytes());
    plain.extend_from_slice(&header.stream_key.nonce_prefix);
    serde_json::to_writer(&mut *plain, &header.meta)
        .map_err(|_| VaultError::Database("could not encode".into()))?;
    cipher.seal(TABLE, &[id.as_bytes(), record.as_bytes()], &plain)
}

fn open_header(
    cipher: &RowCipher,
    id: &AttachmentId,
    record: &RecordId,
    sealed: &[u8],
) -> Result<Header, VaultError> {
    let plain = cipher.open(
        TABLE,
        &[id.as_bytes(), record.as_bytes()],
        sealed,
        "attachment",
    )?;
    let damaged = || VaultError::Integrity { what: "attachment" };
    let key = plain.get(..SecretKey::LEN).ok_or_else(damaged)?;
    let prefix = plain.get(SecretKey::LEN..KEY_LEN).ok_or_else(damaged)?;
    let meta: HeaderMeta =
        serde_json::from_slice(plain.get(KEY_LEN..).ok_or_else(damaged)?).map_err(|_| damaged())?;
    let mut nonce_prefix = [0u8; NONCE_PREFIX_LEN];
    nonce_prefix.copy_from_slice(prefix);
    Ok(Header {
        stream_key: StreamKey {
            key: SecretKey::from_slice(key)?,
            nonce_prefix,
        },
        meta,
    })
}

fn to_attachment(id: AttachmentId, meta: &HeaderMeta) -> Attachment {
    Attachment {
        id,
        file_name: meta.file_name.clone(),
        media_type: meta.media_type.clone(),
        size: meta.size,
    }
}

/// Writes one attachment into an open transaction as its bytes arrive, 64 KiB chunk by chunk:
/// used by [`Vault::attach`] and by imports. The chunk is sealed as the last one only in
/// [`AttachmentWriter::finish`], so the format is the same whichever way the bytes came.
pub(crate) struct AttachmentWriter<'c> {
    conn: &'c Connection,
    id: AttachmentId,
    record: RecordId,
    stream_key: StreamKey,
    sealer: ChunkSealer,
    pending: Zeroizing<Vec<u8>>,
    seq: u64,
    size: u64,
    max: u64,
}

impl<'c> AttachmentWriter<'c> {
    /// Starts attachment `id` of `record` (which must exist in this transaction), of at most
    /// `max` bytes.
    pub fn begin(
        conn: &'c Connection,
        id: AttachmentId,
        record: RecordId,
        max: u64,
    ) -> Result<Self, VaultError> {
        let exists = conn
            .query_row(
                "SELECT 1 FROM records WHERE id = ?1",
                [record.as_bytes()],
                |_| Ok(()),
            )
            .optional()?;
        if exists.is_none() {
            return Err(VaultError::RecordNotFound);
        }
        // The header is written with the final size and chunk count by `finish`.
        conn.execute(
            "INSERT INTO attachments (id, record_id, header) VALUES (?1, ?2, x'')",
            params![id.as_bytes(), record.as_bytes()],
        )?;
        let stream_key = StreamKey::random();
        let sealer = ChunkSealer::new(&stream_key);
        Ok(Self {
            conn,
            id,
            record,
            stream_key,
            sealer,
            pending: Zeroizing::new(Vec::with_capacity(CHUNK_SIZE)),
            seq: 0,
            size: 0,
            max,
        })
    }

    fn store(&mut self, sealed: Vec<u8>) -> Result<(), VaultError> {
        let seq = i64::try_from(self.seq)
            .map_err(|_| VaultError::AttachmentDamaged("too many chunks"))?;
        self.conn.execute(
            "INSERT INTO attachment_chunks (attachment_id, seq, data) VALUES (?1, ?2, ?3)",
            params![self.id.as_bytes(), seq, sealed],
        )?;
        self.seq += 1;
        Ok(())
    }

    pub fn write(&mut self, mut data: &[u8]) -> Result<(), VaultError> {
        while !data.is_empty() {
            if self.pending.len() == CHUNK_SIZE {
                // More bytes follow, so the full chunk is not the last.
                let sealed = self.sealer.seal_next(&self.pending)?;
                self.store(sealed)?;
                self.pending.clear();
            }
            let room = CHUNK_SIZE - self.pending.len();
            let (now, rest) = data.split_at(room.min(data.len()));
            let size = self.size.saturating_add(now.len() as u64);
            if size > self.max {
                return Err(VaultError::AttachmentTooLarge { max: self.max });
            }
            self.pending.extend_from_slice(now);
            self.size = size;
            data = rest;
        }
        Ok(())
    }

    /// Writes everything `reader` yields, 64 KiB at a time.
    pub fn copy_from(&mut self, reader: &mut dyn Read) -> Result<(), VaultError> {
        let mut buf = Zeroizing::new(vec![0u8; CHUNK_SIZE]);
        loop {
            let n = read_chunk(reader, &mut buf)?;
            if n == 0 {
                return Ok(());
            }
            self.write(buf.get(..n).unwrap_or_default())?;
        }
    }

    /// Seals the last chunk and the header.
    pub fn finish(
        mut self,
        cipher: &RowCipher,
        file_name: &str,
        media_type: &str,
    ) -> Result<Attachment, VaultError> {
        let pending = std::mem::take(&mut *self.pending);
        let sealer = self.sealer;
        let last = sealer.seal_last(&pending)?;
        let seq = i64::try_from(self.seq)
            .map_err(|_| VaultError::AttachmentDamaged("too many chunks"))?;
        self.conn.execute(
            "INSERT INTO attachment_chunks (attachment_id, seq, data) VALUES (?1, ?2, ?3)",
            params![self.id.as_bytes(), seq, last],
        )?;
        let meta = HeaderMeta {
            file_name: file_name.to_owned(),
            media_type: media_type.to_owned(),
            size: self.size,
            chunk_count: self.seq + 1,
        };
        let header = seal_header(
            cipher,
            &self.id,
            &self.record,
            &Header {
                stream_key: self.stream_key,
                meta,
            },
        )?;
        self.conn.execute(
            "UPDATE attachments SET header = ?2 WHERE id = ?1",
            params![self.id.as_bytes(), header],
        )?;
        Ok(Attachment {
            id: self.id,
            file_name: file_name.to_owned(),
            media_type: media_type.to_owned(),
            size: self.size,
        })
    }
}

/// Decrypts attachment `id` chunk by chunk into `sink`: counts are checked before the first
/// byte, and each chunk is authenticated before it is passed on.
pub(crate) fn stream_attachment(
    conn: &Connection,
    cipher: &RowCipher,
    id: &AttachmentId,
    sink: &mut dyn FnMut(&[u8]) -> Result<(), VaultError>,
) -> Result<u64, VaultError> {
    let (record, sealed_header): (Vec<u8>, Vec<u8>) = conn
        .query_row(
            "SELECT record_id, header FROM attachments WHERE id = ?1",
            [id.as_bytes()],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?
        .ok_or(VaultError::AttachmentNotFound)?;
    let record: RecordId = stored_id(record, "record")?;
    let header = open_header(cipher, id, &record, &sealed_header)?;
    let stored: i64 = conn.query_row(
        "SELECT COUNT(*) FROM attachment_chunks WHERE attachment_id = ?1",
        [id.as_bytes()],
        |row| row.get(0),
    )?;
    let expected = header.meta.chunk_count;
    if (stored as u64) < expected {
        return Err(VaultError::AttachmentDamaged(
            "chunks are missing (truncated)",
        ));
    }
    if (stored as u64) > expected {
        return Err(VaultError::AttachmentDamaged(
            "unexpected extra chunks (extended)",
        ));
    }
    let mut stmt = conn.prepare_cached(
        "SELECT seq, data FROM attachment_chunks WHERE attachment_id = ?1 ORDER BY seq",
    )?;
    let mut rows = stmt.query([id.as_bytes()])?;
    let mut opener = Some(ChunkOpener::new(&header.stream_key));
    let mut index: u64 = 0;
    let mut written: u64 = 0;
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        if seq as u64 != index {
            return Err(VaultError::AttachmentDamaged("chunk sequence has a gap"));
        }
        let data: Vec<u8> = row.get(1)?;
        let opened = if index + 1 == expected {
            opener
                .take()
                .ok_or(VaultError::AttachmentDamaged("chunk after the last"))?
                .open_last(&data)
        } else {
            opener
                .as_mut()
                .ok_or(VaultError::AttachmentDamaged("chunk after the last"))?
                .open_next(&data)
        };
        let plain = Zeroizing::new(opened.map_err(|_| VaultError::Integrity {
            what: "attachment chunk",
        })?);
        sink(&plain)?;
        written += plain.len() as u64;
        index += 1;
    }
    if opener.is_some() || written != header.meta.size {
        return Err(VaultError::AttachmentDamaged("size does not match"));
    }
    Ok(written)
}

/// Fills `buf` from `reader` until it is full or the input ends; returns the bytes read.
fn read_chunk(reader: &mut dyn Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        let Some(rest) = buf.get_mut(filled..) else {
            break;
        };
        match reader.read(rest) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

pub(crate) fn list_for_record(
    conn: &Connection,
    cipher: &RowCipher,
    record: &RecordId,
) -> Result<Vec<Attachment>, VaultError> {
    let mut stmt =
        conn.prepare_cached("SELECT id, header FROM attachments WHERE record_id = ?1")?;
    let mut rows = stmt.query([record.as_bytes()])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let id: AttachmentId = stored_id(row.get(0)?, "attachment")?;
        let header: Vec<u8> = row.get(1)?;
        out.push(to_attachment(
            id,
            &open_header(cipher, &id, record, &header)?.meta,
        ));
    }
    out.sort_by(|a, b| a.file_name.cmp(&b.file_name));
    Ok(out)
}

pub(crate) fn list_for_profile(
    conn: &Connection,
    cipher: &RowCipher,
    profile: Option<&ProfileId>,
) -> Result<AttachmentsByRecord, VaultError> {
    let profile_bytes = profile.map(|p| p.as_bytes().to_vec());
    let mut stmt = conn.prepare_cached(
        "SELECT a.id, a.record_id, a.header FROM attachments a JOIN records r ON r.id = a.record_id
         WHERE (?1 IS NULL OR r.profile_id = ?1)",
    )?;
    let mut rows = stmt.query([profile_bytes])?;
    let mut out = AttachmentsByRecord::new();
    while let Some(row) = rows.next()? {
        let id: AttachmentId = stored_id(row.get(0)?, "attachment")?;
        let record: RecordId = stored_id(row.get(1)?, "record")?;
        let header: Vec<u8> = row.get(2)?;
        let meta = open_header(cipher, &id, &record, &header)?.meta;
        out.entry(record)
            .or_default()
            .push(to_attachment(id, &meta));
    }
    Ok(out)
}

pub(crate) fn delete_for_record(conn: &Connection, record: &RecordId) -> Result<(), VaultError> {
    conn.execute(
        "DELETE FROM attachment_chunks WHERE attachment_id IN (SELECT id FROM attachments WHERE record_id = ?1)",
        [record.as_bytes()],
    )?;
    conn.execute(
        "DELETE FROM attachments WHERE record_id = ?1",
        [record.as_bytes()],
    )?;
    Ok(())
}

/// Streams `reader` into an attachment begun with `writer`, seals it as `file_name` and logs
/// it: what [`Vault::attach`] and [`Vault::add_record_with_file`] share.
pub(crate) fn write_from(
    conn: &Connection,
    cipher: &RowCipher,
    mut writer: AttachmentWriter<'_>,
    reader: &mut dyn Read,
    file_name: &str,
    media_type: &str,
) -> Result<Attachment, VaultError> {
    let record = writer.record;
    writer.copy_from(reader)?;
    let attachment = writer.finish(cipher, file_name, media_type)?;
    audit::append(
        conn,
        cipher,
        AuditAction::AttachmentAdded {
            attachment_id: attachment.id,
            record_id: record,
        },
    )?;
    Ok(attachment)
}

impl Vault {
    /// Decrypts an attachment into `out`, one verified 64 KiB chunk at a time; returns its size.
    ///
    /// Missing, extra, reordered or modified chunks are [`VaultError::AttachmentDamaged`] or
    /// [`VaultError::Integrity`]. Chunk counts are checked before anything is written, and no
    /// byte is written before its chunk is authenticated; callers writing to a file should
    /// write to a temporary name and rename on success.
    pub fn read_attachment(
        &self,
        id: &AttachmentId,
        out: &mut dyn Write,
    ) -> Result<u64, VaultError> {
        self.read(|conn, cipher| {
            let written =
                stream_attachment(conn, cipher, id, &mut |bytes| Ok(out.write_all(bytes)?))?;
            out.flush()?;
            Ok(written)
        })
    }
}
