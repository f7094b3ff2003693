//! A realistic demo family, for `carnet demo`, the apps' demo mode, tests and benchmarks.
//!
//! - Camille Martin, 60, the vault's owner: hypertension and type 2 diabetes, five current
//!   medications, three lab reports over a year (HbA1c, creatinine, eGFR, potassium, lipids),
//!   and a cardiologist's letter that halved her beta-blocker five weeks ago.
//! - Léa Martin, 7, her daughter: a severe peanut allergy, an adrenaline auto-injector, her
//!   immunisations.
//! - Jean Martin, 85, her father in her care: four conditions and nine medications.
//!
//! Dates are relative to `today`, so the record always reads as current. All names and
//! numbers are invented.

use crate::model::*;
use crate::vault::{Vault, VaultError};
use chrono::{Days, NaiveDate};

fn ago(today: NaiveDate, days: u64) -> NaiveDate {
    today.checked_sub_days(Days::new(days)).unwrap_or(today)
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap_or_default()
}

fn med(
    name: &str,
    atc: &str,
    strength: &str,
    instructions: &str,
    days: u32,
    renewals: u8,
) -> Medication {
    Medication {
        name: name.into(),
        code: Some(CodedConcept::new("ATC", atc)),
        strength: Some(strength.into()),
        instructions: instructions.into(),
        duration: Some(MedicationDuration::Days(days)),
        renewals,
        notes: None,
        stop: None,
    }
}

fn result(
    analyte: &str,
    loinc: &str,
    value: f64,
    unit: &str,
    low: Option<f64>,
    high: Option<f64>,
) -> LabResult {
    let abnormal = low.is_some_and(|l| value < l) || high.is_some_and(|h| value > h);
    LabResult {
        analyte: analyte.into(),
        loinc: Some(loinc.into()),
        value: LabValue::Numeric(value),
        unit: Some(unit.into()),
        reference_range: Some(ReferenceRange {
            low,
            high,
            text: None,
        }),
        abnormal,
    }
}

fn gp() -> Prescriber {
    Prescriber {
        name: "Dr Anne Leroy".into(),
        specialty: Some("médecine générale".into()),
        rpps: Rpps::parse("10003456786").ok(),
    }
}

fn condition(name: &str, icd10: &str, onset: &str) -> RecordBody {
    RecordBody::Condition(Condition {
        name: name.into(),
        code: Some(CodedConcept::new("CIM-10", icd10)),
        status: ConditionStatus::Active,
        onset: Some(date(onset)),
        notes: None,
    })
}

