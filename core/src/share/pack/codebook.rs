//! The clinical codebook of pack version 2: what writer and reader both know, so that a share
//! need not carry it.
//!
//! A pack names a common analyte by its number here instead of its LOINC code, and leaves out
//! its name and unit when they are exactly the codebook's; it names a common medicine by its
//! number instead of its ATC code, and leaves out its name when it is exactly the codebook's.
//! Anything else (another name, another unit, a code not listed) travels as written, so the
//! codebook changes how names and codes travel, never what the doctor reads: a value, a
//! strength, a dose or a range is always the text as recorded.
//!
//! # Versions
//!
//! The pack says which codebook it was written with ([`VERSION`]). Codebook version 1 is
//! frozen: an entry is never changed, moved or removed, or packs written with it would read
//! differently. A later version may only add entries after the last, and a reader refuses a
//! pack written with a codebook newer than its own (the share says to update the app).
//!
//! The entries are the analytes of the common French panels (blood count, ionogram, kidney,
//! liver, lipids, glucose, thyroid, iron, coagulation, cardiac markers) with the short French
//! name laboratories print and their usual unit in France, and the medicines most dispensed
//! in France to adults with chronic conditions, by their ATC code and French INN. Names are
//! the reader's hint only when the pack leaves them out, so an entry whose name a laboratory
//! spells differently costs bytes, not meaning.

/// The codebook version this Carnet writes and the newest it reads.
pub const VERSION: u8 = 1;

/// A common analyte: its LOINC code, its name as French laboratories print it, its usual unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Analyte {
    /// The bare LOINC code, as a pack's lab result carries it ("718-7").
    pub loinc: &'static str,
    pub name: &'static str,
    pub unit: &'static str,
}

/// A common medicine: the pack's medication code ("ATC:C07AB07") and its French INN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Medicine {
    pub code: &'static str,
    pub name: &'static str,
}

const fn analyte(loinc: &'static str, name: &'static str, unit: &'static str) -> Analyte {
    Analyte { loinc, name, unit }
}

const fn medicine(code: &'static str, name: &'static str) -> Medicine {
    Medicine { code, name }
}

/// Version 1's analytes, by number (their position). Frozen: append only, in a new version.
pub const ANALYTES: &[Analyte] = &[
    // Blood count.
    analyte("718-7", "Hémoglobine", "g/dL"),
    analyte("4544-3", "Hématocrite", "%"),
    analyte("789-8", "Hématies", "T/L"),
    analyte("787-2", "VGM", "fL"),
    analyte("785-6", "TCMH", "pg"),
    analyte("786-4", "CCMH", "g/dL"),
    analyte("6690-2", "Leucocytes", "G/L"),
    analyte("751-8", "Polynucléaires neutrophiles", "G/L"),
    analyte("731-0", "Lymphocytes", "G/L"),
    analyte("742-7", "Monocytes", "G/L"),
    analyte("711-2", "Polynucléaires éosinophiles", "G/L"),
    analyte("704-7", "Polynucléaires basophiles", "G/L"),
    analyte("777-3", "Plaquettes", "G/L"),
    analyte("4537-7", "Vitesse de sédimentation", "mm/h"),
    // Ionogram and kidney.
    analyte("2951-2", "Sodium", "mmol/L"),
    analyte("2823-3", "Potassium", "mmol/L"),
    analyte("2075-0", "Chlorure", "mmol/L"),
    analyte("1963-8", "Bicarbonates", "mmol/L"),
    analyte("2000-8", "Calcium", "mmol/L"),
    analyte("14879-1", "Phosphore", "mmol/L"),
    analyte("22664-7", "Urée", "mmol/L"),
    analyte("14682-9", "Créatinine", "µmol/L"),
    analyte("62238-1", "DFG (CKD-EPI)", "mL/min/1,73m²"),
    analyte("14933-6", "Acide urique", "µmol/L"),
    analyte("1751-7", "Albumine", "g/L"),
    analyte("2885-2", "Protéines totales", "g/L"),
    analyte("14958-3", "Albuminurie", "mg/mmol"),
    // Glucose.
    analyte("14749-6", "Glycémie à jeun", "mmol/L"),
    analyte("2345-7", "Glycémie", "g/L"),
    analyte("4548-4", "HbA1c", "%"),
    // Lipids.
    analyte("2093-3", "Cholestérol total", "g/L"),
    analyte("2085-9", "Cholestérol HDL", "g/L"),
    analyte("13457-7", "Cholestérol LDL", "g/L"),
    analyte("2571-8", "Triglycérides", "g/L"),
    // Liver and pancreas.
    analyte("1920-8", "ASAT", "UI/L"),
    analyte("1742-6", "ALAT", "UI/L"),
    analyte("2324-2", "Gamma-GT", "UI/L"),
    analyte("6768-6", "Phosphatases alcalines", "UI/L"),
    analyte("14631-6", "Bilirubine totale", "µmol/L"),
    analyte("1798-8", "Amylase", "UI/L"),
    analyte("3040-3", "Lipase", "UI/L"),
    // Thyroid.
    analyte("3016-3", "TSH", "mUI/L"),
    analyte("3024-7", "T4 libre", "pmol/L"),
    // Iron, vitamins.
    analyte("2276-4", "Ferritine", "µg/L"),
    analyte("2498-4", "Fer sérique", "µmol/L"),
    analyte("2132-9", "Vitamine B12", "pmol/L"),
    analyte("2284-8", "Folates", "nmol/L"),
    analyte("62292-8", "Vitamine D (25-OH)", "ng/mL"),
    // Inflammation, coagulation, heart, muscle.
    analyte("1988-5", "CRP", "mg/L"),
    analyte("6301-6", "INR", ""),
    analyte("5894-1", "Taux de prothrombine", "%"),
    analyte("3255-7", "Fibrinogène", "g/L"),
    analyte("33762-6", "NT-proBNP", "ng/L"),
    analyte("30934-4", "BNP", "ng/L"),
    analyte("10839-9", "Troponine I", "ng/L"),
    analyte("2157-6", "CPK", "UI/L"),
    analyte("2532-0", "LDH", "UI/L"),
    // Prostate.
    analyte("2857-1", "PSA total", "ng/mL"),
];

