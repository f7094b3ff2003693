//! The patients the benchmark shares: the demo family's adult, as `carnet demo` creates her,
//! and a "heavy" patient made here (20 current medications, 30 analytes each measured twice,
//! five conditions, two allergies, three letters), both read back from a real vault.

use crate::BoxError;
use carnet_core::crypto::Passphrase;
use carnet_core::model::{
    Allergy, AllergySeverity, CodedConcept, Condition, ConditionStatus, LabReport, LabResult,
    LabValue, Letter, Medication, MedicationDuration, NewProfile, NewRecord, PatientSummary,
    Prescriber, Prescription, RecordBody, ReferenceRange, Relationship,
};
use carnet_core::{Vault, VaultOptions};
use chrono::{Days, NaiveDate};

/// The two summaries, computed as of the same day.
#[derive(Debug)]
pub struct Fixture {
    /// Camille Martin from [`carnet_core::demo`]: 2 conditions, 1 allergy, 5 medications,
    /// 7 analytes, 1 letter.
    pub adult: PatientSummary,
    /// The heavy patient: 5 conditions, 2 allergies, 20 medications, 30 analytes, 3 letters.
    pub heavy: PatientSummary,
}

fn ago(today: NaiveDate, days: u64) -> NaiveDate {
    today.checked_sub_days(Days::new(days)).unwrap_or(today)
}

fn date(s: &str) -> Result<NaiveDate, BoxError> {
    Ok(s.parse()?)
}

/// Creates a vault in a temporary folder with the production KDF settings, adds the demo
/// family and the heavy patient, and reads both summaries back as of `today`.
pub fn build(today: NaiveDate) -> Result<Fixture, BoxError> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("bench.carnet");
    let passphrase = Passphrase::new("share-size benchmark passphrase");
    let (vault, _recovery) = Vault::create(&path, &passphrase, &VaultOptions::default())?;
    let family = carnet_core::demo::populate(&vault, today)?;
    let heavy = vault.add_profile(NewProfile::new(
        "Marie-Thérèse Lefebvre-Garnier",
        date("1942-11-07")?,
        Relationship::Parent,
    ))?;
    vault.add_records(
        heavy_records(today)?
            .into_iter()
            .map(|body| NewRecord::entered(heavy.id, body))
            .collect(),
    )?;
    Ok(Fixture {
        adult: vault.summary(&family.adult.id, today)?,
        heavy: vault.summary(&heavy.id, today)?,
    })
}

fn prescriber(name: &str, specialty: &str) -> Prescriber {
    Prescriber {
        name: name.into(),
        specialty: Some(specialty.into()),
        rpps: None,
    }
}

fn med(name: &str, atc: &str, strength: &str, instructions: &str) -> Medication {
    Medication {
        name: name.into(),
        code: Some(CodedConcept::new("ATC", atc)),
        strength: Some(strength.into()),
        instructions: instructions.into(),
        duration: Some(MedicationDuration::Days(90)),
        renewals: 3,
        notes: None,
        stop: None,
    }
}

/// Analyte, LOINC, unit, reference low and high, value 200 days ago, value 20 days ago.
type Analyte = (
    &'static str,
    &'static str,
    &'static str,
    Option<f64>,
    Option<f64>,
    f64,
    f64,
);

