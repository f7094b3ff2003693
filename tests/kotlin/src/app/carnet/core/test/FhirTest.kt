package app.carnet.core.test

import app.carnet.core.*
import app.carnet.core.model.*
import org.junit.Assert.*
import org.junit.Rule
import org.junit.Test
import org.junit.rules.TemporaryFolder

/** The IPS out of a vault and of a received share, and a FHIR bundle in, from Kotlin. */
class FhirTest {
    @get:Rule
    val tmp = TemporaryFolder()

    @Test
    fun summaryOutBundleInOnceWithItsReport() {
        val (mine, _) = Fixtures.create(tmp.root, "mine.carnet")
        val (theirs, _) = Fixtures.create(tmp.root, "theirs.carnet")
        mine.vault.use { vault ->
            theirs.vault.use { other ->
                val me = vault.addProfile(Fixtures.owner())
                vault.addRecord(Fixtures.prescription(me.id, "Metformine"))
                vault.addRecord(Fixtures.lab(me.id, "2026-09-01", 6.9))
                vault.addRecord(Fixtures.allergy(me.id))
                val ips = vault.exportIps(me.id)
                assertTrue(ips.contains("\"type\": \"document\""))

                val them = other.addProfile(Fixtures.owner())
                val dry = other.importFhir(them.id, ips.toByteArray(), "summary.json", dryRun = true)
                assertEquals(3u, dry.recordsAdded)
                assertFalse(dry.stored)
                assertTrue(other.records(them.id, null).isEmpty())
                val report = other.importFhir(them.id, ips.toByteArray(), "summary.json")
                assertEquals(
                    mapOf(ItemKind.MEDICATION to 1u, ItemKind.ALLERGY to 1u, ItemKind.LAB_RESULT to 1u),
                    report.items.associate { it.kind to it.count },
                )
                assertTrue(report.skipped.isEmpty())
                val again = other.importFhir(them.id, ips.toByteArray(), "summary.json")
                assertEquals(0u, again.recordsAdded)
                assertEquals(3u, again.recordsUnchanged)

                expect<CarnetException.InvalidInput> {
                    other.importFhir(them.id, "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[{\"resource\":{\"resourceType\":\"Immunization\",\"vaccineCode\":{\"text\":\"x\"},\"occurrenceDateTime\":\"hier\"}}]}".toByteArray(), "x.json")
                }
                val someoneElse = ips.replace("\"birthDate\": \"1966-03-14\"", "\"birthDate\": \"1970-01-01\"")
                expect<CarnetException.OtherPatient> { other.importFhir(them.id, someoneElse.toByteArray(), "x.json") }
            }
        }
    }

    @Test
    fun anInsDatamatrixIsReadAndStoredMarkedAsFromADocument() {
        val printed = "IS010000000000000000000000S1277010115400329S21.2.250.1.213.1.4.8<GS>" +
            "S3SARAH-LOU ANNA<GS>S4GARCIA-HAMMADI<GS>S5FS621-01-1977S701154"
        val identity = parseInsDatamatrix(printed)
        assertEquals("GARCIA-HAMMADI", identity.birthName)
        assertEquals(Sex.FEMALE, identity.sex)
        assertEquals("1977-01-21", identity.birthDate)
        expect<CarnetException.InvalidInput> { parseInsDatamatrix(printed.replace("329S2", "328S2")) }
        val (created, _) = Fixtures.create(tmp.root, "ins.carnet")
        created.vault.use { vault ->
            val camille = vault.addProfile(Fixtures.owner())
            expect<CarnetException.OtherPatient> { vault.setInsFromDocument(camille.id, identity) }
            val sarah = vault.addProfile(
                NewProfile(displayName = "Sarah", birthDate = "1977-01-21", relationship = Relationship.CHILD),
            )
            val stored = vault.setInsFromDocument(sarah.id, identity)
            assertEquals(InsOrigin.READ_FROM_DOCUMENT, stored.insOrigin)
            assertEquals("277010115400329", vault.profile(sarah.id).ins)
        }
    }

    @Test
    fun theDoctorSavesAReceivedShareAsAnIps() {
        val (created, _) = Fixtures.create(tmp.root)
        created.vault.use { vault ->
            val owner = vault.addProfile(Fixtures.owner())
            vault.addRecord(Fixtures.prescription(owner.id, "Metformine"))
            DoctorSession(900UL).use { doctor ->
                val prepared = vault.shareProfile(owner.id, ShareSelection(), doctor.helloText(), 900UL, acceptUnverifiedDoctor = true)
                ReaderSession(listOf(doctor)).use { reader ->
                    prepared.codes.forEach { reader.pushText(it) }
                    val ips = shareAsIps(reader.result()!!)
                    assertTrue(ips.contains("Metformine"))
                    assertTrue(ips.contains("patient-entered"))
                    assertFalse(ips.contains("practitioner-verified"))
                }
            }
        }
    }
}
