package app.carnet.core.test

import app.carnet.core.*
import app.carnet.core.model.*
import org.junit.Assert.*
import org.junit.Rule
import org.junit.Test
import org.junit.rules.TemporaryFolder
import java.io.File

/** The vault as an app uses it: lifecycle, key store, profiles, records, attachments, views. */
class VaultTest {
    @get:Rule
    val tmp = TemporaryFolder()

    @Test
    fun createThenUnlockThroughAKotlinKeyStore() {
        val keyStore = AesGcmKeyStore()
        val (created, path) = Fixtures.create(tmp.root)
        val recoveryKey = created.recoveryKey
        assertTrue("8 groups of 4", Regex("^([0-9A-Z]{4}-){7}[0-9A-Z]{4}$").matches(recoveryKey))
        created.vault.use { vault ->
            vault.addProfile(Fixtures.owner())
            vault.addPlatformKeySlot(keyStore)
            assertEquals(listOf("passphrase", "platform", "recovery"), vault.keySlotKinds())
            assertTrue(vault.isRecoveryKey(recoveryKey))
            assertFalse(vault.isRecoveryKey("0000-0000-0000-0000-0000-0000-0000-0000"))
        }
        assertEquals(1, keyStore.calls.get())

        // The app unlocks with the device's key store: no passphrase.
        Vault.unlockWithKeyStore(path, keyStore).use { vault ->
            assertEquals("Camille Martin", vault.profiles().single().displayName)
        }
        assertEquals(2, keyStore.calls.get())
        // The passphrase and the recovery key still open it.
        Vault.unlockWithPassphrase(path, Fixtures.PASSPHRASE).use { it.profiles() }
        Vault.unlockWithRecoveryKey(path, recoveryKey.lowercase().replace("-", " ")).use { it.profiles() }

        // Another device's key store cannot.
        assertThrows(CarnetException.KeyStoreFailed::class.java) {
            Vault.unlockWithKeyStore(path, AesGcmKeyStore())
        }
        val methods = Vault.unlockWithPassphrase(path, Fixtures.PASSPHRASE).use { vault ->
            vault.auditLog().mapNotNull { (it.action as? AuditAction.Unlocked)?.method }
        }
        assertEquals(listOf("platform", "passphrase", "recovery", "passphrase"), methods)
    }

    @Test
    fun changingThePassphraseKeepsTheData() {
        val (created, path) = Fixtures.create(tmp.root)
        created.vault.use { vault ->
            vault.addProfile(Fixtures.owner())
            vault.changePassphrase(Fixtures.NEW_PASSPHRASE)
        }
        assertThrows(CarnetException.WrongPassphrase::class.java) {
            Vault.unlockWithPassphrase(path, Fixtures.PASSPHRASE)
        }
        Vault.unlockWithPassphrase(path, Fixtures.NEW_PASSPHRASE).use { vault ->
            assertEquals(1, vault.profiles().size)
            assertTrue(vault.auditLog().any { it.action == AuditAction.PassphraseChanged })
        }
    }

    @Test
    fun profilesAndRecordsRoundTrip() {
        val (created, _) = Fixtures.create(tmp.root)
        created.vault.use { vault ->
            val child = vault.addProfile(Fixtures.child())
            val owner = vault.addProfile(Fixtures.owner())
            assertEquals(listOf(owner.id, child.id), vault.profiles().map { it.id })
            assertEquals(child, vault.findProfile("lea martin"))

            val updated = owner.copy(
                ins = "2 66 03 75 123 456 49",
                emergencyContact = EmergencyContact(name = "Paul Martin", phone = "+33 6 12 34 56 78"),
            )
            vault.updateProfile(updated)
            assertEquals("Paul Martin", vault.profile(owner.id).emergencyContact?.name)
            // The INS is validated and kept compact.
            assertEquals("266037512345649", vault.profile(owner.id).ins)

            val metformine = vault.addRecord(Fixtures.prescription(owner.id, "Metformine"))
            assertEquals("2026-09-01", metformine.issuedOn)
            assertEquals(Provenance.PatientEntered, metformine.provenance)
            vault.addRecord(Fixtures.lab(owner.id, "2026-03-01", 7.4))
            vault.addRecord(Fixtures.lab(owner.id, "2026-09-01", 6.9))
            vault.addRecord(Fixtures.allergy(child.id))
            val ids = vault.addRecords(listOf(Fixtures.letter(owner.id, "2026-10-15"), Fixtures.document(owner.id)))
            assertEquals(2, ids.size)

            assertEquals(5, vault.records(owner.id).size)
            assertEquals(6, vault.records().size)
            assertEquals(2, vault.records(owner.id, RecordKind.LAB_REPORT).size)
            // Newest first.
            assertEquals(listOf("2026-10-15", "2026-09-01", "2026-09-01", "2026-06-10", "2026-03-01"),
                vault.records(owner.id).map { it.issuedOn })
            // Search ignores case and accents.
            assertEquals(2, vault.search("hemoglobine GLYQUEE").size)
            assertEquals(listOf(metformine.id), vault.search("metformine", owner.id).map { it.id })
            assertTrue(vault.search("metformine", child.id).isEmpty())

            val counts = vault.countRecords(owner.id).associate { it.kind to it.count }
            assertEquals(mapOf(
                RecordKind.PRESCRIPTION to 1UL, RecordKind.LAB_REPORT to 2UL,
                RecordKind.LETTER to 1UL, RecordKind.DOCUMENT to 1UL,
            ), counts)

            // Update: a new dose.
            val body = metformine.body as RecordBody.Prescription
            val newDose = body.v1.copy(medications = body.v1.medications.map { it.copy(strength = "500 mg") })
            val changed = vault.updateRecord(metformine.id, RecordBody.Prescription(newDose))
            assertEquals(metformine.id, changed.id)
            assertEquals("500 mg", (vault.record(metformine.id).body as RecordBody.Prescription).v1.medications[0].strength)
            assertEquals(metformine.id, vault.findRecord(metformine.id.substring(0, 8)).id)

            vault.deleteRecord(metformine.id)
            assertThrows(CarnetException.RecordNotFound::class.java) { vault.record(metformine.id) }

            val deletions = vault.auditLog().count { it.action is AuditAction.RecordDeleted }
            assertEquals(1, deletions)
        }
    }