const ANALYTES: [Analyte; 29] = [
    (
        "Hémoglobine",
        "718-7",
        "g/dL",
        Some(12.0),
        Some(16.0),
        12.4,
        11.6,
    ),
    (
        "Hématocrite",
        "4544-3",
        "%",
        Some(36.0),
        Some(46.0),
        37.8,
        35.1,
    ),
    (
        "Leucocytes",
        "6690-2",
        "G/L",
        Some(4.0),
        Some(10.0),
        6.8,
        7.2,
    ),
    (
        "Plaquettes",
        "777-3",
        "G/L",
        Some(150.0),
        Some(400.0),
        231.0,
        198.0,
    ),
    ("VGM", "787-2", "fL", Some(80.0), Some(100.0), 91.0, 93.0),
    (
        "Sodium",
        "2951-2",
        "mmol/L",
        Some(135.0),
        Some(145.0),
        139.0,
        134.0,
    ),
    (
        "Potassium",
        "2823-3",
        "mmol/L",
        Some(3.5),
        Some(5.0),
        4.6,
        5.2,
    ),
    (
        "Chlorure",
        "2075-0",
        "mmol/L",
        Some(98.0),
        Some(107.0),
        102.0,
        100.0,
    ),
    (
        "Bicarbonates",
        "1963-8",
        "mmol/L",
        Some(22.0),
        Some(29.0),
        25.0,
        23.0,
    ),
    ("Urée", "22664-7", "mmol/L", Some(2.5), Some(7.5), 8.1, 9.4),
    (
        "Créatinine",
        "14682-9",
        "µmol/L",
        Some(45.0),
        Some(90.0),
        104.0,
        121.0,
    ),
    (
        "DFG (CKD-EPI)",
        "62238-1",
        "mL/min/1,73m²",
        Some(90.0),
        None,
        44.0,
        36.0,
    ),
    (
        "Glycémie à jeun",
        "14749-6",
        "mmol/L",
        Some(3.9),
        Some(5.8),
        7.9,
        7.1,
    ),
    (
        "Hémoglobine glyquée (HbA1c)",
        "4548-4",
        "%",
        Some(4.0),
        Some(6.0),
        7.6,
        7.2,
    ),
    (
        "Cholestérol total",
        "2093-3",
        "g/L",
        None,
        Some(2.0),
        1.92,
        1.71,
    ),
    (
        "Cholestérol LDL",
        "13457-7",
        "g/L",
        None,
        Some(1.0),
        1.12,
        0.94,
    ),
    (
        "Cholestérol HDL",
        "2085-9",
        "g/L",
        Some(0.4),
        None,
        0.51,
        0.49,
    ),
    (
        "Triglycérides",
        "2571-8",
        "g/L",
        None,
        Some(1.5),
        1.44,
        1.38,
    ),
    ("ASAT", "1920-8", "UI/L", None, Some(35.0), 22.0, 24.0),
    ("ALAT", "1742-6", "UI/L", None, Some(35.0), 19.0, 21.0),
    ("Gamma-GT", "2324-2", "UI/L", None, Some(40.0), 31.0, 52.0),
    (
        "Phosphatases alcalines",
        "6768-6",
        "UI/L",
        Some(40.0),
        Some(150.0),
        88.0,
        92.0,
    ),
    (
        "Bilirubine totale",
        "14631-6",
        "µmol/L",
        None,
        Some(21.0),
        9.0,
        11.0,
    ),
    ("TSH", "3016-3", "mUI/L", Some(0.4), Some(4.0), 3.1, 5.6),
    (
        "Ferritine",
        "2276-4",
        "µg/L",
        Some(15.0),
        Some(150.0),
        48.0,
        31.0,
    ),
    ("CRP", "1988-5", "mg/L", None, Some(5.0), 3.0, 12.0),
    (
        "Vitamine D (25-OH)",
        "62292-8",
        "ng/mL",
        Some(30.0),
        Some(100.0),
        18.0,
        34.0,
    ),
    (
        "Albumine",
        "1751-7",
        "g/L",
        Some(35.0),
        Some(50.0),
        38.0,
        36.0,
    ),
    (
        "NT-proBNP",
        "33762-6",
        "ng/L",
        None,
        Some(450.0),
        820.0,
        1240.0,
    ),
];

fn numeric(a: &Analyte, value: f64) -> LabResult {
    let (analyte, loinc, unit, low, high, _, _) = *a;
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
        abnormal: low.is_some_and(|l| value < l) || high.is_some_and(|h| value > h),
    }
}

fn lab_report(today: NaiveDate, days: u64, latest: bool) -> RecordBody {
    let mut results: Vec<LabResult> = ANALYTES
        .iter()
        .map(|a| numeric(a, if latest { a.6 } else { a.5 }))
        .collect();
    results.push(LabResult {
        analyte: "Protéinurie (bandelette)".into(),
        loinc: Some("20454-5".into()),
        value: LabValue::Text(if latest { "traces" } else { "négatif" }.into()),
        unit: None,
        reference_range: Some(ReferenceRange {
            low: None,
            high: None,
            text: Some("négatif".into()),
        }),
        abnormal: latest,
    });
    RecordBody::LabReport(LabReport {
        laboratory: "Laboratoire Bio Centre, Tours".into(),
        collection_date: ago(today, days),
        results,
    })
}

