package app.carnet.core.test

import app.carnet.core.*
import app.carnet.core.model.*
import org.junit.Assert.*
import org.junit.Rule
import org.junit.Test
import org.junit.rules.TemporaryFolder
import java.io.File

/** A lost phone, a new phone; a child's file handed from one parent's phone to the other's. */
class BackupTest {
    @get:Rule
    val tmp = TemporaryFolder()

    private fun file(name: String) = File(tmp.root, name).path

    @Test
    fun backupThenRestoreOnANewPhone() {
        val (created, _) = Fixtures.create(tmp.root)
        val scan = ByteArray(300_000) { (it * 31 % 251).toByte() }
        val scanFile = File(tmp.root, "irm.pdf").apply { writeBytes(scan) }
        val before = created.vault.use { vault ->
            val owner = vault.addProfile(Fixtures.owner())
            val child = vault.addProfile(Fixtures.child())
            vault.addRecord(Fixtures.prescription(owner.id, "Metformine"))
            vault.addRecord(Fixtures.allergy(child.id))
            val document = vault.addRecord(Fixtures.document(owner.id))
            vault.attachFile(document.id, scanFile.path, "application/pdf")
            val summary = vault.backup(file("family.carnet-backup"), BackupKey.RecoveryKey(created.recoveryKey))
            assertEquals(2UL, summary.profiles)
            assertEquals(3UL, summary.records)
            assertEquals(1UL, summary.attachments)
            assertEquals(File(file("family.carnet-backup")).length().toULong(), summary.bytes)
            // Never over an existing file.
            expect<CarnetException.AlreadyExists> {
                vault.backup(file("family.carnet-backup"), BackupKey.RecoveryKey(created.recoveryKey))
            }
            vault.records()
        }

        // The new phone: restored from the recovery key written on paper.
        val restored = restoreBackup(
            file("family.carnet-backup"),
            BackupKey.RecoveryKey(created.recoveryKey),
            file("new-phone.carnet"),
            Fixtures.NEW_PASSPHRASE,
        )
        assertNotEquals("a new vault has its own recovery key", created.recoveryKey, restored.recoveryKey)
        assertEquals(2UL, restored.report.profilesAdded)
        assertEquals(3UL, restored.report.recordsAdded)
        restored.vault.use { vault ->
            assertEquals(before, vault.records())
            val attachment = vault.records().single { it.body is RecordBody.Document }.attachments.single()
            vault.exportAttachment(attachment.id, file("out.pdf"))
            assertArrayEquals(scan, File(file("out.pdf")).readBytes())
        }
        Vault.unlockWithPassphrase(file("new-phone.carnet"), Fixtures.NEW_PASSPHRASE).close()
    }

    @Test
    fun caregiverHandoverMergesWithoutDuplicates() {
        // Parent A backs up the child's file only, under a passphrase they tell parent B.
        val (a, _) = Fixtures.create(tmp.root, "a.carnet")
        val handover = file("lea.carnet-backup")
        a.vault.use { vault ->
            vault.addProfile(Fixtures.owner())
            val child = vault.addProfile(Fixtures.child())
            vault.addRecord(Fixtures.allergy(child.id))
            vault.addRecord(Fixtures.prescription(child.id, "Amoxicilline", strength = "250 mg"))
            val summary = vault.backup(handover, BackupKey.Passphrase(Fixtures.NEW_PASSPHRASE), listOf(child.id))
            assertEquals(1UL, summary.profiles)
            assertEquals(2UL, summary.records)
        }
        val (b, _) = Fixtures.create(tmp.root, "b.carnet")
        b.vault.use { vault ->
            vault.addProfile(Fixtures.owner())
            val first = vault.mergeBackup(handover, BackupKey.Passphrase(Fixtures.NEW_PASSPHRASE))
            assertEquals(1UL, first.profilesAdded)
            assertEquals(2UL, first.recordsAdded)
            // The same handover again adds nothing.
            val second = vault.mergeBackup(handover, BackupKey.Passphrase(Fixtures.NEW_PASSPHRASE))
            assertEquals(0UL, second.recordsAdded)
            assertEquals(2UL, second.recordsSkipped)
            assertEquals(1UL, second.profilesPresent)
            assertEquals(2, vault.records(vault.findProfile("Léa Martin").id).size)
            assertTrue(vault.auditLog().any { it.action is AuditAction.Imported })
        }
    }

