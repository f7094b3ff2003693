//! What the person at the terminal reads. Health data goes to stdout for its owner, never to
//! stderr or a log.

use crate::exit::CliError;
use carnet_core::identity::{InsIdentity, Sex};
use carnet_core::model::*;
use carnet_core::vault::AuditEvent;
use chrono::NaiveDate;
use serde::Serialize;

/// `text` from outside (a record, a share, a receipt, a certificate), made inert for a
/// terminal on one line: control characters (escape sequences, carriage return, newline) and
/// the invisible characters that reorder or hide text (bidirectional overrides, zero-width
/// marks) are shown as `\u{..}`, so content can never rewrite what Carnet printed around it
/// ("NOT verified").
/// Prints one line with [`terminal_safe`] applied to all of it. Every line `carnet` prints goes
/// through it (the format strings hold no control character of their own; blank lines are
/// `println!()`), except JSON, which escapes control characters itself, and the terminal
/// drawing of a QR code.
macro_rules! say {
    ($($arg:tt)*) => {
        println!("{}", $crate::output::terminal_safe(&format!($($arg)*)))
    };
}

pub fn terminal_safe(text: &str) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let hidden = c.is_control()
            || matches!(
                c,
                '\u{200B}'..='\u{200F}'
                    | '\u{202A}'..='\u{202E}'
                    | '\u{2060}'..='\u{2069}'
                    | '\u{061C}'
                    | '\u{FEFF}'
            );
        if hidden {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|_| CliError::other("could not encode JSON"))?;
    // JSON escapes every control character itself.
    println!("{text}");
    Ok(())
}

/// JSON for scripts, or the human form.
pub fn emit<T: Serialize + ?Sized>(
    json: bool,
    value: &T,
    human: impl FnOnce(),
) -> Result<(), CliError> {
    if json {
        self::json(value)
    } else {
        human();
        Ok(())
    }
}

pub fn profiles(profiles: &[Profile]) {
    if profiles.is_empty() {
        say!("No profiles yet. Add one with `carnet profile add`.");
        return;
    }
    for p in profiles {
        let blood = p
            .blood_group
            .map(|b| format!(", blood group {b}"))
            .unwrap_or_default();
        let ins = match (&p.ins, p.ins_origin) {
            (Some(i), Some(InsOrigin::ReadFromDocument)) => {
                format!(", INS {i} (read from a document, unverified)")
            }
            (Some(i), None) => format!(", INS {i}"),
            (None, _) => String::new(),
        };
        say!(
            "{}  {:<28} born {} ({}){blood}{ins}",
            p.id.short(),
            p.display_name,
            p.birth_date,
            p.relationship
        );
    }
}

/// What an INS datamatrix says, for the patient to check against their ID.
pub fn ins_identity(id: &InsIdentity, profile: &str) {
    let ins = id.ins.as_str();
    say!("INS datamatrix read, for {profile}:");
    say!(
        "  INS          {} {} {} {} {} {} {}  ({})",
        &ins[0..1],
        &ins[1..3],
        &ins[3..5],
        &ins[5..7],
        &ins[7..10],
        &ins[10..13],
        &ins[13..15],
        match id.oid.as_str() {
            "1.2.250.1.213.1.4.8" => "INS-NIR",
            "1.2.250.1.213.1.4.9" => "INS-NIA, a temporary number",
            _ => "a TEST number, not a real person's",
        }
    );
    say!("  birth name   {}", id.birth_name);
    say!("  given names  {}", id.given_names);
    say!(
        "  sex          {}",
        match id.sex {
            Sex::Female => "F",
            Sex::Male => "M",
        }
    );
    say!("  born         {}", id.birth_date);
    if let Some(place) = &id.birth_place {
        say!("  birth place  {place} (INSEE code)");
    }
}

pub fn record_list(records: &[Record], profiles: &[Profile]) {
    if records.is_empty() {
        say!("No records.");
        return;
    }
    for r in records {
        let who = profiles
            .iter()
            .find(|p| p.id == r.profile_id)
            .map(|p| p.display_name.as_str())
            .unwrap_or("?");
        let clip = if r.attachments.is_empty() {
            String::new()
        } else {
            format!("  [{} file(s)]", r.attachments.len())
        };
        say!(
            "{}  {}  {:<13} {:<18} {}{clip}",
            r.id.short(),
            r.issued_on,
            r.kind().as_str(),
            who,
            r.body.title()
        );
    }
}

