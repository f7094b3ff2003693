//! The printable summary a doctor can print during an outage: one self-contained HTML page
//! (inline CSS and SVG, no script, no external asset), French by default or English.
//!
//! Allergies come first. Every item shows its date and age, and its source: typed by the
//! patient, imported from a file, or signed by a practitioner (verified or not). A lab result
//! older than a year is marked old. All text from the share is HTML-escaped: a share is
//! outside input.

use super::pack::{ConsultationPack, Day, PackLab, SectionNote, Source};
use super::proofs::ProofOutcome;
use super::seal::{OpenedShare, ShareMode};
use chrono::NaiveDate;
use std::fmt::Write;

/// The language of the page's labels (the record's content stays as written).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    #[default]
    Fr,
    En,
}

impl std::str::FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "fr" => Ok(Self::Fr),
            "en" => Ok(Self::En),
            _ => Err("language is fr or en".into()),
        }
    }
}

struct Labels {
    lang: &'static str,
    title: &'static str,
    born: &'static str,
    years: &'static str,
    blood: &'static str,
    contact: &'static str,
    as_of: &'static str,
    printed: &'static str,
    allergies: &'static str,
    conditions: &'static str,
    medications: &'static str,
    labs: &'static str,
    letters: &'static str,
    none: &'static str,
    medication: &'static str,
    instructions: &'static str,
    prescribed: &'static str,
    until: &'static str,
    source: &'static str,
    analyte: &'static str,
    latest: &'static str,
    previous: &'static str,
    trend: &'static str,
    range: &'static str,
    since: &'static str,
    old: &'static str,
    new: &'static str,
    sealed_to: &'static str,
    open_share: &'static str,
    src_patient: &'static str,
    src_file: &'static str,
    src_verified: &'static str,
    src_unverified: &'static str,
    days: &'static str,
    months: &'static str,
    today: &'static str,
    footer: &'static str,
    letter_not_included: &'static str,
    signatures: &'static str,
    proof_does_not_hold: &'static str,
    not_shared: &'static str,
    partly_shared: &'static str,
    changed_on: &'static str,
    by: &'static str,
    stopped: &'static str,
    stopped_on: &'static str,
    colon: &'static str,
    immunisations: &'static str,
    vaccine: &'static str,
    date: &'static str,
    dose: &'static str,
    lot: &'static str,
}

const FR: Labels = Labels {
    lang: "fr",
    title: "Synthèse de consultation",
    born: "né(e) le",
    years: "ans",
    blood: "Groupe sanguin",
    contact: "Personne à prévenir",
    as_of: "Situation au",
    printed: "Imprimé le",
    allergies: "Allergies",
    conditions: "Pathologies en cours",
    medications: "Traitement en cours",
    labs: "Derniers résultats biologiques",
    letters: "Derniers courriers",
    none: "aucune donnée enregistrée",
    medication: "Médicament",
    instructions: "Posologie",
    prescribed: "Prescrit",
    until: "jusqu'au",
    source: "Source",
    analyte: "Analyse",
    latest: "Dernier résultat",
    previous: "Précédent",
    trend: "Évolution",
    range: "Normes",
    since: "depuis",
    old: "ancien",
    new: "nouveau",
    sealed_to: "Partage chiffré pour l'appareil",
    open_share: "Partage ouvert (lisible par quiconque scanne le code)",
    src_patient: "saisi par le patient",
    src_file: "importé d'un fichier",
    src_verified: "signé par un praticien, vérifié sur ce poste",
    src_unverified: "signé, non vérifiable sur ce poste",
    days: "j",
    months: "mois",
    today: "aujourd'hui",
    signatures: "Signatures des praticiens, vérifiées par ce poste",
    proof_does_not_hold: "signature invalide : traité comme saisi par le patient",
    not_shared: "non partagé par le patient",
    partly_shared: "Le patient n'a pas partagé tous les éléments de cette rubrique.",
    changed_on: "Dose modifiée le",
    by: "par",
    stopped: "Traitements arrêtés récemment",
    stopped_on: "arrêté le",
    colon: " :",
    immunisations: "Vaccinations",
    vaccine: "Vaccin",
    date: "Date",
    dose: "Dose",
    lot: "Lot",
    footer: "Document remis par le patient depuis son carnet de santé Carnet. Les éléments saisis par le patient n'ont pas été validés par un professionnel.",
    letter_not_included: "Texte intégral non inclus dans ce partage : le patient peut le partager sur demande.",
};