/// The adult: hypertension and type 2 diabetes, five current medications, three lab reports
/// over a year, and a cardiologist's letter that halved the beta-blocker.
pub fn adult_records(profile: ProfileId, today: NaiveDate) -> Vec<NewRecord> {
    let mut records = vec![
        condition("Hypertension artérielle", "I10", "2014-03-01"),
        condition("Diabète de type 2", "E11", "2017-09-01"),
        RecordBody::Allergy(Allergy {
            substance: "Produits de contraste iodés".into(),
            code: None,
            reaction: Some("urticaire généralisée".into()),
            severity: Some(AllergySeverity::Moderate),
            noted_on: Some(date("2019-02-11")),
        }),
        RecordBody::Prescription(Prescription {
            prescriber: gp(),
            date: ago(today, 360),
            medications: vec![med(
                "Amoxicilline",
                "J01CA04",
                "1 g, comprimé",
                "1 comprimé matin et soir",
                7,
                0,
            )],
            notes: Some("Bronchite aiguë".into()),
        }),
        RecordBody::Prescription(Prescription {
            prescriber: gp(),
            date: ago(today, 150),
            medications: vec![
                med(
                    "Metformine",
                    "A10BA02",
                    "1000 mg, comprimé",
                    "1 comprimé matin et soir au repas",
                    90,
                    3,
                ),
                med(
                    "Ramipril",
                    "C09AA05",
                    "5 mg, comprimé",
                    "1 comprimé le matin",
                    90,
                    3,
                ),
                med(
                    "Atorvastatine",
                    "C10AA05",
                    "20 mg, comprimé",
                    "1 comprimé le soir",
                    90,
                    3,
                ),
                med(
                    "Bisoprolol",
                    "C07AB07",
                    "5 mg, comprimé",
                    "1 comprimé le matin",
                    90,
                    3,
                ),
                med(
                    "Acide acétylsalicylique",
                    "B01AC06",
                    "75 mg, sachet",
                    "1 sachet le midi",
                    90,
                    3,
                ),
            ],
            notes: None,
        }),
    ];
    /// Days ago, HbA1c %, creatinine µmol/L, eGFR, potassium, LDL g/L, HDL g/L, triglycerides g/L.
    type LabDay = (u64, f64, f64, f64, f64, f64, f64, f64);
    let labs: [LabDay; 3] = [
        (350, 8.1, 84.0, 86.0, 4.2, 1.62, 0.42, 2.10),
        (190, 7.4, 91.0, 79.0, 4.6, 1.21, 0.45, 1.70),
        (21, 6.9, 99.0, 71.0, 5.3, 0.96, 0.47, 1.45),
    ];
    for (days, hba1c, creat, egfr, k, ldl, hdl, tg) in labs {
        records.push(RecordBody::LabReport(LabReport {
            laboratory: "Laboratoire Bio Centre, Tours".into(),
            collection_date: ago(today, days),
            results: vec![
                result(
                    "Hémoglobine glyquée (HbA1c)",
                    "4548-4",
                    hba1c,
                    "%",
                    Some(4.0),
                    Some(6.0),
                ),
                result(
                    "Créatinine",
                    "2160-0",
                    creat,
                    "µmol/L",
                    Some(45.0),
                    Some(90.0),
                ),
                result(
                    "DFG (CKD-EPI)",
                    "62238-1",
                    egfr,
                    "mL/min/1,73m²",
                    Some(90.0),
                    None,
                ),
                result("Potassium", "2823-3", k, "mmol/L", Some(3.5), Some(5.0)),
                result("Cholestérol LDL", "13457-7", ldl, "g/L", None, Some(1.0)),
                result("Cholestérol HDL", "2085-9", hdl, "g/L", Some(0.4), None),
                result("Triglycérides", "2571-8", tg, "g/L", None, Some(1.5)),
            ],
        }));
    }
    records
        .into_iter()
        .map(|body| NewRecord::entered(profile, body))
        .collect()
}

/// The cardiologist's visit five weeks ago: the letter and the prescription that halved the
/// beta-blocker. The demo program hands these over signed by the cardiologist;
/// [`populate`] stores them as typed by the patient.
pub fn cardiology_visit(today: NaiveDate) -> Vec<RecordBody> {
    vec![
        RecordBody::Prescription(Prescription {
            prescriber: Prescriber {
                name: "Dr Karim Benali".into(),
                specialty: Some("cardiologie".into()),
                rpps: Rpps::parse("10101234564").ok(),
            },
            date: ago(today, 36),
            medications: vec![Medication {
                notes: Some("Dose réduite de 5 à 2,5 mg (bradycardie)".into()),
                ..med(
                    "Bisoprolol",
                    "C07AB07",
                    "2,5 mg, comprimé",
                    "1 comprimé le matin",
                    90,
                    3,
                )
            }],
            notes: None,
        }),
        RecordBody::Letter(Letter {
            author: "Dr Karim Benali".into(),
            specialty: Some("cardiologie".into()),
            date: ago(today, 36),
            subject: "Consultation de cardiologie : bradycardie sous bêtabloquant".into(),
            body: "Cher confrère,\n\n\
                   J'ai revu ce jour votre patiente pour des épisodes de fatigue et de vertiges. \
                   La fréquence cardiaque de repos est à 48/min, la tension à 128/76 mmHg. \
                   L'ECG montre une bradycardie sinusale sans trouble conductif. \
                   L'échographie cardiaque est normale (FEVG 60 %).\n\n\
                   Je réduis le bisoprolol de 5 mg à 2,5 mg le matin. \
                   Le reste du traitement est inchangé. Je vous propose un contrôle de la \
                   kaliémie et de la créatinine sous ramipril, et je la reverrai dans six mois.\n\n\
                   Bien confraternellement,\nDr Karim Benali"
                .into(),
        }),
    ]
}