fn opt(label: &str, value: Option<impl std::fmt::Display>) {
    if let Some(v) = value {
        say!("  {label:<14} {v}");
    }
}

pub fn record(r: &Record) {
    say!("{}  ({})", r.body.title(), r.kind());
    say!("  {:<14} {}", "id", r.id);
    say!("  {:<14} {}", "issued", r.issued_on);
    say!("  {:<14} {}", "provenance", r.provenance.label());
    say!(
        "  {:<14} {}",
        "updated",
        r.updated_at.format("%Y-%m-%d %H:%M UTC")
    );
    match &r.body {
        RecordBody::Prescription(p) => {
            let by = p
                .prescriber
                .specialty
                .as_ref()
                .map(|s| format!("{} ({s})", p.prescriber.name))
                .unwrap_or(p.prescriber.name.clone());
            say!("  {:<14} {by}", "prescriber");
            opt("RPPS", p.prescriber.rpps.as_ref());
            for m in &p.medications {
                say!("  - {} {}", m.name, m.strength.as_deref().unwrap_or(""));
                if !m.instructions.is_empty() {
                    say!("      {}", m.instructions);
                }
                match m.duration {
                    Some(MedicationDuration::Days(d)) => {
                        say!("      for {d} days, renewable {} time(s)", m.renewals)
                    }
                    Some(MedicationDuration::Until(end)) => {
                        say!("      until {end}, renewable {} time(s)", m.renewals)
                    }
                    None => {}
                }
                if let Some(code) = &m.code {
                    say!("      {} {}", code.system, code.code);
                }
            }
            opt("notes", p.notes.as_ref());
        }
        RecordBody::LabReport(l) => {
            say!("  {:<14} {}", "laboratory", l.laboratory);
            say!("  {:<14} {}", "collected", l.collection_date);
            for res in &l.results {
                let flag = if res.abnormal { "  *abnormal*" } else { "" };
                let range = res
                    .reference_range
                    .as_ref()
                    .map(|r| format!("  (ref {r})"))
                    .unwrap_or_default();
                say!(
                    "  - {:<24} {} {}{range}{flag}",
                    res.analyte,
                    res.value,
                    res.unit.as_deref().unwrap_or("")
                );
            }
        }
        RecordBody::Letter(l) => {
            say!("  {:<14} {}", "from", l.author);
            opt("specialty", l.specialty.as_ref());
            say!("  {:<14} {}", "subject", l.subject);
            println!();
            for line in l.body.lines() {
                say!("    {line}");
            }
        }
        RecordBody::Document(d) => {
            say!("  {:<14} {}", "title", d.title);
            say!("  {:<14} {}", "media type", d.media_type);
        }
        RecordBody::Allergy(a) => {
            say!("  {:<14} {}", "substance", a.substance);
            opt("reaction", a.reaction.as_ref());
            opt(
                "severity",
                a.severity.map(|s| format!("{s:?}").to_lowercase()),
            );
        }
        RecordBody::Condition(c) => {
            say!("  {:<14} {}", "condition", c.name);
            say!(
                "  {:<14} {}",
                "status",
                format!("{:?}", c.status).to_lowercase()
            );
            opt("since", c.onset);
            opt("notes", c.notes.as_ref());
        }
        RecordBody::Immunisation(i) => {
            say!("  {:<14} {}", "vaccine", i.vaccine);
            opt("dose", i.dose.as_ref());
            opt("lot", i.lot.as_ref());
        }
    }
    for a in &r.attachments {
        say!(
            "  attachment     {} {} ({} bytes)  id {}",
            a.file_name,
            a.media_type,
            a.size,
            a.id
        );
    }
}

fn trend_arrow(latest: &LabValue, previous: Option<&LabValue>) -> &'static str {
    match (latest, previous) {
        (LabValue::Numeric(now), Some(LabValue::Numeric(before))) if now > before => "↑",
        (LabValue::Numeric(now), Some(LabValue::Numeric(before))) if now < before => "↓",
        (LabValue::Numeric(_), Some(LabValue::Numeric(_))) => "=",
        _ => " ",
    }
}