const EN: Labels = Labels {
    lang: "en",
    title: "Consultation summary",
    born: "born",
    years: "years",
    blood: "Blood group",
    contact: "Emergency contact",
    as_of: "As of",
    printed: "Printed",
    allergies: "Allergies",
    conditions: "Active conditions",
    medications: "Current medications",
    labs: "Latest lab results",
    letters: "Latest letters",
    none: "none recorded",
    medication: "Medication",
    instructions: "Instructions",
    prescribed: "Prescribed",
    until: "until",
    source: "Source",
    analyte: "Test",
    latest: "Latest",
    previous: "Previous",
    trend: "Trend",
    range: "Range",
    since: "since",
    old: "old",
    new: "new",
    sealed_to: "Encrypted share for device",
    open_share: "Open share (readable by anyone who scans the code)",
    src_patient: "entered by patient",
    src_file: "imported from file",
    src_verified: "signed by a practitioner, verified on this device",
    src_unverified: "signed, not verifiable on this device",
    days: "d",
    months: "mo",
    today: "today",
    signatures: "Practitioners' signatures, as this device checked them",
    proof_does_not_hold: "signature does not hold: read as entered by the patient",
    not_shared: "not shared by the patient",
    partly_shared: "The patient did not share every item of this section.",
    changed_on: "Dose changed on",
    by: "by",
    stopped: "Recently stopped",
    stopped_on: "stopped on",
    colon: ":",
    immunisations: "Vaccinations",
    vaccine: "Vaccine",
    date: "Date",
    dose: "Dose",
    lot: "Batch",
    footer: "Handed over by the patient from their Carnet health record. Items entered by the patient have not been checked by a professional.",
    letter_not_included: "Full text not included in this share: the patient can share it on request.",
};

use crate::markup::escape as esc;

/// What the doctor reads where a section shows nothing, or not all: none recorded, not
/// shared, or partly shared.
fn section_note(pack: &ConsultationPack, section: &str, items: usize, l: &Labels) -> String {
    match pack.section_note(section, items) {
        SectionNote::Complete => String::new(),
        SectionNote::NoneRecorded => format!("<p>{}</p>", l.none),
        SectionNote::NotShared => format!("<p class=\"withheld\">{}</p>", l.not_shared),
        SectionNote::PartlyShared => format!("<p class=\"withheld\">{}</p>", l.partly_shared),
    }
}

fn age(date: NaiveDate, today: NaiveDate, l: &Labels) -> String {
    let days = today.signed_duration_since(date).num_days();
    match days {
        i64::MIN..=0 => l.today.to_owned(),
        1..=60 => format!("{days} {}", l.days),
        _ => format!("{} {}", days / 30, l.months),
    }
}

fn source(s: Source, l: &Labels) -> String {
    let (class, text) = match s {
        Source::Patient => ("src-patient", l.src_patient),
        Source::File => ("src-file", l.src_file),
        Source::PractitionerVerified => ("src-verified", l.src_verified),
        Source::PractitionerUnverified => ("src-unverified", l.src_unverified),
    };
    format!("<span class=\"src {class}\">{}</span>", esc(text))
}

fn date_cell(day: Day, today: NaiveDate, l: &Labels) -> String {
    let d = day.to_date();
    format!(
        "{} <span class=\"age\">({})</span>",
        d.format("%d/%m/%Y"),
        esc(&age(d, today, l))
    )
}