/// The child: a severe peanut allergy, an adrenaline auto-injector, routine immunisations.
pub fn child_records(profile: ProfileId, today: NaiveDate) -> Vec<NewRecord> {
    let vaccine = |name: &str, atc: &str, when: &str, dose: &str, lot: &str| {
        RecordBody::Immunisation(Immunisation {
            vaccine: name.into(),
            code: Some(CodedConcept::new("ATC", atc)),
            date: date(when),
            dose: Some(dose.into()),
            lot: Some(lot.into()),
            administered_by: Some("Dr Anne Leroy".into()),
        })
    };
    let records = vec![
        RecordBody::Allergy(Allergy {
            substance: "Arachide".into(),
            code: None,
            reaction: Some("anaphylaxie (2021)".into()),
            severity: Some(AllergySeverity::Severe),
            noted_on: Some(date("2021-06-18")),
        }),
        vaccine("Hexavalent DTCaP-Hib-HepB", "J07CA09", "2019-07-03", "dose 1", "A21CB473"),
        vaccine("Hexavalent DTCaP-Hib-HepB", "J07CA09", "2019-09-04", "dose 2", "A21CB473"),
        vaccine("Hexavalent DTCaP-Hib-HepB", "J07CA09", "2020-05-06", "rappel", "A21CC102"),
        vaccine("Pneumocoque conjugué", "J07AL02", "2019-07-03", "dose 1", "HJ7781"),
        vaccine("Méningocoque C", "J07AH07", "2019-10-02", "dose 1", "MC2210"),
        vaccine("ROR (rougeole, oreillons, rubéole)", "J07BD52", "2020-05-06", "dose 1", "R0R1193"),
        vaccine("ROR (rougeole, oreillons, rubéole)", "J07BD52", "2020-08-05", "dose 2", "R0R1207"),
        RecordBody::Prescription(Prescription {
            prescriber: Prescriber { name: "Dr Claire Dubois".into(), specialty: Some("allergologie".into()), rpps: None },
            date: ago(today, 80),
            medications: vec![Medication {
                name: "Adrénaline auto-injecteur".into(),
                code: Some(CodedConcept::new("ATC", "C01CA24")),
                strength: Some("0,15 mg".into()),
                instructions: "1 injection dans la cuisse en cas de réaction allergique grave, puis appeler le 15".into(),
                duration: Some(MedicationDuration::Days(365)),
                renewals: 0,
                notes: Some("Deux stylos : un à l'école, un à la maison".into()),
                stop: None,
            }],
            notes: None,
        }),
    ];
    records
        .into_iter()
        .map(|body| NewRecord::entered(profile, body))
        .collect()
}

/// The elderly parent: atrial fibrillation, heart failure, hypothyroidism; nine medications.
pub fn parent_records(profile: ProfileId, today: NaiveDate) -> Vec<NewRecord> {
    let records = vec![
        condition("Fibrillation atriale", "I48", "2016-01-01"),
        condition("Insuffisance cardiaque", "I50", "2020-04-01"),
        condition("Hypothyroïdie", "E03", "2009-01-01"),
        condition("Gonarthrose", "M17", "2012-01-01"),
        RecordBody::Allergy(Allergy {
            substance: "Sulfamides".into(),
            code: None,
            reaction: Some("éruption cutanée".into()),
            severity: Some(AllergySeverity::Mild),
            noted_on: None,
        }),
        RecordBody::Prescription(Prescription {
            prescriber: gp(),
            date: ago(today, 60),
            medications: vec![
                med(
                    "Apixaban",
                    "B01AF02",
                    "2,5 mg, comprimé",
                    "1 comprimé matin et soir",
                    90,
                    3,
                ),
                med(
                    "Furosémide",
                    "C03CA01",
                    "40 mg, comprimé",
                    "1 comprimé le matin",
                    90,
                    3,
                ),
                med(
                    "Lévothyroxine",
                    "H03AA01",
                    "75 µg, comprimé",
                    "1 comprimé le matin à jeun",
                    90,
                    3,
                ),
                med(
                    "Bisoprolol",
                    "C07AB07",
                    "2,5 mg, comprimé",
                    "1 comprimé le matin",
                    90,
                    3,
                ),
                med(
                    "Ramipril",
                    "C09AA05",
                    "2,5 mg, comprimé",
                    "1 comprimé le soir",
                    90,
                    3,
                ),
                med(
                    "Atorvastatine",
                    "C10AA05",
                    "10 mg, comprimé",
                    "1 comprimé le soir",
                    90,
                    3,
                ),
                med(
                    "Oméprazole",
                    "A02BC01",
                    "20 mg, gélule",
                    "1 gélule le matin",
                    90,
                    3,
                ),
                med(
                    "Paracétamol",
                    "N02BE01",
                    "1 g, comprimé",
                    "1 comprimé jusqu'à 3 fois par jour si douleur",
                    90,
                    3,
                ),
                med(
                    "Cholécalciférol",
                    "A11CC05",
                    "100 000 UI, ampoule",
                    "1 ampoule tous les 3 mois",
                    90,
                    3,
                ),
            ],
            notes: None,
        }),
        // Eight weeks of a proton-pump inhibitor are over: the GP stops it.
        RecordBody::Prescription(Prescription {
            prescriber: gp(),
            date: ago(today, 12),
            medications: vec![Medication {
                instructions: "arrêt".into(),
                duration: None,
                renewals: 0,
                stop: Some(MedicationStop {
                    reason: Some("8 semaines de traitement terminées, plus d'indication".into()),
                }),
                ..med("Oméprazole", "A02BC01", "20 mg, gélule", "", 0, 0)
            }],
            notes: None,
        }),
        RecordBody::LabReport(LabReport {
            laboratory: "Laboratoire Bio Centre, Tours".into(),
            collection_date: ago(today, 45),
            results: vec![
                result(
                    "Créatinine",
                    "2160-0",
                    118.0,
                    "µmol/L",
                    Some(59.0),
                    Some(104.0),
                ),
                result(
                    "DFG (CKD-EPI)",
                    "62238-1",
                    51.0,
                    "mL/min/1,73m²",
                    Some(90.0),
                    None,
                ),
                result("Potassium", "2823-3", 4.4, "mmol/L", Some(3.5), Some(5.0)),
                result("TSH", "3016-3", 2.1, "mUI/L", Some(0.4), Some(4.0)),
                result("NT-proBNP", "33762-6", 890.0, "ng/L", None, Some(450.0)),
            ],
        }),
    ];
    records
        .into_iter()
        .map(|body| NewRecord::entered(profile, body))
        .collect()
}