/// An 83-year-old with heart failure, diabetes, kidney disease, glaucoma and depression:
/// 20 current medications from four prescribers, 30 analytes measured 200 and 20 days ago.
pub fn heavy_records(today: NaiveDate) -> Result<Vec<RecordBody>, BoxError> {
    let gp = prescriber("Dr Anne Leroy", "médecine générale");
    let cardio = prescriber("Dr Karim Benali", "cardiologie");
    let ophtalmo = prescriber("Dr Sophie Nguyen", "ophtalmologie");
    let psy = prescriber("Dr Paul Moreau", "psychiatrie");
    let condition = |name: &str, icd10: &str, onset: &str| -> Result<RecordBody, BoxError> {
        Ok(RecordBody::Condition(Condition {
            name: name.into(),
            code: Some(CodedConcept::new("CIM-10", icd10)),
            status: ConditionStatus::Active,
            onset: Some(date(onset)?),
            notes: None,
        }))
    };
    let letter = |author: &str, specialty: &str, days: u64, subject: &str, body: &str| {
        RecordBody::Letter(Letter {
            author: author.into(),
            specialty: Some(specialty.into()),
            date: ago(today, days),
            subject: subject.into(),
            body: body.into(),
        })
    };
    Ok(vec![
        condition("Insuffisance cardiaque", "I50", "2019-05-01")?,
        condition("Diabète de type 2", "E11", "2008-01-01")?,
        condition("Maladie rénale chronique stade 3", "N18", "2021-09-01")?,
        condition("Glaucome chronique", "H40", "2016-03-01")?,
        condition("Épisode dépressif", "F32", "2023-02-01")?,
        RecordBody::Allergy(Allergy {
            substance: "Pénicillines".into(),
            code: None,
            reaction: Some("œdème de Quincke".into()),
            severity: Some(AllergySeverity::Severe),
            noted_on: Some(date("1998-06-15")?),
        }),
        RecordBody::Allergy(Allergy {
            substance: "Codéine".into(),
            code: None,
            reaction: Some("vomissements".into()),
            severity: Some(AllergySeverity::Mild),
            noted_on: Some(date("2015-10-02")?),
        }),
        RecordBody::Prescription(Prescription {
            prescriber: gp,
            date: ago(today, 40),
            medications: vec![
                med(
                    "Metformine",
                    "A10BA02",
                    "500 mg, comprimé",
                    "1 comprimé matin et soir au repas",
                ),
                med(
                    "Sitagliptine",
                    "A10BH01",
                    "50 mg, comprimé",
                    "1 comprimé le matin",
                ),
                med(
                    "Insuline glargine",
                    "A10AE04",
                    "100 UI/mL, stylo",
                    "14 unités le soir",
                ),
                med(
                    "Lévothyroxine",
                    "H03AA01",
                    "50 µg, comprimé",
                    "1 comprimé le matin à jeun",
                ),
                med(
                    "Oméprazole",
                    "A02BC01",
                    "20 mg, gélule",
                    "1 gélule le matin",
                ),
                med(
                    "Paracétamol",
                    "N02BE01",
                    "1 g, comprimé",
                    "1 comprimé jusqu'à 3 fois par jour si douleur",
                ),
                med(
                    "Cholécalciférol",
                    "A11CC05",
                    "100 000 UI, ampoule",
                    "1 ampoule tous les 3 mois",
                ),
                med(
                    "Carbonate de calcium",
                    "A12AA04",
                    "500 mg, comprimé",
                    "1 comprimé le midi",
                ),
                med("Macrogol", "A06AD15", "10 g, sachet", "1 sachet le matin"),
                med(
                    "Allopurinol",
                    "M04AA01",
                    "100 mg, comprimé",
                    "1 comprimé le soir",
                ),
                med(
                    "Tamsulosine",
                    "G04CA02",
                    "0,4 mg, gélule",
                    "1 gélule le soir",
                ),
            ],
            notes: None,
        }),
        RecordBody::Prescription(Prescription {
            prescriber: cardio,
            date: ago(today, 25),
            medications: vec![
                med(
                    "Apixaban",
                    "B01AF02",
                    "2,5 mg, comprimé",
                    "1 comprimé matin et soir",
                ),
                med(
                    "Furosémide",
                    "C03CA01",
                    "40 mg, comprimé",
                    "1 comprimé le matin",
                ),
                med(
                    "Bisoprolol",
                    "C07AB07",
                    "2,5 mg, comprimé",
                    "1 comprimé le matin",
                ),
                med(
                    "Sacubitril/valsartan",
                    "C09DX04",
                    "24 mg/26 mg, comprimé",
                    "1 comprimé matin et soir",
                ),
                med(
                    "Spironolactone",
                    "C03DA01",
                    "25 mg, comprimé",
                    "1 comprimé le matin",
                ),
                med(
                    "Atorvastatine",
                    "C10AA05",
                    "20 mg, comprimé",
                    "1 comprimé le soir",
                ),
            ],
            notes: None,
        }),
        RecordBody::Prescription(Prescription {
            prescriber: ophtalmo,
            date: ago(today, 70),
            medications: vec![med(
                "Latanoprost",
                "S01EE01",
                "0,005 %, collyre",
                "1 goutte dans chaque œil le soir",
            )],
            notes: None,
        }),
        RecordBody::Prescription(Prescription {
            prescriber: psy,
            date: ago(today, 55),
            medications: vec![
                med(
                    "Sertraline",
                    "N06AB06",
                    "50 mg, comprimé",
                    "1 comprimé le matin",
                ),
                med(
                    "Zopiclone",
                    "N05CF01",
                    "3,75 mg, comprimé",
                    "1 comprimé au coucher si besoin",
                ),
            ],
            notes: None,
        }),
        lab_report(today, 200, false),
        lab_report(today, 20, true),
        letter(
            "Dr Karim Benali",
            "cardiologie",
            25,
            "Insuffisance cardiaque : introduction du sacubitril/valsartan",
            CARDIOLOGY_LETTER,
        ),
        letter(
            "Dr Sophie Nguyen",
            "ophtalmologie",
            70,
            "Suivi du glaucome : pression intraoculaire stable",
            OPHTHALMOLOGY_LETTER,
        ),
        letter(
            "Dr Paul Moreau",
            "psychiatrie",
            55,
            "Épisode dépressif : poursuite de la sertraline",
            PSYCHIATRY_LETTER,
        ),
    ])
}