/// Version 1's medicines, by number (their position). Frozen: append only, in a new version.
pub const MEDICINES: &[Medicine] = &[
    // Diabetes.
    medicine("ATC:A10BA02", "Metformine"),
    medicine("ATC:A10BB09", "Gliclazide"),
    medicine("ATC:A10BH01", "Sitagliptine"),
    medicine("ATC:A10BK01", "Dapagliflozine"),
    medicine("ATC:A10BK03", "Empagliflozine"),
    medicine("ATC:A10BJ06", "Sémaglutide"),
    medicine("ATC:A10BJ02", "Liraglutide"),
    medicine("ATC:A10AE04", "Insuline glargine"),
    medicine("ATC:A10AB05", "Insuline asparte"),
    // Blood pressure, heart.
    medicine("ATC:C09AA05", "Ramipril"),
    medicine("ATC:C09AA04", "Périndopril"),
    medicine("ATC:C09AA02", "Énalapril"),
    medicine("ATC:C09CA01", "Losartan"),
    medicine("ATC:C09CA03", "Valsartan"),
    medicine("ATC:C09CA04", "Irbésartan"),
    medicine("ATC:C09CA06", "Candésartan"),
    medicine("ATC:C09DX04", "Sacubitril/valsartan"),
    medicine("ATC:C08CA01", "Amlodipine"),
    medicine("ATC:C08CA13", "Lercanidipine"),
    medicine("ATC:C07AB07", "Bisoprolol"),
    medicine("ATC:C07AB02", "Métoprolol"),
    medicine("ATC:C07AB12", "Nébivolol"),
    medicine("ATC:C03CA01", "Furosémide"),
    medicine("ATC:C03AA03", "Hydrochlorothiazide"),
    medicine("ATC:C03BA11", "Indapamide"),
    medicine("ATC:C03DA01", "Spironolactone"),
    medicine("ATC:C01AA05", "Digoxine"),
    medicine("ATC:C01BD01", "Amiodarone"),
    medicine("ATC:C01DA14", "Isosorbide mononitrate"),
    // Lipids.
    medicine("ATC:C10AA05", "Atorvastatine"),
    medicine("ATC:C10AA07", "Rosuvastatine"),
    medicine("ATC:C10AA01", "Simvastatine"),
    medicine("ATC:C10AA03", "Pravastatine"),
    medicine("ATC:C10AX09", "Ézétimibe"),
    // Blood.
    medicine("ATC:B01AC06", "Acide acétylsalicylique"),
    medicine("ATC:B01AC04", "Clopidogrel"),
    medicine("ATC:B01AC24", "Ticagrélor"),
    medicine("ATC:B01AF02", "Apixaban"),
    medicine("ATC:B01AF01", "Rivaroxaban"),
    medicine("ATC:B01AE07", "Dabigatran"),
    medicine("ATC:B01AA03", "Warfarine"),
    medicine("ATC:B01AA07", "Acénocoumarol"),
    medicine("ATC:B01AB05", "Énoxaparine"),
    medicine("ATC:B03AA07", "Sulfate ferreux"),
    medicine("ATC:B03BB01", "Acide folique"),
    // Thyroid, stomach, bowel.
    medicine("ATC:H03AA01", "Lévothyroxine"),
    medicine("ATC:A02BC01", "Oméprazole"),
    medicine("ATC:A02BC05", "Ésoméprazole"),
    medicine("ATC:A02BC02", "Pantoprazole"),
    medicine("ATC:A02BC03", "Lansoprazole"),
    medicine("ATC:A06AD65", "Macrogol"),
    medicine("ATC:A11CC05", "Colécalciférol"),
    medicine("ATC:A12AX", "Calcium et vitamine D"),
    // Pain, inflammation, gout.
    medicine("ATC:N02BE01", "Paracétamol"),
    medicine("ATC:N02AX02", "Tramadol"),
    medicine("ATC:N02AA01", "Morphine"),
    medicine("ATC:M01AE01", "Ibuprofène"),
    medicine("ATC:M01AE02", "Naproxène"),
    medicine("ATC:M04AA01", "Allopurinol"),
    medicine("ATC:M04AC01", "Colchicine"),
    medicine("ATC:H02AB06", "Prednisolone"),
    medicine("ATC:H02AB07", "Prednisone"),
    // Lungs, allergy.
    medicine("ATC:R03AC02", "Salbutamol"),
    medicine("ATC:R03BA02", "Budésonide"),
    medicine("ATC:R03BB04", "Tiotropium"),
    medicine("ATC:R03AK06", "Salmétérol et fluticasone"),
    medicine("ATC:R06AE07", "Cétirizine"),
    medicine("ATC:R06AX27", "Desloratadine"),
    medicine("ATC:C01CA24", "Adrénaline"),
    // Nervous system.
    medicine("ATC:N06AB10", "Escitalopram"),
    medicine("ATC:N06AB06", "Sertraline"),
    medicine("ATC:N06AB03", "Fluoxétine"),
    medicine("ATC:N06AX16", "Venlafaxine"),
    medicine("ATC:N06AX11", "Mirtazapine"),
    medicine("ATC:N05BA12", "Alprazolam"),
    medicine("ATC:N05BA04", "Oxazépam"),
    medicine("ATC:N05CF01", "Zopiclone"),
    medicine("ATC:N05CF02", "Zolpidem"),
    medicine("ATC:N03AX12", "Gabapentine"),
    medicine("ATC:N03AX16", "Prégabaline"),
    medicine("ATC:N03AX09", "Lamotrigine"),
    medicine("ATC:N03AG01", "Acide valproïque"),
    medicine("ATC:N06DA02", "Donépézil"),
    medicine("ATC:N04BA02", "Lévodopa et bensérazide"),
    // Urology, infections.
    medicine("ATC:G04CA02", "Tamsulosine"),
    medicine("ATC:G04CB01", "Finastéride"),
    medicine("ATC:J01CA04", "Amoxicilline"),
    medicine("ATC:J01CR02", "Amoxicilline et acide clavulanique"),
];