/// The three profiles the demo adds.
#[derive(Clone, Debug)]
pub struct DemoFamily {
    pub adult: Profile,
    pub child: Profile,
    pub parent: Profile,
}

/// Adds the demo family and their records to `vault`, dated relative to `today`, the
/// cardiology visit included as typed by the patient.
pub fn populate(vault: &Vault, today: NaiveDate) -> Result<DemoFamily, VaultError> {
    let family = populate_family(vault, today)?;
    let visit = cardiology_visit(today)
        .into_iter()
        .map(|body| NewRecord::entered(family.adult.id, body))
        .collect();
    vault.add_records(visit)?;
    Ok(family)
}

/// [`populate`] without the cardiology visit, for a caller that imports it signed.
pub fn populate_family(vault: &Vault, today: NaiveDate) -> Result<DemoFamily, VaultError> {
    let mut adult = NewProfile::new("Camille Martin", date("1966-03-14"), Relationship::Owner);
    adult.ins = Ins::parse("2 66 03 75 115 123 40").ok();
    adult.blood_group = Some(BloodGroup::APos);
    adult.emergency_contact = Some(EmergencyContact {
        name: "Thomas Martin".into(),
        phone: "06 12 34 56 78".into(),
        relationship: Some("conjoint".into()),
    });
    let adult = vault.add_profile(adult)?;
    let mut child = NewProfile::new("Léa Martin", date("2019-05-02"), Relationship::Child);
    child.blood_group = Some(BloodGroup::OPos);
    child.emergency_contact = Some(EmergencyContact {
        name: "Camille Martin".into(),
        phone: "06 98 76 54 32".into(),
        relationship: Some("mère".into()),
    });
    let child = vault.add_profile(child)?;
    let mut parent = NewProfile::new("Jean Martin", date("1941-09-23"), Relationship::Parent);
    parent.emergency_contact = Some(EmergencyContact {
        name: "Camille Martin".into(),
        phone: "06 98 76 54 32".into(),
        relationship: Some("fille".into()),
    });
    let parent = vault.add_profile(parent)?;
    vault.add_records(adult_records(adult.id, today))?;
    vault.add_records(child_records(child.id, today))?;
    vault.add_records(parent_records(parent.id, today))?;
    Ok(DemoFamily {
        adult,
        child,
        parent,
    })
}