    @Test
    fun everyBackupFailureIsTyped() {
        val (created, path) = Fixtures.create(tmp.root)
        val archive = file("backup.carnet-backup")
        created.vault.use { vault ->
            val owner = vault.addProfile(Fixtures.owner())
            vault.addRecord(Fixtures.prescription(owner.id, "Metformine"))
            vault.backup(archive, BackupKey.Passphrase(Fixtures.NEW_PASSPHRASE))

            expect<CarnetException.PassphraseTooShort> { vault.backup(file("b2"), BackupKey.Passphrase("short")) }
            val other = Fixtures.create(tmp.root, "other.carnet").first
            other.vault.close()
            expect<CarnetException.WrongRecoveryKey> { vault.backup(file("b3"), BackupKey.RecoveryKey(other.recoveryKey)) }
            expect<CarnetException.RecoveryKeyMistyped> { vault.backup(file("b4"), BackupKey.RecoveryKey("ABCD-EFGH")) }
            assertFalse(File(file("b2")).exists() || File(file("b3")).exists() || File(file("b4")).exists())

            expect<CarnetException.WrongBackupKey> { vault.mergeBackup(archive, BackupKey.Passphrase("not the passphrase")) }
            expect<CarnetException.NotABackup> { vault.mergeBackup(path, BackupKey.Passphrase(Fixtures.NEW_PASSPHRASE)) }
            val bytes = File(archive).readBytes()
            File(file("truncated")).writeBytes(bytes.copyOf(bytes.size - 100))
            expect<CarnetException.BackupDamaged> { vault.mergeBackup(file("truncated"), BackupKey.Passphrase(Fixtures.NEW_PASSPHRASE)) }
            File(file("flipped")).writeBytes(bytes.copyOf().also { it[it.size / 2] = (it[it.size / 2].toInt() xor 1).toByte() })
            expect<CarnetException.BackupDamaged> { vault.mergeBackup(file("flipped"), BackupKey.Passphrase(Fixtures.NEW_PASSPHRASE)) }
            expect<CarnetException.BackupDamaged> {
                restoreBackup(file("flipped"), BackupKey.Passphrase(Fixtures.NEW_PASSPHRASE), file("restored.carnet"), Fixtures.PASSPHRASE)
            }
            assertFalse("a failed restore leaves nothing", File(file("restored.carnet")).exists())
            expect<CarnetException.AlreadyExists> {
                restoreBackup(archive, BackupKey.Passphrase(Fixtures.NEW_PASSPHRASE), path, Fixtures.PASSPHRASE)
            }
            assertEquals("nothing was imported", 1, vault.records().size)

            // The recovery sheet: only with this vault's recovery key; it holds no health data.
            expect<CarnetException.WrongRecoveryKey> { vault.recoverySheet(other.recoveryKey, "USB key in the drawer") }
            val sheet = vault.recoverySheet(created.recoveryKey, "USB key in the drawer")
            assertTrue(sheet.contains("USB key in the drawer"))
            assertTrue(sheet.contains(created.recoveryKey))
            assertFalse(sheet.contains("Camille") || sheet.contains("Metformine"))
        }

        // Erase: the file is gone, and the object refuses further calls.
        val vault = Vault.unlockWithPassphrase(path, Fixtures.PASSPHRASE)
        vault.erase()
        assertTrue(vault.isLocked())
        assertFalse(File(path).exists())
        expect<CarnetException.VaultLocked> { vault.records() }
        expect<CarnetException.VaultNotFound> { Vault.unlockWithPassphrase(path, Fixtures.PASSPHRASE) }
    }
}