/// Version 1's pharmaceutical forms, as a strength's text ends ("2,5 mg, comprimé"): by
/// number. Frozen: append only, in a new version.
pub const FORMS: &[&str] = &[
    "comprimé",
    "comprimé pelliculé",
    "comprimé sécable",
    "comprimé effervescent",
    "comprimé orodispersible",
    "gélule",
    "sachet",
    "solution buvable",
    "sirop",
    "suspension buvable",
    "ampoule",
    "solution injectable",
    "stylo",
    "seringue préremplie",
    "auto-injecteur",
    "collyre",
    "pommade",
    "crème",
    "gel",
    "patch",
    "suppositoire",
    "inhalateur",
    "poudre pour inhalation",
    "spray nasal",
    "gouttes buvables",
];

/// Version 1's common posologies, whole, as prescriptions write them: by number. An
/// instruction travels as its number only when it is exactly one of these. Frozen: append
/// only, in a new version.
pub const POSOLOGIES: &[&str] = &[
    "1 comprimé le matin",
    "1 comprimé le midi",
    "1 comprimé le soir",
    "1 comprimé au coucher",
    "1 comprimé matin et soir",
    "1 comprimé matin, midi et soir",
    "1 comprimé par jour",
    "1 comprimé le matin à jeun",
    "1 comprimé le matin au petit-déjeuner",
    "1 comprimé le soir au repas",
    "1 comprimé matin et soir au repas",
    "1 comprimé matin, midi et soir au repas",
    "1 comprimé au coucher si besoin",
    "1 comprimé si douleur",
    "1/2 comprimé le matin",
    "1/2 comprimé le soir",
    "2 comprimés le matin",
    "2 comprimés le soir",
    "1 gélule le matin",
    "1 gélule le soir",
    "1 gélule matin et soir",
    "1 gélule par jour",
    "1 sachet le matin",
    "1 sachet le soir",
    "1 sachet par jour",
    "1 ampoule par mois",
    "1 ampoule tous les 3 mois",
    "1 injection par semaine",
    "1 injection si besoin",
    "1 goutte dans chaque œil le soir",
    "2 bouffées si besoin",
    "1 inhalation le matin",
    "1 inhalation matin et soir",
];

