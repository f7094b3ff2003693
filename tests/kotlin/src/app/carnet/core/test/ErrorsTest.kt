package app.carnet.core.test

import app.carnet.core.*
import app.carnet.core.model.*
import org.junit.Assert.*
import org.junit.Rule
import org.junit.Test
import org.junit.rules.TemporaryFolder
import java.io.File

/** Every failure reaches Kotlin as its own CarnetException subclass, with no secret in it. */
class ErrorsTest {
    @get:Rule
    val tmp = TemporaryFolder()

    @Test
    fun vaultFailures() {
        val (created, path) = Fixtures.create(tmp.root)
        val recoveryKey = created.recoveryKey
        created.vault.use { vault ->
            val owner = vault.addProfile(Fixtures.owner())
            vault.addRecord(Fixtures.prescription(owner.id, "Metformine"))
            vault.addRecord(Fixtures.allergy(owner.id))

            expect<CarnetException.ProfileNotFound> { vault.profile("00000000-0000-4000-8000-000000000000") }
            expect<CarnetException.ProfileNotFound> { vault.findProfile("nobody") }
            expect<CarnetException.RecordNotFound> { vault.record("00000000-0000-4000-8000-000000000000") }
            expect<CarnetException.AttachmentNotFound> {
                vault.exportAttachment("00000000-0000-4000-8000-000000000000", File(tmp.root, "a").path)
            }
            // Refused input: the validators an app calls on form fields, and the core's checks.
            expect<CarnetException.InvalidInput> { validateDate("14/03/1966") }
            expect<CarnetException.InvalidInput> { validateIns("123456789012345") }
            expect<CarnetException.InvalidInput> { validateRpps("10001234567") }
            assertEquals("2026-03-01", validateDate(" 2026-03-01 "))
            assertEquals("266037512345649", validateIns("2 66 03 75 123 456 49"))
            // A malformed id, date or INS that skips validation fails while crossing the
            // boundary, before any core code runs: UniFFI's InternalException, not a
            // CarnetException (documented in bindings/README.md).
            assertThrows(app.carnet.core.InternalException::class.java) { vault.profile("not-a-uuid") }
            assertThrows(app.carnet.core.InternalException::class.java) { vault.addProfile(Fixtures.owner().copy(birthDate = "14/03/1966")) }
            expect<CarnetException.InvalidInput> { vault.addProfile(Fixtures.owner().copy(displayName = " ")) }
            expect<CarnetException.InvalidInput> {
                vault.addRecord(Fixtures.prescription(owner.id, "Metformine").copy(
                    body = RecordBody.Prescription(Prescription(prescriber = Prescriber(name = "Dr X"), date = "2026-01-01", medications = emptyList())),
                ))
            }
            expect<CarnetException.PassphraseTooShort> { vault.changePassphrase("short") }
            expect<CarnetException.NoKeySlot> { Vault.unlockWithKeyStore(path, AesGcmKeyStore()) }
            expect<CarnetException.KeyStoreCancelled> { vault.addPlatformKeySlot(CancellingKeyStore()) }
            expect<CarnetException.KeyStoreUnavailable> { vault.addPlatformKeySlot(UnavailableKeyStore()) }
            // A foreign bug is not a CarnetException: it arrives as Internal, its text dropped.
            val internal = expect<CarnetException.Internal> { vault.addPlatformKeySlot(BrokenKeyStore()) }
            assertFalse(internal.message!!.contains("bug in the app"))
            vault.addPlatformKeySlot(WrongKeyStore())
            expect<CarnetException.WrongPlatformKey> { Vault.unlockWithKeyStore(path, WrongKeyStore()) }
            vault.addPlatformKeySlot(AesGcmKeyStore())
            expect<CarnetException.KeyStoreFailed> { Vault.unlockWithKeyStore(path, AesGcmKeyStore()) }
            expect<CarnetException.KeyStoreCancelled> { Vault.unlockWithKeyStore(path, CancellingKeyStore()) }
        }
        expect<CarnetException.WrongPassphrase> { Vault.unlockWithPassphrase(path, "wrong but long enough") }
        expect<CarnetException.WrongRecoveryKey> {
            Vault.unlockWithRecoveryKey(path, recoveryKeyOf(createVault(File(tmp.root, "other.carnet").path, Fixtures.PASSPHRASE)))
        }
        val typo = recoveryKey.substring(0, 5) + (if (recoveryKey[5] == 'A') 'B' else 'A') + recoveryKey.substring(6)
        expect<CarnetException.RecoveryKeyMistyped> { Vault.unlockWithRecoveryKey(path, typo) }
        expect<CarnetException.VaultNotFound> { Vault.unlockWithPassphrase(File(tmp.root, "none.carnet").path, Fixtures.PASSPHRASE) }
        expect<CarnetException.AlreadyExists> { createVault(path, Fixtures.PASSPHRASE) }
        expect<CarnetException.PassphraseTooShort> { createVault(File(tmp.root, "new.carnet").path, "short") }
        val junk = File(tmp.root, "junk.carnet").apply { writeBytes(ByteArray(8192) { 0x41 }) }
        expect<CarnetException.NotAVault> { Vault.unlockWithPassphrase(junk.path, Fixtures.PASSPHRASE) }

        val locked = Vault.unlockWithPassphrase(path, Fixtures.PASSPHRASE)
        locked.lock()
        expect<CarnetException.VaultLocked> { locked.profiles() }
        locked.close()
    }

