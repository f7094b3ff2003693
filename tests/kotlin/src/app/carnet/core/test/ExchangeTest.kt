package app.carnet.core.test

import app.carnet.core.*
import app.carnet.core.model.*
import org.junit.Assert.*
import org.junit.Rule
import org.junit.Test
import org.junit.rules.TemporaryFolder

/** The QR exchange between the patient's phone and the doctor's device. */
class ExchangeTest {
    @get:Rule
    val tmp = TemporaryFolder()

    private fun family(vault: Vault): Profile {
        val owner = vault.addProfile(Fixtures.owner())
        vault.addRecord(Fixtures.prescription(owner.id, "Metformine"))
        vault.addRecord(Fixtures.lab(owner.id, "2026-03-01", 7.4))
        vault.addRecord(Fixtures.lab(owner.id, "2026-09-01", 6.9))
        vault.addRecord(Fixtures.allergy(owner.id))
        return owner
    }

    @Test
    fun doctorKeyedExchangeInOneCode() {
        val (created, _) = Fixtures.create(tmp.root)
        created.vault.use { vault ->
            val owner = family(vault)
            DoctorSession(900UL).use { doctor ->
                // The doctor's screen shows the hello; the patient's phone scans it.
                val helloText = doctor.helloText()
                assertTrue(helloText.startsWith("CH1:"))
                val hello = parseHello(helloText)
                assertEquals(doctor.fingerprint(), hello.fingerprint)

                val prepared = vault.sharePreview(owner.id, ShareSelection()).let { preview ->
                    assertTrue(preview.any { it.key == "identity:blood_group" && it.included })
                    assertTrue(preview.any { it.section == Section.ALLERGIES && it.included })
                    // The hello is not signed: nothing is sealed until the patient chooses to.
                    assertThrows(CarnetException.UnverifiedRecipient::class.java) {
                        vault.shareProfile(owner.id, ShareSelection(), helloText, 1800UL)
                    }
                    vault.shareProfile(owner.id, ShareSelection(), helloText, 1800UL, acceptUnverifiedDoctor = true)
                }
                assertTrue(prepared.recipient!!.startsWith("UNVERIFIED recipient"))
                assertEquals(ShareMode.ToHello(doctor.fingerprint()), prepared.mode)
                assertNull(prepared.warning)
                val code = prepared.codes.single()
                assertTrue(code.startsWith("CS1:"))

                // The QR drawing of it.
                val qr = qrCode(code, 25)
                assertEquals(prepared.version, qr.version)
                assertEquals(qr.width.toInt() * qr.width.toInt(), qr.dark.size)
                val png = qrPng(code, 4u)
                assertArrayEquals(byteArrayOf(0x89.toByte(), 'P'.code.toByte(), 'N'.code.toByte(), 'G'.code.toByte()), png.copyOfRange(0, 4))
                assertTrue(qrSvg(code).startsWith("<?xml") || qrSvg(code).startsWith("<svg"))

                // The doctor's reader opens it with the session that showed the hello.
                ReaderSession(listOf(doctor)).use { reader ->
                    assertFalse(reader.progress().complete)
                    assertNull(reader.result())
                    val progress = reader.pushText(code)
                    assertTrue(progress.complete)
                    val opened = reader.result()!!
                    // Both screens show the same comparison code: no device in between.
                    assertEquals(prepared.comparisonCode, opened.comparisonCode)
                    assertEquals(9, opened.comparisonCode!!.length)
                    assertEquals("Camille Martin", opened.pack.patient.name)
                    assertEquals("1966-03-14", opened.pack.patient.birthDate)
                    assertEquals(listOf("Metformine"), opened.pack.medications.map { it.name })
                    assertEquals("6.9", opened.pack.labs.single().latest.value)
                    assertEquals("Arachide", opened.pack.allergies.single().substance)
                    assertNull("INS is opt-in", opened.pack.patient.ins)
                    val page = printableHtml(opened, "en")
                    assertTrue(page.contains("Metformine"))
                    // The same share scanned again (a second camera frame) changes nothing.
                    assertTrue(reader.pushText(code).complete)
                }
                // Logged with the doctor's fingerprint.
                val shared = vault.auditLog().map { it.action }.filterIsInstance<AuditAction.Shared>().single()
                assertEquals(doctor.fingerprint(), shared.recipient)
                assertEquals(owner.id, shared.profileId)
            }
        }
    }

    @Test
    fun framesInAnyOrderAndTheOpenShare() {
        val (created, _) = Fixtures.create(tmp.root)
        created.vault.use { vault ->
            val owner = family(vault)
            // Long letters with their full text: too much for one code.
            for (i in 1..3) vault.addRecord(Fixtures.letter(owner.id, "2026-10-0$i", words = 400, seed = i))
            val doctor = DoctorSession(600UL)
            val selection = ShareSelection(letterText = true)
            val prepared = vault.shareProfile(owner.id, selection, doctor.helloText(), 600UL, acceptUnverifiedDoctor = true)
            assertTrue("animated: ${prepared.codes.size} frames", prepared.codes.size > 1)
            assertNull(prepared.version)

            val reader = ReaderSession(listOf(doctor))
            var last = 0.0
            var complete = false
            for (frame in prepared.codes.shuffled(java.util.Random(7))) {
                val progress = reader.pushText(frame)
                assertTrue(progress.fraction >= last)
                last = progress.fraction
                if (progress.complete) { complete = true; break }
            }
            assertTrue(complete)
            assertEquals(3, reader.result()!!.pack.letters.size)
            assertTrue(reader.result()!!.pack.letters.all { !it.body.isNullOrEmpty() })
            reader.close()
            doctor.close()

            // An open share: anyone reads it, and the app must warn.
            val open = vault.shareProfile(owner.id, ShareSelection(), null, 600UL)
            assertEquals(ShareMode.Open, open.mode)
            assertNotNull(open.warning)
            ReaderSession(emptyList()).use { anyone ->
                assertTrue(anyone.pushText(open.codes.single()).complete)
                assertEquals("Camille Martin", anyone.result()!!.pack.patient.name)
            }
        }
    }

    @Test
    fun aRestoredDoctorSessionStillOpensItsShares() {
        val (created, _) = Fixtures.create(tmp.root)
        created.vault.use { vault ->
            val owner = family(vault)
            val doctor = DoctorSession(600UL)
            val code = vault.shareProfile(owner.id, ShareSelection(), doctor.helloText(), 600UL, acceptUnverifiedDoctor = true).codes.single()
            // The doctor's app kept the secret in its own storage and restarted.
            val restored = DoctorSession.restore(doctor.exportSecret(), doctor.expiresAt())
            assertEquals(doctor.fingerprint(), restored.fingerprint())
            assertTrue(ReaderSession(listOf(restored)).pushText(code).complete)
        }
    }
}