    @Test
    fun attachmentsStreamFromAndToFiles() {
        val (created, _) = Fixtures.create(tmp.root)
        created.vault.use { vault ->
            val owner = vault.addProfile(Fixtures.owner())
            val record = vault.addRecord(Fixtures.document(owner.id))
            // 1 MiB and a bit: several 64 KiB chunks and a partial one.
            val scan = File(tmp.root, "irm.pdf")
            val bytes = ByteArray(1024 * 1024 + 1234) { (it * 31 + it / 7).toByte() }
            scan.writeBytes(bytes)
            val attachment = vault.attachFile(record.id, scan.path, "application/pdf")
            assertEquals("irm.pdf", attachment.fileName)
            assertEquals(bytes.size.toULong(), attachment.size)
            assertEquals(listOf(attachment), vault.record(record.id).attachments)

            val out = File(tmp.root, "out/copy.pdf").also { it.parentFile.mkdirs() }
            assertEquals(bytes.size.toULong(), vault.exportAttachment(attachment.id, out.path))
            assertArrayEquals(bytes, out.readBytes())
            assertFalse(File(out.path + ".partial").exists())

            assertThrows(CarnetException.AttachmentNotFound::class.java) {
                vault.exportAttachment("00000000-0000-4000-8000-000000000000", File(tmp.root, "x").path)
            }
        }
    }

    @Test
    fun summaryAndEmergencyCard() {
        val (created, _) = Fixtures.create(tmp.root)
        created.vault.use { vault ->
            val owner = vault.addProfile(Fixtures.owner())
            vault.addRecord(Fixtures.prescription(owner.id, "Bisoprolol", "2026-09-01", "5 mg"))
            vault.addRecord(Fixtures.prescription(owner.id, "bisoprolol", "2026-10-15", "2.5 mg"))
            vault.addRecord(Fixtures.lab(owner.id, "2026-03-01", 7.4))
            vault.addRecord(Fixtures.lab(owner.id, "2026-09-01", 6.9))
            vault.addRecord(Fixtures.allergy(owner.id))

            val summary = vault.summary(owner.id, "2026-11-01")
            assertEquals("2026-11-01", summary.asOf)
            // The cardiologist's newer dose replaced the GP's.
            assertEquals(listOf("2.5 mg"), summary.currentMedications.map { it.medication.strength })
            val trend = summary.labTrends.single()
            assertEquals(LabValue.Numeric(6.9), trend.latest.value)
            assertEquals(listOf("2026-03-01"), trend.previous.map { it.date })
            assertEquals("Arachide", summary.allergies.single().item.substance)

            val card = vault.emergencyCard(owner.id, "2026-11-01")
            assertTrue(card.contains("Arachide"))
            val verified = verifyEmergencyCard(card, "2026-11-11")
            assertEquals("2026-11-01", verified.madeOn)
            assertEquals(10L, verified.ageDays)
        }
    }

    @Test
    fun lifetimesCloseAndLock() {
        val (created, path) = Fixtures.create(tmp.root)
        val vault = created.vault
        vault.use { it.addProfile(Fixtures.owner()) }
        // Closed: the Kotlin object refuses further calls; the file is released.
        assertThrows(IllegalStateException::class.java) { vault.profiles() }

        val again = Vault.unlockWithPassphrase(path, Fixtures.PASSPHRASE)
        assertFalse(again.isLocked())
        again.lock()
        assertTrue(again.isLocked())
        again.lock() // harmless twice
        assertThrows(CarnetException.VaultLocked::class.java) { again.profiles() }
        again.close()

        // Objects that are never closed are released by the cleaner; closing twice is harmless.
        val session = DoctorSession(60UL)
        session.close()
        session.close()
    }
}
