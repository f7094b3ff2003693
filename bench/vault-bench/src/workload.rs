//! A deterministic, realistic record set for one profile: a patient with chronic conditions
//! followed for 25 years by a GP and several specialists.
//!
//! Mix (of `n` records): prescriptions 40 %, lab reports 30 % (3 to 12 results each), letters
//! 15 % (a few sentences of French clinical prose), immunisations 7 %, scanned documents 4 %,
//! conditions 2 %, allergies 2 %. Texts carry accents; codes are real ATC, LOINC and CIM-10
//! codes; provenance is mostly patient-entered, with signed and imported records. The same
//! seed gives the same records (a small SplitMix64 generator, no dependency).

use carnet_core::model::{
    Allergy, AllergySeverity, CodedConcept, Condition, ConditionStatus, Document, Immunisation,
    LabReport, LabResult, LabValue, Letter, Medication, MedicationDuration, NewRecord, Prescriber,
    Prescription, ProfileId, Provenance, RecordBody, ReferenceRange,
};
use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};

/// SplitMix64: tiny, fast, and the same on every platform.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// Uniform in `0.0..1.0`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

/// The first and last days records are dated.
pub const FIRST_DAY: (i32, u32, u32) = (2001, 6, 1);
/// Records run up to the day before [`crate::TODAY`].
pub const LAST_DAY: (i32, u32, u32) = (2026, 5, 31);