fn marker(p: &Provenance) -> &'static str {
    match p {
        Provenance::Practitioner { verified: true, .. } => " [signed, verified]",
        Provenance::Practitioner {
            verified: false, ..
        } => " [NOT verified]",
        Provenance::ImportedFromFile { .. } => " [imported, not verified]",
        Provenance::PatientEntered => "",
    }
}

/// One event of a medication's history, as a line: what, when, by whom.
fn medication_event(e: &MedicationEvent) -> String {
    let by = e.by();
    let what = match &e.change {
        MedicationChange::Started => "started".to_owned(),
        MedicationChange::Changed { from, to } => format!("changed from {from} to {to}"),
        MedicationChange::Renewed => "renewed".to_owned(),
        MedicationChange::Stopped { reason: Some(r) } => format!("stopped ({r})"),
        MedicationChange::Stopped { reason: None } => "stopped".to_owned(),
    };
    format!("{what} on {} by {by}{}", e.date, marker(&e.provenance))
}

/// What happened since the last visit: medications first, then results out of range, then
/// letters.
fn since_section(s: &PatientSummary, since: NaiveDate) {
    say!("SINCE {since}");
    let report = s.since(since);
    for h in &report.medications {
        for e in &h.events {
            say!("  {:<34} {}", h.name, medication_event(e));
        }
    }
    for t in &report.labs_out_of_range {
        say!(
            "  {:<34} {} {} on {}, out of range{}",
            t.analyte,
            t.latest.value,
            t.latest.unit.as_deref().unwrap_or(""),
            t.latest.date,
            marker(&t.latest.provenance)
        );
    }
    for l in &report.letters {
        say!(
            "  letter of {} from {}: {}{}",
            l.date,
            l.item.author,
            l.item.subject,
            marker(&l.provenance)
        );
    }
    if report.is_empty() {
        say!("  nothing new, changed or stopped");
    }
    println!();
}

