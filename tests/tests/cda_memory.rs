//! A lab report with a large embedded PDF streams into the vault with a bounded heap: the
//! base64 is neither kept while the XML is read nor decoded whole when it is stored. Its own
//! test binary, so the counting allocator sees only this test.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use carnet_core::model::{NewProfile, Relationship};
use carnet_core::vault::ImportOptions;
use carnet_tests::alloc::{Counting, peak_during};
use carnet_tests::*;
use std::io::Write;

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[test]
fn a_forty_megabyte_pdf_in_a_lab_report_streams_with_bounded_heap() {
    const PDF_BYTES: usize = 40 * 1024 * 1024;
    const LIMIT: usize = 16 * 1024 * 1024;
    let source = shared_dir().join("corpus/cda/BIO-CR-BIO_2024.01_TSH_1.xml");
    let text = std::fs::read_to_string(&source).unwrap();
    let open = r#"<value mediaType="application/pdf" representation="B64">"#;
    let start = text.find(open).unwrap() + open.len();
    let end = start + text[start..].find("</value>").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("large.xml");
    // The PDF: a deterministic pattern, written as base64 lines of 76 characters.
    let pdf: Vec<u8> = (0..PDF_BYTES).map(|i| (i * 7 + i / 4096) as u8).collect();
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    file.write_all(&text.as_bytes()[..start]).unwrap();
    for line in data_encoding::BASE64.encode(&pdf).as_bytes().chunks(76) {
        file.write_all(b"\n").unwrap();
        file.write_all(line).unwrap();
    }
    file.write_all(b"\n").unwrap();
    file.write_all(&text.as_bytes()[end..]).unwrap();
    file.into_inner().unwrap().sync_all().unwrap();

    let t = TestVault::new();
    let p = t
        .vault()
        .add_profile(NewProfile::new(
            "Patient",
            date("1979-03-28"),
            Relationship::Owner,
        ))
        .unwrap();
    let (report, peak) = peak_during(|| {
        carnet_core::cda::import_document(
            t.vault(),
            &p.id,
            &path,
            &ImportOptions::trusting_no_one(carnet_core::time::now()),
            false,
        )
        .unwrap()
    });
    assert_eq!(report.records_added, 1);
    println!(
        "a {} MiB PDF in a {} MiB CR-BIO: heap peak {} KiB during the import",
        PDF_BYTES >> 20,
        std::fs::metadata(&path).unwrap().len() >> 20,
        peak / 1024
    );
    assert!(peak < LIMIT, "the import used {peak} bytes of heap");
    let record = &t.vault().records(Some(&p.id), None).unwrap()[0];
    let mut out = Vec::new();
    t.vault()
        .read_attachment(&record.attachments[0].id, &mut out)
        .unwrap();
    assert!(out == pdf, "the PDF differs after the round trip");
}