fn ymd((y, m, d): (i32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

struct Drug {
    name: &'static str,
    atc: &'static str,
    strength: &'static str,
    instructions: &'static str,
    chronic: bool,
}

const DRUGS: &[Drug] = &[
    Drug {
        name: "Metformine",
        atc: "A10BA02",
        strength: "1000 mg, comprimé",
        instructions: "1 comprimé matin et soir au cours des repas",
        chronic: true,
    },
    Drug {
        name: "Gliclazide",
        atc: "A10BB09",
        strength: "30 mg, comprimé à libération modifiée",
        instructions: "1 comprimé le matin",
        chronic: true,
    },
    Drug {
        name: "Sitagliptine",
        atc: "A10BH01",
        strength: "100 mg, comprimé",
        instructions: "1 comprimé par jour",
        chronic: true,
    },
    Drug {
        name: "Insuline glargine",
        atc: "A10AE04",
        strength: "100 U/ml, stylo prérempli",
        instructions: "18 unités le soir, à adapter selon les glycémies",
        chronic: true,
    },
    Drug {
        name: "Ramipril",
        atc: "C09AA05",
        strength: "5 mg, gélule",
        instructions: "1 gélule le matin",
        chronic: true,
    },
    Drug {
        name: "Amlodipine",
        atc: "C08CA01",
        strength: "5 mg, gélule",
        instructions: "1 gélule le soir",
        chronic: true,
    },
    Drug {
        name: "Bisoprolol",
        atc: "C07AB07",
        strength: "2,5 mg, comprimé sécable",
        instructions: "1 comprimé le matin",
        chronic: true,
    },
    Drug {
        name: "Atorvastatine",
        atc: "C10AA05",
        strength: "20 mg, comprimé",
        instructions: "1 comprimé le soir",
        chronic: true,
    },
    Drug {
        name: "Rosuvastatine",
        atc: "C10AA07",
        strength: "10 mg, comprimé",
        instructions: "1 comprimé le soir",
        chronic: true,
    },
    Drug {
        name: "Acide acétylsalicylique",
        atc: "B01AC06",
        strength: "75 mg, sachet",
        instructions: "1 sachet par jour au déjeuner",
        chronic: true,
    },
    Drug {
        name: "Apixaban",
        atc: "B01AF02",
        strength: "5 mg, comprimé",
        instructions: "1 comprimé matin et soir",
        chronic: true,
    },
    Drug {
        name: "Furosémide",
        atc: "C03CA01",
        strength: "40 mg, comprimé",
        instructions: "1 comprimé le matin",
        chronic: true,
    },
    Drug {
        name: "Lévothyroxine",
        atc: "H03AA01",
        strength: "75 µg, comprimé",
        instructions: "1 comprimé à jeun le matin",
        chronic: true,
    },
    Drug {
        name: "Oméprazole",
        atc: "A02BC01",
        strength: "20 mg, gélule gastro-résistante",
        instructions: "1 gélule le matin avant le repas",
        chronic: false,
    },
    Drug {
        name: "Paracétamol",
        atc: "N02BE01",
        strength: "1 g, comprimé",
        instructions: "1 comprimé jusqu'à 3 fois par jour si douleur, espacer de 6 heures",
        chronic: false,
    },
    Drug {
        name: "Ibuprofène",
        atc: "M01AE01",
        strength: "400 mg, comprimé",
        instructions: "1 comprimé 3 fois par jour pendant les repas",
        chronic: false,
    },
    Drug {
        name: "Amoxicilline",
        atc: "J01CA04",
        strength: "1 g, comprimé dispersible",
        instructions: "1 comprimé matin, midi et soir",
        chronic: false,
    },
    Drug {
        name: "Amoxicilline/Acide clavulanique",
        atc: "J01CR02",
        strength: "1 g/125 mg, sachet",
        instructions: "1 sachet 3 fois par jour",
        chronic: false,
    },
    Drug {
        name: "Azithromycine",
        atc: "J01FA10",
        strength: "250 mg, comprimé",
        instructions: "2 comprimés le premier jour puis 1 par jour",
        chronic: false,
    },
    Drug {
        name: "Sertraline",
        atc: "N06AB06",
        strength: "50 mg, gélule",
        instructions: "1 gélule le matin",
        chronic: true,
    },
    Drug {
        name: "Zopiclone",
        atc: "N05CF01",
        strength: "7,5 mg, comprimé",
        instructions: "1/2 comprimé au coucher si besoin",
        chronic: false,
    },
    Drug {
        name: "Salbutamol",
        atc: "R03AC02",
        strength: "100 µg/dose, suspension pour inhalation",
        instructions: "2 bouffées si gêne respiratoire",
        chronic: false,
    },
    Drug {
        name: "Budésonide/Formotérol",
        atc: "R03AK07",
        strength: "200/6 µg, poudre pour inhalation",
        instructions: "1 inhalation matin et soir",
        chronic: true,
    },
    Drug {
        name: "Colécalciférol",
        atc: "A11CC05",
        strength: "100 000 UI, ampoule buvable",
        instructions: "1 ampoule tous les 3 mois",
        chronic: true,
    },
    Drug {
        name: "Allopurinol",
        atc: "M04AA01",
        strength: "100 mg, comprimé",
        instructions: "1 comprimé par jour",
        chronic: true,
    },
    Drug {
        name: "Tramadol",
        atc: "N02AX02",
        strength: "50 mg, gélule",
        instructions: "1 gélule toutes les 6 heures si douleur intense",
        chronic: false,
    },
    Drug {
        name: "Prednisolone",
        atc: "H02AB06",
        strength: "20 mg, comprimé orodispersible",
        instructions: "2 comprimés le matin pendant 5 jours",
        chronic: false,
    },
    Drug {
        name: "Cétirizine",
        atc: "R06AE07",
        strength: "10 mg, comprimé",
        instructions: "1 comprimé le soir pendant la saison des pollens",
        chronic: false,
    },
];

const PRESCRIBERS: &[(&str, Option<&str>)] = &[
    ("Dr Claire Fontaine", Some("médecine générale")),
    ("Dr Hugo Lemaire", Some("médecine générale")),
    ("Dr Karim Benali", Some("cardiologie")),
    ("Dr Sophie Nguyen", Some("endocrinologie")),
    ("Dr Marc Aubert", Some("pneumologie")),
    ("Dr Inès Haddad", Some("néphrologie")),
    ("Dr Paul Girard", Some("rhumatologie")),
    ("Dr Léa Rousseau", None),
];

struct Analyte {
    name: &'static str,
    loinc: &'static str,
    unit: &'static str,
    low: f64,
    high: f64,
}

const ANALYTES: &[Analyte] = &[
    Analyte {
        name: "Hémoglobine glyquée (HbA1c)",
        loinc: "4548-4",
        unit: "%",
        low: 4.0,
        high: 6.0,
    },
    Analyte {
        name: "Glycémie à jeun",
        loinc: "1558-6",
        unit: "mmol/L",
        low: 3.9,
        high: 5.5,
    },
    Analyte {
        name: "Créatinine",
        loinc: "2160-0",
        unit: "µmol/L",
        low: 59.0,
        high: 104.0,
    },
    Analyte {
        name: "DFG estimé (CKD-EPI)",
        loinc: "62238-1",
        unit: "mL/min/1,73m²",
        low: 90.0,
        high: 120.0,
    },
    Analyte {
        name: "Potassium",
        loinc: "2823-3",
        unit: "mmol/L",
        low: 3.5,
        high: 5.0,
    },
    Analyte {
        name: "Sodium",
        loinc: "2951-2",
        unit: "mmol/L",
        low: 136.0,
        high: 145.0,
    },
    Analyte {
        name: "Cholestérol LDL",
        loinc: "13457-7",
        unit: "g/L",
        low: 0.5,
        high: 1.6,
    },
    Analyte {
        name: "Cholestérol HDL",
        loinc: "2085-9",
        unit: "g/L",
        low: 0.4,
        high: 0.9,
    },
    Analyte {
        name: "Triglycérides",
        loinc: "2571-8",
        unit: "g/L",
        low: 0.35,
        high: 1.5,
    },
    Analyte {
        name: "TSH",
        loinc: "3016-3",
        unit: "mUI/L",
        low: 0.4,
        high: 4.0,
    },
    Analyte {
        name: "Hémoglobine",
        loinc: "718-7",
        unit: "g/dL",
        low: 13.0,
        high: 17.0,
    },
    Analyte {
        name: "Leucocytes",
        loinc: "6690-2",
        unit: "G/L",
        low: 4.0,
        high: 10.0,
    },
    Analyte {
        name: "Plaquettes",
        loinc: "777-3",
        unit: "G/L",
        low: 150.0,
        high: 400.0,
    },
    Analyte {
        name: "ALAT",
        loinc: "1742-6",
        unit: "UI/L",
        low: 7.0,
        high: 40.0,
    },
    Analyte {
        name: "Protéine C réactive",
        loinc: "1988-5",
        unit: "mg/L",
        low: 0.0,
        high: 5.0,
    },
    Analyte {
        name: "Acide urique",
        loinc: "3084-1",
        unit: "µmol/L",
        low: 200.0,
        high: 420.0,
    },
    Analyte {
        name: "Microalbuminurie",
        loinc: "14957-5",
        unit: "mg/L",
        low: 0.0,
        high: 30.0,
    },
];

const LABORATORIES: &[&str] = &[
    "Laboratoire Cerballiance Lyon Part-Dieu",
    "Biogroup — site de Villeurbanne",
    "Laboratoire Eurofins Biomnis",
    "Synlab Rhône-Alpes, Bron",
];

const LETTER_SUBJECTS: &[&str] = &[
    "Consultation de suivi",
    "Compte rendu d'hospitalisation",
    "Bilan cardiologique annuel",
    "Adaptation du traitement antidiabétique",
    "Avis sur l'insuffisance rénale chronique",
    "Compte rendu d'échographie cardiaque",
    "Épreuve d'effort",
    "Explorations fonctionnelles respiratoires",
    "Consultation post-opératoire",
];

const LETTER_SENTENCES: &[&str] = &[
    "Cher confrère, j'ai revu en consultation votre patient que vous connaissez bien.",
    "La tension artérielle est à 132/78 mmHg, la fréquence cardiaque à 68 battements par minute.",
    "L'hémoglobine glyquée est en amélioration depuis l'introduction du traitement.",
    "Je propose de poursuivre la metformine à la même posologie et de renforcer les mesures hygiéno-diététiques.",
    "La fonction rénale est stable, sans microalbuminurie significative.",
    "L'échographie cardiaque retrouve une fraction d'éjection ventriculaire gauche préservée à 60 %.",
    "Pas de douleur thoracique ni de dyspnée d'effort rapportée depuis la dernière consultation.",
    "Le bilan lipidique montre un LDL au-dessus de l'objectif ; j'augmente la statine.",
    "Je diminue le bisoprolol en raison d'une bradycardie à 52 par minute.",
    "Le patient signale des épisodes d'hypoglycémie en fin de matinée, le gliclazide est arrêté.",
    "Électrocardiogramme : rythme sinusal régulier, pas de trouble de la conduction.",
    "Je le reverrai dans six mois avec un bilan biologique complet.",
    "Il n'y a pas d'allergie médicamenteuse connue en dehors de la pénicilline.",
    "La vaccination antigrippale est recommandée chaque automne.",
    "Bien confraternellement.",
];

const VACCINES: &[(&str, &str)] = &[
    ("Grippe saisonnière (Vaxigrip Tetra)", "J07BB02"),
    ("COVID-19 (Comirnaty)", "J07BN01"),
    ("DTCaPolio (Repevax)", "J07CA02"),
    ("Pneumocoque (Prevenar 20)", "J07AL02"),
    ("Hépatite B (Engerix B20)", "J07BC01"),
    ("Zona (Shingrix)", "J07BK03"),
];

const DOCUMENTS: &[(&str, &str)] = &[
    ("Radiographie thoracique, compte rendu", "application/pdf"),
    ("Ordonnance manuscrite scannée", "image/jpeg"),
    ("Carte de groupe sanguin", "image/jpeg"),
    ("Échographie abdominale, compte rendu", "application/pdf"),
    ("Attestation de droits Assurance Maladie", "application/pdf"),
    ("Fond d'œil, photographies", "image/png"),
];

const CONDITIONS: &[(&str, &str)] = &[
    ("Diabète de type 2", "E11"),
    ("Hypertension artérielle essentielle", "I10"),
    ("Hypercholestérolémie", "E78.0"),
    ("Insuffisance rénale chronique stade 3", "N18.3"),
    ("Fibrillation atriale paroxystique", "I48.0"),
    ("Asthme", "J45"),
    ("Hypothyroïdie", "E03.9"),
    ("Goutte", "M10"),
    ("Épisode dépressif", "F32"),
];

const ALLERGIES: &[(&str, &str)] = &[
    ("Pénicilline", "urticaire généralisée"),
    ("Iode (produits de contraste)", "œdème de Quincke"),
    ("Arachide", "anaphylaxie"),
    ("Pollens de graminées", "rhinite, conjonctivite"),
    ("Latex", "eczéma de contact"),
];

fn date_between(rng: &mut Rng, first: NaiveDate, last: NaiveDate) -> NaiveDate {
    let span = (last - first).num_days().max(0) as usize;
    first + Days::new(rng.below(span + 1) as u64)
}

fn noon(day: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_hms_opt(12, 0, 0).unwrap_or_default())
}

fn provenance(rng: &mut Rng, day: NaiveDate, author: &str) -> Provenance {
    let roll = rng.unit();
    if roll < 0.70 {
        Provenance::PatientEntered
    } else if roll < 0.90 {
        Provenance::Practitioner {
            name: author.to_owned(),
            rpps: None,
            trust_anchor: Some("IGC-Santé, ACI EL ORG".into()),
            checked_at: noon(day),
            verified: rng.chance(0.9),
            bound_to_patient: true,
        }
    } else {
        Provenance::ImportedFromFile {
            file_name: format!("export-dmp-{}.json", day.format("%Y%m%d")),
            document: None,
        }
    }
}

fn prescription(rng: &mut Rng, day: NaiveDate) -> (RecordBody, String) {
    let (name, specialty) = *rng.pick(PRESCRIBERS);
    let lines = 1 + rng.below(5);
    let mut medications = Vec::with_capacity(lines);
    for _ in 0..lines {
        let drug = rng.pick(DRUGS);
        let duration = if drug.chronic {
            match rng.below(10) {
                0 => None,
                1 => Some(MedicationDuration::Until(day + Days::new(180))),
                _ => Some(MedicationDuration::Days(*rng.pick(&[28, 30, 90]))),
            }
        } else {
            Some(MedicationDuration::Days(*rng.pick(&[3, 5, 7, 10, 14])))
        };
        medications.push(Medication {
            name: drug.name.into(),
            code: rng.chance(0.8).then(|| CodedConcept::new("ATC", drug.atc)),
            strength: Some(drug.strength.into()),
            instructions: drug.instructions.into(),
            duration,
            renewals: if drug.chronic { rng.below(4) as u8 } else { 0 },
            notes: rng
                .chance(0.1)
                .then(|| "Ne pas substituer (NS), traitement au long cours".into()),
            stop: None,
        });
    }
    let body = RecordBody::Prescription(Prescription {
        prescriber: Prescriber {
            name: name.into(),
            specialty: specialty.map(Into::into),
            rpps: None,
        },
        date: day,
        medications,
        notes: rng
            .chance(0.15)
            .then(|| "Ordonnance bizone : traitement en rapport avec l'ALD en haut.".into()),
    });
    (body, name.to_owned())
}

fn lab_report(rng: &mut Rng, day: NaiveDate) -> (RecordBody, String) {
    let laboratory = *rng.pick(LABORATORIES);
    let count = 3 + rng.below(10);
    let first = rng.below(ANALYTES.len());
    let results = (0..count)
        .map(|i| {
            let a = &ANALYTES[(first + i) % ANALYTES.len()];
            // Mostly within range, sometimes 30 % beyond either bound.
            let span = a.high - a.low;
            let raw = a.low - 0.3 * span + rng.unit() * 1.6 * span;
            let value = (raw.max(0.0) * 100.0).round() / 100.0;
            LabResult {
                analyte: a.name.into(),
                loinc: Some(a.loinc.into()),
                value: LabValue::Numeric(value),
                unit: Some(a.unit.into()),
                reference_range: Some(ReferenceRange {
                    low: Some(a.low),
                    high: Some(a.high),
                    text: None,
                }),
                abnormal: value < a.low || value > a.high,
            }
        })
        .collect();
    let body = RecordBody::LabReport(LabReport {
        laboratory: laboratory.into(),
        collection_date: day,
        results,
    });
    (body, laboratory.to_owned())
}

fn letter(rng: &mut Rng, day: NaiveDate) -> (RecordBody, String) {
    let (author, specialty) = *rng.pick(&PRESCRIBERS[2..]);
    let sentences = 3 + rng.below(6);
    let mut text = String::new();
    for i in 0..sentences {
        if i > 0 {
            text.push(' ');
        }
        let sentence = *rng.pick(LETTER_SENTENCES);
        text.push_str(sentence);
    }
    let body = RecordBody::Letter(Letter {
        author: author.into(),
        specialty: specialty.map(Into::into),
        date: day,
        subject: (*rng.pick(LETTER_SUBJECTS)).into(),
        body: text,
    });
    (body, author.to_owned())
}

fn immunisation(rng: &mut Rng, day: NaiveDate, i: usize) -> (RecordBody, String) {
    let (vaccine, atc) = *rng.pick(VACCINES);
    let body = RecordBody::Immunisation(Immunisation {
        vaccine: vaccine.into(),
        code: Some(CodedConcept::new("ATC", atc)),
        date: day,
        dose: Some((*rng.pick(&["dose 1", "dose 2", "rappel"])).into()),
        lot: Some(format!("LOT{:06}", i * 7919 % 1_000_000)),
        administered_by: Some("Pharmacie du Centre, Lyon 3e".into()),
    });
    (body, "Pharmacie du Centre".to_owned())
}

/// `n` records for `profile`, the same for the same `seed`.
pub fn generate(profile: ProfileId, n: usize, seed: u64) -> Vec<NewRecord> {
    let mut rng = Rng::new(seed);
    let first = ymd(FIRST_DAY);
    let last = ymd(LAST_DAY);
    (0..n)
        .map(|i| {
            let day = date_between(&mut rng, first, last);
            let roll = rng.below(100);
            let (body, author) = match roll {
                0..40 => prescription(&mut rng, day),
                40..70 => lab_report(&mut rng, day),
                70..85 => letter(&mut rng, day),
                85..92 => immunisation(&mut rng, day, i),
                92..96 => {
                    let (title, media_type) = *rng.pick(DOCUMENTS);
                    (
                        RecordBody::Document(Document {
                            title: title.into(),
                            date: day,
                            media_type: media_type.into(),
                        }),
                        "scan".to_owned(),
                    )
                }
                96..98 => {
                    let (name, code) = *rng.pick(CONDITIONS);
                    (
                        RecordBody::Condition(Condition {
                            name: name.into(),
                            code: Some(CodedConcept::new("CIM-10", code)),
                            status: if rng.chance(0.7) {
                                ConditionStatus::Active
                            } else {
                                ConditionStatus::Resolved
                            },
                            onset: Some(day),
                            notes: rng.chance(0.3).then(|| "Suivi spécialisé annuel.".into()),
                        }),
                        "Dr Claire Fontaine".to_owned(),
                    )
                }
                _ => {
                    let (substance, reaction) = *rng.pick(ALLERGIES);
                    (
                        RecordBody::Allergy(Allergy {
                            substance: substance.into(),
                            code: None,
                            reaction: Some(reaction.into()),
                            severity: Some(*rng.pick(&[
                                AllergySeverity::Mild,
                                AllergySeverity::Moderate,
                                AllergySeverity::Severe,
                            ])),
                            noted_on: Some(day),
                        }),
                        "Dr Claire Fontaine".to_owned(),
                    )
                }
            };
            NewRecord {
                profile_id: profile,
                issued_on: None,
                provenance: provenance(&mut rng, day, &author),
                body,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_records_and_all_valid() {
        let profile = ProfileId::random();
        let a = generate(profile, 500, 7);
        let b = generate(profile, 500, 7);
        assert_eq!(a, b);
        for r in &a {
            r.body.validate().unwrap();
        }
        let kinds: std::collections::HashSet<_> = a.iter().map(|r| r.body.kind()).collect();
        assert_eq!(kinds.len(), 7);
    }
}