pub fn summary(s: &PatientSummary, since: Option<NaiveDate>) {
    let p = &s.profile;
    let blood = p
        .blood_group
        .map(|b| format!(", blood group {b}"))
        .unwrap_or_default();
    say!(
        "{} — born {} ({} years){blood}",
        p.display_name,
        p.birth_date,
        p.age_on(s.as_of)
    );
    if let Some(c) = &p.emergency_contact {
        say!("Emergency contact: {} {}", c.name, c.phone);
    }
    say!("Summary as of {}", s.as_of);

    println!();

    if let Some(since) = since {
        since_section(s, since);
    }
    say!("ALLERGIES");
    if s.allergies.is_empty() {
        say!("  none recorded");
    }
    for a in &s.allergies {
        let sev = a
            .item
            .severity
            .map(|s| format!(" ({s:?})").to_lowercase())
            .unwrap_or_default();
        let reaction = a
            .item
            .reaction
            .as_ref()
            .map(|r| format!(": {r}"))
            .unwrap_or_default();
        say!(
            "  {}{sev}{reaction}{}",
            a.item.substance,
            marker(&a.provenance)
        );
    }

    println!();

    say!("CONDITIONS");
    if s.conditions.is_empty() {
        say!("  none recorded");
    }
    for c in &s.conditions {
        let since = c
            .item
            .onset
            .map(|d| format!(" (since {d})"))
            .unwrap_or_default();
        say!("  {}{since}{}", c.item.name, marker(&c.provenance));
    }

    println!();

    say!("CURRENT MEDICATIONS");
    if s.current_medications.is_empty() {
        say!("  none");
    }
    let recent = s.recent();
    for m in &s.current_medications {
        let med = &m.medication;
        say!(
            "  {:<34} {:<40} {} {}, until {}{}",
            format!("{} {}", med.name, med.strength.as_deref().unwrap_or("")),
            med.instructions,
            m.prescriber,
            m.prescribed_on,
            m.ends_on,
            marker(&m.provenance)
        );
        // A dose changed lately is what a doctor without the letter needs first.
        if let Some(e) = s.history_of(m).and_then(|h| h.latest_since(recent)) {
            if matches!(e.change, MedicationChange::Changed { .. }) {
                say!("    {}", medication_event(e));
            }
        }
    }
    let stopped = s.stopped_since(recent);
    if !stopped.is_empty() {
        println!();
        say!("STOPPED IN THE LAST {RECENT_DAYS} DAYS");
        for h in stopped {
            if let Some(e) = h.events.last() {
                say!("  {:<34} {}", h.name, medication_event(e));
            }
        }
    }

    println!();

    say!("LATEST LABS");
    if s.lab_trends.is_empty() {
        say!("  none");
    }
    for t in &s.lab_trends {
        let unit = t.latest.unit.as_deref().unwrap_or("");
        let flag = if t.latest.abnormal { " *" } else { "  " };
        let previous = t
            .previous_point()
            .map(|p| {
                format!(
                    "was {} {} on {}",
                    p.value,
                    p.unit.as_deref().unwrap_or(""),
                    p.date
                )
            })
            .unwrap_or_else(|| "first result".into());
        let arrow = trend_arrow(&t.latest.value, t.previous_point().map(|p| &p.value));
        say!(
            "  {:<28} {:>8} {:<12}{flag} {arrow} {}  {previous}{}",
            t.analyte,
            t.latest.value.to_string(),
            unit,
            t.latest.date,
            marker(&t.latest.provenance)
        );
    }

    println!();

    say!("VACCINATIONS");
    if s.immunisations.is_empty() {
        say!("  none recorded");
    }
    for v in &s.immunisations {
        let i = &v.item;
        let details: Vec<String> = [
            i.lot.as_ref().map(|l| format!("lot {l}")),
            i.administered_by.clone(),
        ]
        .into_iter()
        .flatten()
        .collect();
        say!(
            "  {:<34} {:<8} {}  {}{}",
            i.vaccine,
            i.dose.as_deref().unwrap_or(""),
            i.date,
            details.join(", "),
            marker(&v.provenance)
        );
    }

    println!();

    say!("LATEST LETTERS");
    if s.latest_letters.is_empty() {
        say!("  none");
    }
    for l in s
        .latest_letters
        .iter()
        .take(carnet_core::model::SUMMARY_LETTERS)
    {
        let specialty = l
            .item
            .specialty
            .as_ref()
            .map(|s| format!(", {s}"))
            .unwrap_or_default();
        say!(
            "  {} {}{specialty}: {}{}",
            l.date,
            l.item.author,
            l.item.subject,
            marker(&l.provenance)
        );
    }
    let earlier = s
        .latest_letters
        .len()
        .saturating_sub(carnet_core::model::SUMMARY_LETTERS);
    if earlier > 0 {
        say!(
            "  … and {earlier} earlier {} (carnet list --kind letter)",
            if earlier == 1 { "letter" } else { "letters" }
        );
    }
}