/// A small inline SVG line of the numeric values, oldest to newest.
fn sparkline(lab: &PackLab) -> String {
    let mut points: Vec<(i32, f64)> = std::iter::once(&lab.latest)
        .chain(lab.previous.iter())
        .filter_map(|p| {
            p.value
                .replace(',', ".")
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .map(|v| (p.date.0, v))
        })
        .collect();
    if points.len() < 2 {
        return String::new();
    }
    points.sort_by_key(|p| p.0);
    let (w, h, pad) = (90.0, 24.0, 3.0);
    let (first, last) = (points[0].0, points[points.len() - 1].0);
    let (lo, hi) = points.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| {
        (lo.min(p.1), hi.max(p.1))
    });
    let span_x = f64::from((last - first).max(1));
    let span_y = if hi > lo { hi - lo } else { 1.0 };
    let coords: Vec<String> = points
        .iter()
        .map(|(d, v)| {
            let x = pad + (f64::from(d - first) / span_x) * (w - 2.0 * pad);
            let y = h - pad - ((v - lo) / span_y) * (h - 2.0 * pad);
            format!("{x:.1},{y:.1}")
        })
        .collect();
    let last_point = coords.last().cloned().unwrap_or_default();
    let (lx, ly) = last_point.split_once(',').unwrap_or(("0", "0"));
    format!(
        "<svg class=\"trend\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\"><polyline fill=\"none\" stroke=\"#1d4ed8\" stroke-width=\"1.5\" points=\"{}\"/><circle cx=\"{lx}\" cy=\"{ly}\" r=\"2.2\" fill=\"#1d4ed8\"/></svg>",
        coords.join(" ")
    )
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;margin:1.5rem;color:#111;font-size:11pt}\
h1{font-size:1.4rem;margin:0 0 .2rem}h2{font-size:1.05rem;border-bottom:2px solid #333;margin:1.2rem 0 .4rem;padding-bottom:.1rem}\
table{border-collapse:collapse;width:100%}th,td{text-align:left;border-bottom:1px solid #ccc;padding:.25rem .4rem;vertical-align:top}\
th{font-size:.85rem;color:#444}.meta{color:#333;margin:.1rem 0}.age{color:#555;font-size:.85rem}\
.allergies{border:3px solid #b91c1c;padding:.4rem .8rem;background:#fef2f2}.allergies h2{color:#b91c1c;border-color:#b91c1c;margin-top:.2rem}\
.severe{font-weight:bold;color:#b91c1c}.abnormal{font-weight:bold}.old{color:#92400e}.old .tag{background:#fde68a;padding:0 .3rem;border-radius:3px;font-size:.8rem}\
.new{background:#dcfce7;padding:0 .3rem;border-radius:3px;font-size:.8rem}.withheld{color:#92400e;font-style:italic}.changed{background:#fef3c7;padding:0 .3rem;border-radius:3px}.stopped{text-decoration-color:#b91c1c}.src{font-size:.8rem;white-space:nowrap}\
.src-verified{color:#166534;font-weight:bold}.src-unverified{color:#b91c1c;font-weight:bold}.src-patient,.src-file{color:#555}\
.letter{border-left:3px solid #999;padding:.2rem .8rem;margin:.5rem 0;white-space:pre-wrap}.mode{font-size:.85rem;color:#444}\
footer{margin-top:1.5rem;font-size:.8rem;color:#555}@media print{body{margin:0}.letter{break-inside:avoid}}";

/// Renders the page for a share read at `today`.
pub fn render(share: &OpenedShare, today: NaiveDate, printed_at: &str, lang: Lang) -> String {
    let l = match lang {
        Lang::Fr => &FR,
        Lang::En => &EN,
    };
    let pack: &ConsultationPack = &share.pack;
    let p = &pack.patient;
    let is_new = |d: Day| pack.changes_since.is_some_and(|since| d >= since);
    let new_tag = |d: Day| {
        if is_new(d) {
            format!(" <span class=\"new\">{}</span>", l.new)
        } else {
            String::new()
        }
    };
    let birth = p.birth_date.to_date();
    let mut h = String::with_capacity(16 * 1024);
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>{} — {}</title><style>{STYLE}</style></head><body>",
        l.lang,
        esc(l.title),
        esc(&p.name)
    );
    let _ = write!(h, "<header><h1>{}</h1>", esc(&p.name));
    let _ = write!(
        h,
        "<p class=\"meta\">{} {} ({} {})",
        l.born,
        birth.format("%d/%m/%Y"),
        today.years_since(birth).unwrap_or(0),
        l.years
    );
    if let Some(b) = &p.blood_group {
        let _ = write!(h, " · {} <strong>{}</strong>", l.blood, esc(b));
    }
    if let Some(ins) = &p.ins {
        let _ = write!(h, " · INS {}", esc(ins));
    }
    h.push_str("</p>");
    if let Some(c) = &p.emergency_contact {
        let _ = write!(
            h,
            "<p class=\"meta\">{}{} {}</p>",
            l.contact,
            l.colon,
            esc(c)
        );
    }
    let _ = write!(
        h,
        "<p class=\"meta\">{}{} {} · {} {}</p>",
        l.title,
        l.colon,
        esc(&format!(
            "{} {}",
            l.as_of,
            pack.as_of.to_date().format("%d/%m/%Y")
        )),
        l.printed,
        esc(printed_at)
    );
    let mode = match &share.mode {
        ShareMode::ToHello { fingerprint } => format!("{} {}", l.sealed_to, esc(fingerprint)),
        ShareMode::Open => l.open_share.to_owned(),
    };
    let _ = write!(h, "<p class=\"mode\">{mode}</p></header>");

    let _ = write!(h, "<section class=\"allergies\"><h2>{}</h2>", l.allergies);
    h.push_str(&section_note(pack, "allergies", pack.allergies.len(), l));
    if !pack.allergies.is_empty() {
        h.push_str("<ul>");
        for a in &pack.allergies {
            let severe = a.severity == Some(3);
            let _ = write!(
                h,
                "<li><span class=\"{}\">{}</span>{} {}</li>",
                if severe { "severe" } else { "" },
                esc(&a.substance),
                a.reaction
                    .as_ref()
                    .map(|r| format!(" — {}", esc(r)))
                    .unwrap_or_default(),
                source(a.source, l)
            );
        }
        h.push_str("</ul>");
    }
    h.push_str("</section>");

    let _ = write!(h, "<section><h2>{}</h2>", l.conditions);
    h.push_str(&section_note(pack, "conditions", pack.conditions.len(), l));
    if !pack.conditions.is_empty() {
        h.push_str("<ul>");
        for c in &pack.conditions {
            let since = c
                .since
                .map(|d| format!(" ({} {})", l.since, d.to_date().format("%m/%Y")))
                .unwrap_or_default();
            let _ = write!(
                h,
                "<li>{}{}{} {}</li>",
                esc(&c.name),
                esc(&since),
                new_tag(c.recorded),
                source(c.source, l)
            );
        }
        h.push_str("</ul>");
    }
    h.push_str("</section>");

    let _ = write!(h, "<section><h2>{}</h2>", l.medications);
    h.push_str(&section_note(
        pack,
        "medications",
        pack.medications.len(),
        l,
    ));
    if !pack.medications.is_empty() {
        let _ = write!(
            h,
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            l.medication, l.instructions, l.prescribed, l.source
        );
        for m in &pack.medications {
            let mut notes = m
                .notes
                .as_ref()
                .map(|n| format!("<br><em>{}</em>", esc(n)))
                .unwrap_or_default();
            if let Some(c) = &m.change {
                let _ = write!(
                    notes,
                    "<br><span class=\"changed\">{} {} {} {}{} {} → {}</span>",
                    l.changed_on,
                    c.date.to_date().format("%d/%m/%Y"),
                    l.by,
                    esc(&c.by),
                    l.colon,
                    esc(&c.from),
                    esc(&c.to)
                );
            }
            let _ = write!(
                h,
                "<tr><td><strong>{}</strong> {}{}</td><td>{}{}</td><td>{}<br>{} · {} {}</td><td>{}</td></tr>",
                esc(&m.name),
                esc(m.strength.as_deref().unwrap_or("")),
                new_tag(m.prescribed_on),
                esc(&m.instructions),
                notes,
                esc(&m.prescriber),
                date_cell(m.prescribed_on, today, l),
                l.until,
                m.ends_on.to_date().format("%d/%m/%Y"),
                source(m.source, l)
            );
        }
        h.push_str("</tbody></table>");
    }
    if !pack.stopped.is_empty() {
        let _ = write!(h, "<h3>{}</h3><ul>", l.stopped);
        for st in &pack.stopped {
            let why = st
                .reason
                .as_ref()
                .map(|r| format!(" — <em>{}</em>", esc(r)))
                .unwrap_or_default();
            let _ = write!(
                h,
                "<li class=\"stopped\"><strong>{}</strong> {} {} {} {}{why} {}</li>",
                esc(&st.name),
                l.stopped_on,
                st.date.to_date().format("%d/%m/%Y"),
                l.by,
                esc(&st.by),
                source(st.source, l)
            );
        }
        h.push_str("</ul>");
    }
    h.push_str("</section>");

    let _ = write!(h, "<section><h2>{}</h2>", l.labs);
    h.push_str(&section_note(pack, "labs", pack.labs.len(), l));
    if !pack.labs.is_empty() {
        let _ = write!(
            h,
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            l.analyte, l.latest, l.previous, l.trend, l.range, l.source
        );
        for lab in &pack.labs {
            let unit = esc(lab.unit.as_deref().unwrap_or(""));
            let old = today
                .signed_duration_since(lab.latest.date.to_date())
                .num_days()
                > 365;
            let prev = lab
                .previous
                .first()
                .map(|p| {
                    format!(
                        "{} {unit}<br>{}",
                        esc(&p.value),
                        date_cell(p.date, today, l)
                    )
                })
                .unwrap_or_else(|| "—".into());
            let _ = write!(
                h,
                "<tr class=\"{}\"><td>{}</td><td><span class=\"{}\">{} {unit}</span>{}{}<br>{}</td><td>{prev}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                if old { "old" } else { "" },
                esc(&lab.analyte),
                if lab.latest.abnormal { "abnormal" } else { "" },
                esc(&lab.latest.value),
                if lab.latest.abnormal { " ⚠" } else { "" },
                if old {
                    format!(" <span class=\"tag\">{}</span>", l.old)
                } else {
                    new_tag(lab.latest.date)
                },
                date_cell(lab.latest.date, today, l),
                sparkline(lab),
                esc(lab.reference_range.as_deref().unwrap_or("")),
                source(lab.source, l)
            );
        }
        h.push_str("</tbody></table>");
    }
    h.push_str("</section>");

    // A pack from a writer that carried no vaccinations says nothing of them.
    if let Some(immunisations) = &pack.immunisations {
        let _ = write!(h, "<section><h2>{}</h2>", l.immunisations);
        h.push_str(&section_note(pack, "immunisations", immunisations.len(), l));
        if !immunisations.is_empty() {
            let _ = write!(
                h,
                "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
                l.vaccine, l.date, l.dose, l.lot, l.source
            );
            for v in immunisations {
                let _ = write!(
                    h,
                    "<tr><td>{}</td><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&v.vaccine),
                    v.date.to_date().format("%d/%m/%Y"),
                    new_tag(v.date),
                    esc(v.dose.as_deref().unwrap_or("")),
                    esc(v.lot.as_deref().unwrap_or("")),
                    source(v.source, l)
                );
            }
            h.push_str("</tbody></table>");
        }
        h.push_str("</section>");
    }

    let _ = write!(h, "<section><h2>{}</h2>", l.letters);
    h.push_str(&section_note(pack, "letters", pack.letters.len(), l));
    for letter in &pack.letters {
        let specialty = letter
            .specialty
            .as_ref()
            .map(|s| format!(", {}", esc(s)))
            .unwrap_or_default();
        let _ = write!(
            h,
            "<article><p><strong>{}</strong>{specialty} — {}{} {}</p><p><strong>{}</strong></p><div class=\"letter\">{}</div></article>",
            esc(&letter.author),
            date_cell(letter.date, today, l),
            new_tag(letter.date),
            source(letter.source, l),
            esc(&letter.subject),
            letter
                .body
                .as_deref()
                .map(esc)
                .unwrap_or_else(|| esc(l.letter_not_included))
        );
    }
    h.push_str("</section>");
    if !share.proofs.is_empty() {
        let _ = write!(h, "<section><h2>{}</h2><ul>", l.signatures);
        for check in &share.proofs {
            let (class, outcome) = match check.outcome {
                ProofOutcome::VerifiedHere => ("src-verified", l.src_verified),
                ProofOutcome::NotVerifiableHere => ("src-unverified", l.src_unverified),
                ProofOutcome::DoesNotHold => ("src-unverified", l.proof_does_not_hold),
            };
            let signed = check
                .signed_at
                .map(|at| format!(" · {}", at.format("%d/%m/%Y %H:%M UTC")))
                .unwrap_or_default();
            let reason = check
                .reason
                .as_ref()
                .map(|r| format!(" ({})", esc(r)))
                .unwrap_or_default();
            let _ = write!(
                h,
                "<li><span class=\"src {class}\">{}</span> {}{signed}{reason}</li>",
                esc(outcome),
                esc(&check.signer)
            );
        }
        h.push_str("</ul></section>");
    }
    let _ = write!(h, "<footer>{}</footer></body></html>", esc(l.footer));
    h
}