/// A CR-BIO lab report (CDA R2, CI-SIS 2024.01) for `patient`, as her laboratory would send it
/// by MSSanté: a thyroid check dated three days before `today`, written for the demo (not a
/// copy of the ANS's examples), with no PDF. The demo imports it as a patient would.
pub fn laboratory_report_cda(patient: &Profile, today: NaiveDate) -> String {
    let day = today - Days::new(3);
    let stamp = day.format("%Y%m%d");
    let ins = patient
        .ins
        .as_ref()
        .map(|i| {
            format!(
                r#"<id root="1.2.250.1.213.1.4.8" extension="{}"/>"#,
                i.as_str()
            )
        })
        .unwrap_or_default();
    let (given, family) = patient
        .display_name
        .split_once(' ')
        .unwrap_or((patient.display_name.as_str(), ""));
    let result = |n: u32,
                  loinc: &str,
                  name: &str,
                  value: &str,
                  unit: &str,
                  low: &str,
                  high: &str| {
        format!(
            r##"<entryRelationship typeCode="COMP"><observation classCode="OBS" moodCode="EVN">
  <templateId root="1.3.6.1.4.1.19376.1.3.1.6"/><templateId root="1.2.250.1.213.1.1.3.80"/>
  <code code="{loinc}" codeSystem="2.16.840.1.113883.6.1" codeSystemName="LOINC" displayName="{name}">
    <originalText><reference value="#resultat-{n}"/></originalText></code>
  <statusCode code="completed"/><effectiveTime value="{stamp}0830+0100"/>
  <value xsi:type="PQ" value="{value}" unit="{unit}"/>
  <interpretationCode code="N" codeSystem="2.16.840.1.113883.5.83"/>
  <referenceRange typeCode="REFV"><observationRange classCode="OBS" moodCode="EVN.CRT">
    <value xsi:type="IVL_PQ"><low value="{low}" unit="{unit}"/><high value="{high}" unit="{unit}"/></value>
  </observationRange></referenceRange>
</observation></entryRelationship>"##
        )
    };
    format!(
        r##"<?xml version="1.0" encoding="UTF-8"?>
<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>
<templateId root="2.16.840.1.113883.2.8.2.1"/><templateId root="1.2.250.1.213.1.1.1.1"/>
<templateId root="1.3.6.1.4.1.19376.1.3.3"/><templateId root="1.2.250.1.213.1.1.1.55" extension="2024.01"/>
<id root="1.2.250.1.999.1.{stamp}.1"/>
<code code="11502-2" codeSystem="2.16.840.1.113883.6.1" displayName="CR d'examens biologiques"/>
<title>Compte rendu d'examens biologiques</title>
<effectiveTime value="{stamp}1700+0100"/>
<setId root="1.2.250.1.999.1.{stamp}"/><versionNumber value="1"/>
<recordTarget><patientRole>{ins}<patient><name><given>{given}</given><family>{family}</family></name>
<birthTime value="{birth}"/></patient></patientRole></recordTarget>
<author><time value="{stamp}1700+0100"/><assignedAuthor>
<id root="1.2.250.1.71.4.2.1" extension="810005678908"/>
<code code="SM05" displayName="Biologie médicale"/>
<assignedPerson><name><prefix>Dr</prefix><given>Hélène</given><family>Roux</family></name></assignedPerson>
<representedOrganization><name>Laboratoire Bio Centre, Tours</name></representedOrganization>
</assignedAuthor></author>
<component><structuredBody><component><section>
<templateId root="1.3.6.1.4.1.19376.1.3.3.2.1"/>
<code code="18719-5" codeSystem="2.16.840.1.113883.6.1" displayName="Biochimie"/>
<title>Bilan thyroïdien et martial</title>
<text><table><tbody>
<tr><td><content ID="resultat-1">TSH</content></td><td>1,85 mUI/L</td><td>(0,27 - 4,20)</td></tr>
<tr><td><content ID="resultat-2">Ferritine</content></td><td>48 µg/L</td><td>(15 - 150)</td></tr>
</tbody></table></text>
<entry typeCode="DRIV"><templateId root="1.3.6.1.4.1.19376.1.3.1"/><act classCode="ACT" moodCode="EVN">
<code code="18719-5" codeSystem="2.16.840.1.113883.6.1" displayName="Biochimie"/><statusCode code="completed"/>
{tsh}
{ferritin}
</act></entry>
</section></component></structuredBody></component>
</ClinicalDocument>
"##,
        birth = patient.birth_date.format("%Y%m%d"),
        tsh = result(
            1,
            "3016-3",
            "Thyréostimuline",
            "1.85",
            "m[IU]/L",
            "0.27",
            "4.20"
        ),
        ferritin = result(2, "2276-4", "Ferritine", "48", "ug/L", "15", "150"),
    )
}