/// The heavy patient's letters, as specialists write them back to the GP (invented): their
/// text travels only when the patient shares it (`Selection::letter_text`), which the
/// benchmark measures as the frame count "with letter text".
const CARDIOLOGY_LETTER: &str = "Cher confrère,

J'ai revu ce jour en consultation votre patient, suivi pour une insuffisance cardiaque à \
fraction d'éjection altérée (FEVG 32 % à l'échographie du mois dernier), d'origine ischémique, \
dans un contexte de diabète de type 2 et d'insuffisance rénale chronique modérée.

Il reste essoufflé au deuxième étage (NYHA II-III), sans orthopnée ni œdème des membres \
inférieurs. Poids stable à 84 kg. TA 118/72 mmHg, FC 64/min, en rythme sinusal. La kaliémie \
est à 4,6 mmol/L et la créatinine à 132 µmol/L (DFG 48 mL/min/1,73 m²).

J'introduis le sacubitril/valsartan 24/26 mg matin et soir, en remplacement du ramipril, \
qui doit être arrêté 36 heures avant la première prise. Le bisoprolol et le furosémide sont \
poursuivis sans changement. Je vous remercie de contrôler la kaliémie et la créatinine à \
deux semaines ; en cas de kaliémie supérieure à 5,5 mmol/L ou de TA systolique inférieure à \
95 mmHg, merci de m'appeler. Nous augmenterons la dose à 49/51 mg si la tolérance est bonne.

Je le reverrai dans trois mois avec une nouvelle échographie.

Bien confraternellement.";

const OPHTHALMOLOGY_LETTER: &str = "Cher confrère,

Votre patiente est suivie pour un glaucome chronique à angle ouvert bilatéral. La pression \
intraoculaire est ce jour de 16 mmHg à droite et 17 mmHg à gauche sous latanoprost une goutte \
le soir dans chaque œil, stable depuis un an. Le champ visuel est inchangé, l'OCT des fibres \
optiques ne montre pas de progression.

Je poursuis le traitement à l'identique. Attention : le timolol est à éviter chez elle en \
raison de l'asthme. Prochain contrôle dans six mois avec champ visuel.

Bien confraternellement.";

const PSYCHIATRY_LETTER: &str = "Cher confrère,

J'ai revu votre patient pour le suivi de son épisode dépressif caractérisé d'intensité \
modérée. L'humeur s'est nettement améliorée depuis l'augmentation de la sertraline à 100 mg \
par jour, le sommeil est restauré, il n'y a pas d'idées suicidaires. Il a repris son activité \
à mi-temps thérapeutique.

Je propose de poursuivre la sertraline 100 mg au moins six mois après la rémission, puis \
d'envisager une diminution progressive. Pas d'association aux triptans ni au tramadol \
(risque de syndrome sérotoninergique). Je le revois dans deux mois.

Bien confraternellement.";
