//! Attachments: streamed in and out, every kind of tampering detected.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use carnet_core::VaultError;
use carnet_core::model::{AttachmentId, Document, NewRecord, RecordBody};
use carnet_tests::*;

fn document_with_attachment(t: &TestVault, content: &[u8]) -> AttachmentId {
    let p = t.vault().add_profile(adult()).unwrap();
    let body = RecordBody::Document(Document {
        title: "Compte rendu opératoire".into(),
        date: date("2026-05-05"),
        media_type: "application/pdf".into(),
    });
    let r = t
        .vault()
        .add_record(NewRecord::entered(p.id, body))
        .unwrap();
    let a = t
        .vault()
        .attach(&r.id, "cr.pdf", "application/pdf", &mut &content[..])
        .unwrap();
    assert_eq!(a.size, content.len() as u64);
    assert_eq!(
        t.vault().record(&r.id).unwrap().attachments,
        vec![a.clone()]
    );
    a.id
}

fn content(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

fn read(t: &TestVault, id: &AttachmentId) -> (Result<u64, VaultError>, Vec<u8>) {
    let mut out = Vec::new();
    let result = t.vault().read_attachment(id, &mut out);
    (result, out)
}

#[test]
fn round_trip_at_chunk_boundaries() {
    for len in [0, 1, 65_535, 65_536, 65_537, 3 * 65_536, 200_000] {
        let t = TestVault::new();
        let data = content(len);
        let id = document_with_attachment(&t, &data);
        let (result, out) = read(&t, &id);
        assert_eq!(result.unwrap(), len as u64);
        assert_eq!(out, data, "length {len}");
    }
}

#[test]
fn truncation_is_detected_before_any_byte_is_returned() {
    let t = TestVault::new();
    let id = document_with_attachment(&t, &content(200_000));
    t.raw()
        .execute(
            "DELETE FROM attachment_chunks WHERE seq = (SELECT MAX(seq) FROM attachment_chunks)",
            [],
        )
        .unwrap();
    let (result, out) = read(&t, &id);
    assert!(
        matches!(result, Err(VaultError::AttachmentDamaged(_))),
        "{result:?}"
    );
    assert!(out.is_empty());
}

#[test]
fn truncation_with_a_matching_header_count_is_still_detected() {
    // An attacker who drops the last chunk and also renumbers cannot forge the header (sealed),
    // so the count check fires; here we only drop a middle chunk and renumber the rest.
    let t = TestVault::new();
    let id = document_with_attachment(&t, &content(200_000));
    let raw = t.raw();
    raw.execute("DELETE FROM attachment_chunks WHERE seq = 1", [])
        .unwrap();
    raw.execute(
        "UPDATE attachment_chunks SET seq = seq - 1 WHERE seq > 1",
        [],
    )
    .unwrap();
    let (result, _) = read(&t, &id);
    assert!(result.is_err());
}

#[test]
fn extension_is_detected() {
    let t = TestVault::new();
    let id = document_with_attachment(&t, &content(200_000));
    t.raw()
        .execute("INSERT INTO attachment_chunks (attachment_id, seq, data) SELECT attachment_id, 99, data FROM attachment_chunks WHERE seq = 0", [])
        .unwrap();
    let (result, out) = read(&t, &id);
    assert!(
        matches!(result, Err(VaultError::AttachmentDamaged(_))),
        "{result:?}"
    );
    assert!(out.is_empty());
}

#[test]
fn reordering_is_detected_and_nothing_unverified_is_returned() {
    let t = TestVault::new();
    let id = document_with_attachment(&t, &content(200_000));
    let raw = t.raw();
    raw.execute_batch(
        "UPDATE attachment_chunks SET seq = 100 WHERE seq = 1;
         UPDATE attachment_chunks SET seq = 1 WHERE seq = 2;
         UPDATE attachment_chunks SET seq = 2 WHERE seq = 100;",
    )
    .unwrap();
    let (result, out) = read(&t, &id);
    assert!(
        matches!(result, Err(VaultError::Integrity { .. })),
        "{result:?}"
    );
    // Only the first chunk, which verified, was released.
    assert_eq!(out, content(200_000)[..65_536]);
}

#[test]
fn bit_flips_in_any_chunk_are_detected() {
    let t = TestVault::new();
    let data = content(150_000);
    let id = document_with_attachment(&t, &data);
    let raw = t.raw();
    for seq in 0..3i64 {
        let original: Vec<u8> = raw
            .query_row(
                "SELECT data FROM attachment_chunks WHERE seq = ?1",
                [seq],
                |r| r.get(0),
            )
            .unwrap();
        for position in [0, original.len() / 2, original.len() - 1] {
            let mut flipped = original.clone();
            flipped[position] ^= 0x04;
            raw.execute(
                "UPDATE attachment_chunks SET data = ?2 WHERE seq = ?1",
                rusqlite::params![seq, flipped],
            )
            .unwrap();
            let (result, out) = read(&t, &id);
            assert!(
                matches!(result, Err(VaultError::Integrity { .. })),
                "chunk {seq} byte {position}: {result:?}"
            );
            assert_eq!(
                out,
                data[..(seq as usize) * 65_536],
                "only verified chunks are released"
            );
        }
        raw.execute(
            "UPDATE attachment_chunks SET data = ?2 WHERE seq = ?1",
            rusqlite::params![seq, original],
        )
        .unwrap();
    }
    assert_eq!(read(&t, &id).1, data);
}

#[test]
fn a_failed_import_stores_nothing() {
    struct FailingReader(usize);
    impl std::io::Read for FailingReader {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0 == 0 {
                return Err(std::io::Error::other("card removed"));
            }
            let n = buf.len().min(self.0);
            buf[..n].fill(7);
            self.0 -= n;
            Ok(n)
        }
    }
    let t = TestVault::new();
    let p = t.vault().add_profile(adult()).unwrap();
    let r = t
        .vault()
        .add_record(NewRecord::entered(
            p.id,
            prescription("2026-01-01", "X", "1 mg"),
        ))
        .unwrap();
    let err = t
        .vault()
        .attach(&r.id, "scan.jpg", "image/jpeg", &mut FailingReader(300_000))
        .unwrap_err();
    assert!(matches!(err, VaultError::Io(_)), "{err:?}");
    let chunks: i64 = t
        .raw()
        .query_row("SELECT COUNT(*) FROM attachment_chunks", [], |r| r.get(0))
        .unwrap();
    let headers: i64 = t
        .raw()
        .query_row("SELECT COUNT(*) FROM attachments", [], |r| r.get(0))
        .unwrap();
    assert_eq!((chunks, headers), (0, 0));
}

#[test]
fn deleting_a_record_deletes_its_attachments() {
    let t = TestVault::new();
    let id = document_with_attachment(&t, &content(100_000));
    let record = t.vault().records(None, None).unwrap().remove(0);
    t.vault().delete_record(&record.id).unwrap();
    assert!(matches!(
        read(&t, &id).0,
        Err(VaultError::AttachmentNotFound)
    ));
    let chunks: i64 = t
        .raw()
        .query_row("SELECT COUNT(*) FROM attachment_chunks", [], |r| r.get(0))
        .unwrap();
    assert_eq!(chunks, 0);
}