pub fn audit_log(events: &[AuditEvent]) {
    for e in events {
        // A batch names its records in one event; the log shows one line per record, as for
        // records added one by one.
        if let carnet_core::vault::AuditAction::RecordsAdded { records } = &e.action {
            for r in records {
                say!(
                    "{}  record_added record_id={} profile_id={} kind={}",
                    e.at.format("%Y-%m-%d %H:%M:%S UTC"),
                    r.record_id,
                    r.profile_id,
                    r.kind.as_str()
                );
            }
            continue;
        }
        let line = serde_json::to_value(&e.action)
            .ok()
            .and_then(|v| v.as_object().cloned())
            .map(|o| {
                o.iter()
                    .map(|(k, v)| {
                        if k == "action" {
                            v.as_str().unwrap_or("").to_owned()
                        } else {
                            format!(
                                "{k}={}",
                                v.as_str().map(str::to_owned).unwrap_or(v.to_string())
                            )
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default();
        say!(
            "{}  {}",
            e.at.format("%Y-%m-%d %H:%M:%S UTC"),
            terminal_safe(&line)
        );
    }
}

pub fn preview(items: &[carnet_core::share::ShareItem]) {
    say!("What this share would contain (exclude an item with --exclude KEY):");
    let mut section = None;
    for item in items {
        if section != Some(item.section) {
            section = Some(item.section);
            println!();
            say!("{:?}", item.section);
        }
        let mark = if item.included { "[x]" } else { "[ ]" };
        say!("  {mark} {:<40} {}", item.label, item.key);
    }
}

fn age(date: chrono::NaiveDate, today: chrono::NaiveDate) -> String {
    let days = today.signed_duration_since(date).num_days();
    match days {
        i64::MIN..=0 => "today".into(),
        1..=60 => format!("{days} days ago"),
        _ => format!("{} months ago", days / 30),
    }
}

fn source(s: carnet_core::share::pack::Source) -> &'static str {
    use carnet_core::share::pack::Source;
    match s {
        Source::Patient => "entered by patient",
        Source::File => "imported from file",
        Source::PractitionerVerified => "signed by practitioner, verified here",
        Source::PractitionerUnverified => "signed, NOT verifiable here",
    }
}

/// What to say where a received section shows nothing, or not everything.
fn section_note(pack: &carnet_core::share::ConsultationPack, section: &str, items: usize) {
    use carnet_core::share::pack::SectionNote;
    match pack.section_note(section, items) {
        SectionNote::Complete => {}
        SectionNote::NoneRecorded => say!("  none recorded"),
        SectionNote::NotShared => say!("  not shared by the patient"),
        SectionNote::PartlyShared => say!("  (the patient did not share every item here)"),
    }
}

/// A share as the doctor reads it in a terminal: allergies first, every item with its age and
/// source as this device checked it, then the practitioners' signatures. Every string from the
/// share goes through [`terminal_safe`]: content cannot rewrite the labels around it.
pub fn received(share: &carnet_core::share::OpenedShare, today: chrono::NaiveDate) {
    use carnet_core::share::{ProofOutcome, ShareMode};
    let t = |s: &str| terminal_safe(s);
    let pack = &share.pack;
    let new = |d: carnet_core::share::pack::Day| {
        if pack.changes_since.is_some_and(|s| d >= s) {
            " NEW"
        } else {
            ""
        }
    };
    let p = &pack.patient;
    let birth = p.birth_date.to_date();
    say!(
        "{} — born {} ({} years)",
        t(&p.name),
        birth,
        today.years_since(birth).unwrap_or(0)
    );
    if let Some(b) = &p.blood_group {
        say!("Blood group {}", t(b));
    }
    if let Some(c) = &p.emergency_contact {
        say!("Emergency contact: {}", t(c));
    }
    match &share.mode {
        ShareMode::ToHello { fingerprint } => say!("Sealed for this device ({fingerprint})"),
        ShareMode::Open => say!("Open share"),
    }
    if let Some(code) = &share.comparison_code {
        say!(
            "Comparison code: {code} (the patient's screen must show the same; if not, the share went through another device)"
        );
    }
    say!("Summary as of {}", pack.as_of.to_date());
    println!();
    say!("ALLERGIES");
    section_note(pack, "allergies", pack.allergies.len());
    for a in &pack.allergies {
        let severe = if a.severity == Some(3) {
            " (SEVERE)"
        } else {
            ""
        };
        let reaction = a
            .reaction
            .as_ref()
            .map(|r| format!(": {}", t(r)))
            .unwrap_or_default();
        say!(
            "  {}{severe}{reaction}  [{}]",
            t(&a.substance),
            source(a.source)
        );
    }
    println!();
    say!("CONDITIONS");
    section_note(pack, "conditions", pack.conditions.len());
    for c in &pack.conditions {
        say!("  {}  [{}]", t(&c.name), source(c.source));
    }
    println!();
    say!("CURRENT MEDICATIONS");
    section_note(pack, "medications", pack.medications.len());
    for m in &pack.medications {
        let d = m.prescribed_on.to_date();
        say!(
            "  {}{} {} — {} — {}, {} ({})  [{}]",
            new(m.prescribed_on),
            t(&m.name),
            t(m.strength.as_deref().unwrap_or("")),
            t(&m.instructions),
            t(&m.prescriber),
            d,
            age(d, today),
            source(m.source)
        );
        if let Some(c) = &m.change {
            say!(
                "    changed from {} to {} on {} by {}",
                t(&c.from),
                t(&c.to),
                c.date.to_date(),
                t(&c.by)
            );
        }
    }
    if !pack.stopped.is_empty() {
        println!();
        say!("STOPPED LATELY");
        for st in &pack.stopped {
            let why = st
                .reason
                .as_ref()
                .map(|r| format!(" ({})", t(r)))
                .unwrap_or_default();
            say!(
                "  {} stopped on {} by {}{why}  [{}]",
                t(&st.name),
                st.date.to_date(),
                t(&st.by),
                source(st.source)
            );
        }
    }
    println!();
    say!("LATEST LABS");
    section_note(pack, "labs", pack.labs.len());
    for l in &pack.labs {
        let unit = t(l.unit.as_deref().unwrap_or(""));
        let d = l.latest.date.to_date();
        let flag = if l.latest.abnormal { " *" } else { "" };
        let old = if today.signed_duration_since(d).num_days() > 365 {
            " OLD"
        } else {
            new(l.latest.date)
        };
        let previous = l
            .previous
            .first()
            .map(|p| format!("; was {} {unit} on {}", t(&p.value), p.date.to_date()))
            .unwrap_or_default();
        say!(
            "  {:<28} {} {unit}{flag} on {d} ({}){old}{previous}  [{}]",
            t(&l.analyte),
            t(&l.latest.value),
            age(d, today),
            source(l.source)
        );
    }
    // A pack from a writer that carried no vaccinations says nothing of them.
    if let Some(immunisations) = &pack.immunisations {
        println!();
        say!("VACCINATIONS");
        section_note(pack, "immunisations", immunisations.len());
        for v in immunisations {
            say!(
                "  {:<34} {:<8} {}{}  [{}]",
                t(&v.vaccine),
                t(v.dose.as_deref().unwrap_or("")),
                v.date.to_date(),
                new(v.date),
                source(v.source)
            );
        }
    }
    println!();
    say!("LETTERS");
    section_note(pack, "letters", pack.letters.len());
    for l in &pack.letters {
        let d = l.date.to_date();
        say!(
            "  {}{} {} ({}): {}  [{}]",
            d,
            new(l.date),
            t(&l.author),
            age(d, today),
            t(&l.subject),
            source(l.source)
        );
        match &l.body {
            Some(body) => body.lines().for_each(|line| say!("      {}", t(line))),
            None => {
                say!("      (full text not included; the patient can share it with --letter-text)")
            }
        }
    }
    if !share.proofs.is_empty() {
        println!();
        say!("SIGNATURES (checked on this device)");
        for check in &share.proofs {
            let outcome = match check.outcome {
                ProofOutcome::VerifiedHere => "verified here",
                ProofOutcome::NotVerifiableHere => "NOT verifiable here",
                ProofOutcome::DoesNotHold => "DOES NOT HOLD (its items read as the patient's)",
            };
            let reason = check
                .reason
                .as_ref()
                .map(|r| format!(" ({})", t(r)))
                .unwrap_or_default();
            say!("  [{outcome}] {}{reason}", t(&check.signer));
        }
    }
}

pub fn emergency(card: &carnet_core::share::emergency::VerifiedCard) {
    for line in &card.lines {
        say!("{line}");
    }
    println!();
    say!(
        "Check line matches. Card made on {} ({} days ago).",
        card.made_on,
        card.age_days
    );
}

/// What a FHIR (or CDA) import did, or would do with `--dry-run`: what was read per kind, what
/// the vault took, and every item left out with its reason.
pub fn import_report(report: &carnet_core::import::DocumentImportReport, profile: &str) {
    let verb = if report.stored {
        "Imported"
    } else {
        "Would import (dry run, nothing stored)"
    };
    say!("{verb} from a {} into {profile}:", report.format);
    if report.items.is_empty() {
        say!("  nothing Carnet keeps");
    }
    for item in &report.items {
        say!("  {:>4} {}", item.count, item.kind.as_str());
    }
    say!(
        "  records: {} new, {} replaced by a newer version, {} already here, {} held back",
        report.records_added,
        report.records_updated,
        report.records_unchanged,
        report.records_held_back
    );
    if let Some(p) = &report.patient {
        let mut traits = Vec::new();
        if let Some(n) = &p.name {
            traits.push(n.clone());
        }
        if let Some(b) = p.birth_date {
            traits.push(format!("born {b}"));
        }
        if let Some(i) = &p.ins {
            traits.push(format!("INS {i}"));
        }
        if !traits.is_empty() {
            say!(
                "  the file is about: {} (check it is {profile})",
                traits.join(", ")
            );
        }
    }
    if !report.skipped.is_empty() {
        say!("Not imported ({}):", report.skipped.len());
        for s in &report.skipped {
            say!("  {} {}: {}", s.place, s.item_type, s.reason);
        }
    }
    for note in &report.adjusted {
        say!("Note: {note}");
    }
}