/// The number of `text` in `list`, if it is there.
pub fn number_in(list: &[&str], text: &str) -> Option<u16> {
    list.iter()
        .position(|t| *t == text)
        .and_then(|i| u16::try_from(i).ok())
}

/// The number of the analyte with this LOINC code, if the codebook holds it.
pub fn analyte_number(loinc: &str) -> Option<u16> {
    ANALYTES
        .iter()
        .position(|a| a.loinc == loinc)
        .and_then(|i| u16::try_from(i).ok())
}

/// The analyte numbered `n`, if this codebook holds it.
pub fn analyte_at(n: u16) -> Option<&'static Analyte> {
    ANALYTES.get(usize::from(n))
}

/// The number of the medicine with this code ("ATC:C07AB07"), if the codebook holds it.
pub fn medicine_number(code: &str) -> Option<u16> {
    MEDICINES
        .iter()
        .position(|m| m.code == code)
        .and_then(|i| u16::try_from(i).ok())
}

/// The medicine numbered `n`, if this codebook holds it.
pub fn medicine_at(n: u16) -> Option<&'static Medicine> {
    MEDICINES.get(usize::from(n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_code_is_listed_once() {
        let loinc: HashSet<_> = ANALYTES.iter().map(|a| a.loinc).collect();
        assert_eq!(loinc.len(), ANALYTES.len());
        let atc: HashSet<_> = MEDICINES.iter().map(|m| m.code).collect();
        assert_eq!(atc.len(), MEDICINES.len());
        for list in [FORMS, POSOLOGIES] {
            assert_eq!(list.iter().collect::<HashSet<_>>().len(), list.len());
            for (i, t) in list.iter().enumerate() {
                assert_eq!(number_in(list, t).map(usize::from), Some(i));
            }
        }
        for (i, a) in ANALYTES.iter().enumerate() {
            assert_eq!(analyte_number(a.loinc).map(usize::from), Some(i));
        }
        for (i, m) in MEDICINES.iter().enumerate() {
            assert_eq!(medicine_number(m.code).map(usize::from), Some(i));
            assert!(m.code.starts_with("ATC:"), "{}", m.code);
        }
    }

    /// Version 1 is frozen: these are its first and last entries and its length. A change
    /// here breaks every pack written with it; add entries in a new version instead.
    #[test]
    fn version_1_is_frozen() {
        assert_eq!(ANALYTES.len(), 58);
        assert_eq!(MEDICINES.len(), 88);
        assert_eq!(ANALYTES[0].loinc, "718-7");
        assert_eq!(ANALYTES[57].loinc, "2857-1");
        assert_eq!(MEDICINES[0].code, "ATC:A10BA02");
        assert_eq!((FORMS.len(), POSOLOGIES.len()), (25, 33));
        assert_eq!(MEDICINES[87].code, "ATC:J01CR02");
        let all: String = ANALYTES
            .iter()
            .map(|a| format!("{}|{}|{}\n", a.loinc, a.name, a.unit))
            .chain(MEDICINES.iter().map(|m| format!("{}|{}\n", m.code, m.name)))
            .chain(FORMS.iter().chain(POSOLOGIES).map(|t| format!("{t}\n")))
            .collect();
        let digest = crate::crypto::digest::hex(&crate::crypto::digest::sha256(all.as_bytes()));
        assert_eq!(digest, FROZEN_SHA256, "codebook version 1 changed");
    }

    /// SHA-256 of every entry, one per line, taken when version 1 was frozen.
    const FROZEN_SHA256: &str = "268efb401b9aca3103d0741ff3db6cf91b0813d659ceb63b15f828103a9c00af";
}
