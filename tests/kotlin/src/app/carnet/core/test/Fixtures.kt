package app.carnet.core.test

import app.carnet.core.CarnetException
import app.carnet.core.CreatedVault
import app.carnet.core.createVault
import app.carnet.core.model.*
import org.junit.Assert.assertFalse
import org.junit.Assert.assertThrows
import java.io.File

/**
 * Runs [block], which must throw the CarnetException subclass [E], and checks that its reason
 * holds no passphrase, key or health data (reasons are for people and logs).
 */
inline fun <reified E : CarnetException> expect(crossinline block: () -> Unit): E {
    val e = assertThrows(E::class.java) { block() }
    val text = e.message ?: ""
    for (secret in listOf(Fixtures.PASSPHRASE, Fixtures.NEW_PASSPHRASE, "Camille", "Metformine", "Arachide", "Bisoprolol")) {
        assertFalse("${E::class.simpleName} leaks", text.contains(secret))
    }
    return e
}

/** Test data: a made-up family. Never printed by the tests. */
object Fixtures {
    /** Test-only passphrase; the tests never print it. */
    const val PASSPHRASE = "correct horse battery staple"
    const val NEW_PASSPHRASE = "another long test passphrase"

    fun create(dir: File, name: String = "vault.carnet"): Pair<CreatedVault, String> {
        val path = File(dir, name).path
        return createVault(path, PASSPHRASE) to path
    }

    fun owner() = NewProfile(
        displayName = "Camille Martin",
        birthDate = "1966-03-14",
        relationship = Relationship.OWNER,
        bloodGroup = BloodGroup.A_POS,
    )

    fun child() = NewProfile(
        displayName = "Léa Martin",
        birthDate = "2019-05-02",
        relationship = Relationship.CHILD,
    )

    fun prescription(profile: ProfileId, drug: String, date: String = "2026-09-01", strength: String = "1000 mg") =
        NewRecord(
            profileId = profile,
            provenance = Provenance.PatientEntered,
            body = RecordBody.Prescription(
                Prescription(
                    prescriber = Prescriber(name = "Dr Leroy"),
                    date = date,
                    medications = listOf(
                        Medication(
                            name = drug,
                            strength = strength,
                            instructions = "1 comprimé matin et soir",
                            duration = MedicationDuration.Days(90u),
                            renewals = 3u,
                        ),
                    ),
                ),
            ),
        )

    fun lab(profile: ProfileId, date: String, hba1c: Double) = NewRecord(
        profileId = profile,
        provenance = Provenance.PatientEntered,
        body = RecordBody.LabReport(
            LabReport(
                laboratory = "Laboratoire Bioclinic",
                collectionDate = date,
                results = listOf(
                    LabResult(
                        analyte = "Hémoglobine glyquée (HbA1c)",
                        loinc = "4548-4",
                        value = LabValue.Numeric(hba1c),
                        unit = "%",
                        abnormal = hba1c > 6.0,
                    ),
                ),
            ),
        ),
    )

    fun allergy(profile: ProfileId) = NewRecord(
        profileId = profile,
        provenance = Provenance.PatientEntered,
        body = RecordBody.Allergy(
            Allergy(substance = "Arachide", reaction = "œdème de Quincke", severity = AllergySeverity.SEVERE),
        ),
    )

    fun letter(profile: ProfileId, date: String, words: Int = 40, seed: Int = 1) = NewRecord(
        profileId = profile,
        provenance = Provenance.PatientEntered,
        body = RecordBody.Letter(
            Letter(
                author = "Dr Benali",
                specialty = "Cardiologie",
                date = date,
                subject = "Consultation de suivi",
                body = prose(words, seed),
            ),
        ),
    )

    fun document(profile: ProfileId) = NewRecord(
        profileId = profile,
        provenance = Provenance.PatientEntered,
        body = RecordBody.Document(Document(title = "IRM lombaire", date = "2026-06-10", mediaType = "application/pdf")),
    )

    private val WORDS = listOf(
        "tension", "artérielle", "stable", "sous", "traitement", "bisoprolol", "diminué",
        "fatigue", "effort", "échographie", "fraction", "éjection", "conservée", "contrôle",
        "trois", "mois", "ionogramme", "créatinine", "kaliémie", "surveillance", "palpitations",
        "nocturnes", "holter", "rythme", "sinusal", "extrasystoles", "rares", "asymptomatique",
    )

    /** Varied clinical-sounding text (so it does not compress to nothing), from a seed. */
    fun prose(words: Int, seed: Int): String {
        val random = java.util.Random(seed.toLong())
        return (1..words).joinToString(" ") { WORDS[random.nextInt(WORDS.size)] + random.nextInt(1000) }
    }
}