    private fun recoveryKeyOf(created: CreatedVault): String {
        created.vault.close()
        return created.recoveryKey
    }

    @Test
    fun shareFailures() {
        val (created, _) = Fixtures.create(tmp.root)
        created.vault.use { vault ->
            val owner = vault.addProfile(Fixtures.owner())
            vault.addRecord(Fixtures.allergy(owner.id))
            val doctor = DoctorSession(600UL)
            val code = vault.shareProfile(owner.id, ShareSelection(), doctor.helloText(), 600UL, acceptUnverifiedDoctor = true).codes.single()

            expect<CarnetException.NotACarnetCode> { ReaderSession(listOf(doctor)).pushText("https://example.org/") }
            expect<CarnetException.MalformedCode> { ReaderSession(listOf(doctor)).pushText(code.substring(0, code.length / 2)) }
            expect<CarnetException.MalformedCode> { ReaderSession(listOf(doctor)).pushText(doctor.helloText()) }
            // Sealed to this doctor: another device, or none, cannot open it.
            expect<CarnetException.WrongDevice> { ReaderSession(listOf(DoctorSession(600UL))).pushText(code) }
            expect<CarnetException.WrongDevice> { ReaderSession(emptyList()).pushText(code) }
            // One character changed: the share never opens, and mostly fails authentication.
            val outcomes = (20 until code.length step 7).map { i ->
                val swapped = code.substring(0, i) + (if (code[i] == '0') '1' else '0') + code.substring(i + 1)
                try {
                    ReaderSession(listOf(doctor)).pushText(swapped)
                    "opened"
                } catch (e: CarnetException) {
                    e::class.simpleName
                }
            }.toSet()
            assertTrue(outcomes.toString(), "Tampered" in outcomes)
            // A changed key id or version byte reads as another device's share or a newer format.
            val allowed = setOf("Tampered", "MalformedCode", "WrongDevice", "NewerVersion")
            assertTrue(outcomes.toString(), outcomes.all { it in allowed })
            expect<CarnetException.NoCodeInImage> { ReaderSession(listOf(doctor)).pushImage(byteArrayOf(1, 2, 3)) }
            expect<CarnetException.DoesNotFit> { qrCode("A".repeat(2000), 1) }
            expect<CarnetException.InvalidInput> { printableHtml(ReaderSession(listOf(doctor)).let { it.pushText(code); it.result()!! }, "de") }

            val card = vault.emergencyCard(owner.id)
            expect<CarnetException.Tampered> { verifyEmergencyCard(card.replace("Arachide", "Arachidf")) }
            expect<CarnetException.NotACarnetCode> { verifyEmergencyCard("hello\nworld") }
            expect<CarnetException.NewerVersion> { verifyEmergencyCard(card.replace(" C1-", " C2-")) }

            // Expiry, in seconds: a hello and a share that last one second.
            val shortDoctor = DoctorSession(1UL)
            val shortShare = vault.shareProfile(owner.id, ShareSelection(), doctor.helloText(), 1UL, acceptUnverifiedDoctor = true).codes.single()
            Thread.sleep(2100)
            expect<CarnetException.HelloExpired> { parseHello(shortDoctor.helloText()) }
            expect<CarnetException.HelloExpired> {
                vault.shareProfile(owner.id, ShareSelection(), shortDoctor.helloText(), 600UL, acceptUnverifiedDoctor = true)
            }
            expect<CarnetException.ShareExpired> { ReaderSession(listOf(doctor)).pushText(shortShare) }
        }
    }
}
